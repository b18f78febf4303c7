"""Complaints (客诉处理跟踪表): the supervisor's view of every complaint, worked to its close.

Views open, mine, overdue, closed this month and all (1–5), searched like the
register (/).  The selected complaint's whole tracking record shows below the
list with its steps.  Supervisors work it with one key each: take it on (t),
write the plan (p), record a call to the customer (k), record the customer's
response (r), close it (x); a new complaint is entered field for field (n),
times included.  The record prints to a file as text, HTML or PDF (w) and the
view exports to CSV or XLSX (e).  All database work runs in thread workers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from csdesk.clock import fmt
from csdesk.clock import now as utcnow
from csdesk.i18n import _
from screens.errors import WorkerErrors
from screens.queue import fmt_span
from screens.widgets import DeskFooter, DeskHeader, ListView

HERE = Path(__file__).parent
VIEW_KEYS = (("open", "1"), ("mine", "2"), ("overdue", "3"), ("closed", "4"), ("all", "5"))
STEP_KINDS = {"take": "taken", "write_plan": "plan", "record_call": "call", "record_response": "response",
              "close": "closed"}  # the event each step writes
REFRESH_SECONDS = 30.0


def view_label(view: str) -> str:
    return {"open": _("Open"), "mine": _("Mine"), "overdue": _("Overdue"), "closed": _("Closed this month"),
            "all": _("All")}[view]


def status_label(value: str) -> str:
    from csdesk.domain import ComplaintStatus

    try:
        return ComplaintStatus(value).label
    except ValueError:
        return value


def _cell(text: str, width: int = 18) -> str:
    """``text`` padded to ``width`` terminal cells (Chinese takes two), always with a space after it."""
    from rich.cells import cell_len

    return text + " " * max(1, width - cell_len(text))


def row_prompt(row, at) -> Text:
    """One line of the list: deadline (red overdue, amber due soon), number, status, customer, what."""
    state = row.due_state(at).value
    text = Text(no_wrap=True, overflow="ellipsis")
    if row.closed_at is not None:
        text.append(_cell(f"{_('closed')} {fmt(row.closed_at, '%m-%d %H:%M')}"), style="dim")
    elif row.replied_at is not None:
        text.append(_cell(f"{_('replied')} {fmt(row.replied_at, '%m-%d %H:%M')}"), style="green")
    elif row.due_at is not None:
        left = int((row.due_at - at).total_seconds())
        label = (_("overdue {span}") if left < 0 else _("in {span}")).format(span=fmt_span(left))
        style = {"overdue": "bold red", "due_soon": "bold yellow"}.get(state, "green")
        text.append(_cell(label), style=style)
    else:
        text.append(_cell(""))
    text.append(f"{row.number} ", style="bold")
    text.append(f"{status_label(row.status)} ", style="cyan")
    text.append(f"{row.customer_name or '—'} {row.contact} ")
    if row.supervisor_staff_no:
        text.append(f"[{row.supervisor_staff_no}] ", style="dim")
    text.append(row.about, style="dim")
    return text


def record_text(record, at) -> Text:
    """The tracking record in the handbook's layout, then its steps."""
    from csdesk.services.complaint_print import rows_of, steps_of

    text = Text()
    text.append(f"{record.number}  {status_label(record.status)}", style="bold")
    state = record.due_state(at).value
    if state == "overdue":
        text.append("  " + _("reply overdue"), style="bold red")
    elif state == "due_soon":
        text.append("  " + _("reply due soon"), style="bold yellow")
    text.append("\n")
    for label, value in rows_of(record):
        if not value:
            continue
        text.append(f"{label}: ", style="bold")
        text.append(value + "\n")
    text.append(_("Steps") + "\n", style="bold underline")
    for when, staff, step, note in steps_of(record):
        text.append(f"{when} {staff} ", style="dim")
        text.append(step, style="cyan")
        if note:
            text.append(f"  {note}")
        text.append("\n")
    return text


class ComplaintsScreen(ListView, WorkerErrors, Screen):
    STATUS = "#cp-status"  # ListView's status line
    CSS_PATH = [HERE / "complaints.tcss", HERE / "desk_dialogs.tcss"]
    BINDINGS = [
        *[Binding(key, f"view('{view}')", view_label(view), id=f"complaints.view.{view}") for view, key in VIEW_KEYS],
        Binding("slash", "focus_search", _("Search"), id="complaints.search"),
        Binding("n", "new", _("New complaint"), id="complaints.new"),
        Binding("t", "take", _("Take on"), id="complaints.take"),
        Binding("p", "plan", _("Plan"), id="complaints.plan"),
        Binding("k", "call", _("Call"), id="complaints.call"),
        Binding("r", "respond", _("Response"), id="complaints.respond"),
        Binding("x", "close_complaint", _("Close"), id="complaints.close"),
        Binding("a", "about_staff", _("Staff complained about"), id="complaints.about"),
        Binding("w", "print_record", _("Print"), id="complaints.print"),
        Binding("e", "export", _("Export"), id="complaints.export"),
        Binding("ctrl+r", "refresh", _("Refresh"), id="complaints.refresh"),
    ]

    class Loaded(Message):
        def __init__(self, seq: int, found: Any, error: str = "") -> None:
            super().__init__()
            self.seq, self.found, self.error = seq, found, error

    class RecordLoaded(Message):
        def __init__(self, complaint_id: int, record: Any, error: str = "") -> None:
            super().__init__()
            self.complaint_id, self.record, self.error = complaint_id, record, error

    class Done(Message):
        def __init__(self, text: str, ok: bool = True) -> None:
            super().__init__()
            self.text, self.ok = text, ok

    def __init__(self) -> None:
        super().__init__()
        self.view = "open"
        self.search = ""
        self.rows: list = []
        self.record = None
        self.found = None
        self.fetching = True  # until the first page is in
        self._seq = 0
        self._wanted: int | None = None
        self._shown_id: int | None = None

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield DeskHeader()
        yield Static("", id="cp-views")
        yield Input(placeholder=_("/ search: number, phone, last 4, unit, name, initials, words"), id="cp-search")
        yield OptionList(id="cp-list")
        with VerticalScroll(id="cp-detail"):
            yield Static("", id="cp-record", markup=False)
        yield Static("", id="cp-status", markup=False)
        yield DeskFooter()

    def on_mount(self) -> None:
        self.query_one(DeskHeader).title = _("Complaints")
        self._show_views()
        self.reload()
        self.set_interval(REFRESH_SECONDS, self.reload)
        self.set_interval(1.0, self._tick)
        self.query_one("#cp-list", OptionList).focus()

    def on_screen_resume(self) -> None:
        self.reload()

    def _show_views(self, counts: dict | None = None) -> None:
        text = Text()
        for view, key in VIEW_KEYS:
            label = f" {key} {view_label(view)} "
            text.append(label, style="bold reverse" if view == self.view else "")
        if self.search:
            text.append("  " + _("search: {what}").format(what=self.search), style="yellow")
        if self.found is not None and self.found.view == self.view:
            text.append("  " + _("{shown} of {total}").format(shown=len(self.found.rows), total=self.found.total),
                        style="dim")
        self.query_one("#cp-views", Static).update(text)

    def load_argument(self) -> str:
        return self.search

    # ------------------------------------------------------------------ loading

    @work(thread=True, exclusive=True, group="complaints-list", exit_on_error=False)
    def _load(self, seq: int, view: str, search: str) -> None:
        from csdesk.services.complaints import list_complaints

        with self.app.db_read() as session:
            found = list_complaints(session, self.app.agent, view, search=search)
        self.post_message(self.Loaded(seq, found))

    def on_complaints_screen_loaded(self, message: Loaded) -> None:
        if message.seq != self._seq or not self.app.is_running or not self.is_attached:
            return  # stale, or the console is closing
        self.fetching = False
        if message.error:
            self.status(message.error, error=True)
            return
        self.found = message.found
        olist = self.query_one("#cp-list", OptionList)
        keep = olist.highlighted_option.id if olist.highlighted_option is not None else None
        self.rows = list(message.found.rows)
        at = utcnow()
        olist.set_options([Option(row_prompt(r, at), id=str(r.id)) for r in self.rows])
        if not self.rows:
            olist.set_options([Option(Text(_("No complaints here."), style="dim"), id="none", disabled=True)])
            if self.record is None or self._wanted != self.record.id:  # keep the one just worked on in sight
                self.record = None
                self._shown_id = None
                self.query_one("#cp-record", Static).update("")
        else:
            ids = [str(r.id) for r in self.rows]
            olist.highlighted = ids.index(keep) if keep in ids else 0
        self._show_views()

    def _tick(self) -> None:
        if not self.is_current or not self.rows:
            return
        olist = self.query_one("#cp-list", OptionList)
        at = utcnow()
        for index, row in enumerate(self.rows[:60]):
            if index < olist.option_count and row.closed_at is None:
                olist.replace_option_prompt_at_index(index, row_prompt(row, at))

    @on(OptionList.OptionHighlighted, "#cp-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id and event.option.id != "none":
            self._load_record(int(event.option.id))

    @on(OptionList.OptionSelected, "#cp-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.query_one("#cp-detail").focus()

    def _load_record(self, complaint_id: int) -> None:
        self._wanted = complaint_id
        self._fetch_record(complaint_id)

    @work(thread=True, exclusive=True, group="complaints-record", exit_on_error=False)
    def _fetch_record(self, complaint_id: int) -> None:
        from csdesk.services.complaints import get_record

        with self.app.db_read() as session:
            record = get_record(session, complaint_id, self.app.agent)
        self.post_message(self.RecordLoaded(complaint_id, record))

    def on_complaints_screen_record_loaded(self, message: RecordLoaded) -> None:
        if message.complaint_id != self._wanted:
            return
        if message.error:
            self.status(message.error, error=True)
            return
        self.record = message.record
        self._shown_id = message.record.id
        self.query_one("#cp-record", Static).update(record_text(message.record, utcnow()))

    # ------------------------------------------------------------------ views and search
    def action_view(self, view: str) -> None:
        self.view = view
        self._wanted = None
        self._show_views()
        self.reload()
        self.query_one("#cp-list", OptionList).focus()

    def action_focus_search(self) -> None:
        self.query_one("#cp-search", Input).focus()

    @on(Input.Submitted, "#cp-search")
    def _search(self, event: Input.Submitted) -> None:
        self.search = event.value.strip()
        if self.search and self.view != "all":
            self.view = "all"
        self._wanted = None  # a new search: the keys act on what it finds, never on the one shown before
        self.reload()
        self.query_one("#cp-list", OptionList).focus()

    def action_refresh(self) -> None:
        self.reload()

    # ------------------------------------------------------------------ the steps
    def _chosen(self):
        if self.record is None:
            self.status(_("Choose a complaint first."), error=True)
            self.app.bell()
            return None
        return self.record

    def _may_work(self) -> bool:
        from csdesk.domain.policy import Act, may

        if not may(self.app.agent, Act.WORK_COMPLAINT):
            self.status(_("Complaints are worked by a supervisor; yours waits in their queue."), error=True)
            self.app.bell()
            return False
        return True

    def _step(self, title: str, fn_name: str, *, text_label: str = "", multi: bool = True,
              with_text: bool = True) -> None:
        record = self._chosen()
        if record is None or not self._may_work():
            return
        from screens.desk_dialogs import StepScreen

        agent = self.app.agent
        complaint_id = record.id

        def save(session, values):
            from csdesk.services import complaints as svc

            fn = getattr(svc, fn_name)
            if fn_name == "take":
                result = fn(session, agent, complaint_id, at=values.get("at"))
            elif fn_name == "close":
                result = fn(session, agent, complaint_id, at=values.get("at"), note=values.get("text", ""))
            else:
                result = fn(session, agent, complaint_id, values.get("text", ""), at=values.get("at"))
            return result, values.get("at")  # the step saved and its time: named in the confirmation

        context = f"{record.number} · {record.customer_name} · {record.about.splitlines()[0] if record.about else ''}"
        self.app.push_screen(StepScreen(title, save, text_label=text_label, multi=multi,
                                        text=record.plan if fn_name == "write_plan" else "", context=context,
                                        draft_key=f"cp{complaint_id}:{fn_name}"[:28]),
                             lambda saved: self._step_done(saved, STEP_KINDS.get(fn_name, "")))

    def _step_done(self, saved, kind: str) -> None:
        if saved is None:
            return
        result, at = saved
        steps = [e for e in result.events if e.kind == kind and (at is None or e.at == at)]
        last = steps[-1] if steps else (result.events[-1] if result.events else None)
        self.status(_("{number}: {step} at {when}.").format(number=result.number, step=last.label if last else "",
                                                             when=fmt(last.at) if last else ""))
        self.reload()
        self._load_record(result.id)

    def action_take(self) -> None:
        self._step(_("Take on this complaint"), "take")

    def action_plan(self) -> None:
        self._step(_("The supervisor's plan"), "write_plan", text_label=_("Plan (one step a line)"))

    def action_call(self) -> None:
        self._step(_("A call to the customer"), "record_call", text_label=_("What was said"))

    def action_respond(self) -> None:
        self._step(_("The customer's response"), "record_response", text_label=_("Response"))

    def action_close_complaint(self) -> None:
        self._step(_("Close the complaint"), "close", text_label=_("Note (optional)"), multi=False)

    def action_about_staff(self) -> None:
        """Name the staff member the complaint is about (a complaint taken at intake has no field for it):
        a technician of the roster by code or name, or an agent's staff number."""
        record = self._chosen()
        if record is None or not self._may_work():
            return
        from screens.desk_dialogs import StepScreen

        agent, complaint_id = self.app.agent, record.id
        kinds = [("", _("by what is typed")), ("technician", _("a technician")), ("agent", _("an agent"))]

        def save(session, values):
            from csdesk.services import complaints as svc

            return svc.amend(session, agent, complaint_id, about_staff_kind=values.get("choice", ""),
                             about_staff=values.get("text", ""))

        context = f"{record.number} · {record.customer_name} · {record.about.splitlines()[0] if record.about else ''}"
        self.app.push_screen(StepScreen(_("Staff complained about"), save, multi=False, with_time=False,
                                        text_label=_("A technician (code or name) or an agent's staff number"),
                                        text=record.about_staff_name or "", choices=kinds, choice_label=_("Who"),
                                        context=context), self._about_saved)

    def _about_saved(self, result) -> None:
        if result is None:
            return
        self.status(_("{number}: about {staff}.").format(number=result.number,
                                                         staff=result.about_staff_name or _("nobody")))
        self.reload()
        self._load_record(result.id)

    def action_new(self) -> None:
        from screens.desk_dialogs import ComplaintFormScreen

        agent = self.app.agent

        def save(session, values):
            from csdesk.services import complaints as svc

            return svc.file_complaint(session, agent, svc.ComplaintForm(**values))

        def saved(complaint_id) -> None:
            if complaint_id is None:
                return
            self.status(_("Complaint saved and sent to the supervisor queue."))
            self.view = "open"
            self.search = ""
            self.reload()
            self._load_record(complaint_id)

        self.app.push_screen(ComplaintFormScreen(save, draft_key="cp-new"), saved)

    # ------------------------------------------------------------------ printing and export
    def _out_dir(self) -> Path:
        """Where prints and exports go: the user's documents (or downloads) folder, as the register's
        exports (csdesk.services.export.export_folder), not a folder inside csdesk's data."""
        from csdesk.services.export import export_folder

        return export_folder()

    def action_print_record(self) -> None:
        record = self._chosen()
        if record is None:
            return
        from screens.desk_dialogs import StepScreen

        agent = self.app.agent
        folder = self._out_dir()

        def save(session, values):
            from csdesk.services import complaint_print as cpr
            from csdesk.services import complaints as svc

            fmt_name = values["choice"]
            path = folder / f"{record.number}.{ {'text': 'txt'}.get(fmt_name, fmt_name)}"
            part = path.with_name(path.name + ".part")  # published once the audit row is committed
            fresh = svc.get_record(session, record.id, agent)
            if fmt_name == "pdf":
                cpr.as_pdf([fresh], part)
            else:
                body = cpr.as_text([fresh]) if fmt_name == "text" else cpr.as_html([fresh])
                part.write_text(body, encoding="utf-8")
            svc.record_output(session, agent, [record.id], fmt_name, str(path))
            return part

        self.app.push_screen(StepScreen(_("Print the tracking record"), save, choices=[
            ("pdf", "PDF (A4)"), ("html", _("HTML (A4, print from the browser)")), ("text", _("Text (80 columns)"))],
            choice_label=_("Format"), with_time=False, context=_("Written to {folder}").format(folder=folder)),
            self._written)

    def _written(self, written) -> None:
        """The file is written and its audit row committed: publish it under its name."""
        if written is None:
            return
        if isinstance(written, Path):
            path = written.with_name(written.name.removesuffix(".part"))
            written.replace(path)
        else:  # a StagedExport
            path = written.publish().path
        self.status(_("Written to {path}").format(path=path))

    def action_export(self) -> None:
        from screens.desk_dialogs import StepScreen

        agent = self.app.agent
        view, search = self.view, self.search
        folder = self._out_dir()

        def save(session, values):
            from csdesk.services import complaint_print as cpr
            from csdesk.services import complaints as svc
            from csdesk.services import export as ex

            fmt_name = values["choice"]
            path = folder / f"complaints-{view}-{utcnow().astimezone().strftime('%Y%m%d-%H%M%S')}.{fmt_name}"
            found = svc.list_complaints(session, agent, view, search=search, limit=100_000, count=False)
            records = [svc.get_record(session, r.id, agent) for r in found.rows]
            staged = ex.StagedExport(path, fmt_name)  # published once the audit row is committed
            staged.write(cpr.export_headers(), cpr.export_rows(records), title=_("Complaints"))
            svc.record_output(session, agent, [r.id for r in found.rows], fmt_name, str(path))
            return staged

        self.app.push_screen(StepScreen(_("Export this view"), save, choices=[("xlsx", "XLSX"), ("csv", "CSV")],
                                        choice_label=_("Format"), with_time=False,
                                        context=_("Written to {folder}").format(folder=folder)), self._written)
