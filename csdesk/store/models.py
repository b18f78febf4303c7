"""SQLModel tables: everything in the desk's handbook is representable here.

Conventions
- Times are timezone-aware in Python and stored as UTC (naive, to the second)
  by :class:`UTCDateTime`; screens show them in local time.
- Vocabulary columns (channel, category, urgency, status …) hold the stable
  English keys of :mod:`csdesk.domain`; categories and departments are data.
- Money is held in fen (1/100 yuan) as integers.
- Numbers people quote (``WO20261122-0007``) are unique by constraint and are
  allocated inside a ``BEGIN IMMEDIATE`` transaction (:mod:`csdesk.store.numbers`).
- Snapshot columns on a contact (name, phone, unit) keep what was said on the
  call even if the customer record changes later: the register is a record.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import DateTime, Index, Text, UniqueConstraint, text
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from csdesk.clock import now as utcnow


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; stored naive UTC, to the second."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None, microsecond=0)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def TS(*, nullable: bool = True, index: bool = False, default=None):
    """A UTC timestamp field."""
    kwargs = {"sa_type": UTCDateTime, "nullable": nullable, "index": index}
    if default is not None:
        kwargs["default_factory"] = default
    else:
        kwargs["default"] = None
    return Field(**kwargs)



# --------------------------------------------------------------------------- reference data


class Department(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name_zh: str = Field(max_length=64)
    name_en: str = Field(max_length=64)
    phone: str = Field(default="", max_length=32)  # the contact given to customers on referral
    active: bool = True
    sort: int = 0


class Category(SQLModel, table=True):
    """A contact category; a row with ``parent_code`` is a sub-type of that category."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    parent_code: str | None = Field(default=None, max_length=32, index=True)
    name_zh: str = Field(max_length=64)
    name_en: str = Field(max_length=64)
    department_code: str | None = Field(default=None, max_length=32)  # default routing
    active: bool = True
    sort: int = 0


class Shift(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name_zh: str = Field(max_length=32)
    name_en: str = Field(max_length=32)
    start: str = Field(max_length=5)  # "09:00" local time
    end: str = Field(max_length=5)  # "18:00"; an end before the start crosses midnight
    sort: int = 0


class FeeItem(SQLModel, table=True):
    """A line of the paid-repair fee schedule (有偿维修收费标准)."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name_zh: str = Field(max_length=64)
    name_en: str = Field(max_length=64)
    price_fen: int | None = None  # None: the price is known only once the technician has seen it
    unit_zh: str = Field(default="次", max_length=16)
    unit_en: str = Field(default="job", max_length=16)
    department_code: str | None = Field(default=None, max_length=32)
    note: str = Field(default="", max_length=200)
    active: bool = True


class Technician(SQLModel, table=True):
    """A technician on a department's roster (``data/technicians.toml``, kept by the manager).

    Work orders name the technician who goes; the hire date makes "new staff"
    derivable for the return-visit rules.  Rows no longer in the file are kept,
    inactive, so old orders still name their technician.
    """

    __table_args__ = (Index("ix_technician_department", "department_code", "active"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=32)
    phone: str = Field(default="", max_length=32)
    department_code: str = Field(max_length=32)
    hire_date: date | None = None
    skills: str = Field(default="", max_length=100)
    active: bool = True
    sort: int = 0


# --------------------------------------------------------------------------- people


class Agent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    staff_no: str = Field(max_length=16, unique=True)
    name: str = Field(max_length=32)
    role: str = Field(default="agent", max_length=16)
    password_hash: str = Field(max_length=200)
    active: bool = True
    hire_date: date | None = None  # "new staff" is derived from it
    password_changed_at: datetime | None = TS()
    created_at: datetime = TS(nullable=False, default=utcnow)
    failed_logins: int = Field(default=0, sa_column_kwargs={"server_default": "0"})  # in a row
    locked_until: datetime | None = TS()  # after five failures in a row


class Customer(SQLModel, table=True):
    __table_args__ = (
        Index("ix_customer_name", "name"),
        Index("ix_customer_initials", "name_initials"),
        Index("ix_customer_unit_key", "unit_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)  # e.g. C20231028001
    name: str = Field(default="", max_length=64)
    name_initials: str = Field(default="", max_length=64)  # pinyin initials, "zs" for 张三
    building: str = Field(default="", max_length=16)
    unit: str = Field(default="", max_length=16)
    room: str = Field(default="", max_length=16)
    unit_key: str = Field(default="", max_length=64)  # "3-2-1201"
    address: str = Field(default="", max_length=200)  # free address when not a building-unit-room
    note: str = Field(default="", sa_type=Text)
    created_at: datetime = TS(nullable=False, default=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="agent.id")


class CustomerPhone(SQLModel, table=True):
    """A customer's phone numbers: normalised digits (or +E.164), extension apart."""

    __table_args__ = (
        UniqueConstraint("customer_id", "phone", name="uq_customer_phone"),
        Index("ix_customer_phone_phone", "phone"),
        Index("ix_customer_phone_last4", text("substr(phone, -4)")),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    phone: str = Field(max_length=32)
    ext: str = Field(default="", max_length=8)
    label: str = Field(default="", max_length=16)
    primary: bool = True


# --------------------------------------------------------------------------- the register


class Contact(SQLModel, table=True):
    """One row of the call/visit register (来电、来访信息登记表)."""

    __table_args__ = (
        Index("ix_contact_received", "received_at", "id"),
        Index("ix_contact_customer_received", "customer_id", "received_at"),
        Index("ix_contact_unit_received", "unit_key", "received_at"),
        Index("ix_contact_phone", "phone"),
        Index("ix_contact_phone_last4", text("substr(phone, -4)")),
        # the register searched by a work order's or complaint's number (migration 0009)
        Index("ix_contact_work_order", "work_order_id", "received_at"),
        Index("ix_contact_complaint", "complaint_id", "received_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=32, unique=True)  # CT20261122-0001
    received_at: datetime = TS(nullable=False, default=utcnow)
    ended_at: datetime | None = TS()
    channel: str = Field(default="phone", max_length=16)
    channel_detail: str = Field(default="", max_length=32)  # app, web, mini-program, social …
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    customer_name: str = Field(default="", max_length=64)
    name_initials: str = Field(default="", max_length=64)
    phone: str = Field(default="", max_length=32)
    phone_ext: str = Field(default="", max_length=8)
    unit_key: str = Field(default="", max_length=64)
    address: str = Field(default="", max_length=200)
    category: str = Field(default="inquiry", max_length=32)
    subtype: str = Field(default="", max_length=64)
    urgency: str = Field(default="normal", max_length=16)
    summary: str = Field(default="", sa_type=Text)
    handling: str = Field(default="", sa_type=Text)  # handling steps, one per line
    result: str = Field(default="", sa_type=Text)
    outcome: str = Field(default="resolved", max_length=16)
    status: str = Field(default="open", max_length=16)
    closed_at: datetime | None = TS()
    satisfaction: int | None = None
    identity_verified: bool | None = None  # None: no check needed
    verified_by: str = Field(default="", max_length=32)  # "last4" / "order_name"
    converted: bool | None = None  # for the service tally (prospects)
    agent_id: int = Field(foreign_key="agent.id")
    agent_staff_no: str = Field(max_length=16)
    work_order_id: int | None = Field(default=None, foreign_key="workorder.id")
    complaint_id: int | None = Field(default=None, foreign_key="complaint.id")
    referred_department: str = Field(default="", max_length=32)
    referral_contact: str = Field(default="", max_length=100)
    escalation_reason: str = Field(default="", max_length=200)
    parent_callback_id: int | None = Field(default=None)  # the call-back this contact answered
    duration_s: int | None = None
    created_at: datetime = TS(nullable=False, default=utcnow)  # the time of entry (received_at: of the contact)
    # migration 0008 (ADD COLUMN only: the register holds millions of rows)
    order_ref: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})  # the customer's own


# --------------------------------------------------------------------------- work orders


OPEN_ORDER_SQL = "status IN ('open', 'dispatched', 'in_progress', 'on_hold')"
"""The open statuses as SQL, spelled once: the partial indexes below and the list's
queries (:mod:`csdesk.services.order_list`) must say it identically for SQLite to
use those indexes.  ``tests/test_order_list.py`` checks it against the rules."""


class WorkOrder(SQLModel, table=True):
    """A service record / work order (服务记录表 / 工单).

    The list views read one page at a time through partial indexes over the open
    orders (by owner, by department, by deadline), the done orders by completion
    time and all orders by creation time; searches by phone, last four digits
    and unit have indexes of their own, text, names and pinyin initials go
    through the ``workorder_fts`` index (:mod:`csdesk.store.order_index`).
    """

    __table_args__ = (
        Index("ix_workorder_status_deadline", "status", "deadline_at"),
        Index("ix_workorder_customer", "customer_id", "created_at"),
        Index("ix_workorder_created", "created_at", "id"),
        Index("ix_workorder_open_owner", "owner_id", "deadline_at", "id", sqlite_where=text(OPEN_ORDER_SQL)),
        Index("ix_workorder_open_department", "department", "deadline_at", "id",
              sqlite_where=text(OPEN_ORDER_SQL)),
        Index("ix_workorder_open_deadline", "deadline_at", "id", sqlite_where=text(OPEN_ORDER_SQL)),
        Index("ix_workorder_escalated", "deadline_at", "id",
              sqlite_where=text(f"overdue_escalated_at IS NOT NULL AND {OPEN_ORDER_SQL}")),
        Index("ix_workorder_held", "deadline_at", "id", sqlite_where=text("status = 'on_hold'")),
        Index("ix_workorder_done", "completed_at", "id", sqlite_where=text("status = 'done'")),
        Index("ix_workorder_phone", "phone", "created_at"),
        Index("ix_workorder_phone_last4", text("substr(phone, -4)")),
        Index("ix_workorder_unit", "unit_key", "created_at"),
        Index("ix_workorder_owner", "owner_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=32, unique=True)  # WO20261122-0007
    contact_id: int | None = Field(default=None, index=True)  # the intake it came from (no FK: contact links back)
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    customer_name: str = Field(default="", max_length=64)
    phone: str = Field(default="", max_length=32)
    unit_key: str = Field(default="", max_length=64)
    address: str = Field(default="", max_length=200)
    description: str = Field(default="", sa_type=Text)
    category: str = Field(default="repair", max_length=32)
    subtype: str = Field(default="", max_length=64)
    urgency: str = Field(default="normal", max_length=16)
    department: str = Field(default="engineering", max_length=32)
    appointment_at: datetime | None = TS()
    deadline_at: datetime = TS(nullable=False)
    assignee: str = Field(default="", max_length=64)
    paid: bool = False
    fee_item_code: str = Field(default="", max_length=32)
    quoted_fee_fen: int | None = None  # None with paid: price told once seen
    status: str = Field(default="open", max_length=16)
    owner_id: int = Field(foreign_key="agent.id")  # first-contact owner (首问负责)
    created_by_id: int = Field(foreign_key="agent.id")
    created_at: datetime = TS(nullable=False, default=utcnow)
    dispatched_at: datetime | None = TS()
    completed_at: datetime | None = TS()
    closed_at: datetime | None = TS()
    held_since: datetime | None = TS()  # on hold since (the deadline moves by the time held)
    hold_reason: str = Field(default="", max_length=200)
    cancel_reason: str = Field(default="", max_length=200)
    result: str = Field(default="", sa_type=Text)
    materials: str = Field(default="", sa_type=Text)
    fee_charged_fen: int | None = None
    customer_opinion: str = Field(default="", sa_type=Text)
    signed: bool = False
    satisfaction: int | None = None
    completed_by: str = Field(default="", max_length=64)  # technician who did the work
    overdue_escalated_at: datetime | None = TS()
    copies_printed: int = 0
    # -- added by migration 0006 (the F3 screen)
    received_at: datetime | None = TS()  # the call that asked for it (the 5-minute rule); None: created_at
    name_initials: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})
    technician_id: int | None = Field(default=None, foreign_key="technician.id")  # ``assignee`` holds the name
    price_told: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})  # the customer was told the quote
    explanation: str = Field(default="", sa_type=Text, sa_column_kwargs={"server_default": ""})  # owed once overdue
    catch_up_plan: str = Field(default="", sa_type=Text, sa_column_kwargs={"server_default": ""})
    explained_at: datetime | None = TS()
    explained_by_id: int | None = Field(default=None, foreign_key="agent.id")
    explanation_ack_at: datetime | None = TS()  # the supervisor's acknowledgement
    explanation_ack_by_id: int | None = Field(default=None, foreign_key="agent.id")
    print_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})  # prints and reprints
    printed_at: datetime | None = TS()


class WorkOrderFee(SQLModel, table=True):
    """A fee line of a paid order: the schedule's item as quoted (price at quoting time).

    ``price_fen`` None: "price on inspection" (the technician prices it on site).
    Names and units are copied from the schedule so that a later change of the
    schedule does not change what the customer was told.
    """

    id: int | None = Field(default=None, primary_key=True)
    work_order_id: int = Field(foreign_key="workorder.id", index=True)
    code: str = Field(max_length=32)
    name_zh: str = Field(max_length=64)
    name_en: str = Field(max_length=64)
    unit_zh: str = Field(default="次", max_length=16)
    unit_en: str = Field(default="job", max_length=16)
    price_fen: int | None = None  # per unit
    quantity: int = 1
    note: str = Field(default="", max_length=200)
    sort: int = 0


# The month's completed orders for the return-visit draw (migrations 0005, 0008): the draw reads only this index.
Index("ix_workorder_draw", *(WorkOrder.__table__.c[name] for name in (
    "completed_at", "status", "category", "paid", "customer_id", "owner_id", "completed_by", "assignee",
    "technician_id")))


class WorkOrderEvent(SQLModel, table=True):
    """Every change of a work order, with who and when."""

    __table_args__ = (Index("ix_workorderevent_agent_at", "agent_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    work_order_id: int = Field(foreign_key="workorder.id", index=True)
    at: datetime = TS(nullable=False, default=utcnow)
    agent_id: int | None = Field(default=None, foreign_key="agent.id")
    staff_no: str = Field(default="", max_length=16)
    kind: str = Field(default="status", max_length=16, sa_column_kwargs={"server_default": "status"})
    from_status: str = Field(default="", max_length=16)
    to_status: str = Field(default="", max_length=16)
    note: str = Field(default="", sa_type=Text)
    changes: str = Field(default="", sa_type=Text, sa_column_kwargs={"server_default": ""})  # JSON {"field": [before, after]}


# --------------------------------------------------------------------------- complaints, escalations


class Complaint(SQLModel, table=True):
    """The complaint tracking record (客诉处理跟踪表)."""

    __table_args__ = (
        Index("ix_complaint_complained", "complained_at", "id"),
        Index("ix_complaint_status_due", "status", "due_at"),
        Index("ix_complaint_status_complained", "status", "complained_at", "id"),
        Index("ix_complaint_supervisor", "supervisor_id", "status", "complained_at", "id"),
        Index("ix_complaint_closed", "closed_at"),
        Index("ix_complaint_customer", "customer_id"),
        Index("ix_complaint_workorder", "work_order_id"),
        Index("ix_complaint_order_ref", "order_ref"),
        Index("ix_complaint_name", "customer_name"),
        Index("ix_complaint_phone", "contact_phone"),
        Index("ix_complaint_phone_last4", text("substr(contact_phone, -4)")),
        Index("ix_complaint_unit", "unit_key"),
        Index("ix_complaint_about_staff", "about_staff_kind", "about_staff_name", "complained_at"),
        Index("ix_complaint_handler", "first_handler_id", "complained_at"),  # the handover's compiling
        Index("ix_complaint_about_technician", "about_technician_id", "complained_at"),  # the return-visit draw
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=32, unique=True)
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    customer_name: str = Field(default="", max_length=64)
    contact_phone: str = Field(default="", max_length=32)  # as given, may be partial: "…5678"
    complained_at: datetime = TS(nullable=False, default=utcnow)
    about: str = Field(default="", sa_type=Text)
    order_ref: str = Field(default="", max_length=64)  # the order concerned, as the customer quotes it
    work_order_id: int | None = Field(default=None, foreign_key="workorder.id")
    contact_id: int | None = Field(default=None)
    first_handler_id: int | None = Field(default=None, foreign_key="agent.id")
    first_handler_staff_no: str = Field(default="", max_length=16)
    about_agent_id: int | None = Field(default=None, foreign_key="agent.id")  # staff complained about
    escalated_at: datetime | None = TS()
    escalation_reason: str = Field(default="", sa_type=Text)
    supervisor_id: int | None = Field(default=None, foreign_key="agent.id")
    plan: str = Field(default="", sa_type=Text)
    customer_response: str = Field(default="", sa_type=Text)
    status: str = Field(default="open", max_length=16)
    closed_at: datetime | None = TS()
    # the tracking record worked to its close (migration 0005)
    source: str = Field(default="intake", max_length=16, sa_column_kwargs={"server_default": "intake"})
    unit_key: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})
    first_handler_name: str = Field(default="", max_length=32, sa_column_kwargs={"server_default": ""})
    about_staff_kind: str = Field(default="", max_length=16, sa_column_kwargs={"server_default": ""})  # StaffKind
    about_staff_name: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})
    about_technician_id: int | None = None  # the roster's technician complained about (no FK: migration 0005)
    owned_at: datetime | None = TS()  # when the supervisor took it on
    due_at: datetime | None = TS()  # the reply deadline: half a working day of the regular shift
    replied_at: datetime | None = TS()  # the first call to the customer (or the close)
    calls: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    overdue_escalated_at: datetime | None = TS()  # sent to the manager, once


class ComplaintEvent(SQLModel, table=True):
    """Every step of a complaint (taken, plan, call, response, closed …), with who and when."""

    id: int | None = Field(default=None, primary_key=True)
    complaint_id: int = Field(foreign_key="complaint.id", index=True)
    at: datetime = TS(nullable=False, default=utcnow)
    agent_id: int | None = Field(default=None, foreign_key="agent.id")
    staff_no: str = Field(default="", max_length=16)
    kind: str = Field(max_length=16)
    note: str = Field(default="", sa_type=Text)
    changes: str = Field(default="", sa_type=Text)  # JSON {"field": [before, after]}


class Escalation(SQLModel, table=True):
    """A matter waiting in the supervisor queue."""

    __table_args__ = (
        Index("ix_escalation_open", "acknowledged_at", "created_at"),
        Index("ix_escalation_creator", "created_by_id", "acknowledged_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reason: str = Field(max_length=16)  # EscalationReason
    summary: str = Field(max_length=200)  # the one-line summary and reason
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    work_order_id: int | None = Field(default=None, foreign_key="workorder.id")
    complaint_id: int | None = Field(default=None, foreign_key="complaint.id")
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    created_at: datetime = TS(nullable=False, default=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="agent.id")
    acknowledged_at: datetime | None = TS()
    acknowledged_by_id: int | None = Field(default=None, foreign_key="agent.id")
    note: str = Field(default="", sa_type=Text)
    to_role: str = Field(default="supervisor", max_length=16,
                         sa_column_kwargs={"server_default": "supervisor"})  # or "manager"
    handover_id: int | None = Field(default=None, foreign_key="handover.id")  # unacknowledged handover items


# --------------------------------------------------------------------------- call-backs, return visits


class Callback(SQLModel, table=True):
    """A call the desk owes: promised reply, next-day referral check, low-score
    call-back, return visit, or a second try when the customer was busy."""

    __table_args__ = (Index("ix_callback_queue", "agent_id", "done_at", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    due_at: datetime = TS(nullable=False)
    agent_id: int | None = Field(default=None, foreign_key="agent.id")  # owner; None = anyone
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    customer_name: str = Field(default="", max_length=64)
    phone: str = Field(default="", max_length=32)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    work_order_id: int | None = Field(default=None, foreign_key="workorder.id")
    complaint_id: int | None = Field(default=None, foreign_key="complaint.id")
    note: str = Field(default="", sa_type=Text)
    created_at: datetime = TS(nullable=False, default=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="agent.id")
    done_at: datetime | None = TS()
    done_by_id: int | None = Field(default=None, foreign_key="agent.id")
    result: str = Field(default="", max_length=16)  # CallbackResult
    result_note: str = Field(default="", sa_type=Text)
    attempts: int = 0
    visit_id: int | None = Field(default=None, foreign_key="returnvisit.id", index=True)  # a return visit's call


class RefusedVisit(SQLModel, table=True):
    """The refused-visit list (拒访客户清单) the whole team sees."""

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    unit_key: str = Field(default="", max_length=64, index=True)
    phone: str = Field(default="", max_length=32, index=True)
    reason: str = Field(default="", sa_type=Text)
    recorded_at: datetime = TS(nullable=False, default=utcnow)
    recorded_by_id: int | None = Field(default=None, foreign_key="agent.id")
    active: bool = True
    lifted_at: datetime | None = TS()
    lifted_by_id: int | None = Field(default=None, foreign_key="agent.id")
    lift_reason: str = Field(default="", sa_type=Text, sa_column_kwargs={"server_default": ""})
    customer_name: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})


class VisitDraw(SQLModel, table=True):
    """A month's return-visit draw: its seed (the same seed draws the same orders) and counts.

    Orders completed after the draw are added to it by the same rules (``top_ups``),
    with ``rest``/``sampled`` keeping the random share at 30 % of the whole month's rest.
    """

    id: int | None = Field(default=None, primary_key=True)
    month: str = Field(max_length=7, unique=True)  # "2026-11"
    seed: int
    share: float = 0.3
    drawn_at: datetime = TS(nullable=False, default=utcnow)
    drawn_by_id: int | None = Field(default=None, foreign_key="agent.id")
    pool: bool = False  # visits go to a pool the supervisor assigns instead of each order's owner
    considered_until: datetime = TS(nullable=False)  # orders completed up to here have been considered
    population: int = 0  # orders considered (refused customers included)
    rest: int = 0  # of those, of none of the four kinds (and not refused)
    sampled: int = 0  # drawn at random from the rest
    picked: int = 0  # visits in the draw
    kinds: str = Field(default="", sa_type=Text)  # JSON {"paid": n, …}: orders of each mandatory kind
    top_ups: int = 0


class ReturnVisit(SQLModel, table=True):
    """One order picked for a return visit (回访), why, and how the call went."""

    __table_args__ = (
        Index("ix_returnvisit_draw", "draw_id", "status", "reasons", "late", "due_at"),  # covers the coverage
        Index("ix_returnvisit_owner_status_due", "owner_id", "status", "due_at"),
        Index("ix_returnvisit_queue", "status", "queued_at", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    draw_id: int = Field(foreign_key="visitdraw.id")
    work_order_id: int = Field(foreign_key="workorder.id", unique=True)  # an order is visited once (its number,
    customer_id: int | None = Field(default=None, foreign_key="customer.id")  # customer and phone are the order's)
    completed_at: datetime = TS(nullable=False)
    reasons: str = Field(default="", max_length=80)  # VisitReason keys, comma-separated
    late: bool = False  # added after the draw (completed later)
    due_at: datetime = TS(nullable=False)  # the day after completion, by the regular shift's end
    owner_id: int | None = Field(default=None, foreign_key="agent.id")  # None: in the pool
    status: str = Field(default="due", max_length=16)  # VisitStatus
    attempts: int = 0
    queued_at: datetime | None = TS()  # its call-back was put in the owner's queue
    done_at: datetime | None = TS()
    done_by_id: int | None = Field(default=None, foreign_key="agent.id")
    note: str = Field(default="", sa_type=Text)  # the customer's words, the refusal's reason …
    contact_id: int | None = Field(default=None, foreign_key="contact.id")  # the call in the register
    new_order_id: int | None = Field(default=None, foreign_key="workorder.id")  # a problem's new order
    refused_visit_id: int | None = Field(default=None, foreign_key="refusedvisit.id")


# --------------------------------------------------------------------------- shifts, handover


class Handover(SQLModel, table=True):
    """One agent's page of the handover notebook (交接班记录本) for one shift occurrence.

    Several agents on a shift each write and sign off their own page; a page is
    addressed to the next shift (``to_start_at``), not to a person.  Signing off
    (``submitted_at``) freezes the outgoing part in the database itself: triggers
    of migration 0006 refuse any change to it, to its items' outgoing text and
    any new item; the receiving side (acknowledgement, review, escalation) stays
    writable, and corrections are remarks added beside it.
    """

    __table_args__ = (
        Index("uq_handover_page", "from_agent_id", "shift_code", "shift_date", unique=True),
        Index("ix_handover_day", "shift_date", "shift_code"),
        Index("ix_handover_to", "to_start_at", "acknowledged_at"),
        Index("ix_handover_open", "acknowledged_at", "escalated_at", "to_start_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    shift_code: str = Field(max_length=32)
    shift_date: date
    from_agent_id: int = Field(foreign_key="agent.id")
    to_agent_id: int | None = Field(default=None, foreign_key="agent.id")
    notes: str = Field(default="", sa_type=Text)  # anything else the next shift must know
    status: str = Field(default="draft", max_length=16)
    written_at: datetime = TS(nullable=False, default=utcnow)
    submitted_at: datetime | None = TS()  # signed off: the outgoing part is frozen from then on
    acknowledged_at: datetime | None = TS()  # received: every item acknowledged
    acknowledged_by_id: int | None = Field(default=None, foreign_key="agent.id")
    reviewed_at: datetime | None = TS()
    reviewed_by_id: int | None = Field(default=None, foreign_key="agent.id")
    shift_start_at: datetime | None = TS()  # the occurrence written for
    shift_end_at: datetime | None = TS()
    to_shift_code: str = Field(default="", max_length=32, sa_column_kwargs={"server_default": ""})
    to_shift_date: date | None = None
    to_start_at: datetime | None = TS()  # addressed to the shift starting then
    escalated_at: datetime | None = TS()  # items unacknowledged 30 min into the next shift went up, once


class HandoverItem(SQLModel, table=True):
    """A line of a page: an open matter compiled from the desk's records, or a free item.

    The outgoing part (what, state, deadline, instruction, "do first") is written
    by the outgoing agent and frozen at sign-off; the receiving part
    (acknowledged by whom and when, escalated) is written afterwards.
    """

    __table_args__ = (Index("ix_handoveritem_matter", "matter", "matter_id"),)

    id: int | None = Field(default=None, primary_key=True)
    handover_id: int = Field(foreign_key="handover.id", index=True)
    kind: str = Field(max_length=16)  # HandoverItemKind
    text: str = Field(default="", sa_type=Text)  # the matter, or the free item's words (a prospect: why)
    state: str = Field(default="", sa_type=Text)  # the customer's / matter's state
    customer_id: int | None = Field(default=None, foreign_key="customer.id")
    work_order_id: int | None = Field(default=None, foreign_key="workorder.id")
    callback_id: int | None = Field(default=None, foreign_key="callback.id")
    sort: int = 0
    acknowledged_at: datetime | None = TS()
    # -- outgoing (frozen at sign-off)
    matter: str = Field(default="", max_length=16, sa_column_kwargs={"server_default": ""})  # order, callback, escalation, complaint; "" free
    matter_id: int | None = None
    complaint_id: int | None = Field(default=None, foreign_key="complaint.id")
    escalation_id: int | None = Field(default=None, foreign_key="escalation.id")
    ref_number: str = Field(default="", max_length=32, sa_column_kwargs={"server_default": ""})  # WO…, CP…, CT…
    customer_name: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})
    phone: str = Field(default="", max_length=32, sa_column_kwargs={"server_default": ""})
    unit_key: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})
    urgency: str = Field(default="", max_length=16, sa_column_kwargs={"server_default": ""})
    urgency_group: str = Field(default="", max_length=16, sa_column_kwargs={"server_default": ""})
    deadline_at: datetime | None = TS()
    last_update_at: datetime | None = TS()
    instruction: str = Field(default="", sa_type=Text, sa_column_kwargs={"server_default": ""})  # what the next shift must do
    do_first: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    # -- receiving
    acknowledged_by_id: int | None = Field(default=None, foreign_key="agent.id")
    escalated_at: datetime | None = TS()


class HandoverRemark(SQLModel, table=True):
    """Added beside a page, never overwriting it (append-only in the database).

    ``kind``: a receiver's ``note`` or ``question`` on an item (the read-back),
    a later ``remark``, or the author's ``correction`` of frozen content.
    """

    id: int | None = Field(default=None, primary_key=True)
    handover_id: int = Field(foreign_key="handover.id", index=True)
    at: datetime = TS(nullable=False, default=utcnow)
    agent_id: int = Field(foreign_key="agent.id")
    text: str = Field(sa_type=Text)
    item_id: int | None = Field(default=None, foreign_key="handoveritem.id")
    kind: str = Field(default="remark", max_length=16, sa_column_kwargs={"server_default": "remark"})


class HandoverPass(SQLModel, table=True):
    """A matter passed at a handover: who passed it to whom, when; the first-contact owner stays named."""

    id: int | None = Field(default=None, primary_key=True)
    handover_id: int = Field(foreign_key="handover.id", index=True)
    item_id: int = Field(foreign_key="handoveritem.id")
    matter: str = Field(max_length=16)  # order, callback
    matter_id: int
    from_agent_id: int | None = Field(default=None, foreign_key="agent.id")
    to_agent_id: int = Field(foreign_key="agent.id")
    first_owner_id: int | None = Field(default=None, foreign_key="agent.id")  # 首问负责: who took it first
    at: datetime = TS(nullable=False, default=utcnow)


class ProblemLog(SQLModel, table=True):
    """The agent's problem log (问题登记本)."""

    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="agent.id", index=True)
    at: datetime = TS(nullable=False, default=utcnow, index=True)
    kind: str = Field(default="problem", max_length=16)
    text: str = Field(sa_type=Text)


# --------------------------------------------------------------------------- housekeeping


class AuditLog(SQLModel, table=True):
    """Who did what, when: every write (with the fields before and after), every login,
    lock and unlock, phone reveal, export, print, account and reference-data change.

    Append-only in the database itself: triggers abort any UPDATE or DELETE.  Its
    ``id`` is also the change feed's version (:mod:`csdesk.services.changes`).
    """

    __table_args__ = (
        Index("ix_auditlog_entity", "entity", "entity_id", "id"),
        Index("ix_auditlog_at", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = TS(nullable=False, default=utcnow)
    agent_id: int | None = Field(default=None, foreign_key="agent.id", index=True)
    staff_no: str = Field(default="", max_length=16)  # as it was at the time ("system" for the desk's timer)
    action: str = Field(max_length=32)
    entity: str = Field(default="", max_length=32)
    entity_id: int | None = None
    detail: str = Field(default="", sa_type=Text)
    changes: str = Field(default="", sa_type=Text)  # JSON {"field": [before, after]}


class Draft(SQLModel, table=True):
    """Unsaved form contents, written as the agent types; offered back after a crash."""

    __table_args__ = (UniqueConstraint("agent_id", "kind", "console", name="uq_draft_agent_kind_console"),)

    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(foreign_key="agent.id")
    kind: str = Field(max_length=32)
    payload: str = Field(sa_type=Text)  # JSON
    updated_at: datetime = TS(nullable=False, default=utcnow)
    # migration 0008: each console keeps its own drafts (csdesk.services.drafts)
    console: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})
    seen_at: datetime | None = TS()  # the console last said it was alive


class Meta(SQLModel, table=True):
    """Facts about the database itself, e.g. ``demo = 1`` for a demo database."""

    key: str = Field(primary_key=True, max_length=32)
    value: str = Field(default="", sa_type=Text)


class Counter(SQLModel, table=True):
    """Daily sequences for quoted numbers; bumped inside BEGIN IMMEDIATE."""

    key: str = Field(primary_key=True, max_length=32)
    value: int = 0


__all__ = [name for name, obj in dict(globals()).items()
           if isinstance(obj, type) and issubclass(obj, SQLModel) and obj is not SQLModel]
