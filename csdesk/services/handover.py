"""The handover notebook (交接班记录本): compiled, signed off, acknowledged item by item, reviewed.

Writing (the outgoing agent)
- :func:`current_page`: the page of the shift the agent is in (or just left),
  compiled from the desk's records at the moment of asking: every open matter
  the agent owns or touched this shift — open, due-soon and overdue orders,
  pending call-backs and return visits, escalations waiting for a supervisor,
  open complaints — each with its state, deadline and last update, grouped by
  urgency.  Matters closed meanwhile are simply not there.  Compiling reads by
  index only (:func:`compile_matters`, ≤ 100 ms for 5,000 open matters).
- :func:`annotate` (instruction, "do first"), :func:`add_free_item` (customers
  passed on, prospects with name/phone/why, anything else), :func:`edit_free_item`,
  :func:`remove_free_item`: kept on the agent's draft page.
- :func:`sign_off`: compiles once more and writes every item; from then on the
  outgoing part is frozen, here and by the database's triggers (migration 0006).
  A correction is a remark beside it (:func:`add_remark`).
- :func:`reminder`: 30 minutes before the shift ends, the unclosed orders and
  call-backs with no update this shift.

Receiving (the incoming agent)
- :func:`pending_for`: the signed-off, unreceived pages addressed to the
  agent's shift (the console opens them first at login).
- :func:`acknowledge_item` (one item per call; the page is received when its
  last item is), :func:`add_note` (a note or question: the read-back).
  Acknowledged orders and call-backs pass to the receiver where the rules allow
  (:func:`csdesk.domain.handover.passes_on`), recorded in ``handoverpass`` with
  the first-contact owner named.
- :func:`escalate_unacknowledged`: the tick's step, once per page.

Reviewing (the supervisor)
- :func:`review_list` by date and shift (the night's first), filtered by date,
  shift and agent, searched like the register; :func:`get_page` with who
  acknowledged what and when, what is still open, what escalated, remarks;
  :func:`mark_reviewed`; :func:`occurrence` for printing one shift's pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import NamedTuple

from sqlalchemy import text as sql
from sqlmodel import Session

from csdesk.clock import local_tz
from csdesk.clock import now as utcnow
from csdesk.domain import CallbackKind, ComplaintStatus, EscalationReason, HandoverItemKind, HandoverStatus, OrderStatus
from csdesk.domain.actor import SYSTEM, Actor
from csdesk.domain.errors import Conflict, Invalid, NotFound, Refused
from csdesk.domain.handover import (
    FREE_TEXT_LIMIT,
    INSTRUCTION_LIMIT,
    NOTE_LIMIT,
    Group,
    Matter,
    RemarkKind,
    acknowledgement_cutoff,
    addressed_to,
    group_of,
    no_update_this_shift,
    passes_on,
    receiving_windows,
    shown_group,
    sort_key,
    writing_window,
)
from csdesk.domain.policy import Act, may, require
from csdesk.domain.rules import OPEN_ORDER_STATUSES
from csdesk.domain.shifts import ShiftHours, ShiftWindow, window
from csdesk.i18n import _
from csdesk.services.audit import acting

HANDOVER_ESCALATION = EscalationReason.HANDOVER.value  # Escalation.reason of unacknowledged items
_OPEN_ORDERS = tuple(s.value for s in OPEN_ORDER_STATUSES)
_OPEN_ORDERS_SQL = ", ".join(f"'{s}'" for s in _OPEN_ORDERS)
FREE_KINDS = (HandoverItemKind.CUSTOMER, HandoverItemKind.PROSPECT, HandoverItemKind.OTHER,
              HandoverItemKind.PRIORITY)


# --------------------------------------------------------------------------- plain data


@dataclass(frozen=True, slots=True)
class Remark:
    id: int
    at: datetime
    staff_no: str
    name: str
    kind: str  # RemarkKind
    text: str
    item_id: int | None = None

    @property
    def kind_label(self) -> str:
        try:
            return RemarkKind(self.kind).label
        except ValueError:
            return self.kind


@dataclass(frozen=True, slots=True)
class Passing:
    item_id: int
    matter: str
    matter_id: int
    from_staff_no: str
    to_staff_no: str
    first_owner_staff_no: str
    at: datetime


class Item(NamedTuple):
    """A line of a page: a compiled matter (live or as signed off) or a free item.

    A named tuple, not a dataclass: a busy desk compiles thousands of them and
    a tuple is made several times faster.
    """

    key: str  # "order:12", "callback:3", "free:45" (the stored row), "item:7" on a signed page
    matter: str  # Matter value, "" for a free item
    matter_id: int | None
    kind: str  # HandoverItemKind
    ref_number: str
    customer_name: str
    phone: str
    unit_key: str
    text: str
    state: str
    urgency: str
    group: str  # Group (urgency group of the matter)
    deadline_at: datetime | None
    last_update_at: datetime | None
    instruction: str = ""
    do_first: bool = False
    item_id: int | None = None
    sort: int = 0
    owner_id: int | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str = ""
    escalated_at: datetime | None = None
    notes: tuple = ()  # Remark
    passed_to: str = ""
    still_open: bool | None = None

    @property
    def free(self) -> bool:
        return not self.matter

    @property
    def shown_group(self) -> Group:
        return shown_group(self.group, self.do_first, self.free)

    @property
    def kind_label(self) -> str:
        if self.matter:
            return Matter(self.matter).label
        try:
            return HandoverItemKind(self.kind).label
        except ValueError:
            return self.kind

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None


@dataclass(frozen=True)
class Page:
    """One agent's page for one shift occurrence: a live draft, or as signed off."""

    id: int | None
    shift_code: str
    shift_name: str
    shift_date: date
    start_at: datetime
    end_at: datetime
    to_shift_code: str
    to_shift_name: str
    to_shift_date: date | None
    to_start_at: datetime | None
    author_id: int
    author_staff_no: str
    author_name: str
    status: str
    written_at: datetime | None = None
    submitted_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str = ""
    reviewed_at: datetime | None = None
    reviewed_by: str = ""
    escalated_at: datetime | None = None
    notes: str = ""
    items: tuple[Item, ...] = ()
    remarks: tuple[Remark, ...] = ()
    passes: tuple[Passing, ...] = ()
    compiled_at: datetime | None = None

    @property
    def signed(self) -> bool:
        return self.submitted_at is not None

    @property
    def received(self) -> bool:
        return self.acknowledged_at is not None

    @property
    def status_label(self) -> str:
        try:
            return HandoverStatus(self.status).label
        except ValueError:
            return self.status

    @property
    def unacknowledged(self) -> int:
        return sum(1 for i in self.items if i.acknowledged_at is None)

    @property
    def page_remarks(self) -> tuple[Remark, ...]:
        return tuple(r for r in self.remarks if r.item_id is None)

    def groups(self) -> list[tuple[Group, list[Item]]]:
        """The items by group, in the order shown (do first, overdue, due soon, supervisor, open, free)."""
        out: dict[Group, list[Item]] = {}
        for item in self.items:
            out.setdefault(item.shown_group, []).append(item)
        return [(g, out[g]) for g in Group if g in out]


@dataclass(frozen=True)
class PageSummary:
    id: int
    shift_code: str
    shift_name: str
    shift_date: date
    author_staff_no: str
    author_name: str
    to_shift_name: str
    to_start_at: datetime | None
    submitted_at: datetime | None
    status: str
    items: int
    acknowledged: int
    do_first: int
    escalated_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str
    reviewed_at: datetime | None
    reviewed_by: str
    remarks: int
    still_open: int | None = None

    @property
    def status_label(self) -> str:
        try:
            return HandoverStatus(self.status).label
        except ValueError:
            return self.status


@dataclass(frozen=True)
class Acknowledged:
    item_id: int
    page_id: int
    at: datetime
    remaining: int  # items of the page still unacknowledged
    received: bool  # this was the last one: the handover is received
    passed: Passing | None = None
    kept_reason: str = ""  # why a matter did not pass (closed meanwhile, taken by someone else …)


@dataclass(frozen=True)
class Reminder:
    shift_name: str
    start_at: datetime
    end_at: datetime
    remind_at: datetime
    stale: tuple[Item, ...]  # unclosed orders and call-backs with no update this shift
    open_matters: int

    def due(self, at: datetime) -> bool:
        return at >= self.remind_at


# --------------------------------------------------------------------------- helpers


def _ts(value) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def _stamp(value: datetime) -> str:
    """A bound for raw SQL on stored timestamps (naive UTC text, as UTCDateTime writes them)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _first_line(value: str | None, limit: int = 120) -> str:
    line = (value or "").strip().split("\n", 1)[0]
    return line[:limit]


def clean(value: str | None, limit: int, field_name: str, *, multi: bool = True, required: bool = False,
          name: bool = False) -> str:
    """Text as typed, through the desk's input hygiene (:func:`csdesk.domain.text.clean_text`):
    ``multi`` keeps line breaks, ``name`` is a person's name; ``limit`` characters."""
    from csdesk.domain.text import TextError, TextKind, clean_text

    kind = TextKind.NAME if name else (TextKind.BLOCK if multi else TextKind.LINE)
    try:
        text = clean_text(value, limit, kind=kind)
    except TextError as exc:
        raise Invalid({field_name: str(exc)}) from None
    if required and not text:
        raise Invalid({field_name: _("Write something first.")})
    return text


def _label(enum, value: str) -> str:
    try:
        return enum(value).label
    except ValueError:
        return value


def _shift_hours(session: Session) -> tuple[list[ShiftHours], dict[str, str]]:
    from csdesk.services.reference import shift_hours, shifts

    infos = shifts(session)
    return shift_hours(infos), {s.code: s.name for s in infos}


def _agents(session: Session, ids: Iterable[int | None]) -> dict[int, tuple[str, str]]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = session.execute(sql(f"SELECT id, staff_no, name FROM agent WHERE id IN ({','.join(map(str, ids))})"))
    return {r[0]: (r[1], r[2]) for r in rows}


def _in(values: Iterable[int]) -> str:
    return ",".join(str(int(v)) for v in values)


def _chunks(values: Sequence[int], size: int = 900) -> Iterable[Sequence[int]]:
    for i in range(0, len(values), size):
        yield values[i:i + size]


# --------------------------------------------------------------------------- windows


def writing_shift(session: Session, at: datetime | None = None) -> ShiftWindow | None:
    """The shift occurrence a page written now is for (None: off shift)."""
    hours, _names = _shift_hours(session)
    return writing_window(hours, at or utcnow(), local_tz())


def reminder_time(shift_infos: Sequence, at: datetime) -> tuple[datetime, datetime, str] | None:
    """(remind at, shift start, shift code) of the shift running at ``at``; no database needed.

    ``shift_infos``: :class:`csdesk.services.reference.ShiftInfo` rows (the console holds them).
    """
    from csdesk.domain.shifts import shift_at

    hours = [ShiftHours.of(s.code, s.start, s.end) for s in shift_infos]
    w = shift_at(hours, at, local_tz())
    if w is None:
        return None
    return w.reminder_at(), w.start, w.shift.code


def _window_of(hours: list[ShiftHours], code: str, day: date) -> ShiftWindow | None:
    for h in hours:
        if h.code == code:
            return window(h, day, local_tz())
    return None


# --------------------------------------------------------------------------- compiling

_ORDER_COLS = ("w.id, w.number, w.customer_id, w.customer_name, w.phone, w.unit_key, substr(w.description, 1, 200), "
               "w.status, w.urgency, w.deadline_at, w.created_at, w.owner_id, w.overdue_escalated_at, w.assignee, "
               "w.hold_reason, (SELECT e.at FROM workorderevent e WHERE e.work_order_id = w.id ORDER BY e.id DESC LIMIT 1)")
_SQL = {
    "orders_owned": f"SELECT {_ORDER_COLS} FROM workorder w WHERE w.owner_id = :a AND w.status IN ({_OPEN_ORDERS_SQL})",
    "orders_touched": ("SELECT DISTINCT e.work_order_id FROM workorderevent e "
                       "WHERE e.agent_id = :a AND e.at >= :start AND e.at < :end"),
    "callbacks": ("SELECT c.id, c.kind, c.due_at, c.customer_id, c.customer_name, c.phone, substr(c.note, 1, 200), "
                  "c.created_at, c.attempts, c.agent_id, ct.number, ct.unit_key, ct.urgency, "
                  "(SELECT max(a.at) FROM auditlog a WHERE a.entity = 'callback' AND a.entity_id = c.id) "
                  "FROM callback c LEFT JOIN contact ct ON ct.id = c.contact_id "
                  "WHERE c.agent_id = :a AND c.done_at IS NULL"),
    "escalations": ("SELECT e.id, e.reason, e.summary, e.created_at, e.customer_id, e.work_order_id, e.complaint_id, "
                    "ct.number, ct.customer_name, ct.phone, ct.unit_key, ct.urgency "
                    "FROM escalation e LEFT JOIN contact ct ON ct.id = e.contact_id "
                    "WHERE e.created_by_id = :a AND e.acknowledged_at IS NULL"),
    # complaints the agent filed this shift (they belong to the supervisor, but the next shift should know),
    # and those in the agent's own hands (a supervisor's page)
    "complaints": " UNION ".join(
        "SELECT p.id, p.number, p.customer_id, p.customer_name, p.contact_phone, substr(p.about, 1, 200), "
        "p.status, p.complained_at, p.escalated_at, p.due_at, p.replied_at, p.unit_key, "
        "(SELECT e.at FROM complaintevent e WHERE e.complaint_id = p.id ORDER BY e.id DESC LIMIT 1) "
        f"FROM complaint p WHERE {where} AND p.status != 'closed'"
        for where in ("p.first_handler_id = :a AND p.complained_at >= :start", "p.supervisor_id = :a")),
    "annotations": ("SELECT id, kind, matter, matter_id, text, customer_name, phone, instruction, do_first, sort "
                    "FROM handoveritem WHERE handover_id = :p"),
}


def _parser():
    """A fast parse of stored timestamps (raw SQL gives ``YYYY-MM-DD HH:MM:SS.ffffff`` text, naive UTC)."""
    iso = datetime.fromisoformat

    def parse(value):
        return iso(value).replace(tzinfo=UTC) if value else None

    return parse


def _order_items(rows, at: datetime, labels: dict) -> list[Item]:
    out = []
    append, parse = out.append, _parser()
    order, customer, on_hold, escalated_label = Matter.ORDER.value, HandoverItemKind.CUSTOMER.value, \
        OrderStatus.ON_HOLD.value, " · " + labels["escalated"]
    for (oid, number, _cid, name, phone, unit, what, status, urgency, deadline, created, owner, escalated,
         assignee, hold_reason, last_event) in rows:
        deadline, created = parse(deadline), parse(created)
        state = labels["order", status]
        if hold_reason and status == on_hold:
            state += f": {hold_reason}"
        if assignee:
            state += f" · {assignee}"
        if escalated:
            state += escalated_label
        append(Item(f"order:{oid}", order, oid, customer, number, name or "", phone or "", unit or "",
                    _first_line(what), state, urgency or "", group_of(order, at=at, deadline_at=deadline,
                                                                      created_at=created),
                    deadline, parse(last_event) or created, owner_id=owner))
    return out


def _labels() -> dict:
    """Translated labels, looked up once per compiling (5,000 gettext calls would show)."""
    out: dict = {("order", s.value): s.label for s in OrderStatus}
    out.update({("callback", k.value): k.label for k in CallbackKind})
    out.update({("complaint", s.value): s.label for s in ComplaintStatus})
    out.update({("escalation", r.value): r.label for r in EscalationReason})
    out["escalated"] = _("escalated to the supervisor")
    out["waiting"] = _("waiting for the supervisor")
    return out


def compile_matters(session: Session, agent_id: int, shift: ShiftWindow | None, at: datetime | None = None
                    ) -> list[Item]:
    """Every open matter ``agent_id`` owns or touched during ``shift``, as unsorted items.

    Index searches only: orders by ``ix_workorder_owner`` and
    ``ix_workorderevent_agent_at``, call-backs by ``ix_callback_queue``,
    escalations by ``ix_escalation_creator``, complaints by
    ``ix_complaint_handler`` and ``ix_complaint_supervisor``; last updates by
    each matter's own index (an order's events, a complaint's steps).
    """
    at = at or utcnow()
    labels = _labels()
    params = {"a": agent_id}
    orders = _order_items(session.execute(sql(_SQL["orders_owned"]), params).all(), at, labels)
    seen = {i.matter_id for i in orders}
    if shift is not None:
        touched = [r[0] for r in session.execute(sql(_SQL["orders_touched"]), {
            "a": agent_id, "start": _stamp(shift.start), "end": _stamp(max(at, shift.end))}) if r[0] not in seen]
        for chunk in _chunks(touched):
            rows = session.execute(sql(f"SELECT {_ORDER_COLS} FROM workorder w WHERE w.id IN ({_in(chunk)}) "
                                       f"AND w.status IN ({_OPEN_ORDERS_SQL})")).all()
            orders += _order_items(rows, at, labels)
    items: list[Item] = orders
    order_ids = {i.matter_id for i in orders}

    parse = _parser()
    callback, customer = Matter.CALLBACK.value, HandoverItemKind.CUSTOMER.value
    for (cid, kind, due, _cust, name, phone, note, created, attempts, owner, contact_no, unit, urgency,
         last_write) in session.execute(sql(_SQL["callbacks"]), params):
        due, created, last = parse(due), parse(created), parse(last_write)
        state = labels.get(("callback", kind), kind)
        if attempts:
            state += " · " + _("attempt {n}").format(n=attempts + 1)
        if last is None or (created is not None and created > last):
            last = created
        items.append(Item(f"callback:{cid}", callback, cid, customer, contact_no or "", name or "", phone or "",
                          unit or "", _first_line(note), state, urgency or "",
                          group_of(callback, at=at, deadline_at=due), due, last, owner_id=owner))

    complaints = session.execute(sql(_SQL["complaints"]), {
        "a": agent_id, "start": _stamp(shift.start if shift is not None else at)}).all()
    complaint_ids = {r[0] for r in complaints}
    if complaints:
        complaint = Matter.COMPLAINT.value
        for (pid, number, _cust, name, phone, about, status, complained, escalated, due, replied, unit,
             last_step) in complaints:
            complained, escalated = parse(complained), parse(escalated)
            due = None if replied else parse(due)  # once the customer has had a reply, the clock has stopped
            last = max((d for d in (complained, escalated, parse(replied), parse(last_step)) if d is not None),
                       default=None)
            items.append(Item(f"complaint:{pid}", complaint, pid, customer, number, name or "", phone or "",
                              unit or "", _first_line(about), labels.get(("complaint", status), status), "",
                              group_of(complaint, at=at, deadline_at=due), due, last))

    escalation, supervisor, waiting = Matter.ESCALATION.value, Group.SUPERVISOR.value, " · " + labels["waiting"]
    for (eid, reason, summary, created, _cust, order_id, complaint_id, contact_no, name, phone, unit,
         urgency) in session.execute(sql(_SQL["escalations"]), params):
        if (order_id is not None and order_id in order_ids) or (complaint_id is not None and complaint_id in complaint_ids):
            continue  # the order or complaint itself is on the page
        items.append(Item(f"escalation:{eid}", escalation, eid, customer, contact_no or "", name or "", phone or "",
                          unit or "", _first_line(summary, 200), labels.get(("escalation", reason), reason) + waiting,
                          urgency or "", supervisor, None, parse(created)))
    return items


def _merge(compiled: list[Item], annotations: list, at: datetime) -> list[Item]:
    """The compiled matters with the agent's instructions and marks, then the free items; sorted as shown."""
    notes = {}
    free = []
    for (iid, kind, matter, matter_id, words, name, phone, instruction, do_first, sort) in annotations:
        if matter:
            notes[matter, matter_id] = (iid, instruction or "", bool(do_first))
        else:
            free.append(Item(f"free:{iid}", "", None, kind, "", name or "", phone or "", "", words or "", "", "",
                             Group.FREE.value, None, None, instruction or "", bool(do_first), iid, sort))
    merged = []
    for item in compiled:
        note = notes.get((item.matter, item.matter_id))
        if note is not None:
            item = item._replace(item_id=note[0], instruction=note[1], do_first=note[2])
        merged.append(item)
    merged += free
    merged.sort(key=lambda i: sort_key(i.group, i.do_first, not i.matter, i.urgency, i.deadline_at,
                                       0 if i.matter else i.sort))
    return merged


# --------------------------------------------------------------------------- the writer's page


def _page_row(session: Session, agent_id: int, shift: ShiftWindow):
    from sqlmodel import select

    from csdesk.store.models import Handover

    return session.exec(select(Handover).where(Handover.from_agent_id == agent_id,
                                                Handover.shift_code == shift.shift.code,
                                                Handover.shift_date == shift.day)).first()


def _need_shift(session: Session, at: datetime) -> ShiftWindow:
    shift = writing_shift(session, at)
    if shift is None:
        raise Conflict(_("No shift is on now: a handover is written during a shift (or within two hours of its end)."))
    return shift


def current_page(session: Session, actor: Actor, at: datetime | None = None) -> Page | None:
    """The agent's page for the shift they are in (or just left): live while a draft, frozen once signed.

    None when no shift is on (nor ended within two hours).
    """
    at = at or utcnow()
    hours, names = _shift_hours(session)
    tz = local_tz()
    shift = writing_window(hours, at, tz)
    if shift is None:
        return None
    row = _page_row(session, actor.id, shift)
    if row is not None and row.submitted_at is not None:
        return get_page(session, actor, row.id)
    compiled = compile_matters(session, actor.id, shift, at)
    annotations = session.execute(sql(_SQL["annotations"]), {"p": row.id}).all() if row is not None else []
    to = addressed_to(hours, shift, tz)
    return Page(
        row.id if row else None, shift.shift.code, names.get(shift.shift.code, shift.shift.code), shift.day,
        shift.start, shift.end, to.shift.code, names.get(to.shift.code, to.shift.code), to.day, to.start,
        actor.id, actor.staff_no, actor.name, HandoverStatus.DRAFT.value,
        written_at=row.written_at if row else None, notes=row.notes if row else "",
        items=tuple(_merge(compiled, annotations, at)), compiled_at=at)


def _draft(session: Session, actor: Actor, at: datetime):
    """The agent's draft page row for the current shift, made when first needed."""
    from csdesk.store.models import Handover

    hours, _names = _shift_hours(session)
    tz = local_tz()
    shift = writing_window(hours, at, tz)
    if shift is None:
        raise Conflict(_("No shift is on now: a handover is written during a shift (or within two hours of its end)."))
    row = _page_row(session, actor.id, shift)
    if row is not None:
        if row.submitted_at is not None:
            raise Conflict(_("Your handover for this shift is signed off: it is not edited any more. "
                             "Add a remark beside it instead."))
        return row
    to = addressed_to(hours, shift, tz)
    row = Handover(shift_code=shift.shift.code, shift_date=shift.day, from_agent_id=actor.id,
                   status=HandoverStatus.DRAFT.value, written_at=at, shift_start_at=shift.start,
                   shift_end_at=shift.end, to_shift_code=to.shift.code, to_shift_date=to.day, to_start_at=to.start)
    session.add(row)
    session.flush()
    return row


def annotate(session: Session, actor: Actor, matter: Matter | str, matter_id: int, *,
             instruction: str | None = None, do_first: bool | None = None, at: datetime | None = None) -> int:
    """Write what the next shift must do about a matter, and/or mark it "do first"; returns the item row id."""
    from sqlmodel import select

    from csdesk.store.models import HandoverItem

    require(actor, Act.RECORD)
    at = at or utcnow()
    matter = Matter(matter)
    if instruction is not None:
        instruction = clean(instruction, INSTRUCTION_LIMIT, "instruction")
    acting(session, actor, at)
    page = _draft(session, actor, at)
    row = session.exec(select(HandoverItem).where(HandoverItem.handover_id == page.id,
                                                  HandoverItem.matter == matter.value,
                                                  HandoverItem.matter_id == matter_id)).first()
    if row is None:
        row = HandoverItem(handover_id=page.id, kind=HandoverItemKind.CUSTOMER.value, matter=matter.value,
                           matter_id=matter_id, **_links(matter, matter_id))
        session.add(row)
    if instruction is not None:
        row.instruction = instruction
    if do_first is not None:
        row.do_first = bool(do_first)
    session.flush()
    return row.id


def _links(matter: Matter, matter_id: int) -> dict:
    return {Matter.ORDER: {"work_order_id": matter_id}, Matter.CALLBACK: {"callback_id": matter_id},
            Matter.COMPLAINT: {"complaint_id": matter_id}, Matter.ESCALATION: {"escalation_id": matter_id}}[matter]


@dataclass(frozen=True)
class FreeItem:
    """A free item: a customer being passed on, a prospect (name, phone, why) or anything else."""

    kind: str = HandoverItemKind.OTHER.value
    text: str = ""
    customer_name: str = ""
    phone: str = ""
    instruction: str = ""
    do_first: bool = False

    def to_dict(self) -> dict:
        return {"kind": self.kind, "text": self.text, "customer_name": self.customer_name, "phone": self.phone,
                "instruction": self.instruction, "do_first": self.do_first}

    @classmethod
    def from_dict(cls, data: dict) -> FreeItem:
        return cls(**{k: data[k] for k in ("kind", "text", "customer_name", "phone", "instruction", "do_first")
                      if k in data})


def _clean_free(item: FreeItem) -> FreeItem:
    try:
        kind = HandoverItemKind(item.kind)
    except ValueError:
        kind = HandoverItemKind.parse(item.kind)
    errors = {}
    values = {}
    for name, limit, multi in (("text", FREE_TEXT_LIMIT, True), ("customer_name", 64, False), ("phone", 32, False),
                               ("instruction", INSTRUCTION_LIMIT, True)):
        try:
            values[name] = clean(getattr(item, name), limit, name, multi=multi, name=name == "customer_name")
        except Invalid as exc:
            errors.update(exc.errors)
    if not errors:
        if not values["text"]:
            errors["text"] = (_("Write why the prospect is to be contacted.") if kind is HandoverItemKind.PROSPECT
                              else _("Write what the next shift must know."))
        if kind is HandoverItemKind.PROSPECT and not (values["customer_name"] and values["phone"]):
            errors["customer_name" if not values["customer_name"] else "phone"] = _(
                "A prospect needs a name and a phone number.")
        if values["phone"]:
            from csdesk.domain.phones import PhoneError, parse_phone

            try:
                values["phone"] = parse_phone(values["phone"]).number
            except PhoneError as exc:
                errors["phone"] = str(exc)
    if errors:
        raise Invalid(errors)
    return FreeItem(kind.value, values["text"], values["customer_name"], values["phone"], values["instruction"],
                    bool(item.do_first))


def add_free_item(session: Session, actor: Actor, item: FreeItem, at: datetime | None = None) -> int:
    """Add a free item to the agent's draft page; returns its row id."""
    from csdesk.store.models import HandoverItem

    require(actor, Act.RECORD)
    at = at or utcnow()
    item = _clean_free(item)
    acting(session, actor, at)
    page = _draft(session, actor, at)
    last = session.execute(sql("SELECT coalesce(max(sort), 0) FROM handoveritem WHERE handover_id = :p AND matter = ''"),
                           {"p": page.id}).scalar_one()
    row = HandoverItem(handover_id=page.id, kind=item.kind, text=item.text, customer_name=item.customer_name,
                       phone=item.phone, instruction=item.instruction, do_first=item.do_first, sort=last + 1)
    session.add(row)
    session.flush()
    return row.id


def _own_free_row(session: Session, actor: Actor, item_id: int):
    from csdesk.store.models import Handover, HandoverItem

    row = session.get(HandoverItem, item_id)
    page = session.get(Handover, row.handover_id) if row is not None else None
    if row is None or page is None or page.from_agent_id != actor.id:
        raise NotFound(_("That handover item no longer exists."))
    if page.submitted_at is not None:
        raise Conflict(_("Your handover for this shift is signed off: it is not edited any more. "
                         "Add a remark beside it instead."))
    if row.matter:
        raise Conflict(_("That item is a matter from the records: write its instruction instead."))
    return row


def edit_free_item(session: Session, actor: Actor, item_id: int, item: FreeItem, at: datetime | None = None) -> None:
    require(actor, Act.RECORD)
    at = at or utcnow()
    item = _clean_free(item)
    acting(session, actor, at)
    row = _own_free_row(session, actor, item_id)
    row.kind, row.text, row.customer_name, row.phone = item.kind, item.text, item.customer_name, item.phone
    row.instruction, row.do_first = item.instruction, item.do_first
    session.flush()


def remove_free_item(session: Session, actor: Actor, item_id: int, at: datetime | None = None) -> None:
    require(actor, Act.RECORD)
    at = at or utcnow()
    acting(session, actor, at)
    session.delete(_own_free_row(session, actor, item_id))
    session.flush()


def mark_free_item(session: Session, actor: Actor, item_id: int, do_first: bool, at: datetime | None = None) -> None:
    require(actor, Act.RECORD)
    at = at or utcnow()
    acting(session, actor, at)
    row = _own_free_row(session, actor, item_id)
    row.do_first = bool(do_first)
    session.flush()


def sign_off(session: Session, actor: Actor, at: datetime | None = None) -> Page:
    """Sign the agent's page for this shift off: compiled once more, written, frozen.

    Matters closed since are not carried; the rest are written as they stand,
    with the instructions and marks.  Run it in a write session.
    """
    from sqlmodel import select

    from csdesk.store.models import HandoverItem

    require(actor, Act.RECORD)
    at = at or utcnow()
    acting(session, actor, at)
    page = _draft(session, actor, at)
    live = current_page(session, actor, at)
    assert live is not None
    rows = {(r.matter, r.matter_id if r.matter else r.id): r for r in session.exec(select(HandoverItem).where(
        HandoverItem.handover_id == page.id))}
    fresh: list[dict] = []  # matters with no instruction yet: written in one statement below
    for sort, item in enumerate(live.items):
        values = {"sort": sort}
        if item.matter:
            values.update(kind=item.kind, text=item.text, state=item.state, ref_number=item.ref_number,
                          customer_name=item.customer_name, phone=item.phone, unit_key=item.unit_key,
                          urgency=item.urgency, urgency_group=item.group, deadline_at=item.deadline_at,
                          last_update_at=item.last_update_at)
            row = rows.pop((item.matter, item.matter_id), None)
            if row is None:
                fresh.append({"handover_id": page.id, "matter": item.matter, "matter_id": item.matter_id,
                              **_links(Matter(item.matter), item.matter_id), **values})
                continue
        else:
            row = rows.pop(("", item.item_id))
        for key, value in values.items():
            if getattr(row, key) != value:
                setattr(row, key, value)
    for (matter, _mid), row in rows.items():
        if matter:  # an instruction on a matter closed since: not carried
            session.delete(row)
    session.flush()
    _insert_audited(session, actor, at, HandoverItem, fresh)
    page.submitted_at = at
    page.status = HandoverStatus.SUBMITTED.value
    session.flush()
    return get_page(session, actor, page.id)


def _insert_audited(session: Session, actor: Actor, at: datetime, model, rows: list[dict]) -> list[int]:
    """Insert many rows in one statement, each with its audit row as the store's hook would write it.

    A busy desk's page carries thousands of matters: one ORM object and one
    flush-time audit pass each took seconds; this takes a fraction of that and
    leaves the same trail (``create`` of the table, the fields given).
    """
    import json

    from sqlalchemy import insert

    from csdesk.store.models import AuditLog

    if not rows:
        return []
    table = model.__table__
    defaults = {c.name: c.default.arg for c in table.columns
                if c.default is not None and not callable(c.default.arg) and c.name != "id"}
    names = [c.name for c in table.columns if c.name != "id"]
    full = [{name: r.get(name, defaults.get(name)) for name in names} for r in rows]  # one shape for every row
    result = session.connection().execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), full)
    ids = [r[0] for r in result]

    def plain(value):
        return value.isoformat() if isinstance(value, datetime | date) else value

    audit = [{"at": at, "agent_id": actor.id, "staff_no": actor.staff_no or "", "action": "create",
              "entity": table.name, "entity_id": row_id, "detail": "",
              "changes": json.dumps({k: [None, plain(v)] for k, v in r.items() if v is not None and v != ""},
                                    ensure_ascii=False, sort_keys=True)}
             for row_id, r in zip(ids, rows, strict=True)]
    session.connection().execute(insert(AuditLog.__table__), audit)
    return ids


# --------------------------------------------------------------------------- reading a stored page


def _remarks(session: Session, page_ids: Sequence[int]) -> dict[int, list[Remark]]:
    out: dict[int, list[Remark]] = {}
    if not page_ids:
        return out
    rows = session.execute(sql(
        "SELECT r.id, r.handover_id, r.at, a.staff_no, a.name, r.kind, r.text, r.item_id FROM handoverremark r "
        f"JOIN agent a ON a.id = r.agent_id WHERE r.handover_id IN ({_in(page_ids)}) ORDER BY r.id")).all()
    for rid, hid, at, staff_no, name, kind, words, item_id in rows:
        out.setdefault(hid, []).append(Remark(rid, _ts(at), staff_no, name, kind, words, item_id))
    return out


def _still_open(session: Session, items: Iterable[tuple[str, int]]) -> set[tuple[str, int]]:
    """Which of these matters are open now."""
    by_kind: dict[str, list[int]] = {}
    for matter, mid in items:
        if matter and mid is not None:
            by_kind.setdefault(matter, []).append(mid)
    queries = {
        Matter.ORDER.value: f"SELECT id FROM workorder WHERE status IN ({_OPEN_ORDERS_SQL}) AND id IN ",
        Matter.CALLBACK.value: "SELECT id FROM callback WHERE done_at IS NULL AND id IN ",
        Matter.ESCALATION.value: "SELECT id FROM escalation WHERE acknowledged_at IS NULL AND id IN ",
        Matter.COMPLAINT.value: "SELECT id FROM complaint WHERE status != 'closed' AND id IN ",
    }
    out = set()
    for matter, ids in by_kind.items():
        for chunk in _chunks(sorted(set(ids))):
            out.update((matter, r[0]) for r in session.execute(sql(f"{queries[matter]}({_in(chunk)})")))
    return out


_PAGE_SQL = ("SELECT h.id, h.shift_code, h.shift_date, h.from_agent_id, h.status, h.written_at, h.submitted_at, "
             "h.acknowledged_at, h.acknowledged_by_id, h.reviewed_at, h.reviewed_by_id, h.escalated_at, h.notes, "
             "h.shift_start_at, h.shift_end_at, h.to_shift_code, h.to_shift_date, h.to_start_at FROM handover h ")
_ITEM_SQL = ("SELECT id, matter, matter_id, kind, ref_number, customer_name, phone, unit_key, text, state, urgency, "
             "urgency_group, deadline_at, last_update_at, instruction, do_first, sort, acknowledged_at, "
             "acknowledged_by_id, escalated_at, work_order_id, callback_id, customer_id "
             "FROM handoveritem WHERE handover_id = :p ORDER BY sort, id")


def get_page(session: Session, actor: Actor, page_id: int, *, live: bool = True) -> Page:
    """A stored page with its items, who acknowledged each and when, notes, passings and remarks.

    ``live``: also say which matters are still open now.  Drafts are their
    author's (and a supervisor's); signed-off pages are the desk's.
    """
    require(actor, Act.RECORD)
    row = session.execute(sql(_PAGE_SQL + "WHERE h.id = :p"), {"p": page_id}).first()
    if row is None:
        raise NotFound(_("That handover no longer exists."))
    (hid, code, day, author, status, written, submitted, acked, acked_by, reviewed, reviewed_by, escalated, notes,
     start, end, to_code, to_day, to_start) = row
    if submitted is None and author != actor.id and not may(actor, Act.REVIEW_HANDOVER):
        raise NotFound(_("That handover no longer exists."))
    hours, names = _shift_hours(session)
    day = day if isinstance(day, date) else date.fromisoformat(str(day))
    to_day = to_day if (to_day is None or isinstance(to_day, date)) else date.fromisoformat(str(to_day))
    w = _window_of(hours, code, day)
    start = _ts(start) or (w.start if w else datetime.combine(day, datetime.min.time(), tzinfo=local_tz()))
    end = _ts(end) or (w.end if w else start)
    items_rows = session.execute(sql(_ITEM_SQL), {"p": hid}).all()
    remarks = _remarks(session, [hid]).get(hid, [])
    passes_rows = session.execute(sql(
        "SELECT item_id, matter, matter_id, from_agent_id, to_agent_id, first_owner_id, at FROM handoverpass "
        "WHERE handover_id = :p ORDER BY id"), {"p": hid}).all()
    people = _agents(session, [author, acked_by, reviewed_by, *[r[18] for r in items_rows],
                               *[x for r in passes_rows for x in r[3:6]]])

    def staff(agent_id) -> str:
        return people.get(agent_id, ("", ""))[0]

    passes = tuple(Passing(r[0], r[1], r[2], staff(r[3]), staff(r[4]), staff(r[5]), _ts(r[6])) for r in passes_rows)
    passed_to = {p.item_id: p.to_staff_no for p in passes}
    notes_by_item: dict[int, list[Remark]] = {}
    for r in remarks:
        if r.item_id is not None:
            notes_by_item.setdefault(r.item_id, []).append(r)
    open_now = _still_open(session, [(r[1], r[2]) for r in items_rows]) if live and submitted is not None else None
    items = []
    for (iid, matter, mid, kind, ref, name, phone, unit, words, state, urgency, group, deadline, last, instruction,
         do_first, sort, ack_at, ack_by, esc_at, _wo, _cb, _cust) in items_rows:
        still = None
        if open_now is not None and matter:
            still = (matter, mid) in open_now
        items.append(Item(f"item:{iid}", matter or "", mid, kind, ref or "", name or "", phone or "", unit or "",
                          words or "", state or "", urgency or "", group or (Group.FREE.value if not matter else ""),
                          _ts(deadline), _ts(last), instruction or "", bool(do_first), iid, sort or 0,
                          acknowledged_at=_ts(ack_at), acknowledged_by=staff(ack_by), escalated_at=_ts(esc_at),
                          notes=tuple(notes_by_item.get(iid, ())), passed_to=passed_to.get(iid, ""),
                          still_open=still))
    author_staff, author_name = people.get(author, ("", ""))
    return Page(hid, code, names.get(code, code), day, start, end, to_code or "", names.get(to_code, to_code or ""),
                to_day, _ts(to_start), author, author_staff, author_name, status, _ts(written), _ts(submitted),
                _ts(acked), staff(acked_by), _ts(reviewed), staff(reviewed_by), _ts(escalated), notes or "",
                tuple(items), tuple(remarks), passes)


# --------------------------------------------------------------------------- receiving


def _worked_since(session: Session, agent_id: int | None, since: datetime) -> bool:
    """Whether the agent wrote anything at the desk since ``since`` (a login is not work)."""
    return session.execute(sql(
        "SELECT 1 FROM auditlog WHERE at >= :t AND agent_id = :a AND action IN ('create', 'update', 'delete') "
        "LIMIT 1"), {"t": _stamp(since), "a": agent_id}).first() is not None


def pending_for(session: Session, actor: Actor, at: datetime | None = None) -> list[PageSummary]:
    """Signed-off, unreceived pages addressed to the agent's shift: the one on now, or, for an agent
    arriving early (nothing written at the desk this shift), the one starting within the hour."""
    at = at or utcnow()
    hours, _names = _shift_hours(session)
    current, upcoming = receiving_windows(hours, at, local_tz())
    starts = []
    if current is not None:
        starts.append(current.start)
    if upcoming is not None and (current is None or not _worked_since(session, actor.id, current.start)):
        starts.append(upcoming.start)
    if not starts:
        return []
    ids = [r[0] for r in session.execute(sql(
        f"SELECT id FROM handover WHERE to_start_at IN ({','.join(repr(_stamp(s)) for s in starts)}) "
        "AND acknowledged_at IS NULL AND submitted_at IS NOT NULL AND from_agent_id != :a "
        "ORDER BY submitted_at"), {"a": actor.id or -1})]
    return _summaries(session, ids)


def _page_for_item(session: Session, item_id: int):
    from csdesk.store.models import Handover, HandoverItem

    item = session.get(HandoverItem, item_id)
    if item is None:
        raise NotFound(_("That handover item no longer exists."))
    return item, session.get(Handover, item.handover_id)


def _first_owner(session: Session, matter: str, matter_id: int, created_by: int | None) -> int | None:
    first = session.execute(sql("SELECT first_owner_id FROM handoverpass WHERE matter = :m AND matter_id = :i "
                                "ORDER BY id LIMIT 1"), {"m": matter, "i": matter_id}).first()
    return first[0] if first is not None and first[0] is not None else created_by


def _pass_matter(session: Session, actor: Actor, page, item, at: datetime) -> tuple[Passing | None, str]:
    """Pass an acknowledged order or call-back to the receiver where the rules allow."""
    from csdesk.store.models import Callback, HandoverPass, WorkOrder, WorkOrderEvent

    if item.matter not in (Matter.ORDER.value, Matter.CALLBACK.value) or item.matter_id is None:
        return None, ""
    if item.matter == Matter.ORDER.value:
        record = session.get(WorkOrder, item.matter_id)
        still_open = record is not None and record.status in _OPEN_ORDERS
        owner = record.owner_id if record is not None else None
        created_by = record.created_by_id if record is not None else None
    else:
        record = session.get(Callback, item.matter_id)
        still_open = record is not None and record.done_at is None
        owner = record.agent_id if record is not None else None
        created_by = record.created_by_id if record is not None else None
    if not passes_on(item.matter, still_open=still_open, owner_id=owner, author_id=page.from_agent_id,
                     receiver_id=actor.id):
        if not still_open:
            return None, _("closed since the handover: nothing to take over")
        if owner != page.from_agent_id:
            return None, _("someone else has it now: it stays with them")
        return None, ""
    first_owner = _first_owner(session, item.matter, item.matter_id, created_by)
    people = _agents(session, [page.from_agent_id, first_owner])
    if item.matter == Matter.ORDER.value:
        record.owner_id = actor.id
        session.add(WorkOrderEvent(
            work_order_id=record.id, at=at, agent_id=actor.id, staff_no=actor.staff_no, kind="handover",
            note=_("passed at the shift handover from {frm} to {to}; first taken by {first}").format(
                frm=people.get(page.from_agent_id, ("?",))[0], to=actor.staff_no,
                first=people.get(first_owner, ("?",))[0]),
            changes=f'{{"owner_id": [{page.from_agent_id}, {actor.id}]}}'))
    else:
        record.agent_id = actor.id
    session.add(HandoverPass(handover_id=page.id, item_id=item.id, matter=item.matter, matter_id=item.matter_id,
                             from_agent_id=page.from_agent_id, to_agent_id=actor.id, first_owner_id=first_owner,
                             at=at))
    return Passing(item.id, item.matter, item.matter_id, people.get(page.from_agent_id, ("",))[0], actor.staff_no,
                   people.get(first_owner, ("",))[0], at), ""


def acknowledge_item(session: Session, actor: Actor, item_id: int, at: datetime | None = None) -> Acknowledged:
    """The receiver acknowledges one item (who and when are recorded); the last one receives the handover."""
    require(actor, Act.RECORD)
    at = at or utcnow()
    item, page = _page_for_item(session, item_id)
    if page.submitted_at is None:
        raise Conflict(_("That handover is not signed off yet."))
    if page.from_agent_id == actor.id:
        raise Refused(_("You wrote this handover: the next shift acknowledges it."))
    if item.acknowledged_at is not None:
        who = _agents(session, [item.acknowledged_by_id]).get(item.acknowledged_by_id, ("?",))[0]
        raise Conflict(_("Already acknowledged by {staff_no} at {when}.").format(
            staff_no=who, when=item.acknowledged_at.astimezone(local_tz()).strftime("%H:%M")))
    acting(session, actor, at)
    item.acknowledged_at = at
    item.acknowledged_by_id = actor.id
    passed, kept = _pass_matter(session, actor, page, item, at)
    session.flush()
    remaining = session.execute(sql("SELECT count(*) FROM handoveritem WHERE handover_id = :p "
                                    "AND acknowledged_at IS NULL"), {"p": page.id}).scalar_one()
    if remaining == 0:
        page.acknowledged_at = at
        page.acknowledged_by_id = actor.id
        page.status = HandoverStatus.ACKNOWLEDGED.value
        session.flush()
    return Acknowledged(item.id, page.id, at, remaining, remaining == 0, passed, kept)


def receive_empty(session: Session, actor: Actor, page_id: int, at: datetime | None = None) -> None:
    """Receive a page with nothing on it (there is no item to acknowledge)."""
    from csdesk.store.models import Handover

    require(actor, Act.RECORD)
    at = at or utcnow()
    page = session.get(Handover, page_id)
    if page is None or page.submitted_at is None:
        raise NotFound(_("That handover no longer exists."))
    if page.from_agent_id == actor.id:
        raise Refused(_("You wrote this handover: the next shift acknowledges it."))
    count = session.execute(sql("SELECT count(*) FROM handoveritem WHERE handover_id = :p"), {"p": page_id}).scalar_one()
    if count:
        raise Conflict(_("Acknowledge its items one by one."))
    if page.acknowledged_at is not None:
        raise Conflict(_("That handover was already received."))
    acting(session, actor, at)
    page.acknowledged_at = at
    page.acknowledged_by_id = actor.id
    page.status = HandoverStatus.ACKNOWLEDGED.value
    session.flush()


def add_note(session: Session, actor: Actor, item_id: int, words: str, *, question: bool = False,
             at: datetime | None = None) -> int:
    """The receiver's note or question on an item (the read-back); added, never overwriting."""
    from csdesk.store.models import HandoverRemark

    require(actor, Act.RECORD)
    at = at or utcnow()
    words = clean(words, NOTE_LIMIT, "text", required=True)
    item, page = _page_for_item(session, item_id)
    if page.submitted_at is None:
        raise Conflict(_("That handover is not signed off yet."))
    acting(session, actor, at)
    kind = RemarkKind.QUESTION if question else RemarkKind.NOTE
    if page.from_agent_id == actor.id:
        kind = RemarkKind.CORRECTION
    row = HandoverRemark(handover_id=page.id, item_id=item.id, at=at, agent_id=actor.id, text=words, kind=kind.value)
    session.add(row)
    session.flush()
    return row.id


def add_remark(session: Session, actor: Actor, page_id: int, words: str, *, item_id: int | None = None,
               at: datetime | None = None) -> int:
    """A remark beside a signed-off page (the author's is a correction); added with who and when, never edited."""
    from csdesk.store.models import Handover, HandoverItem, HandoverRemark

    require(actor, Act.RECORD)
    at = at or utcnow()
    words = clean(words, NOTE_LIMIT, "text", required=True)
    page = session.get(Handover, page_id)
    if page is None:
        raise NotFound(_("That handover no longer exists."))
    if page.submitted_at is None:
        raise Conflict(_("The handover is still a draft: change it directly."))
    if item_id is not None:
        item = session.get(HandoverItem, item_id)
        if item is None or item.handover_id != page_id:
            raise NotFound(_("That handover item no longer exists."))
    acting(session, actor, at)
    kind = RemarkKind.CORRECTION if page.from_agent_id == actor.id else RemarkKind.REMARK
    row = HandoverRemark(handover_id=page_id, item_id=item_id, at=at, agent_id=actor.id, text=words, kind=kind.value)
    session.add(row)
    session.flush()
    return row.id


def edit_signed_item(session: Session, actor: Actor, item_id: int, **changes) -> None:
    """Refused: a signed-off item is never edited (the service says so before the database does)."""
    item, page = _page_for_item(session, item_id)
    if page.submitted_at is not None:
        raise Conflict(_("Your handover for this shift is signed off: it is not edited any more. "
                         "Add a remark beside it instead."))
    if item.matter:
        annotate(session, actor, item.matter, item.matter_id, instruction=changes.get("instruction"),
                 do_first=changes.get("do_first"))
    else:
        edit_free_item(session, actor, item_id, FreeItem(**{**{
            "kind": item.kind, "text": item.text, "customer_name": item.customer_name, "phone": item.phone,
            "instruction": item.instruction, "do_first": item.do_first}, **changes}))


# --------------------------------------------------------------------------- the 30-minute reminder


def reminder(session: Session, actor: Actor, at: datetime | None = None, *, page: Page | None = None
             ) -> Reminder | None:
    """The check 30 minutes before the shift ends: unclosed orders and call-backs with no update this shift.

    An instruction written on this shift's page counts as an update.  None when no shift is on.
    ``page``: the agent's current page if the caller has it already (it is not compiled again).
    """
    at = at or utcnow()
    hours, names = _shift_hours(session)
    from csdesk.domain.shifts import shift_at

    w = shift_at(hours, at, local_tz())
    if w is None:
        return None
    if page is None or page.start_at != w.start:
        page = current_page(session, actor, at)
    items = page.items if page is not None else ()
    matters = [i for i in items if i.matter in (Matter.ORDER.value, Matter.CALLBACK.value)
               and i.still_open is not False]
    stale = tuple(i for i in matters if no_update_this_shift(i.last_update_at, w.start) and not i.instruction)
    return Reminder(names.get(w.shift.code, w.shift.code), w.start, w.end, w.reminder_at(), stale, len(matters))


# --------------------------------------------------------------------------- escalation (the tick)


def escalate_unacknowledged(session: Session, *, at: datetime | None = None, actor: Actor = SYSTEM,
                            limit: int = 200) -> list[int]:
    """Pages with items unacknowledged 30 minutes after their shift started go to the supervisor, once.

    Returns the pages escalated.  Idempotent (the page is marked); run it in a write session.
    """
    from csdesk.store.models import Escalation, Handover

    at = at or utcnow()
    cut = acknowledgement_cutoff(at)
    ids = [r[0] for r in session.execute(sql(
        "SELECT id FROM handover WHERE acknowledged_at IS NULL AND escalated_at IS NULL AND to_start_at <= :cut "
        "AND submitted_at IS NOT NULL ORDER BY to_start_at LIMIT :n"), {"cut": _stamp(cut), "n": limit})]
    if not ids:
        return []
    acting(session, actor, at)
    hours, names = _shift_hours(session)
    for page_id in ids:
        page = session.get(Handover, page_id)
        waiting = session.execute(sql("SELECT id FROM handoveritem WHERE handover_id = :p AND acknowledged_at IS NULL"),
                                  {"p": page_id}).all()
        author = _agents(session, [page.from_agent_id]).get(page.from_agent_id, ("?", ""))
        summary = _("{staff_no} {shift} {day}: {n} handover items not acknowledged 30 min into the {to} shift").format(
            staff_no=author[0], shift=names.get(page.shift_code, page.shift_code),
            day=page.shift_date.strftime("%m-%d"), n=len(waiting),
            to=names.get(page.to_shift_code, page.to_shift_code))
        session.add(Escalation(reason=HANDOVER_ESCALATION, summary=summary[:200], created_at=at,
                               created_by_id=actor.id, handover_id=page_id))
        page.escalated_at = at
        if waiting:
            session.execute(sql(f"UPDATE handoveritem SET escalated_at = :at WHERE id IN ({_in(r[0] for r in waiting)})"),
                            {"at": _stamp(at)})
    session.flush()
    return ids


# --------------------------------------------------------------------------- the review


@dataclass(frozen=True)
class ReviewQuery:
    first: date | None = None  # shift dates, both included
    last: date | None = None
    shift: str | None = None  # shift code
    agent_id: int | None = None  # the author
    search: str = ""
    limit: int = 200


_SUMMARY_SQL = (
    "SELECT h.id, h.shift_code, h.shift_date, h.from_agent_id, h.to_shift_code, h.to_start_at, h.submitted_at, "
    "h.status, h.escalated_at, h.acknowledged_at, h.acknowledged_by_id, h.reviewed_at, h.reviewed_by_id, "
    "(SELECT count(*) FROM handoveritem i WHERE i.handover_id = h.id), "
    "(SELECT count(*) FROM handoveritem i WHERE i.handover_id = h.id AND i.acknowledged_at IS NOT NULL), "
    "(SELECT count(*) FROM handoveritem i WHERE i.handover_id = h.id AND i.do_first), "
    "(SELECT count(*) FROM handoverremark r WHERE r.handover_id = h.id), "
    "h.shift_start_at FROM handover h ")


def _summaries(session: Session, ids: Sequence[int], *, still_open: bool = False) -> list[PageSummary]:
    if not ids:
        return []
    rows = session.execute(sql(_SUMMARY_SQL + f"WHERE h.id IN ({_in(ids)})")).all()
    order = {i: n for n, i in enumerate(ids)}
    rows.sort(key=lambda r: order[r[0]])
    return _to_summaries(session, rows, still_open=still_open)


def _to_summaries(session: Session, rows, *, still_open: bool) -> list[PageSummary]:
    _hours, names = _shift_hours(session)
    people = _agents(session, [x for r in rows for x in (r[3], r[10], r[12])])
    open_counts: dict[int, int] = {}
    if still_open and rows:
        items = session.execute(sql(f"SELECT handover_id, matter, matter_id FROM handoveritem "
                                    f"WHERE handover_id IN ({_in(r[0] for r in rows)}) AND matter != ''")).all()
        now_open = _still_open(session, [(m, i) for _h, m, i in items])
        for hid, m, i in items:
            if (m, i) in now_open:
                open_counts[hid] = open_counts.get(hid, 0) + 1
    out = []
    for (hid, code, day, author, to_code, to_start, submitted, status, escalated, acked, acked_by, reviewed,
         reviewed_by, n, n_acked, n_first, n_remarks, _start) in rows:
        day = day if isinstance(day, date) else date.fromisoformat(str(day))
        staff_no, name = people.get(author, ("", ""))
        out.append(PageSummary(hid, code, names.get(code, code), day, staff_no, name,
                               names.get(to_code, to_code or ""), _ts(to_start), _ts(submitted), status, n, n_acked,
                               n_first, _ts(escalated), _ts(acked), people.get(acked_by, ("", ""))[0], _ts(reviewed),
                               people.get(reviewed_by, ("", ""))[0], n_remarks,
                               open_counts.get(hid, 0) if still_open else None))
    return out


_WO_CP = re.compile(r"^(WO|CP|CT)\d{8}-\d{3,}$", re.IGNORECASE)


def _search_clause(search: str) -> tuple[str, dict]:
    """The register's reading of the search box, applied to handover items, their notes and remarks."""
    from csdesk.services.register import interpret

    raw = (search or "").strip()
    if not raw:
        return "", {}
    if _WO_CP.match(raw):
        return "EXISTS (SELECT 1 FROM handoveritem i WHERE i.handover_id = h.id AND i.ref_number = :s)", {
            "s": raw.upper()}
    plan = interpret(raw)
    item = "EXISTS (SELECT 1 FROM handoveritem i WHERE i.handover_id = h.id AND {cond})"
    if plan.kind == "phone":
        return item.format(cond="i.phone = :s"), {"s": plan.value}
    if plan.kind == "last4":
        return item.format(cond="substr(i.phone, -4) = :s"), {"s": plan.value}
    if plan.kind == "unit":
        return item.format(cond="i.unit_key = :s"), {"s": plan.value}
    words = plan.value if plan.kind in ("text", "initials") else raw
    words = words[:40]
    cond = ("(instr(i.customer_name, :s) OR instr(i.text, :s) OR instr(i.instruction, :s) OR instr(i.state, :s) "
            "OR instr(i.ref_number, :s))")
    return ("(" + item.format(cond=cond) + " OR instr(h.notes, :s) OR EXISTS (SELECT 1 FROM handoverremark r "
            "WHERE r.handover_id = h.id AND instr(r.text, :s)))"), {"s": words}


def review_list(session: Session, actor: Actor, query: ReviewQuery = ReviewQuery()) -> list[PageSummary]:
    """Signed-off pages by date (newest first) and shift (the night's first), filtered and searched."""
    require(actor, Act.REVIEW_HANDOVER)
    where = ["h.submitted_at IS NOT NULL"]
    params: dict = {"n": max(1, min(query.limit, 2000))}
    if query.first is not None:
        where.append("h.shift_date >= :first")
        params["first"] = query.first.isoformat()
    if query.last is not None:
        where.append("h.shift_date <= :last")
        params["last"] = query.last.isoformat()
    if query.shift:
        where.append("h.shift_code = :shift")
        params["shift"] = query.shift
    if query.agent_id is not None:
        where.append("h.from_agent_id = :agent")
        params["agent"] = query.agent_id
    clause, extra = _search_clause(query.search)
    if clause:
        where.append(clause)
        params.update(extra)
    rows = session.execute(sql(_SUMMARY_SQL + "WHERE " + " AND ".join(where) +
                               " ORDER BY h.shift_date DESC, (SELECT s.start FROM shift s WHERE s.code = h.shift_code) DESC, h.shift_code, "
                               "h.submitted_at, h.id LIMIT :n"),
                           params).all()
    return _to_summaries(session, rows, still_open=True)


def mark_reviewed(session: Session, actor: Actor, page_id: int, at: datetime | None = None) -> datetime:
    """The supervisor has read the page: who and when, once."""
    from csdesk.store.models import Handover

    require(actor, Act.REVIEW_HANDOVER)
    at = at or utcnow()
    page = session.get(Handover, page_id)
    if page is None or page.submitted_at is None:
        raise NotFound(_("That handover no longer exists."))
    if page.reviewed_at is not None:
        who = _agents(session, [page.reviewed_by_id]).get(page.reviewed_by_id, ("?",))[0]
        raise Conflict(_("Already reviewed by {staff_no} at {when}.").format(
            staff_no=who, when=page.reviewed_at.astimezone(local_tz()).strftime("%m-%d %H:%M")))
    acting(session, actor, at)
    page.reviewed_at = at
    page.reviewed_by_id = actor.id
    session.flush()
    return at


def occurrence(session: Session, actor: Actor, day: date, shift_code: str) -> list[Page]:
    """Every signed-off page of one shift occurrence (for printing): its agents' pages in sign-off order."""
    require(actor, Act.REVIEW_HANDOVER)
    hours, _names = _shift_hours(session)
    if shift_code not in {h.code for h in hours}:
        raise Invalid({"shift": _("unknown shift {code!r}; choose one of: {choices}").format(
            code=shift_code, choices=", ".join(h.code for h in hours))})
    ids = [r[0] for r in session.execute(sql(
        "SELECT id FROM handover WHERE shift_date = :d AND shift_code = :s AND submitted_at IS NOT NULL "
        "ORDER BY submitted_at, id"), {"d": day.isoformat(), "s": shift_code})]
    return [get_page(session, actor, i) for i in ids]


def shift_choices(session: Session) -> list[tuple[str, str]]:
    """(code, name) of every shift, the night's first."""
    from csdesk.services.reference import shifts

    infos = shifts(session)
    return [(s.code, s.name) for s in sorted(infos, key=lambda s: s.start, reverse=True)]

