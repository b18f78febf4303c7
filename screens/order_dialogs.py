"""Dialogs of the work-order screen (F3): a few labelled fields (a reason, a note, the
deadline, the overdue explanation), the completion record, and printing the slip.

Each returns a typed result through ``dismiss`` (None: cancelled).  Their styles
live in ``orders.tcss`` (loaded with the screen).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Static, TextArea

from csdesk.i18n import _
from screens.intake_widgets import ChoiceBar, DeskInput
from screens.keys import after_typing
from screens.widgets import KeepsTyping


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    value: str = ""
    multiline: bool = False
    required: bool = True
    placeholder: str = ""


class FieldsScreen(KeepsTyping, ModalScreen[dict | None]):
    """A title, a line of context and a few fields; Ctrl+S (or Enter on the last line) gives them back."""

    BINDINGS = [
        Binding("ctrl+s", "ok", _("Save"), id="orders.fields.ok", priority=True),
        Binding("escape", "cancel", _("Cancel"), id="orders.fields.cancel"),
    ]

    def __init__(self, title: str, fields: list[Field], *, context: str = "", ok: str = "", error: str = "") -> None:
        super().__init__()
        self.title_text, self.fields, self.context, self.ok = title, fields, context, ok or _("Save")
        self.error = error  # why the last save of these values was refused (the dialog came back with them)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dlg"):
            yield Label(self.title_text, classes="dlg-title")
            if self.context:
                yield Static(self.context, classes="dlg-context", markup=False)
            for f in self.fields:
                yield Label(f.label + ("" if f.required else "  " + _("(optional)")), classes="dlg-label")
                if f.multiline:
                    area = TextArea(f.value, id=f"fld-{f.key}", soft_wrap=True, classes="dlg-area")
                    area.show_line_numbers = False
                    yield area
                else:
                    yield DeskInput(f.value, placeholder=f.placeholder, id=f"fld-{f.key}")
            yield Static(self.error, id="fld-error", classes="dlg-error", markup=False)
            with Horizontal(classes="dlg-buttons"):
                yield Button(_("Cancel") + " (Esc)", id="fld-cancel")
                yield Button(self.ok + " (Ctrl+S)", id="fld-ok", variant="primary")

    def on_mount(self) -> None:
        if self.fields:
            self.query_one(f"#fld-{self.fields[0].key}").focus()
        self.call_after_refresh(self.remember_typing, bool(self.error))

    def values(self) -> dict[str, str]:
        out = {}
        for f in self.fields:
            widget = self.query_one(f"#fld-{f.key}")
            out[f.key] = widget.text if isinstance(widget, TextArea) else widget.value
        return out

    def action_ok(self) -> None:
        after_typing(self, self._ok)

    def _ok(self) -> None:
        values = self.values()
        missing = [f.label for f in self.fields if f.required and not values[f.key].strip()]
        if missing:
            self.query_one("#fld-error", Static).update(_("Fill in: {fields}").format(fields=", ".join(missing)))
            return
        self.dismiss(values)

    def action_cancel(self) -> None:
        self.leave_or_ask(lambda: self.dismiss(None))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        last = self.fields[-1].key if self.fields else ""
        if event.input.id == f"fld-{last}":
            self.action_ok()
        else:
            self.focus_next()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "fld-ok":
            self.action_ok()
        else:
            self.action_cancel()

    def show_error(self, text: str) -> None:
        self.query_one("#fld-error", Static).update(text)


@dataclass(frozen=True)
class CompletionInput:
    satisfaction: int | None
    result: str
    materials: str
    fee_charged: str
    signed: bool
    opinion: str


class CompletionScreen(KeepsTyping, ModalScreen[CompletionInput | None]):
    """The completion record: result, materials, fee charged, signed slip, opinion, satisfaction 1-5."""

    BINDINGS = [
        Binding("ctrl+s", "ok", _("Save"), id="orders.complete.ok", priority=True),
        Binding("escape", "cancel", _("Cancel"), id="orders.complete.cancel"),
    ]

    def __init__(self, number: str, fee_hint: str = "", technician: str = "", *,
                 again: CompletionInput | None = None, error: str = "") -> None:
        super().__init__()
        self.number, self.fee_hint, self.technician = number, fee_hint, technician
        self.again, self.error = again, error  # the values of a refused save, and why

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dlg"):
            yield Label(_("Complete {number}").format(number=self.number), classes="dlg-title")
            yield Label(_("Result (what was done)"), classes="dlg-label")
            area = TextArea(id="cp-result", soft_wrap=True, classes="dlg-area")
            area.show_line_numbers = False
            yield area
            yield Label(_("Materials used"), classes="dlg-label")
            yield DeskInput(id="cp-materials")
            yield Label(_("Fee charged (yuan)") + (f"  {self.fee_hint}" if self.fee_hint else ""), classes="dlg-label")
            yield DeskInput(id="cp-fee", placeholder="0")
            yield Checkbox(_("The customer signed the paper slip"), id="cp-signed")
            yield Label(_("The customer's opinion"), classes="dlg-label")
            yield DeskInput(id="cp-opinion")
            yield Label(_("Satisfaction (1-5; 1-3 means a call-back within 2 hours)"), classes="dlg-label")
            yield ChoiceBar([(str(n), str(n)) for n in range(1, 6)], id="cp-satisfaction")
            yield Static(self.error, id="cp-error", classes="dlg-error", markup=False)
            with Horizontal(classes="dlg-buttons"):
                yield Button(_("Cancel") + " (Esc)", id="cp-cancel")
                yield Button(_("Complete") + " (Ctrl+S)", id="cp-ok", variant="success")

    def on_mount(self) -> None:
        v = self.again
        if v is not None:
            self.query_one("#cp-result", TextArea).text = v.result
            self.query_one("#cp-materials", Input).value = v.materials
            self.query_one("#cp-fee", Input).value = v.fee_charged
            self.query_one("#cp-signed", Checkbox).value = v.signed
            self.query_one("#cp-opinion", Input).value = v.opinion
            if v.satisfaction is not None:
                self.query_one("#cp-satisfaction", ChoiceBar).value = str(v.satisfaction)
        self.query_one("#cp-result", TextArea).focus()
        self.call_after_refresh(self.remember_typing, self.again is not None)

    def value(self) -> CompletionInput:
        score = self.query_one("#cp-satisfaction", ChoiceBar).value
        return CompletionInput(int(score) if score else None, self.query_one("#cp-result", TextArea).text,
                               self.query_one("#cp-materials", Input).value, self.query_one("#cp-fee", Input).value,
                               self.query_one("#cp-signed", Checkbox).value,
                               self.query_one("#cp-opinion", Input).value)

    def action_ok(self) -> None:
        after_typing(self, self._ok)

    def _ok(self) -> None:
        v = self.value()
        missing = []
        if not v.result.strip():
            missing.append(_("Result (what was done)"))
        if v.satisfaction is None:
            missing.append(_("Satisfaction"))
        if missing:
            self.show_error(_("Fill in: {fields}").format(fields=", ".join(missing)))
            return
        self.dismiss(v)

    def action_cancel(self) -> None:
        self.leave_or_ask(lambda: self.dismiss(None))

    def show_error(self, text: str) -> None:
        self.query_one("#cp-error", Static).update(text)

    @on(Input.Submitted)
    def _next(self, _event: Input.Submitted) -> None:
        self.focus_next()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cp-ok":
            self.action_ok()
        else:
            self.action_cancel()


@dataclass(frozen=True)
class PrintRequest:
    fmt: str
    copies: tuple[str, ...]
    path: Path | None  # a file for text, html and pdf


class PrintScreen(ModalScreen[PrintRequest | None]):
    """Choose the output and the copies of the slip."""

    BINDINGS = [
        Binding("ctrl+s", "ok", _("Print"), id="orders.print.ok", priority=True),
        Binding("escape", "cancel", _("Cancel"), id="orders.print.cancel"),
    ]
    SUFFIX = {"text": ".txt", "html": ".html", "pdf": ".pdf"}

    def __init__(self, number: str, stem: Path, formats: list[tuple[str, str]], printed: int = 0) -> None:
        super().__init__()
        self.number, self.stem, self.formats, self.printed = number, stem, formats, printed

    def compose(self) -> ComposeResult:
        from csdesk.services.slip import COPY_LABELS

        with Vertical(classes="dlg"):
            yield Label(_("Print the slip of {number}").format(number=self.number), classes="dlg-title")
            if self.printed:
                yield Static(_("Printed {n} times already: this is a reprint (recorded).").format(n=self.printed),
                             classes="dlg-context", markup=False)
            yield Label(_("Output"), classes="dlg-label")
            yield ChoiceBar(self.formats, self.formats[0][0], id="pr-format")
            yield Label(_("Copies"), classes="dlg-label")
            yield ChoiceBar([("all", _("all three"))] + [(k, _(v)) for k, v in COPY_LABELS.items()], "all",
                            id="pr-copies")
            yield Label(_("File"), classes="dlg-label", id="pr-path-label")
            yield DeskInput(str(self.stem) + ".pdf", id="pr-path")
            yield Static("", id="pr-error", classes="dlg-error", markup=False)
            with Horizontal(classes="dlg-buttons"):
                yield Button(_("Cancel") + " (Esc)", id="pr-cancel")
                yield Button(_("Print") + " (Ctrl+S)", id="pr-ok", variant="primary")

    def on_mount(self) -> None:
        self._format_changed()
        self.query_one("#pr-format", ChoiceBar).focus()

    @on(ChoiceBar.Changed, "#pr-format")
    def _format_changed(self, _event=None) -> None:
        fmt = self.query_one("#pr-format", ChoiceBar).value
        to_file = fmt in self.SUFFIX
        self.query_one("#pr-path").display = to_file
        self.query_one("#pr-path-label").display = to_file
        if to_file:
            path = self.query_one("#pr-path", Input)
            current = Path(path.value) if path.value else self.stem
            path.value = str(current.with_suffix(self.SUFFIX[fmt]))

    def action_ok(self) -> None:
        after_typing(self, self._ok)

    def _ok(self) -> None:
        from csdesk.services.slip import COPIES

        fmt = self.query_one("#pr-format", ChoiceBar).value
        which = self.query_one("#pr-copies", ChoiceBar).value
        copies = COPIES if which == "all" else (which,)
        path = None
        if fmt in self.SUFFIX:
            raw = self.query_one("#pr-path", Input).value.strip()
            if not raw:
                self.query_one("#pr-error", Static).update(_("Give the file to write."))
                return
            path = Path(raw).expanduser()
            if not path.parent.is_dir():
                self.query_one("#pr-error", Static).update(
                    _("the folder {folder} does not exist").format(folder=path.parent))
                return
        self.dismiss(PrintRequest(fmt, copies, path))

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "pr-ok":
            self.action_ok()
        else:
            self.action_cancel()
