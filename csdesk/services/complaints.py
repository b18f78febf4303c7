"""Complaints (投诉 / 客诉处理跟踪表): the tracking record worked to its close.

A complaint comes from intake (:func:`csdesk.services.intake.record_contact`
files it with its escalation), from a work order, from a return visit, or is
entered at the desk field for field (a record taken on paper).  The supervisor
then works it: takes ownership, writes the plan, records the calls to the
customer and the customer's response, and closes it.  Each step is a
:class:`~csdesk.store.models.ComplaintEvent` with who and when; a step entered
after the fact carries the time it happened (the audit log keeps when it was
typed).

- Taking a complaint acknowledges its escalation, and acknowledging the
  escalation in the queue takes the complaint (:func:`take_on`): the two can no
  longer drift apart.
- The reply deadline is half a working day of the regular shift (常班) from the
  complaint (:func:`csdesk.domain.shifts.reply_deadline`): due soon at 80 %,
  overdue after it, as for orders.  The first call to the customer (or the
  response, or the close) is the reply.  An overdue complaint goes to the
  manager once (:func:`escalate_overdue`, run by the tick).
- Views: open, mine, overdue, closed this month, all; searched like the
  register (:func:`search_ids`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, select

from csdesk.clock import local_tz
from csdesk.clock import now as utcnow
from csdesk.domain import ComplaintSource, ComplaintStatus, EscalationReason, StaffKind
from csdesk.domain.actor import SYSTEM, Actor
from csdesk.domain.errors import Conflict, Invalid, NotFound
from csdesk.domain.phones import mask
from csdesk.domain.policy import Act, may, require
from csdesk.domain.rules import DueState, complaint_due_state
from csdesk.domain.shifts import ShiftHours, reply_deadline
from csdesk.i18n import N_, _
from csdesk.services.audit import acting
from csdesk.store.models import (
    Agent,
    Complaint,
    ComplaintEvent,
    Contact,
    Customer,
    CustomerPhone,
    Escalation,
    Shift,
    WorkOrder,
)

OPEN_STATUSES = (ComplaintStatus.OPEN.value, ComplaintStatus.ESCALATED.value, ComplaintStatus.IN_HAND.value)
VIEWS = ("open", "mine", "overdue", "closed", "all")
LIST_LIMIT = 200
LIMITS = {"customer_name": 64, "contact": 32, "about": 2000, "order_ref": 64, "first_handler_name": 32,
          "escalation_reason": 1000, "about_staff": 64, "plan": 4000, "response": 2000, "note": 2000,
          "unit_key": 64}
REGULAR_SHIFT = "regular"
_DEFAULT_REGULAR = ShiftHours.of(REGULAR_SHIFT, "09:00", "18:00")
_CONTACT = re.compile(r"^[\d\s\-+*…．.·xX()（）]{2,32}$")


class EventKind:
    CREATED = "created"
    ESCALATED = "escalated"
    TAKEN = "taken"
    PLAN = "plan"
    CALL = "call"
    RESPONSE = "response"
    CLOSED = "closed"
    AMENDED = "amended"
    OVERDUE = "overdue"
    HANDLING = "handling"  # the first handler's steps, as typed at intake


EVENT_LABELS = {
    EventKind.CREATED: N_("complaint recorded"), EventKind.ESCALATED: N_("escalated to the supervisor"),
    EventKind.TAKEN: N_("taken on"), EventKind.PLAN: N_("plan written"), EventKind.CALL: N_("customer called"),
    EventKind.RESPONSE: N_("customer's response"), EventKind.CLOSED: N_("complaint closed"),
    EventKind.AMENDED: N_("record amended"), EventKind.OVERDUE: N_("reply overdue: sent to the manager"),
    EventKind.HANDLING: N_("first handler's handling"),
}


def event_label(kind: str) -> str:
    return _(EVENT_LABELS[kind]) if kind in EVENT_LABELS else kind


# --------------------------------------------------------------------------- plain data


@dataclass(frozen=True)
class ComplaintEventInfo:
    at: datetime
    staff_no: str
    kind: str
    note: str

    @property
    def label(self) -> str:
        return event_label(self.kind)


@dataclass(frozen=True)
class ComplaintRecord:
    """The whole tracking record, as the desk reads it (phone masked unless allowed)."""

    id: int
    number: str
    status: str
    source: str
    customer_id: int | None
    customer_code: str
    customer_name: str
    contact: str  # as given ("…5678" allowed); masked for agents when it is a full number
    unit_key: str
    complained_at: datetime
    about: str
    order_ref: str  # the order concerned: a csdesk order's number or the customer's own reference
    work_order_id: int | None
    work_order_number: str
    first_handler_staff_no: str
    first_handler_name: str
    escalated_at: datetime | None
    escalation_reason: str
    supervisor_id: int | None
    supervisor_staff_no: str
    supervisor_name: str
    owned_at: datetime | None
    plan: str
    calls: int
    customer_response: str
    closed_at: datetime | None
    about_staff_kind: str
    about_staff_name: str  # the agent's staff number and name, or the technician's name
    due_at: datetime | None
    due_soon_at: datetime | None
    replied_at: datetime | None
    overdue_escalated_at: datetime | None
    contact_id: int | None
    contact_number: str
    events: tuple[ComplaintEventInfo, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.status != ComplaintStatus.CLOSED.value

    def due_state(self, at: datetime | None = None) -> DueState:
        return _due_state(self.status, self.replied_at, self.due_soon_at, self.due_at, at)

    @property
    def handling_time(self) -> timedelta | None:
        return (self.closed_at - self.complained_at) if self.closed_at else None


@dataclass(frozen=True)
class ComplaintRow:
    id: int
    number: str
    status: str
    complained_at: datetime
    customer_name: str
    contact: str
    unit_key: str
    about: str  # first line
    supervisor_staff_no: str
    due_at: datetime | None
    due_soon_at: datetime | None
    replied_at: datetime | None
    closed_at: datetime | None
    calls: int
    order_ref: str
    about_staff: str

    def due_state(self, at: datetime | None = None) -> DueState:
        return _due_state(self.status, self.replied_at, self.due_soon_at, self.due_at, at)


@dataclass(frozen=True)
class ComplaintList:
    view: str
    rows: tuple[ComplaintRow, ...]
    total: int  # rows of the view (and search), of which ``rows`` are the first
    search_kind: str = ""


@dataclass(frozen=True)
class ComplaintForm:
    """The tracking record as entered at the desk; strings as typed, times aware (None: now)."""

    customer_name: str = ""
    contact: str = ""  # as given: a full number or part of one ("…5678")
    customer_id: int | None = None
    unit_key: str = ""
    complained_at: datetime | None = None
    about: str = ""
    order_ref: str = ""  # a csdesk order number (WO…) or the customer's own reference
    first_handler: str = ""  # staff number of the agent who took it first (default: whoever enters it)
    first_handler_name: str = ""  # the first handler as named on a paper record, when not an account
    escalated_at: datetime | None = None
    escalation_reason: str = ""
    about_staff_kind: str = ""  # agent, technician or ""
    about_staff: str = ""  # the agent's staff number, or the technician's name
    channel: str = "phone"
    source: str = ComplaintSource.DESK.value
    work_order_id: int | None = None


def _due_state(status: str, replied_at, due_soon_at, due_at, at) -> DueState:
    if status == ComplaintStatus.CLOSED.value or replied_at is not None or due_at is None:
        return DueState.OK
    return complaint_due_state(due_soon_at or due_at, due_at, at or utcnow())


# --------------------------------------------------------------------------- the deadline


def regular_hours(session: Session) -> ShiftHours:
    """The regular shift's hours (常班) from the shift table; 09:00-18:00 if it has none."""
    row = session.exec(select(Shift.start, Shift.end).where(Shift.code == REGULAR_SHIFT)).first()
    if row is None:
        return _DEFAULT_REGULAR
    try:
        hours = ShiftHours.of(REGULAR_SHIFT, row[0], row[1])
    except ValueError:
        return _DEFAULT_REGULAR
    return _DEFAULT_REGULAR if hours.crosses_midnight else hours


def deadline_for(session: Session, complained_at: datetime,
                 hours: ShiftHours | None = None) -> tuple[datetime, datetime]:
    """(due soon, due) for a complaint made at ``complained_at``: half a working day of the regular shift."""
    return reply_deadline(complained_at, hours or regular_hours(session), local_tz())


# --------------------------------------------------------------------------- helpers


def _load(session: Session, complaint_id: int) -> Complaint:
    complaint = session.get(Complaint, complaint_id)
    if complaint is None:
        raise NotFound(_("No complaint with that number."))
    return complaint


def find_id(session: Session, number: str) -> int | None:
    """A complaint's id by its number (CP20261122-0003), or by its id as digits."""
    text = (number or "").strip().upper()
    if text.isdigit():
        return int(text) if session.get(Complaint, int(text)) is not None else None
    return session.exec(select(Complaint.id).where(Complaint.number == text)).first()


def _event(session: Session, complaint: Complaint, actor: Actor, at: datetime, kind: str, note: str = "",
           changes: dict | None = None) -> None:
    session.add(ComplaintEvent(complaint_id=complaint.id, at=at, agent_id=actor.id, staff_no=actor.staff_no,
                               kind=kind, note=note,
                               changes=json.dumps(changes, ensure_ascii=False, default=str) if changes else ""))


NAME_FIELDS = frozenset({"customer_name", "first_handler_name", "about_staff"})


def _clean(value: str, name: str, *, multi: bool = False, required: str = "") -> str:
    """A field through the desk's one text hygiene (:func:`csdesk.domain.text.clean_text`)."""
    from csdesk.domain.text import TextError, TextKind, clean_text

    kind = TextKind.BLOCK if multi else TextKind.NAME if name in NAME_FIELDS else TextKind.LINE
    try:
        text = clean_text(value, LIMITS[name], kind=kind)
    except TextError as exc:
        raise Invalid({name: str(exc)}) from None
    if required and not text:
        raise Invalid({name: required})
    return text


def _when(value: datetime | None, now: datetime, name: str, *, not_before: datetime | None = None) -> datetime:
    """A time the user gave (entry after the fact) or now; never in the future, never before the complaint."""
    if value is None:
        return now
    if value.tzinfo is None:
        raise Invalid({name: _("Give the time with its zone.")})
    if value > now + timedelta(minutes=1):
        raise Invalid({name: _("That time is in the future.")})
    if not_before is not None and value < not_before:
        raise Invalid({name: _("That is before the complaint was made.")})
    return value


def parse_contact(value: str) -> str:
    """The contact as given: a full number is stored normalised; part of one ("…5678") as typed."""
    from csdesk.domain.phones import PhoneError, parse_phone

    text = _clean(value, "contact")
    if not text:
        return ""
    try:
        return parse_phone(text).number
    except PhoneError:
        pass
    if not _CONTACT.match(text) or sum(ch.isdigit() for ch in text) < 2:
        raise Invalid({"contact": _("A phone number or part of one, such as …5678.")})
    return text


def _staff_no_of(session: Session, agent_id: int | None) -> tuple[str, str]:
    if agent_id is None:
        return "", ""
    row = session.exec(select(Agent.staff_no, Agent.name).where(Agent.id == agent_id)).first()
    return (row[0], row[1]) if row else ("", "")


def _about_staff(session: Session, kind: str, who: str) -> tuple[str, str, int | None, int | None]:
    """(kind, name shown, agent id, technician id) of the staff member complained about."""
    kind = (kind or "").strip()
    who = _clean(who, "about_staff")
    if not kind and not who:
        return "", "", None, None
    if not kind:
        kind = StaffKind.AGENT.value if session.exec(select(Agent.id).where(Agent.staff_no == who)).first() \
            else StaffKind.TECHNICIAN.value
    try:
        kind = StaffKind.parse(kind).value
    except ValueError as exc:
        raise Invalid({"about_staff_kind": str(exc)}) from None
    if not who:
        raise Invalid({"about_staff": _("Name the staff member complained about.")})
    if kind == StaffKind.AGENT.value:
        agent = session.exec(select(Agent).where(Agent.staff_no == who)).first()
        if agent is None:
            raise Invalid({"about_staff": _("No agent with staff number {staff_no}.").format(staff_no=who[:16])})
        return kind, f"{agent.staff_no} {agent.name}", agent.id, None
    tech = roster_technician(session, who)
    if tech is None:
        raise Invalid({"about_staff": _("No technician {value} on the roster (give the code or the name).").format(
            value=who[:32])})
    return kind, tech[1], None, tech[0]


def roster_technician(session: Session, value: str) -> tuple[int, str] | None:
    """(id, name) of the roster's technician named by ``value``: the code (any case) or the name; an active
    one first, then one taken off the roster (old orders and paper records still name them)."""
    from csdesk.store.models import Technician

    value = value.strip()
    if not value:
        return None
    rows = session.exec(select(Technician.id, Technician.name, Technician.code, Technician.active).where(
        (Technician.name == value) | (Technician.code == value) | (Technician.code == value.upper()))).all()
    rows = sorted(rows, key=lambda r: (not r[3], r[2] != value, r[0]))
    return (rows[0][0], rows[0][1]) if rows else None


def technician_id(session: Session, name: str) -> int | None:
    """The roster's id of the technician named ``name`` (code or name), None when not on the roster."""
    found = roster_technician(session, name)
    return found[0] if found else None


def _order_for(session: Session, ref: str) -> tuple[int | None, str]:
    """A csdesk order named by its number, if ``ref`` is one."""
    ref = ref.strip()
    if not ref:
        return None, ""
    row = session.exec(select(WorkOrder.id, WorkOrder.number).where(WorkOrder.number == ref.upper())).first()
    return (row[0], row[1]) if row else (None, "")


# --------------------------------------------------------------------------- reading


def get_record(session: Session, complaint_id: int, viewer: Actor | None = None, *,
               full_phones: bool | None = None) -> ComplaintRecord:
    """The whole tracking record with its events; numbers masked unless the viewer may see them."""
    c = _load(session, complaint_id)
    if full_phones is None:
        full_phones = may(viewer, Act.SEE_FULL_PHONE)
    events = tuple(ComplaintEventInfo(e.at, e.staff_no, e.kind, e.note) for e in session.exec(
        select(ComplaintEvent).where(ComplaintEvent.complaint_id == c.id).order_by(ComplaintEvent.at,
                                                                                    ComplaintEvent.id)))
    sup_no, sup_name = _staff_no_of(session, c.supervisor_id)
    first_no, first_name = (c.first_handler_staff_no, c.first_handler_name)
    if not first_name and c.first_handler_id:
        first_name = _staff_no_of(session, c.first_handler_id)[1]
    code = ""
    if c.customer_id:
        code = session.exec(select(Customer.code).where(Customer.id == c.customer_id)).first() or ""
    order_no = ""
    if c.work_order_id:
        order_no = session.exec(select(WorkOrder.number).where(WorkOrder.id == c.work_order_id)).first() or ""
    contact_no = ""
    if c.contact_id:
        contact_no = session.exec(select(Contact.number).where(Contact.id == c.contact_id)).first() or ""
    due_soon = None
    if c.due_at is not None:
        due_soon = deadline_for(session, c.complained_at)[0]
    return ComplaintRecord(
        id=c.id, number=c.number, status=c.status, source=c.source, customer_id=c.customer_id, customer_code=code,
        customer_name=c.customer_name, contact=c.contact_phone if full_phones else mask(c.contact_phone),
        unit_key=c.unit_key, complained_at=c.complained_at, about=c.about, order_ref=c.order_ref or order_no,
        work_order_id=c.work_order_id, work_order_number=order_no, first_handler_staff_no=first_no,
        first_handler_name=first_name, escalated_at=c.escalated_at, escalation_reason=c.escalation_reason,
        supervisor_id=c.supervisor_id, supervisor_staff_no=sup_no, supervisor_name=sup_name, owned_at=c.owned_at,
        plan=c.plan, calls=c.calls, customer_response=c.customer_response, closed_at=c.closed_at,
        about_staff_kind=c.about_staff_kind, about_staff_name=c.about_staff_name, due_at=c.due_at,
        due_soon_at=due_soon, replied_at=c.replied_at, overdue_escalated_at=c.overdue_escalated_at,
        contact_id=c.contact_id, contact_number=contact_no, events=events)


_ROW_COLS = ("p.id, p.number, p.status, p.complained_at, p.customer_name, p.contact_phone, p.unit_key, "
             "substr(p.about, 1, 200), (SELECT a.staff_no FROM agent a WHERE a.id = p.supervisor_id), p.due_at, "
             "p.replied_at, p.closed_at, p.calls, p.order_ref, p.about_staff_name")


def _rows(session: Session, source: str, params: dict, order: str, limit: int, full_phones: bool,
          hours: ShiftHours) -> list[ComplaintRow]:
    from csdesk.services.register import _named_to_qmark

    sql = f"SELECT {_ROW_COLS} FROM {source} ORDER BY {order} LIMIT {int(limit)}"
    out = []
    tz = local_tz()
    soon: dict[datetime, datetime] = {}
    for r in session.connection().exec_driver_sql(*_named_to_qmark(sql, params)):
        complained, due, replied, closed = (_ts(r[3]), _ts(r[9]), _ts(r[10]), _ts(r[11]))
        due_soon = None
        if due is not None and closed is None and replied is None:
            due_soon = soon.get(complained)
            if due_soon is None:
                due_soon = soon[complained] = reply_deadline(complained, hours, tz)[0]
        contact = r[5] or ""
        out.append(ComplaintRow(r[0], r[1], r[2], complained, r[4], contact if full_phones else mask(contact),
                                r[6] or "", (r[7] or "").strip().split("\n", 1)[0], r[8] or "", due, due_soon,
                                replied, closed, r[12] or 0, r[13] or "", r[14] or ""))
    return out


def _ts(value) -> datetime | None:
    from datetime import UTC

    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def _bound(value: datetime) -> str:
    from datetime import UTC

    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def month_range(at: datetime) -> tuple[datetime, datetime]:
    """The local calendar month of ``at``: [first day 00:00, next month's first day)."""
    local = at.astimezone(local_tz())
    first = datetime.combine(local.date().replace(day=1), time(0), tzinfo=local_tz())
    nxt = (first + timedelta(days=32)).replace(day=1)
    return first, datetime.combine(nxt.date(), time(0), tzinfo=local_tz())


@dataclass(frozen=True)
class ViewQuery:
    source: str  # FROM … (aliased p) WHERE …
    params: dict
    order: str
    count_source: str  # the same rows, for counting


def view_sql(view: str, viewer: Actor | None, at: datetime, *, ids: Sequence[int] | None = None,
             limit: int = LIST_LIMIT) -> ViewQuery:
    """The SQL of a view, each an index range read in order (see the model's indexes); ``ids`` narrows
    it to a search's matches."""
    open_in = "p.status IN ('open', 'escalated', 'in_hand')"
    newest = "p.complained_at DESC, p.id DESC"
    params: dict = {}
    if view == "open":
        where = open_in
    elif view == "mine":
        where = "p.supervisor_id = :me AND p.status = 'in_hand'"
        params["me"] = viewer.id if viewer else -1
    elif view == "overdue":
        where = f"{open_in} AND p.due_at < :now AND p.replied_at IS NULL"
        params["now"] = _bound(at)
    elif view == "closed":
        start, end = month_range(at)
        where = "p.closed_at >= :start AND p.closed_at < :end"
        params.update(start=_bound(start), end=_bound(end))
    elif view == "all":
        where = "1"
    else:
        raise Invalid({"view": _("unknown view {view!r}; choose one of: {choices}").format(
            view=view, choices=", ".join(VIEWS))})
    order = {"overdue": "p.due_at, p.id", "closed": "p.closed_at DESC, p.id DESC"}.get(view, newest)
    if ids is not None:
        where += f" AND p.id IN ({','.join(str(int(i)) for i in ids) or 'NULL'})"
    count_source = f"complaint p WHERE {where}"
    source = count_source
    if view == "open" and ids is None:
        # one index range per status, each read newest first and cut at the page: no sort of them all
        parts = [f"SELECT * FROM (SELECT * FROM complaint p WHERE p.status = '{status}' ORDER BY {newest} "
                 f"LIMIT {int(limit)})" for status in OPEN_STATUSES]
        source = f"({' UNION ALL '.join(parts)}) p"
    return ViewQuery(source, params, order, count_source)


def list_complaints(session: Session, viewer: Actor | None, view: str = "open", *, search: str = "",
                    at: datetime | None = None, limit: int = LIST_LIMIT, count: bool = True) -> ComplaintList:
    """The complaints of a view (open, mine, overdue, closed this month, all), searched like the register."""
    from csdesk.services.register import _named_to_qmark

    at = at or utcnow()
    kind, ids = "", None
    if (search or "").strip():
        kind, ids = search_ids(session, search)
        if not ids:
            return ComplaintList(view, (), 0, kind)
    q = view_sql(view, viewer, at, ids=ids, limit=limit)
    full = may(viewer, Act.SEE_FULL_PHONE)
    rows = _rows(session, q.source, q.params, q.order, limit, full, regular_hours(session))
    total = len(rows)
    if count and len(rows) >= limit:
        total = session.connection().exec_driver_sql(
            *_named_to_qmark(f"SELECT count(*) FROM {q.count_source}", q.params)).scalar_one()
    return ComplaintList(view, tuple(rows), total, kind)


def explain(session: Session, view: str, viewer: Actor | None, at: datetime | None = None) -> list[str]:
    from csdesk.services.register import _named_to_qmark

    q = view_sql(view, viewer, at or utcnow())
    sql = f"EXPLAIN QUERY PLAN SELECT {_ROW_COLS} FROM {q.source} ORDER BY {q.order} LIMIT {LIST_LIMIT}"
    return [r[3] for r in session.connection().exec_driver_sql(*_named_to_qmark(sql, q.params))]


_CP = re.compile(r"^CP\d{8}-\d{3,}$", re.IGNORECASE)
_WO = re.compile(r"^WO\d{8}-\d{3,}$", re.IGNORECASE)
SEARCH_IDS = 500


def search_ids(session: Session, search: str, limit: int = SEARCH_IDS) -> tuple[str, list[int]]:
    """Complaints matching the search box, as the register reads it: complaint or order number,
    contact number, phone, last four digits, unit, pinyin initials, name or words (the register's
    search index over the complaint's contact).  Returns (kind, ids)."""
    from sqlalchemy import text

    from csdesk.services.register import interpret
    from csdesk.store import search_index as si

    raw = (search or "").strip()
    if not raw:
        return "none", []

    def ids(sql: str, **params) -> list[int]:
        return [r[0] for r in session.execute(text(sql + f" LIMIT {int(limit)}"), params) if r[0] is not None]

    if _CP.match(raw):
        return "number", ids("SELECT id FROM complaint WHERE number = :n", n=raw.upper())
    if _WO.match(raw):
        found = ids("SELECT p.id FROM complaint p JOIN workorder w ON w.id = p.work_order_id WHERE w.number = :n",
                    n=raw.upper())
        return "order", found + [i for i in ids("SELECT id FROM complaint WHERE order_ref = :n", n=raw.upper())
                                 if i not in found]
    plan = interpret(raw)
    if plan.kind == "number":
        return "number", ids("SELECT complaint_id FROM contact WHERE number = :n", n=plan.value)
    if plan.kind == "phone":
        return "phone", _union(
            ids("SELECT id FROM complaint WHERE contact_phone = :p", p=plan.value),
            ids("SELECT p.id FROM customerphone cp JOIN complaint p ON p.customer_id = cp.customer_id "
                "WHERE cp.phone = :p", p=plan.value))
    if plan.kind == "last4":
        return "last4", _union(
            ids("SELECT id FROM complaint WHERE substr(contact_phone, -4) = :q", q=plan.value),
            ids("SELECT p.id FROM customerphone cp JOIN complaint p ON p.customer_id = cp.customer_id "
                "WHERE substr(cp.phone, -4) = :q", q=plan.value))
    if plan.kind == "unit":
        return "unit", ids("SELECT id FROM complaint WHERE unit_key = :u", u=plan.value)
    if raw.isdigit():  # a customer's own order reference (20231027005)
        return "order", ids("SELECT id FROM complaint WHERE order_ref = :n", n=raw)
    out: list[int] = []
    if plan.kind == "initials":
        out = ids("SELECT p.id FROM customer c JOIN complaint p ON p.customer_id = c.id "
                  "WHERE c.name_initials GLOB :q", q=_glob(plan.value) + "*")
    out = _union(out, ids("SELECT id FROM complaint WHERE customer_name GLOB :q", q=_glob(raw) + "*"))
    if plan.fts and len(raw) > 1:  # a single character finds names above; over the register's index it is slow
        match = f"({plan.fts}) AND tags : \"{si.tag('cat', 'complaint')}\""
        out = _union(out, ids(f"SELECT c.complaint_id FROM {si.FTS_TABLE} JOIN contact c "
                              f"ON c.id = ((-{si.FTS_TABLE}.rowid) & {si.ID_MASK}) "
                              f"WHERE {si.FTS_TABLE} MATCH :m AND c.complaint_id IS NOT NULL", m=match))
    return plan.kind, out[:limit]


def _glob(text: str) -> str:
    return "".join(f"[{ch}]" if ch in "*?[]" else ch for ch in text)


def _union(*lists: Iterable[int]) -> list[int]:
    seen: dict[int, None] = {}
    for items in lists:
        for i in items:
            seen.setdefault(i, None)
    return list(seen)


# --------------------------------------------------------------------------- filing


def after_filed(session: Session, complaint: Complaint, actor: Actor, at: datetime, *,
                hours: ShiftHours | None = None, handling: str = "") -> None:
    """What every new complaint gets, however it was filed: its reply deadline, its unit, its
    first events (``handling``: the first handler's steps typed at intake, kept as a step of the
    record before its escalation); and, when it concerns an order of a drawn month, that order's
    return visit."""
    complaint.due_at = deadline_for(session, complaint.complained_at, hours)[1]
    if complaint.due_at < at and complaint.replied_at is None:
        # recorded after its reply deadline (a paper record entered later): overdue on the views, but
        # no news for the manager while the supervisor is still entering its steps
        complaint.overdue_escalated_at = at
    if complaint.contact_id and complaint.source == ComplaintSource.INTAKE.value:
        # a complaint made on a call-back: on a return visit, or on the call after an order's low score
        from csdesk.store.models import Callback

        row = session.exec(select(Callback.visit_id, Callback.kind, Callback.work_order_id)
                           .join(Contact, col(Contact.parent_callback_id) == Callback.id)
                           .where(Contact.id == complaint.contact_id)).first()
        if row is not None and (row[0] is not None or row[1] == "low_score"):
            complaint.source = (ComplaintSource.RETURN_VISIT if row[0] is not None else ComplaintSource.ORDER).value
            if complaint.work_order_id is None and row[2] is not None:
                complaint.work_order_id = row[2]
                complaint.order_ref = complaint.order_ref or session.exec(
                    select(WorkOrder.number).where(WorkOrder.id == row[2])).first() or ""
    if not complaint.unit_key and complaint.customer_id:
        customer = session.get(Customer, complaint.customer_id)
        complaint.unit_key = customer.unit_key if customer else ""
    session.flush()
    try:
        source = ComplaintSource(complaint.source).label
    except ValueError:
        source = complaint.source
    _event(session, complaint, actor, complaint.complained_at, EventKind.CREATED, source)
    if handling.strip():
        _event(session, complaint, actor, complaint.escalated_at or at, EventKind.HANDLING, handling.strip())
    if complaint.escalated_at is not None:
        _event(session, complaint, actor, complaint.escalated_at, EventKind.ESCALATED, complaint.escalation_reason)
    if complaint.work_order_id:
        from csdesk.services.visits import order_tied_to_complaint

        order_tied_to_complaint(session, complaint.work_order_id, actor, at)
    session.flush()


def _register_phone(contact: str) -> str:
    """The contact as given, as the register keeps a number: whole, or a part of one ("…5678", as
    intake keeps it: searchable by its digits); anything else (a name, an e-mail) not as a number."""
    from csdesk.services.intake import parse_partial_number

    if contact.isdigit() or contact.startswith("+"):
        return contact
    try:
        return parse_partial_number(contact)
    except ValueError:
        return ""


def file_complaint(session: Session, actor: Actor, form: ComplaintForm, *, at: datetime | None = None) -> int:
    """Enter a complaint at the desk, field for field (a record taken on paper, one from an order or a
    return visit): the register gets its contact, the supervisor queue its escalation.  Returns its id."""
    from csdesk.store.numbers import allocate

    require(actor, Act.RECORD)
    now = at or utcnow()
    acting(session, actor)
    errors: dict[str, str] = {}

    def check(fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Invalid as exc:
            errors.update(exc.errors)
            return None

    name = check(_clean, form.customer_name, "customer_name") or ""
    contact = check(parse_contact, form.contact) or ""
    about = check(_clean, form.about, "about", multi=True, required=_("Write what the complaint is about.")) or ""
    order_ref = check(_clean, form.order_ref, "order_ref") or ""
    first_name = check(_clean, form.first_handler_name, "first_handler_name") or ""
    reason = check(_clean, form.escalation_reason, "escalation_reason", multi=True) or ""
    unit_key = check(_clean, form.unit_key, "unit_key") or ""
    complained = check(_when, form.complained_at, now, "complained_at") or now
    escalated = check(_when, form.escalated_at, now, "escalated_at", not_before=complained) or now
    staff = check(_about_staff, session, form.about_staff_kind, form.about_staff)
    customer = None
    if form.customer_id:
        customer = session.get(Customer, form.customer_id)
        if customer is None:
            errors["customer_name"] = _("The chosen customer no longer exists; search again.")
    if not name and customer is None and not contact:
        errors.setdefault("customer_name", _("Enter the customer's name or contact."))
    first_id, first_no = actor.id, actor.staff_no
    if (form.first_handler or "").strip():
        row = session.exec(select(Agent.id, Agent.staff_no).where(Agent.staff_no == form.first_handler.strip())).first()
        if row is None:
            errors["first_handler"] = _("No agent with staff number {staff_no}.").format(
                staff_no=form.first_handler.strip()[:16])
        else:
            first_id, first_no = row
    elif first_name:
        first_id, first_no = None, ""
    try:
        source = ComplaintSource.parse(form.source).value
    except ValueError as exc:
        errors["source"] = str(exc)
        source = ComplaintSource.DESK.value
    if errors:
        raise Invalid(errors)
    order_id, order_no = (form.work_order_id, "") if form.work_order_id else _order_for(session, order_ref)
    if customer is None and contact.isdigit() and len(contact) >= 7:
        cid = session.exec(select(CustomerPhone.customer_id).where(CustomerPhone.phone == contact)).first()
        customer = session.get(Customer, cid) if cid else None
    if customer is None and order_id:
        order = session.get(WorkOrder, order_id)
        customer = session.get(Customer, order.customer_id) if order and order.customer_id else None
    name = name or (customer.name if customer else "")
    unit_key = unit_key or (customer.unit_key if customer else "")
    kind, staff_name, about_agent, about_tech = staff or ("", "", None, None)
    why = reason or EscalationReason.COMPLAINT.label
    reg = Contact(number=allocate(session, "contact", complained), received_at=complained, ended_at=complained,
                  channel=form.channel or "phone", customer_id=customer.id if customer else None,
                  customer_name=name, name_initials=customer.name_initials if customer and customer.name == name
                  else "", phone=_register_phone(contact),
                  unit_key=unit_key, category="complaint", urgency="normal", summary=about, outcome="escalated",
                  status="open", agent_id=first_id or actor.id, agent_staff_no=first_no or actor.staff_no,
                  work_order_id=order_id, escalation_reason=why[:200], created_at=now)
    session.add(reg)
    session.flush()
    complaint = Complaint(
        number=allocate(session, "complaint", complained), customer_id=customer.id if customer else None,
        customer_name=name, contact_phone=contact, complained_at=complained, about=about,
        order_ref=order_ref or order_no, work_order_id=order_id, contact_id=reg.id, first_handler_id=first_id,
        first_handler_staff_no=first_no, first_handler_name=first_name, about_agent_id=about_agent,
        about_staff_kind=kind, about_staff_name=staff_name, about_technician_id=about_tech, escalated_at=escalated,
        escalation_reason=reason, status=ComplaintStatus.ESCALATED.value, source=source, unit_key=unit_key)
    session.add(complaint)
    session.flush()
    reg.complaint_id = complaint.id
    session.add(Escalation(reason=EscalationReason.COMPLAINT.value,
                           summary=f"{why} · {about.split(chr(10), 1)[0][:120]}"[:200], contact_id=reg.id,
                           work_order_id=order_id, complaint_id=complaint.id,
                           customer_id=customer.id if customer else None, created_at=escalated,
                           created_by_id=actor.id))
    after_filed(session, complaint, actor, now)
    return complaint.id


# --------------------------------------------------------------------------- working it


def take_on(session: Session, complaint: Complaint, actor: Actor, at: datetime, *, note: str = "",
            from_queue: bool = False) -> bool:
    """The supervisor owns the complaint from now: status, owner, and its escalations acknowledged.

    Returns False when it was theirs already.  Used by :func:`take` and by acknowledging the
    complaint's escalation in the queue (:func:`csdesk.services.callbacks.acknowledge_escalation`).
    """
    if complaint.supervisor_id == actor.id and complaint.status == ComplaintStatus.IN_HAND.value:
        return False
    before = complaint.supervisor_id
    complaint.supervisor_id = actor.id
    complaint.owned_at = at
    if complaint.status != ComplaintStatus.CLOSED.value:
        complaint.status = ComplaintStatus.IN_HAND.value
    if not from_queue:
        for esc in session.exec(select(Escalation).where(Escalation.complaint_id == complaint.id,
                                                         Escalation.reason == EscalationReason.COMPLAINT.value,
                                                         Escalation.to_role != "manager",
                                                         col(Escalation.acknowledged_at).is_(None))):
            esc.acknowledged_at = at
            esc.acknowledged_by_id = actor.id
    note = note or (_("taken over from {staff_no}").format(staff_no=_staff_no_of(session, before)[0])
                    if before and before != actor.id else "")
    _event(session, complaint, actor, at, EventKind.TAKEN, note,
           {"supervisor_id": [before, actor.id]} if before != actor.id else None)
    session.flush()
    return True


def _open_one(session: Session, actor: Actor, complaint_id: int) -> Complaint:
    require(actor, Act.WORK_COMPLAINT)
    complaint = _load(session, complaint_id)
    if complaint.status == ComplaintStatus.CLOSED.value:
        raise Conflict(_("Complaint {number} is closed.").format(number=complaint.number))
    return complaint


def _check_owner(session: Session, actor: Actor, complaint: Complaint, at: datetime, reassign: bool) -> None:
    """An unowned complaint is taken by whoever works it; one owned by another supervisor needs a reassign."""
    if complaint.supervisor_id is None or complaint.status != ComplaintStatus.IN_HAND.value:
        take_on(session, complaint, actor, at)
    elif complaint.supervisor_id != actor.id:
        if not reassign:
            raise Conflict(_("Complaint {number} is owned by {staff_no}; take it over first.").format(
                number=complaint.number, staff_no=_staff_no_of(session, complaint.supervisor_id)[0]))
        require(actor, Act.REASSIGN)
        take_on(session, complaint, actor, at)


def take(session: Session, actor: Actor, complaint_id: int, *, at: datetime | None = None,
         reassign: bool = False) -> ComplaintRecord:
    """Take ownership (and acknowledge the escalation); ``reassign`` takes it over from another supervisor."""
    now = utcnow()
    complaint = _open_one(session, actor, complaint_id)
    acting(session, actor)
    when = _when(at, now, "at", not_before=complaint.complained_at)
    if complaint.supervisor_id not in (None, actor.id) and complaint.status == ComplaintStatus.IN_HAND.value:
        if not reassign:
            raise Conflict(_("Complaint {number} is owned by {staff_no}; take it over first.").format(
                number=complaint.number, staff_no=_staff_no_of(session, complaint.supervisor_id)[0]))
        require(actor, Act.REASSIGN)
    if not take_on(session, complaint, actor, when):
        raise Conflict(_("Complaint {number} is yours already.").format(number=complaint.number))
    return get_record(session, complaint.id, actor)


def write_plan(session: Session, actor: Actor, complaint_id: int, plan: str, *, at: datetime | None = None,
               reassign: bool = False) -> ComplaintRecord:
    """The supervisor's plan (it replaces the earlier one; the event keeps both)."""
    now = utcnow()
    complaint = _open_one(session, actor, complaint_id)
    acting(session, actor)
    text = _clean(plan, "plan", multi=True, required=_("Write the plan."))
    when = _when(at, now, "at", not_before=complaint.complained_at)
    _check_owner(session, actor, complaint, when, reassign)
    before = complaint.plan
    complaint.plan = text
    _event(session, complaint, actor, when, EventKind.PLAN, text, {"plan": [before, text]} if before else None)
    session.flush()
    return get_record(session, complaint.id, actor)


def record_call(session: Session, actor: Actor, complaint_id: int, note: str, *, at: datetime | None = None,
                reassign: bool = False) -> ComplaintRecord:
    """A call to the customer (what was said); the first one is the reply the deadline asks for."""
    now = utcnow()
    complaint = _open_one(session, actor, complaint_id)
    acting(session, actor)
    text = _clean(note, "note", multi=True, required=_("Write what was said."))
    when = _when(at, now, "at", not_before=complaint.complained_at)
    _check_owner(session, actor, complaint, when, reassign)
    complaint.calls = (complaint.calls or 0) + 1
    if complaint.replied_at is None or when < complaint.replied_at:
        complaint.replied_at = when
    _event(session, complaint, actor, when, EventKind.CALL, text)
    session.flush()
    return get_record(session, complaint.id, actor)


def record_response(session: Session, actor: Actor, complaint_id: int, response: str, *,
                    at: datetime | None = None, reassign: bool = False) -> ComplaintRecord:
    """The customer's response to the plan (accepts, satisfied / not satisfied …)."""
    now = utcnow()
    complaint = _open_one(session, actor, complaint_id)
    acting(session, actor)
    text = _clean(response, "response", multi=True, required=_("Write the customer's response."))
    when = _when(at, now, "at", not_before=complaint.complained_at)
    _check_owner(session, actor, complaint, when, reassign)
    before = complaint.customer_response
    complaint.customer_response = text
    if complaint.replied_at is None:
        complaint.replied_at = when
    _event(session, complaint, actor, when, EventKind.RESPONSE, text,
           {"customer_response": [before, text]} if before else None)
    session.flush()
    return get_record(session, complaint.id, actor)


def close(session: Session, actor: Actor, complaint_id: int, *, at: datetime | None = None, note: str = "",
          reassign: bool = False) -> ComplaintRecord:
    """Close the complaint: it needs its plan and the customer's response.  Its contact in the
    register and every escalation still open on it close with it."""
    now = utcnow()
    complaint = _open_one(session, actor, complaint_id)
    acting(session, actor)
    text = _clean(note, "note", multi=True)
    when = _when(at, now, "at", not_before=complaint.complained_at)
    errors = {}
    last_step = session.exec(select(ComplaintEvent.at).where(
        ComplaintEvent.complaint_id == complaint.id,
        col(ComplaintEvent.kind).in_(("taken", "plan", "call", "response")))
        .order_by(col(ComplaintEvent.at).desc()).limit(1)).first()
    if last_step is not None and when < last_step:  # a record entered later: its close comes last
        from csdesk.clock import fmt

        errors["at"] = _("That is before the complaint's last step ({when}).").format(when=fmt(last_step))
    if not complaint.plan.strip():
        errors["plan"] = _("Write the plan before closing.")
    if not complaint.customer_response.strip():
        errors["response"] = _("Record the customer's response before closing.")
    if errors:
        raise Invalid(errors)
    _check_owner(session, actor, complaint, when, reassign)
    complaint.status = ComplaintStatus.CLOSED.value
    complaint.closed_at = when
    if complaint.replied_at is None:
        complaint.replied_at = when
    for esc in session.exec(select(Escalation).where(Escalation.complaint_id == complaint.id,
                                                     col(Escalation.acknowledged_at).is_(None))):
        esc.acknowledged_at = when
        esc.acknowledged_by_id = actor.id
    if complaint.contact_id:
        contact = session.get(Contact, complaint.contact_id)
        if contact is not None and contact.status != "closed":
            contact.status = "closed"
            contact.closed_at = when
    _event(session, complaint, actor, when, EventKind.CLOSED, text)
    session.flush()
    return get_record(session, complaint.id, actor)


AMENDABLE = ("customer_name", "contact", "about", "order_ref", "first_handler_name", "escalation_reason",
             "about_staff", "unit_key")


def amend(session: Session, actor: Actor, complaint_id: int, **values: Any) -> ComplaintRecord:
    """Correct or complete fields of the record (the order concerned, the staff complained about …);
    the event keeps the fields before and after."""
    require(actor, Act.WORK_COMPLAINT)
    complaint = _load(session, complaint_id)
    acting(session, actor)
    now = utcnow()
    changes: dict[str, list] = {}
    unknown = set(values) - set(AMENDABLE) - {"about_staff_kind"}
    if unknown:
        raise Invalid({sorted(unknown)[0]: _("This field cannot be changed.")})

    def put(attr: str, value) -> None:
        if getattr(complaint, attr) != value:
            changes[attr] = [getattr(complaint, attr), value]
            setattr(complaint, attr, value)

    for name in ("customer_name", "order_ref", "first_handler_name", "unit_key"):
        if name in values:
            put(name, _clean(values[name], name))
    if "about" in values:
        put("about", _clean(values["about"], "about", multi=True, required=_("Write what the complaint is about.")))
    if "escalation_reason" in values:
        put("escalation_reason", _clean(values["escalation_reason"], "escalation_reason", multi=True))
    if "contact" in values:
        put("contact_phone", parse_contact(values["contact"]))
    if "order_ref" in changes:
        order_id, _no = _order_for(session, complaint.order_ref)
        if order_id and order_id != complaint.work_order_id:
            put("work_order_id", order_id)
            from csdesk.services.visits import order_tied_to_complaint

            order_tied_to_complaint(session, order_id, actor, now)
    if "about_staff" in values or "about_staff_kind" in values:
        kind, name, agent_id, tech_id = _about_staff(session, values.get("about_staff_kind", ""),
                                                     values.get("about_staff", ""))
        put("about_staff_kind", kind)
        put("about_staff_name", name)
        put("about_agent_id", agent_id)
        put("about_technician_id", tech_id)
    if changes:
        _event(session, complaint, actor, now, EventKind.AMENDED,
               ", ".join(sorted(changes)), {k: [str(a) if a is not None else None, str(b) if b is not None else None]
                                            for k, (a, b) in changes.items()})
    session.flush()
    return get_record(session, complaint.id, actor)


# --------------------------------------------------------------------------- the timer


def escalate_overdue(session: Session, *, at: datetime | None = None, actor: Actor = SYSTEM,
                     limit: int = 500) -> list[int]:
    """Every open complaint not replied to by its deadline goes to the manager, once; returns their ids."""
    at = at or utcnow()
    acting(session, actor, at)
    # complaints filed before the reply deadline existed (or by a bulk load) get theirs first
    undated = session.exec(select(Complaint).where(col(Complaint.status).in_(OPEN_STATUSES),
                                                   col(Complaint.due_at).is_(None)).limit(limit)).all()
    if undated:
        hours = regular_hours(session)
        for c in undated:
            c.due_at = deadline_for(session, c.complained_at, hours)[1]
            if c.due_at < at:  # late before the rule existed: in the overdue view, not sent to the manager now
                c.overdue_escalated_at = at
        session.flush()
    rows = session.exec(select(Complaint).where(col(Complaint.status).in_(OPEN_STATUSES),
                                                col(Complaint.due_at).is_not(None), Complaint.due_at < at,
                                                col(Complaint.replied_at).is_(None),
                                                col(Complaint.overdue_escalated_at).is_(None))
                        .order_by(Complaint.due_at).limit(limit)).all()
    for c in rows:
        c.overdue_escalated_at = at
        late = int((at - c.due_at).total_seconds() // 60)
        owner = _staff_no_of(session, c.supervisor_id)[0] or _("no supervisor yet")
        summary = _("{number} not replied to, {minutes} min past the deadline ({owner}) · {what}").format(
            number=c.number, minutes=late, owner=owner, what=(c.about or "").split("\n", 1)[0][:80])
        session.add(Escalation(reason=EscalationReason.COMPLAINT.value, summary=summary[:200],
                               contact_id=c.contact_id, work_order_id=c.work_order_id, complaint_id=c.id,
                               customer_id=c.customer_id, created_at=at, created_by_id=actor.id, to_role="manager"))
        _event(session, c, actor, at, EventKind.OVERDUE)
    session.flush()
    return [c.id for c in rows]


# --------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class ComplaintCounts:
    open: int
    mine: int
    overdue: int
    closed_this_month: int
    views: dict[str, int] = field(default_factory=dict)


def counts(session: Session, viewer: Actor | None, at: datetime | None = None) -> ComplaintCounts:
    """How many complaints each view holds (index counts)."""
    from sqlalchemy import text

    at = at or utcnow()
    out = {}
    for view in ("open", "mine", "overdue", "closed"):
        q = view_sql(view, viewer, at)
        out[view] = session.execute(text(f"SELECT count(*) FROM {q.count_source}"), q.params).scalar_one()
    return ComplaintCounts(out["open"], out["mine"], out["overdue"], out["closed"], out)


def technician_complaint_times(session: Session, technician_ids: Iterable[int], names: Iterable[str],
                               since: datetime) -> tuple[dict[int, list], dict[str, list]]:
    """When each technician was complained about since ``since`` (the return-visit rule): by the roster's
    id (``about_technician_id``), and by name for the complaints that name a technician without an id
    (recorded before the roster).  Both read an index alone (ix_complaint_about_technician,
    ix_complaint_about_staff)."""
    by_id: dict[int, list] = {}
    wanted = sorted({i for i in technician_ids if i is not None})
    for i in range(0, len(wanted), 500):
        chunk = wanted[i:i + 500]
        for tech, when in session.exec(select(Complaint.about_technician_id, Complaint.complained_at).where(
                col(Complaint.about_technician_id).in_(chunk), Complaint.complained_at >= since)):
            by_id.setdefault(tech, []).append(when)
    by_name: dict[str, list] = {}
    names = sorted({n for n in names if n})
    for i in range(0, len(names), 500):
        chunk = names[i:i + 500]
        for name, tech, when in session.exec(select(
                Complaint.about_staff_name, Complaint.about_technician_id, Complaint.complained_at).where(
                Complaint.about_staff_kind == StaffKind.TECHNICIAN.value, col(Complaint.about_staff_name).in_(chunk),
                Complaint.complained_at >= since)):
            by_name.setdefault(name, []).append((tech, when))
    return by_id, by_name


def staff_complaint_times(session: Session, kind: str, names: Iterable[str], since: datetime) -> dict[str, list]:
    """When each named staff member was complained about since ``since`` (the return-visit rule)."""
    wanted = sorted({n for n in names if n})
    if not wanted:
        return {}
    out: dict[str, list] = {}
    for i in range(0, len(wanted), 500):
        chunk = wanted[i:i + 500]
        for name, when in session.exec(select(Complaint.about_staff_name, Complaint.complained_at).where(
                Complaint.about_staff_kind == kind, col(Complaint.about_staff_name).in_(chunk),
                Complaint.complained_at >= since)):
            out.setdefault(name, []).append(when)
    return out


def record_field_names() -> tuple[str, ...]:
    return tuple(f.name for f in fields(ComplaintRecord))


__all__ = [
    "ComplaintForm", "ComplaintList", "ComplaintRecord", "ComplaintRow", "VIEWS", "amend", "close", "counts",
    "escalate_overdue", "file_complaint", "find_id", "get_record", "list_complaints", "record_call",
    "record_response", "search_ids", "take", "take_on", "write_plan",
]


def record_output(session: Session, actor: Actor, ids: Iterable[int], fmt: str, target: str) -> int:
    """The audit row of a printed (text, HTML, PDF) or exported (CSV, XLSX) set of tracking records."""
    from csdesk.services.audit import Action, record

    ids = list(ids)
    if fmt in ("csv", "xlsx"):
        require(actor, Act.EXPORT)
        action = Action.EXPORT
    else:
        require(actor, Act.PRINT)
        action = Action.PRINT
    return record(session, actor, action, "complaint", ids[0] if len(ids) == 1 else None,
                  detail=f"{len(ids)} records {fmt} {target}")
