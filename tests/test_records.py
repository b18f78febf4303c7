"""The two records from the handbooks (end of domain.md) are held exactly, field for field.

Times are given as the desk reads them (Asia/Shanghai, set by conftest), stored
in UTC and read back equal.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from sqlmodel import select

from csdesk.clock import fmt, local
from csdesk.store.engine import read_session, write_session
from csdesk.store.models import Complaint, Contact, Customer, CustomerPhone
from csdesk.store.numbers import allocate, allocate_customer_code

CONSULTATION = {
    "channel": "online",
    "channel_detail": "app",
    "received_at": (2023, 10, 28, 14, 30, 15),
    "category": "inquiry",
    "subtype": "inquiry.after_sales_delivery",
    "summary": "order 20231028001 shows delivered, but nothing arrived",
    "handling": ("1. checked the courier record (courier and phone)\n"
                 "2. contacted the courier company, reported non-receipt\n"
                 "3. had the courier call the customer within 30 minutes"),
    "result": "courier called, confirmed mis-delivery, re-delivery before 18:00 the same day",
    "satisfaction": 5,
    "status": "closed",
    "outcome": "resolved",
}

COMPLAINT = {
    "customer_name": "王女士",
    "contact_phone": "…5678",
    "complained_at": (2023, 10, 28, 10, 15, 0),
    "about": "agent was rude and refused a return",
    "order_ref": "20231027005",
    "escalated_at": (2023, 10, 28, 10, 20, 0),
    "escalation_reason": "customer very upset, asked for a supervisor",
    "plan": ("1. phoned the customer to apologise\n"
             "2. processed the return and refund, shipping paid by the company\n"
             "3. retrained the agent"),
    "customer_response": "accepts, satisfied",
    "closed_at": (2023, 10, 28, 15, 0, 0),
    "status": "closed",
}


def _values(spec: dict) -> dict:
    return {k: local(*v) if isinstance(v, tuple) else v for k, v in spec.items()}


def test_the_consultation_record_round_trips(engine, agents, db_path):
    received = local(*CONSULTATION["received_at"])
    with write_session(engine) as session:
        code = allocate_customer_code(session, received)
        customer = Customer(code=code, created_at=received)
        session.add(customer)
        session.flush()
        contact = Contact(number=allocate(session, "contact", received), customer_id=customer.id,
                          agent_id=agents["1001"].id, agent_staff_no="1001", created_at=received,
                          **_values(CONSULTATION))
        session.add(contact)
        session.flush()
        contact_id = contact.id
    assert code == "C20231028001"

    with read_session(engine) as session:
        back = session.get(Contact, contact_id)
        customer = session.get(Customer, back.customer_id)
    assert customer.code == "C20231028001"
    assert back.number == "CT20231028-0001"
    assert back.agent_staff_no == "1001"
    for field, expected in _values(CONSULTATION).items():
        assert getattr(back, field) == expected, field
    assert back.received_at == received and back.received_at.tzinfo is UTC
    assert fmt(back.received_at) == "2023-10-28 14:30:15"
    assert back.handling.splitlines()[2] == "3. had the courier call the customer within 30 minutes"
    raw = sqlite3.connect(db_path).execute("SELECT received_at FROM contact WHERE id = ?", (contact_id,)).fetchone()
    assert raw == ("2023-10-28 06:30:15.000000",)  # stored in UTC


def test_the_complaint_tracking_record_round_trips(engine, agents, db_path):
    values = _values(COMPLAINT)
    with write_session(engine) as session:
        customer = Customer(code=allocate_customer_code(session, values["complained_at"]),
                            name=COMPLAINT["customer_name"], created_at=values["complained_at"])
        session.add(customer)
        session.flush()
        session.add(CustomerPhone(customer_id=customer.id, phone="13912345678"))
        complaint = Complaint(number=allocate(session, "complaint", values["complained_at"]),
                              customer_id=customer.id, first_handler_id=agents["1001"].id,
                              first_handler_staff_no="1001", supervisor_id=agents["2001"].id, **values)
        session.add(complaint)
        session.flush()
        complaint_id = complaint.id

    with read_session(engine) as session:
        back = session.exec(select(Complaint).where(Complaint.id == complaint_id)).one()
        phone = session.exec(select(CustomerPhone).where(CustomerPhone.customer_id == back.customer_id)).one()
    assert back.number == "CP20231028-0001"
    assert back.first_handler_staff_no == "1001" and back.first_handler_id == agents["1001"].id
    assert back.supervisor_id == agents["2001"].id
    for field, expected in values.items():
        assert getattr(back, field) == expected, field
    assert [fmt(back.complained_at), fmt(back.escalated_at), fmt(back.closed_at)] == [
        "2023-10-28 10:15:00", "2023-10-28 10:20:00", "2023-10-28 15:00:00"]
    assert back.contact_phone.endswith(phone.phone[-4:])
    assert back.plan.splitlines() == [
        "1. phoned the customer to apologise",
        "2. processed the return and refund, shipping paid by the company",
        "3. retrained the agent"]
    assert back.closed_at - back.complained_at == datetime(2023, 1, 1, 15) - datetime(2023, 1, 1, 10, 15)
    raw = sqlite3.connect(db_path).execute(
        "SELECT complained_at, escalated_at, closed_at FROM complaint WHERE id = ?", (complaint_id,)).fetchone()
    assert raw == ("2023-10-28 02:15:00.000000", "2023-10-28 02:20:00.000000", "2023-10-28 07:00:00.000000")
