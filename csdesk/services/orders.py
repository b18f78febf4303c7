"""Work orders (服务记录表 / 工单): opened with a number, a deadline and a first
event; every move checked against the lifecycle in :mod:`csdesk.domain.rules`
and kept as an event with who and when.

- :func:`open_order`: from an intake (:func:`csdesk.services.intake.record_contact`
  calls it) or directly.  The deadline comes from the urgency (normal 24 h,
  urgent 2 h, critical from configuration).
- :func:`move`: open → dispatched → in progress → done → closed, on hold and
  cancelled with a reason.  Time on hold does not count: resuming moves the
  deadline by the time held, recorded as an event.
- :func:`complete`: result, materials, fee, signature, opinion and a
  satisfaction of 1–5 (required); 1–3 creates a call-back within 2 hours owned
  by the agent who took the original call (first-contact ownership).
- :func:`escalate_overdue`: an order past its deadline goes to the supervisor
  queue once, whichever console is open or none (``csdesk tick``).

Every function takes the acting :class:`~csdesk.domain.actor.Actor`; the
policy decides (an agent moves their own orders, a supervisor anyone's) and the
audit log records the write.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from csdesk.clock import now as utcnow
from csdesk.domain import CallbackKind, EscalationReason, OrderStatus, Urgency
from csdesk.domain.actor import SYSTEM, Actor
from csdesk.domain.errors import Conflict, Invalid, NotFound
from csdesk.domain.policy import Act, require
from csdesk.domain.rules import (
    LOW_SCORE_CALLBACK,
    OPEN_ORDER_STATUSES,
    REASON_REQUIRED,
    can_move,
    needs_low_score_callback,
    next_statuses,
    order_deadline,
    resumed_deadline,
)
from csdesk.i18n import _
from csdesk.services.audit import acting
from csdesk.store.models import Callback, Escalation, WorkOrder, WorkOrderEvent
from csdesk.store.numbers import allocate

REASON_LIMIT = 200


@dataclass(frozen=True)
class OrderSpec:
    """What opening an order needs (strings already validated by the caller's form)."""

    description: str
    urgency: Urgency = Urgency.NORMAL
    category: str = "repair"
    subtype: str = ""
    department: str = "engineering"
    customer_id: int | None = None
    customer_name: str = ""
    phone: str = ""
    unit_key: str = ""
    address: str = ""
    contact_id: int | None = None
    contact_number: str = ""
    appointment_at: datetime | None = None
    paid: bool = False


@dataclass(frozen=True)
class OrderInfo:
    id: int
    number: str
    status: OrderStatus
    urgency: Urgency
    deadline_at: datetime
    created_at: datetime
    owner_id: int
    customer_id: int | None
    customer_name: str
    description: str
    department: str
    dispatched_at: datetime | None = None
    completed_at: datetime | None = None
    closed_at: datetime | None = None
    held_since: datetime | None = None
    satisfaction: int | None = None
    low_score_callback_id: int | None = None

    @property
    def next_statuses(self) -> tuple[OrderStatus, ...]:
        return next_statuses(self.status)


def _info(order: WorkOrder, **extra: Any) -> OrderInfo:
    return OrderInfo(order.id, order.number, OrderStatus(order.status), Urgency(order.urgency), order.deadline_at,
                     order.created_at, order.owner_id, order.customer_id, order.customer_name, order.description,
                     order.department, order.dispatched_at, order.completed_at, order.closed_at, order.held_since,
                     order.satisfaction, **extra)


def _event(session: Session, order: WorkOrder, actor: Actor, at: datetime, *, kind: str = "status",
           from_status: str = "", to_status: str = "", note: str = "", changes: dict | None = None) -> None:
    session.add(WorkOrderEvent(work_order_id=order.id, at=at, agent_id=actor.id, staff_no=actor.staff_no, kind=kind,
                               from_status=from_status, to_status=to_status, note=note,
                               changes=json.dumps(changes, ensure_ascii=False, default=str) if changes else ""))


def _load(session: Session, order_id: int) -> WorkOrder:
    order = session.get(WorkOrder, order_id)
    if order is None:
        raise NotFound(_("No work order with that number."))
    return order


def get_order(session: Session, order_id: int) -> OrderInfo:
    return _info(_load(session, order_id))


def open_order(session: Session, actor: Actor, spec: OrderSpec, *, at: datetime | None = None,
               critical_minutes: int | None = None) -> OrderInfo:
    """A new order with its number, its deadline from the urgency and its first event."""
    require(actor, Act.RECORD)
    at = at or utcnow()
    acting(session, actor, at)
    if not spec.description.strip():
        raise Invalid({"description": _("Write what is to be done.")})
    urgency = Urgency(spec.urgency)
    order = WorkOrder(
        number=allocate(session, "work_order", at), contact_id=spec.contact_id, customer_id=spec.customer_id,
        customer_name=spec.customer_name, phone=spec.phone, unit_key=spec.unit_key, address=spec.address,
        description=spec.description, category=spec.category, subtype=spec.subtype, urgency=urgency.value,
        department=spec.department, appointment_at=spec.appointment_at, paid=spec.paid,
        deadline_at=at + order_deadline(urgency, critical_minutes), status=OrderStatus.OPEN.value,
        owner_id=actor.id, created_by_id=actor.id, created_at=at)
    session.add(order)
    session.flush()
    note = (_("opened from intake {number}").format(number=spec.contact_number) if spec.contact_number
            else _("opened at the desk"))
    _event(session, order, actor, at, to_status=OrderStatus.OPEN.value, note=note)
    session.flush()
    return _info(order)


def move(session: Session, actor: Actor, order_id: int, target: OrderStatus | str, *, reason: str = "",
         at: datetime | None = None) -> OrderInfo:
    """Move an order along its lifecycle; an illegal move is refused with a message.

    Use :func:`complete` to move to done (it needs the completion record).
    """
    at = at or utcnow()
    target = OrderStatus(target)
    order = _load(session, order_id)
    require(actor, Act.HANDLE_OWN, owner_id=order.owner_id)
    acting(session, actor, at)
    current = OrderStatus(order.status)
    if not can_move(current, target):
        raise Conflict(_("Order {number} is {state}: it cannot be moved to {target}.").format(
            number=order.number, state=current.label, target=target.label))
    if target is OrderStatus.DONE:
        raise Invalid({"satisfaction": _("Record the completion (result and satisfaction) to finish the order.")})
    reason = (reason or "").strip()
    if target in REASON_REQUIRED and not reason:
        raise Invalid({"reason": _("Give the reason.")})
    if len(reason) > REASON_LIMIT:
        raise Invalid({"reason": _("At most {limit} characters (this has {n}).").format(limit=REASON_LIMIT,
                                                                                      n=len(reason))})
    changes: dict[str, list] = {"status": [current.value, target.value]}
    if current is OrderStatus.ON_HOLD and order.held_since is not None:
        moved = resumed_deadline(order.deadline_at, order.held_since, at)
        changes["deadline_at"] = [order.deadline_at.isoformat(), moved.isoformat()]
        _event(session, order, actor, at, kind="deadline",
               note=_("resumed after {minutes} min on hold: the deadline moves by the time held").format(
                   minutes=int((at - order.held_since).total_seconds() // 60)),
               changes={"deadline_at": [order.deadline_at.isoformat(), moved.isoformat()]})
        order.deadline_at = moved
        order.held_since = None
    if target is OrderStatus.ON_HOLD:
        order.held_since = at
        order.hold_reason = reason
    elif target is OrderStatus.CANCELLED:
        order.cancel_reason = reason
    elif target is OrderStatus.DISPATCHED and order.dispatched_at is None:
        order.dispatched_at = at
    elif target is OrderStatus.CLOSED:
        order.closed_at = at
    order.status = target.value
    _event(session, order, actor, at, from_status=current.value, to_status=target.value, note=reason,
           changes=changes)
    session.flush()
    return _info(order)


@dataclass(frozen=True)
class Completion:
    satisfaction: int | None
    result: str = ""
    materials: str = ""
    fee_charged_fen: int | None = None
    signed: bool = False
    opinion: str = ""
    completed_by: str = ""


def complete(session: Session, actor: Actor, order_id: int, done: Completion, *,
             at: datetime | None = None) -> OrderInfo:
    """The work is done: its record, and the low-score call-back when the customer scored 1–3."""
    at = at or utcnow()
    order = _load(session, order_id)
    require(actor, Act.HANDLE_OWN, owner_id=order.owner_id)
    acting(session, actor, at)
    current = OrderStatus(order.status)
    if not can_move(current, OrderStatus.DONE):
        raise Conflict(_("Order {number} is {state}: it cannot be moved to {target}.").format(
            number=order.number, state=current.label, target=OrderStatus.DONE.label))
    errors = {}
    if done.satisfaction is None or not 1 <= done.satisfaction <= 5:
        errors["satisfaction"] = _("Give the customer's satisfaction, 1 to 5.")
    if not done.result.strip():
        errors["result"] = _("Write the result.")
    if done.fee_charged_fen is not None and done.fee_charged_fen < 0:
        errors["fee_charged"] = _("A fee is not negative.")
    if errors:
        raise Invalid(errors)
    order.status = OrderStatus.DONE.value
    order.completed_at = at
    order.result = done.result.strip()
    order.materials = done.materials.strip()
    order.fee_charged_fen = done.fee_charged_fen
    order.signed = done.signed
    order.customer_opinion = done.opinion.strip()
    order.satisfaction = done.satisfaction
    order.completed_by = done.completed_by.strip() or order.assignee
    _event(session, order, actor, at, from_status=current.value, to_status=OrderStatus.DONE.value,
           note=_("satisfaction {n}").format(n=done.satisfaction),
           changes={"status": [current.value, OrderStatus.DONE.value], "satisfaction": [None, done.satisfaction]})
    callback_id = None
    if needs_low_score_callback(done.satisfaction):
        cb = Callback(kind=CallbackKind.LOW_SCORE.value, due_at=at + LOW_SCORE_CALLBACK, agent_id=order.owner_id,
                      customer_id=order.customer_id, customer_name=order.customer_name, phone=order.phone,
                      contact_id=order.contact_id, work_order_id=order.id,
                      note=_("Satisfaction {n} on {number}: ask what to improve.").format(
                          n=done.satisfaction, number=order.number),
                      created_at=at, created_by_id=actor.id)
        session.add(cb)
        session.flush()
        callback_id = cb.id
    session.flush()
    return _info(order, low_score_callback_id=callback_id)


def escalate_overdue(session: Session, *, at: datetime | None = None, actor: Actor = SYSTEM,
                     limit: int = 500) -> list[int]:
    """Send every open order past its deadline to the supervisor queue, once; returns their ids.

    Idempotent and safe from several consoles at once (run it in a write session:
    ``BEGIN IMMEDIATE``): an order escalated already is marked and never again.
    """
    at = at or utcnow()
    acting(session, actor, at)
    statuses = [s.value for s in OPEN_ORDER_STATUSES if s is not OrderStatus.ON_HOLD]
    orders = session.exec(select(WorkOrder).where(col(WorkOrder.status).in_(statuses), WorkOrder.deadline_at < at,
                                                  col(WorkOrder.overdue_escalated_at).is_(None))
                          .order_by(WorkOrder.deadline_at).limit(limit)).all()
    for order in orders:
        order.overdue_escalated_at = at
        late = int((at - order.deadline_at).total_seconds() // 60)
        summary = _("{number} overdue by {minutes} min · {what}").format(
            number=order.number, minutes=late, what=(order.description or "").split("\n", 1)[0][:100])
        session.add(Escalation(reason=EscalationReason.OVERDUE.value, summary=summary[:200],
                               contact_id=order.contact_id, work_order_id=order.id, customer_id=order.customer_id,
                               created_at=at, created_by_id=actor.id))
        _event(session, order, actor, at, kind="escalated",
               note=_("past its deadline: sent to the supervisor; the owner explains within 1 hour"))
    session.flush()
    return [o.id for o in orders]
