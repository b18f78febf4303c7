"""The console shell: login (right, wrong, deactivated), first account, navigation, lock."""

from __future__ import annotations

from textual.widgets import Input, Static

from tests.conftest import login, wait_for


async def test_login_right_password_opens_the_desk(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, "1001", "demo")
        assert app.agent.staff_no == "1001"
        assert app.agent.name == "张敏"
        assert "home" in app.modes_ready
        header = app.screen.query_one("#hdr-agent", Static)
        assert "1001" in str(header.render())


async def test_login_wrong_password_says_so_without_saying_which(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.engine is not None and not app.screen.query_one("#login-button").disabled)
        app.screen.query_one("#staff-no", Input).value = "1001"
        app.screen.query_one("#password", Input).value = "wrong"
        app.screen.query_one("#password", Input).focus()
        await pilot.press("enter")
        error = app.screen.query_one("#login-error", Static)
        await wait_for(pilot, lambda: "Wrong" in str(error.render()))
        assert str(error.render()) == "Wrong staff number or password."
        assert app.agent is None
        # unknown staff number: the very same message
        app.screen.query_one("#staff-no", Input).value = "7777"
        app.screen.query_one("#password", Input).value = "demo"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.query_one("#password", Input).value == "")
        assert str(error.render()) == "Wrong staff number or password."
        assert app.agent is None


async def test_deactivated_agent_cannot_log_in(make_app, engine, agents):
    from csdesk.services.accounts import set_active
    from csdesk.store.engine import write_session

    with write_session(engine) as session:
        set_active(session, agents["9001"], "1001", False)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.engine is not None and not app.screen.query_one("#login-button").disabled)
        app.screen.query_one("#staff-no", Input).value = "1001"
        app.screen.query_one("#password", Input).value = "demo"
        await pilot.click("#login-button")
        error = app.screen.query_one("#login-error", Static)
        await wait_for(pilot, lambda: "deactivated" in str(error.render()))
        assert app.agent is None


async def test_agent_prefill_moves_focus_to_the_password(make_app):
    app = make_app(agent="2001")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.engine is not None)
        assert app.screen.query_one("#staff-no", Input).value == "2001"
        assert app.focused.id == "password"
        await pilot.press(*"demo", "enter")  # typed key by key, as at the desk
        await wait_for(pilot, lambda: app.agent is not None)
        assert app.agent.role.value == "supervisor"


async def test_empty_database_offers_the_first_manager_account():
    import sqlite3

    from csdesk.paths import default_db_path
    from screens.app import CsdeskApp

    empty_db_path = default_db_path()  # only the first start on the default path makes a database
    app = CsdeskApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.engine is not None and app.screen.creating_first)
        await pilot.pause()  # the first-account fields are shown: let the layout move the button
        status = str(app.screen.query_one("#login-status", Static).render())
        assert "first manager" in status
        screen = app.screen
        screen.query_one("#staff-no", Input).value = "9001"
        screen.query_one("#name", Input).value = "王芳"
        screen.query_one("#password", Input).value = "s3cret-pw"
        screen.query_one("#confirm", Input).value = "typo"
        await pilot.click("#login-button")
        await wait_for(pilot, lambda: "differ" in str(screen.query_one("#login-error", Static).render()))
        assert app.agent is None
        screen.query_one("#confirm", Input).value = "s3cret-pw"
        await pilot.pause()  # the error line moved the button: click where it is now
        await pilot.click("#login-button")
        await wait_for(pilot, lambda: app.agent is not None)
        await pilot.pause()
        assert app.agent.role.value == "manager"
        assert app.current_mode in app.modes_ready  # the desk, not the login screen
    assert sqlite3.connect(empty_db_path).execute("SELECT staff_no, name, role FROM agent").fetchall() == [
        ("9001", "王芳", "manager")]


async def test_function_keys_and_palette_reach_the_screens(make_app):
    from screens.app import DESK_MODES

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        # before login the F-keys go nowhere
        await pilot.press("f5")
        assert app.agent is None
        await login(pilot)
        available = [m for m in DESK_MODES if m.name in app.modes_ready]
        assert available, "at least the overview exists"
        for mode in available:
            if mode.key:
                await pilot.press(mode.key)
            else:  # no F-key left for it: reached from the overview
                await pilot.press("f5")
                await pilot.pause()
                await pilot.press(mode.home_key)
            await pilot.pause()
            assert app.current_mode == mode.name
        # every offered binding shows in the footer with an id
        shown = {b.binding.id for b in app.screen.active_bindings.values() if b.binding.show}
        assert {f"goto.{m.name}" for m in available if m.key} <= shown
        # the command palette lists the screens and the lock
        commands = [c.title for c in app.get_system_commands(app.screen)]
        assert "Lock the screen" in commands
        for mode in available:
            assert any(mode.title.lower() in c.lower() for c in commands)


async def test_the_palette_reaches_every_key_of_the_screen(make_app):
    """Ctrl+P, type an action's name, Enter: the same as pressing its key."""
    app = make_app(screen="log")
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot)
        await wait_for(pilot, lambda: app.current_mode == "log")
        screen = app.screen
        keys = {b.binding.description for b in screen.active_bindings.values()
                if b.node is not app and b.enabled and b.binding.id}
        titles = {c.title for c in app.get_system_commands(screen)}
        assert keys and keys <= titles, keys - titles
        side = screen.query_one("#log-side")
        assert side.display
        await pilot.press("ctrl+p")
        await pilot.pause()
        for ch in "Detail pane":
            await pilot.press("space" if ch == " " else ch)
        await wait_for(pilot, lambda: "Detail pane" in str(app.screen.query_one("CommandList").get_option_at_index(0).prompt)
                       if app.screen.query("CommandList") and app.screen.query_one("CommandList").option_count else False)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen and not side.display)


async def test_lock_screen_needs_the_agents_password(make_app):
    from screens.login import LockScreen

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot)
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: isinstance(app.screen, LockScreen))
        await pilot.press("f5")  # navigation is closed while locked
        assert isinstance(app.screen, LockScreen)
        app.screen.query_one("#unlock-password", Input).value = "wrong"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Wrong" in str(app.screen.query_one("#lock-error", Static).render()))
        assert isinstance(app.screen, LockScreen)
        app.screen.query_one("#unlock-password", Input).value = "demo"
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, LockScreen))
    # lock, the failed unlock and the unlock are in the audit log, under the agent
    import sqlite3

    rows = sqlite3.connect(app.db).execute(
        "SELECT action, detail FROM auditlog WHERE staff_no = '1001' AND action IN "
        "('lock', 'unlock', 'login_failed') ORDER BY id").fetchall()
    assert rows == [("lock", "Ctrl+L"), ("login_failed", "unlock: wrong password (1 in a row)"), ("unlock", "unlock")]


async def test_the_console_runs_the_timed_rules(make_app, engine, agents):
    """An overdue order escalates once from a console's timer, with no csdesk tick running."""

    from csdesk.clock import FakeClock, local, set_clock
    from csdesk.domain import Urgency
    from csdesk.services.orders import OrderSpec, open_order
    from csdesk.store.engine import write_session

    clock = FakeClock(local(2026, 11, 23, 9, 0))
    set_clock(clock)
    try:
        with write_session(engine) as s:
            order = open_order(s, agents["1001"], OrderSpec(description="电梯异响", urgency=Urgency.URGENT))
        clock.advance(hours=2, minutes=1)
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            await login(pilot)
            app.run_tick()
            await wait_for(pilot, lambda: app.last_tick is not None)
            assert app.last_tick.overdue_orders == (order.id,)
            clock.advance(minutes=1)
            first = app.last_tick
            app.run_tick()
            await wait_for(pilot, lambda: app.last_tick is not first)
            assert app.last_tick.overdue_orders == ()
    finally:
        set_clock(None)


async def test_overview_shows_todays_figures(make_app, engine, agents):
    from csdesk.clock import now
    from csdesk.store.engine import write_session
    from csdesk.store.models import Callback

    with write_session(engine) as session:
        session.add(Callback(kind="promised_reply", due_at=now(), agent_id=agents["1001"].id))
    app = make_app(screen="home")
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot)
        await pilot.press("f5")
        figures = app.screen.query_one("#home-figures", Static)
        await wait_for(pilot, lambda: "call-backs due within the hour: 1" in str(figures.render()))


async def test_unusable_database_is_explained_on_the_login_screen(tmp_path):
    from screens.app import CsdeskApp

    bad = tmp_path / "bad.db"
    bad.write_bytes(b"not sqlite at all" * 200)
    app = CsdeskApp(db=str(bad))
    async with app.run_test(size=(120, 40)) as pilot:
        status = app.screen.query_one("#login-status", Static)
        await wait_for(pilot, lambda: "not a csdesk database" in str(status.render()))
        assert app.screen.query_one("#login-button").disabled


async def test_the_log_is_built_behind_the_first_screen_after_login(make_app):
    from screens.app import DESK_MODES

    app = make_app(screen="home", warm_up=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot)
        assert app.current_mode == "home"
        await wait_for(pilot, lambda: app.warm_up_done)
        warm = [m.name for m in DESK_MODES if m.warm and m.name in app.modes_ready]
        for name in warm:
            assert app._screen_stacks.get(name), name  # built, not shown
        assert app.current_mode == "home"
        if warm:
            await pilot.press(next(m.key for m in DESK_MODES if m.name == warm[0]))
            await pilot.pause()
            assert app.current_mode == warm[0]


async def test_the_heap_is_frozen_after_the_warm_up_and_thawed_on_exit(make_app):
    """After login the long-lived objects leave the collector's walk (no 100 ms
    full collections mid-shift); closing the console gives them back."""
    import gc

    before = gc.get_freeze_count()
    app = make_app(screen="home", warm_up=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot)
        await wait_for(pilot, lambda: app.heap_frozen, timeout=5)
        assert gc.get_freeze_count() > before + 10_000
    assert gc.get_freeze_count() == 0


async def test_the_header_names_the_screen(make_app):
    app = make_app(screen="home")
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot)
        title = app.screen.query_one("#hdr-title", Static)
        await wait_for(pilot, lambda: str(title.render()) == "csdesk · Overview")
        if "log" in app.modes_ready:
            await pilot.press("f2")
            await wait_for(pilot, lambda: str(app.screen.query_one("#hdr-title", Static).render())
                           == "csdesk · Visit log")
