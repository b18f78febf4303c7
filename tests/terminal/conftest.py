"""Fixtures of the real-terminal tests: desks, consoles, a known caller, a busy machine."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.terminal.harness import DEFAULT_SIZE, Console, CpuBurner, Desk

# a pseudo-terminal, SIGSTOP and SIGKILL: POSIX only (pexpect's spawn does not exist on Windows)
collect_ignore_glob = [] if os.name == "posix" else ["test_*.py"]

_phones = itertools.count(1)


def unique_phone(prefix: str = "139") -> str:
    """A mobile number no other test in this process uses (recognition must not find an earlier one)."""
    return f"{prefix}{os.getpid() % 10000:04d}{next(_phones):04d}"


def on_desk(desk: Desk, fn: Callable[[Any, dict], Any]) -> Any:
    """Run ``fn(session, agents)`` in a write session on the desk's database (a test's set-up);
    ``agents``: 1001, 2001 and 9001 as Actors."""
    from csdesk.services.accounts import get_agent
    from csdesk.store.engine import open_database, read_session, write_session

    with pytest.MonkeyPatch.context() as mp:
        for key, value in desk.env().items():
            if key.startswith(("XDG_", "CSDESK_")):
                mp.setenv(key, value)
        engine = open_database(str(desk.db_path))
        try:
            with read_session(engine) as session:
                agents = {no: get_agent(session, no) for no in ("1001", "2001", "9001")}
            with write_session(engine) as session:
                return fn(session, agents)
        finally:
            engine.dispose()


def seed_caller(desk: Desk, phone: str, name: str, building: str = "3", unit: str = "2", room: str = "1201",
                summary: str = "咨询停车位") -> int:
    """A known caller: an earlier contact recorded through the service; returns the customer id."""
    from csdesk.services.intake import IntakeForm, record_contact

    return on_desk(desk, lambda s, a: record_contact(s, IntakeForm(
        phone=phone, name=name, building=building, unit=unit, room=room, category="inquiry", summary=summary),
        a["1001"]).customer_id)


@pytest.fixture(scope="module")
def desk(tmp_path_factory, desk_template) -> Desk:
    """One database and home per test module (its console's)."""
    return Desk.from_template(tmp_path_factory.mktemp("term-desk"), desk_template)


@pytest.fixture
def fresh_desk(tmp_path, desk_template) -> Desk:
    """A database and home of this test alone."""
    return Desk.from_template(tmp_path / "desk", desk_template)


@pytest.fixture(scope="module")
def console(request, desk) -> Iterator[Console]:
    """One console for the module: started, logged in as agent 1001 by typing, on intake.

    Its size is the module's ``CONSOLE_SIZE`` (columns, rows), else 120×40.
    """
    size = getattr(request.module, "CONSOLE_SIZE", DEFAULT_SIZE)
    con = Console(desk, size, name="module-console").start()
    try:
        con.login("1001")
        con.intake_ready()
        yield con
    finally:
        con.kill()  # the desk is thrown away: no need to wait for a clean exit


@pytest.fixture(scope="module")
def supervisor(desk) -> Iterator[Console]:
    """A console of the module, logged in as supervisor 2001 by typing (the complaints and visits tests)."""
    con = Console(desk, name="supervisor-console").start()
    try:
        con.login("2001")
        yield con
    finally:
        con.kill()


@pytest.fixture
def intake(console) -> Console:
    """The module's console on an empty intake form (started again if an earlier test broke it)."""
    try:
        console.reset_intake()
    except AssertionError:
        console.restart()
        console.login("1001")
        console.reset_intake()
    return console


@pytest.fixture
def open_console(fresh_desk) -> Iterator[Callable[..., Console]]:
    """Start consoles for this test (closed at its end): ``open_console(size=(100, 30), login="1001")``."""
    started: list[Console] = []

    def start(desk: Desk | None = None, size: tuple[int, int] = DEFAULT_SIZE, lang: str = "en",
              login: str | None = None, name: str | None = None, **kwargs) -> Console:
        con = Console(desk or fresh_desk, size, lang, name=name or f"console-{len(started) + 1}", **kwargs)
        started.append(con.start())
        if login:
            con.login(login)
        return con

    yield start
    for con in started:
        con.kill()


@pytest.fixture
def burner() -> Iterator[CpuBurner]:
    """A CPU burner the test starts (``burner.start()`` or ``with burner:``); stopped at the end."""
    burn = CpuBurner()
    yield burn
    burn.stop()


@pytest.fixture
def busy(burner) -> CpuBurner:
    """Every core kept busy by other processes for the whole test."""
    return burner.start()


def pytest_collection_modifyitems(items) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.terminal)
