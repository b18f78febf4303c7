"""Field changes of a work order as events: details, technician, appointment, fees, the
supervisor's deadline, notes; the overdue explanation and its acknowledgement.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from csdesk.clock import now as utcnow
from csdesk.domain import EscalationReason, OrderStatus
from csdesk.domain.actor import Actor
from csdesk.domain.errors import Conflict, Invalid
from csdesk.domain.policy import Act, require
from csdesk.domain.rules import (
    OVERDUE_EXPLAIN_WITHIN,
)
from csdesk.i18n import _
from csdesk.services.audit import acting
from csdesk.services.orders.core import (
    APPOINTMENT_GRACE,
    CLOSED_STATUSES,
    DESCRIPTION_LIMIT,
    EXPLANATION_LIMIT,
    KEEP,
    NOTE_LIMIT,
    REASON_LIMIT,
    FeeRequest,
    OrderInfo,
    _check_category,
    _check_department,
    _check_reason,
    _event,
    _fee_rows,
    _info,
    _initials,
    _load,
    _technician,
    clean,
    fee_text,
    quote_of,
)
from csdesk.store.models import (
    Escalation,
    WorkOrder,
    WorkOrderFee,
)

# --------------------------------------------------------------------------- field changes


@dataclass(frozen=True)
class OrderChanges:
    """What an edit of the form changes; fields left at :data:`KEEP` stay as they are."""

    description: Any = KEEP
    customer_id: Any = KEEP
    customer_name: Any = KEEP
    phone: Any = KEEP
    unit_key: Any = KEEP
    address: Any = KEEP
    category: Any = KEEP
    subtype: Any = KEEP
    department: Any = KEEP
    appointment_at: Any = KEEP  # a datetime or None (no appointment)
    technician_id: Any = KEEP  # an id or None (nobody yet)
    paid: Any = KEEP
    fees: Any = KEEP  # tuple of FeeRequest
    price_told: Any = KEEP
    deadline_at: Any = KEEP  # a supervisor's, with deadline_reason
    deadline_reason: str = ""


def _changeable(order: WorkOrder) -> None:
    status = OrderStatus(order.status)
    if status in CLOSED_STATUSES:
        raise Conflict(_("Order {number} is {state}: it can no longer be changed.").format(
            number=order.number, state=status.label))


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def update_order(session: Session, actor: Actor, order_id: int, changes: OrderChanges, *,
                 at: datetime | None = None) -> OrderInfo:
    """Apply an edit of the order; each kind of change is an event with the fields before and after.

    Details (customer, place, what is to be done, category, department), the
    technician, the appointment, the fees (paid or free, items, customer
    told) and the deadline (a supervisor's, with a reason) are separate events
    on the timeline.  An order closed or cancelled is no longer changed.
    """
    at = at or utcnow()
    order = _load(session, order_id)
    require(actor, Act.HANDLE_OWN, owner_id=order.owner_id)
    acting(session, actor, at)
    _changeable(order)
    c = changes
    errors: dict[str, str] = {}
    details: dict[str, list] = {}

    def want(name: str) -> bool:
        value = getattr(c, name)
        return value is not KEEP and value != getattr(order, name)

    for name in ("customer_id", "customer_name", "phone", "unit_key", "address", "category", "subtype",
                 "department"):
        if want(name):
            details[name] = [getattr(order, name), getattr(c, name)]
    if want("description"):
        text = clean(c.description, DESCRIPTION_LIMIT, "block", "description", errors)
        if not text and "description" not in errors:
            errors["description"] = _("Write what is to be done.")
        elif text and text != order.description:
            details["description"] = [order.description, text]
    department = c.department if c.department is not KEEP else order.department
    if "department" in details:
        _check_department(session, department, errors)
    if "category" in details or "subtype" in details:
        _check_category(session, c.category if c.category is not KEEP else order.category,
                        c.subtype if c.subtype is not KEEP else order.subtype, errors)
    tech_id = c.technician_id if c.technician_id is not KEEP else order.technician_id
    tech = None
    tech_changed = tech_id != order.technician_id
    if tech_changed or "department" in details:
        tech = _technician(session, tech_id, department, errors)
    appointment_changed = want("appointment_at")
    if appointment_changed and c.appointment_at is not None and c.appointment_at < at - APPOINTMENT_GRACE:
        errors["appointment"] = _("The appointment is in the past.")
    paid = c.paid if c.paid is not KEEP else order.paid
    old_fees = list(session.exec(select(WorkOrderFee).where(WorkOrderFee.work_order_id == order.id)))
    fees_changed = c.fees is not KEEP and sorted((f.code, f.quantity) for f in old_fees) != sorted(
        (r.code, int(r.quantity)) for r in _merge(c.fees))
    new_fees = _fee_rows(session, c.fees, errors) if fees_changed else None
    wanted_fees = new_fees if new_fees is not None else ([] if not paid else old_fees)
    if paid and not wanted_fees and "fees" not in errors:
        errors["fees"] = _("Pick the items of the fee schedule (or make the work free).")
    if not paid and c.fees is not KEEP and c.fees:
        errors["fees"] = _("Free work has no fee items.")
    told = (c.price_told if c.price_told is not KEEP else order.price_told) and paid
    deadline_changed = c.deadline_at is not KEEP and c.deadline_at != order.deadline_at
    reason = ""
    if deadline_changed:
        require(actor, Act.CHANGE_DEADLINE)
        reason = _check_reason(c.deadline_reason, errors)
        if c.deadline_at is None or c.deadline_at <= at:
            errors["deadline"] = _("The deadline must be in the future.")
    if errors:
        raise Invalid(errors)

    if details:
        for name, (_before, after) in details.items():
            setattr(order, name, after)
        if "customer_name" in details or "customer_id" in details:
            order.name_initials = _initials(session, order.customer_id, order.customer_name)
        _event(session, order, actor, at, kind="details", changes=details)
    if tech_changed:
        before = order.assignee
        order.technician_id = tech.id if tech else None
        order.assignee = tech.name if tech else ""
        _event(session, order, actor, at, kind="technician",
               note=_("technician: {name}").format(name=order.assignee) if tech else _("technician removed"),
               changes={"technician": [before or None, order.assignee or None]})
    if appointment_changed:
        before = order.appointment_at
        order.appointment_at = c.appointment_at
        _event(session, order, actor, at, kind="appointment",
               changes={"appointment_at": [_iso(before), _iso(c.appointment_at)]})
    fee_changes: dict[str, list] = {}
    if paid != order.paid:
        fee_changes["paid"] = [order.paid, paid]
        order.paid = paid
    if new_fees is not None or (not paid and old_fees):
        fee_changes["fees"] = [fee_text(old_fees) or None, fee_text(new_fees or []) or None]
        for row in old_fees:
            session.delete(row)
        for row in new_fees or []:
            row.work_order_id = order.id
            session.add(row)
        order.quoted_fee_fen = quote_of(new_fees).total_fen if new_fees else None
        order.fee_item_code = new_fees[0].code if new_fees else ""
    if told != order.price_told:
        fee_changes["price_told"] = [order.price_told, told]
        order.price_told = told
    if fee_changes:
        _event(session, order, actor, at, kind="fees", changes=fee_changes)
    if deadline_changed:
        _set_deadline(session, order, actor, at, c.deadline_at, reason)
    session.flush()
    return _info(order)


def _merge(requests: Iterable[FeeRequest]) -> list[FeeRequest]:
    merged: dict[str, int] = {}
    for r in requests:
        merged[r.code] = merged.get(r.code, 0) + int(r.quantity)
    return [FeeRequest(code, qty) for code, qty in merged.items()]


def _set_deadline(session: Session, order: WorkOrder, actor: Actor, at: datetime, deadline: datetime,
                  reason: str) -> None:
    before = order.deadline_at
    order.deadline_at = deadline
    _event(session, order, actor, at, kind="deadline", note=reason,
           changes={"deadline_at": [before.isoformat(), deadline.isoformat()]})


def change_deadline(session: Session, actor: Actor, order_id: int, deadline: datetime, reason: str, *,
                    at: datetime | None = None) -> OrderInfo:
    """A supervisor moves the deadline, with a reason (an event on the timeline)."""
    at = at or utcnow()
    require(actor, Act.CHANGE_DEADLINE)
    order = _load(session, order_id)
    acting(session, actor, at)
    _changeable(order)
    errors: dict[str, str] = {}
    reason = _check_reason(reason, errors)
    if deadline <= at:
        errors["deadline"] = _("The deadline must be in the future.")
    if errors:
        raise Invalid(errors)
    _set_deadline(session, order, actor, at, deadline, reason)
    session.flush()
    return _info(order)


def add_note(session: Session, actor: Actor, order_id: int, text: str, *, at: datetime | None = None) -> OrderInfo:
    """A note on the order's timeline (anyone at the desk may add one: a customer calls again …)."""
    at = at or utcnow()
    require(actor, Act.RECORD)
    order = _load(session, order_id)
    acting(session, actor, at)
    errors: dict[str, str] = {}
    text = clean(text, NOTE_LIMIT, "block", "note", errors)
    if not text and not errors:
        errors["note"] = _("Write the note.")
    if errors:
        raise Invalid(errors)
    _event(session, order, actor, at, kind="note", note=text)
    session.flush()
    return _info(order)


# --------------------------------------------------------------------------- overdue: explanation and acknowledgement


def explain_overdue(session: Session, actor: Actor, order_id: int, explanation: str, plan: str, *,
                    at: datetime | None = None) -> OrderInfo:
    """The owner explains an overdue order and plans how to catch up (owed within 1 hour).

    It may be rewritten until the supervisor has acknowledged it.
    """
    at = at or utcnow()
    order = _load(session, order_id)
    require(actor, Act.HANDLE_OWN, owner_id=order.owner_id)
    acting(session, actor, at)
    if order.overdue_escalated_at is None:
        raise Conflict(_("Order {number} has not gone past its deadline: nothing to explain.").format(
            number=order.number))
    if order.explanation_ack_at is not None:
        raise Conflict(_("The supervisor has acknowledged the explanation of {number} already.").format(
            number=order.number))
    errors: dict[str, str] = {}
    explanation = clean(explanation, EXPLANATION_LIMIT, "block", "explanation", errors)
    plan = clean(plan, EXPLANATION_LIMIT, "block", "plan", errors)
    for key, value, missing in (("explanation", explanation, _("Explain why the deadline was missed.")),
                                ("plan", plan, _("Say how and by when it will be caught up."))):
        if not value and key not in errors:
            errors[key] = missing
    if errors:
        raise Invalid(errors)
    late = at > order.overdue_escalated_at + OVERDUE_EXPLAIN_WITHIN
    order.explanation, order.catch_up_plan = explanation, plan
    order.explained_at, order.explained_by_id = at, actor.id
    _event(session, order, actor, at, kind="explanation",
           note=(_("explained (late: the hour was up)") if late else _("explained")) + f": {explanation} / {plan}")
    session.flush()
    return _info(order)


def acknowledge_explanation(session: Session, actor: Actor, order_id: int, note: str = "", *,
                            at: datetime | None = None) -> OrderInfo:
    """The supervisor acknowledges the owner's explanation (and the order's overdue escalation)."""
    at = at or utcnow()
    require(actor, Act.ACK_ESCALATION)
    order = _load(session, order_id)
    acting(session, actor, at)
    if order.explained_at is None:
        raise Conflict(_("Order {number} has no explanation to acknowledge yet.").format(number=order.number))
    if order.explanation_ack_at is not None:
        raise Conflict(_("The explanation of {number} is acknowledged already.").format(number=order.number))
    errors: dict[str, str] = {}
    note = clean(note, REASON_LIMIT, "line", "note", errors)
    if errors:
        raise Invalid(errors)
    order.explanation_ack_at, order.explanation_ack_by_id = at, actor.id
    for esc in session.exec(select(Escalation).where(Escalation.work_order_id == order.id,
                                                     Escalation.reason == EscalationReason.OVERDUE.value,
                                                     col(Escalation.acknowledged_at).is_(None))):
        esc.acknowledged_at, esc.acknowledged_by_id = at, actor.id
        esc.note = note
    _event(session, order, actor, at, kind="acknowledged",
           note=_("explanation acknowledged") + (f": {note}" if note else ""))
    session.flush()
    return _info(order)


