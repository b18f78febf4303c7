"""The order list of F3 (and ``csdesk order list``): views, search, keyset pages.

Views
    ``mine``        my open orders (I am the first-contact owner), nearest deadline first
    ``department``  the open orders of a department, nearest deadline first
    ``escalated``   open orders that went past their deadline to the supervisor
    ``overdue``     open orders past their deadline now (on hold ones are not: their clock stops)
    ``due_today``   open orders whose deadline falls today (local day)
    ``on_hold``     orders on hold, nearest deadline first
    ``awaiting_visit`` done orders waiting for the return visit, oldest completion first
    ``all``         every order, newest first

Each view reads one page through an index of its own, named in the SQL with
``INDEXED BY`` so that the plan cannot drift with the statistics: partial
indexes over the open orders (by owner, by department, by deadline), on hold,
done by completion time, and all by creation time (see
:class:`csdesk.store.models.WorkOrder`).  Pages are keyset ranges on (sort
column, id), never OFFSET.

Search is the register's (:func:`csdesk.services.register.interpret`): an
order number (``WO…``) or a contact number (``CT…``), a full phone, the last
four digits, a unit go through B-tree indexes; names, pinyin initials and
words through the ``workorder_fts`` index (:mod:`csdesk.store.order_index`),
newest first, with the view as tag terms inside the same FTS5 query.  A
search combines with the view, except an order or contact number: it names
one order, found whatever the view.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta

from sqlmodel import Session

from csdesk.clock import local_tz
from csdesk.clock import now as utcnow
from csdesk.domain import OrderStatus, Urgency
from csdesk.domain.phones import mask
from csdesk.domain.rules import (
    OPEN_ORDER_STATUSES,
    DueState,
    ExplanationState,
    dispatch_late,
    due_state,
    explanation_state,
)
from csdesk.i18n import N_, _
from csdesk.store import order_index as oi
from csdesk.store import search_index as si
from csdesk.store.models import OPEN_ORDER_SQL

PAGE_SIZE = 100
VIEWS = ("mine", "department", "escalated", "overdue", "due_today", "on_hold", "awaiting_visit", "all")
VIEW_LABELS = {
    "mine": N_("Mine"), "department": N_("Department"), "escalated": N_("Sent to supervisor"), "overdue": N_("Overdue"),
    "due_today": N_("Due today"), "on_hold": N_("On hold"), "awaiting_visit": N_("Awaiting visit"),
    "all": N_("All"),
}
_ORDER_NUMBER = re.compile(r"^(WO|wo)\d{8}-\d{3,}$")


def view_label(view: str) -> str:
    return _(VIEW_LABELS.get(view, view))


@dataclass(frozen=True)
class ListQuery:
    view: str = "mine"
    search: str = ""
    owner_id: int | None = None  # whose "mine"
    department: str = ""  # the department view's department
    at: datetime | None = None  # now, for overdue and due today (default: the clock)

    def with_(self, **changes) -> ListQuery:
        return replace(self, **changes)


@dataclass(frozen=True)
class OrderCursor:
    value: str  # the sort column as stored
    id: int
    key: int = 0  # the FTS rowid's time key (search path)


@dataclass(frozen=True)
class OrderRow:
    id: int
    number: str
    status: OrderStatus
    urgency: Urgency
    customer_name: str
    phone: str  # masked unless the viewer may see full numbers
    unit: str
    summary: str  # first line of what is to be done
    department: str
    technician: str
    owner_id: int
    owner_staff_no: str
    created_at: datetime
    received_at: datetime
    deadline_at: datetime
    dispatched_at: datetime | None
    completed_at: datetime | None
    closed_at: datetime | None
    held_since: datetime | None
    appointment_at: datetime | None
    overdue_escalated_at: datetime | None
    explained_at: datetime | None
    explanation_ack_at: datetime | None
    paid: bool
    print_count: int
    cursor: OrderCursor

    def due(self, at: datetime) -> DueState | None:
        """Due soon (80 % of the time gone) or overdue; None once done or while on hold."""
        if self.status not in OPEN_ORDER_STATUSES or self.status is OrderStatus.ON_HOLD:
            return None
        return due_state(self.created_at, self.deadline_at, at)

    def seconds_left(self, at: datetime) -> int:
        return int((self.deadline_at - at).total_seconds())

    def dispatch_late(self, at: datetime) -> bool:
        """The 5-minute rule (flagged on the list, counted in reports)."""
        end = self.dispatched_at or (self.closed_at if self.status is OrderStatus.CANCELLED else None) or at
        return dispatch_late(self.received_at, end, at)

    def explanation(self, at: datetime) -> ExplanationState:
        return explanation_state(self.overdue_escalated_at, self.explained_at, self.explanation_ack_at, at)


@dataclass(frozen=True)
class Page:
    rows: tuple[OrderRow, ...]
    at_start: bool
    at_end: bool

    @property
    def first(self) -> OrderCursor | None:
        return self.rows[0].cursor if self.rows else None

    @property
    def last(self) -> OrderCursor | None:
        return self.rows[-1].cursor if self.rows else None


# --------------------------------------------------------------------------- plans


@dataclass(frozen=True)
class Plan:
    """A query compiled: the FROM (with its index), WHERE terms, the sort column and direction."""

    path: str  # "btree", "fts" or "empty"
    source: str = ""
    where: tuple[str, ...] = ()
    params: dict = field(default_factory=dict)
    sort: str = "w.created_at"
    descending: bool = True
    search_kind: str = "none"


def _stored(value: datetime) -> str:
    """A time bound as stored text compares (to the second; see csdesk.services.register)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _today(at: datetime) -> tuple[datetime, datetime]:
    day = at.astimezone(local_tz()).date()
    start = datetime.combine(day, time(0), tzinfo=local_tz())
    return start, start + timedelta(days=1)


_OPEN = f"w.{OPEN_ORDER_SQL}"
_RUNNING = "w.status != 'on_hold'"


def _view_btree(q: ListQuery, at: datetime) -> Plan:
    view = q.view
    if view == "mine":
        return Plan("btree", "workorder AS w INDEXED BY ix_workorder_open_owner",
                    (_OPEN, "w.owner_id = :v_owner"), {"v_owner": q.owner_id or 0}, "w.deadline_at", False)
    if view == "department":
        return Plan("btree", "workorder AS w INDEXED BY ix_workorder_open_department",
                    (_OPEN, "w.department = :v_dep"), {"v_dep": q.department}, "w.deadline_at", False)
    if view == "escalated":
        return Plan("btree", "workorder AS w INDEXED BY ix_workorder_escalated",
                    ("w.overdue_escalated_at IS NOT NULL", _OPEN), {}, "w.deadline_at", False)
    if view == "overdue":
        return Plan("btree", "workorder AS w INDEXED BY ix_workorder_open_deadline",
                    (_OPEN, _RUNNING, "w.deadline_at < :v_now"), {"v_now": _stored(at + timedelta(seconds=1))},
                    "w.deadline_at", False)
    if view == "due_today":
        start, end = _today(at)
        return Plan("btree", "workorder AS w INDEXED BY ix_workorder_open_deadline",
                    (_OPEN, _RUNNING, "w.deadline_at >= :v_d0", "w.deadline_at < :v_d1"),
                    {"v_d0": _stored(start), "v_d1": _stored(end)}, "w.deadline_at", False)
    if view == "on_hold":
        return Plan("btree", "workorder AS w INDEXED BY ix_workorder_held", ("w.status = 'on_hold'",), {},
                    "w.deadline_at", False)
    if view == "awaiting_visit":
        return Plan("btree", "workorder AS w INDEXED BY ix_workorder_done", ("w.status = 'done'",), {},
                    "w.completed_at", False)
    return Plan("btree", "workorder AS w INDEXED BY ix_workorder_created", (), {}, "w.created_at", True)


def _view_terms(q: ListQuery, at: datetime) -> tuple[list[str], list[str], dict]:
    """The view as FTS tag terms, plus the residual conditions on ``w`` (time-based views)."""
    view, tags, where, params = q.view, [], [], {}
    if view == "mine":
        tags += [si.tag("ag", q.owner_id or 0), "open1"]
    elif view == "department":
        tags += [si.tag("dep", q.department), "open1"]
    elif view == "escalated":
        tags += ["esc1", "open1"]
    elif view == "overdue":
        tags.append("open1")
        where += [_RUNNING, "w.deadline_at < :v_now"]
        params["v_now"] = _stored(at + timedelta(seconds=1))
    elif view == "due_today":
        tags.append("open1")
        start, end = _today(at)
        where += [_RUNNING, "w.deadline_at >= :v_d0", "w.deadline_at < :v_d1"]
        params.update(v_d0=_stored(start), v_d1=_stored(end))
    elif view == "on_hold":
        tags.append(si.tag("st", "on_hold"))
    elif view == "awaiting_visit":
        tags.append(si.tag("st", "done"))
    return tags, where, params


def _view_where(q: ListQuery, at: datetime) -> tuple[list[str], dict]:
    """The view as plain conditions on ``w`` (for the searches that go through another index)."""
    plan = _view_btree(q, at)
    return list(plan.where), dict(plan.params)


def interpret(search: str):
    """What the search box text is (the register's rules, plus work order numbers)."""
    from csdesk.services.register import SearchPlan
    from csdesk.services.register import interpret as register_interpret

    raw = (search or "").strip()
    if _ORDER_NUMBER.match(raw):
        return SearchPlan("order_number", raw.upper())
    return register_interpret(raw)


def plan(q: ListQuery) -> Plan:
    at = q.at or utcnow()
    sp = interpret(q.search)
    if sp.kind == "none":
        return _view_btree(q, at)
    if sp.kind in ("text", "initials"):
        if sp.fts is None:
            return Plan("empty", search_kind=sp.kind)
        tags, where, params = _view_terms(q, at)
        # the register's columns are {body name}; an order's are the same
        match = " AND ".join([f"({sp.fts})"] + [f'tags : "{t}"' for t in tags])
        return Plan("fts", f"{oi.FTS_TABLE} JOIN workorder AS w ON w.id = ((-{oi.FTS_TABLE}.rowid) & {si.ID_MASK})",
                    (f"{oi.FTS_TABLE} MATCH :m", *where), {"m": match, **params}, f"{oi.FTS_TABLE}.rowid", False,
                    sp.kind)
    where, params = _view_where(q, at)
    if sp.kind in ("order_number", "number"):
        where, params = [], {}  # a number people quote names one order: found whatever the view
    if sp.kind == "order_number":
        source, cond, params["s"] = "workorder AS w", "w.number = :s", sp.value
    elif sp.kind == "number":  # a contact number: the order opened from it
        source = "workorder AS w INDEXED BY ix_workorder_contact_id"
        cond, params["s"] = "w.contact_id IN (SELECT c.id FROM contact AS c WHERE c.number = :s)", sp.value
    elif sp.kind == "phone":
        source, cond, params["s"] = "workorder AS w INDEXED BY ix_workorder_phone", "w.phone = :s", sp.value
    elif sp.kind == "last4":
        source, cond, params["s"] = ("workorder AS w INDEXED BY ix_workorder_phone_last4",
                                     "substr(w.phone, -4) = :s", sp.value)
    elif sp.kind == "unit":
        source, cond, params["s"] = "workorder AS w INDEXED BY ix_workorder_unit", "w.unit_key = :s", sp.value
    else:
        return Plan("empty", search_kind=sp.kind)
    return Plan("btree", source, (cond, *where), params, "w.created_at", True, sp.kind)


_COLS = (
    "w.id, w.number, w.status, w.urgency, w.customer_name, w.phone, w.unit_key, w.address, "
    "substr(w.description, 1, 200), w.department, w.assignee, w.owner_id, "
    "(SELECT a.staff_no FROM agent AS a WHERE a.id = w.owner_id), w.created_at, w.received_at, w.deadline_at, "
    "w.dispatched_at, w.completed_at, w.closed_at, w.held_since, w.appointment_at, w.overdue_escalated_at, "
    "w.explained_at, w.explanation_ack_at, w.paid, w.print_count"
)


def _sql(p: Plan, *, forward: bool, cursor: OrderCursor | None, limit: int | None,
         count: bool = False) -> tuple[str, dict]:
    """``forward``: in the view's own order (the next page); else backwards (the previous one)."""
    where = list(p.where)
    params = dict(p.params)
    ascending = (not p.descending) == forward
    if cursor is not None:
        op = ">" if ascending else "<"
        if p.path == "fts":
            where.append(f"{oi.FTS_TABLE}.rowid {op} :c_key")
            params["c_key"] = -cursor.key
        else:
            where.append(f"({p.sort}, w.id) {op} (:c_value, :c_id)")
            params.update(c_value=cursor.value, c_id=cursor.id)
    cond = (" WHERE " + " AND ".join(where)) if where else ""
    if count:
        return f"SELECT count(*) FROM {p.source}{cond}", params
    direction = "ASC" if ascending else "DESC"
    if p.path == "fts":
        select = f"SELECT {_COLS}, '', -{oi.FTS_TABLE}.rowid FROM {p.source}{cond} ORDER BY {oi.FTS_TABLE}.rowid {direction}"
    else:
        select = (f"SELECT {_COLS}, {p.sort}, 0 FROM {p.source}{cond} "
                  f"ORDER BY {p.sort} {direction}, w.id {direction}")
    if limit is not None:
        select += f" LIMIT {int(limit)}"
    return select, params


_PARAM = re.compile(r":([a-z_][a-z0-9_]*)")


def _qmark(sql: str, params: dict) -> tuple[str, tuple]:
    values = []

    def sub(m: re.Match) -> str:
        values.append(params[m.group(1)])
        return "?"

    return _PARAM.sub(sub, sql), tuple(values)


def _ts(value) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def _row(r, full_phones: bool) -> OrderRow:
    created = _ts(r[13])
    return OrderRow(
        id=r[0], number=r[1], status=OrderStatus(r[2]), urgency=Urgency(r[3]), customer_name=r[4] or "",
        phone=(r[5] or "") if full_phones else mask(r[5] or ""), unit=r[6] or r[7] or "",
        summary=(r[8] or "").split("\n", 1)[0], department=r[9], technician=r[10] or "", owner_id=r[11],
        owner_staff_no=r[12] or "", created_at=created, received_at=_ts(r[14]) or created,
        deadline_at=_ts(r[15]), dispatched_at=_ts(r[16]), completed_at=_ts(r[17]), closed_at=_ts(r[18]),
        held_since=_ts(r[19]), appointment_at=_ts(r[20]), overdue_escalated_at=_ts(r[21]),
        explained_at=_ts(r[22]), explanation_ack_at=_ts(r[23]), paid=bool(r[24]), print_count=r[25] or 0,
        cursor=OrderCursor(str(r[26]), r[0], r[27] or 0))


def _fetch(session: Session, q: ListQuery, *, forward: bool, cursor: OrderCursor | None, limit: int,
           full_phones: bool) -> list[OrderRow]:
    p = plan(q)
    if p.path == "empty":
        return []
    sql, params = _sql(p, forward=forward, cursor=cursor, limit=limit)
    result = session.connection().exec_driver_sql(*_qmark(sql, params))
    return [_row(r, full_phones) for r in result]


def page_after(session: Session, q: ListQuery, cursor: OrderCursor | None = None, *, limit: int = PAGE_SIZE,
               full_phones: bool = False) -> Page:
    """The page after ``cursor`` in the view's order (the first page when None)."""
    rows = _fetch(session, q, forward=True, cursor=cursor, limit=limit + 1, full_phones=full_phones)
    return Page(tuple(rows[:limit]), at_start=cursor is None, at_end=len(rows) <= limit)


def page_before(session: Session, q: ListQuery, cursor: OrderCursor | None = None, *, limit: int = PAGE_SIZE,
                full_phones: bool = False) -> Page:
    """The page before ``cursor`` (the last page when None), in the view's order."""
    rows = _fetch(session, q, forward=False, cursor=cursor, limit=limit + 1, full_phones=full_phones)
    at_start = len(rows) <= limit
    rows = rows[:limit]
    rows.reverse()
    return Page(tuple(rows), at_start=at_start, at_end=cursor is None)


def page_around(session: Session, q: ListQuery, cursor: OrderCursor, *, limit: int = PAGE_SIZE,
                full_phones: bool = False) -> Page:
    """The page starting at ``cursor`` itself (the same rows again, refreshed)."""
    p = plan(q)
    if p.path == "fts":
        start = OrderCursor(cursor.value, cursor.id, cursor.key + 1)  # one key newer
    else:
        start = OrderCursor(cursor.value, cursor.id + (1 if p.descending else -1), cursor.key)
    page = page_after(session, q, start, limit=limit, full_phones=full_phones)
    if page.rows:
        page = Page(page.rows, at_start=False, at_end=page.at_end)
        if not _fetch(session, q, forward=False, cursor=page.first, limit=1, full_phones=False):
            page = Page(page.rows, at_start=True, at_end=page.at_end)
        return page
    return page_after(session, q, None, limit=limit, full_phones=full_phones)


def count(session: Session, q: ListQuery) -> int:
    """How many orders the view (and search) holds; run it off the first paint."""
    p = plan(q)
    if p.path == "empty":
        return 0
    sql, params = _sql(p, forward=True, cursor=None, limit=None, count=True)
    return session.connection().exec_driver_sql(*_qmark(sql, params)).scalar_one()


def count_before(session: Session, q: ListQuery, cursor: OrderCursor) -> int:
    """How many rows come before ``cursor``: the page's offset."""
    p = plan(q)
    if p.path == "empty":
        return 0
    sql, params = _sql(p, forward=False, cursor=cursor, limit=None, count=True)
    return session.connection().exec_driver_sql(*_qmark(sql, params)).scalar_one()


def explain(session: Session, q: ListQuery, *, forward: bool = True, cursor: OrderCursor | None = None,
            count_query: bool = False) -> list[str]:
    """EXPLAIN QUERY PLAN lines of a page (or count) query."""
    p = plan(q)
    if p.path == "empty":
        return []
    sql, params = _sql(p, forward=forward, cursor=cursor, limit=None if count_query else PAGE_SIZE,
                       count=count_query)
    sql, values = _qmark(sql, params)
    return [r[3] for r in session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql, values).fetchall()]


# --------------------------------------------------------------------------- the counts on the tabs


@dataclass(frozen=True)
class Tally:
    mine: int
    mine_due_soon: int
    mine_overdue: int
    escalated_owed: int  # explanations owed (the owner's, in "mine")
    dispatch_late: int = 0  # mine still waiting for dispatch more than 5 minutes after the call


def tally(session: Session, owner_id: int, *, at: datetime | None = None) -> Tally:
    """My open orders, how many are due soon and overdue, explanations I owe, and how many wait for
    dispatch past the 5 minutes (one index read)."""
    at = at or utcnow()
    rows = session.connection().exec_driver_sql(
        "SELECT w.status, w.created_at, w.deadline_at, w.overdue_escalated_at, w.explained_at, "
        "w.explanation_ack_at, w.received_at, w.dispatched_at FROM workorder AS w "
        f"INDEXED BY ix_workorder_open_owner WHERE {_OPEN} AND w.owner_id = ? LIMIT 5000", (owner_id,)).fetchall()
    soon = overdue = owed = late = 0
    for status, created, deadline, escalated, explained, acked, received, dispatched in rows:
        if dispatched is None and dispatch_late(_ts(received) or _ts(created), None, at):
            late += 1
        if status != OrderStatus.ON_HOLD.value:
            state = due_state(_ts(created), _ts(deadline), at)
            soon += state is DueState.DUE_SOON
            overdue += state is DueState.OVERDUE
        owed += explanation_state(_ts(escalated), _ts(explained), _ts(acked), at) in (
            ExplanationState.OWED, ExplanationState.LATE)
    return Tally(len(rows), soon, overdue, owed, late)
