"""The visit log: the call/visit register (来电、来访信息登记表), one page at a time.

The table only ever holds one page (about 100 rows) read with keyset
conditions by :mod:`csdesk.services.register`; moving past either end of the
page loads the next one.  All database work runs in thread workers and comes
back as messages.  A timer watches ``PRAGMA data_version`` on a connection of
its own, so contacts saved on another terminal appear within two seconds
without moving the selection.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Input, ProgressBar, Static

from csdesk.i18n import N_, _
from screens.errors import WorkerErrors
from screens.page_table import PageTable
from screens.widgets import DeskFooter, DeskHeader, forget_removed_widgets

POLL_SECONDS = 1.0
REGISTER_ENTITIES = ("contact", "workorder", "complaint", "callback")  # what a register row shows
DETAIL_DELAY = 0.05
SUMMARY_WIDTH = 12  # the least the summary column gets; it takes what the others leave
# The table's columns: short headers (a column is as wide as its widest cell or header, up to its
# width), so that at 140 columns, beside the detail pane, time, channel, name, phone, unit, category,
# urgency and outcome are whole and the summary takes the rest; agent and linked number come after
# it (←/→ or the detail pane).  The phone is column 3 (a revealed number is written there).
COLUMNS = ((N_("Time"), 11), (N_("Channel"), 10), (N_("Name"), 8), (N_("Phone"), 13), (N_("Unit"), 10),
           (N_("Type"), 14), (N_("Priority"), 8), (N_("Handled"), 14), (N_("Summary"), None),
           (N_("Agent"), 6), (N_("Linked"), 16))
PHONE_COLUMN = 3


def _when(value: datetime, this_year: int) -> str:
    """A row's time: ``11-30 09:15`` this year, ``2025-11-30`` before (the detail pane has it in full)."""
    from csdesk.clock import to_local

    local = to_local(value)
    return local.strftime("%m-%d %H:%M") if local.year == this_year else local.strftime("%Y-%m-%d")


def _channel(value: str) -> str:
    from csdesk.services.register import label

    return label("Channel", value)


def _urgency(value: str) -> str:
    from csdesk.services.register import label

    return label("Urgency", value)


def _outcome(value: str) -> str:
    from csdesk.services.register import label

    return label("Outcome", value)


class RegisterTable(PageTable):
    """The register's page: one page of contacts; at its edges it asks the screen for the next one."""

    FLEX_FIRST = True  # the summary first; the columns after it sideways (screens/page_table.py)


class LogScreen(WorkerErrors, Screen):
    PAGE_SIZE = 100  # rows held by the table when there are no settings; else ``page_size`` of the settings
    CSS_PATH = Path(__file__).with_suffix(".tcss")
    BINDINGS = [
        Binding("slash", "focus_search", _("Search"), id="log.search"),
        Binding("d", "pick_dates", _("Dates"), id="log.dates"),
        Binding("c", "pick('channel')", _("Channel"), id="log.channel"),
        Binding("g", "pick('category')", _("Category"), id="log.category"),
        Binding("u", "pick('urgency')", _("Urgency"), id="log.urgency"),
        Binding("o", "pick('outcome')", _("Outcome"), id="log.outcome"),
        Binding("a", "pick('agent')", _("Agent"), id="log.agent"),
        Binding("p", "toggle_open", _("Open only"), id="log.open"),
        Binding("x", "clear_filters", _("Clear all"), id="log.clear"),
        Binding("v", "reveal", _("Reveal phone"), id="log.reveal"),
        Binding("l", "open_link", _("Open link"), id="log.link"),
        Binding("e", "export", _("Export"), id="log.export"),
        Binding("i", "toggle_detail", _("Detail pane"), id="log.detail"),
        Binding("ctrl+r", "refresh", _("Refresh"), id="log.refresh"),
    ]

    # ------------------------------------------------------------------ messages
    class PageLoaded(Message):
        def __init__(self, seq: int, page, where: str, keep_id: int | None, offset: int | None,
                     categories: dict | None) -> None:
            super().__init__()
            self.seq, self.page, self.where, self.keep_id = seq, page, where, keep_id
            self.row_offset, self.categories = offset, categories

    class CountLoaded(Message):
        def __init__(self, seq: int, total: int | None, offset: int | None) -> None:
            super().__init__()
            self.seq, self.total, self.row_offset = seq, total, offset

    class DetailLoaded(Message):
        def __init__(self, detail) -> None:
            super().__init__()
            self.detail = detail

    class DataChanged(Message):
        pass

    class Revealed(Message):
        def __init__(self, contact_id: int, phone: str) -> None:
            super().__init__()
            self.contact_id, self.phone = contact_id, phone

    class RecordLoaded(Message):
        def __init__(self, record) -> None:
            super().__init__()
            self.record = record

    class ChoicesLoaded(Message):
        def __init__(self, kind: str, choices: list[tuple[str, str]]) -> None:
            super().__init__()
            self.kind, self.choices = kind, choices

    class ExportProgress(Message):
        def __init__(self, done: int, total: int | None, finished: bool = False, error: str = "",
                     path: str = "") -> None:
            super().__init__()
            self.done, self.total, self.finished, self.error, self.path = done, total, finished, error, path

    # ------------------------------------------------------------------ state
    def __init__(self) -> None:
        super().__init__()
        from csdesk.services.register import Query

        self.query_model = Query()
        self.reg_page = None
        self.row_offset: int | None = 0
        self.total: int | None = None
        self.categories: dict[str, str] | None = None
        self.revealed: dict[int, str] = {}
        self.detail = None
        self._seq = 0
        self._data_version: int | None = None
        self._polling = False
        self.page_loading = False
        self.exporting = False
        self.message_text = ""
        self._detail_wanted: int | None = None
        self._detail_timer = None
        self._links_shown: tuple = ()
        self._detail_shown: int | None = None
        self._refresh_pending = False

    @property
    def page_size(self) -> int:
        """Rows per page: ``page_size`` of the settings."""
        settings = getattr(self.app, "settings", None)
        return getattr(settings, "page_size", None) or self.PAGE_SIZE

    @property
    def full_phones(self) -> bool:
        from csdesk.services.register import may_see_full_phones

        return may_see_full_phones(self.app.agent)

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        # the first page is read while the widgets mount (the query takes ~3 ms,
        # mounting ~100+): its message is handled once the screen is mounted
        self._load("first")
        yield DeskHeader()
        with Horizontal(id="log-top"):
            yield Input(placeholder=_("Search: phone, last 4 digits, name, pinyin initials (zs), unit (3-2-1201), words"),
                        id="log-search")
        yield Static("", id="log-filters")
        with Horizontal(id="log-main"):
            yield RegisterTable(id="log-table")
            with Vertical(id="log-side"):
                with VerticalScroll(id="log-detail"):
                    yield Static(_("Select a contact to see it in full."), id="log-detail-body")
                yield Horizontal(id="log-links")
        with Horizontal(id="log-bottom"):
            yield Static("", id="log-status", markup=False)
            # the export's ProgressBar is mounted when an export starts: its widget
            # classes' CSS would otherwise be parsed on the way to the first paint
        yield DeskFooter()

    def on_mount(self) -> None:
        self.query_one(DeskHeader).title = _("Visit log")
        table = self.query_one(RegisterTable)
        # a width is the most a column takes: it fits the page's content (and its header)
        for label, width in COLUMNS:
            table.add_column(_(label), width=width, min_width=SUMMARY_WIDTH)
        table.focus()
        self._show_filters()
        if self.reg_page is not None:  # arrived before the mount finished? (never, but be sure)
            self._fill(self.reg_page, "first", None)
        self.set_interval(POLL_SECONDS, self._tick)

    def on_screen_resume(self) -> None:
        if self.reg_page is not None:
            self._tick()

    # ------------------------------------------------------------------ loading pages
    def _load(self, where: str, keep_id: int | None = None) -> None:
        self._seq += 1
        self.page_loading = True
        cursor = None
        offset: int | None = None
        page = self.reg_page
        if where == "next" and page is not None and page.rows:
            cursor = page.last
            offset = None if self.row_offset is None else self.row_offset + len(page.rows)
        elif where == "prev" and page is not None and page.rows:
            cursor = page.first
        elif where == "refresh" and page is not None and page.rows and not page.at_start:
            cursor = page.first
        elif where in ("first", "refresh"):
            where = "first" if where == "first" else where
            offset = 0
        self._fetch_page(self._seq, self.query_model, where, cursor, keep_id, offset)

    @work(thread=True, exclusive=True, group="log-page", exit_on_error=False)
    def _fetch_page(self, seq: int, q, where: str, cursor, keep_id, offset) -> None:
        from csdesk.services import register as reg

        categories = None
        with self.app.db_read() as session:
            if self._data_version is None:  # the change feed's version of this very read: the live refresh
                from csdesk.services.changes import latest_version  # then sees every contact saved after it

                self._data_version = latest_version(session)
            if self.categories is None:
                categories = reg._category_names(session)
            full = self.full_phones
            n = self.page_size
            if where == "prev" and cursor is not None:
                page = reg.page_before(session, q, cursor, limit=n, full_phones=full)
            elif where == "last":
                page = reg.page_before(session, q, None, limit=n, full_phones=full)
            elif where == "refresh" and cursor is not None:
                page = reg.page_around(session, q, cursor, limit=n, full_phones=full)
            elif where == "next" and cursor is not None:
                page = reg.page_after(session, q, cursor, limit=n, full_phones=full)
            else:
                page = reg.page_after(session, q, None, limit=n, full_phones=full)
        self.post_message(self.PageLoaded(seq, page, where, keep_id, offset, categories))

    def on_log_screen_page_loaded(self, message: PageLoaded) -> None:
        if message.categories is not None:
            self.categories = message.categories
            self._show_filters()
        if message.seq != self._seq:
            return
        self.page_loading = False
        if self._refresh_pending:
            self._refresh_pending = False
            self.call_later(self.action_refresh)
        page = message.page
        where = message.where
        if where in ("next", "prev") and not page.rows:
            # already at the end: keep the page, remember it
            from dataclasses import replace

            if self.reg_page is not None:
                self.reg_page = replace(self.reg_page, at_end=True) if where == "next" else replace(self.reg_page, at_start=True)
            self._show_status()
            return
        old_len = len(self.reg_page.rows) if self.reg_page is not None else 0
        if where == "prev":
            self.row_offset = None if self.row_offset is None else max(0, self.row_offset - len(page.rows))
            if page.at_start:
                self.row_offset = 0
        elif where == "next":
            self.row_offset = message.row_offset
        elif where == "first":
            self.row_offset = 0
        elif where == "last":
            self.row_offset = (self.total - len(page.rows)) if self.total is not None else None
        elif where == "refresh":
            self.row_offset = 0 if page.at_start else None
        del old_len
        self.reg_page = page
        self._fill(page, where, message.keep_id)
        self._show_status()
        if self.total is None or self.row_offset is None:
            self._count(self._seq, self.query_model, page.first if self.row_offset is None else None,
                        need_total=self.total is None)

    def _fill(self, page, where: str, keep_id: int | None) -> None:
        with self.app.batch_update():  # one repaint for clear + rows + cursor
            self._fill_rows(page, where, keep_id)

    def _fill_rows(self, page, where: str, keep_id: int | None) -> None:
        table = self.query_one(RegisterTable)
        cats = self.categories or {}
        table.clear()
        from csdesk.clock import now, to_local

        this_year = to_local(now()).year
        rows = []
        for r in page.rows:
            phone = self.revealed.get(r.id, r.phone)
            rows.append((
                _when(r.received_at, this_year), _channel(r.channel), r.customer_name,
                phone, r.unit, cats.get(r.category, r.category), _urgency(r.urgency),
                _outcome(r.outcome), r.summary, r.agent_staff_no,
                r.work_order_number or r.complaint_number,
            ))
        for r, values in zip(page.rows, rows, strict=True):
            table.add_row(*values, key=str(r.id))  # plain strings: no markup is read
        if not page.rows:
            self.detail = None
            self._show_detail(None)
            return
        target = 0
        if keep_id is not None:
            ids = [r.id for r in page.rows]
            if keep_id in ids:
                target = ids.index(keep_id)
        elif where in ("prev", "last"):
            target = len(page.rows) - 1
        table.move_cursor(row=target, animate=False)

    # ------------------------------------------------------------------ counts and status
    @work(thread=True, exclusive=True, group="log-count", exit_on_error=False)
    def _count(self, seq: int, q, first_cursor, need_total: bool) -> None:
        from csdesk.services import register as reg

        with self.app.db_read() as session:
            offset = reg.count_newer(session, q, first_cursor) if first_cursor is not None else None
            total = reg.count(session, q) if need_total else None
        self.post_message(self.CountLoaded(seq, total, offset))

    def on_log_screen_count_loaded(self, message: CountLoaded) -> None:
        if message.seq != self._seq:
            return
        if message.total is not None:
            self.total = message.total
        if message.row_offset is not None:
            self.row_offset = message.row_offset
        self._show_status()

    def _show_status(self) -> None:
        page = self.reg_page
        status = self.query_one("#log-status", Static)
        if page is None:
            status.update(_("Loading…"))
            return
        if not page.rows:
            if self.query_model.search.strip() or self.query_model.has_filters:
                text = _("Nothing found.")
            else:
                text = _("The register is empty.")
        else:
            total = "…" if self.total is None else f"{self.total:,}"
            if self.row_offset is None:
                text = _("{n} rows of {total}").format(n=len(page.rows), total=total)
            else:
                text = _("rows {first}–{last} of {total}").format(
                    first=f"{self.row_offset + 1:,}", last=f"{self.row_offset + len(page.rows):,}", total=total)
        if self.message_text:
            text = f"{text}  ·  {self.message_text}"
        status.update(text)

    def _set_message(self, text: str) -> None:
        self.message_text = text
        self._show_status()

    def _show_filters(self) -> None:
        from csdesk.services.register import describe

        q = self.query_model
        text = describe(q, self.categories or {})
        widget = self.query_one("#log-filters", Static)
        if text:
            widget.update(_("Showing: {filters}   (x clears)").format(filters=text))
        else:
            widget.update(_("Showing: all contacts, newest first"))

    # ------------------------------------------------------------------ paging from the table
    @on(RegisterTable.NeedPage)
    def _need_page(self, message: RegisterTable.NeedPage) -> None:
        if self.page_loading or self.reg_page is None:
            return
        where = message.where
        if where == "next" and self.reg_page.at_end:
            self.app.bell()
            return
        if where == "prev" and self.reg_page.at_start:
            return
        self.message_text = ""
        self._load(where)

    # ------------------------------------------------------------------ detail
    @on(RegisterTable.RowHighlighted, "#log-table")
    def _row_highlighted(self, event: RegisterTable.RowHighlighted) -> None:
        if event.row_key is None:
            return
        # debounced: holding an arrow key moves the cursor at full speed, the
        # pane follows once the cursor rests
        self._detail_wanted = int(event.row_key)
        if self._detail_timer is not None:
            self._detail_timer.stop()
        self._detail_timer = self.set_timer(DETAIL_DELAY, self._detail_due)

    def _detail_due(self) -> None:
        self._detail_timer = None
        if self._detail_wanted is not None:
            self._load_detail(self._detail_wanted)

    def selected_id(self) -> int | None:
        table = self.query_one(RegisterTable)
        if not table.row_count:
            return None
        key = table.row_key_at(table.cursor_row)
        return int(key) if key is not None else None

    @work(thread=True, exclusive=True, group="log-detail", exit_on_error=False)
    def _load_detail(self, contact_id: int) -> None:
        from csdesk.services import register as reg

        with self.app.db_read() as session:
            detail = reg.detail(session, contact_id, full_phones=self.full_phones)
        self.post_message(self.DetailLoaded(detail))

    def on_log_screen_detail_loaded(self, message: DetailLoaded) -> None:
        if message.detail is not None and message.detail.id != self.selected_id():
            return
        self.detail = message.detail
        self._show_detail(message.detail)

    def _show_detail(self, d) -> None:
        from rich.table import Table

        from csdesk.clock import fmt

        body = self.query_one("#log-detail-body", Static)
        links = self.query_one("#log-links", Horizontal)
        wanted = d.links if d is not None else ()
        if wanted != self._links_shown:
            links.remove_children()
            forget_removed_widgets()
            for link in wanted:
                links.mount(Button(link.label, id=f"link-{link.kind}-{link.id}", classes="log-link"))
            self._links_shown = wanted
        if d is None:
            body.update(_("Select a contact to see it in full."))
            return
        cats = self.categories or {}
        phone = self.revealed.get(d.id, d.phone)
        if d.phone_ext:
            phone = f"{phone} {_('ext.')} {d.phone_ext}"
        # every field whole: long values wrap (CJK text has no spaces: folded at the pane's edge),
        # and the pane scrolls (Tab into it, then ↑/↓/PgUp/PgDn; or the mouse wheel)
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        from csdesk.services.register import label

        masked_note = "  " + _("(masked: v reveals)") if d.phone_masked and d.id not in self.revealed else ""
        customer = d.customer_name + (f"  ({d.customer_code})" if d.customer_code else "")
        rows = [
            (_("Number"), d.number),
            (_("Received"), fmt(d.received_at)),
            (_("Channel"), _channel(d.channel) + (f" ({d.channel_detail_label})" if d.channel_detail else "")),
            (_("Customer"), customer),
            (_("Phone"), phone + masked_note),
            (_("Unit"), d.unit or d.address),
            (_("Category"), cats.get(d.category, d.category)
             + (f" – {cats.get(d.subtype, d.subtype)}" if d.subtype and d.subtype != d.category else "")),
            (_("Urgency"), _urgency(d.urgency)),
            (_("Summary"), d.summary),
        ]
        if d.handling_steps:
            rows.append((_("Handling"), "\n".join(d.handling_steps)))
        rows += [
            (_("Result"), d.result),
            (_("Outcome"), _outcome(d.outcome)),
        ]
        if d.satisfaction is not None:
            rows.append((_("Satisfaction"), str(d.satisfaction)))
        rows.append((_("Status"), label("ContactStatus", d.status) + (f"  {fmt(d.closed_at)}" if d.closed_at else "")))
        if d.referred_department:
            rows.append((_("Referred to"), f"{d.referred_department_name} {d.referral_contact}".strip()))
        if d.escalation_reason:
            rows.append((_("Escalation"), d.escalation_reason))
        if d.identity_verified is not None:
            rows.append((_("Identity checked"), (_("yes") if d.identity_verified else _("no")) +
                         (f" ({d.verified_by_label})" if d.verified_by else "")))
        rows.append((_("Agent"), f"{d.agent_staff_no} {d.agent_name}"))
        for heading, value in rows:
            grid.add_row(heading, Text(value or "—"))  # customers' words are never read as markup
        body.update(grid)
        if self._detail_shown != d.id:  # another contact: from its top
            self._detail_shown = d.id
            self.query_one("#log-detail", VerticalScroll).scroll_home(animate=False)

    @on(Button.Pressed, ".log-link")
    def _link_pressed(self, event: Button.Pressed) -> None:
        _prefix, kind_and_id = event.button.id.split("-", 1)
        kind, record_id = kind_and_id.rsplit("-", 1)
        self._load_record(kind, int(record_id))

    def action_open_link(self) -> None:
        d = self.detail
        if d is not None and d.id != self.selected_id():
            return  # the pane is still catching up with the cursor
        if d is None or not d.links:
            self._set_message(_("This contact has no linked order, complaint or call-back."))
            return
        if len(d.links) == 1:
            self._load_record(d.links[0].kind, d.links[0].id)
            return
        from screens.log_dialogs import ChoiceScreen

        def picked(value: str | None) -> None:
            if value:
                kind, record_id = value.rsplit("-", 1)
                self._load_record(kind, int(record_id))

        self.app.push_screen(ChoiceScreen(_("Open a linked record"),
                                          [(f"{link.kind}-{link.id}", link.label) for link in d.links],
                                          allow_any=False), picked)

    @work(thread=True, exclusive=True, group="log-record", exit_on_error=False)
    def _load_record(self, kind: str, record_id: int) -> None:
        from csdesk.services import register as reg

        with self.app.db_read() as session:
            record = reg.linked_record(session, kind, record_id, full_phones=self.full_phones)
        self.post_message(self.RecordLoaded(record))

    def on_log_screen_record_loaded(self, message: RecordLoaded) -> None:
        if message.record is None:
            self._set_message(_("That record no longer exists."))
            return
        from screens.log_dialogs import RecordScreen

        self.app.push_screen(RecordScreen(message.record))

    def action_toggle_detail(self) -> None:
        """Hide the detail pane to give the table the whole width (narrow terminals), or bring it back."""
        side = self.query_one("#log-side")
        side.display = not side.display

    # ------------------------------------------------------------------ search and filters
    def action_focus_search(self) -> None:
        self.query_one("#log-search", Input).focus()

    @on(Input.Submitted, "#log-search")
    def _search(self, event: Input.Submitted) -> None:
        self._apply(self.query_model.with_(search=event.value))
        self.query_one(RegisterTable).focus()

    def key_escape(self) -> None:
        if self.focused is self.query_one("#log-search", Input):
            self.query_one(RegisterTable).focus()

    def _apply(self, q) -> None:
        self.query_model = q
        self.total = None
        self.row_offset = 0
        self.message_text = ""
        self._show_filters()
        self._load("first")

    def set_query(self, q) -> None:
        """Show the register for ``q`` (a :class:`csdesk.services.register.Query`)."""
        self.query_one("#log-search", Input).value = q.search
        self._apply(q)

    def action_clear_filters(self) -> None:
        """``x``: the search and every filter go: the whole register, newest first."""
        from csdesk.services.register import Query

        self.query_one("#log-search", Input).value = ""
        self._apply(Query())
        self._set_message(_("Search and filters cleared."))

    def action_toggle_open(self) -> None:
        self._apply(self.query_model.with_(open_only=not self.query_model.open_only))

    def action_pick_dates(self) -> None:
        from screens.log_dialogs import ChoiceScreen

        choices = [("today", _("Today")), ("shift", _("This shift")), ("yesterday", _("Yesterday")),
                   ("week", _("This week")), ("month", _("This month")), ("custom", _("Custom range…"))]
        self.app.push_screen(ChoiceScreen(_("Dates"), choices, self.query_model.period or None),
                             self._dates_picked)

    def _dates_picked(self, value: str | None) -> None:
        from csdesk.services import register as reg
        from screens.log_dialogs import ANY, DateRangeScreen

        if value is None:
            return
        if value == ANY:
            self._apply(self.query_model.with_(start=None, end=None, period=""))
            return
        if value == "custom":
            self.app.push_screen(DateRangeScreen(), self._custom_picked)
            return
        start, end = reg.period_range(value, shift=self.app.current_shift())
        self._apply(self.query_model.with_(start=start, end=end, period=value))

    def _custom_picked(self, result) -> None:
        from csdesk.services import register as reg

        if result is None:
            return
        start, end = reg.days_range(result.first, result.last)
        self._apply(self.query_model.with_(start=start, end=end, period="custom"))

    def action_pick(self, kind: str) -> None:
        from csdesk.domain import Channel, Outcome, Urgency

        if kind == "channel":
            self._show_choices(kind, [(m.value, m.label) for m in Channel])
        elif kind == "urgency":
            self._show_choices(kind, [(m.value, m.label) for m in Urgency])
        elif kind == "outcome":
            self._show_choices(kind, [(m.value, m.label) for m in Outcome])
        else:
            self._load_choices(kind)

    @work(thread=True, exclusive=True, group="log-choices", exit_on_error=False)
    def _load_choices(self, kind: str) -> None:
        from csdesk.services import register as reg
        from csdesk.services.reference import categories

        with self.app.db_read() as session:
            if kind == "category":
                choices = [(c.code, ("  " if c.parent_code else "") + c.name) for c in categories(session)]
            else:
                choices = [(str(a.id), f"{a.staff_no} {a.name}") for a in reg.agent_choices(session)]
        self.post_message(self.ChoicesLoaded(kind, choices))

    def on_log_screen_choices_loaded(self, message: ChoicesLoaded) -> None:
        self._show_choices(message.kind, message.choices)

    def _show_choices(self, kind: str, choices: list[tuple[str, str]]) -> None:
        from screens.log_dialogs import ANY, ChoiceScreen

        titles = {"channel": _("Channel"), "category": _("Category"), "urgency": _("Urgency"),
                  "outcome": _("Outcome"), "agent": _("Agent")}
        labels = dict(choices)
        current = getattr(self.query_model, "agent_id" if kind == "agent" else kind)

        def picked(value: str | None) -> None:
            if value is None:
                return
            if kind == "agent":
                if value == ANY:
                    self._apply(self.query_model.with_(agent_id=None, agent_label=""))
                else:
                    self._apply(self.query_model.with_(agent_id=int(value),
                                                       agent_label=labels.get(value, value).split(" ")[0]))
                return
            self._apply(self.query_model.with_(**{kind: None if value == ANY else value}))

        self.app.push_screen(ChoiceScreen(titles[kind], choices, None if current is None else str(current)), picked)

    # ------------------------------------------------------------------ phones
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "reveal":
            agent = getattr(self.app, "agent", None)
            if agent is None or self.full_phones:
                return False
            return True
        return True

    def action_reveal(self) -> None:
        contact_id = self.selected_id()
        if contact_id is None or self.full_phones:
            return
        if contact_id in self.revealed:
            return
        from screens.log_dialogs import ConfirmScreen

        row = next((r for r in self.reg_page.rows if r.id == contact_id), None) if self.reg_page else None
        if row is None or not row.phone:
            self._set_message(_("This contact has no phone number."))
            return
        number = row.number

        def answered(yes: bool | None) -> None:
            if yes:
                self._reveal(contact_id)

        self.app.push_screen(ConfirmScreen(
            _("Show the full phone number of contact {number}? This is recorded with your staff number "
              "and the time.").format(number=number), _("Reveal")), answered)

    @work(thread=True, exclusive=True, group="log-reveal", exit_on_error=False)
    def _reveal(self, contact_id: int) -> None:
        from csdesk.services import register as reg

        with self.app.db_write() as session:
            phone = reg.reveal_phone(session, contact_id, self.app.agent)
        self.post_message(self.Revealed(contact_id, phone))

    def on_log_screen_revealed(self, message: Revealed) -> None:
        self.revealed[message.contact_id] = message.phone
        table = self.query_one(RegisterTable)
        table.update_cell(str(message.contact_id), PHONE_COLUMN, message.phone)  # no-op if the page has moved on
        if self.detail is not None and self.detail.id == message.contact_id:
            self._show_detail(self.detail)
        self._set_message(_("Phone revealed; recorded in the audit log."))

    # ------------------------------------------------------------------ live refresh
    def _tick(self) -> None:
        if self._polling or self.reg_page is None or self.app.screen is not self:
            return
        self._polling = True
        self._poll()

    @work(thread=True, exclusive=True, group="log-poll", exit_on_error=False)
    def _poll(self) -> None:
        """Ask the change feed (csdesk.services.changes) whether contacts were written since the last look."""
        from csdesk.services.changes import changes_since, latest_version

        changed = False
        try:
            with self.app.db_read() as session:
                if self._data_version is None:
                    self._data_version = latest_version(session)
                else:
                    batch = changes_since(session, self._data_version, entities=REGISTER_ENTITIES)
                    self._data_version = batch.version
                    changed = bool(batch.changes)
        finally:
            self._polling = False
        if changed:
            self.post_message(self.DataChanged())

    def on_log_screen_data_changed(self, _message: DataChanged) -> None:
        if self.page_loading:
            self._refresh_pending = True  # after the page being read arrives
        else:
            self.action_refresh()

    def action_refresh(self) -> None:
        self.total = None
        self._load("refresh", keep_id=self.selected_id())

    # ------------------------------------------------------------------ failed workers
    def worker_error(self, worker, line: str) -> None:
        """A worker failed (the error policy: screens/errors.py): the line in the status, the screen usable."""
        if worker.group == "log-page":
            self.page_loading = False  # paging and Ctrl+R try again
            if self._refresh_pending:
                self._refresh_pending = False
                self.call_later(self.action_refresh)
        elif worker.group == "log-export":
            self._export_ended()
        self._set_message(line)

    # ------------------------------------------------------------------ export
    def _export_ended(self) -> None:
        self.exporting = False
        for bar in self.query("#log-progress"):
            bar.display = False

    def action_export(self) -> None:
        if self.exporting:
            return
        from csdesk.clock import now, to_local
        from csdesk.services.export import default_path
        from csdesk.services.register import describe
        from screens.log_dialogs import ExportScreen

        # the user's documents (or downloads) folder, never the directory the console was started in
        suggested = default_path(to_local(now()).strftime("register-%Y%m%d-%H%M"), "xlsx")
        self.app.push_screen(ExportScreen(suggested, describe(self.query_model, self.categories or {})),
                             self._export_chosen)

    def _export_chosen(self, request) -> None:
        if request is None:
            return
        self.exporting = True
        bars = self.query("#log-progress")
        if bars:
            bar = bars.first(ProgressBar)
        else:
            bar = ProgressBar(id="log-progress", show_eta=False)
            self.query_one("#log-bottom").mount(bar)
        bar.update(total=None, progress=0)
        bar.display = True
        self._set_message(_("Exporting…"))
        self._export(request, self.query_model)

    @work(thread=True, exclusive=True, group="log-export", exit_on_error=False)
    def _export(self, request, q) -> None:
        from csdesk.services import export as ex
        from csdesk.services import register as reg

        full = self.full_phones

        def audited(result) -> None:  # the file is published only once its audit row is committed
            with self.app.db_write() as session:
                reg.record_export(session, self.app.agent, q, result.rows, request.fmt, str(request.path),
                                  full_phones=full)

        try:  # a file that cannot be written is the agent's to fix: said in the status line
            with self.app.db_read() as session:
                total = reg.count(session, q)
                self.post_message(self.ExportProgress(0, total))
                result = ex.write(request.path, reg.export_headers(),
                                  reg.export_rows(session, q, full_phones=full),
                                  fmt=request.fmt, title=_("Register"), widths=reg.export_widths(),
                                  progress=lambda n: self.post_message(self.ExportProgress(n, total)),
                                  audit=audited)
        except OSError as exc:
            self.post_message(self.ExportProgress(0, None, finished=True, error=str(exc)))
            return
        self.post_message(self.ExportProgress(result.rows, result.rows, finished=True, path=str(result.path)))

    def on_log_screen_export_progress(self, message: ExportProgress) -> None:
        bars = self.query("#log-progress")
        bar = bars.first(ProgressBar) if bars else None
        if bar is not None and message.total is not None:
            bar.update(total=max(message.total, 1), progress=message.done)
        if message.finished:
            self._export_ended()
            if message.error:
                self._set_message(_("Export failed: {error}").format(error=message.error))
            else:
                self._set_message(_("Exported {n} rows to {path}").format(n=f"{message.done:,}", path=message.path))
