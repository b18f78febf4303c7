"""The footer does not keep its old keys alive (Textualize/textual#6666)."""

from __future__ import annotations

import gc

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Input

from screens.compat import footer_key_class
from screens.widgets import DeskFooter


class Host(App):
    BINDINGS = [Binding("f9", "bell", "Ring", id="test.ring")]

    def __init__(self, footer: type[Footer]) -> None:
        super().__init__()
        self.footer = footer

    def compose(self) -> ComposeResult:
        yield Input(id="one")
        yield Input(id="two")
        yield self.footer()


async def _focus_back_and_forth(footer: type[Footer]) -> tuple[int, int]:
    app = Host(footer)
    async with app.run_test() as pilot:
        for _ in range(15):  # every focus change rebuilds the footer's keys
            await pilot.press("tab")
            await pilot.pause()
        await pilot.pause(0.1)
        gc.collect()
        shown = len(app.query(footer_key_class()))
        watchers = len(getattr(app.query_one(Footer), "__watchers", {}).get("compact", []))  # what compat.drop_dead_watchers prunes
    return shown, watchers


async def test_focus_changes_leave_no_dead_footer_keys_behind():
    shown, watchers = await _focus_back_and_forth(DeskFooter)
    assert shown >= 1
    assert watchers <= shown  # one per key on the footer at most: none for keys long gone


async def test_the_plain_footer_still_leaks_when_this_check_is_no_longer_needed():
    """Fails once Textual fixes the leak: then DeskFooter can go."""
    shown, watchers = await _focus_back_and_forth(Footer)
    assert watchers > shown


async def test_the_f_keys_come_first_on_the_footer_of_a_narrow_terminal(make_app):
    """Textual lists the focused field's and the screen's keys before the App's: at 80 columns
    intake's own keys pushed F1–F4 off the footer."""
    from tests.conftest import login, wait_for

    app = make_app(screen="intake")
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot)
        await wait_for(pilot, lambda: app.screen.id != "login" and len(app.screen.query(footer_key_class())) > 4)
        await pilot.pause()
        keys = [k for k in app.screen.query(footer_key_class()) if k.region.width]
        assert [k.key for k in keys[:4]] == ["f1", "f2", "f3", "f4"]
        assert all(k.region.right <= 80 for k in keys[:4])
