"""Return visits (回访): each past month's draw, its visits worked to their outcome, and the
refused-visit list.

The desk draws each month at its start (supervisor 2001, a stored seed), and its timer
(``csdesk tick`` from cron, every minute) adds every order completed since by the same rules,
as :func:`csdesk.services.visits.draw` and ``top_up_all`` do: the rules' own
:func:`~csdesk.domain.rules.top_up_visits`, batch by batch, with the draw's seed plus its batch
count and the running counts of the rest.  So each drawn month holds every completed repair order
of the four kinds, 30 % of the rest, and nobody on the refused-visit list at that minute.  The
current month is not drawn: a supervisor draws it in the demo (the visits view's ``D`` or
``csdesk visits draw``).  Until then its orders of the four kinds wait, done, for their visit;
the others close once the customer confirms the work.

A visit is due the day after its order's completion, by the regular shift's end; it enters its
owner's queue as a call-back at the first tick of that day (500 a tick, as ``queue_due``), and
the owner calls during their shift: reached and satisfied (the order closes), reached with a
problem (the call is a new contact in the register, with a new order or a complaint, linked),
busy or no answer (a retry an hour later, then not reached), refused (the customer goes on the
refused-visit list; a supervisor lifts a few entries later, with a reason).  A complaint about an
order already considered adds it to its month's draw, or adds "tied to a complaint" to its
visit (:func:`order_tied`, as ``order_tied_to_complaint``).

Completions are decided by the day step :func:`make_visits` at the end of the day they happen,
when every order completed that day is known, in the order the timer saw them; an order written
on an earlier day is closed with an ``UPDATE``.  The draws' rows are written last
(:func:`finish_visits`), with their final counts.
"""

from __future__ import annotations

import bisect
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial

from csdesk.demo.run import ContactInfo, DayRows, Run
from csdesk.demo.shape import (
    DAYS,
    STAFF,
    STAFF_BY_NO,
    STAND_IN,
    SUPERVISOR,
    VISIT_FIRST_CALL,
    VISIT_FORCED,
    VISIT_PROBLEM_FOLLOW_UP,
    VISIT_RETRY_CALL,
    VISIT_UNDONE_SHARE,
    weighted,
)
from csdesk.demo.texts import (
    LIFT_REASONS,
    ORDER_CLOSED_BY_VISIT,
    ORDER_CLOSED_CONFIRMED,
    REFUSAL_REASONS,
    VISIT_BUSY_NOTES,
    VISIT_CALLBACK_NOTE,
    VISIT_NO_ANSWER,
    VISIT_NOTES,
    VISIT_PROBLEMS,
    VISIT_PUBLIC_AREA,
    VISIT_REASONS_ZH,
)
from csdesk.domain import CallbackKind, CallbackResult, Channel, ComplaintSource, OrderStatus, Outcome, Role, Urgency
from csdesk.domain import VisitStatus as VS
from csdesk.domain.actor import SYSTEM
from csdesk.domain.rules import (
    RETRY_AFTER,
    RETURN_VISIT_SHARE,
    CompletedOrder,
    VisitReason,
    mandatory_visit_reasons,
    top_category,
    top_up_visits,
    visit_due,
    visit_result_status,
)

TICK = 60  # ``csdesk tick`` runs every minute (cron): orders join the draw, visits enter the queues
QUEUE_BATCH = 500  # visits put in the queues per tick at most (csdesk.services.visits.QUEUE_BATCH)
_NEVER = 1 << 62
_DONE, _CLOSED = OrderStatus.DONE.value, OrderStatus.CLOSED.value
_RETURN_VISIT, _RETRY = CallbackKind.RETURN_VISIT.value, CallbackKind.RETRY.value
_FINISHED = frozenset({VS.SATISFIED.value, VS.PROBLEM.value, VS.REFUSED.value, VS.UNREACHED.value})
_FIRST_CUM = weighted(VISIT_FIRST_CALL)
_RETRY_CUM = weighted(VISIT_RETRY_CALL)
_FOLLOW_UP_CUM = weighted(VISIT_PROBLEM_FOLLOW_UP)
# What a problem call is in the register: the topic, its outcome and (for a complaint) the complaint's source.
_PROBLEM_CONTACT = {
    "order": ("visit_issue", Outcome.WORK_ORDER.value),
    "complaint": ("quality", Outcome.ESCALATED.value),
    "none": ("visit_ok", Outcome.RESOLVED.value),
}
_CALL_RESULT = {"satisfied": CallbackResult.DONE, "busy": CallbackResult.BUSY,
                "no_answer": CallbackResult.NO_ANSWER, "refused": CallbackResult.REFUSED}


# --------------------------------------------------------------------------- state


@dataclass
class Draw:
    """A month's draw as ``visitdraw`` holds it, its counts kept up to date batch by batch."""

    id: int
    month: str
    seed: int
    drawn_at: int
    drawn_by: int
    start: int  # the month's first midnight
    end: int  # the next month's first midnight
    considered_until: int
    population: int = 0
    rest: int = 0
    sampled: int = 0
    picked: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    top_ups: int = 0

    def row(self, run: Run) -> dict:
        return run.row("visitdraw", id=self.id, month=self.month, seed=self.seed, share=RETURN_VISIT_SHARE,
                       drawn_at=run.ts(self.drawn_at), drawn_by_id=self.drawn_by, pool=False,
                       considered_until=run.ts(self.considered_until), population=self.population, rest=self.rest,
                       sampled=self.sampled, picked=self.picked, kinds=json.dumps(self.kinds, sort_keys=True),
                       top_ups=self.top_ups)


@dataclass(slots=True)
class Completed:
    """An order completed in a drawn month, waiting for the tick that considers it."""

    at: int
    wo: dict
    repair: bool  # in the draw's population (other orders only make the tick run)
    created: date  # the day its row is written with
    confirm: int  # when the customer confirmed the work (the order closes then, unless visited)
    staff_no: str  # its owner
    keep_done: bool  # the scenario keeps it done


@dataclass(slots=True)
class Considered:
    """The last order of a customer the draw has considered (a complaint may name it later)."""

    order_id: int
    tick: int
    draw: Draw
    done: Completed


@dataclass
class Visit:
    row: dict
    callbacks: list[dict]
    done: Completed
    written: bool = False
    finish: int | None = None  # when the visit finished (a problem call: set by its contact)
    caller: str = ""
    complaint: dict | None = None  # a problem call's complaint (its number is known at the day's end)
    closes_order: bool = True


class VisitState:
    """What the visits of one run share (kept on ``run.kept["visits"]``)."""

    def __init__(self, run: Run):
        self.rng = rng = random.Random(f"{run.seed}/visits") if run.seed is not None else random.Random()
        r = rng.random
        self.ri = lambda low, high: low + int(r() * (high - low + 1))  # as Run's cheap draws
        self.pick = lambda seq: seq[int(r() * len(seq))]
        self.today = run.local_day(run.now)
        self.first_day = self.today - timedelta(days=DAYS - 1)
        self.regular = run.ref.regular
        self.draws: dict[str, Draw] = {}
        month = self.first_day.replace(day=1)
        this_month = self.today.replace(day=1)
        while month < this_month:
            nxt = (month + timedelta(days=32)).replace(day=1)
            start = run.midnight(month)
            drawn_at = start + 9 * 3600 + self.ri(5 * 60, 40 * 60)
            self.draws[f"{month:%Y-%m}"] = Draw(run.ids("visitdraw"), f"{month:%Y-%m}", rng.randrange(2**31),
                                                drawn_at, run.agents[SUPERVISOR], start, run.midnight(nxt), start - 1)
            month = nxt
        for d in self.draws.values():
            if d.drawn_at < run.midnight(self.first_day):  # drawn before the register's first day: nothing yet
                d.top_ups, d.considered_until = 1, d.drawn_at
        self.last_month = max(self.draws) if self.draws else None
        self.pending: dict[int, list[Completed]] = {}  # completions by their day's midnight, for the day step
        self.ties: dict[int, list[tuple[int, int, int | None]]] = {}  # (when, order, customer) by day: orders named
        self.due: dict[int, tuple[date, int, int]] = {}  # completion day's midnight -> (visit day, due, its midnight)
        self.tied: dict[int, int] = {}  # order id -> when a complaint first named it
        self.tech_complaints: dict[str, tuple[list[int], list[tuple[int, int, datetime]]]] = {}  # name ->
        # (when each was made, in order; (made, on record from, made as a time))
        self.refused: dict[int, list[tuple[int, int]]] = {}  # customer id -> (on the list from, until)
        self.considered: dict[int, Considered] = {}  # customer id -> the last order considered
        self.visits: dict[int, Visit] = {}  # order id -> its visit
        self.settle: dict[date, list[Visit]] = {}  # visits finished by a problem call that day
        self.queued: dict[int, int] = {}  # queue tick -> visits queued in it so far
        self.wanted = [list(script) for script in VISIT_FORCED]  # outcomes the last drawn month shows
        self.last_tech: dict[int, str] = {}  # customer id -> technician of their last completed order
        self.lifted_one = False
        self.updates: list[tuple] = []  # (status, closed_at, id) of orders written on an earlier day
        self._drawn_days: dict[int, bool] = {}

    def drawn(self, run: Run, midnight: int) -> bool:
        """Whether the day starting at ``midnight`` is in a drawn month."""
        drawn = self._drawn_days.get(midnight)
        if drawn is None:
            drawn = self._drawn_days[midnight] = any(d.start <= midnight < d.end for d in self.draws.values())
        return drawn

    def is_refused(self, customer_id: int | None, at: int) -> bool:
        spans = self.refused.get(customer_id) if customer_id is not None else None
        return bool(spans) and any(a <= at < b for a, b in spans)

    def tech_times(self, name: str, completed: int, at: int) -> tuple[datetime, ...]:
        """When ``name`` was last complained about before ``completed``, as the draw at ``at`` reads the
        complaints (the rule looks for one in the six months before the order: the last is enough)."""
        found = self.tech_complaints.get(name)
        if not found:
            return ()
        times, made = found
        k = bisect.bisect_right(times, completed)
        while k > 0:
            k -= 1
            if made[k][1] < at:
                return (made[k][2],)
        return ()


def _state(run: Run) -> VisitState:
    st = run.kept.get("visits")
    if st is None:
        st = run.kept["visits"] = VisitState(run)
    return st


# --------------------------------------------------------------------------- what other steps tell us


def order_completed(run: Run, wo: dict, info: ContactInfo, completed: int) -> tuple[int, int | None]:
    """An order was completed: (when the customer confirms the work, when the order closes).

    The close is None when it waits: an order of a drawn month waits for the tick that
    considers it (:func:`make_visits` decides), one of this month of the four kinds for its
    visit; the others close once confirmed.
    """
    st = _state(run)
    confirm = completed + st.ri(3600, 20 * 3600)
    day = run.midnight_of(completed)
    tech = wo["completed_by"] or wo["assignee"]
    cust = wo["customer_id"]
    if cust is not None and tech:
        st.last_tech[cust] = tech
    repair = top_category(wo["category"]) == "repair"
    if st.drawn(run, day):
        st.pending.setdefault(day, []).append(Completed(completed, wo, repair, run.day.day, confirm, info.staff_no,
                                                        info.spec.get("order_status") == _DONE))
        return confirm, (None if repair else confirm)
    if not repair or st.is_refused(cust, completed):
        return confirm, confirm
    known = completed + 1
    kinds = mandatory_visit_reasons(CompletedOrder(
        wo["id"], datetime.fromtimestamp(completed, UTC), st.tied.get(wo["id"], _NEVER) < known, bool(wo["paid"]),
        None, st.tech_times(tech, completed, known)))
    return confirm, (None if kinds else confirm)


def order_tied(run: Run, order_id: int | None, customer_id: int | None, at: int) -> None:
    """A complaint names the order (of ``customer_id``) from ``at`` on: filed about it, or the order
    added to the record."""
    if order_id is None:
        return
    st = _state(run)
    st.tied[order_id] = min(at, st.tied.get(order_id, _NEVER))
    st.ties.setdefault(run.midnight_of(at), []).append((at, order_id, customer_id))


def technician_complained(run: Run, name: str, complained: int, known: int) -> None:
    """A complaint made at ``complained`` about technician ``name``, on record from ``known``."""
    if name:
        times, made = _state(run).tech_complaints.setdefault(name, ([], []))
        k = bisect.bisect_right(times, complained)  # (made in time order, but for paper records entered later)
        times.insert(k, complained)
        made.insert(k, (complained, known, datetime.fromtimestamp(complained, UTC)))


def last_technician(run: Run, customer_id: int | None) -> str:
    return _state(run).last_tech.get(customer_id, "") if customer_id is not None else ""


# --------------------------------------------------------------------------- the refused-visit list before the 90 days


def make_refused_history(run: Run) -> None:
    """Customers who refused return visits before the register's 90 days (a few since lifted)."""
    st = _state(run)
    rng = st.rng
    cust = run.customers
    old = [i for i in range(cust.old)] if cust.old else []
    if not old:
        return
    count = max(3, len(cust) // 250)
    recorders = [s.staff_no for s in STAFF if s.role == Role.AGENT and s.hired > DAYS + 400 and s.left is None]
    rows = []
    for k, ci in enumerate(rng.sample(old, min(count, len(old)))):
        recorded = max(cust.created[ci] + 86400, run.now - rng.randint(DAYS + 20, DAYS + 400) * 86400)
        recorded = _at_hours(run, recorded, 10 * 3600, 17 * 3600, rng)
        row = _refusal(run, st, cust.id[ci], cust.unit_key[ci], cust.phones[ci][0], cust.name[ci],
                       st.pick(REFUSAL_REASONS), recorded, run.agents[rng.choice(recorders)],
                       lift=k == 0 or (k > 1 and rng.random() < 0.25))
        rows.append(row)
    run.write("refusedvisit", rows)


def _refusal(run: Run, st: VisitState, customer_id, unit_key: str, phone: str, name: str, reason: str,
             at: int, by: int, *, lift: bool | None = None) -> dict:
    """An entry of the refused-visit list; a supervisor lifts some of them later, with a reason."""
    rng = st.rng
    row = run.row("refusedvisit", id=run.ids("refusedvisit"), customer_id=customer_id, unit_key=unit_key, phone=phone,
                  reason=reason, recorded_at=run.ts(at), recorded_by_id=by, active=True, customer_name=name)
    until = _NEVER
    age_days = (run.now - at) // 86400
    if lift is None:
        lift = age_days > 12 and (rng.random() < 0.2 or not st.lifted_one)
    if lift and age_days > 3:
        lifted = _at_hours(run, at + rng.randint(3, min(age_days - 1, 40)) * 86400, 10 * 3600, 17 * 3600, rng)
        if lifted < run.now - 3600:
            until = lifted
            st.lifted_one = True
            row.update(active=False, lifted_at=run.ts(lifted), lifted_by_id=run.agents[SUPERVISOR],
                       lift_reason=rng.choice(LIFT_REASONS))
    if customer_id is not None:
        st.refused.setdefault(customer_id, []).append((at, until))
    return row


def _at_hours(run: Run, epoch: int, start: int, end: int, rng: random.Random) -> int:
    """A moment of ``epoch``'s local day between ``start`` and ``end`` seconds after midnight."""
    return run.midnight(run.local_day(epoch)) + rng.randint(start, end)


# --------------------------------------------------------------------------- the day step


def make_visits(run: Run, rows: DayRows) -> None:
    """Day step: the ticks of the day (orders completed that day join their month's draw; the picked
    ones get their visit and its calls; the rest close once confirmed), the complaints naming orders
    already considered, and the visits whose problem call was made today."""
    st = _state(run)
    day = rows.day
    for v in st.settle.pop(day, ()):
        _settle_problem(run, st, v, rows)
    d = st.draws.get(f"{day:%Y-%m}")
    done = st.pending.pop(rows.midnight, [])
    if d is not None:
        batches: dict[int, list[Completed]] = {}
        for c in done:
            tick = d.drawn_at if c.at <= d.drawn_at else (c.at // TICK + 1) * TICK
            batches.setdefault(tick, []).append(c)
        if d.top_ups == 0 and rows.midnight <= d.drawn_at < rows.midnight + 86400:
            batches.setdefault(d.drawn_at, [])  # the draw itself, orders or not
        for tick in sorted(batches):
            _batch(run, st, d, tick, batches[tick], rows)
    for at, order_id, customer_id in st.ties.pop(rows.midnight, ()):
        _tied_after(run, st, at, order_id, customer_id, rows)
    _flush_updates(run, st)


def _flush_updates(run: Run, st: VisitState) -> None:
    if st.updates:
        run.sink.emit("UPDATE workorder SET status = ?, closed_at = ? WHERE id = ?", st.updates)
        st.updates = []


def _batch(run: Run, st: VisitState, d: Draw, tick: int, batch: list[Completed], rows: DayRows) -> None:
    """One tick's top-up of the draw (the draw itself the first time), as ``csdesk.services.visits._add``."""
    until = min(tick, d.end - 1)
    first = d.top_ups == 0 and d.population == 0
    repair = sorted((c for c in batch if c.repair), key=lambda c: c.wo["id"])
    orders = []
    for c in repair:
        wo = c.wo
        tech = wo["completed_by"] or wo["assignee"]
        orders.append(CompletedOrder(wo["id"], datetime.fromtimestamp(c.at, UTC), st.tied.get(wo["id"], _NEVER) < tick,
                                     bool(wo["paid"]), None, st.tech_times(tech, c.at, tick),
                                     st.is_refused(wo["customer_id"], tick)))
    result = top_up_visits(orders, d.seed + d.top_ups, rest_before=d.rest, sampled_before=d.sampled,
                           share=RETURN_VISIT_SHARE)
    for reasons in result.picked.values():
        for reason in reasons:
            if reason is not VisitReason.SAMPLE:
                d.kinds[reason.value] = d.kinds.get(reason.value, 0) + 1
    d.considered_until = until
    d.population += len(orders)
    d.rest = result.rest
    d.sampled = result.sampled
    d.top_ups += 1
    for c in repair:
        wo = c.wo
        if wo["customer_id"] is not None:
            st.considered[wo["customer_id"]] = Considered(wo["id"], tick, d, c)
        reasons = result.picked.get(wo["id"])
        if reasons:
            d.picked += 1
            _make_visit(run, st, d, c, ",".join(r.value for r in reasons), not first, tick, rows)
        elif not c.keep_done and c.confirm <= run.now:
            _close_order(run, st, c, c.confirm, ORDER_CLOSED_CONFIRMED, c.staff_no, rows)


def _tied_after(run: Run, st: VisitState, at: int, order_id: int, customer_id: int | None, rows: DayRows) -> None:
    """A complaint names an order at ``at``: its visit is "tied to a complaint" now; an order considered
    and not picked joins its month's draw late (``csdesk.services.visits.order_tied_to_complaint``)."""
    v = st.visits.get(order_id)
    if v is not None:
        reasons = [r for r in v.row["reasons"].split(",") if r]
        if VisitReason.COMPLAINT.value not in reasons:
            v.row["reasons"] = ",".join([VisitReason.COMPLAINT.value,
                                         *[r for r in reasons if r != VisitReason.SAMPLE.value]])
            if v.written:
                run.sink.emit("UPDATE returnvisit SET reasons = ? WHERE id = ?", [(v.row["reasons"], v.row["id"])])
        return
    c = st.considered.get(customer_id) if customer_id is not None else None
    if c is None or c.order_id != order_id or c.tick > at or st.is_refused(customer_id, at):
        return  # not considered yet: the tick that considers it finds the complaint
    d = c.draw
    d.kinds[VisitReason.COMPLAINT.value] = d.kinds.get(VisitReason.COMPLAINT.value, 0) + 1
    d.picked += 1
    _make_visit(run, st, d, c.done, VisitReason.COMPLAINT.value, True, (at // TICK + 1) * TICK, rows, late_tie=True)


# --------------------------------------------------------------------------- one visit


def _call_window(run: Run, staff_no: str) -> tuple[int, int]:
    shift = STAFF_BY_NO[staff_no].shift if staff_no in STAFF_BY_NO else "day"
    start, end = run.ref.shifts[shift]
    if end <= start:
        end += 86400
    return start + 10 * 60, end - 15 * 60


def _call_at(run: Run, st: VisitState, staff_no: str, not_before: int) -> int:
    """When ``staff_no`` makes a call that cannot come before ``not_before``: in their shift, that day or the next."""
    start, end = _call_window(run, staff_no)
    midnight = run.midnight_of(not_before)
    for _k in range(3):
        low = max(not_before, midnight + start)
        if low < midnight + end:
            return low + st.ri(0, min(3 * 3600, midnight + end - low))
        midnight = run.midnight_of(midnight + 26 * 3600)
    return not_before


def _script(st: VisitState, month: str, customer: bool) -> tuple[list[str], bool]:
    """The calls of a visit, by their result; True when it is one the demo must show."""
    rng = st.rng
    if not customer:
        return ["public"], False
    if month == st.last_month and st.wanted:
        return st.wanted.pop(0), True
    if rng.random() < VISIT_UNDONE_SHARE:
        return [], False  # never called: still in the owner's queue, overdue
    first = _draw(rng, _FIRST_CUM)
    script = [first]
    if first in ("busy", "no_answer"):
        script.append(_draw(rng, _RETRY_CUM))
    return [f"problem:{_draw(rng, _FOLLOW_UP_CUM)}" if s == "problem" else s for s in script], False


def _draw(rng: random.Random, values_cum) -> str:
    values, cum = values_cum
    return values[bisect.bisect(cum, rng.random() * cum[-1])]


def _make_visit(run: Run, st: VisitState, d: Draw, c: Completed, reasons: str, late: bool, tick: int,
                rows: DayRows, *, late_tie: bool = False) -> None:
    """The visit of order ``c`` (picked at ``tick``), its call-backs, its calls and what came of them."""
    now = run.now
    wo = c.wo
    tz = run.tz
    day = run.midnight_of(c.at)
    if day not in st.due:  # the rule's day, by the regular shift's end
        due_day = visit_due(datetime.fromtimestamp(c.at, tz))
        st.due[day] = (due_day, int(datetime.combine(due_day, st.regular.end, tzinfo=tz).timestamp()),
                       run.midnight(due_day))
    due_day, due, due_midnight = st.due[day]
    caller = c.staff_no
    if caller in run.left_at and run.left_at[caller] <= max(due_midnight, tick):
        caller = STAND_IN  # the supervisor gave the visits of staff who left to a stand-in
    caller_id = run.agents[caller]
    queue_tick = max(-(-tick // TICK) * TICK, due_midnight)
    n = st.queued.get(queue_tick, 0)
    st.queued[queue_tick] = n + 1
    queued = queue_tick + TICK * (n // QUEUE_BATCH)
    cust = wo["customer_id"]
    vid = run.ids("returnvisit")
    row = run.row("returnvisit", id=vid, draw_id=d.id, work_order_id=wo["id"], customer_id=cust,
                  completed_at=run.ts(c.at), reasons=reasons, late=late, due_at=run.ts(due), owner_id=caller_id,
                  status=VS.DUE.value, attempts=0, note="")
    v = Visit(row, [], c, caller=caller, closes_order=not (late_tie or c.keep_done))
    st.visits[wo["id"]] = v
    if queued > now:  # not in a queue yet (due tomorrow)
        _write(run, v, rows)
        return
    row["queued_at"] = run.ts(queued)
    when = due_day.fromordinal(due_day.toordinal() - 1).strftime("%m-%d")  # the completion's day
    why = "、".join(VISIT_REASONS_ZH.get(r, r) for r in reasons.split(","))
    cb = run.row("callback", id=run.ids("callback"), kind=_RETURN_VISIT, due_at=run.ts(due), agent_id=caller_id,
                 customer_id=cust, customer_name=wo["customer_name"], phone=wo["phone"], contact_id=wo["contact_id"],
                 work_order_id=wo["id"], note=VISIT_CALLBACK_NOTE.format(number=wo["number"], when=when, why=why),
                 created_at=run.ts(queued), created_by_id=SYSTEM.id, visit_id=vid, attempts=0)
    v.callbacks.append(cb)
    month = d.month
    script, forced = _script(st, month, cust is not None)
    not_before = queued + 5 * 60
    if late_tie:  # after the customer confirmed the work (the order closed then)
        not_before = max(not_before, c.confirm + 600)
    t = _call_at(run, st, caller, not_before)
    if forced and not _feasible(run, script, t):
        st.wanted.insert(0, script)
        script = ["satisfied"]
    for attempt, result in enumerate(script, 1):
        if t > now - 120 or (c.keep_done and result != "public"):
            break
        if result.startswith("problem:"):
            if not _problem_call(run, st, v, result.split(":", 1)[1], t, attempt):
                result = "satisfied"
            else:
                return  # finished by its contact: written with that day
        if result == "public":
            _call(run, v, attempt, CallbackResult.DONE, VISIT_PUBLIC_AREA, t, caller_id)
            _finish(run, st, v, VS.SATISFIED.value, t, rows)
            break
        res = _CALL_RESULT[result]
        note = (st.pick(VISIT_NOTES) if result == "satisfied" else st.pick(REFUSAL_REASONS) if result == "refused"
                else st.pick(VISIT_BUSY_NOTES) if result == "busy" else VISIT_NO_ANSWER)
        _call(run, v, attempt, res, note, t, caller_id)
        status = visit_result_status(res, attempt).value
        row["status"] = status
        if result == "refused":
            entry = _refusal(run, st, cust, _unit_of(run, cust), wo["phone"], wo["customer_name"], note, t, caller_id)
            rows.refused.append(entry)
            row["refused_visit_id"] = entry["id"]
        if status in _FINISHED:
            _finish(run, st, v, status, t, rows)
            break
        # busy or no answer: one more try an hour later (csdesk.services.callbacks.close_callback)
        retry = run.row("callback", **{**cb, "id": run.ids("callback"), "kind": _RETRY, "due_at": run.ts(t + _RETRY_S),
                                       "created_at": run.ts(t), "created_by_id": caller_id, "attempts": attempt,
                                       "done_at": None, "done_by_id": None, "result": "", "result_note": ""})
        v.callbacks.append(retry)
        cb = retry
        t = _call_at(run, st, caller, t + _RETRY_S + st.ri(0, 2 * 3600))
    _write(run, v, rows)


_RETRY_S = int(RETRY_AFTER.total_seconds())


def _feasible(run: Run, script: list[str], t: int) -> bool:
    """A script the demo must show can be played out by now (and its problem call has a slot)."""
    if t > run.now - 2 * 86400:
        return False
    problem = any(s.startswith("problem:") for s in script)
    return not problem or run.kept.get("free_slots", {}).get(run.local_day(t), 0) > 0


def _unit_of(run: Run, customer_id: int | None) -> str:
    if customer_id is None:
        return ""
    cust = run.customers
    return cust.unit_key[customer_id - cust.id[0]]


def _call(run: Run, v: Visit, attempt: int, result: CallbackResult, note: str, at: int | None, by: int) -> None:
    """The call-back of ``attempt`` closed with ``result`` (``at`` None: set when its contact is made)."""
    cb = v.callbacks[-1]
    cb.update(done_at=run.ts(at) if at is not None else None, done_by_id=by, result=result.value, result_note=note,
              attempts=attempt)
    v.row["attempts"] = attempt
    if note:
        v.row["note"] = note


def _finish(run: Run, st: VisitState, v: Visit, status: str, at: int, rows: DayRows) -> None:
    """A visit finished: the order closes after it (``csdesk.services.visits._close_order``)."""
    v.row.update(status=status, done_at=run.ts(at), done_by_id=run.agents[v.caller])
    v.finish = at
    if v.closes_order and at <= run.now:
        note = ORDER_CLOSED_BY_VISIT.format(outcome=VS(status).zh)
        who = v.caller if run.agents[v.caller] == v.done.wo["owner_id"] else None  # else: the system's move
        _close_order(run, st, v.done, at, note, who, rows)


def _close_order(run: Run, st: VisitState, c: Completed, at: int, note: str, staff_no: str | None,
                 rows: DayRows) -> None:
    wo = c.wo
    ts = run.ts(at)
    if c.created == rows.day:  # its row is this day's: not written yet
        wo["status"] = _CLOSED
        wo["closed_at"] = ts
    else:
        st.updates.append((_CLOSED, ts, wo["id"]))
    rows.events.append(run.row("workorderevent", id=run.ids("workorderevent"), work_order_id=wo["id"], at=ts,
                               agent_id=run.agents[staff_no] if staff_no else SYSTEM.id,
                               staff_no=staff_no or SYSTEM.staff_no, from_status=_DONE, to_status=_CLOSED, note=note))


def _write(run: Run, v: Visit, rows: DayRows) -> None:
    rows.add("returnvisit", v.row)
    rows.callbacks.extend(v.callbacks)
    v.written = True


# --------------------------------------------------------------------------- a problem found on the visit


def _problem_call(run: Run, st: VisitState, v: Visit, follow_up: str, at: int, attempt: int) -> bool:
    """The call found a problem: it goes into the register on its day (a contact in a slot of that
    day, with a new order or a complaint); False when that day has no slot left."""
    day = run.local_day(at)
    free = run.kept.get("free_slots", {})
    made = run.day.day if run.day is not None else None  # that day's contacts are made already
    if v.row["customer_id"] is None or free.get(day, 0) <= 0 or day > st.today or (made and day <= made):
        return False
    free[day] -= 1
    wo = v.done.wo
    cust = run.customers
    topic, outcome = _PROBLEM_CONTACT[follow_up]
    summary = st.pick(VISIT_PROBLEMS[follow_up])
    spec = {"topic": topic, "channel": Channel.OUTBOUND.value, "urgency": Urgency.NORMAL.value, "outcome": outcome,
            "agent": v.caller, "summary": summary, "customer": wo["customer_id"] - cust.id[0],
            "parent_callback": v.callbacks[-1]["id"], "after": partial(_problem_contact, v)}
    if follow_up == "complaint":
        tech = wo["completed_by"] or wo["assignee"] or ""
        spec.update(complaint_source=ComplaintSource.RETURN_VISIT.value, complaint_order=(wo["id"], wo["number"]),
                    about_technician=tech if tech in run.complained_technicians() else "")
    run.calls.setdefault(day, []).append((at, spec))
    _call(run, v, attempt, CallbackResult.DONE, summary, None, run.agents[v.caller])
    v.row["status"] = VS.PROBLEM.value  # said so, even with nothing more to open
    v.finish = at  # until its contact says when the call ended
    st.settle.setdefault(day, []).append(v)
    return True


def _problem_contact(v: Visit, run: Run, info: ContactInfo, c: dict, wo: dict | None, cp: dict | None) -> None:
    """The problem call's contact was made: link it (and its order or complaint) to the visit."""
    v.row["contact_id"] = c["id"]
    if wo is not None:
        v.row["new_order_id"] = wo["id"]
    v.complaint = cp
    v.finish = info.ended
    v.callbacks[-1]["done_at"] = c["ended_at"]


def _settle_problem(run: Run, st: VisitState, v: Visit, rows: DayRows) -> None:
    if v.complaint is not None:
        v.row["note"] += f"\n投诉 {v.complaint['number']}"
    status = v.row["status"]
    _finish(run, st, v, status, v.finish, rows)
    v.row["status"] = status
    _write(run, v, rows)


# --------------------------------------------------------------------------- the end


def finish_visits(run: Run) -> None:
    """The draws, with their final counts; visits still waiting for a problem call's day (none when
    every day was made)."""
    st = _state(run)
    for day in sorted(st.settle):
        for v in st.settle.pop(day):
            if not v.written:
                rows = DayRows(day, run.midnight(day), 0, f"{day:%Y%m%d}")
                _settle_problem(run, st, v, rows)
                for table, table_rows in rows.tables():
                    run.write(table, table_rows)
    _flush_updates(run, st)
    run.write("visitdraw", [d.row(run) for d in st.draws.values()])
