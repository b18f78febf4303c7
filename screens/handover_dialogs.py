"""Dialogs of the handover notebook (F4), each a ModalScreen returning a typed result.

Their styles live in ``handover.tcss`` (loaded with the screen).  Dialogs
where the agent types call ``on_change`` with what is typed, so the screen
keeps a draft (``csdesk.services.drafts``, kind ``handover``): nothing typed is
lost if the console goes away.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, OptionList, RadioButton, RadioSet, Static
from textual.widgets.option_list import Option

from csdesk.i18n import _
from screens.keys import after_typing
from screens.widgets import KeepsTyping

OnChange = Callable[[dict], None] | None


class TextDialog(KeepsTyping, ModalScreen[str | None]):
    """One line of text: an instruction, a note or question, a remark.  Enter saves, Escape cancels."""

    BINDINGS = [Binding("escape", "cancel", _("Cancel"), id="handover.text.cancel"),
                Binding("ctrl+s", "save", _("Save"), id="handover.text.save", priority=True)]

    def __init__(self, title: str, hint: str, text: str = "", *, limit: int = 500, on_change: OnChange = None,
                 error: str = "") -> None:
        super().__init__()
        self.title_text, self.hint, self.text, self.limit = title, hint, text, limit
        self.on_change, self.error = on_change, error

    def compose(self) -> ComposeResult:
        with Vertical(classes="ho-dialog"):
            yield Label(self.title_text, classes="dlg-title")
            yield Static(Text(self.hint), classes="dlg-hint")
            yield Input(self.text, max_length=self.limit, id="td-text", select_on_focus=False)
            yield Static(Text(self.error), id="td-error", classes="dlg-error")
            with Horizontal(classes="dlg-buttons"):
                yield Button(_("Save"), variant="primary", id="td-ok")
                yield Button(_("Cancel"), id="td-cancel")

    def on_mount(self) -> None:
        self.query_one("#td-text", Input).focus()
        self.call_after_refresh(self.remember_typing, bool(self.error))

    @on(Input.Changed, "#td-text")
    def _changed(self, event: Input.Changed) -> None:
        if self.on_change is not None:
            self.on_change({"text": event.value})

    def action_save(self) -> None:
        after_typing(self, self._save)  # Ctrl+S: after the keys typed ahead of it

    @on(Input.Submitted, "#td-text")
    @on(Button.Pressed, "#td-ok")
    def _save(self) -> None:
        value = self.query_one("#td-text", Input).value
        if not value.strip():
            self.query_one("#td-error", Static).update(_("Write something first."))
            return
        self.dismiss(value)

    @on(Button.Pressed, "#td-cancel")
    def action_cancel(self) -> None:
        self.leave_or_ask(lambda: self.dismiss(None))


@dataclass(frozen=True)
class FreeItemValues:
    kind: str
    customer_name: str
    phone: str
    text: str
    instruction: str
    do_first: bool

    def to_dict(self) -> dict:
        return {"kind": self.kind, "customer_name": self.customer_name, "phone": self.phone, "text": self.text,
                "instruction": self.instruction, "do_first": self.do_first}

    @classmethod
    def from_dict(cls, data: dict) -> FreeItemValues:
        return cls(str(data.get("kind") or "other"), str(data.get("customer_name") or ""),
                   str(data.get("phone") or ""), str(data.get("text") or ""), str(data.get("instruction") or ""),
                   bool(data.get("do_first")))


FREE_KINDS = ("customer", "prospect", "other")


class FreeItemDialog(KeepsTyping, ModalScreen[FreeItemValues | None]):
    """A free item: a customer being passed on, a prospect to contact (name, phone, why), anything else.

    Ctrl+S or Enter in the last field saves; Escape cancels.
    """

    BINDINGS = [Binding("escape", "cancel", _("Cancel"), id="handover.free.cancel"),
                Binding("ctrl+s", "save", _("Save"), id="handover.free.save", priority=True)]

    def __init__(self, values: FreeItemValues | None = None, *, on_change: OnChange = None, error: str = "",
                 editing: bool = False) -> None:
        super().__init__()
        self.values = values or FreeItemValues("prospect", "", "", "", "", False)
        self.on_change, self.error, self.editing = on_change, error, editing

    def compose(self) -> ComposeResult:
        from csdesk.domain import HandoverItemKind

        v = self.values
        with Vertical(classes="ho-dialog ho-wide"):
            yield Label(_("Edit the item") if self.editing else _("Add an item to the handover"), classes="dlg-title")
            with RadioSet(id="fi-kind"):
                for n, kind in enumerate(FREE_KINDS, 1):
                    yield RadioButton(f"{n} {HandoverItemKind(kind).label}", value=kind == v.kind, id=f"fi-{kind}")
            yield Label(_("Customer / prospect name"))
            yield Input(v.customer_name, max_length=64, id="fi-name", select_on_focus=False)
            yield Label(_("Phone"))
            yield Input(v.phone, max_length=32, id="fi-phone", select_on_focus=False)
            yield Label(_("What the next shift must know (for a prospect: why to contact)"))
            yield Input(v.text, max_length=500, id="fi-text", select_on_focus=False)
            yield Label(_("What to do"))
            yield Input(v.instruction, max_length=1000, id="fi-instruction", select_on_focus=False)
            yield Checkbox(_("Do first"), v.do_first, id="fi-first")
            yield Static(Text(self.error), id="fi-error", classes="dlg-error")
            with Horizontal(classes="dlg-buttons"):
                yield Button(_("Save"), variant="primary", id="fi-ok")
                yield Button(_("Cancel"), id="fi-cancel")

    def on_mount(self) -> None:
        target = "#fi-text" if self.values.kind == "other" else "#fi-name"
        self.query_one(target, Input).focus()
        self.call_after_refresh(self.remember_typing, bool(self.error))

    def current(self) -> FreeItemValues:
        kind = next((k for k in FREE_KINDS if self.query_one(f"#fi-{k}", RadioButton).value), "other")
        return FreeItemValues(kind, self.query_one("#fi-name", Input).value, self.query_one("#fi-phone", Input).value,
                              self.query_one("#fi-text", Input).value, self.query_one("#fi-instruction", Input).value,
                              self.query_one("#fi-first", Checkbox).value)

    @on(Input.Changed)
    @on(RadioSet.Changed)
    @on(Checkbox.Changed)
    def _changed(self) -> None:
        if self.on_change is not None and self.is_mounted:
            self.on_change(self.current().to_dict())

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        order = ["fi-name", "fi-phone", "fi-text", "fi-instruction"]
        current = event.input.id
        if current in order[:-1]:
            self.query_one(f"#{order[order.index(current) + 1]}", Input).focus()
        else:
            self.action_save()

    @on(Button.Pressed, "#fi-ok")
    def action_save(self) -> None:
        after_typing(self, self._save_typed)  # Ctrl+S: after the keys typed ahead of it

    def _save_typed(self) -> None:
        values = self.current()
        error = ""
        if not values.text.strip():
            error = _("Write what the next shift must know.")
        elif values.kind == "prospect" and not (values.customer_name.strip() and values.phone.strip()):
            error = _("A prospect needs a name and a phone number.")
        if error:
            self.query_one("#fi-error", Static).update(error)
            return
        self.dismiss(values)

    @on(Button.Pressed, "#fi-cancel")
    def action_cancel(self) -> None:
        self.leave_or_ask(lambda: self.dismiss(None))


class ConfirmDialog(ModalScreen[bool]):
    """A yes/no question: y or the first button says yes, n or Escape says no."""

    BINDINGS = [Binding("escape", "no", _("Cancel"), id="handover.confirm.no"),
                Binding("y", "yes", _("Yes"), id="handover.confirm.yes")]

    def __init__(self, question: str, yes: str, detail: str = "") -> None:
        super().__init__()
        self.question, self.yes_label, self.detail = question, yes, detail

    def compose(self) -> ComposeResult:
        with Vertical(classes="ho-dialog ho-confirm"):
            yield Static(Text(self.question), classes="dlg-title")
            if self.detail:
                yield Static(Text(self.detail), classes="dlg-hint")
            with Horizontal(classes="dlg-buttons"):
                yield Button(self.yes_label, variant="warning", id="cf-yes")
                yield Button(_("Cancel"), id="cf-no")

    def on_mount(self) -> None:
        self.query_one("#cf-no", Button).focus()

    @on(Button.Pressed, "#cf-yes")
    def action_yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cf-no")
    def action_no(self) -> None:
        self.dismiss(False)


ANY = "__any__"


class PickDialog(ModalScreen[str | None]):
    """Pick one value (``ANY`` for no filter); None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", _("Cancel"), id="handover.pick.cancel")]

    def __init__(self, title: str, choices: list[tuple[str, str]], current: str | None = None,
                 allow_any: bool = True) -> None:
        super().__init__()
        self.title_text = title
        self.choices = ([(ANY, _("(any)"))] if allow_any else []) + list(choices)
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="ho-dialog"):
            yield Label(self.title_text, classes="dlg-title")
            yield OptionList(*[Option(Text(label), id=value) for value, label in self.choices], id="pk-list")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        ids = [v for v, _label in self.choices]
        options.highlighted = ids.index(self.current) if self.current in ids else 0
        options.focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class Dates:
    first: date
    last: date


class DatesDialog(ModalScreen[Dates | None]):
    """The review's dates: first and last shift day (YYYY-MM-DD, both included)."""

    BINDINGS = [Binding("escape", "cancel", _("Cancel"), id="handover.dates.cancel")]

    def __init__(self, first: date | None, last: date | None) -> None:
        super().__init__()
        self.first, self.last = first, last

    def compose(self) -> ComposeResult:
        with Vertical(classes="ho-dialog"):
            yield Label(_("Shift days (YYYY-MM-DD, both included)"), classes="dlg-title")
            yield Label(_("From"))
            yield Input(self.first.isoformat() if self.first else "", placeholder="2026-11-01", id="dt-from")
            yield Label(_("To"))
            yield Input(self.last.isoformat() if self.last else "", placeholder="2026-11-30", id="dt-to")
            yield Static("", id="dt-error", classes="dlg-error")

    def on_mount(self) -> None:
        self.query_one("#dt-from", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "dt-from":
            self.query_one("#dt-to", Input).focus()
            return
        try:
            first = date.fromisoformat(self.query_one("#dt-from", Input).value.strip())
            last = date.fromisoformat(self.query_one("#dt-to", Input).value.strip())
        except ValueError:
            self.query_one("#dt-error", Static).update(_("Enter both dates as YYYY-MM-DD."))
            return
        if last < first:
            self.query_one("#dt-error", Static).update(_("The last day is before the first."))
            return
        self.dismiss(Dates(first, last))

    def action_cancel(self) -> None:
        self.dismiss(None)


class CheckDialog(ModalScreen[str | None]):
    """The 30-minute check before the shift ends: the unclosed orders and call-backs with no update this
    shift.  Enter goes to the item on the page (its key is returned); Escape closes."""

    BINDINGS = [Binding("escape", "close", _("Close"), id="handover.check.close")]

    def __init__(self, title: str, hint: str, lines: list[tuple[str, Text]]) -> None:
        super().__init__()
        self.title_text, self.hint, self.lines = title, hint, lines

    def compose(self) -> ComposeResult:
        with Vertical(classes="ho-dialog ho-wide"):
            yield Label(self.title_text, classes="dlg-title")
            yield Static(Text(self.hint), classes="dlg-hint")
            if self.lines:
                yield OptionList(*[Option(text, id=key) for key, text in self.lines], id="ck-list")
            else:
                yield Static(_("Every unclosed order and call-back has an update this shift."), id="ck-none")
            yield Button(_("Close"), id="ck-close")

    def on_mount(self) -> None:
        if self.lines:
            self.query_one(OptionList).focus()
        else:
            self.query_one("#ck-close", Button).focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    @on(Button.Pressed, "#ck-close")
    def action_close(self) -> None:
        self.dismiss(None)


class InfoDialog(ModalScreen[None]):
    """Something to read (the week's tally and problem log); Escape or the button closes it."""

    BINDINGS = [Binding("escape", "close", _("Close"), id="handover.info.close")]

    def __init__(self, title: str, *parts) -> None:
        super().__init__()
        self.title_text, self.parts = title, parts

    def compose(self) -> ComposeResult:
        from textual.containers import VerticalScroll

        with Vertical(classes="ho-dialog ho-wide"):
            yield Label(self.title_text, classes="dlg-title")
            with VerticalScroll(classes="dlg-scroll"):
                for part in self.parts:
                    yield Static(part)
            yield Button(_("Close"), id="info-close")

    def on_mount(self) -> None:
        self.query_one("#info-close", Button).focus()

    @on(Button.Pressed, "#info-close")
    def action_close(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class ProblemValues:
    kind: str  # problem or idea
    text: str


class ProblemDialog(ModalScreen[ProblemValues | None]):
    """A quick entry in the problem log (问题登记本): a problem or an idea, one line."""

    BINDINGS = [Binding("escape", "cancel", _("Cancel"), id="handover.problem.cancel")]

    def __init__(self, values: ProblemValues | None = None, *, on_change: OnChange = None) -> None:
        super().__init__()
        self.values = values or ProblemValues("problem", "")
        self.on_change = on_change

    def compose(self) -> ComposeResult:
        from csdesk.domain import ProblemKind

        with Vertical(classes="ho-dialog"):
            yield Label(_("Problem log"), classes="dlg-title")
            with RadioSet(id="pb-kind"):
                for kind in ProblemKind:
                    yield RadioButton(kind.label, value=kind.value == self.values.kind, id=f"pb-{kind.value}")
            yield Input(self.values.text, max_length=500, placeholder=_("A problem or an idea met while working"),
                        id="pb-text")
            yield Static("", id="pb-error", classes="dlg-error")

    def on_mount(self) -> None:
        self.query_one("#pb-text", Input).focus()

    def current(self) -> ProblemValues:
        kind = "idea" if self.query_one("#pb-idea", RadioButton).value else "problem"
        return ProblemValues(kind, self.query_one("#pb-text", Input).value)

    @on(Input.Changed)
    @on(RadioSet.Changed)
    def _changed(self) -> None:
        if self.on_change is not None and self.is_mounted:
            v = self.current()
            self.on_change({"kind": v.kind, "text": v.text})

    @on(Input.Submitted)
    def _save(self) -> None:
        v = self.current()
        if not v.text.strip():
            self.query_one("#pb-error", Static).update(_("Write something first."))
            return
        self.dismiss(v)

    def action_cancel(self) -> None:
        self.dismiss(None)
