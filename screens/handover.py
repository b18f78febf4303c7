"""The handover notebook (交接班记录本, F4): write, receive, review.

Three views on one screen, keyboard first:

- **My handover** (``w``): the current shift's page, compiled from the desk's
  records when it opens (every open matter the agent owns or touched this
  shift, grouped by urgency; "do first" on top, free items last).  ``e``/Enter
  writes what the next shift must do, ``f`` marks "do first", ``n`` adds a free
  item (a customer passed on, a prospect, anything else), ``x`` removes one,
  ``s`` signs off (with a confirmation; the page is frozen afterwards and ``r``
  adds a correction beside it).  ``k`` shows the 30-minute check before the
  shift ends (also announced once by the console, :mod:`screens.handover_watch`).
- **Incoming** (``i``): the signed-off pages addressed to the agent's shift; at
  login the console opens here when one waits.  ``a`` acknowledges the focused
  item, ``q`` adds a note or a question (the read-back); ``]``/``[`` go through
  several pages.  The last item acknowledged receives the handover.
- **Review** (``v``, supervisors): handovers by date and shift, the night's
  first; ``/`` searches like the register, ``d`` dates, ``t`` shift, ``g``
  agent, ``c`` clears; Enter opens a page (who acknowledged what and when,
  what is still open, what escalated, remarks), ``m`` marks it reviewed, ``r``
  adds a remark, Escape goes back.

Database work runs in thread workers, results come back as messages; what is
typed in a dialog is kept as a draft (kind ``handover``) until it is saved.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Static

from csdesk.i18n import _
from screens.errors import WorkerErrors
from screens.handover_watch import take_pending
from screens.page_table import PageTable
from screens.widgets import DeskFooter, DeskHeader

DRAFT_KIND = "handover"
DRAFT_DELAY = 0.5
POLL_SECONDS = 2.0
WATCHED = ("handover", "handoveritem", "handoverremark", "handoverpass", "workorder", "callback", "complaint",
           "escalation")
VIEWS = ("write", "receive", "review", "page")


def _now() -> datetime:
    from csdesk.clock import now

    return now()


def _fmt(value: datetime | None, pattern: str = "%m-%d %H:%M") -> str:
    from csdesk.clock import fmt

    return fmt(value, pattern)


def _span(seconds: float) -> str:
    from screens.queue import fmt_span

    return fmt_span(int(seconds))


class _LazyRows:
    """A page's rows made into strings only when drawn: a busy desk's page holds thousands of matters,
    and the terminal shows thirty of them."""

    def __init__(self, count: int, make: Callable[[int], tuple]) -> None:
        self._count, self._make = count, make
        self._made: dict[int, list[str]] = {}

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: int) -> list[str]:
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(index)
        row = self._made.get(index)
        if row is None:
            from screens.page_table import _plain

            row = self._made[index] = [_plain(c) for c in self._make(index)]
        return row

    def __iter__(self):
        return (self[i] for i in range(self._count))


class ItemTable(PageTable):
    """The page's items, with a row per urgency group; rows are drawn from the items on demand."""

    FIT_SAMPLE = 200  # rows the column widths are fitted to (they are capped anyway)

    def show(self, keys: list[str], make: Callable[[int], tuple]) -> None:
        self._rows = _LazyRows(len(keys), make)  # type: ignore[assignment]
        self._keys = list(keys)
        self._index = {k: i for i, k in enumerate(self._keys)}
        self._top = 0
        self.set_reactive(PageTable.cursor_row, 0)
        self._fit([self._rows[i] for i in range(min(self.FIT_SAMPLE, len(keys)))])
        self.refresh()


class ReviewTable(PageTable):
    """The review's list of pages."""


class HandoverScreen(WorkerErrors, Screen):
    CSS_PATH = Path(__file__).with_suffix(".tcss")
    BINDINGS = [
        Binding("w", "view('write')", _("My handover"), id="handover.write"),
        Binding("i", "view('receive')", _("Incoming"), id="handover.incoming"),
        Binding("v", "view('review')", _("Review"), id="handover.review"),
        Binding("enter", "enter", _("Open page"), id="handover.open"),
        Binding("e", "instruction", _("Instruction"), id="handover.instruction"),
        Binding("f", "do_first", _("Do first"), id="handover.first"),
        Binding("n", "new_item", _("New item"), id="handover.new"),
        Binding("x", "remove_item", _("Remove item"), id="handover.remove"),
        Binding("s", "sign_off", _("Sign off"), id="handover.sign"),
        Binding("k", "check", _("30-min check"), id="handover.check"),
        Binding("a", "acknowledge", _("Acknowledge"), id="handover.ack"),
        Binding("q", "note", _("Note / question"), id="handover.note"),
        Binding("right_square_bracket", "turn(1)", _("Next page"), id="handover.next"),
        Binding("left_square_bracket", "turn(-1)", _("Previous page"), id="handover.prev"),
        Binding("r", "remark", _("Remark"), id="handover.remark"),
        Binding("m", "mark_reviewed", _("Mark reviewed"), id="handover.reviewed"),
        Binding("slash", "search", _("Search"), id="handover.search"),
        Binding("d", "dates", _("Dates"), id="handover.dates"),
        Binding("t", "shift_filter", _("Shift"), id="handover.shift"),
        Binding("g", "agent_filter", _("Agent"), id="handover.agent"),
        Binding("c", "clear_filters", _("Clear filters"), id="handover.clear"),
        Binding("escape", "back", _("Back to the list"), id="handover.back"),
        Binding("p", "problem", _("Problem log"), id="handover.problem"),
        Binding("u", "converted", _("Prospect converted"), id="handover.converted"),
        Binding("y", "tally", _("Week's tally"), id="handover.tally"),
        Binding("ctrl+r", "refresh", _("Refresh"), id="handover.refresh"),
    ]

    # ------------------------------------------------------------------ messages
    class PageLoaded(Message):
        def __init__(self, seq: int, view: str, page: Any, pending: list, reminder: Any, version: int | None,
                     error: str = "", draft: Any = None) -> None:
            super().__init__()
            self.seq, self.view, self.page, self.pending, self.reminder = seq, view, page, pending, reminder
            self.version, self.error, self.draft = version, error, draft

    class ReviewLoaded(Message):
        def __init__(self, seq: int, rows: list, choices: dict | None, version: int | None, error: str = "") -> None:
            super().__init__()
            self.seq, self.rows, self.choices, self.version, self.error = seq, rows, choices, version, error

    class Written(Message):
        def __init__(self, message: str, error: str = "", focus: str | None = None, retry: Callable | None = None,
                     follow: Callable | None = None) -> None:
            super().__init__()
            self.message, self.error, self.focus, self.retry, self.follow = message, error, focus, retry, follow

    class Changed(Message):
        def __init__(self, version: int) -> None:
            super().__init__()
            self.version = version

    # ------------------------------------------------------------------ state
    def __init__(self) -> None:
        super().__init__()
        from csdesk.services.handover import ReviewQuery

        self.view = "write"
        self.page = None  # the Page shown (write, receive, page views)
        self.pending: list = []  # PageSummary of incoming pages
        self.pending_index = 0
        self.reminder = None
        self.review_query = ReviewQuery()
        self.review_rows: list = []
        self.review_choices: dict | None = None
        self.review_page_id: int | None = None
        self.message_text = ""
        self.busy = False
        self.version: int | None = None
        self._seq = 0
        self._focus_key: str | None = None
        self._draft_timer: Timer | None = None
        self._draft_payload: dict | None = None
        self._draft_offered = False
        self._polling = False
        self._pending_text = ""  # unsaved text of a note or remark from before, offered in the next one
        self._pending_draft = None  # a draft found while the screen was built in the background

    @property
    def agent(self):
        return self.app.agent

    @property
    def supervisor(self) -> bool:
        from csdesk.domain.policy import Act, may

        return may(self.agent, Act.REVIEW_HANDOVER)

    @property
    def full_phones(self) -> bool:
        from csdesk.services.register import may_see_full_phones

        return may_see_full_phones(self.agent)

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield DeskHeader()
        yield Static("", id="ho-title")
        yield Static("", id="ho-reminder")
        with Vertical(id="ho-page-view"):
            yield ItemTable(id="ho-items")
            with VerticalScroll(id="ho-detail"):
                yield Static("", id="ho-detail-body")
        with Vertical(id="ho-review-view"):
            with Horizontal(id="ho-review-top"):
                yield Input(placeholder=_("Search: phone, last 4 digits, name, unit (3-2-1201), order number, words"),
                            id="ho-search")
            yield Static("", id="ho-filters")
            yield ReviewTable(id="ho-review")
        yield Static("", id="ho-status")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.query_one(DeskHeader).title = _("Handover")
        items = self.query_one(ItemTable)
        for label, width in (("", 2), (_("Matter"), 24), (_("Customer"), 18), (_("What"), None), (_("State"), 16),
                             (_("Deadline"), 16), (_("Updated"), 11), (_("Instruction"), 24),
                             (_("Acknowledged"), 16)):
            items.add_column(label, width=width, min_width=16)
        review = self.query_one(ReviewTable)
        for label, width in ((_("Day"), 10), (_("Shift"), 6), (_("Written by"), 12), (_("Signed off"), 11),
                             (_("Items"), 5), (_("Acknowledged"), 6), (_("Still open"), 5), ("★", 3),
                             (_("Escalated"), 11), (_("Handover received"), 16), (_("Reviewed"), 16),
                             (_("Remarks"), 5)):
            review.add_column(label, width=width, min_width=10)
        start = getattr(self.app, "start_view", None)
        if start == "review" and self.supervisor:
            self.app.start_view = None
            self.view = "review"
        elif take_pending(self.app):
            self.view = "receive"
        self._show_view()
        self.set_interval(POLL_SECONDS, self._poll)
        self.set_interval(60, self._redraw_times)

    def on_screen_resume(self) -> None:
        if self._pending_draft is not None:
            draft, self._pending_draft = self._pending_draft, None
            self.call_after_refresh(self._offer_draft, draft)
        if self.busy:  # the mount's own load is still on its way
            return
        if self.view == "write" and take_pending(self.app):
            self.view = "receive"
            self._show_view()
            return
        self.reload()

    # ------------------------------------------------------------------ views
    def _show_view(self) -> None:
        review = self.view == "review"
        self.query_one("#ho-page-view").display = not review
        self.query_one("#ho-review-view").display = review
        (self.query_one(ReviewTable) if review else self.query_one(ItemTable)).focus()
        self.refresh_bindings()
        self.reload()

    def action_view(self, view: str) -> None:
        if view == "review" and not self.supervisor:
            self._set_message(_("The review is for supervisors."))
            return
        self.message_text = ""
        self.view = view
        if view == "receive":
            self.pending_index = 0
            self.page = None
        self._show_view()

    def reload(self, focus: str | None = None) -> None:
        if focus is not None:
            self._focus_key = focus
        self._seq += 1
        self.busy = True
        if self.view == "review":
            self._load_review(self._seq, self.review_query, self.review_choices is None)
        else:
            page_id = self.review_page_id if self.view == "page" else None
            if self.view == "receive" and self.page is not None:
                page_id = self.page.id  # a page just received stays on screen, its items ticked
            self._load_page(self._seq, self.view, self.pending_index, page_id)

    @work(thread=True, exclusive=True, group="ho-load", exit_on_error=False)
    def _load_page(self, seq: int, view: str, index: int, page_id: int | None) -> None:
        from csdesk.domain.errors import DeskError
        from csdesk.services import handover as ho
        from csdesk.services.changes import latest_version
        from csdesk.services.drafts import load_draft

        page, pending, reminder, draft = None, [], None, None
        try:
            with self.app.db_read() as session:
                version = latest_version(session)
                if view == "write":
                    at = _now()
                    page = ho.current_page(session, self.agent, at)
                    reminder = ho.reminder(session, self.agent, at, page=page)
                    pending = ho.pending_for(session, self.agent)
                elif view == "receive":
                    pending = ho.pending_for(session, self.agent)
                    if page_id is not None and page_id not in {p.id for p in pending}:
                        page = ho.get_page(session, self.agent, page_id)
                    elif pending:
                        page = ho.get_page(session, self.agent, pending[min(index, len(pending) - 1)].id)
                elif page_id is not None:
                    page = ho.get_page(session, self.agent, page_id)
                if not self._draft_offered:
                    draft = load_draft(session, self.agent.id, DRAFT_KIND)
        except DeskError as exc:  # expected (a page gone meanwhile …); anything else: the error policy
            self.post_message(self.PageLoaded(seq, view, None, [], None, None, str(exc)))
            return
        self.post_message(self.PageLoaded(seq, view, page, pending, reminder, version, draft=draft))

    def on_handover_screen_page_loaded(self, message: PageLoaded) -> None:
        if message.seq != self._seq:
            return
        self.busy = False
        if message.error:
            self._set_message(_("Could not read the handover: {error}").format(error=message.error))
            return
        if self.view == "write" and self.app.screen is self and take_pending(self.app):  # found while loading
            self.view = "receive"
            self._show_view()
            return
        self.version = message.version if message.version is not None else self.version
        self.page, self.pending, self.reminder = message.page, message.pending, message.reminder
        if message.view == "receive" and self.pending:
            self.pending_index = min(self.pending_index, len(self.pending) - 1)
        self._fill_items()
        self._show_title()
        self.refresh_bindings()  # the keys follow the page (a signed page has no writing keys)
        if not self._draft_offered:
            if message.draft is None:
                self._draft_offered = True
            else:
                self.call_after_refresh(self._offer_draft, message.draft)

    def _offer_draft(self, draft) -> None:
        if not self.is_current:  # built in the background (the console's warm-up): offer it when shown
            self._pending_draft = draft
            return
        if not self._draft_offered and self._restore_draft(draft):
            self._draft_offered = True

    # ------------------------------------------------------------------ the items table
    def _fill_items(self) -> None:
        table = self.query_one(ItemTable)
        keep = self._focus_key or table.row_key_at(table.cursor_row)
        self._focus_key = None
        with self.app.batch_update():
            page = self.page
            if page is None:
                table.clear()
                self._show_detail(None)
                return
            at = _now()
            full = self.full_phones
            keys: list[str] = []
            entries: list = []
            for group, items in page.groups():
                keys.append(f"group:{group}")
                entries.append((group, len(items)))
                for item in items:
                    keys.append(item.key)
                    entries.append(item)

            def make(index: int) -> tuple:
                entry = entries[index]
                if type(entry) is tuple:  # a group's heading (an Item is a named tuple of its own type)
                    return ("▌", f"{entry[0].label} ({entry[1]})", "", "", "", "", "", "", "")
                return self._cells(entry, at, full)

            table.show(keys, make)
            if keep in table._index:
                target = table._index[keep]
            else:
                target = next((r for r, k in enumerate(keys) if not k.startswith("group:")), 0)
            if table.size.height > 1:
                table.move_cursor(row=target)
            else:  # not laid out yet: moving now would scroll the group's heading out of sight
                table.call_after_refresh(table.move_cursor, row=target)
            self._show_detail(self.focused_item())

    def _cells(self, item, at: datetime, full: bool) -> tuple[str, ...]:
        from csdesk.domain.phones import mask

        mark = "★" if item.do_first else ""
        if self.view != "write" or (self.page is not None and self.page.signed):
            mark = "✓" if item.acknowledged_at else ("!" if item.escalated_at else mark or "·")
        matter = item.kind_label + (f" {item.ref_number}" if item.ref_number else "")
        phone = item.phone if (full or item.free) else mask(item.phone)
        customer = " ".join(x for x in (item.customer_name, phone) if x)
        deadline = ""
        if item.deadline_at is not None:
            left = (item.deadline_at - at).total_seconds()
            deadline = (_("overdue {span}").format(span=_span(left)) if left < 0
                        else _("in {span}").format(span=_span(left)))
        state = item.state
        if item.still_open is False:
            state = _("closed since") + " · " + state
        ack = ""
        if item.acknowledged_at:
            ack = f"{item.acknowledged_by} {_fmt(item.acknowledged_at, '%H:%M')}"
            if item.passed_to:
                ack += " → " + item.passed_to
            if item.escalated_at:
                ack += " !"
        elif item.escalated_at:
            ack = _("escalated {when}").format(when=_fmt(item.escalated_at, "%H:%M"))
        notes = f" [{len(item.notes)}]" if item.notes else ""
        return (mark, matter, customer, item.text + notes, state, deadline, _fmt(item.last_update_at), item.instruction,
                ack)

    def _redraw_times(self) -> None:
        if self.view != "review" and self.page is not None and self.is_current:
            self._fill_items()

    def focused_item(self):
        table = self.query_one(ItemTable)
        key = table.row_key_at(table.cursor_row)
        if self.page is None or not key or key.startswith("group:"):
            return None
        return self._by_key().get(key)

    def _by_key(self) -> dict:
        page = self.page
        if page is not getattr(self, "_keyed_page", None):
            self._keyed_page, self._keyed = page, {i.key: i for i in page.items} if page is not None else {}
        return self._keyed

    @on(ItemTable.RowHighlighted, "#ho-items")
    def _item_highlighted(self) -> None:
        self._show_detail(self.focused_item())

    @on(PageTable.NeedPage)
    def _edge(self, message: PageTable.NeedPage) -> None:
        """Home/End (and past either end): one page holds everything, so the cursor just goes there."""
        table = self.query_one(ReviewTable) if self.view == "review" else self.query_one(ItemTable)
        if message.where == "first":
            table.move_cursor(row=0)
        elif message.where == "last":
            table.move_cursor(row=table.row_count - 1)

    def _show_detail(self, item) -> None:
        body = self.query_one("#ho-detail-body", Static)
        if item is None:
            body.update(self._page_facts())
            return
        from csdesk.domain.phones import mask

        text = Text()

        def line(label: str, value: str, style: str = "") -> None:
            if value:
                text.append(f"{label}: ", style="bold")
                text.append(value + "\n", style=style)

        phone = item.phone if (self.full_phones or item.free) else mask(item.phone)
        line(item.kind_label, " ".join(x for x in (item.ref_number, item.customer_name, phone, item.unit_key) if x))
        line(_("What"), item.text)
        line(_("State"), item.state)
        line(_("Deadline"), _fmt(item.deadline_at, "%Y-%m-%d %H:%M"))
        line(_("Last update"), _fmt(item.last_update_at, "%Y-%m-%d %H:%M"))
        line(_("Instruction"), item.instruction, "bold")
        if item.do_first:
            line(_("Do first"), "★")
        if item.acknowledged_at:
            line(_("Acknowledged"), f"{item.acknowledged_by} {_fmt(item.acknowledged_at, '%Y-%m-%d %H:%M')}")
        if item.passed_to:
            line(_("Passed to"), item.passed_to)
        if item.escalated_at:
            line(_("Escalated"), _fmt(item.escalated_at, "%Y-%m-%d %H:%M"), "red")
        if item.still_open is not None:
            line(_("Now"), _("still open") if item.still_open else _("closed"))
        for note in item.notes:
            line(f"{note.kind_label} {note.staff_no} {_fmt(note.at)}", note.text, "italic")
        body.update(text)

    def _page_facts(self) -> Text:
        page = self.page
        text = Text()
        if page is None:
            return text
        for remark in page.page_remarks:
            text.append(f"{remark.kind_label} {remark.staff_no} {_fmt(remark.at)}: ", style="bold")
            text.append(remark.text + "\n")
        if page.notes:
            text.append(_("Notes") + ": ", style="bold")
            text.append(page.notes + "\n")
        return text

    # ------------------------------------------------------------------ title and status
    def _show_title(self) -> None:
        title = self.query_one("#ho-title", Static)
        reminder_line = self.query_one("#ho-reminder", Static)
        reminder_line.display = False
        page = self.page
        text = Text(no_wrap=True, overflow="ellipsis")
        if self.view == "write":
            text.append(_("My handover") + " · ", style="bold")
            if page is None:
                text.append(_("No shift is on now: a handover is written during a shift (or within two hours of "
                              "its end)."))
            else:
                text.append(f"{page.shift_name} {page.shift_date:%m-%d} {_fmt(page.start_at, '%H:%M')}–"
                            f"{_fmt(page.end_at, '%H:%M')} → {page.to_shift_name} {_fmt(page.to_start_at)}  ")
                if page.signed:
                    text.append(_("signed off {when}").format(when=_fmt(page.submitted_at, "%H:%M")), style="green")
                    text.append("  " + _("{n} of {total} acknowledged").format(
                        n=len(page.items) - page.unacknowledged, total=len(page.items)))
                else:
                    text.append(_("draft"), style="yellow")
                    text.append("  " + _("{n} items, {first} to do first").format(
                        n=len(page.items), first=sum(1 for i in page.items if i.do_first)))
            if self.pending:
                text.append("  " + _("{n} incoming (i)").format(n=len(self.pending)), style="bold magenta")
            rem = self.reminder
            if rem is not None and rem.due(_now()) and page is not None and not page.signed:
                reminder_line.display = True
                reminder_line.update(Text(_("{when}: the shift ends at {end}: update every unclosed order and call-back; "
                                            "{n} have no update this shift (k)").format(
                    when=_fmt(rem.remind_at, "%H:%M"), end=_fmt(rem.end_at, "%H:%M"), n=len(rem.stale)),
                    style="bold yellow" if rem.stale else "green"))
        elif self.view == "receive":
            text.append(_("Incoming") + " · ", style="bold")
            if page is None:
                text.append(_("No handover is waiting for your shift."))
            else:
                text.append(f"{page.author_staff_no} {page.author_name} · {page.shift_name} {page.shift_date:%m-%d} "
                            f"· {_('signed off {when}').format(when=_fmt(page.submitted_at, '%H:%M'))}  ")
                if len(self.pending) > 1:
                    text.append(_("page {n} of {total} ([ ])").format(n=self.pending_index + 1,
                                                                       total=len(self.pending)) + "  ")
                if page.received:
                    text.append(_("received"), style="green")
                else:
                    text.append(_("{n} items to acknowledge").format(n=page.unacknowledged), style="bold yellow")
        elif self.view == "page":
            text.append(_("Review") + " · ", style="bold")
            if page is not None:
                text.append(f"{page.author_staff_no} {page.author_name} · {page.shift_name} {page.shift_date} → "
                            f"{page.to_shift_name} {_fmt(page.to_start_at)}  ")
                if page.received:
                    text.append(_("received {when} by {staff_no}").format(
                        when=_fmt(page.acknowledged_at), staff_no=page.acknowledged_by), style="green")
                else:
                    text.append(_("{n} items not acknowledged").format(n=page.unacknowledged), style="yellow")
                if page.escalated_at:
                    text.append("  " + _("escalated {when}").format(when=_fmt(page.escalated_at)), style="red")
                text.append("  " + (_("reviewed {when} by {staff_no}").format(
                    when=_fmt(page.reviewed_at), staff_no=page.reviewed_by) if page.reviewed_at
                    else _("not reviewed yet")))
        else:
            text.append(_("Review") + " · ", style="bold")
            text.append(_("handovers by day and shift, the night's first"))
        title.update(text)
        self._show_status()

    def _show_status(self) -> None:
        status = self.query_one("#ho-status", Static)
        if self.busy and self.page is None and self.view != "review":
            text = _("Loading…")
        elif self.view == "review":
            text = _("{n} handovers").format(n=len(self.review_rows))
        else:
            text = ""
        if self.message_text:
            text = f"{text}  ·  {self.message_text}" if text else self.message_text
        status.update(Text(text))

    def _set_message(self, text: str) -> None:
        self.message_text = text
        self._show_status()

    # ------------------------------------------------------------------ which keys apply
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        view = self.view
        page = self.page
        writing = view == "write" and page is not None and not page.signed
        if action == "view":
            return parameters[0] != "review" or self.supervisor
        if action in ("instruction", "do_first", "new_item", "remove_item", "sign_off"):
            return writing
        if action == "check":
            return view == "write"
        if action in ("acknowledge", "note"):
            return view == "receive" and page is not None
        if action == "turn":
            return view == "receive" and len(self.pending) > 1
        if action == "remark":
            return page is not None and page.signed and view in ("write", "page", "receive")
        if action == "mark_reviewed":
            return view == "page" and page is not None and page.reviewed_at is None
        if action in ("search", "dates", "shift_filter", "agent_filter", "clear_filters"):
            return view == "review"
        if action == "back":
            return view == "page" or (view == "review" and self.focused is self.query_one("#ho-search"))
        if action == "enter":
            return view in ("write", "review") and (view == "review" or writing)
        return True

    def _need_item(self, *, matter_only: bool = False, free_only: bool = False):
        item = self.focused_item()
        if item is None:
            self.app.bell()
            self._set_message(_("Move to an item first."))
            return None
        if matter_only and item.free:
            return item
        if free_only and not item.free:
            self.app.bell()
            self._set_message(_("Only free items are removed; a matter leaves the page when it is closed."))
            return None
        return item

    # ------------------------------------------------------------------ writes
    def _write(self, work_fn: Callable, done: str, *, focus: str | None = None, retry: Callable | None = None,
               follow: Callable | None = None) -> None:
        self._run_write(work_fn, done, focus, retry, follow)

    @work(thread=True, group="ho-write", exit_on_error=False)
    def _run_write(self, work_fn: Callable, done: str, focus: str | None, retry: Callable | None,
                   follow: Callable | None) -> None:
        from csdesk.domain.errors import DeskError

        try:
            with self.app.db_write() as session:
                result = work_fn(session)
        except DeskError as exc:  # refused, invalid, changed meanwhile: the dialog opens again with the text
            self.post_message(self.Written("", str(exc), focus, retry))
            return
        message = done(result) if callable(done) else done
        self.post_message(self.Written(message, "", focus, None, follow))

    def on_handover_screen_written(self, message: Written) -> None:
        if message.error:
            self.app.bell()
            self._set_message(message.error)
            if message.retry is not None:
                message.retry(message.error)
            return
        self._set_message(message.message)
        if message.follow is not None:
            message.follow()
        self.reload(focus=message.focus)

    # ------------------------------------------------------------------ drafts
    def _draft_changed(self, dialog: str, target: str | None, values: dict) -> None:
        self._draft_payload = {"dialog": dialog, "target": target, "values": values}
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self._draft_timer = self.set_timer(DRAFT_DELAY, self._write_draft)

    def _write_draft(self) -> None:
        self._save_draft(self._draft_payload)

    @work(thread=True, exclusive=True, group="ho-draft", exit_on_error=False)
    def _save_draft(self, payload: dict | None) -> None:
        from csdesk.services.drafts import discard_draft, save_draft

        try:
            with self.app.db_write() as session:
                if payload is None:
                    discard_draft(session, self.agent.id, DRAFT_KIND)
                else:
                    save_draft(session, self.agent.id, DRAFT_KIND, payload)
        except Exception:
            return  # a draft that cannot be written is retried at the next keystroke

    def _drop_draft(self) -> None:
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None
        self._draft_payload = None
        self._save_draft(None)

    def _restore_draft(self, draft) -> bool:
        """Unsaved text from before (the console went away mid-typing): its dialog opens again with it.

        Returns whether the draft was taken up here; one for another view waits for that view.
        """
        from screens.handover_dialogs import FreeItemValues, ProblemValues

        payload = draft.payload or {}
        dialog, target, values = payload.get("dialog"), payload.get("target"), payload.get("values") or {}
        text = str(values.get("text") or "")
        page = self.page
        writing = self.view == "write" and page is not None and not page.signed
        if dialog in ("instruction", "free") and not writing:
            return False
        if dialog == "note" and self.view != "receive":
            return False
        self.notify(_("Unsaved text from {when} was kept: it is back in its form.").format(
            when=_fmt(draft.updated_at)), title=_("Handover"), timeout=8)
        item = next((i for i in page.items if i.key == target), None) if (page is not None and target) else None
        if dialog == "instruction" and item is not None:
            self._open_instruction(item, text)
        elif dialog == "free":
            self._open_free(FreeItemValues.from_dict(values), item)
        elif dialog == "note" and item is not None:
            self._open_note(item, "note", text)
        elif dialog == "problem":
            self._open_problem(ProblemValues(str(values.get("kind") or "problem"), text))
        elif dialog in ("note", "remark", "instruction"):
            self._pending_text = text  # its item is not on this page: the next such dialog opens with it
        else:
            self._drop_draft()
        return True

    # ------------------------------------------------------------------ writing actions
    def action_enter(self) -> None:
        if self.view == "review":
            self._open_review_row()
        elif self.view == "write":
            self.action_instruction()

    def action_instruction(self) -> None:
        item = self._need_item(matter_only=True)
        if item is None:
            return
        if item.free:
            from screens.handover_dialogs import FreeItemValues

            self._open_free(FreeItemValues(item.kind, item.customer_name, item.phone, item.text, item.instruction,
                                           item.do_first), item)
            return
        self._open_instruction(item, item.instruction)

    def _open_instruction(self, item, text: str, error: str = "") -> None:
        from screens.handover_dialogs import TextDialog

        def saved(value: str | None) -> None:
            if value is None:
                self._drop_draft()
                return
            from csdesk.services import handover as ho

            agent, matter, matter_id = self.agent, item.matter, item.matter_id

            def retry(err: str) -> None:
                self._open_instruction(item, value, err)

            self._write(lambda s: ho.annotate(s, agent, matter, matter_id, instruction=value),
                        _("Instruction saved."), focus=item.key, retry=retry, follow=self._drop_draft)

        hint = " · ".join(x for x in (item.kind_label, item.ref_number, item.customer_name, item.text) if x)
        self.app.push_screen(TextDialog(_("What must the next shift do?"), hint, text, limit=1000,
                                        on_change=lambda v: self._draft_changed("instruction", item.key, v),
                                        error=error), saved)

    def action_do_first(self) -> None:
        item = self._need_item(matter_only=True)
        if item is None:
            return
        from csdesk.services import handover as ho

        agent, flag = self.agent, not item.do_first
        item_id, matter, matter_id = item.item_id, item.matter, item.matter_id

        def work_fn(session):
            if not matter:
                return ho.mark_free_item(session, agent, item_id, flag)
            return ho.annotate(session, agent, matter, matter_id, do_first=flag)

        self._write(work_fn, _("Marked: do first.") if flag else _("No longer marked."), focus=item.key)

    def action_new_item(self) -> None:
        from screens.handover_dialogs import FreeItemValues

        self._open_free(FreeItemValues("prospect", "", "", "", "", False), None)

    def _open_free(self, values, item, error: str = "") -> None:
        from screens.handover_dialogs import FreeItemDialog

        target = item.key if item is not None else None

        def saved(result) -> None:
            if result is None:
                self._drop_draft()
                return
            from csdesk.services import handover as ho

            agent = self.agent
            free = ho.FreeItem(result.kind, result.text, result.customer_name, result.phone, result.instruction,
                               result.do_first)

            def retry(err: str) -> None:
                self._open_free(result, item, err)

            if item is None:
                self._write(lambda s: ho.add_free_item(s, agent, free), _("Item added."),
                            retry=retry, follow=self._drop_draft)
            else:
                item_id = item.item_id
                self._write(lambda s: ho.edit_free_item(s, agent, item_id, free), _("Item saved."), focus=target,
                            retry=retry, follow=self._drop_draft)

        self.app.push_screen(FreeItemDialog(values, on_change=lambda v: self._draft_changed("free", target, v),
                                            error=error, editing=item is not None), saved)

    def action_remove_item(self) -> None:
        item = self._need_item(free_only=True)
        if item is None:
            return
        from screens.handover_dialogs import ConfirmDialog

        def answered(yes: bool | None) -> None:
            if yes:
                from csdesk.services import handover as ho

                agent, item_id = self.agent, item.item_id
                self._write(lambda s: ho.remove_free_item(s, agent, item_id), _("Item removed."))

        self.app.push_screen(ConfirmDialog(_("Remove this item from the handover?"), _("Remove"),
                                           item.text), answered)

    def action_sign_off(self) -> None:
        page = self.page
        if page is None or page.signed:
            return
        from screens.handover_dialogs import ConfirmDialog

        without = sum(1 for i in page.items if i.matter and not i.instruction)
        detail = _("{n} items go to {shift} {when}; {without} have no instruction. After signing off the page "
                   "is never edited: corrections are added beside it.").format(
            n=len(page.items), shift=page.to_shift_name, when=_fmt(page.to_start_at), without=without)

        def answered(yes: bool | None) -> None:
            if yes:
                from csdesk.services import handover as ho

                agent = self.agent
                self._write(lambda s: ho.sign_off(s, agent), lambda p: _("Signed off: {n} items handed over.").format(
                    n=len(p.items)))

        self.app.push_screen(ConfirmDialog(_("Sign off your handover for this shift?"), _("Sign off"), detail),
                             answered)

    def action_check(self) -> None:
        rem = self.reminder
        if rem is None:
            self._set_message(_("No shift is on now."))
            return
        from screens.handover_dialogs import CheckDialog

        at = _now()
        lines = []
        for item in rem.stale:
            text = Text(no_wrap=True, overflow="ellipsis")
            text.append(f"{item.kind_label} {item.ref_number} ", style="bold")
            text.append(f"{item.customer_name} · {item.state} · ")
            text.append(_("last update {when}").format(when=_fmt(item.last_update_at)), style="dim")
            if item.deadline_at is not None and item.deadline_at < at:
                text.append("  " + _("overdue"), style="red")
            lines.append((item.key, text))
        title = _("30-minute check: the {shift} shift ends at {end}").format(shift=rem.shift_name,
                                                                             end=_fmt(rem.end_at, "%H:%M"))
        hint = _("Update every unclosed order and call-back before you go: these {n} of {total} have no update "
                 "this shift. Enter goes to one; an instruction written on it counts.").format(
            n=len(rem.stale), total=rem.open_matters)

        def chosen(key: str | None) -> None:
            if key:
                self._go_to(key)

        self.app.push_screen(CheckDialog(title, hint, lines), chosen)

    def _go_to(self, key: str) -> None:
        table = self.query_one(ItemTable)
        for row in range(table.row_count):
            if table.row_key_at(row) == key:
                table.move_cursor(row=row)
                table.focus()
                return

    def action_converted(self) -> None:
        """The service tally's quick entry: the prospect of a contact became a customer."""
        from screens.handover_dialogs import TextDialog

        def saved(value: str | None) -> None:
            if value is None:
                return
            from csdesk.services import problems

            agent, number = self.agent, value.strip()
            self._write(lambda s: problems.mark_converted(s, agent, number),
                        _("Counted as converted: {number}.").format(number=number.upper()))

        self.app.push_screen(TextDialog(_("A prospect became a customer"),
                                        _("The contact number (CT…) of the call with that prospect; it counts in your "
                                          "service tally."), "", limit=32), saved)

    def action_tally(self) -> None:
        self._load_tally(today())

    @work(thread=True, exclusive=True, group="ho-tally", exit_on_error=False)
    def _load_tally(self, day: date) -> None:
        from csdesk.services import problems

        with self.app.db_read() as session:
            summary = problems.weekly_summary(session, self.agent, day)
        self.app.call_from_thread(self._show_tally, summary)

    def _show_tally(self, summary) -> None:
        from rich.table import Table

        from screens.handover_dialogs import InfoDialog

        table = Table(_("Staff no."), _("Name"), _("Problems"), _("Ideas"), _("Contacts"), _("Customers"),
                      _("Converted"), expand=True)
        for a in summary.agents:
            table.add_row(Text(a.staff_no), Text(a.name), str(a.problems), str(a.ideas), str(a.contacts),
                          str(a.customers), str(a.converted))
        entries = Text()
        for e in summary.entries:
            entries.append(f"{_fmt(e.at)} {e.staff_no} [{e.kind_label}] ", style="bold")
            entries.append(e.text + "\n")
        self.app.push_screen(InfoDialog(_("Week {first} – {last}").format(first=summary.first, last=summary.last),
                                        table, entries or Text(_("Nothing logged this week."))))

    def action_problem(self) -> None:
        from screens.handover_dialogs import ProblemValues

        self._open_problem(ProblemValues("problem", ""))

    def _open_problem(self, values) -> None:
        from screens.handover_dialogs import ProblemDialog

        def saved(result) -> None:
            if result is None:
                self._drop_draft()
                return
            from csdesk.services import problems

            agent = self.agent
            self._write(lambda s: problems.add_entry(s, agent, result.kind, result.text),
                        lambda e: _("Logged {kind} #{id}.").format(kind=e.kind_label, id=e.id),
                        retry=lambda err: self._open_problem(result), follow=self._drop_draft)

        self.app.push_screen(ProblemDialog(values, on_change=lambda v: self._draft_changed("problem", None, v)),
                             saved)

    # ------------------------------------------------------------------ receiving actions
    def action_acknowledge(self) -> None:
        page = self.page
        if page is None:
            return
        if not page.items and not page.received:
            from csdesk.services import handover as ho

            agent, page_id = self.agent, page.id
            self._write(lambda s: ho.receive_empty(s, agent, page_id), _("Received: the page had no items."))
            return
        item = self._need_item()
        if item is None:
            return
        if item.acknowledged_at is not None:
            self._set_message(_("Already acknowledged by {staff_no} at {when}.").format(
                staff_no=item.acknowledged_by, when=_fmt(item.acknowledged_at, "%H:%M")))
            self._next_unacknowledged(item.key)
            return
        from csdesk.services import handover as ho

        agent, item_id = self.agent, item.item_id

        def done(result) -> str:
            text = _("Acknowledged.")
            if result.passed is not None:
                text += " " + _("{matter} {ref} is now in your queue (passed by {frm}; first taken by {first}).").format(
                    matter=item.kind_label, ref=item.ref_number, frm=result.passed.from_staff_no,
                    first=result.passed.first_owner_staff_no)
            elif result.kept_reason:
                text += " " + result.kept_reason
            if result.received:
                text += " " + _("Every item is acknowledged: the handover is received.")
            return text

        self._write(lambda s: ho.acknowledge_item(s, agent, item_id), done, focus=self._next_key(item.key))

    def _next_key(self, key: str) -> str:
        """The next unacknowledged item after ``key`` (the cursor goes on to it)."""
        if self.page is None:
            return key
        table = self.query_one(ItemTable)
        keys = [table.row_key_at(r) for r in range(table.row_count)]
        waiting = {i.key for i in self.page.items if i.acknowledged_at is None and i.key != key}
        start = keys.index(key) if key in keys else 0
        for k in keys[start + 1:] + keys[:start]:
            if k in waiting:
                return k
        return key

    def _next_unacknowledged(self, key: str) -> None:
        self._go_to(self._next_key(key))

    def action_note(self) -> None:
        item = self._need_item()
        if item is None:
            return
        text, self._pending_text = self._pending_text, ""
        self._open_note(item, "note", text)

    def _open_note(self, item, dialog: str, text: str, error: str = "") -> None:
        from screens.handover_dialogs import TextDialog

        def saved(value: str | None) -> None:
            if value is None:
                self._drop_draft()
                return
            from csdesk.services import handover as ho

            agent, item_id = self.agent, item.item_id
            question = value.rstrip().endswith(("?", "？"))
            self._write(lambda s: ho.add_note(s, agent, item_id, value, question=question),
                        _("Question added.") if question else _("Note added."), focus=item.key,
                        retry=lambda err: self._open_note(item, dialog, value, err), follow=self._drop_draft)

        hint = _("A read-back: what you understood, or a question for the outgoing agent (end it with ?). "
                 "It is added beside the item with your name and the time.")
        self.app.push_screen(TextDialog(_("Note or question on {what}").format(what=item.kind_label + " " +
                                                                                 (item.ref_number or item.text[:20])),
                                        hint, text, limit=500, error=error,
                                        on_change=lambda v: self._draft_changed(dialog, item.key, v)), saved)

    def action_turn(self, step: int) -> None:
        if len(self.pending) < 2:
            return
        current = next((n for n, p in enumerate(self.pending) if self.page is not None and p.id == self.page.id),
                       self.pending_index)
        self.pending_index = (current + step) % len(self.pending)
        self.page = None
        self.reload()

    def action_remark(self) -> None:
        page = self.page
        if page is None or not page.signed:
            return
        item = self.focused_item()
        from screens.handover_dialogs import TextDialog

        own = page.author_id == self.agent.id
        title = _("Correction beside your signed-off page") if own else _("Remark on this handover")
        hint = _("Added beside the page with your name and the time; what was signed off is never changed.")
        if item is not None:
            hint = f"{item.kind_label} {item.ref_number} {item.text}".strip() + " · " + hint

        def saved(value: str | None) -> None:
            if value is None:
                self._drop_draft()
                return
            from csdesk.services import handover as ho

            agent, page_id = self.agent, page.id
            item_id = item.item_id if item is not None else None
            self._write(lambda s: ho.add_remark(s, agent, page_id, value, item_id=item_id), _("Remark added."),
                        focus=item.key if item is not None else None, follow=self._drop_draft)

        text, self._pending_text = self._pending_text, ""
        self.app.push_screen(TextDialog(title, hint, text, limit=500,
                                        on_change=lambda v: self._draft_changed(
                                            "remark", item.key if item else None, v)), saved)

    # ------------------------------------------------------------------ the review
    @work(thread=True, exclusive=True, group="ho-review", exit_on_error=False)
    def _load_review(self, seq: int, query, need_choices: bool) -> None:
        from csdesk.domain.errors import DeskError
        from csdesk.services import handover as ho
        from csdesk.services.changes import latest_version
        from csdesk.services.register import agent_choices

        choices = None
        try:
            with self.app.db_read() as session:
                version = latest_version(session)
                rows = ho.review_list(session, self.agent, query)
                if need_choices:
                    choices = {"shift": ho.shift_choices(session),
                               "agent": [(str(a.id), f"{a.staff_no} {a.name}") for a in agent_choices(session)]}
        except DeskError as exc:
            self.post_message(self.ReviewLoaded(seq, [], None, None, str(exc)))
            return
        self.post_message(self.ReviewLoaded(seq, rows, choices, version))

    def on_handover_screen_review_loaded(self, message: ReviewLoaded) -> None:
        if message.seq != self._seq:
            return
        self.busy = False
        if message.error:
            self._set_message(_("Could not read the handovers: {error}").format(error=message.error))
            return
        if message.choices is not None:
            self.review_choices = message.choices
        self.version = message.version if message.version is not None else self.version
        self.review_rows = message.rows
        table = self.query_one(ReviewTable)
        keep = self._focus_key or table.row_key_at(table.cursor_row)
        self._focus_key = None
        with self.app.batch_update():
            table.clear()
            for r in message.rows:
                table.add_row(
                    r.shift_date.isoformat(), r.shift_name, f"{r.author_staff_no} {r.author_name}",
                    _fmt(r.submitted_at), str(r.items), str(r.acknowledged),
                    "" if r.still_open is None else str(r.still_open), str(r.do_first) if r.do_first else "",
                    _fmt(r.escalated_at), f"{_fmt(r.acknowledged_at)} {r.acknowledged_by}".strip(),
                    f"{_fmt(r.reviewed_at)} {r.reviewed_by}".strip() or _("not yet"),
                    str(r.remarks) if r.remarks else "", key=str(r.id))
            keys = [str(r.id) for r in message.rows]
            table.move_cursor(row=keys.index(keep) if keep in keys else 0)
        self._show_filters()
        self._show_title()
        self.refresh_bindings()

    def _show_filters(self) -> None:
        q = self.review_query
        parts = []
        if q.first or q.last:
            parts.append(f"{q.first or '…'} – {q.last or '…'}")
        choices = self.review_choices or {}
        if q.shift:
            parts.append(dict(choices.get("shift", [])).get(q.shift, q.shift))
        if q.agent_id is not None:
            parts.append(dict(choices.get("agent", [])).get(str(q.agent_id), str(q.agent_id)))
        if q.search:
            parts.append(f"“{q.search}”")
        widget = self.query_one("#ho-filters", Static)
        widget.update(Text(_("Showing: {filters}   (c clears)").format(filters=" · ".join(parts)) if parts
                           else _("Showing: every handover, newest day first, the night's first")))

    def _review(self, **changes) -> None:
        from dataclasses import replace

        self.review_query = replace(self.review_query, **changes)
        self.reload()

    def action_search(self) -> None:
        self.query_one("#ho-search", Input).focus()

    @on(Input.Submitted, "#ho-search")
    def _searched(self, event: Input.Submitted) -> None:
        event.stop()
        self._review(search=event.value.strip()[:200])
        self.call_after_refresh(self.set_focus, self.query_one(ReviewTable))

    def action_dates(self) -> None:
        from screens.handover_dialogs import DatesDialog

        def chosen(result) -> None:
            if result is not None:
                self._review(first=result.first, last=result.last)

        day = today()
        self.app.push_screen(DatesDialog(self.review_query.first or day - timedelta(days=30),
                                         self.review_query.last or day), chosen)

    def action_shift_filter(self) -> None:
        self._pick("shift", _("Shift"), self.review_query.shift,
                   lambda v: self._review(shift=v))

    def action_agent_filter(self) -> None:
        current = str(self.review_query.agent_id) if self.review_query.agent_id is not None else None
        self._pick("agent", _("Written by"), current, lambda v: self._review(agent_id=int(v) if v else None))

    def _pick(self, kind: str, title: str, current: str | None, apply: Callable[[str | None], None]) -> None:
        from screens.handover_dialogs import ANY, PickDialog

        choices = (self.review_choices or {}).get(kind, [])

        def chosen(value: str | None) -> None:
            if value is not None:
                apply(None if value == ANY else value)

        self.app.push_screen(PickDialog(title, choices, current), chosen)

    def action_clear_filters(self) -> None:
        from csdesk.services.handover import ReviewQuery

        self.review_query = ReviewQuery()
        self.query_one("#ho-search", Input).value = ""
        self.reload()

    def _open_review_row(self) -> None:
        table = self.query_one(ReviewTable)
        key = table.row_key_at(table.cursor_row)
        if not key:
            return
        self.review_page_id = int(key)
        self.view = "page"
        self.page = None
        self.query_one("#ho-page-view").display = True
        self.query_one("#ho-review-view").display = False
        self.query_one(ItemTable).focus()
        self.refresh_bindings()
        self.reload()

    def action_back(self) -> None:
        if self.view == "page":
            self._focus_key = str(self.review_page_id) if self.review_page_id else None
            self.view = "review"
            self._show_view()
        elif self.view == "review":
            self.query_one(ReviewTable).focus()

    def action_mark_reviewed(self) -> None:
        page = self.page
        if page is None or self.view != "page":
            return
        from csdesk.services import handover as ho

        agent, page_id = self.agent, page.id
        self._write(lambda s: ho.mark_reviewed(s, agent, page_id), _("Marked as reviewed."))

    def action_refresh(self) -> None:
        self.message_text = ""
        self.reload()

    def worker_error(self, worker, line: str) -> None:
        """A worker failed (the error policy, screens/errors.py): the line on the status line, the screen usable.

        What was being typed is still in its draft: the dialog comes back with it at the next try.
        """
        if worker.group in ("ho-load", "ho-review"):
            self.busy = False
        elif worker.group == "ho-poll":
            self._polling = False
        self.app.bell()
        self._set_message(line)

    # ------------------------------------------------------------------ live: what others write
    def _poll(self) -> None:
        if self._polling or self.version is None or not self.is_current or self.busy:
            return
        self._polling = True
        self._check_changes(self.version)

    @work(thread=True, exclusive=True, group="ho-poll", exit_on_error=False)
    def _check_changes(self, version: int) -> None:
        from csdesk.services.changes import changes_since

        try:
            with self.app.db_read() as session:
                batch = changes_since(session, version, entities=WATCHED)
        except Exception:
            self._polling = False
            return
        self.post_message(self.Changed(batch.version if batch.changes else -1))

    def on_handover_screen_changed(self, message: Changed) -> None:
        self._polling = False
        if message.version < 0:
            return
        self.version = message.version
        if isinstance(self.app.screen, Screen) and self.app.screen is self:
            self.reload()


def today() -> date:
    from csdesk.clock import local_tz

    return _now().astimezone(local_tz()).date()
