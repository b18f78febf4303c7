"""The service record form (服务记录表) of F3 and ``csdesk order new``: strings as typed, checked here.

:class:`OrderForm` holds what the agent typed (a draft is its ``to_dict``);
:func:`create_order` checks it and opens the order, :func:`save_form` applies
an edit of an existing order as field-change events, :func:`form_for` fills
the form from an order.  Errors come back as :class:`~csdesk.domain.errors.Invalid`
with a message per field, named as the form's fields are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from datetime import datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, select

from csdesk.clock import local_tz, to_local
from csdesk.clock import now as utcnow
from csdesk.domain import Urgency
from csdesk.domain.actor import Actor
from csdesk.domain.errors import Invalid, NotFound
from csdesk.domain.phones import mask
from csdesk.i18n import _
from csdesk.services import orders as svc

NAME_LIMIT = 64
ADDRESS_LIMIT = 200
PART_LIMIT = 16
_WHEN = re.compile(r"^(?:(?P<day>今天|明天|后天|today|tomorrow)\s*)?"
                   r"(?:(?:(?P<y>\d{4})[-/.年])?(?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?\s+)?"
                   r"(?P<H>\d{1,2})[:：点时](?P<M>\d{2})?分?$", re.IGNORECASE)


@dataclass(frozen=True)
class OrderForm:
    """The form as typed.  ``fees`` are (code, quantity) pairs; ``technician`` a code, id or name."""

    phone: str = ""
    name: str = ""
    building: str = ""
    unit: str = ""
    room: str = ""
    address: str = ""
    description: str = ""
    category: str = ""
    subtype: str = ""
    urgency: str = Urgency.NORMAL.value
    department: str = ""
    appointment: str = ""
    technician: str = ""
    paid: bool = False
    fees: tuple[tuple[str, int], ...] = ()
    price_told: bool = False
    deadline: str = ""  # a supervisor's; blank keeps the urgency's (or the order's)
    deadline_reason: str = ""
    customer_id: int | None = None
    received_at: datetime | None = None
    order_id: int | None = None  # editing this order

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = [list(v) for v in value]
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OrderForm:
        kwargs: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in data:
                continue
            value = data[f.name]
            if f.name == "received_at":
                value = datetime.fromisoformat(value) if value else None
            elif f.name == "fees":
                value = tuple((str(code), int(qty)) for code, qty in (value or []))
            kwargs[f.name] = value
        return cls(**kwargs)

    def is_empty(self) -> bool:
        return not any((self.phone.strip(), self.name.strip(), self.building.strip(), self.room.strip(),
                        self.address.strip(), self.description.strip(), self.fees))


def parse_when(text: str, at: datetime | None = None) -> datetime | None:
    """A time the desk types: ``14:30`` (today, or tomorrow once past), ``明天 9:00``,
    ``11-30 14:00``, ``2026-12-01 09:30``, ``明天9点``; ``""`` -> None.  ValueError otherwise."""
    raw = (text or "").strip()
    if not raw:
        return None
    m = _WHEN.match(raw)
    if not m:
        raise ValueError(_("Give a time: 14:30, 明天 9:00, 11-30 14:00 or 2026-12-01 09:30."))
    here = to_local(at or utcnow())
    hour, minute = int(m.group("H")), int(m.group("M") or 0)
    if hour > 23 or minute > 59:
        raise ValueError(_("Not a time of day: use HH:MM, e.g. 16:30."))
    day = here.date()
    if m.group("d"):
        try:
            day = day.replace(year=int(m.group("y") or day.year), month=int(m.group("m")), day=int(m.group("d")))
        except ValueError:
            raise ValueError(_("Not a date.")) from None
    elif m.group("day"):
        day += timedelta(days={"今天": 0, "today": 0, "明天": 1, "tomorrow": 1, "后天": 2}[m.group("day").lower()])
    when = datetime.combine(day, time(hour, minute), tzinfo=local_tz())
    if not m.group("d") and not m.group("day") and when < here - svc.APPOINTMENT_GRACE:
        when += timedelta(days=1)  # "14:30" typed at 16:00 means tomorrow
    return when.astimezone(here.tzinfo)


def show_when(value: datetime | None) -> str:
    """A stored time as the form shows it (and :func:`parse_when` reads it back)."""
    from csdesk.clock import fmt

    return fmt(value, "%Y-%m-%d %H:%M") if value else ""


@dataclass(frozen=True)
class _Checked:
    customer_id: int | None
    name: str
    phone: str
    unit_key: str
    address: str
    building: str
    unit: str
    room: str
    description: str
    category: str
    subtype: str
    urgency: Urgency
    department: str
    appointment_at: datetime | None
    technician_id: int | None
    paid: bool
    fees: tuple[svc.FeeRequest, ...]
    price_told: bool
    deadline_at: datetime | None
    deadline_reason: str


def _find(items: list, value: str):
    v = (value or "").strip()
    for item in items:
        if v.lower() in (item.code.lower(), item.name_en.lower()) or v == item.name_zh:
            return item
    return None


def check(session: Session, form: OrderForm, *, at: datetime | None = None,
          keep_phone: str | None = None, keep_technician: int | None = None, require_place: bool = True) -> _Checked:
    """Check every field; raise :class:`Invalid` with a message per bad field.

    ``keep_phone``: the order's stored number when editing (the form shows it
    masked; left as shown, it stays); ``keep_technician``: the order's technician,
    kept even if they have left the roster since.  ``require_place``: a new order
    needs the unit or address (an order from intake may still lack it: its edit
    is not refused for that).
    """
    from csdesk.domain.phones import PhoneError, parse_phone
    from csdesk.domain.text import parse_unit, unit_key
    from csdesk.services.reference import categories, departments
    from csdesk.services.technicians import find_technician, get_technician

    at = at or utcnow()
    errors: dict[str, str] = {}
    name = svc.clean(form.name, NAME_LIMIT, "name", "name", errors)
    phone = ""
    raw_phone = svc.clean(form.phone, 64, "name", "phone", errors)
    if keep_phone is not None and raw_phone in (mask(keep_phone), keep_phone):
        phone = keep_phone
    elif raw_phone:
        try:
            phone = parse_phone(raw_phone).number
        except PhoneError as exc:
            errors["phone"] = str(exc)
    if not phone and not name and not form.customer_id and not {"phone", "name"} & errors.keys():
        errors["name"] = _("Enter the customer's name or phone number.")
    building = svc.clean(form.building, PART_LIMIT, "name", "building", errors).upper()
    unit = svc.clean(form.unit, PART_LIMIT, "name", "unit", errors)
    room = svc.clean(form.room, PART_LIMIT, "name", "room", errors)
    if building and not unit and not room and parse_unit(building):  # "3-2-1201" typed in the building field
        building, unit, room = parse_unit(building)
    if room and not building and "building" not in errors:
        errors["building"] = _("Enter the building of the room.")
    if (building or unit) and not room and "room" not in errors:
        errors["room"] = _("Enter the room number.")
    address = svc.clean(form.address, ADDRESS_LIMIT, "name", "address", errors)
    key = unit_key(building, unit, room) if room else ""
    if require_place and not key and not address and not {"building", "room", "address"} & errors.keys():
        errors["address"] = _("Give the unit (building, entrance, room) or the address where the work is.")
    description = svc.clean(form.description, svc.DESCRIPTION_LIMIT, "block", "description", errors)
    if not description and "description" not in errors:
        errors["description"] = _("Write what is to be done.")

    cats = categories(session)
    category = subtype = ""
    found = _find(cats, form.category) if form.category.strip() else None
    if not form.category.strip():
        errors["category"] = _("Choose the category.")
    elif found is None:
        errors["category"] = _("Unknown category {value!r}; choose one of: {choices}").format(
            value=form.category, choices=", ".join(c.code for c in cats if not c.parent_code))
    elif found.parent_code:
        category, subtype = found.parent_code, found.code
    else:
        category = found.code
    if form.subtype.strip() and category:
        subs = [c for c in cats if c.parent_code == category]
        sub = _find(subs, form.subtype) or _find(subs, f"{category}.{form.subtype.strip()}")
        if sub is None:
            errors["subtype"] = _("Not a sub-type of this category.")
        else:
            subtype = sub.code
    try:
        urgency = Urgency.parse(form.urgency or "normal")
    except ValueError as exc:
        errors["urgency"] = str(exc)
        urgency = Urgency.NORMAL
    department = ""
    if not form.department.strip():
        from csdesk.domain.rules import default_department

        department = default_department({c.code: c.department_code for c in cats}, subtype or category)
        if not department:
            errors["department"] = _("Choose the department.")
    else:
        dep = _find(departments(session), form.department)
        if dep is None:
            errors["department"] = _("Unknown department {value!r}.").format(value=form.department)
        else:
            department = dep.code
    appointment = None
    try:
        appointment = parse_when(form.appointment, at)
    except ValueError as exc:
        errors["appointment"] = str(exc)
    technician_id = None
    raw_tech = svc.clean(form.technician, 64, "name", "technician", errors)
    if raw_tech and keep_technician is not None and raw_tech == str(keep_technician):
        technician_id = keep_technician
    elif raw_tech and department:
        tech = get_technician(session, int(raw_tech)) if raw_tech.isdigit() else None
        if tech is None or not tech.active or tech.department_code != department:
            tech = find_technician(session, raw_tech, department)
        if tech is None:
            errors["technician"] = _("Not on the roster of this department: {value}").format(value=raw_tech)
        else:
            technician_id = tech.id
    fees = tuple(svc.FeeRequest(code.strip(), int(qty)) for code, qty in form.fees if code.strip())
    if not form.paid:
        fees = ()
    deadline = None
    if form.deadline.strip():
        try:
            deadline = parse_when(form.deadline, at)
        except ValueError as exc:
            errors["deadline"] = str(exc)
    if errors:
        raise Invalid(errors)
    reason = svc.clean(form.deadline_reason, svc.REASON_LIMIT, "line", "deadline_reason", errors)
    if errors:
        raise Invalid(errors)
    return _Checked(form.customer_id, name, phone, key, address, building, unit, room,
                    description, category, subtype, urgency, department, appointment, technician_id,
                    bool(form.paid), fees, bool(form.price_told and form.paid), deadline, reason)


def _customer(session: Session, actor: Actor, c: _Checked, at: datetime) -> tuple[int | None, str]:
    """The chosen customer, the one with this number, or a new one; (id, name)."""
    from csdesk.domain.text import pinyin_initials
    from csdesk.store.models import Customer, CustomerPhone
    from csdesk.store.numbers import allocate_customer_code

    if c.customer_id:
        customer = session.get(Customer, c.customer_id)
        if customer is None:
            raise Invalid({"phone": _("The chosen customer no longer exists; search again.")})
        return customer.id, c.name or customer.name
    if c.phone:
        found = session.exec(select(CustomerPhone.customer_id).where(CustomerPhone.phone == c.phone)
                             .order_by(CustomerPhone.customer_id).limit(5)).all()
        if found:
            customers = session.exec(select(Customer).where(col(Customer.id).in_(found))).all()
            match = next((x for x in customers if c.name and x.name == c.name), customers[0])
            return match.id, c.name or match.name
    customer = Customer(code=allocate_customer_code(session, at), name=c.name, name_initials=pinyin_initials(c.name),
                        building=c.building, unit=c.unit, room=c.room, unit_key=c.unit_key, address=c.address,
                        created_at=at, created_by_id=actor.id)
    session.add(customer)
    session.flush()
    if c.phone:
        session.add(CustomerPhone(customer_id=customer.id, phone=c.phone, primary=True))
    return customer.id, c.name


def create_order(session: Session, actor: Actor, form: OrderForm, *, at: datetime | None = None,
                 settings: Any = None) -> svc.OrderInfo:
    """Open an order from the F3 form (or ``csdesk order new``); use a write session."""
    from csdesk.domain.policy import Act, require

    require(actor, Act.RECORD)
    at = at or utcnow()
    svc.acting(session, actor, at)
    c = check(session, form, at=at)
    customer_id, name = _customer(session, actor, c, at)
    spec = svc.OrderSpec(
        description=c.description, urgency=c.urgency, category=c.category, subtype=c.subtype,
        department=c.department, customer_id=customer_id, customer_name=name, phone=c.phone,
        unit_key=c.unit_key, address=c.address, appointment_at=c.appointment_at, paid=c.paid,
        technician_id=c.technician_id, fees=c.fees, price_told=c.price_told,
        received_at=form.received_at, deadline_at=c.deadline_at, deadline_reason=c.deadline_reason)
    return svc.open_order(session, actor, spec, at=at,
                          critical_minutes=getattr(settings, "critical_deadline_minutes", None))


def save_form(session: Session, actor: Actor, order_id: int, form: OrderForm, *,
              at: datetime | None = None) -> svc.OrderInfo:
    """Apply the edited form to the order: each kind of change is an event (see :func:`svc.update_order`)."""
    from csdesk.store.models import WorkOrder

    at = at or utcnow()
    order = session.get(WorkOrder, order_id)
    if order is None:
        raise NotFound(_("No work order with that number."))
    c = check(session, form, at=at, keep_phone=order.phone, keep_technician=order.technician_id,
              require_place=bool(order.unit_key or order.address))
    appointment = c.appointment_at
    if appointment is not None and order.appointment_at is not None and \
            show_when(appointment) == show_when(order.appointment_at):
        appointment = order.appointment_at  # shown to the minute and left as it was
    deadline = svc.KEEP
    if c.deadline_at is not None and show_when(c.deadline_at) != show_when(order.deadline_at):
        deadline = c.deadline_at
    customer_id = c.customer_id if c.customer_id else order.customer_id
    # an order with both a unit and an address shows the unit only (form_for): the same unit, the address
    # left empty, is the address kept, not erased (filling in the appointment wiped it: desk re-trial)
    address = order.address if not c.address and c.unit_key and c.unit_key == order.unit_key else c.address
    return svc.update_order(session, actor, order_id, svc.OrderChanges(
        description=c.description, customer_id=customer_id, customer_name=c.name or order.customer_name,
        phone=c.phone or order.phone, unit_key=c.unit_key, address=address, category=c.category,
        subtype=c.subtype, department=c.department, appointment_at=appointment, technician_id=c.technician_id,
        paid=c.paid, fees=c.fees, price_told=c.price_told, deadline_at=deadline,
        deadline_reason=c.deadline_reason), at=at)


def form_for(session: Session, order_id: int) -> OrderForm:
    """The form of an existing order (the phone masked: left as shown, it stays)."""
    from csdesk.domain.text import parse_unit
    from csdesk.store.models import WorkOrder, WorkOrderFee

    order = session.get(WorkOrder, order_id)
    if order is None:
        raise NotFound(_("No work order with that number."))
    building = unit = room = ""
    parts = parse_unit(order.unit_key) if order.unit_key else None
    if parts:
        building, unit, room = parts
    fees = session.exec(select(WorkOrderFee).where(WorkOrderFee.work_order_id == order.id)
                        .order_by(WorkOrderFee.sort)).all()
    return OrderForm(
        phone=mask(order.phone), name=order.customer_name, building=building, unit=unit, room=room,
        address=order.address if not parts else "", description=order.description, category=order.category,
        subtype=order.subtype, urgency=order.urgency, department=order.department,
        appointment=show_when(order.appointment_at),
        technician=str(order.technician_id) if order.technician_id else "", paid=order.paid,
        fees=tuple((f.code, f.quantity) for f in fees), price_told=order.price_told,
        deadline=show_when(order.deadline_at), customer_id=order.customer_id,
        received_at=order.received_at or order.created_at, order_id=order.id)


def with_(form: OrderForm, **changes: Any) -> OrderForm:
    return replace(form, **changes)
