"""Shared fixtures: a fresh database per test, the three demo roles, a logged-in console.

Every test runs with its own config and data directories, so nothing reads or
writes the real user's files.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

DEMO_PASSWORD = "demo"


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))  # the console's log (screens/errors.py)
    monkeypatch.setenv("CSDESK_CONFIG", str(home / "config" / "csdesk" / "config.toml"))
    monkeypatch.setenv("CSDESK_TIMEZONE", "Asia/Shanghai")
    monkeypatch.delenv("CSDESK_DB", raising=False)
    monkeypatch.setenv("CSDESK_LANG", "en")  # tests read English messages unless they ask for Chinese
    from csdesk.clock import _zone, set_zone
    from csdesk.i18n import set_language

    set_zone()  # forget a zone installed by an earlier test's settings: CSDESK_TIMEZONE again
    _zone.cache_clear()
    set_language("en")
    yield
    set_language("en")


def _cheap_hasher():
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch, request):
    """Logins verify a cheap argon2 hash (the production parameters cost 0.1-0.3 s a
    login); tests marked ``real_hashing`` keep the real ones."""
    if request.node.get_closest_marker("real_hashing"):
        return
    import csdesk.services.accounts as accounts

    monkeypatch.setattr(accounts, "_hasher", _cheap_hasher())


@pytest.fixture(scope="session")
def desk_template(tmp_path_factory):
    """One migrated database with the three demo roles, made once per test process;
    each test gets a copy (migrating and hashing cost about half a second)."""
    import csdesk.services.accounts as accounts
    from csdesk.store.engine import open_database, write_session
    from csdesk.store.models import Agent

    home = tmp_path_factory.mktemp("desk-template")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(accounts, "_hasher", _cheap_hasher())
        mp.setenv("XDG_CONFIG_HOME", str(home / "config"))
        mp.setenv("XDG_DATA_HOME", str(home / "data"))
        mp.setenv("CSDESK_CONFIG", str(home / "config" / "csdesk" / "config.toml"))
        path = home / "template.db"
        engine = open_database(str(path))
        with write_session(engine) as session:
            # as the demo makes them: the short demo password is below the rule for new ones
            session.info["no_audit"] = True
            for staff_no, name, role in (("1001", "张敏", "agent"), ("2001", "李强", "supervisor"),
                                         ("9001", "王芳", "manager")):
                session.add(Agent(staff_no=staff_no, name=name, role=role,
                                  password_hash=accounts.hash_password(DEMO_PASSWORD), hire_date=None))
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
    return path


@pytest.fixture
def db_path(tmp_path, desk_template) -> Path:
    """A copy of the template: migrated, with agent 1001, supervisor 2001, manager 9001."""
    path = tmp_path / "desk.db"
    shutil.copyfile(desk_template, path)
    return path


@pytest.fixture
def empty_db_path(tmp_path) -> Path:
    """A path where no database exists yet."""
    return tmp_path / "new.db"


@pytest.fixture
def engine(db_path):
    from csdesk.store.engine import open_database

    engine = open_database(str(db_path))
    yield engine
    engine.dispose()


@pytest.fixture
def agents(engine):
    """Agent 1001, supervisor 2001, manager 9001 (password 'demo'), as Actors by staff number."""
    from csdesk.services.accounts import get_agent
    from csdesk.store.engine import read_session

    with read_session(engine) as session:
        return {staff_no: get_agent(session, staff_no) for staff_no in ("1001", "2001", "9001")}


async def wait_for(pilot, predicate, timeout: float = 10.0) -> None:
    """Let the app run until ``predicate()`` holds (workers finish, messages land)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await pilot.pause(0.02)


async def login(pilot, staff_no: str = "1001", password: str = DEMO_PASSWORD) -> None:
    """Log in through the login screen as a person would (values set, Enter pressed)."""
    from textual.widgets import Input

    app = pilot.app
    await wait_for(pilot, lambda: app.engine is not None and not app.screen.query_one("#login-button").disabled)
    app.screen.query_one("#staff-no", Input).value = staff_no
    pw = app.screen.query_one("#password", Input)
    pw.value = password
    pw.focus()
    await pilot.press("enter")
    await wait_for(pilot, lambda: app.agent is not None)
    await pilot.pause()


@pytest.fixture
def make_app(db_path, agents):
    """Build a console on the test database: ``app = make_app(screen="log")``."""
    from screens.app import CsdeskApp

    def make(**kwargs):
        kwargs.setdefault("warm_up", False)  # keep each test's console to the screens it uses
        kwargs.setdefault("timed_rules", False)  # a test runs the tick itself when it is the subject
        return CsdeskApp(db=str(db_path), **kwargs)

    return make
