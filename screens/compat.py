"""Every use of a private Textual name in ``screens/``, in one place.

Textual's private names change without notice between releases.  The console
needs a few of them; each lives here in a small shim that says why it is needed
and what breaks when Textual changes it, and ``tests/test_compat.py`` has a
canary per name that fails on the first Textual release that changes it.  No
other module of ``screens/`` touches a private Textual name (the canary suite
checks that too).

Written against textual 8.2.  Two earlier uses went public instead:

- ``PageTable`` handled keys in an ``_on_key`` override calling
  ``Widget._on_key``; it now uses the public ``on_key`` with ``prevent_default()``,
  which keeps Textual's own key handler from running for the keys it takes.
- ``DeskInput`` overrode ``Input._on_paste``; it now handles ``on_paste`` and
  calls ``prevent_default()``, so ``Input``'s handler (first line only) does not run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App
    from textual.dom import DOMNode


def mode_is_built(app: App, mode: str) -> bool:
    """Whether the screen of ``mode`` has been built (its stack holds a screen).

    Uses ``App._screen_stacks`` (dict: mode name -> list of screens): Textual has
    no public way to ask whether a mode's screen exists without switching to it.
    If the name changes, the console's warm-up (``CsdeskApp._warm_up_modes``)
    fails after login; the canary ``test_screen_stacks_hold_the_built_modes``
    fails first.
    """
    return bool(app._screen_stacks.get(mode))


def build_mode(app: App, mode: str) -> None:
    """Build and mount the screen of ``mode`` without showing it.

    Uses ``App._init_mode(mode)``: ``switch_mode`` would show it.  The warm-up
    builds the visit log behind the first screen after login, so the first F2
    shows a screen that is ready (about 200 ms of stylesheet work saved).  If it
    changes, the warm-up breaks; canary ``test_init_mode_builds_without_switching``.
    """
    app._init_mode(mode)


def settle_built_screens(app: App) -> None:
    """Bring the styles of the screens built without being shown up to date, in a quiet moment.

    Textual marks a screen that ``_init_mode`` builds behind the current one as
    never refreshed (``Screen._css_update_count`` stays -1, while the App counts
    its own ``_css_update_count``), so the first switch to it runs
    ``refresh_css``: the whole stylesheet re-parsed and re-applied, about 110 ms
    of the first F2/F3.  Here each such screen gets the stylesheet applied
    (``stylesheet.update``) and is marked current, after the warm-up.  If the
    names change, the first switch is that much slower again; canary
    ``test_built_screens_are_settled_before_their_first_switch``.
    """
    current = app._css_update_count
    for stack in app._screen_stacks.values():
        for screen in stack:
            if screen.is_mounted and screen._css_update_count != current:
                app.stylesheet.update(screen, animate=False)
                screen._css_update_count = current


def drop_dead_watchers(node: DOMNode) -> None:
    """Forget the watchers on ``node`` registered by nodes that are gone.

    Textual keeps a node's reactive watchers in the instance attribute
    ``"__watchers"`` (a dict: attribute name -> list of ``(watching node,
    callback)``), and nothing removes the entries of a watching node that was
    removed (Textualize/textual#6666): the footer's old keys stayed alive, about
    1 MB over a stretch of work.  A watching node is dead once it is detached or
    closing (``MessagePump._closing``).  If either name changes, the footer
    leaks again (silently: ``getattr`` finds nothing); canaries
    ``test_watchers_live_in_the_dunder_watchers_dict`` and
    ``test_message_pumps_say_when_they_are_closing``.
    """
    watchers: dict[str, list[tuple[Any, Any]]] = getattr(node, "__watchers", {})
    for entries in watchers.values():
        entries[:] = [(watcher, callback) for watcher, callback in entries
                      if watcher is node or (watcher.is_attached and not watcher._closing)]


def clear_render_caches() -> None:
    """Let go of the render caches of widgets that have been removed.

    Textual memoises ``StylesCache.get_inner_outer`` (module ``textual._styles_cache``)
    with ``lru_cache(1024)`` on the method, so the cache holds the ``StylesCache``
    of the last 1,024 widgets drawn, with every line each one rendered, long after
    the widget is gone: some 7 MB over an hour of the register.  The cache only
    saves building two ``Style`` objects.  If the module, the class or the
    ``lru_cache`` goes, this raises (the footer and the log's detail pane call
    it); canary ``test_styles_cache_memoises_get_inner_outer``.
    """
    from textual._styles_cache import StylesCache

    StylesCache.get_inner_outer.cache_clear()


def footer_key_class() -> type:
    """The widget class of one key on Textual's footer (``textual.widgets._footer.FooterKey``).

    Only the footer leak test counts them; not exported by ``textual.widgets``.
    """
    from textual.widgets._footer import FooterKey

    return FooterKey


def resume_only_after_a_suspend(app: App) -> None:
    """A SIGCONT resumes the terminal only if the console was suspended first (Ctrl+Z, SIGTSTP).

    Textual's ``LinuxDriver`` handles every SIGCONT by ``resume_application_mode()``,
    which starts another input thread (``LinuxDriver._key_thread``) even when the
    first one never stopped: a stray SIGCONT (``kill -CONT``, a job-control script, a
    debugger, a frozen process thawed) leaves two threads reading the terminal, each
    with its own parser, and the keys typed after it are shared out between them and
    reach the console out of order ("王小明" saved as "王明小", a room number's digit in
    the entrance).  Here the driver's handler is wrapped: it runs only when the input
    thread is not running, that is, after a real suspend stopped it.  Uses
    ``App._driver`` and ``LinuxDriver._key_thread`` and ``_sigcont_application``; if
    they change this does nothing and the canary
    ``test_sigcont_without_a_suspend_keeps_one_input_thread`` fails.
    """
    import signal
    import threading

    driver = getattr(app, "_driver", None)
    resume = getattr(driver, "_sigcont_application", None)
    if resume is None or not hasattr(driver, "_key_thread") or threading.current_thread() is not threading.main_thread():
        return

    def on_sigcont(*args: Any) -> None:
        thread = driver._key_thread
        if thread is None or not thread.is_alive():
            resume(*args)

    signal.signal(signal.SIGCONT, on_sigcont)


def command_palette(placeholder: str, no_matches: str) -> Any:
    """Textual's command palette, its "No matches found" in the user's language.

    Textual writes that line itself, in English, from a timer set in the private
    ``CommandPalette._start_no_matches_countdown`` (with ``_NO_MATCHES``, ``_list_visible``,
    ``_no_matches_timer``, ``_NO_MATCHES_COUNTDOWN`` and ``_stop_no_matches_countdown``);
    the subclass here does the same with the translated line.  If those names change, the
    canary ``test_the_palette_says_no_matches_in_the_users_language`` fails.
    """
    from rich.align import Align
    from rich.text import Text
    from textual.command import CommandList, CommandPalette
    from textual.widgets.option_list import Option

    class DeskCommandPalette(CommandPalette):
        def _start_no_matches_countdown(self, search_value: str) -> None:
            self._stop_no_matches_countdown()

            def show() -> None:
                if search_value:
                    self.query_one(CommandList).add_option(
                        Option(Align.center(Text(no_matches, style="not bold")), disabled=True, id=self._NO_MATCHES))
                    self._list_visible = True
                else:
                    self._list_visible = False

            self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show)

    return DeskCommandPalette(placeholder=placeholder, id="--command-palette")
