"""Widgets shared by the screens."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Footer, Static

from csdesk.clock import fmt, now
from csdesk.i18n import _
from screens import compat


class DeskHeader(Horizontal):
    """The agent's name and staff number, role, current shift and the clock."""

    DEFAULT_CSS = """
    DeskHeader {
        dock: top;
        height: 1;
        background: $panel;
        color: $text;
    }
    DeskHeader > #hdr-title { width: auto; padding: 0 1; text-style: bold; background: $primary; color: $text; }
    DeskHeader > #hdr-agent { width: 1fr; padding: 0 1; }
    DeskHeader > #hdr-shift { width: auto; padding: 0 1; }
    DeskHeader > #hdr-clock { width: auto; padding: 0 1; text-style: bold; }
    """

    title: reactive[str] = reactive("")

    def compose(self) -> ComposeResult:
        yield Static("csdesk", id="hdr-title")
        yield Static("", id="hdr-agent")
        yield Static("", id="hdr-shift")
        yield Static("", id="hdr-clock")

    def watch_title(self) -> None:
        if self.is_mounted:
            self.refresh_info()

    def on_mount(self) -> None:
        self.refresh_info()
        self.set_interval(1.0, self._tick)

    def _tick(self) -> None:
        at = now()  # the desk's clock, shown in the desk's zone (the timezone setting)
        self.query_one("#hdr-clock", Static).update(fmt(at))
        if at.second == 0:
            self._show_shift()

    def refresh_info(self) -> None:
        app = self.app
        agent = getattr(app, "agent", None)
        title = self.title or getattr(app, "screen_title", "")
        self.query_one("#hdr-title", Static).update(f"csdesk · {title}" if title else "csdesk")
        if agent is not None:
            text = f"{agent.name}  {_('Staff no.')} {agent.staff_no}  ·  {agent.role.label}"
        else:
            text = _("not logged in")
        self.query_one("#hdr-agent", Static).update(text)
        self._show_shift()
        self._tick()

    def _show_shift(self) -> None:
        shift = getattr(self.app, "current_shift", lambda: None)()
        text = f"{shift.name} {shift.start}–{shift.end}" if shift else _("off shift")
        self.query_one("#hdr-shift", Static).update(text)


class DeskFooter(Footer):
    """Textual's Footer, the F-keys first, without its slow leak.

    The Footer rebuilds its keys whenever the bindings change (every focus
    change, every screen switch), and each key registers a watcher on the
    Footer's ``compact`` that nothing removes while ``compact`` stays the same
    (Textualize/textual#6666): every old key stays alive.  A console kept open
    all shift changes focus thousands of times; we drop the dead watchers after
    each rebuild.
    """

    async def recompose(self) -> None:
        await super().recompose()
        self.drop_dead_watchers()

    def compose(self):
        """Textual's keys, the screens' F-keys (F1–F4, the App's) first: Textual lists the focused
        field's and the screen's keys before the App's, and a narrow terminal cut the F-keys off."""
        keys = list(super().compose())
        fkeys = [k for k in keys if str(getattr(k, "action", "")).startswith("goto(")]
        yield from fkeys
        yield from (k for k in keys if k not in fkeys)

    def drop_dead_watchers(self) -> None:
        compat.drop_dead_watchers(self)
        forget_removed_widgets()


def forget_removed_widgets() -> None:
    """Let go of the render caches of widgets that have been removed (see :func:`compat.clear_render_caches`)."""
    compat.clear_render_caches()


class KeepsTyping:
    """For a dialog (a ModalScreen) where the agent types: Esc on typed text asks before it is
    discarded (discarding is a deliberate choice), and what the dialog opened with is the measure.

    The dialog calls :meth:`remember_typing` once it shows its fields (``on_mount`` through
    ``call_after_refresh``) and :meth:`leave_or_ask` from its cancel action.
    """

    _typed_at_open: tuple | None = None

    def typed_now(self) -> tuple:
        from textual.widgets import TextArea

        return tuple(w.text if isinstance(w, TextArea) else w.value
                     for w in self.query("Input, TextArea"))  # type: ignore[attr-defined]

    def remember_typing(self, came_back: bool = False) -> None:
        """What the dialog opened with; ``came_back``: it reopened after a refused save with what the
        agent had typed, so all of it counts as typed (Esc asks)."""
        typed = self.typed_now()
        self._typed_at_open = tuple("" for _ in typed) if came_back else typed

    def leave_or_ask(self, leave) -> None:
        if self._typed_at_open is None or self.typed_now() == self._typed_at_open:
            leave()
            return
        from screens.intake_widgets import ConfirmModal

        def answered(discard: bool | None) -> None:
            if discard:
                leave()

        self.app.push_screen(ConfirmModal(_("Discard what you typed in this dialog?"), _("Discard"),  # type: ignore[attr-defined]
                                          _("Keep typing")), answered)


class ListView:
    """What the complaints and visits views share: one status line, and the list reloaded in a
    worker (``_load(seq, view, argument)``, the view's own) with a sequence number so a stale
    answer is dropped.  A failed worker says its line there (the error policy: screens/errors.py)."""

    STATUS = "#status"  # the view's status line

    def load_argument(self) -> str:  # the view's search, or its month
        raise NotImplementedError

    def worker_error(self, worker, line: str) -> None:
        """A worker failed (the error policy: screens/errors.py): the line on the status line, the view usable."""
        self.fetching = False
        self.status(line, error=True)

    def status(self, text: str, error: bool = False) -> None:
        widget = self.query_one(self.STATUS, Static)  # type: ignore[attr-defined]
        widget.update(text)
        widget.set_class(error, "-error")

    def reload(self) -> None:
        if self.app.agent is None:  # type: ignore[attr-defined]
            return
        self._seq += 1
        self.fetching = True
        self._load(self._seq, self.view, self.load_argument())  # type: ignore[attr-defined]
