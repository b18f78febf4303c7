"""Work orders (F3): the order list beside the order, the service record form, the slip.

- The list: views (1 mine, 2 department, 3 escalated, 4 overdue, 5 due today,
  6 on hold, 7 awaiting the return visit, 8 all) and the register's search,
  one page at a time with keyset paging (:mod:`csdesk.services.order_list`);
  a live countdown to each deadline (amber when due soon, red when overdue),
  the 5-minute flag and the explanation owed.  New and changed orders from
  other consoles appear within 2 s without moving the selection (the change
  feed, polled in a worker).
- Beside it the order: its fields, the quote, the explanation and the
  timeline of events.
- A key per status change (d dispatch, s start, c complete…, h hold…,
  k cancel…, x close), n a new order, e/Enter the form, t the deadline
  (supervisors), w the explanation (owner), a the acknowledgement
  (supervisors), m a note, p the slip.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Static

from csdesk.clock import now as utcnow
from csdesk.i18n import _
from screens.errors import WorkerErrors
from screens.page_table import PageTable
from screens.queue import fmt_span
from screens.widgets import DeskFooter, DeskHeader

POLL_SECONDS = 1.0
DETAIL_DELAY = 0.05
DETAIL_EVERY = 15  # ticks between redraws of the order pane's countdown (the list's runs every second)
NARROW = 100  # below this width the order pane hides itself (i brings it back)
COL_DUE, COL_FLAGS = 0, 5
_LANDING: dict[int, tuple[int, str]] = {}  # app id -> (order to open in the form, intake's note)

_RED = Style(color="red", bold=True)
_AMBER = Style(color="yellow", bold=True)
_DIM = Style(dim=True)


def land_on_order(app, order_id: int, note: str = "") -> None:
    """Switch to F3 with the form of ``order_id`` open (intake's "work order" outcome lands here);
    ``note`` (what intake said it saved) is shown on the form."""
    _LANDING[id(app)] = (order_id, note)
    app.switch_mode("orders")


class OrdersTable(PageTable):
    """The order list's page; the countdown and the flags are coloured by due state."""

    STYLED_COLUMNS = (COL_DUE, COL_FLAGS)
    BINDINGS = [Binding("enter", "screen.edit", _("Open the form"), id="orders.table.open")]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tones: list[Style | None] = []
        self.flag_tones: list[Style | None] = []

    def cell_style(self, row: int, column: int) -> Style | None:
        tones = self.tones if column == COL_DUE else self.flag_tones
        return tones[row] if 0 <= row < len(tones) else None

    def set_ticking(self, values: list[tuple[str, str]]) -> None:
        """The countdown and flags of every row at once (one fit, one repaint a second, not two hundred)."""
        rows = self._rows
        for row, (due, flag) in zip(rows, values, strict=False):
            row[COL_DUE], row[COL_FLAGS] = due, flag
        self._fit(rows)
        self.refresh()


def countdown(row, at: datetime) -> tuple[str, Style | None]:
    """The due column: time left (amber when due soon), time over (red), or the state when the clock stops."""
    from csdesk.domain import OrderStatus
    from csdesk.domain.rules import DueState

    state = row.due(at)
    if state is None:
        if row.status is OrderStatus.ON_HOLD:
            return _("held"), _DIM
        return row.status.label, _DIM
    left = row.seconds_left(at)
    if state is DueState.OVERDUE:
        return "-" + fmt_span(-left), _RED
    return fmt_span(left), _AMBER if state is DueState.DUE_SOON else None


def flags(row, at: datetime) -> tuple[str, Style | None]:
    from csdesk.domain.rules import ExplanationState

    parts, tone = [], None
    if row.dispatch_late(at):
        parts.append(_("5 min"))
        tone = _AMBER
    state = row.explanation(at)
    if state in (ExplanationState.OWED, ExplanationState.LATE):
        parts.append(_("explain"))
        tone = _RED
    elif state is ExplanationState.GIVEN:
        parts.append(_("to ack"))
        tone = tone or _AMBER
    if row.paid:
        parts.append("¥")
    return " ".join(parts), tone


class OrdersScreen(WorkerErrors, Screen):
    PAGE_SIZE = 100  # rows held by the table when there are no settings; else ``page_size`` of the settings
    CSS_PATH = Path(__file__).with_suffix(".tcss")
    BINDINGS = [
        Binding("n", "new", _("New order"), id="orders.new"),
        Binding("e", "edit", _("Form"), id="orders.edit"),
        Binding("d", "move('dispatched')", _("Dispatch"), id="orders.dispatch"),
        Binding("s", "move('in_progress')", _("Start"), id="orders.start"),
        Binding("c", "complete", _("Complete"), id="orders.complete"),
        Binding("h", "hold", _("Hold"), id="orders.hold"),
        Binding("k", "cancel_order", _("Cancel order"), id="orders.cancel"),
        Binding("x", "close_order", _("Close order"), id="orders.close"),
        Binding("p", "print", _("Print slip"), id="orders.print"),
        Binding("m", "note", _("Note"), id="orders.note"),
        Binding("w", "explain", _("Explain overdue"), id="orders.explain"),
        Binding("a", "acknowledge", _("Acknowledge"), id="orders.ack"),
        Binding("t", "deadline", _("Deadline"), id="orders.deadline"),
        Binding("slash", "focus_search", _("Search"), id="orders.search"),
        Binding("f", "pick_department", _("Department…"), id="orders.department"),
        Binding("1", "view('mine')", _("Mine"), id="orders.view.mine"),
        Binding("2", "view('department')", _("Department"), id="orders.view.department"),
        Binding("3", "view('escalated')", _("Sent to supervisor"), id="orders.view.escalated"),
        Binding("4", "view('overdue')", _("Overdue"), id="orders.view.overdue"),
        Binding("5", "view('due_today')", _("Due today"), id="orders.view.due_today"),
        Binding("6", "view('on_hold')", _("On hold"), id="orders.view.on_hold"),
        Binding("7", "view('awaiting_visit')", _("Awaiting visit"), id="orders.view.awaiting_visit"),
        Binding("8", "view('all')", _("All"), id="orders.view.all"),
        Binding("i", "toggle_detail", _("Order pane"), id="orders.detail"),
        Binding("ctrl+r", "refresh", _("Refresh"), id="orders.refresh"),
    ]

    # ------------------------------------------------------------------ messages
    class PageLoaded(Message):
        def __init__(self, seq: int, page, where: str, keep_id: int | None, extra: dict, error: str = "") -> None:
            super().__init__()
            self.seq, self.page, self.where, self.keep_id, self.extra, self.error = seq, page, where, keep_id, extra, error

    class DetailLoaded(Message):
        def __init__(self, detail) -> None:
            super().__init__()
            self.detail = detail

    class Changed(Message):
        def __init__(self, ids: set[int]) -> None:
            super().__init__()
            self.ids = ids

    class Done(Message):
        """A write finished: its message, and the order to show."""

        def __init__(self, text: str, order_id: int | None = None, ok: bool = True, errors: dict | None = None) -> None:
            super().__init__()
            self.text, self.order_id, self.ok, self.errors = text, order_id, ok, errors or {}

    # ------------------------------------------------------------------ state
    def __init__(self) -> None:
        super().__init__()
        from csdesk.services.order_list import ListQuery

        self.query_model = ListQuery(view="mine")
        self.page = None
        self.detail = None
        self.departments: dict[str, str] | None = None
        self.tally = None
        self.total: int | None = None
        self.row_offset: int | None = 0
        self.page_loading = False
        self.message_text = ""
        self._seq = 0
        self._version: int | None = None
        self._polling = False
        self._refresh_pending = False
        self._detail_timer = None
        self._detail_wanted: int | None = None
        self._side_shown: bool | None = None  # None: by the width
        self._busy = False
        self._again = None  # brings back the dialog of a refused save (see _write)
        self._ticks = 0

    @property
    def full_phones(self) -> bool:
        from csdesk.services.register import may_see_full_phones

        return may_see_full_phones(self.app.agent)

    @property
    def agent(self):
        return self.app.agent

    @property
    def page_size(self) -> int:
        """Rows per page: ``page_size`` of the settings (as the visit log)."""
        return getattr(getattr(self.app, "settings", None), "page_size", None) or self.PAGE_SIZE

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        agent = self.app.agent
        if agent is not None:
            self.query_model = self.query_model.with_(owner_id=agent.id, department="engineering")
        self._load("first")  # read while the widgets mount
        yield DeskHeader()
        yield Static("", id="ord-tabs")
        with Horizontal(id="ord-top"):
            yield Input(placeholder=_("Search: order number, phone, last 4 digits, name, pinyin initials, unit, words"),
                        id="ord-search")
        with Horizontal(id="ord-main"):
            yield OrdersTable(id="ord-table")
            with Vertical(id="ord-side"):
                with VerticalScroll(id="ord-detail"):
                    yield Static(_("Select an order to see it in full."), id="ord-detail-body")
        with Horizontal(id="ord-bottom"):
            yield Static("", id="ord-status")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.query_one(DeskHeader).title = _("Work orders")
        table = self.query_one(OrdersTable)
        for label, width in ((_("Time left"), 10), (_("Order"), 15), (_("Customer"), 8), (_("To do"), None),
                             (_("Status"), 8), (_("Flags"), 12), (_("Urgency"), 6), (_("Unit"), 10),
                             (_("Phone"), 13), (_("Department"), 8), (_("Technician"), 8), (_("Owner"), 6)):
            table.add_column(label, width=width, min_width=16)
        table.focus()
        self._show_tabs()
        if self.page is not None:
            self._fill(self.page, "first", None)
        self.set_interval(POLL_SECONDS, self._tick)
        self._check_landing()

    def on_screen_resume(self) -> None:
        if not self._shown():  # Textual resumes a screen it builds behind the current one too
            return
        self._check_landing()
        if self.page is not None:
            self._poll_now()
        if self.detail is None and self._detail_wanted is not None:
            self._load_detail(self._detail_wanted)

    def on_resize(self, _event) -> None:
        self._apply_side()

    def _apply_side(self) -> None:
        side = self.query_one("#ord-side")
        side.display = self.size.width >= NARROW if self._side_shown is None else self._side_shown

    def _check_landing(self) -> None:
        landing = _LANDING.pop(id(self.app), None)
        if landing is not None:
            self.message_text = ""
            self.open_form(landing[0], landed=True, note=landing[1])

    # ------------------------------------------------------------------ pages
    def _load(self, where: str, keep_id: int | None = None) -> None:
        self._seq += 1
        self.page_loading = True
        cursor = None
        page = self.page
        if where == "next" and page is not None and page.rows:
            cursor = page.last
        elif where == "prev" and page is not None and page.rows:
            cursor = page.first
        elif where == "refresh" and page is not None and page.rows and not page.at_start:
            cursor = page.first
        q = self.query_model.with_(at=utcnow())
        self.query_model = q
        self._fetch_page(self._seq, q, where, cursor, keep_id)

    @work(thread=True, exclusive=True, group="orders-page", exit_on_error=False)
    def _fetch_page(self, seq: int, q, where: str, cursor, keep_id) -> None:
        from csdesk.services import order_list as ol

        extra: dict[str, Any] = {}
        with self.app.db_read() as session:
            if self.departments is None:
                from csdesk.services.reference import departments

                extra["departments"] = {d.code: d.name for d in departments(session)}
            if self._version is None:
                from csdesk.services.changes import latest_version

                extra["version"] = latest_version(session)
            full = self.full_phones
            n = self.page_size
            if where == "prev" and cursor is not None:
                page = ol.page_before(session, q, cursor, limit=n, full_phones=full)
            elif where == "last":
                page = ol.page_before(session, q, None, limit=n, full_phones=full)
            elif where == "refresh" and cursor is not None:
                page = ol.page_around(session, q, cursor, limit=n, full_phones=full)
            elif where == "next" and cursor is not None:
                page = ol.page_after(session, q, cursor, limit=n, full_phones=full)
            else:
                page = ol.page_after(session, q, None, limit=n, full_phones=full)
            if q.owner_id is not None and where in ("first", "refresh"):  # not on every page move
                extra["tally"] = ol.tally(session, q.owner_id, at=q.at)
        self.post_message(self.PageLoaded(seq, page, where, keep_id, extra))

    def on_orders_screen_page_loaded(self, message: PageLoaded) -> None:
        if "departments" in message.extra:
            self.departments = message.extra["departments"]
        if "version" in message.extra and self._version is None:
            self._version = message.extra["version"]
        if "tally" in message.extra:
            self.tally = message.extra["tally"]
            self._show_tabs()
        if message.seq != self._seq:
            return
        self.page_loading = False
        if self._refresh_pending:
            self._refresh_pending = False
            self.call_later(self.action_refresh)
        if message.error:
            self._set_message(_("Could not read the orders: {error}").format(error=message.error))
            return
        page, where = message.page, message.where
        if where in ("next", "prev") and not page.rows:
            from dataclasses import replace

            if self.page is not None:
                self.page = replace(self.page, at_end=True) if where == "next" else replace(self.page, at_start=True)
            self._show_status()
            return
        if where == "first":
            self.row_offset = 0
        elif where == "next" and self.row_offset is not None and self.page is not None:
            self.row_offset += len(self.page.rows)
        elif where == "prev" and self.row_offset is not None:
            self.row_offset = 0 if page.at_start else max(0, self.row_offset - len(page.rows))
        elif where == "refresh":
            self.row_offset = 0 if page.at_start else self.row_offset
        else:
            self.row_offset = None
        self.page = page
        with self.app.batch_update():
            self._fill(page, where, message.keep_id)
        self._show_status()
        if self.total is None:
            self._count(self._seq, self.query_model)

    def _fill(self, page, where: str, keep_id: int | None) -> None:
        from csdesk.services.register import label

        table = self.query_one(OrdersTable)
        deps = self.departments or {}
        at = utcnow()
        was = table.cursor_row  # where the agent was: an order that left the view leaves its place to the next
        table.clear()
        table.tones, table.flag_tones = [], []
        for r in page.rows:
            due, tone = countdown(r, at)
            flag, flag_tone = flags(r, at)
            table.tones.append(tone)
            table.flag_tones.append(flag_tone)
            table.add_row(due, r.number, r.customer_name, r.summary, label("OrderStatus", r.status.value), flag,
                          r.urgency.label, r.unit, r.phone, deps.get(r.department, r.department), r.technician,
                          r.owner_staff_no, key=str(r.id))
        if not page.rows:
            self.detail = None
            self._show_detail(None)
            return
        target = 0
        if keep_id is not None:
            ids = [r.id for r in page.rows]
            if keep_id in ids:
                target = ids.index(keep_id)
            elif where == "refresh":
                target = max(0, min(was, len(ids) - 1))
        elif where in ("prev", "last"):
            target = len(page.rows) - 1
        table.move_cursor(row=target)

    @work(thread=True, exclusive=True, group="orders-count", exit_on_error=False)
    def _count(self, seq: int, q) -> None:
        from csdesk.services import order_list as ol

        with self.app.db_read() as session:
            total = ol.count(session, q)
        self.app.call_from_thread(self._counted, seq, total)

    def _counted(self, seq: int, total: int) -> None:
        if seq == self._seq:
            self.total = total
            self._show_status()

    @on(OrdersTable.NeedPage)
    def _need_page(self, message: OrdersTable.NeedPage) -> None:
        if self.page_loading or self.page is None:
            return
        if message.where == "next" and self.page.at_end:
            self.app.bell()
            return
        if message.where == "prev" and self.page.at_start:
            return
        self.message_text = ""
        self._load(message.where)

    # ------------------------------------------------------------------ tabs and status
    def _show_tabs(self) -> None:
        from csdesk.services.order_list import VIEWS, view_label

        text = Text(no_wrap=True, overflow="ellipsis")
        for i, view in enumerate(VIEWS, 1):
            name = view_label(view)
            if view == "department" and self.departments:
                name += ":" + self.departments.get(self.query_model.department, self.query_model.department)
            if view == "mine" and self.tally is not None:
                name += f"({self.tally.mine})"
            chosen = view == self.query_model.view
            text.append(f" {i} ", style="bold reverse" if chosen else "bold")
            text.append(name, style="bold reverse" if chosen else "")
        t = self.tally
        if t is not None and (t.mine_due_soon or t.mine_overdue or t.escalated_owed or t.dispatch_late):
            text.append("   ")
            if t.mine_overdue:
                text.append(_("{n} overdue").format(n=t.mine_overdue) + " ", style="bold red")
            if t.mine_due_soon:
                text.append(_("{n} due soon").format(n=t.mine_due_soon) + " ", style="bold yellow")
            if t.escalated_owed:
                text.append(_("{n} explanations owed").format(n=t.escalated_owed) + " ", style="bold red")
            if t.dispatch_late:
                text.append(_("{n} not dispatched within 5 min").format(n=t.dispatch_late), style="bold yellow")
        self.query_one("#ord-tabs", Static).update(text)

    def _show_status(self) -> None:
        from csdesk.services.order_list import view_label

        page = self.page
        status = self.query_one("#ord-status", Static)
        if page is None:
            status.update(_("Loading…"))
            return
        where = view_label(self.query_model.view)
        if self.query_model.search.strip():
            where += " · " + _("search: {what}").format(what=self.query_model.search.strip()[:30])
        if not page.rows:
            text = f"{where}: " + _("Nothing found.")
        else:
            total = "…" if self.total is None else f"{self.total:,}"
            if self.row_offset is None:
                text = f"{where}: " + _("{n} rows of {total}").format(n=len(page.rows), total=total)
            else:
                text = f"{where}: " + _("rows {first}–{last} of {total}").format(
                    first=f"{self.row_offset + 1:,}", last=f"{self.row_offset + len(page.rows):,}", total=total)
        if self.message_text:
            text = f"{text}  ·  {self.message_text}"
        status.update(text)

    def _set_message(self, text: str) -> None:
        self.message_text = text
        self.query_one("#ord-status", Static).set_class(False, "-error")
        self._show_status()

    # ------------------------------------------------------------------ the clock and the change feed
    def _tick(self) -> None:
        if not self._shown():  # another screen's mode is on the terminal
            return
        self._update_countdowns()
        if not self._polling and self.page is not None:
            self._poll_now()

    def _update_countdowns(self) -> None:
        page = self.page
        if page is None or not page.rows:
            return
        table = self.query_one(OrdersTable)
        if table.row_count != len(page.rows):
            return
        at = utcnow()
        values = []
        for i, r in enumerate(page.rows):
            due, tone = countdown(r, at)
            flag, flag_tone = flags(r, at)
            if i < len(table.tones):
                table.tones[i], table.flag_tones[i] = tone, flag_tone
            values.append((due, flag))
        table.set_ticking(values)
        self._ticks += 1
        if self.detail is not None and self._ticks % DETAIL_EVERY == 0:
            self._show_detail(self.detail)

    def _poll_now(self) -> None:
        if self._version is None:
            return
        self._polling = True
        self._poll(self._version)

    @work(thread=True, exclusive=True, group="orders-poll", exit_on_error=False)
    def _poll(self, version: int) -> None:
        from csdesk.services.changes import changes_since

        ids: set[int] | None = None
        try:
            with self.app.db_read() as session:
                batch = changes_since(session, version, entities=["workorder", "workorderevent", "workorderfee"])
            self._version = batch.version
            if batch.changes:
                ids = batch.ids("workorder")
                for change in batch.changes:
                    if change.entity != "workorder":
                        ids.add(-1)  # an event or a fee line: the shown order may have changed
        except Exception:
            ids = None
        finally:
            self._polling = False
        if ids:
            self.post_message(self.Changed(ids))

    def on_orders_screen_changed(self, message: Changed) -> None:
        if self.page_loading:
            self._refresh_pending = True
        else:
            self.total = None
            self._load("refresh", keep_id=self.selected_id())
        if self.detail is not None:
            self._load_detail(self.detail.id)

    def action_refresh(self) -> None:
        self.total = None
        self._load("refresh", keep_id=self.selected_id())

    # ------------------------------------------------------------------ the order pane
    @on(OrdersTable.RowHighlighted, "#ord-table")
    def _row_highlighted(self, event: OrdersTable.RowHighlighted) -> None:
        if event.row_key is None:
            return
        self._detail_wanted = int(event.row_key)
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(DETAIL_DELAY, self._detail_due)

    def _detail_due(self) -> None:
        self._detail_timer = None
        if self._detail_wanted is not None and self._shown():  # built in the warm-up: read when shown
            self._load_detail(self._detail_wanted)

    def _shown(self) -> bool:
        return self in self.app.screen_stack

    def selected_id(self) -> int | None:
        table = self.query_one(OrdersTable)
        if not table.row_count:
            return None
        key = table.row_key_at(table.cursor_row)
        return int(key) if key is not None else None

    def selected_row(self):
        order_id = self.selected_id()
        if order_id is None or self.page is None:
            return None
        return next((r for r in self.page.rows if r.id == order_id), None)

    @work(thread=True, exclusive=True, group="orders-detail", exit_on_error=False)
    def _load_detail(self, order_id: int) -> None:
        from csdesk.domain.errors import NotFound
        from csdesk.services.orders import order_detail

        try:
            with self.app.db_read() as session:
                detail = order_detail(session, order_id, full_phones=self.full_phones)
        except NotFound:
            detail = None
        self.post_message(self.DetailLoaded(detail))

    def on_orders_screen_detail_loaded(self, message: DetailLoaded) -> None:
        d = message.detail
        if d is not None and d.id != self.selected_id():
            return
        self.detail = d
        self._show_detail(d)

    def _show_detail(self, d) -> None:
        from rich.table import Table

        from csdesk.clock import fmt
        from csdesk.domain.rules import ExplanationState
        from csdesk.services.register import label

        body = self.query_one("#ord-detail-body", Static)
        if d is None:
            body.update(_("Select an order to see it in full."))
            return
        at = utcnow()
        out = Text()
        out.append(f"{d.number}  ", style="bold")
        out.append(label("OrderStatus", d.status.value), style="bold reverse")
        out.append(f"  {d.urgency.label}\n", style="bold red" if d.urgency.value != "normal" else "")
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        due = d.due(at)
        left = int((d.deadline_at - at).total_seconds())
        deadline = fmt(d.deadline_at, "%m-%d %H:%M")
        if due is not None:  # to the minute: the pane is redrawn every few seconds, the list every second
            deadline += "  " + (_("overdue {span}").format(span=_hm(-left)) if left < 0
                                else _("in {span}").format(span=_hm(left)))
        elif d.held_since is not None:
            deadline += "  " + _("held since {when}: the clock stops").format(when=fmt(d.held_since, "%m-%d %H:%M"))
        late = d.dispatch_late(at)
        received = fmt(d.received_at, "%m-%d %H:%M:%S")
        if d.dispatched_at is not None:
            received += "  " + _("dispatched {when}").format(when=fmt(d.dispatched_at, "%H:%M:%S"))
        elif d.is_open:
            received += "  " + _("not dispatched for {span}").format(
                span=fmt_span(int((at - d.received_at).total_seconds())))
        deps = self.departments or {}
        tech = d.technician + (" " + _("(new)") if d.technician_new else "") if d.technician else _("not assigned yet")
        rows = [
            (_("Customer"), f"{d.customer_name} {d.phone}".strip()),
            (_("Unit"), " ".join(x for x in (d.unit_key, d.address) if x)),
            (_("To do"), d.description),
            (_("Department"), deps.get(d.department, d.department)),
            (_("Technician"), tech),
            (_("Appointment"), fmt(d.appointment_at, "%m-%d %H:%M") or "—"),
            (_("Deadline"), deadline),
            (_("Received"), received),
            (_("Charge"), (_("paid") + " · " + d.quote.text() + " · " +
                           (_("customer told the price") if d.price_told else _("price NOT yet told to the customer")))
             if d.paid else _("free")),
            (_("Owner"), f"{d.owner_staff_no} {d.owner_name}"),
        ]
        if d.contact_number:
            rows.append((_("From intake"), d.contact_number))
        if d.hold_reason and d.status.value == "on_hold":
            rows.append((_("On hold"), d.hold_reason))
        if d.cancel_reason and d.status.value == "cancelled":
            rows.append((_("Cancelled"), d.cancel_reason))
        if d.completed_at:
            score = _("satisfaction {n}").format(n=d.satisfaction)
            rows.append((_("Result"), f"{d.result}  ({score})"))
        if d.copies_printed:
            rows.append((_("Printed"), _("{n} times, {copies} copies").format(n=d.print_count, copies=d.copies_printed)))
        for heading, value in rows:
            grid.add_row(heading, Text(value or "—"))
        style_due = "bold red" if due is not None and left < 0 else ("bold yellow" if due is not None and
                                                                     due.value == "due_soon" else "")
        if style_due:
            grid.add_row("", Text(_("overdue") if left < 0 else _("due soon"), style=style_due))
        if late:
            grid.add_row("", Text(_("not dispatched within 5 minutes of the call"), style="bold yellow"))
        state = d.explanation_state(at)
        if state is not ExplanationState.NONE:
            text = {
                ExplanationState.OWED: _("explanation owed by {when} (w)").format(
                    when=fmt(d.overdue_escalated_at + _explain_within(), "%H:%M")),
                ExplanationState.LATE: _("explanation owed since {when} (w)").format(
                    when=fmt(d.overdue_escalated_at + _explain_within(), "%H:%M")),
                ExplanationState.GIVEN: _("explained by {who}: waiting for the supervisor (a)").format(
                    who=d.explained_by),
                ExplanationState.ACKNOWLEDGED: _("explanation acknowledged by {who}").format(who=d.explanation_ack_by),
            }[state]
            grid.add_row(_("Overdue"), Text(text, style="bold red" if state in (
                ExplanationState.OWED, ExplanationState.LATE) else ""))
            if d.explanation:
                grid.add_row("", Text(f"{d.explanation}\n→ {d.catch_up_plan}"))
        timeline = Table.grid(padding=(0, 1))
        timeline.add_column(style="dim", no_wrap=True)
        timeline.add_column(no_wrap=True)
        timeline.add_column()
        for e in reversed(d.events):
            timeline.add_row(fmt(e.at, "%m-%d %H:%M"), e.staff_no, Text(e.describe()))
        from rich.console import Group

        body.update(Group(out, grid, Text("\n" + _("Timeline") + "  " + _("(newest first)"), style="bold underline"),
                          timeline))

    def action_toggle_detail(self) -> None:
        """Hide the order pane (the list gets the whole width) or bring it back, whatever the width."""
        self._side_shown = not self.query_one("#ord-side").display
        self._apply_side()

    # ------------------------------------------------------------------ views and search
    def action_view(self, view: str) -> None:
        if view == self.query_model.view and not self.query_model.search:
            return
        self._apply(self.query_model.with_(view=view))

    def action_focus_search(self) -> None:
        self.query_one("#ord-search", Input).focus()

    @on(Input.Submitted, "#ord-search")
    def _search(self, event: Input.Submitted) -> None:
        self._apply(self.query_model.with_(search=event.value))
        self.query_one(OrdersTable).focus()

    def key_escape(self) -> None:
        search = self.query_one("#ord-search", Input)
        if self.focused is search:
            if search.value:
                search.value = ""
                self._apply(self.query_model.with_(search=""))
            self.query_one(OrdersTable).focus()

    def _apply(self, q) -> None:
        self.query_model = q
        self.total = None
        self.message_text = ""
        self._show_tabs()
        self._load("first")

    def action_pick_department(self) -> None:
        from screens.log_dialogs import ChoiceScreen

        deps = self.departments or {}

        def picked(value: str | None) -> None:
            if value:
                self._apply(self.query_model.with_(view="department", department=value))

        self.app.push_screen(ChoiceScreen(_("Department"), list(deps.items()), self.query_model.department,
                                          allow_any=False), picked)

    # ------------------------------------------------------------------ the form
    def action_new(self) -> None:
        self.open_form(None)

    def action_edit(self) -> None:
        order_id = self.selected_id()
        if order_id is None:
            self.app.bell()
            return
        self.open_form(order_id)

    def open_form(self, order_id: int | None, *, landed: bool = False, note: str = "") -> None:
        from screens.order_form import OrderFormScreen

        def closed(info) -> None:
            if info is None:
                return
            self._set_message(_("Saved {number}.").format(number=info.number))
            self.total = None
            if self.query_model.search:
                self.query_one("#ord-search", Input).value = ""
                self.query_model = self.query_model.with_(search="")
            self._load("refresh" if self.page and self.page.rows else "first", keep_id=info.id)
            self._load_detail(info.id)

        self.app.push_screen(OrderFormScreen(order_id, note=note), closed)
        if landed:
            self._set_message(_("The intake is saved: add the appointment, technician and fees, or Esc."))

    # ------------------------------------------------------------------ status changes
    def _need_order(self, target: str | None = None):
        """The selected order, if there is one (and it can move to ``target``: refused at once, before
        any dialog, with the service's own message; the service still decides on saving)."""
        from csdesk.domain import OrderStatus
        from csdesk.domain.rules import can_move

        row = self.selected_row()
        if row is None:
            self.app.bell()
            self._set_message(_("Select an order first."))
            return None
        if target is not None and not can_move(row.status, target):
            self.app.bell()
            self._set_message(_("Order {number} is {state}: it cannot be moved to {target}.").format(
                number=row.number, state=row.status.label, target=OrderStatus(target).label))
            self.query_one("#ord-status", Static).set_class(True, "-error")
            return None
        return row

    def action_move(self, target: str) -> None:
        row = self._need_order(target)
        if row is not None:
            self._write("move", row.id, target=target)

    def action_hold(self) -> None:
        self._ask_reason("on_hold", _("Put {number} on hold"), _("Why (waiting for parts, for the customer …)"))

    def action_cancel_order(self) -> None:
        self._ask_reason("cancelled", _("Cancel {number}"), _("Why is it cancelled"))

    def _ask_reason(self, target: str, title: str, label: str) -> None:
        from screens.order_dialogs import Field

        row = self._need_order(target)
        if row is None:
            return
        self._ask_fields(title.format(number=row.number), [Field("reason", label)],
                         lambda v, again: self._write("move", row.id, target=target, reason=v["reason"], again=again),
                         context=row.summary)

    def _ask_fields(self, title: str, fields: list, write, *, context: str = "", ok: str = "",
                    values: dict | None = None, error: str = "") -> None:
        """A FieldsScreen whose answer ``write(values, again)`` saves; ``again(error)`` (a refused save)
        opens it once more with what was typed and the rule's message."""
        from dataclasses import replace

        from screens.order_dialogs import FieldsScreen

        shown = [replace(f, value=values[f.key]) for f in fields] if values else fields

        def answered(typed: dict | None) -> None:
            if typed is not None:
                write(typed, lambda err: self._ask_fields(title, fields, write, context=context, ok=ok,
                                                          values=typed, error=err))

        self.app.push_screen(FieldsScreen(title, shown, context=context, ok=ok, error=error), answered)

    def action_close_order(self) -> None:
        from screens.intake_widgets import ConfirmModal

        row = self._need_order("closed")
        if row is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._write("move", row.id, target="closed")

        self.app.push_screen(ConfirmModal(
            _("Close {number}? A closed order cannot be reopened.").format(number=row.number), _("Close order"),
            _("Not now")), answered)

    def action_complete(self) -> None:
        from csdesk.domain.fees import yuan
        from screens.order_dialogs import CompletionScreen

        row = self._need_order("done")
        if row is None:
            return
        d = self.detail if self.detail is not None and self.detail.id == row.id else None
        hint = ""
        if d is not None and d.paid:
            hint = _("quoted {quote}").format(quote=d.quote.text()) if d.quote.lines else ""

        def ask(value=None, error: str = "") -> None:
            screen = CompletionScreen(row.number, hint, row.technician, again=value, error=error)

            def answered(value) -> None:
                if value is not None:
                    self._write("complete", row.id, completion=value, again=lambda error: ask(value, error))

            self.app.push_screen(screen, answered)
            if value is None and d is not None and d.paid and d.quote.complete:
                screen.call_after_refresh(lambda: setattr(screen.query_one("#cp-fee", Input), "value",
                                                          yuan(d.quote.total_fen).lstrip("¥").replace(",", "")))

        ask()

    def action_note(self) -> None:
        from screens.order_dialogs import Field

        row = self._need_order()
        if row is None:
            return
        self._ask_fields(_("A note on {number}").format(number=row.number), [Field("note", _("Note"), multiline=True)],
                         lambda v, again: self._write("note", row.id, text=v["note"], again=again))

    def action_explain(self) -> None:
        from screens.order_dialogs import Field

        row = self._need_order()
        if row is None:
            return
        d = self.detail if self.detail is not None and self.detail.id == row.id else None
        self._ask_fields(
            _("Why is {number} overdue?").format(number=row.number),
            [Field("why", _("Why the deadline was missed"), d.explanation if d else "", multiline=True),
             Field("plan", _("How and by when it will be caught up"), d.catch_up_plan if d else "", multiline=True)],
            lambda v, again: self._write("explain", row.id, why=v["why"], plan=v["plan"], again=again),
            context=_("Owed within 1 hour of the escalation; the supervisor acknowledges it."))

    def action_acknowledge(self) -> None:
        from screens.order_dialogs import Field

        row = self._need_order()
        if row is None:
            return
        d = self.detail if self.detail is not None and self.detail.id == row.id else None
        context = f"{d.explanation}\n→ {d.catch_up_plan}" if d is not None and d.explanation else ""
        self._ask_fields(_("Acknowledge the explanation of {number}").format(number=row.number),
                         [Field("note", _("Your remark"), required=False)],
                         lambda v, again: self._write("ack", row.id, note=v["note"], again=again),
                         context=context, ok=_("Acknowledge"))

    def action_deadline(self) -> None:
        from csdesk.services.order_form import show_when
        from screens.order_dialogs import Field

        row = self._need_order()
        if row is None:
            return
        self._ask_fields(_("Move the deadline of {number}").format(number=row.number),
                         [Field("deadline", _("New deadline"), show_when(row.deadline_at)),
                          Field("reason", _("Why (recorded on the order)"))],
                         lambda v, again: self._write("deadline", row.id, deadline=v["deadline"], reason=v["reason"],
                                                      again=again))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        agent = getattr(self.app, "agent", None)
        if action in ("deadline", "acknowledge"):
            return agent is not None and agent.is_supervisor
        return True

    def _write(self, kind: str, order_id: int, *, again=None, **kw) -> None:
        """Save in a worker; ``again(error)`` (a dialog's) brings the dialog back with what was typed
        when the save is refused, so a rule's message never costs the agent their typing."""
        if self._busy:
            self._set_message(_("Still saving the last change…"))
            if again is not None:
                again(_("Still saving the last change…"))
            return
        self._again = again
        self._busy = True
        self._set_message(_("Saving…"))
        self._do_write(kind, order_id, kw)

    @work(thread=True, exclusive=True, group="orders-write", exit_on_error=False)
    def _do_write(self, kind: str, order_id: int, kw: dict) -> None:
        from csdesk.domain import OrderStatus
        from csdesk.domain.errors import DeskError, Invalid
        from csdesk.services import orders as svc

        agent = self.app.agent
        try:
            with self.app.db_write() as session:
                if kind == "move":
                    info = svc.move(session, agent, order_id, kw["target"], reason=kw.get("reason", ""))
                    text = _("{number}: {status}").format(number=info.number, status=OrderStatus(info.status).label)
                elif kind == "complete":
                    from csdesk.domain.fees import parse_yuan

                    c = kw["completion"]
                    try:
                        fee = parse_yuan(c.fee_charged)
                    except ValueError as exc:
                        raise Invalid({"fee_charged": str(exc)}) from None
                    info = svc.complete(session, agent, order_id, svc.Completion(
                        c.satisfaction, result=c.result, materials=c.materials, fee_charged_fen=fee,
                        signed=c.signed, opinion=c.opinion))
                    text = _("{number}: done").format(number=info.number)
                    if info.low_score_callback_id:
                        text += " · " + _("satisfaction {n}: a call-back within 2 hours is on the owner's queue").format(
                            n=info.satisfaction)
                elif kind == "note":
                    info = svc.add_note(session, agent, order_id, kw["text"])
                    text = _("Note added to {number}.").format(number=info.number)
                elif kind == "explain":
                    info = svc.explain_overdue(session, agent, order_id, kw["why"], kw["plan"])
                    text = _("Explanation of {number} recorded.").format(number=info.number)
                elif kind == "ack":
                    info = svc.acknowledge_explanation(session, agent, order_id, kw.get("note", ""))
                    text = _("Explanation of {number} acknowledged.").format(number=info.number)
                elif kind == "deadline":
                    from csdesk.services.order_form import parse_when

                    try:
                        when = parse_when(kw["deadline"])
                    except ValueError as exc:
                        raise Invalid({"deadline": str(exc)}) from None
                    if when is None:
                        raise Invalid({"deadline": _("Give the new deadline.")})
                    info = svc.change_deadline(session, agent, order_id, when, kw["reason"])
                    text = _("Deadline of {number} moved.").format(number=info.number)
                else:
                    raise ValueError(kind)
        except Invalid as exc:
            self.post_message(self.Done("; ".join(exc.errors.values()), order_id, ok=False, errors=exc.errors))
            return
        except DeskError as exc:
            self.post_message(self.Done(str(exc), order_id, ok=False))
            return
        self.post_message(self.Done(text, info.id))

    def on_orders_screen_done(self, message: Done) -> None:
        self._busy = False
        again, self._again = getattr(self, "_again", None), None
        if not message.ok and again is not None:
            again(message.text)
        self._set_message(message.text)
        self.query_one("#ord-status", Static).set_class(not message.ok, "-error")
        if message.ok:
            self.total = None
            self._load("refresh", keep_id=self.selected_id())
            if message.order_id is not None:
                self._load_detail(message.order_id)
        else:
            self.app.bell()

    def worker_error(self, worker, line: str) -> None:
        """A worker failed (the error policy: screens/errors.py): the line on the status line, the screen usable."""
        if worker.group == "orders-page":
            self.page_loading = False  # paging and Ctrl+R try again
            if self._refresh_pending:
                self._refresh_pending = False
                self.call_later(self.action_refresh)
        elif worker.group in ("orders-write", "orders-print"):
            self._busy = False
            again, self._again = self._again, None
            if again is not None and worker.group == "orders-write":
                again(line)  # the dialog back with what was typed
        elif worker.group == "orders-poll":
            self._polling = False
        self._set_message(line)
        self.query_one("#ord-status", Static).set_class(True, "-error")

    # ------------------------------------------------------------------ printing
    def action_print(self) -> None:
        from csdesk.services import slip as sl
        from screens.order_dialogs import PrintScreen

        row = self._need_order()
        if row is None:
            return
        formats = [(f, _(sl.FORMAT_LABELS[f])) for f in ("pdf", "html", "text")]
        if sl.lp_available():
            formats.insert(0, ("lp", _(sl.FORMAT_LABELS["lp"])))
        import os

        if os.environ.get("CSDESK_ESCPOS") and sl.escpos_available():
            formats.append(("escpos", _(sl.FORMAT_LABELS["escpos"])))
        stem = Path.cwd() / f"slip-{row.number}-{datetime.now().strftime('%H%M%S')}"

        def chosen(request) -> None:
            if request is not None:
                self._set_message(_("Printing…"))
                self._print(row.id, request)

        self.app.push_screen(PrintScreen(row.number, stem, formats, row.print_count), chosen)

    @work(thread=True, exclusive=True, group="orders-print", exit_on_error=False)
    def _print(self, order_id: int, request) -> None:
        import os

        from csdesk.domain.errors import DeskError
        from csdesk.services import slip as sl

        agent = self.app.agent
        try:
            with self.app.db_read() as session:
                slip = sl.build_slip(session, order_id, agent)
            target = str(request.path or "")
            if request.fmt == "lp":
                target = sl.send_to_lp(sl.render_pdf(slip, request.copies), title=slip.number)
            elif request.fmt == "escpos":
                spec = os.environ.get("CSDESK_ESCPOS", "")
                sl.print_escpos(slip, sl.open_escpos(spec), request.copies)
                target = spec
            elif request.fmt == "pdf":
                request.path.write_bytes(sl.render_pdf(slip, request.copies))
            elif request.fmt == "html":
                request.path.write_text(sl.render_html(slip, request.copies), encoding="utf-8")
            else:
                request.path.write_text(sl.render_text(slip, request.copies), encoding="utf-8")
            with self.app.db_write() as session:
                done = sl.record_print(session, agent, order_id, request.fmt, request.copies, target)
        except (DeskError, OSError) as exc:
            self.post_message(self.Done(_("Not printed: {error}").format(error=exc), order_id, ok=False))
            return
        text = _("{number}: {n} copies printed").format(number=done.number, n=len(request.copies))
        if done.reprint:
            text += " (" + _("reprint") + ")"
        if request.path is not None:
            text += f" → {request.path}"
        self.post_message(self.Done(text, order_id))


def _hm(seconds: int) -> str:
    """``5400`` -> ``1:30`` (hours and minutes)."""
    hours, minutes = divmod(max(0, int(seconds)) // 60, 60)
    return f"{hours}:{minutes:02d}"


def _explain_within():
    from csdesk.domain.rules import OVERDUE_EXPLAIN_WITHIN

    return OVERDUE_EXPLAIN_WITHIN
