"""A work order in full (fee lines and quote, technician, owner, explanation, timeline) and
the 5-minute rule counted for reports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from csdesk.clock import now as utcnow
from csdesk.domain import OrderStatus, Urgency
from csdesk.domain.actor import Actor
from csdesk.domain.fees import Quote
from csdesk.domain.policy import Act, may
from csdesk.domain.rules import (
    OPEN_ORDER_STATUSES,
    DueState,
    ExplanationState,
    dispatch_late,
    due_state,
    explanation_state,
    next_statuses,
)
from csdesk.i18n import _
from csdesk.services.orders.core import (
    _load,
    quote_of,
)
from csdesk.store.models import (
    Agent,
    Contact,
    Technician,
    WorkOrderEvent,
    WorkOrderFee,
)

# --------------------------------------------------------------------------- the order in full


@dataclass(frozen=True)
class EventLine:
    at: datetime
    staff_no: str
    kind: str
    from_status: str
    to_status: str
    note: str
    changes: dict[str, list] = field(default_factory=dict)

    def describe(self) -> str:
        """What happened, in one line, in the current language."""
        if self.kind == "status" and self.to_status:
            moved = OrderStatus(self.to_status).label
            if self.from_status:
                moved = f"{OrderStatus(self.from_status).label} → {moved}"
            return f"{moved}  {self.note}".strip()
        labels = {"deadline": _("Deadline"), "technician": _("Technician"), "appointment": _("Appointment"),
                  "fees": _("Fees"), "details": _("Details"), "note": _("Note"), "print": _("Printed"),
                  "escalated": _("Sent to supervisor"), "explanation": _("Explanation"),
                  "acknowledged": _("Acknowledged by the supervisor")}
        head = labels.get(self.kind, self.kind)
        parts = [self.note] if self.note else []
        if self.kind not in ("explanation",):
            for name, pair in self.changes.items():
                if not isinstance(pair, list) or len(pair) != 2 or name == "status":
                    continue
                before, after = (_show(name, v) for v in pair)
                parts.append(f"{before or '—'} → {after or '—'}" if self.kind != "note" else "")
        return f"{head}: " + "; ".join(p for p in parts if p) if parts else head


def _show(name: str, value: Any) -> str:
    from csdesk.clock import fmt

    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if name.endswith("_at") and isinstance(value, str):
        try:
            return fmt(datetime.fromisoformat(value), "%m-%d %H:%M")
        except ValueError:
            return value
    return str(value)


@dataclass(frozen=True)
class OrderDetail:
    id: int
    number: str
    status: OrderStatus
    urgency: Urgency
    category: str
    subtype: str
    department: str
    customer_id: int | None
    customer_name: str
    phone: str  # masked unless full_phones
    phone_masked: bool
    unit_key: str
    address: str
    description: str
    appointment_at: datetime | None
    deadline_at: datetime
    created_at: datetime
    received_at: datetime
    dispatched_at: datetime | None
    completed_at: datetime | None
    closed_at: datetime | None
    held_since: datetime | None
    hold_reason: str
    cancel_reason: str
    technician_id: int | None
    technician: str
    technician_phone: str
    technician_new: bool
    owner_id: int
    owner_staff_no: str
    owner_name: str
    contact_id: int | None
    contact_number: str
    paid: bool
    price_told: bool
    quote: Quote
    result: str
    materials: str
    fee_charged_fen: int | None
    signed: bool
    customer_opinion: str
    satisfaction: int | None
    completed_by: str
    overdue_escalated_at: datetime | None
    explanation: str
    catch_up_plan: str
    explained_at: datetime | None
    explained_by: str
    explanation_ack_at: datetime | None
    explanation_ack_by: str
    copies_printed: int
    print_count: int
    printed_at: datetime | None
    events: tuple[EventLine, ...]

    @property
    def next_statuses(self) -> tuple[OrderStatus, ...]:
        return next_statuses(self.status)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_ORDER_STATUSES

    def due(self, at: datetime) -> DueState | None:
        """Due soon (80 % of the time gone) or overdue; None once done, or while on hold (the clock stops)."""
        if self.status not in OPEN_ORDER_STATUSES or self.status is OrderStatus.ON_HOLD:
            return None
        return due_state(self.created_at, self.deadline_at, at)

    def dispatch_late(self, at: datetime) -> bool:
        """The 5-minute rule: not dispatched within 5 minutes of the call."""
        end = self.dispatched_at or (self.closed_at if self.status is OrderStatus.CANCELLED else None) or at
        return dispatch_late(self.received_at, end, at)

    def explanation_state(self, at: datetime) -> ExplanationState:
        return explanation_state(self.overdue_escalated_at, self.explained_at, self.explanation_ack_at, at)


def _staff(session: Session, agent_id: int | None) -> tuple[str, str]:
    if agent_id is None:
        return "", ""
    agent = session.get(Agent, agent_id)
    return (agent.staff_no, agent.name) if agent else ("", "")


def order_detail(session: Session, order_id: int, *, full_phones: bool = False) -> OrderDetail:
    """The order in full: fee lines and quote, technician, owner, explanation, timeline (oldest first)."""
    from csdesk.domain.phones import mask

    o = _load(session, order_id)
    fees = list(session.exec(select(WorkOrderFee).where(WorkOrderFee.work_order_id == o.id)))
    tech = session.get(Technician, o.technician_id) if o.technician_id else None
    owner_staff, owner_name = _staff(session, o.owner_id)
    contact_number = ""
    if o.contact_id:
        contact_number = session.exec(select(Contact.number).where(Contact.id == o.contact_id)).first() or ""
    events = []
    for e in session.exec(select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == o.id)
                          .order_by(WorkOrderEvent.at, WorkOrderEvent.id)):
        try:
            changes = json.loads(e.changes) if e.changes else {}
        except ValueError:
            changes = {}
        events.append(EventLine(e.at, e.staff_no, e.kind, e.from_status, e.to_status, e.note, changes))
    from csdesk.services.technicians import _info as tech_info

    return OrderDetail(
        id=o.id, number=o.number, status=OrderStatus(o.status), urgency=Urgency(o.urgency), category=o.category,
        subtype=o.subtype, department=o.department, customer_id=o.customer_id, customer_name=o.customer_name,
        phone=o.phone if full_phones else mask(o.phone), phone_masked=not full_phones and bool(o.phone),
        unit_key=o.unit_key, address=o.address, description=o.description, appointment_at=o.appointment_at,
        deadline_at=o.deadline_at, created_at=o.created_at, received_at=o.received_at or o.created_at,
        dispatched_at=o.dispatched_at, completed_at=o.completed_at, closed_at=o.closed_at,
        held_since=o.held_since, hold_reason=o.hold_reason, cancel_reason=o.cancel_reason,
        technician_id=o.technician_id, technician=o.assignee, technician_phone=tech.phone if tech else "",
        technician_new=tech_info(tech).is_new(o.created_at.date()) if tech else False,
        owner_id=o.owner_id, owner_staff_no=owner_staff, owner_name=owner_name, contact_id=o.contact_id,
        contact_number=contact_number, paid=o.paid, price_told=o.price_told, quote=quote_of(fees),
        result=o.result, materials=o.materials, fee_charged_fen=o.fee_charged_fen, signed=o.signed,
        customer_opinion=o.customer_opinion, satisfaction=o.satisfaction, completed_by=o.completed_by,
        overdue_escalated_at=o.overdue_escalated_at, explanation=o.explanation, catch_up_plan=o.catch_up_plan,
        explained_at=o.explained_at, explained_by=_staff(session, o.explained_by_id)[0],
        explanation_ack_at=o.explanation_ack_at, explanation_ack_by=_staff(session, o.explanation_ack_by_id)[0],
        copies_printed=o.copies_printed, print_count=o.print_count, printed_at=o.printed_at,
        events=tuple(events))


def may_change_deadline(actor: Actor | None) -> bool:
    return may(actor, Act.CHANGE_DEADLINE)


# --------------------------------------------------------------------------- the 5-minute rule in reports


@dataclass(frozen=True)
class DispatchStats:
    orders: int  # opened in the period
    late: int  # not dispatched within 5 minutes of the call


def dispatch_stats(session: Session, start: datetime, end: datetime, *, at: datetime | None = None) -> DispatchStats:
    """How many orders of [start, end) were not dispatched within 5 minutes of their call
    (still waiting counts against now; cancelled before dispatch, against the cancellation)."""
    from sqlalchemy import text as sql

    from csdesk.domain.rules import DISPATCH_WITHIN

    at = at or utcnow()

    def stored(value: datetime) -> str:
        from datetime import UTC

        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")

    row = session.execute(sql(
        "SELECT count(*), coalesce(sum(CASE WHEN "
        "CAST(strftime('%s', coalesce(dispatched_at, CASE WHEN status = 'cancelled' THEN closed_at END, :now)) "
        "AS INTEGER) - CAST(strftime('%s', coalesce(received_at, created_at)) AS INTEGER) > :limit "
        "THEN 1 ELSE 0 END), 0) FROM workorder INDEXED BY ix_workorder_created "
        "WHERE created_at >= :start AND created_at < :end"),
        {"now": stored(at), "limit": int(DISPATCH_WITHIN.total_seconds()), "start": stored(start),
         "end": stored(end)}).one()
    return DispatchStats(row[0], row[1])

