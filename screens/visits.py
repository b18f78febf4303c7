"""Return visits (回访): the month's visits, their outcomes, coverage, and the refused-visit list.

Views (1–5): mine (my queue's and the pool's), due, overdue, done, all; 6 the
refused-visit list (拒访客户清单) the whole team sees.  Agents record the call's
outcome with one key: reached and satisfied (s), reached with a problem (p: a
new contact, and a new order or complaint if needed), busy (b: one more try
later, then not reached), refused with the customer's reason (f: the
refused-visit list).  The same visits are in the agents' intake queue as
call-backs.  Supervisors draw the month (D), give visits to an agent (a) and
lift a refused-list entry with a reason (L).  The month's coverage shows
beside the list; m picks another month.  All database work runs in thread
workers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from csdesk.clock import fmt
from csdesk.clock import now as utcnow
from csdesk.i18n import _
from screens.errors import WorkerErrors
from screens.widgets import DeskFooter, DeskHeader, ListView

HERE = Path(__file__).parent
VIEW_KEYS = (("mine", "1"), ("due", "2"), ("overdue", "3"), ("done", "4"), ("all", "5"), ("refused", "6"))
REFRESH_SECONDS = 30.0


def view_label(view: str) -> str:
    return {"mine": _("Mine"), "due": _("Still to do"), "overdue": _("Overdue"), "done": _("Finished visits"),
            "all": _("All"), "refused": _("Refused-visit list")}[view]


def visit_prompt(row, at) -> Text:
    from csdesk.domain import VisitStatus
    from csdesk.services.visits import reasons_text

    text = Text(no_wrap=True, overflow="ellipsis")
    if row.is_open:
        late = row.due_at < at
        text.append(f"{fmt(row.due_at, '%m-%d')} ", style="bold red" if late else "bold green")
    else:
        text.append(f"{fmt(row.done_at, '%m-%d')} ", style="dim")
    text.append(f"{VisitStatus(row.status).label} ", style="cyan")
    if row.is_open and row.retry_at is not None:  # busy once: when the customer is tried again
        text.append(_("retry at {when}").format(when=fmt(row.retry_at, "%m-%d %H:%M")) + " ",
                    style="bold red" if row.retry_at < at else "bold yellow")
    text.append(f"{row.order_number} ", style="bold")
    text.append(f"{row.customer_name} {row.phone} {row.unit_key} ")
    text.append(f"[{row.owner_staff_no or _('pool')}] ", style="dim")
    text.append(reasons_text(",".join(row.reasons)), style="yellow")
    return text


def refused_prompt(entry) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{fmt(entry.recorded_at, '%Y-%m-%d')} ", style="dim")
    if not entry.active:
        text.append(_("lifted") + " ", style="green")
    text.append(f"{entry.customer_name or '—'} {entry.unit_key} {entry.phone} ", style="bold")
    text.append(entry.reason, style="red" if entry.active else "dim")
    if entry.lifted_at:
        text.append(f"  ({entry.lifted_by}: {entry.lift_reason})", style="dim")
    return text


class VisitsScreen(ListView, WorkerErrors, Screen):
    STATUS = "#vs-status"  # ListView's status line
    CSS_PATH = [HERE / "visits.tcss", HERE / "desk_dialogs.tcss"]
    BINDINGS = [
        *[Binding(key, f"view('{view}')", view_label(view), id=f"visits.view.{view}") for view, key in VIEW_KEYS],
        Binding("s", "outcome('satisfied')", _("Satisfied"), id="visits.satisfied"),
        Binding("p", "outcome('problem')", _("Problem"), id="visits.problem"),
        Binding("b", "outcome('busy')", _("Busy"), id="visits.busy"),
        Binding("f", "outcome('refused')", _("Refused"), id="visits.refused"),
        Binding("m", "month", _("Month"), id="visits.month"),
        Binding("D", "draw", _("Draw the month"), id="visits.draw"),
        Binding("a", "assign", _("Assign"), id="visits.assign"),
        Binding("L", "lift", _("Lift entry"), id="visits.lift"),
        Binding("ctrl+r", "refresh", _("Refresh"), id="visits.refresh"),
    ]

    class Loaded(Message):
        def __init__(self, seq: int, rows: list, coverage: Any, error: str = "") -> None:
            super().__init__()
            self.seq, self.rows, self.coverage, self.error = seq, rows, coverage, error

    def __init__(self) -> None:
        super().__init__()
        from csdesk.services.visits import month_of

        self.view = "mine"  # a supervisor starts on every visit still to do (on_mount)
        self.month = month_of(utcnow())
        self.rows: list = []
        self.coverage = None
        self.fetching = True  # until the first page is in
        self._seq = 0

    def compose(self) -> ComposeResult:
        yield DeskHeader()
        yield Static("", id="vs-views")
        with Horizontal(id="vs-main"):
            yield OptionList(id="vs-list")
            with VerticalScroll(id="vs-side"):
                yield Static("", id="vs-coverage", markup=False)
        yield Static("", id="vs-status", markup=False)
        yield DeskFooter()

    def on_mount(self) -> None:
        self.query_one(DeskHeader).title = _("Return visits")
        if self.app.agent is not None and self.app.agent.is_supervisor:
            self.view = "due"
        self._show_views()
        self.reload()
        self.set_interval(REFRESH_SECONDS, self.reload)
        self.query_one("#vs-list", OptionList).focus()

    def on_screen_resume(self) -> None:
        self.reload()

    def _show_views(self) -> None:
        text = Text()
        text.append(f" {self.month} ", style="bold")
        for view, key in VIEW_KEYS:
            text.append(f" {key} {view_label(view)} ", style="bold reverse" if view == self.view else "")
        self.query_one("#vs-views", Static).update(text)

    def load_argument(self) -> str:
        return self.month

    # ------------------------------------------------------------------ loading

    @work(thread=True, exclusive=True, group="visits-list", exit_on_error=False)
    def _load(self, seq: int, view: str, month: str) -> None:
        from csdesk.services import visits as svc

        with self.app.db_read() as session:
            if view == "refused":
                rows = svc.refused_list(session, self.app.agent, include_lifted=True)
            else:
                rows = svc.list_visits(session, self.app.agent, view, month=month)
            coverage = svc.coverage(session, month)
        self.post_message(self.Loaded(seq, rows, coverage))

    def on_visits_screen_loaded(self, message: Loaded) -> None:
        if message.seq != self._seq or not self.app.is_running or not self.is_attached:
            return  # stale, or the console is closing
        self.fetching = False
        if message.error:
            self.status(message.error, error=True)
            return
        olist = self.query_one("#vs-list", OptionList)
        keep = olist.highlighted_option.id if olist.highlighted_option is not None else None
        keep_at = olist.highlighted or 0
        self.rows = message.rows
        at = utcnow()
        if self.view == "refused":
            options = [Option(refused_prompt(e), id=f"r{e.id}") for e in self.rows]
        else:
            options = [Option(visit_prompt(r, at), id=f"v{r.id}") for r in self.rows]
        if not options:
            options = [Option(Text(_("Nothing here."), style="dim"), id="none", disabled=True)]
        olist.set_options(options)
        ids = [o.id for o in options]
        if keep in ids:
            olist.highlighted = ids.index(keep)
        elif self.rows:  # the visit just finished left the view: the next one takes its place, not the top
            olist.highlighted = min(keep_at, len(options) - 1)
        self.coverage = message.coverage
        self._show_coverage()

    def _show_coverage(self) -> None:
        from csdesk.services.visits import coverage_lines

        c = self.coverage
        text = Text()
        text.append(_("Coverage {month}").format(month=self.month) + "\n", style="bold underline")
        if c is None or c.drawn_at is None:
            text.append(_("Not drawn yet.") + "\n", style="yellow")
            from csdesk.domain.policy import Act, may

            if may(self.app.agent, Act.DRAW_VISITS):
                text.append(_("D draws the month.") + "\n", style="dim")
        else:
            for label, value in coverage_lines(c):
                style = "red" if label == _("Overdue") and c.overdue else ""
                text.append(f"{label}: ", style="bold")
                text.append(f"{value}\n", style=style)
        self.query_one("#vs-coverage", Static).update(text)

    def selected(self):
        olist = self.query_one("#vs-list", OptionList)
        option = olist.highlighted_option
        if option is None or option.id in (None, "none"):
            return None
        wanted = int(option.id[1:])
        return next((r for r in self.rows if r.id == wanted), None)

    # ------------------------------------------------------------------ actions
    def action_view(self, view: str) -> None:
        self.view = view
        self._show_views()
        self.reload()

    def action_refresh(self) -> None:
        self.reload()

    def _refuse(self, text: str) -> None:
        self.status(text, error=True)
        self.app.bell()

    def action_outcome(self, outcome: str) -> None:
        row = self.selected()
        if self.view == "refused" or row is None:
            self._refuse(_("Choose a visit first."))
            return
        if not row.is_open:
            self._refuse(_("That visit is finished."))
            return
        from screens.desk_dialogs import StepScreen

        agent, settings, visit_id = self.app.agent, self.app.settings, row.id

        def save(session, values):
            from csdesk.services.visits import record_outcome

            return record_outcome(session, agent, visit_id, outcome, note=values.get("text", ""),
                                  follow_up=values.get("choice", "none"), settings=settings)

        context = f"{row.order_number} · {row.customer_name} {row.phone} · {fmt(row.completed_at, '%m-%d %H:%M')}"
        draft_key = f"v{row.id}:{outcome}"  # what is typed is kept over a killed terminal, per visit and outcome
        if outcome == "satisfied":
            dialog = StepScreen(_("Reached: the customer is satisfied"), save, text_label=_("What the customer said (optional)"),
                                multi=False, with_time=False, context=context, draft_key=draft_key)
        elif outcome == "problem":
            dialog = StepScreen(_("Reached: the customer has a problem"), save,
                                text_label=_("What the customer says is wrong"), with_time=False, context=context,
                                choices=[("order", _("open a new work order")), ("complaint", _("file a complaint")),
                                         ("none", _("nothing more (noted)"))], choice_label=_("What follows"),
                                draft_key=draft_key)
        elif outcome == "busy":
            if row.status == "retry":  # the second try: say so, with the first try's time and note
                second = _("Second try (the first was busy; retry due {when}). Busy again: the visit closes as "
                           "not reached.").format(when=fmt(row.retry_at, "%m-%d %H:%M") if row.retry_at else "—")
                if row.note:
                    second += "\n" + _("First try: {note}").format(note=row.note.splitlines()[0][:120])
            else:
                second = _("One more try later; then not reached.")
            dialog = StepScreen(_("The customer is busy"), save, text_label=_("Note (optional)"), multi=False,
                                with_time=False, context=context + "\n" + second, draft_key=draft_key)
        else:
            dialog = StepScreen(_("The customer refuses the visit"), save, text_label=_("The customer's reason"),
                                multi=False, with_time=False,
                                context=context + "\n" + _("The customer goes on the refused-visit list."),
                                draft_key=draft_key)
        self.app.push_screen(dialog, self._visit_done)

    def _visit_done(self, row) -> None:
        if row is None:
            return
        from csdesk.domain import VisitStatus

        extra = f" · {row.new_order_number}" if row.new_order_number else ""
        self.status(_("{order}: {status}").format(order=row.order_number, status=VisitStatus(row.status).label)
                    + extra)
        self.reload()

    def action_month(self) -> None:
        from screens.desk_dialogs import StepScreen

        def save(session, values):
            from csdesk.services.visits import parse_month

            return parse_month(values.get("text", ""))

        self.app.push_screen(StepScreen(_("Month"), save, text_label=_("YYYY-MM"), text=self.month, multi=False,
                                        with_time=False), self._month_chosen)

    def _month_chosen(self, month) -> None:
        if month:
            self.month = month
            self._show_views()
            self.reload()

    def _supervisor(self, act) -> bool:
        from csdesk.domain.policy import may

        if not may(self.app.agent, act):
            self._refuse(_("A supervisor's key."))
            return False
        return True

    def action_draw(self) -> None:
        from csdesk.domain.policy import Act

        if not self._supervisor(Act.DRAW_VISITS):
            return
        from screens.desk_dialogs import StepScreen

        agent, month = self.app.agent, self.month

        def save(session, values):
            from csdesk.services.visits import draw, queue_due

            info = draw(session, agent, month, pool=values.get("choice") == "pool")
            queue_due(session, actor=agent)
            return info

        from csdesk.clock import local_tz
        from csdesk.clock import now as clock_now

        context = _("Every order of the four kinds and 30 % of the rest, at random; a month is drawn once.")
        if month < clock_now().astimezone(local_tz()).strftime("%Y-%m"):  # a month that is over: say what follows
            context += "\n" + _("{month} is over: each visit is due the day after its order's completion, so all of "
                                 "them are overdue at once.").format(month=month)
        self.app.push_screen(StepScreen(_("Draw the return visits of {month}").format(month=month), save,
                                        choices=[("owner", _("each order's owner")), ("pool", _("a pool to assign"))],
                                        choice_label=_("Visits go to"), with_time=False, context=context),
                             self._drawn)

    def _drawn(self, info) -> None:
        if info is None:
            return
        self.status(_("{month}: {picked} visits drawn from {orders} orders (seed {seed}).").format(
            month=info.month, picked=info.picked, orders=info.population, seed=info.seed))
        self.reload()

    def action_assign(self) -> None:
        from csdesk.domain.policy import Act

        if not self._supervisor(Act.REASSIGN):
            return
        row = self.selected()
        if self.view == "refused" or row is None or not row.is_open:
            self._refuse(_("Choose a visit to do first."))
            return
        from screens.desk_dialogs import StepScreen

        agent, visit_id = self.app.agent, row.id

        def save(session, values):
            from csdesk.services.visits import assign

            return assign(session, agent, [visit_id], values.get("text", "").strip() or None)

        self.app.push_screen(StepScreen(_("Give the visit to"), save, text_label=_("Staff no. (empty: the pool)"),
                                        multi=False, with_time=False), lambda n: n is not None and self.reload())

    def action_lift(self) -> None:
        from csdesk.domain.policy import Act

        if not self._supervisor(Act.LIFT_REFUSAL):
            return
        entry = self.selected()
        if self.view != "refused" or entry is None or not entry.active:
            self._refuse(_("Choose an entry of the refused-visit list (6) first."))
            return
        from screens.desk_dialogs import StepScreen

        agent, entry_id = self.app.agent, entry.id

        def save(session, values):
            from csdesk.services.visits import lift

            return lift(session, agent, entry_id, values.get("text", ""))

        self.app.push_screen(StepScreen(_("Lift this entry"), save, text_label=_("Why the customer may be visited again"),
                                        multi=False, with_time=False, draft_key=f"rv{entry_id}:lift",
                                        context=f"{entry.customer_name} {entry.unit_key} · {entry.reason}"),
                             self._lifted)

    def _lifted(self, entry) -> None:
        if entry is not None:
            self.status(_("Lifted: {who} ({reason})").format(who=entry.customer_name or entry.unit_key,
                                                             reason=entry.lift_reason))
            self.reload()
