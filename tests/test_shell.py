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
