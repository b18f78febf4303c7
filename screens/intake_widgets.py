"""Widgets of the intake screen: a one-key choice bar, an input that keeps pasted
lines, and the yes/no modal that returns a typed result."""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Static

from csdesk.i18n import _


class DeskInput(Input):
    """An Input that keeps every pasted line (joined by spaces) instead of only the first,
    so nothing pasted is silently lost; the service then checks the length."""

    def on_paste(self, event: events.Paste) -> None:
        # prevent_default: Input's own paste handler (first line only) does not run
        if event.text:
            text = " ".join(part for part in event.text.splitlines() if part.strip())
            selection = self.selection
            if selection.is_empty:
                self.insert_text_at_cursor(text)
            else:
                self.replace(text, *selection)
        event.stop()
        event.prevent_default()


class ChoiceBar(Widget, can_focus=True):
    """A row of choices, picked with one key: the digit shown before each, or ←/→.

    ``value`` is the stable key of the chosen option ("" for none).  ``on_change``, when
    set, is called at once whenever the value changes (before any message is handled),
    so that what depends on the choice (another bar's options, which rows show) is in
    place before the next key typed is handled; ``Changed`` is posted as well.
    """

    DEFAULT_CSS = """
    ChoiceBar { height: auto; min-height: 1; width: 1fr; padding: 0 0; }
    ChoiceBar:focus { background: $boost; }
    """
    BINDINGS = [
        Binding("left", "move(-1)", _("Previous choice"), id="choice.prev"),
        Binding("right", "move(1)", _("Next choice"), id="choice.next"),
        Binding("enter", "next_field", _("Next field"), id="choice.enter"),
    ]

    value: reactive[str] = reactive("", init=False)

    class Changed(Message):
        def __init__(self, bar: "ChoiceBar", value: str) -> None:
            super().__init__()
            self.bar = bar
            self.value = value

        @property
        def control(self) -> "ChoiceBar":
            return self.bar

    def __init__(self, options: list[tuple[str, str]] | None = None, value: str = "", *,
                 blank: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._blank = blank
        self._options: list[tuple[str, str]] = []
        self.on_change = None  # callable(bar), called synchronously on every change of the value
        self.set_options(options or [], value)

    @property
    def options(self) -> list[tuple[str, str]]:
        return list(self._options)

    def set_options(self, options: list[tuple[str, str]], value: str | None = None) -> None:
        opts = list(options)
        if self._blank is not None:
            opts = [("", self._blank), *opts]
        self._options = opts
        keys = [k for k, _label in opts]
        if value is None:
            value = self.value
        if value not in keys:
            value = keys[0] if (keys and self._blank is not None) else ""
        changed = value != self.value
        self.set_reactive(ChoiceBar.value, value)
        if changed and self.is_mounted:
            if self.on_change is not None:
                self.on_change(self)
            self.post_message(self.Changed(self, value))
        self.refresh(layout=True)

    def label_of(self, key: str) -> str:
        return next((label for k, label in self._options if k == key), "")

    def validate_value(self, value: str) -> str:
        return value if value in [k for k, _l in self._options] or value == "" else self.value

    def watch_value(self, value: str) -> None:
        if self.on_change is not None:
            self.on_change(self)
        self.post_message(self.Changed(self, value))
        self.refresh()

    def render(self) -> Text:
        text = Text()
        if not self._options:
            text.append(_("(loading…)"), style="dim")
            return text
        for i, (key, label) in enumerate(self._options):
            if i:
                text.append("  ")
            digit = str((i + 1) % 10) if i < 10 else " "
            chosen = key == self.value
            text.append(f"{digit} ", style="bold" if not chosen else "bold reverse")
            text.append(label, style="reverse bold" if chosen else "")
        return text

    def action_move(self, step: int) -> None:
        keys = [k for k, _l in self._options]
        if not keys:
            return
        index = keys.index(self.value) if self.value in keys else -1
        self.value = keys[(index + step) % len(keys)]

    def action_next_field(self) -> None:
        self.screen.focus_next()

    def on_key(self, event: events.Key) -> None:
        if event.character and event.character.isdigit():
            n = int(event.character)
            index = 9 if n == 0 else n - 1
            if index < len(self._options):
                self.value = self._options[index][0]
            else:
                self.app.bell()  # no such choice (yet): say so rather than ignore it silently
            event.stop()
            event.prevent_default()

    def on_click(self, event: events.Click) -> None:
        self.focus()
        self.action_move(1)


class ConfirmModal(ModalScreen[bool]):
    """A yes/no question; dismisses with True (yes) or False (no).  Y/Enter, N/Esc."""

    DEFAULT_CSS = """
    ConfirmModal { align: center middle; background: $background 70%; }
    ConfirmModal > #confirm-box { width: 64; height: auto; border: thick $warning; padding: 1 2; background: $surface; }
    ConfirmModal #confirm-text { margin-bottom: 1; }
    ConfirmModal #confirm-buttons { height: auto; align-horizontal: right; }
    ConfirmModal Button { margin-left: 2; }
    """
    BINDINGS = [
        Binding("y", "answer(True)", _("Yes"), id="confirm.yes"),
        Binding("n", "answer(False)", _("No"), id="confirm.no"),
        Binding("escape", "answer(False)", _("No"), id="confirm.escape"),
    ]

    def __init__(self, question: str, yes: str, no: str) -> None:
        super().__init__()
        self.question = question
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(self.question, id="confirm-text", markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button(f"{self.no} (N)", id="confirm-no")
                yield Button(f"{self.yes} (Y)", id="confirm-yes", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class DraftPrompt(ModalScreen[str]):
    """An unsaved intake found at login.  Dismisses with ``"restore"`` (Enter or Y: the draft goes
    back into the form), ``"keep"`` (Esc or N, or any way out: the draft stays, offered again at the
    next login) or ``"discard"`` (D, then yes to a second question: the only way it goes)."""

    DEFAULT_CSS = """
    DraftPrompt { align: center middle; background: $background 70%; }
    DraftPrompt > #draft-box { width: 72; height: auto; border: thick $warning; padding: 1 2; background: $surface; }
    DraftPrompt #draft-text { margin-bottom: 1; }
    DraftPrompt #draft-buttons { height: auto; align-horizontal: right; }
    DraftPrompt Button { margin-left: 1; }
    """
    BINDINGS = [
        Binding("y", "answer('restore')", _("Restore"), id="draft.restore"),
        Binding("n", "answer('keep')", _("Later"), id="draft.later"),
        Binding("escape", "answer('keep')", _("Later"), id="draft.escape"),
        Binding("d", "discard", _("Discard…"), id="draft.discard"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="draft-box"):
            yield Static(self.question, id="draft-text", markup=False)
            with Horizontal(id="draft-buttons"):
                yield Button(_("Discard… (D)"), id="draft-discard")
                yield Button(_("Later (Esc)"), id="draft-keep")
                yield Button(_("Restore (Enter)"), id="draft-restore", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#draft-restore", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "draft-discard":
            self.action_discard()
        else:
            self.dismiss("restore" if event.button.id == "draft-restore" else "keep")

    def action_answer(self, answer: str) -> None:
        self.dismiss(answer)

    def action_discard(self) -> None:
        def sure(yes: bool | None) -> None:
            if yes:
                self.dismiss("discard")

        self.app.push_screen(ConfirmModal(_("Discard the unsaved intake for good? It cannot be restored afterwards."),
                                          _("Discard"), _("Keep it")), sure)
