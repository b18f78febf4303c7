"""Shared fixtures: a fresh database per test, the three demo roles, a logged-in console.

Every test runs with its own config and data directories, so nothing reads or
writes the real user's files.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

DEMO_PASSWORD = "demo"


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("CSDESK_CONFIG", str(home / "config" / "csdesk" / "config.toml"))
    monkeypatch.setenv("CSDESK_TIMEZONE", "Asia/Shanghai")
    monkeypatch.delenv("CSDESK_DB", raising=False)
    monkeypatch.setenv("CSDESK_LANG", "en")  # tests read English messages unless they ask for Chinese
    from csdesk.clock import _zone
    from csdesk.i18n import set_language

    _zone.cache_clear()
    set_language("en")
    yield
    set_language("en")


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "desk.db"


@pytest.fixture
def engine(db_path):
    from csdesk.db import open_database

    engine = open_database(str(db_path))
    yield engine
    engine.dispose()


@pytest.fixture
def agents(engine):
    """Agent 1001, supervisor 2001, manager 9001 (password 'demo'), as AgentInfo by staff number."""
    from csdesk.db import write_session
    from csdesk.domain import Role
    from csdesk.services.accounts import add_agent

    with write_session(engine) as session:
        made = {
            "1001": add_agent(session, "1001", "张敏", DEMO_PASSWORD, Role.AGENT),
            "2001": add_agent(session, "2001", "李强", DEMO_PASSWORD, Role.SUPERVISOR),
            "9001": add_agent(session, "9001", "王芳", DEMO_PASSWORD, Role.MANAGER),
        }
    return made


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
        return CsdeskApp(db=str(db_path), **kwargs)

    return make
