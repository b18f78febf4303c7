"""Canaries for the private Textual names the console relies on (screens/compat.py).

Each test fails on the first Textual release that renames or changes what the
shim needs; the last one fails when a module of screens/ uses a private
Textual name outside the compat module.
"""

from __future__ import annotations

import ast
import functools
import inspect
from pathlib import Path

from textual import events
from textual.app import App, ComposeResult
from textual.message_pump import MessagePump
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Input, Static

from screens import compat

SCREENS = Path(__file__).resolve().parent.parent / "screens"


class Plain(Screen):
    def compose(self) -> ComposeResult:
        yield Static("plain")


class Modes(App):
    MODES = {"one": Plain, "two": Plain}
    DEFAULT_MODE = "one"


async def test_screen_stacks_hold_the_built_modes():
    app = Modes()
    async with app.run_test() as pilot:
        await pilot.pause()
        assert isinstance(app._screen_stacks, dict)
        assert compat.mode_is_built(app, "one") and not compat.mode_is_built(app, "two")
        assert app._screen_stacks["one"][0] is app.screen


async def test_init_mode_builds_without_switching():
    app = Modes()
    async with app.run_test() as pilot:
        compat.build_mode(app, "two")
        await pilot.pause()
        assert compat.mode_is_built(app, "two") and app.current_mode == "one"
        built = app._screen_stacks["two"][0]
        assert isinstance(built, Plain) and built.is_mounted
        app.switch_mode("two")
        await pilot.pause()
        assert app.screen is built  # the built screen is the one shown later


class Watched(Widget):
    value: reactive[int] = reactive(0)


class Host(App):
    def compose(self) -> ComposeResult:
        yield Watched(id="watched")
        yield Static(id="watcher")


async def test_watchers_live_in_the_dunder_watchers_dict():
    app = Host()
    async with app.run_test() as pilot:
        watched = app.query_one(Watched)
        watcher = app.query_one("#watcher", Static)
        seen = []
        watcher.watch(watched, "value", lambda value: seen.append(value), init=False)
        entries = getattr(watched, "__watchers")["value"]
        assert entries == [(watcher, entries[0][1])]  # (watching node, callback)
        watched.value = 1
        await pilot.pause()
        assert seen == [1]
        compat.drop_dead_watchers(watched)  # alive: kept
        assert len(getattr(watched, "__watchers")["value"]) == 1
        await watcher.remove()
        await pilot.pause()
        assert len(getattr(watched, "__watchers")["value"]) == 1  # Textual keeps it (textual#6666)
        compat.drop_dead_watchers(watched)
        assert getattr(watched, "__watchers")["value"] == []


async def test_message_pumps_say_when_they_are_closing():
    app = Host()
    async with app.run_test() as pilot:
        static = app.query_one("#watcher", Static)
        assert static._closing is False
        await static.remove()
        await pilot.pause()
        assert static._closing is True and not static.is_attached


def test_styles_cache_memoises_get_inner_outer():
    from textual._styles_cache import StylesCache

    cached = StylesCache.get_inner_outer
    assert hasattr(cached, "cache_clear") and hasattr(cached, "cache_info")
    assert isinstance(inspect.unwrap(cached), type(lambda: None)) and cached is not inspect.unwrap(cached)
    assert isinstance(cached, functools._lru_cache_wrapper)
    compat.clear_render_caches()
    assert cached.cache_info().currsize == 0


async def test_the_footer_shows_its_keys_as_footer_keys():
    key_class = compat.footer_key_class()

    class WithFooter(App):
        BINDINGS = [("f9", "bell", "Ring")]

        def compose(self) -> ComposeResult:
            yield Footer()

    app = WithFooter()
    async with app.run_test() as pilot:
        await pilot.pause()
        assert len(app.query(key_class)) >= 1


class KeepsPaste(Input):
    def on_paste(self, event: events.Paste) -> None:
        self.insert_text_at_cursor(event.text.replace("\n", "+"))
        event.stop()
        event.prevent_default()


class TakesDown(Widget, can_focus=True):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def on_key(self, event: events.Key) -> None:
        if event.key == "down":
            self.seen.append("on_key")
            event.prevent_default()

    def key_down(self) -> None:  # Widget._on_key would call it
        self.seen.append("key_down")

    def key_up(self) -> None:
        self.seen.append("key_up")


async def test_a_public_handler_with_prevent_default_replaces_the_base_classes_one():
    """What PageTable.on_key and DeskInput.on_paste rely on instead of overriding ``_on_key``/``_on_paste``:
    the subclass's handler runs first and ``prevent_default()`` keeps the base class's from running."""

    class Both(App):
        def compose(self) -> ComposeResult:
            yield KeepsPaste(id="paste")
            yield TakesDown()

    app = Both()
    async with app.run_test() as pilot:
        box = app.query_one(KeepsPaste)
        box.focus()
        box.post_message(events.Paste("a\nb"))
        await pilot.pause()
        assert box.value == "a+b"  # Input's own handler would have inserted "a" as well
        taker = app.query_one(TakesDown)
        taker.focus()
        await pilot.press("down", "up")
        assert taker.seen == ["on_key", "key_up"]


PRIVATE = ("_screen_stacks", "_init_mode", "__watchers", "_closing", "_styles_cache", "StylesCache",
           "textual._", "textual.widgets._", "_on_key", "_on_paste", "_forward_event", "_get_dispatch_methods")


def test_no_private_textual_name_outside_the_compat_module():
    """Every private Textual name used by screens/ goes through screens/compat.py.

    Also catches a screen method or attribute that reuses a private name Textual defines
    for itself (overriding it without knowing).
    """
    import importlib

    for path in sorted(SCREENS.glob("*.py")):
        if path.name == "compat.py":
            continue
        source = path.read_text(encoding="utf-8")
        for name in PRIVATE:
            assert name not in source, f"{path.name} uses {name}: move it into screens/compat.py"
        module = importlib.import_module(f"screens.{path.stem}")
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.ClassDef):
                continue
            cls = getattr(module, node.name, None)
            if not isinstance(cls, type) or not issubclass(cls, MessagePump):
                continue
            textual_bases = [b for b in cls.__mro__ if b.__module__.startswith("textual")]
            own = {item.name for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))}
            own |= {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
                    and n.value.id == "self" and isinstance(n.ctx, ast.Store)}
            for name in own:
                if not name.startswith("_") or name.startswith("__"):
                    continue
                clash = [b.__qualname__ for b in textual_bases if name in b.__dict__]
                clash += [b.__qualname__ for b in textual_bases if "__init__" in b.__dict__
                          and f"self.{name} " in inspect.getsource(b.__init__)
                          or "__init__" in b.__dict__ and f"self.{name}:" in inspect.getsource(b.__init__)]
                assert not clash, f"{path.name} {node.name}.{name} is a private name of Textual's {clash}"


async def test_built_screens_are_settled_before_their_first_switch():
    refreshed = []

    class Counting(Modes):
        def refresh_css(self, animate: bool = True) -> None:
            refreshed.append(self.current_mode)
            super().refresh_css(animate)

    app = Counting()
    async with app.run_test() as pilot:
        compat.build_mode(app, "two")
        await pilot.pause()
        built = app._screen_stacks["two"][0]
        assert built._css_update_count != app._css_update_count  # Textual leaves it stale
        compat.settle_built_screens(app)
        assert built._css_update_count == app._css_update_count
        refreshed.clear()
        app.switch_mode("two")
        await pilot.pause()
        assert refreshed == [] and app.screen is built


def test_sigcont_without_a_suspend_keeps_one_input_thread(monkeypatch):
    """``resume_only_after_a_suspend`` wraps the LinuxDriver's SIGCONT handler: it resumes only
    when the input thread has stopped (a real suspend), never starting a second reader."""
    import signal
    import threading

    from textual.drivers.linux_driver import LinuxDriver

    assert callable(getattr(LinuxDriver, "_sigcont_application", None))
    installed = {}
    monkeypatch.setattr(signal, "signal", lambda sig, handler: installed.__setitem__(sig, handler))
    resumed = []

    class Driver:
        _key_thread = None

        def _sigcont_application(self, *args):
            resumed.append(args)

    class App:
        _driver = Driver()

    compat.resume_only_after_a_suspend(App)
    handler = installed[signal.SIGCONT]
    reading = threading.Event()
    App._driver._key_thread = threading.Thread(target=reading.wait)
    App._driver._key_thread.start()
    try:
        handler(signal.SIGCONT, None)  # the input thread still runs: a stray SIGCONT, nothing to resume
        assert resumed == []
    finally:
        reading.set()
        App._driver._key_thread.join()
    handler(signal.SIGCONT, None)  # after a suspend stopped it: resume as Textual would
    assert resumed == [(signal.SIGCONT, None)]
    # the names the shim reads, on Textual's own driver: its input thread, and its SIGCONT handler
    source = inspect.getsource(LinuxDriver)
    assert "self._key_thread = Thread(" in source
    assert "signal.signal(signal.SIGCONT, self._sigcont_application)" in source


async def test_the_palette_says_no_matches_in_the_users_language():
    """compat.command_palette re-does CommandPalette._start_no_matches_countdown with the line translated."""
    from textual.app import App
    from textual.command import CommandList, CommandPalette

    source = inspect.getsource(CommandPalette._start_no_matches_countdown)
    for name in ("_NO_MATCHES", "_list_visible", "_no_matches_timer", "_NO_MATCHES_COUNTDOWN",
                 "_stop_no_matches_countdown", '"No matches found"'):
        assert name in source, name

    class Host(App):
        def on_mount(self) -> None:
            self.push_screen(compat.command_palette("search", "没有匹配的命令"))

    app = Host()
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press(*"zzqqxx")
        palette = app.screen
        for _ in range(100):
            await pilot.pause(0.05)
            shown = [str(o.prompt.renderable) if hasattr(o.prompt, "renderable") else str(o.prompt)
                     for o in palette.query_one(CommandList).options]
            if any("没有匹配的命令" in s for s in shown):
                break
        assert any("没有匹配的命令" in s for s in shown), shown
