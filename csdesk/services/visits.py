"""Return visits (回访): the month's draw, the visits it makes, their outcomes, the refused-visit
list and the month's coverage.

The draw (:func:`draw`) takes the month's completed repair orders and picks,
by :func:`csdesk.domain.rules.top_up_visits`, every order of the four kinds
(tied to a complaint, paid, done by a technician in their first 3 months, done
by a technician complained about in the last 6 months) and 30 % of the rest at
random.  Its seed is stored: the same orders and seed give the same draw.  A
month is drawn once; orders completed after the draw are added to it by the
same rules (:func:`top_up`, run by the tick), the random share kept at 30 % of
the whole month's rest.  Customers on the refused-visit list are never drawn.

A visit is due the day after its order's completion (by the regular shift's
end).  On its day it becomes a call-back (kind ``return_visit``) in the queue
of the order's owner, or of nobody (a pool) when the supervisor drew to a pool
(:func:`queue_due`, run by the tick); agents work it from the intake queue or
the visits view (:func:`record_outcome`).  Its call goes into the register like
every call, and its result decides the visit (:func:`callback_closed`):
reached and satisfied (the order closes), reached with a problem (the new
contact, and a new order or complaint if one was opened, are linked), busy
(one retry later, then not reached), refused with a reason (the refused-visit
list).

The draw's rows are written in bulk (a month holds up to ~100,000 orders on a
busy desk): the audit log records the draw as one act (who, when, the month,
the seed, the counts); every later change of a visit is audited row by row.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple

from sqlmodel import Session, col, select

from csdesk.clock import local_tz
from csdesk.clock import now as utcnow
from csdesk.domain import CallbackKind, CallbackResult, OrderStatus, Outcome, VisitStatus
from csdesk.domain.actor import SYSTEM, Actor
from csdesk.domain.errors import Conflict, Invalid, NotFound, Refused
from csdesk.domain.phones import mask
from csdesk.domain.policy import Act, may, require
from csdesk.domain.rules import (
    COMPLAINED_ABOUT_WINDOW,
    MANDATORY_VISIT_REASONS,
    RETURN_VISIT_SHARE,
    VISIT_DONE,
    VISIT_OPEN,
    CompletedOrder,
    VisitReason,
    top_up_visits,
    visit_due,
    visit_result_status,
)
from csdesk.i18n import N_, _
from csdesk.services.audit import acting, record
from csdesk.store.models import (
    Agent,
    Callback,
    Contact,
    Customer,
    RefusedVisit,
    ReturnVisit,
    VisitDraw,
    WorkOrder,
)

QUEUE_BATCH = 500  # call-backs put in the queues per tick at most (a late draw catches up over a few ticks)
LIST_LIMIT = 200
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
OPEN = tuple(s.value for s in VISIT_OPEN)
FINISHED = (VisitStatus.SATISFIED.value, VisitStatus.PROBLEM.value, VisitStatus.REFUSED.value,
            VisitStatus.UNREACHED.value)
REASON_LABELS = {
    VisitReason.COMPLAINT: N_("tied to a complaint"),
    VisitReason.PAID: N_("paid service"),
    VisitReason.NEW_STAFF: N_("new technician"),
    VisitReason.COMPLAINED_STAFF: N_("technician complained about"),
    VisitReason.SAMPLE: N_("drawn at random"),
}


def reason_label(reason: str) -> str:
    try:
        return _(REASON_LABELS[VisitReason(reason)])
    except (ValueError, KeyError):
        return reason


def reasons_text(reasons: str) -> str:
    return "、".join(reason_label(r) for r in reasons.split(",") if r) if reasons else ""


# --------------------------------------------------------------------------- months


def parse_month(value: str) -> str:
    """``2026-11`` (or ``2026-1``) -> ``2026-11``; Invalid otherwise."""
    m = _MONTH.match((value or "").strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or not 1900 <= int(m.group(1)) <= 2100:
        raise Invalid({"month": _("Give the month as YYYY-MM, e.g. 2026-11.")})
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"


def month_of(at: datetime) -> str:
    return at.astimezone(local_tz()).strftime("%Y-%m")


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[first day 00:00, next month's first day 00:00) in the desk's zone."""
    month = parse_month(month)
    year, mon = (int(x) for x in month.split("-"))
    tz = local_tz()
    start = datetime(year, mon, 1, tzinfo=tz)
    end = datetime(year + (mon == 12), mon % 12 + 1, 1, tzinfo=tz)
    return start, end


def _sql_ts(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _ts(value) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


# --------------------------------------------------------------------------- plain data


@dataclass(frozen=True)
class DrawInfo:
    id: int
    month: str
    seed: int
    share: float
    drawn_at: datetime
    drawn_by: str
    pool: bool
    considered_until: datetime
    population: int
    rest: int
    sampled: int
    picked: int
    kinds: dict[str, int]
    top_ups: int
    added: int = 0  # visits this call added


@dataclass(frozen=True)
class VisitRow:
    id: int
    work_order_id: int
    order_number: str
    customer_id: int | None
    customer_name: str
    phone: str  # masked unless the viewer may see full numbers
    unit_key: str
    completed_at: datetime
    reasons: tuple[str, ...]
    late: bool
    due_at: datetime
    owner_staff_no: str
    status: str
    attempts: int
    done_at: datetime | None
    note: str
    callback_id: int | None = None
    contact_number: str = ""
    new_order_number: str = ""
    retry_at: datetime | None = None  # busy (or no answer) once: when the customer is tried again

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def overdue(self, at: datetime | None = None) -> bool:
        return self.is_open and self.due_at < (at or utcnow())


@dataclass(frozen=True)
class KindCoverage:
    reason: str
    orders: int  # orders of this kind in the month (considered so far)
    drawn: int
    reached: int
    finished: int  # reached, refused or not reached
    covered: bool  # every order of the kind drawn and its visit finished


@dataclass(frozen=True)
class Coverage:
    month: str
    drawn_at: datetime | None
    orders: int  # completed repair orders considered
    drawn: int
    sampled: int
    rest: int
    done: int  # reached (satisfied or a problem)
    satisfied: int
    problem: int
    refused: int
    unreached: int
    open: int
    overdue: int
    late_added: int
    not_yet_considered: int  # completed in the month after the last top-up
    kinds: tuple[KindCoverage, ...] = ()

    @property
    def share(self) -> float:
        return self.sampled / self.rest if self.rest else 0.0


@dataclass(frozen=True)
class RefusedEntry:
    id: int
    customer_id: int | None
    customer_name: str
    unit_key: str
    phone: str
    reason: str
    recorded_at: datetime
    recorded_by: str
    active: bool
    lifted_at: datetime | None
    lifted_by: str
    lift_reason: str


# --------------------------------------------------------------------------- the population


class _Order(NamedTuple):
    """A population row as the query returns it (completed_at as stored: naive UTC text)."""

    id: int
    completed: str
    paid: int
    customer_id: int | None
    owner_id: int | None
    technician: str  # as the order names them: completed_by, else assignee (orders before the roster)
    technician_id: int | None  # the roster's technician the order was given to


# Read from the covering index ix_workorder_draw alone: a month of ~100,000 orders in ~0.1 s,
# where reading the rows themselves (long texts) took 2 s.
_POPULATION = (
    "SELECT w.id, w.completed_at, w.paid, w.customer_id, w.owner_id, coalesce(nullif(w.completed_by, ''), w.assignee), "
    "w.technician_id "
    "FROM workorder w INDEXED BY ix_workorder_draw LEFT JOIN returnvisit rv ON rv.work_order_id = w.id "
    "WHERE w.completed_at > ? AND w.completed_at <= ? AND w.status IN ('done', 'closed') "
    "AND (w.category = 'repair' OR w.category GLOB 'repair.*') AND rv.id IS NULL"
)


def _population(session: Session, since: datetime, until: datetime, *, first: bool = False) -> list[_Order]:
    """The month's completed repair orders in (since, until] not visited yet (``first``: the month's
    first draw, when none can be)."""
    sql = _POPULATION
    if first:
        sql = sql.replace(" LEFT JOIN returnvisit rv ON rv.work_order_id = w.id", "").replace(" AND rv.id IS NULL", "")
    # the DB-API cursor of the session's own connection (same transaction): plain tuples, no Row objects
    connection = session.connection().connection.driver_connection
    rows = connection.execute(sql, (_sql_ts(since), _sql_ts(until))).fetchall()  # _Order's layout (~100,000)
    # a visit is a phone call: an order with neither a customer nor a number (a patrol finding) has
    # nobody to call, and is not drawn (the few orders with no customer are looked up by id)
    orphans = [r[0] for r in rows if r[3] is None]
    nobody: set[int] = set()
    for chunk in _chunks(orphans):
        marks = ",".join("?" * len(chunk))
        nobody.update(i for (i,) in connection.execute(
            f"SELECT id FROM workorder WHERE id IN ({marks}) AND coalesce(phone, '') = ''", chunk))
    return [r for r in rows if r[0] not in nobody] if nobody else rows


@dataclass(frozen=True)
class _Refused:
    """Who is on the refused-visit list, as customers (an entry names a customer, a unit or a number),
    and the orders of no customer record that are (by their unit or number)."""

    customers: frozenset[int]
    orders: frozenset[int]

    def __contains__(self, o: tuple) -> bool:  # an _Order row
        return o[3] in self.customers if o[3] is not None else o[0] in self.orders


def _chunks(items: list, n: int = 500):
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _refused(session: Session, orders: Sequence[tuple] = ()) -> _Refused:
    conn = session.connection()
    rows = conn.exec_driver_sql("SELECT customer_id, unit_key, phone FROM refusedvisit WHERE active").fetchall()
    customers = {r[0] for r in rows if r[0] is not None}
    units = sorted({r[1] for r in rows if r[1]})
    phones = sorted({r[2] for r in rows if r[2]})
    for chunk in _chunks(units):
        marks = ",".join("?" * len(chunk))
        customers |= {r[0] for r in conn.exec_driver_sql(f"SELECT id FROM customer WHERE unit_key IN ({marks})",
                                                         tuple(chunk))}
    for chunk in _chunks(phones):
        marks = ",".join("?" * len(chunk))
        customers |= {r[0] for r in conn.exec_driver_sql(
            f"SELECT customer_id FROM customerphone WHERE phone IN ({marks})", tuple(chunk))}
    loose = [o[0] for o in orders if o[3] is None]
    refused_orders: set[int] = set()
    for chunk in _chunks(loose):
        marks = ",".join("?" * len(chunk))
        for oid, unit, phone in conn.exec_driver_sql(
                f"SELECT id, unit_key, phone FROM workorder WHERE id IN ({marks})", tuple(chunk)):
            if (unit and unit in units) or (phone and phone in phones):
                refused_orders.add(oid)
    return _Refused(frozenset(customers), frozenset(refused_orders))


def _complained_orders(session: Session) -> set[int]:
    """Orders tied to a complaint: linked to it, or named by the order reference the customer gave."""
    conn = session.connection()
    out = {r[0] for r in conn.exec_driver_sql(
        "SELECT work_order_id FROM complaint WHERE work_order_id IS NOT NULL")}
    out |= {r[0] for r in conn.exec_driver_sql(
        "SELECT w.id FROM complaint p JOIN workorder w ON w.number = p.order_ref WHERE p.order_ref != ''")}
    return out


def technician_facts(session: Session, orders: Sequence[tuple]) -> dict[int, tuple[date | None, tuple]]:
    """For each order (an ``_Order`` row): its technician's hire date and when that technician was
    complained about; orders with neither are left out.

    The one place that knows who did the work: the roster's technician the order
    was given to (``workorder.technician_id``), whose hire date is on the roster
    ("new technician": :func:`csdesk.domain.rules.is_new_staff`); complaints
    against them are those naming them by the roster's id
    (``complaint.about_technician_id``) and, for complaints recorded before the
    roster, by their name.  An order of no roster technician (opened before the
    roster) is known by its ``completed_by`` (else ``assignee``) name: no hire
    date, complaints matched by that name.
    """
    if not orders:
        return {}
    from csdesk.services.complaints import technician_complaint_times

    roster = {r[0]: (r[1], _day(r[2])) for r in session.connection().exec_driver_sql(
        "SELECT id, name, hire_date FROM technician")}  # tens of rows
    since = _ts(min(o[1] for o in orders)) - COMPLAINED_ABOUT_WINDOW
    ids = {o[6] for o in orders if o[6] is not None and o[6] in roster}
    names = {roster[i][0] for i in ids} | {o[5] for o in orders if o[5] and (o[6] is None or o[6] not in roster)}
    by_id, by_name = technician_complaint_times(session, ids, names, since)
    cache: dict = {}
    out: dict[int, tuple[date | None, tuple]] = {}
    for o in orders:
        key = (o[6], o[5]) if o[6] in roster else (None, o[5])
        facts = cache.get(key)
        if facts is None:
            if key[0] is not None:
                name, hired = roster[key[0]]
                times = [*by_id.get(key[0], ()), *(w for t, w in by_name.get(name, ()) if t is None)]
            else:
                hired, times = None, [w for _t, w in by_name.get(o[5], ())]
            facts = cache[key] = (hired, tuple(sorted(times)))
        if facts[0] is not None or facts[1]:
            out[o[0]] = facts
    return out


def _day(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


# --------------------------------------------------------------------------- the draw


def _info(session: Session, d: VisitDraw, added: int = 0) -> DrawInfo:
    by = ""
    if d.drawn_by_id:
        by = session.exec(select(Agent.staff_no).where(Agent.id == d.drawn_by_id)).first() or ""
    return DrawInfo(d.id, d.month, d.seed, d.share, d.drawn_at, by, d.pool, d.considered_until, d.population, d.rest,
                    d.sampled, d.picked, json.loads(d.kinds) if d.kinds else {}, d.top_ups, added)


def get_draw(session: Session, month: str) -> DrawInfo | None:
    d = session.exec(select(VisitDraw).where(VisitDraw.month == parse_month(month))).first()
    return _info(session, d) if d else None


def draw(session: Session, actor: Actor, month: str, *, seed: int | None = None, pool: bool = False,
         at: datetime | None = None, share: float = RETURN_VISIT_SHARE) -> DrawInfo:
    """The month's draw (a supervisor's act).  A month is drawn once: a second draw is refused."""
    require(actor, Act.DRAW_VISITS)
    month = parse_month(month)
    at = at or utcnow()
    acting(session, actor, at)
    existing = session.exec(select(VisitDraw).where(VisitDraw.month == month)).first()
    if existing is not None:
        info = _info(session, existing)
        raise Conflict(_("{month} was drawn on {when} by {staff_no}: {n} visits (seed {seed}).").format(
            month=month, when=existing.drawn_at.astimezone(local_tz()).strftime("%Y-%m-%d %H:%M"),
            staff_no=info.drawn_by or "—", n=existing.picked, seed=existing.seed))
    start, end = month_bounds(month)
    if start > at:
        raise Invalid({"month": _("{month} has not begun.").format(month=month)})
    if seed is None:
        seed = secrets.randbelow(2**31)
    elif not 0 <= seed < 2**63:
        raise Invalid({"seed": _("A seed is a whole number from 0.")})
    d = VisitDraw(month=month, seed=seed, share=share, drawn_at=at, drawn_by_id=actor.id, pool=pool,
                  considered_until=start - timedelta(seconds=1), kinds="{}")
    session.add(d)
    session.flush()
    added = _add(session, d, actor, at)
    return _info(session, d, added)  # the visits due today enter the queues with the next tick (queue_due)


def top_up(session: Session, month: str, *, at: datetime | None = None, actor: Actor = SYSTEM) -> int:
    """Add the month's orders completed since the draw (or the last top-up), by the same rules."""
    at = at or utcnow()
    d = session.exec(select(VisitDraw).where(VisitDraw.month == parse_month(month))).first()
    if d is None:
        raise NotFound(_("{month} has not been drawn.").format(month=month))
    acting(session, actor, at)
    return _add(session, d, actor, at)


def top_up_all(session: Session, *, at: datetime | None = None, actor: Actor = SYSTEM) -> int:
    """The tick's step: every draw whose month still has orders to consider gets them."""
    at = at or utcnow()
    added = 0
    for d in session.exec(select(VisitDraw).where(VisitDraw.considered_until < at)).all():
        _start, end = month_bounds(d.month)
        if d.considered_until >= end - timedelta(seconds=1):
            continue
        if _population_exists(session, d.considered_until, min(at, end - timedelta(seconds=1))):
            acting(session, actor, at)
            added += _add(session, d, actor, at)
    return added


def _population_exists(session: Session, since: datetime, until: datetime) -> bool:
    return session.connection().exec_driver_sql(
        "SELECT 1 FROM workorder WHERE completed_at > ? AND completed_at <= ? LIMIT 1",
        (_sql_ts(since), _sql_ts(until))).first() is not None


_INSERT_VISIT = (
    "INSERT INTO returnvisit (draw_id, work_order_id, customer_id, completed_at, reasons, late, due_at, owner_id, "
    "status, attempts, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'due', 0, '')"
)


def _stored(value: datetime) -> str:
    """A time as :class:`~csdesk.store.models.UTCDateTime` stores it (naive UTC, to the second)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.000000")


def _add(session: Session, d: VisitDraw, actor: Actor, at: datetime) -> int:
    """Consider the month's orders completed after ``d.considered_until`` up to now: pick and write.

    A month holds up to ~100,000 orders: plain rows in, the rules' pure function over them, one
    ``executemany`` out (the draw's own row and the audit act go through the ORM).
    """
    from csdesk.services.complaints import regular_hours

    _start, end = month_bounds(d.month)
    until = min(at, end - timedelta(seconds=1))
    if until <= d.considered_until:
        return 0
    first = d.top_ups == 0 and d.population == 0
    orders = _population(session, d.considered_until, until, first=first)
    refused = _refused(session, orders)
    complained = _complained_orders(session)
    facts = technician_facts(session, orders)
    none: tuple = (None, ())
    out_customers, out_orders = refused.customers, refused.orders
    parse = datetime.fromisoformat
    batch = [CompletedOrder(o[0], parse(o[1]).replace(tzinfo=UTC), o[0] in complained, bool(o[2]),
                            *facts.get(o[0], none), o[3] in out_customers if o[3] is not None else o[0] in out_orders)
             for o in orders]
    result = top_up_visits(batch, d.seed + d.top_ups, rest_before=d.rest, sampled_before=d.sampled,
                           share=d.share)
    kinds = json.loads(d.kinds) if d.kinds else {}
    for reasons in result.picked.values():  # every order of the four kinds is picked: count them there
        for reason in reasons:
            if reason is not VisitReason.SAMPLE:
                kinds[reason.value] = kinds.get(reason.value, 0) + 1
    hours = regular_hours(session)
    tz = local_tz()
    due_cache: dict[date, str] = {}
    picked = result.picked
    rows = []
    for o, c in zip(orders, batch, strict=True):
        reasons = picked.get(o[0])
        if reasons is None:
            continue
        day = visit_due(c.completed_at.astimezone(tz))
        due = due_cache.get(day)
        if due is None:
            due = due_cache[day] = _stored(datetime.combine(day, hours.end, tzinfo=tz))
        rows.append((d.id, o[0], o[3], o[1], ",".join(reasons), int(not first), due, None if d.pool else o[4]))
    rows.sort(key=lambda r: r[1])  # in the order of the unique index on the order
    if rows:
        session.connection().exec_driver_sql(_INSERT_VISIT, rows)
    d.considered_until = until
    d.population += len(orders)
    d.rest = result.rest
    d.sampled = result.sampled
    d.picked += len(rows)
    d.kinds = json.dumps(kinds, sort_keys=True)
    d.top_ups += 1
    session.flush()
    record(session, actor, "draw_visits" if first else "add_visits", "visitdraw", d.id,
           detail=_("{month}: {orders} orders considered, {n} visits added (seed {seed}, batch {batch})").format(
               month=d.month, orders=len(orders), n=len(rows), seed=d.seed, batch=d.top_ups))
    return len(rows)


def order_tied_to_complaint(session: Session, order_id: int, actor: Actor, at: datetime) -> int | None:
    """A complaint now concerns a completed order: if its month is drawn, the order is visited
    (the four kinds are never missed).  Returns the visit's id, if there is one."""
    from csdesk.services.complaints import regular_hours

    visit = session.exec(select(ReturnVisit).where(ReturnVisit.work_order_id == order_id)).first()
    if visit is not None:
        reasons = [r for r in visit.reasons.split(",") if r]
        if VisitReason.COMPLAINT.value not in reasons:
            visit.reasons = ",".join([VisitReason.COMPLAINT.value, *[r for r in reasons
                                                                       if r != VisitReason.SAMPLE.value]])
            session.flush()
        return visit.id
    order = session.get(WorkOrder, order_id)
    if order is None or order.completed_at is None or order.status not in ("done", "closed"):
        return None
    if not (order.category == "repair" or order.category.startswith("repair.")):
        return None
    d = session.exec(select(VisitDraw).where(VisitDraw.month == month_of(order.completed_at))).first()
    if d is None or order.completed_at > d.considered_until:
        return None  # not drawn yet, or the next top-up will take it (tied to a complaint, it is picked)
    o = _Order(order.id, _stored(order.completed_at), int(order.paid), order.customer_id, order.owner_id,
               order.completed_by or order.assignee, order.technician_id)
    if o in _refused(session, [o]):
        return None
    hours = regular_hours(session)
    tz = local_tz()
    due = datetime.combine(visit_due(order.completed_at.astimezone(tz)), hours.end, tzinfo=tz)
    visit = ReturnVisit(draw_id=d.id, work_order_id=order.id, customer_id=order.customer_id,
                        completed_at=order.completed_at, reasons=VisitReason.COMPLAINT.value, late=True, due_at=due,
                        owner_id=None if d.pool else order.owner_id, status=VisitStatus.DUE.value)
    session.add(visit)
    kinds = json.loads(d.kinds) if d.kinds else {}
    kinds[VisitReason.COMPLAINT.value] = kinds.get(VisitReason.COMPLAINT.value, 0) + 1
    d.kinds = json.dumps(kinds, sort_keys=True)
    d.picked += 1
    session.flush()
    return visit.id


# --------------------------------------------------------------------------- the queue


def _visit_callback(session: Session, v: ReturnVisit, actor: Actor, at: datetime,
                    order: tuple | None = None) -> Callback:
    """The visit's call-back: (number, customer name, phone, contact id) of its order, read if not given."""
    if order is None:
        order = session.exec(select(WorkOrder.number, WorkOrder.customer_name, WorkOrder.phone, WorkOrder.contact_id)
                             .where(WorkOrder.id == v.work_order_id)).first() or ("", "", "", None)
    number, name, phone, contact_id = order
    cb = Callback(kind=CallbackKind.RETURN_VISIT.value, due_at=v.due_at, agent_id=v.owner_id,
                  customer_id=v.customer_id, customer_name=name, phone=phone, contact_id=contact_id,
                  work_order_id=v.work_order_id, visit_id=v.id,
                  note=_("Return visit on {number}, completed {when} ({why}).").format(
                      number=number, when=v.completed_at.astimezone(local_tz()).strftime("%m-%d"),
                      why=reasons_text(v.reasons)),
                  created_at=at, created_by_id=actor.id)
    session.add(cb)
    v.queued_at = at
    return cb


def queue_due(session: Session, *, at: datetime | None = None, actor: Actor = SYSTEM,
              limit: int = QUEUE_BATCH) -> int:
    """Put the visits due today (or earlier) into their owners' queues as call-backs; returns how many.

    At most ``limit`` a run (the tick runs every minute): a month drawn late catches up in a few runs.
    """
    at = at or utcnow()
    tomorrow = datetime.combine(at.astimezone(local_tz()).date() + timedelta(days=1), time(0), tzinfo=local_tz())
    visits = session.exec(select(ReturnVisit).where(ReturnVisit.status == VisitStatus.DUE.value,
                                                    col(ReturnVisit.queued_at).is_(None),
                                                    ReturnVisit.due_at < tomorrow)
                          .order_by(ReturnVisit.due_at).limit(limit)).all()
    if not visits:
        return 0
    acting(session, actor, at)
    orders = {r[0]: tuple(r[1:]) for r in session.exec(
        select(WorkOrder.id, WorkOrder.number, WorkOrder.customer_name, WorkOrder.phone, WorkOrder.contact_id)
        .where(col(WorkOrder.id).in_([v.work_order_id for v in visits])))}
    for v in visits:
        _visit_callback(session, v, actor, at, orders.get(v.work_order_id))
    session.flush()
    return len(visits)


def _open_callback(session: Session, v: ReturnVisit) -> Callback | None:
    return session.exec(select(Callback).where(Callback.visit_id == v.id, col(Callback.done_at).is_(None))
                        .order_by(col(Callback.id).desc())).first()


def callback_closed(session: Session, cb: Callback, result: CallbackResult, actor: Actor, at: datetime, *,
                    contact_id: int | None = None, retry_id: int | None = None,
                    refused_id: int | None = None) -> None:
    """A visit's call ended (:func:`csdesk.services.callbacks.close_callback` calls this): the visit
    takes the result; a finished visit closes its order."""
    v = session.get(ReturnVisit, cb.visit_id)
    if v is None:
        return
    contact = session.get(Contact, contact_id) if contact_id else None
    outcome = None
    if contact is not None:
        try:
            outcome = Outcome(contact.outcome)
        except ValueError:
            outcome = None
    status = visit_result_status(result, cb.attempts, outcome)
    if status is VisitStatus.SATISFIED and session.info.get("visit_problem") == v.id:
        status = VisitStatus.PROBLEM  # a problem said, with nothing more to open: not "satisfied" anywhere
    v.status = status.value
    v.attempts = cb.attempts
    if contact is not None:
        v.contact_id = contact.id
    if cb.result_note:  # each try's note kept (a second busy's does not replace the first's)
        v.note = f"{v.note}\n{cb.result_note}" if v.note and cb.result_note not in v.note else cb.result_note
    if status in VISIT_DONE and contact is not None and contact.work_order_id:
        v.new_order_id = contact.work_order_id
    if status is VisitStatus.REFUSED and refused_id:
        v.refused_visit_id = refused_id
        refused = session.get(RefusedVisit, refused_id)
        if refused is not None and not refused.customer_name:
            refused.customer_name = cb.customer_name
    if v.status in FINISHED:
        v.done_at = at
        v.done_by_id = actor.id
        _close_order(session, v, actor, at)
    session.flush()


def _close_order(session: Session, v: ReturnVisit, actor: Actor, at: datetime) -> None:
    """The order closes after its return visit (whatever the visit found: a problem has its own record)."""
    from csdesk.services.orders import move

    order = session.get(WorkOrder, v.work_order_id)
    if order is None:
        return
    note = _("return visit: {outcome}").format(outcome=VisitStatus(v.status).label)
    said = (v.note or "").strip().splitlines()
    if said:  # what the customer said (the problem, the reason) on the order's timeline too
        note += " · " + said[-1][:150]
    if order.status != OrderStatus.DONE.value:
        # closed already (by hand, before its visit): the visit's outcome is still the order's story
        from csdesk.services.orders import add_note

        try:
            add_note(session, actor, order.id, note, at=at)
        except (Invalid, Refused):
            pass
        finally:
            acting(session, actor, at)
        return
    who = actor if may(actor, Act.HANDLE_OWN, owner_id=order.owner_id) else SYSTEM
    try:
        move(session, who, order.id, OrderStatus.CLOSED, reason=note[:200], at=at)
    except Conflict:
        pass
    finally:
        acting(session, actor, at)


# --------------------------------------------------------------------------- working a visit


class Outcome4:
    """What the agent says happened on a visit's call (the four outcomes)."""

    SATISFIED = "satisfied"
    PROBLEM = "problem"
    BUSY = "busy"
    REFUSED = "refused"
    ALL = ("satisfied", "problem", "busy", "refused")


FOLLOW_UPS = ("none", "order", "complaint")


def record_outcome(session: Session, actor: Actor, visit_id: int, outcome: str, *, note: str = "",
                   follow_up: str = "none", settings: Any = None, at: datetime | None = None) -> VisitRow:
    """Record a visit's call from the visits view: it goes into the register as an outbound contact
    (through intake, like any call-back) and the visit takes its outcome.

    ``problem`` with ``follow_up`` ``order`` opens a new work order, ``complaint`` files a complaint
    (both linked to the visit); ``refused`` needs the customer's reason.
    """
    from csdesk.services.intake import IntakeForm, IntakeInvalid, record_contact

    at = at or utcnow()
    if outcome not in Outcome4.ALL:
        raise Invalid({"outcome": _("unknown value {value!r}; choose one of: {choices}").format(
            value=outcome, choices=", ".join(Outcome4.ALL))})
    if follow_up not in FOLLOW_UPS:
        raise Invalid({"follow_up": _("unknown value {value!r}; choose one of: {choices}").format(
            value=follow_up, choices=", ".join(FOLLOW_UPS))})
    v = session.get(ReturnVisit, visit_id)
    if v is None:
        raise NotFound(_("That return visit no longer exists."))
    require(actor, Act.HANDLE_OWN, owner_id=v.owner_id)
    order = session.get(WorkOrder, v.work_order_id)
    if v.status not in OPEN:
        raise Conflict(_("The visit on {number} is finished: {state}.").format(
            number=order.number if order else "", state=VisitStatus(v.status).label))
    from csdesk.domain.text import TextError, TextKind, clean_text

    try:
        note = clean_text(note, 2000, kind=TextKind.BLOCK)
    except TextError as exc:
        raise Invalid({"note": str(exc)}) from None
    if outcome == Outcome4.REFUSED and not note:
        raise Invalid({"note": _("Write the customer's reason.")})
    if outcome == Outcome4.PROBLEM and not note:
        raise Invalid({"note": _("Write what the customer said is wrong.")})
    acting(session, actor, at)
    cb = _open_callback(session, v)
    if cb is None:  # not in a queue yet (due tomorrow, or just drawn): queue it now
        cb = _visit_callback(session, v, actor, at)
        session.flush()
    category = order.category if order is not None else "repair"
    result, contact_outcome, summary = {
        Outcome4.SATISFIED: (CallbackResult.DONE, Outcome.RESOLVED, note or _("Return visit: the customer is satisfied.")),
        Outcome4.PROBLEM: (CallbackResult.DONE, {"order": Outcome.WORK_ORDER, "complaint": Outcome.ESCALATED}.get(
            follow_up, Outcome.RESOLVED), note),
        Outcome4.BUSY: (CallbackResult.BUSY, None, note),
        Outcome4.REFUSED: (CallbackResult.REFUSED, None, note),
    }[outcome]
    if outcome == Outcome4.PROBLEM and follow_up == "complaint":
        category = "complaint"
    phone = "" if v.customer_id or order is None else order.phone
    form = IntakeForm(channel="outbound", customer_id=v.customer_id, phone=phone,
                      caller_number="" if v.customer_id or phone else "none",  # drawn before nobody-to-call was left out
                      name="" if v.customer_id or order is None else order.customer_name, category=category,
                      summary=summary, outcome=contact_outcome.value if contact_outcome else "",
                      callback_id=cb.id, callback_result=result.value)
    session.info["visit_problem"] = v.id if outcome == Outcome4.PROBLEM else None  # for callback_closed
    try:
        saved = record_contact(session, form, actor, settings=settings, at=at)
    except IntakeInvalid as exc:
        raise Invalid(exc.errors) from None
    finally:
        session.info.pop("visit_problem", None)
    if saved.complaint_id and outcome == Outcome4.PROBLEM:
        v.note = (v.note + "\n" if v.note else "") + _("complaint {number}").format(number=saved.complaint_number)
    session.flush()
    return get_visit(session, v.id, actor)


def assign(session: Session, actor: Actor, visit_ids: Iterable[int], staff_no: str | None) -> int:
    """Give visits to an agent (``None``: back to the pool); their open call-backs follow."""
    require(actor, Act.REASSIGN)
    owner = None
    if staff_no:
        row = session.exec(select(Agent).where(Agent.staff_no == staff_no.strip())).first()
        if row is None or not row.active:
            raise Invalid({"staff_no": _("No active account with staff number {staff_no}.").format(
                staff_no=staff_no.strip()[:16])})
        owner = row.id
    acting(session, actor)
    n = 0
    for v in session.exec(select(ReturnVisit).where(col(ReturnVisit.id).in_(list(visit_ids)),
                                                    col(ReturnVisit.status).in_(OPEN))):
        v.owner_id = owner
        cb = _open_callback(session, v)
        if cb is not None:
            cb.agent_id = owner
        n += 1
    session.flush()
    return n


# --------------------------------------------------------------------------- reading


_VISIT_COLS = ("v.id, v.work_order_id, w.number, v.customer_id, w.customer_name, w.phone, w.unit_key, "
               "v.completed_at, v.reasons, v.late, v.due_at, (SELECT a.staff_no FROM agent a WHERE a.id = v.owner_id), "
               "v.status, v.attempts, v.done_at, v.note, "
               "(SELECT min(c.due_at) FROM callback c WHERE c.visit_id = v.id AND c.done_at IS NULL AND c.kind = 'retry')")
VISIT_VIEWS = ("mine", "due", "overdue", "done", "all")


def _visit_row(r, full: bool) -> VisitRow:
    return VisitRow(r[0], r[1], r[2], r[3], r[4] or "", r[5] if full else mask(r[5] or ""), r[6] or "", _ts(r[7]),
                    tuple(x for x in (r[8] or "").split(",") if x), bool(r[9]), _ts(r[10]), r[11] or "", r[12],
                    r[13] or 0, _ts(r[14]), r[15] or "", retry_at=_ts(r[16]))


def list_visits(session: Session, viewer: Actor | None, view: str = "mine", *, month: str | None = None,
                at: datetime | None = None, limit: int = LIST_LIMIT) -> list[VisitRow]:
    """Visits of a view: mine (open, my queue's and the pool's), due (open), overdue, done, all; of a month's draw."""
    at = at or utcnow()
    where, params = [], []
    if month:
        d = session.exec(select(VisitDraw.id).where(VisitDraw.month == parse_month(month))).first()
        if d is None:
            return []
        where.append("v.draw_id = ?")
        params.append(d)
    open_in = "v.status IN ('due', 'retry')"
    order = "v.due_at, v.id"
    if view == "mine":
        where.append(f"{open_in} AND (v.owner_id = ? OR v.owner_id IS NULL)")
        params.append(viewer.id if viewer else -1)
    elif view == "due":
        where.append(open_in)
    elif view == "overdue":
        where.append(f"{open_in} AND v.due_at < ?")
        params.append(_sql_ts(at))
    elif view == "done":
        where.append("v.status NOT IN ('due', 'retry')")
        order = "v.done_at DESC, v.id DESC"
    elif view != "all":
        raise Invalid({"view": _("unknown view {view!r}; choose one of: {choices}").format(
            view=view, choices=", ".join(VISIT_VIEWS))})
    sql = (f"SELECT {_VISIT_COLS} FROM returnvisit v JOIN workorder w ON w.id = v.work_order_id" + (" WHERE " + " AND ".join(where) if where else "")
           + f" ORDER BY {order} LIMIT {int(limit)}")
    full = may(viewer, Act.SEE_FULL_PHONE)
    return [_visit_row(r, full) for r in session.connection().exec_driver_sql(sql, tuple(params))]


def get_visit(session: Session, visit_id: int, viewer: Actor | None = None) -> VisitRow:
    r = session.connection().exec_driver_sql(f"SELECT {_VISIT_COLS} FROM returnvisit v JOIN workorder w "
                                             "ON w.id = v.work_order_id WHERE v.id = ?",
                                             (visit_id,)).first()
    if r is None:
        raise NotFound(_("That return visit no longer exists."))
    row = _visit_row(r, may(viewer, Act.SEE_FULL_PHONE))
    v = session.get(ReturnVisit, visit_id)
    cb = _open_callback(session, v)
    contact_no = session.exec(select(Contact.number).where(Contact.id == v.contact_id)).first() if v.contact_id else ""
    new_no = session.exec(select(WorkOrder.number).where(WorkOrder.id == v.new_order_id)).first() \
        if v.new_order_id else ""
    from dataclasses import replace

    return replace(row, callback_id=cb.id if cb else None, contact_number=contact_no or "",
                   new_order_number=new_no or "")


def visit_for_callback(session: Session, callback_id: int) -> int | None:
    return session.exec(select(Callback.visit_id).where(Callback.id == callback_id)).first()


def coverage(session: Session, month: str, *, at: datetime | None = None) -> Coverage:
    """The month's figures: drawn, done, refused, unreached, overdue, and each of the four kinds."""
    at = at or utcnow()
    month = parse_month(month)
    d = session.exec(select(VisitDraw).where(VisitDraw.month == month)).first()
    if d is None:
        return Coverage(month, None, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ())
    conn = session.connection()
    by_status: dict[str, int] = {}
    overdue = late = 0
    per_kind: dict[str, list[int]] = {r.value: [0, 0, 0] for r in MANDATORY_VISIT_REASONS}  # drawn, reached, finished
    now = _sql_ts(at)
    for status, reasons, late_flag, n, n_overdue in conn.exec_driver_sql(
            "SELECT status, reasons, late, count(*), sum(due_at < ?) FROM returnvisit WHERE draw_id = ? "
            "GROUP BY status, reasons, late", (now, d.id)):
        by_status[status] = by_status.get(status, 0) + n
        if status in OPEN:
            overdue += n_overdue or 0
        if late_flag:
            late += n
        for reason in (reasons or "").split(","):
            if reason in per_kind:
                per_kind[reason][0] += n
                if status in (VisitStatus.SATISFIED.value, VisitStatus.PROBLEM.value):
                    per_kind[reason][1] += n
                if status in FINISHED:
                    per_kind[reason][2] += n
    _start, end = month_bounds(month)
    pending = 0
    if d.considered_until < end - timedelta(seconds=1):
        pending = conn.exec_driver_sql(
            # the draw's covering index (SQLite chose the status index: every done order read, 150 ms)
            "SELECT count(*) FROM workorder INDEXED BY ix_workorder_draw WHERE completed_at > ? AND completed_at <= ? "
            "AND status IN ('done', 'closed') AND (category = 'repair' OR category GLOB 'repair.*')",
            (_sql_ts(d.considered_until), _sql_ts(min(at, end - timedelta(seconds=1))))).scalar_one()
    kinds_total = json.loads(d.kinds) if d.kinds else {}
    kinds = tuple(KindCoverage(r.value, max(kinds_total.get(r.value, 0), per_kind[r.value][0]), per_kind[r.value][0],
                               per_kind[r.value][1], per_kind[r.value][2],
                               per_kind[r.value][0] >= kinds_total.get(r.value, 0)
                               and per_kind[r.value][2] == per_kind[r.value][0] and pending == 0)
                  for r in MANDATORY_VISIT_REASONS)
    satisfied = by_status.get(VisitStatus.SATISFIED.value, 0)
    problem = by_status.get(VisitStatus.PROBLEM.value, 0)
    return Coverage(month, d.drawn_at, d.population, sum(by_status.values()), d.sampled, d.rest, satisfied + problem,
                    satisfied, problem, by_status.get(VisitStatus.REFUSED.value, 0),
                    by_status.get(VisitStatus.UNREACHED.value, 0),
                    sum(by_status.get(s, 0) for s in OPEN), overdue, late, pending, kinds)


def coverage_lines(c) -> list[tuple[str, str]]:
    """The coverage figures as (label, value) lines: the CLI's rows and the screen's panel."""
    from csdesk.clock import fmt

    lines = [
        (_("Drawn on"), fmt(c.drawn_at)),
        (_("Completed repair orders considered"), str(c.orders)),
        (_("Visits drawn"), str(c.drawn)),
        (_("Drawn at random"), _("{n} of {rest} ({share:.0%})").format(n=c.sampled, rest=c.rest, share=c.share)),
        (_("Done (reached)"), str(c.done)),
        (_("Satisfied"), str(c.satisfied)),
        (_("A problem found"), str(c.problem)),
        (_("Refused"), str(c.refused)),
        (_("Not reached"), str(c.unreached)),
        (_("Still to do"), str(c.open)),
        (_("Overdue"), str(c.overdue)),
        (_("Added after the draw"), str(c.late_added)),
    ]
    if c.not_yet_considered:
        lines.append((_("Completed since, not yet considered"), str(c.not_yet_considered)))
    for k in c.kinds:
        state = _("fully covered") if k.covered else _("not yet covered")
        lines.append((reason_label(k.reason), _("{state}: {drawn} of {orders} drawn, {finished} finished, "
                                                "{reached} reached").format(state=state, drawn=k.drawn,
                                                                            orders=k.orders, finished=k.finished,
                                                                            reached=k.reached)))
    return lines


# --------------------------------------------------------------------------- the refused-visit list


def refused_list(session: Session, viewer: Actor | None, *, include_lifted: bool = False, search: str = "",
                 limit: int = LIST_LIMIT) -> list[RefusedEntry]:
    """The refused-visit list (拒访客户清单), newest first; the whole team sees it."""
    where = [] if include_lifted else ["r.active"]
    params: list = []
    q = (search or "").strip()
    if q:
        digits = re.sub(r"\D", "", q)
        if digits and len(digits) == len(q.replace("-", "").replace(" ", "")):
            where.append("(r.phone = ? OR substr(r.phone, -4) = ? OR r.unit_key = ?)")
            params += [digits, digits[-4:], q]
        else:
            where.append("(r.customer_name GLOB ? OR c.name GLOB ? OR r.unit_key = ?)")
            params += [q + "*", q + "*", q]
    sql = ("SELECT r.id, r.customer_id, coalesce(nullif(r.customer_name, ''), c.name, ''), r.unit_key, r.phone, "
           "r.reason, r.recorded_at, (SELECT a.staff_no FROM agent a WHERE a.id = r.recorded_by_id), r.active, "
           "r.lifted_at, (SELECT a.staff_no FROM agent a WHERE a.id = r.lifted_by_id), r.lift_reason "
           "FROM refusedvisit r LEFT JOIN customer c ON c.id = r.customer_id"
           + (" WHERE " + " AND ".join(where) if where else "") + f" ORDER BY r.id DESC LIMIT {int(limit)}")
    full = may(viewer, Act.SEE_FULL_PHONE)
    return [RefusedEntry(r[0], r[1], r[2] or "", r[3] or "", (r[4] or "") if full else mask(r[4] or ""), r[5] or "",
                         _ts(r[6]), r[7] or "", bool(r[8]), _ts(r[9]), r[10] or "", r[11] or "")
            for r in session.connection().exec_driver_sql(sql, tuple(params))]


def lift(session: Session, actor: Actor, refused_id: int, reason: str, *, at: datetime | None = None) -> RefusedEntry:
    """A supervisor lifts an entry (the customer agreed to calls again …); the reason is recorded."""
    require(actor, Act.LIFT_REFUSAL)
    at = at or utcnow()
    from csdesk.domain.text import TextError, TextKind, clean_text

    try:
        reason = clean_text(reason, 200, kind=TextKind.LINE)
    except TextError as exc:
        raise Invalid({"reason": str(exc)}) from None
    if not reason:
        raise Invalid({"reason": _("Give the reason.")})
    acting(session, actor, at)
    entry = session.get(RefusedVisit, refused_id)
    if entry is None:
        raise NotFound(_("That entry no longer exists."))
    if not entry.active:
        raise Conflict(_("That entry was lifted already."))
    entry.active = False
    entry.lifted_at = at
    entry.lifted_by_id = actor.id
    entry.lift_reason = reason
    session.flush()
    return _entry(session, entry, actor)


def _entry(session: Session, r: RefusedVisit, viewer: Actor | None) -> RefusedEntry:
    name = r.customer_name
    if not name and r.customer_id:
        name = session.exec(select(Customer.name).where(Customer.id == r.customer_id)).first() or ""

    def staff(agent_id):
        return session.exec(select(Agent.staff_no).where(Agent.id == agent_id)).first() or "" if agent_id else ""

    return RefusedEntry(r.id, r.customer_id, name, r.unit_key,
                        r.phone if may(viewer, Act.SEE_FULL_PHONE) else mask(r.phone), r.reason, r.recorded_at,
                        staff(r.recorded_by_id), r.active, r.lifted_at, staff(r.lifted_by_id), r.lift_reason)


__all__ = ["Coverage", "DrawInfo", "FOLLOW_UPS", "Outcome4", "RefusedEntry", "VisitRow", "assign",
           "callback_closed", "coverage", "coverage_lines", "draw", "get_draw", "get_visit", "lift", "list_visits", "month_bounds",
           "order_tied_to_complaint", "queue_due", "record_outcome", "refused_list", "top_up", "top_up_all"]
