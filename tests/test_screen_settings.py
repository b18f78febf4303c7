"""Settings the README promises that live in the console: ``page_size`` (rows per page of
the visit log) and ``lock_after_minutes`` (the idle lock; 0: never)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from textual.widgets import Input, Static

import screens.app
from csdesk.clock import FakeClock, set_clock
from screens.login import LockScreen
from tests.conftest import login, wait_for


async def test_page_size_from_the_configuration_file(make_app, engine, agents, monkeypatch, tmp_path):
    from screens.log import LogScreen, RegisterTable
    from tests.test_register_data import seed

    config = tmp_path / "config.toml"
    config.write_text("page_size = 20\n", encoding="utf-8")
    monkeypatch.setenv("CSDESK_CONFIG", str(config))
    seed(engine, agents, filler=25)
    app = make_app(screen="log")
    async with app.run_test(size=(160, 45)) as pilot:
        await login(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, LogScreen) and app.screen.total is not None
                       and not app.screen.page_loading)
        screen = app.screen
        assert screen.query_one(RegisterTable).row_count == 20
        assert str(screen.query_one("#log-status", Static).render()) == "rows 1–20 of 30"


@pytest.fixture
def clock(monkeypatch):
    monkeypatch.setattr(screens.app, "IDLE_CHECK_SECONDS", 0.05)
    fake = FakeClock(datetime(2026, 11, 22, 1, 0, tzinfo=UTC))
    set_clock(fake)
    yield fake
    set_clock(None)


async def test_the_console_locks_itself_after_lock_after_minutes_without_a_key(make_app, monkeypatch, clock):
    monkeypatch.setenv("CSDESK_LOCK_AFTER_MINUTES", "10")
    app = make_app(screen="home")
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot)
        assert app.lock_after_minutes() == 10
        clock.advance(minutes=9, seconds=59)
        await pilot.pause(0.2)  # the timer looked a few times
        app.lock_if_idle()
        assert not isinstance(app.screen, LockScreen)
        await pilot.press("r")  # a key: someone is at the desk
        clock.advance(minutes=9)
        await pilot.pause(0.2)
        assert not isinstance(app.screen, LockScreen)
        await pilot.click("#home-figures")  # the mouse counts too
        clock.advance(minutes=9)
        await pilot.pause(0.2)
        app.lock_if_idle()
        assert not isinstance(app.screen, LockScreen)
        clock.advance(minutes=1)
        await wait_for(pilot, lambda: isinstance(app.screen, LockScreen)  # the timer locks it
                       and bool(app.screen.query("#unlock-password")))
        # the usual lock: the agent's password opens it, and the count starts again
        app.screen.query_one("#unlock-password", Input).value = "demo"
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, LockScreen))
        clock.advance(minutes=9)
        app.lock_if_idle()
        assert not isinstance(app.screen, LockScreen)


async def test_lock_after_zero_minutes_never_locks(make_app, monkeypatch, clock):
    monkeypatch.setenv("CSDESK_LOCK_AFTER_MINUTES", "0")
    app = make_app(screen="home")
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot)
        clock.advance(minutes=24 * 60)
        await pilot.pause(0.2)
        app.lock_if_idle()
        assert not isinstance(app.screen, LockScreen)
        await pilot.press("ctrl+l")  # the key still locks
        await wait_for(pilot, lambda: isinstance(app.screen, LockScreen))
