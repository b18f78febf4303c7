"""Modal dialogs of the visit log: pickers, custom date range, confirmations,
linked record viewer, export.  Each returns a typed result through ``dismiss``.

Their styles live in ``log.tcss`` (loaded with the screen), not in DEFAULT_CSS:
a class's DEFAULT_CSS is parsed when it is first mounted, which made the first
picker take half a second to open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, RadioButton, RadioSet, Static
from textual.widgets.option_list import Option

from csdesk.i18n import _

ANY = "__any__"


def keyed(action: str, key: str) -> str:
    """A button's label with the key that does the same: ``Reveal (Y)``."""
    return _("{action} ({key})").format(action=action, key=key)


class ChoiceScreen(ModalScreen[str | None]):
    """Pick one value from a list; ``ANY`` means "no filter"; None means cancelled."""

    BINDINGS = [Binding("escape", "cancel", _("Cancel"), id="log.choice.cancel")]

    def __init__(self, title: str, choices: list[tuple[str, str]], current: str | None = None,
                 allow_any: bool = True) -> None:
        super().__init__()
        self.title_text = title
        self.choices = ([(ANY, _("(any)"))] if allow_any else []) + list(choices)
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="dlg-title")
            yield OptionList(*[Option(label, id=value) for value, label in self.choices], id="choice-list")

    def on_mount(self) -> None:
        ol = self.query_one(OptionList)
        ids = [v for v, _l in self.choices]
        if self.current in ids:
            ol.highlighted = ids.index(self.current)
        else:
            ol.highlighted = 0
        ol.focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class DateRangeResult:
    first: date
    last: date


class DateRangeScreen(ModalScreen[DateRangeResult | None]):
    """A custom date range: first and last day (inclusive), YYYY-MM-DD."""

    BINDINGS = [Binding("escape", "cancel", _("Cancel"), id="log.range.cancel")]

    def __init__(self, first: date | None = None, last: date | None = None) -> None:
        super().__init__()
        self.first = first
        self.last = last

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(_("Custom date range (YYYY-MM-DD, both days included)"), classes="dlg-title")
            yield Label(_("From"))
            yield Input(self.first.isoformat() if self.first else "", placeholder="2026-11-01", id="dr-from")
            yield Label(_("To"))
            yield Input(self.last.isoformat() if self.last else "", placeholder="2026-11-30", id="dr-to")
            yield Static("", id="dr-error")
            with Horizontal():
                yield Button(_("Apply"), variant="primary", id="dr-ok")
                yield Button(_("Cancel"), id="dr-cancel")

    def on_mount(self) -> None:
        self.query_one("#dr-from", Input).focus()

    def _parse(self, widget_id: str) -> date | None:
        value = self.query_one(widget_id, Input).value.strip()
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None

    def _apply(self) -> None:
        first, last = self._parse("#dr-from"), self._parse("#dr-to")
        error = self.query_one("#dr-error", Static)
        if first is None or last is None:
            error.update(_("Enter both dates as YYYY-MM-DD."))
            return
        if last < first:
            error.update(_("The last day is before the first."))
            return
        self.dismiss(DateRangeResult(first, last))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "dr-from":
            self.query_one("#dr-to", Input).focus()
        else:
            self._apply()

    @on(Button.Pressed, "#dr-ok")
    def _ok(self) -> None:
        self._apply()

    @on(Button.Pressed, "#dr-cancel")
    def _cancel_button(self) -> None:
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question; its buttons say their keys (Y, Esc), and Tab/Enter work on them too."""

    BINDINGS = [Binding("escape", "no", _("Cancel"), id="log.confirm.no"),
                Binding("y", "yes", _("Yes"), id="log.confirm.yes")]

    def __init__(self, question: str, yes: str) -> None:
        super().__init__()
        self.question = question
        self.yes_label = yes

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question, id="confirm-question", markup=False)
            with Horizontal():
                yield Button(keyed(self.yes_label, "Y"), variant="warning", id="confirm-yes")
                yield Button(keyed(_("Cancel"), "Esc"), id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed, "#confirm-yes")
    def action_yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def action_no(self) -> None:
        self.dismiss(False)


class RecordScreen(ModalScreen[None]):
    """A linked work order, complaint or call-back, read-only."""

    BINDINGS = [Binding("escape", "close", _("Close"), id="log.record.close")]

    def __init__(self, record) -> None:
        super().__init__()
        self.record = record

    def compose(self) -> ComposeResult:
        from rich.table import Table

        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        from rich.text import Text

        for label, value in self.record.fields:
            table.add_row(label, Text(value or "—"))  # customers' words are not Rich markup
        with Vertical():
            yield Label(self.record.title, classes="dlg-title", id="record-title")
            with VerticalScroll():
                yield Static(table, id="record-fields")
            yield Button(keyed(_("Close"), "Esc"), id="record-close")

    def on_mount(self) -> None:
        self.query_one("#record-close", Button).focus()

    @on(Button.Pressed, "#record-close")
    def action_close(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class ExportRequest:
    path: Path
    fmt: str


class ExportScreen(ModalScreen[ExportRequest | None]):
    """Where and how to export: the format (XLSX or CSV) and the file, suggested in the user's
    documents folder; a file name that says the other format is refused, with a line saying so."""

    BINDINGS = [Binding("escape", "cancel", _("Cancel"), id="log.export.cancel")]

    def __init__(self, suggested: Path, filters: str) -> None:
        super().__init__()
        self.suggested = Path(suggested)
        self.filters = filters

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(_("Export the register"), classes="dlg-title")
            yield Static(_("Rows: the current filter — {filters}").format(filters=self.filters or _("everything")),
                         id="ex-filters", markup=False)
            with RadioSet(id="ex-format"):
                yield RadioButton("XLSX", value=self.suggested.suffix.lower() != ".csv", id="ex-xlsx")
                yield RadioButton(_("CSV (UTF-8)"), value=self.suggested.suffix.lower() == ".csv", id="ex-csv")
            yield Label(_("File"))
            yield Input(str(self.suggested), id="ex-path")
            yield Static("", id="ex-error", markup=False)
            with Horizontal():
                yield Button(keyed(_("Export"), "Enter"), variant="primary", id="ex-ok")
                yield Button(keyed(_("Cancel"), "Esc"), id="ex-cancel")

    def on_mount(self) -> None:
        self.query_one("#ex-path", Input).focus()

    def _fmt(self) -> str:
        return "csv" if self.query_one("#ex-csv", RadioButton).value else "xlsx"

    @on(RadioSet.Changed)
    def _format_changed(self) -> None:
        from csdesk.services.export import with_format

        inp = self.query_one("#ex-path", Input)
        inp.value = str(with_format(Path(inp.value or str(self.suggested)), self._fmt()))

    def _apply(self) -> None:
        from csdesk.services.export import export_folder, guess_format

        error = self.query_one("#ex-error", Static)
        value = self.query_one("#ex-path", Input).value.strip()
        if not value:
            error.update(_("Enter a file name."))
            return
        path = Path(value).expanduser()
        if not path.is_absolute():  # a bare name goes where the suggestion went, not where csdesk started
            path = (self.suggested.parent if self.suggested.parent.is_dir() else export_folder()) / path
        try:
            fmt = guess_format(path, self._fmt())
        except ValueError as exc:
            error.update(str(exc))
            return
        if not path.parent.is_dir():
            error.update(_("The folder {folder} does not exist.").format(folder=path.parent))
            return
        self.dismiss(ExportRequest(path, fmt))

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self._apply()

    @on(Button.Pressed, "#ex-ok")
    def _ok(self) -> None:
        self._apply()

    @on(Button.Pressed, "#ex-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
