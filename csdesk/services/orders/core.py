"""The order's core: opening (with fee lines priced now), the lifecycle moves, completion
and the low-score call-back, overdue escalation; the helpers the other modules share."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from csdesk.clock import now as utcnow
from csdesk.domain import CallbackKind, EscalationReason, OrderStatus, Urgency
from csdesk.domain.actor import SYSTEM, Actor
from csdesk.domain.errors import Conflict, Invalid, NotFound
from csdesk.domain.fees import MAX_LINES, MAX_QUANTITY, Quote, QuoteLine, quote
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
from csdesk.i18n import _, current_language
from csdesk.services.audit import acting
from csdesk.store.models import (
    Callback,
    Category,
    Contact,
    Department,
    Escalation,
    FeeItem,
    Technician,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderFee,
)
from csdesk.store.numbers import allocate

REASON_LIMIT = 200
DESCRIPTION_LIMIT = 1000
NOTE_LIMIT = 500
EXPLANATION_LIMIT = 1000
COMPLETION_LIMIT = 2000
APPOINTMENT_GRACE = timedelta(minutes=5)  # an appointment "now" typed a moment ago is not in the past
CLOSED_STATUSES = (OrderStatus.CLOSED, OrderStatus.CANCELLED)


class _Keep:
    """Marks a field an update leaves as it is (None is a value: "no appointment")."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


@dataclass(frozen=True)
class FeeRequest:
    """An item of the fee schedule asked for: its code and how many units."""

    code: str
    quantity: int = 1


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
    technician_id: int | None = None
    fees: tuple[FeeRequest, ...] = ()
    price_told: bool = False
    received_at: datetime | None = None  # the call (the 5-minute rule); default: the intake's, else now
    deadline_at: datetime | None = None  # a supervisor's own deadline instead of the urgency's
    deadline_reason: str = ""


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
    technician_id: int | None = None
    assignee: str = ""
    paid: bool = False
    price_told: bool = False
    received_at: datetime | None = None
    appointment_at: datetime | None = None
    overdue_escalated_at: datetime | None = None
    quoted_fee_fen: int | None = None

    @property
    def next_statuses(self) -> tuple[OrderStatus, ...]:
        return next_statuses(self.status)


def _info(order: WorkOrder, **extra: Any) -> OrderInfo:
    return OrderInfo(order.id, order.number, OrderStatus(order.status), Urgency(order.urgency), order.deadline_at,
                     order.created_at, order.owner_id, order.customer_id, order.customer_name, order.description,
                     order.department, order.dispatched_at, order.completed_at, order.closed_at, order.held_since,
                     order.satisfaction, technician_id=order.technician_id, assignee=order.assignee,
                     paid=order.paid, price_told=order.price_told, received_at=order.received_at,
                     appointment_at=order.appointment_at, overdue_escalated_at=order.overdue_escalated_at,
                     quoted_fee_fen=order.quoted_fee_fen, **extra)


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


def _name(zh: str, en: str) -> str:
    return zh if current_language() == "zh_CN" else en


def _fee_rows(session: Session, requests: Iterable[FeeRequest], errors: dict[str, str]) -> list[WorkOrderFee]:
    """Fee lines for ``requests``, priced from the schedule now (the price at quoting time)."""
    requests = list(requests)
    if len(requests) > MAX_LINES:
        errors["fees"] = _("At most {n} fee items on one order.").format(n=MAX_LINES)
        return []
    merged: dict[str, int] = {}
    for req in requests:
        code = (req.code or "").strip()
        if not 1 <= int(req.quantity) <= MAX_QUANTITY:
            errors["fees"] = _("A quantity from 1 to {n}.").format(n=MAX_QUANTITY)
            return []
        merged[code] = merged.get(code, 0) + int(req.quantity)
    if not merged:
        return []
    items = {f.code: f for f in session.exec(select(FeeItem).where(col(FeeItem.code).in_(list(merged)),
                                                                   col(FeeItem.active)))}
    unknown = [code for code in merged if code not in items]
    if unknown:
        errors["fees"] = _("Not in the fee schedule: {codes}").format(codes=", ".join(unknown))
        return []
    rows = []
    for sort, (code, qty) in enumerate(merged.items()):
        if qty > MAX_QUANTITY:
            errors["fees"] = _("A quantity from 1 to {n}.").format(n=MAX_QUANTITY)
            return []
        f = items[code]
        rows.append(WorkOrderFee(work_order_id=0, code=f.code, name_zh=f.name_zh, name_en=f.name_en,
                                 unit_zh=f.unit_zh, unit_en=f.unit_en, price_fen=f.price_fen, quantity=qty,
                                 note=f.note, sort=sort))
    return rows


def quote_of(lines: Iterable[WorkOrderFee]) -> Quote:
    """The quote of an order's fee lines (:func:`csdesk.domain.fees.quote`), names in the current language."""
    return quote(QuoteLine(f.code, _name(f.name_zh, f.name_en), _name(f.unit_zh, f.unit_en), f.price_fen,
                           f.quantity, f.note) for f in sorted(lines, key=lambda f: (f.sort, f.id or 0)))


def fee_text(lines: Iterable[WorkOrderFee]) -> str:
    """Fee lines in one line for the timeline: ``tap_replace×2, leak_inspect``."""
    return ", ".join(f"{f.code}×{f.quantity}" if f.quantity != 1 else f.code
                     for f in sorted(lines, key=lambda f: f.sort))


def _check_department(session: Session, code: str, errors: dict[str, str]) -> None:
    found = session.exec(select(Department.id).where(Department.code == code, col(Department.active))).first()
    if found is None:
        errors["department"] = _("Unknown department {value!r}.").format(value=code)


def _check_category(session: Session, category: str, subtype: str, errors: dict[str, str]) -> None:
    codes = [c for c in (category, subtype) if c]
    known = set(session.exec(select(Category.code).where(col(Category.code).in_(codes)))) if codes else set()
    if category and category not in known:
        errors["category"] = _("Unknown category {value!r}").format(value=category)
    if subtype and (subtype not in known or not subtype.startswith(category + ".")):
        errors["subtype"] = _("Not a sub-type of this category.")


def _technician(session: Session, technician_id: int | None, department: str,
                errors: dict[str, str]) -> Technician | None:
    if technician_id is None:
        return None
    tech = session.get(Technician, technician_id)
    if tech is None or not tech.active:
        errors["technician"] = _("That technician is not on the roster.")
        return None
    if tech.department_code != department:
        errors["technician"] = _("{name} is not on the roster of this department.").format(name=tech.name)
        return None
    return tech


def clean(value: str | None, limit: int, kind: str, key: str, errors: dict[str, str]) -> str:
    """A text field through the input hygiene (:func:`csdesk.domain.text.clean_text`); its message
    goes to ``errors[key]``."""
    from csdesk.domain.text import TextError, clean_text

    try:
        return clean_text(value, limit, kind=kind)
    except TextError as exc:
        errors[key] = str(exc)
        return ""


def _check_reason(reason: str, errors: dict[str, str], key: str = "deadline_reason") -> str:
    reason = clean(reason, REASON_LIMIT, "line", key, errors)
    if not reason and key not in errors:
        errors[key] = _("Give the reason.")
    return reason


def _initials(session: Session, customer_id: int | None, name: str) -> str:
    if not name:
        return ""
    if customer_id:
        from csdesk.store.models import Customer

        customer = session.get(Customer, customer_id)
        if customer is not None and customer.name == name:
            return customer.name_initials
    from csdesk.domain.text import pinyin_initials

    return pinyin_initials(name)


def open_order(session: Session, actor: Actor, spec: OrderSpec, *, at: datetime | None = None,
               critical_minutes: int | None = None) -> OrderInfo:
    """A new order with its number, its deadline from the urgency and its first event.

    With the F3 form it also takes the technician (from the department's
    roster), the appointment, the fee lines of paid work (priced from the
    schedule now) and whether the customer was told the price; a supervisor
    may set another deadline, with a reason.
    """
    require(actor, Act.RECORD)
    at = at or utcnow()
    acting(session, actor, at)
    errors: dict[str, str] = {}
    description = clean(spec.description, DESCRIPTION_LIMIT, "block", "description", errors)
    if not description and "description" not in errors:
        errors["description"] = _("Write what is to be done.")
    urgency = Urgency(spec.urgency)
    _check_department(session, spec.department, errors)
    tech = _technician(session, spec.technician_id, spec.department, errors)
    fees = _fee_rows(session, spec.fees, errors)
    if spec.paid and not spec.fees and "fees" not in errors:
        errors["fees"] = _("Pick the items of the fee schedule (or make the work free).")
    if not spec.paid and spec.fees:
        errors["fees"] = _("Free work has no fee items.")
    if spec.appointment_at is not None and spec.appointment_at < at - APPOINTMENT_GRACE:
        errors["appointment"] = _("The appointment is in the past.")
    received = spec.received_at
    if received is None and spec.contact_id is not None:
        received = session.exec(select(Contact.received_at).where(Contact.id == spec.contact_id)).first()
    received = min(received or at, at)
    deadline = received + order_deadline(urgency, critical_minutes)  # the time limit runs from the call
    reason = ""
    if spec.deadline_at is not None and spec.deadline_at != deadline:
        require(actor, Act.CHANGE_DEADLINE)
        reason = _check_reason(spec.deadline_reason, errors)
        if spec.deadline_at <= at:
            errors["deadline"] = _("The deadline must be in the future.")
    if errors:
        raise Invalid(errors)
    order = WorkOrder(
        number=allocate(session, "work_order", at), contact_id=spec.contact_id, customer_id=spec.customer_id,
        customer_name=spec.customer_name, name_initials=_initials(session, spec.customer_id, spec.customer_name),
        phone=spec.phone, unit_key=spec.unit_key, address=spec.address,
        description=description, category=spec.category, subtype=spec.subtype, urgency=urgency.value,
        department=spec.department, appointment_at=spec.appointment_at, paid=spec.paid,
        technician_id=tech.id if tech else None, assignee=tech.name if tech else "",
        price_told=bool(spec.price_told and spec.paid), received_at=received,
        deadline_at=deadline, status=OrderStatus.OPEN.value,
        owner_id=actor.id, created_by_id=actor.id, created_at=at)
    if fees:
        order.quoted_fee_fen = quote_of(fees).total_fen
        order.fee_item_code = fees[0].code
    session.add(order)
    session.flush()
    for row in fees:
        row.work_order_id = order.id
        session.add(row)
    note = (_("opened from intake {number}").format(number=spec.contact_number) if spec.contact_number
            else _("opened at the desk"))
    opened: dict[str, list] = {}
    if tech:
        opened["technician"] = [None, tech.name]
    if spec.appointment_at:
        opened["appointment_at"] = [None, spec.appointment_at.isoformat()]
    if fees:
        opened["fees"] = [None, fee_text(fees)]
        opened["price_told"] = [None, order.price_told]
    _event(session, order, actor, at, to_status=OrderStatus.OPEN.value, note=note, changes=opened or None)
    if spec.deadline_at is not None and spec.deadline_at != deadline:
        _event(session, order, actor, at, kind="deadline", note=reason,
               changes={"deadline_at": [deadline.isoformat(), spec.deadline_at.isoformat()]})
        order.deadline_at = spec.deadline_at
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
    errors: dict[str, str] = {}
    reason = clean(reason, REASON_LIMIT, "line", "reason", errors)
    if target in REASON_REQUIRED and not reason and not errors:
        errors["reason"] = _("Give the reason.")
    if errors:
        raise Invalid(errors)
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
    errors: dict[str, str] = {}
    if done.satisfaction is None or not 1 <= done.satisfaction <= 5:
        errors["satisfaction"] = _("Give the customer's satisfaction, 1 to 5.")
    result = clean(done.result, COMPLETION_LIMIT, "block", "result", errors)
    materials = clean(done.materials, COMPLETION_LIMIT, "block", "materials", errors)
    opinion = clean(done.opinion, COMPLETION_LIMIT, "block", "opinion", errors)
    completed_by = clean(done.completed_by, 64, "name", "completed_by", errors)
    if not result and "result" not in errors:
        errors["result"] = _("Write the result.")
    if done.fee_charged_fen is not None and done.fee_charged_fen < 0:
        errors["fee_charged"] = _("A fee is not negative.")
    elif done.fee_charged_fen is None and order.paid:
        errors["fee_charged"] = _("Paid work: enter the fee charged (0 if it was waived).")
    if errors:
        raise Invalid(errors)
    order.status = OrderStatus.DONE.value
    order.completed_at = at
    order.result = result
    order.materials = materials
    order.fee_charged_fen = done.fee_charged_fen
    order.signed = done.signed
    order.customer_opinion = opinion
    order.satisfaction = done.satisfaction
    order.completed_by = completed_by or order.assignee
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
