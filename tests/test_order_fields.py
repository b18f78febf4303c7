"""F3's service record: the form checked field by field, fee lines quoted at opening,
field changes as events, the supervisor's deadline, notes, the 5-minute rule, the
overdue explanation and its acknowledgement, the technicians' roster."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from csdesk.clock import FakeClock, local, set_clock
from csdesk.domain import OrderStatus
from csdesk.domain.errors import Conflict, Invalid, Refused
from csdesk.domain.fees import QuoteLine, parse_yuan, quote, yuan
from csdesk.domain.rules import ExplanationState
from csdesk.services import order_form as of
from csdesk.services import orders as svc
from csdesk.services.tick import run_tick
from csdesk.store.engine import read_session, write_session
from csdesk.store.models import Customer, Escalation, WorkOrder, WorkOrderEvent, WorkOrderFee

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # the tests' desk zone (conftest)


@pytest.fixture
def clock():
    c = FakeClock(T0)
    set_clock(c)
    yield c
    set_clock(None)


def form(**kw) -> of.OrderForm:
    base = dict(phone="13800138000", name="张三", building="3", unit="2", room="1201",
                description="厨房水龙头漏水", category="repair.water")
    base.update(kw)
    return of.OrderForm(**base)


def create(engine, actor, **kw):
    with write_session(engine) as s:
        return of.create_order(s, actor, form(**kw))


def events(engine, order_id, kind=None):
    with read_session(engine) as s:
        stmt = select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == order_id).order_by(WorkOrderEvent.id)
        return [e for e in s.exec(stmt) if kind is None or e.kind == kind]


def tech_id(engine, code):
    from csdesk.services.technicians import find_technician

    with read_session(engine) as s:
        return find_technician(s, code).id


def test_quote_adds_fixed_prices_and_counts_items_priced_on_inspection():
    lines = [QuoteLine("tap_replace", "更换水龙头", "个", 3000, 2), QuoteLine("leak_inspect", "渗漏检测维修", "次", None)]
    q = quote(lines)
    assert (q.total_fen, q.on_inspection, q.complete) == (6000, 1, False)
    assert q.text() == "¥60.00 + 1 priced on inspection"
    assert quote(lines[:1]).text() == "¥60.00" and quote(lines[1:]).text() == "price on inspection"
    assert quote([]).empty and yuan(123456) == "¥1,234.56"
    assert [parse_yuan(x) for x in ("150", "80.5", "¥1,200.00", "")] == [15000, 8050, 120000, None]
    with pytest.raises(ValueError):
        parse_yuan("12.345")


def test_the_form_is_checked_field_by_field(engine, agents, clock):
    agent = agents["1001"]
    with pytest.raises(Invalid) as bad, write_session(engine) as s:
        of.create_order(s, agent, of.OrderForm(phone="12345", building="3", description="  ", category="nope",
                                               appointment="25:00", department="moon"))
    errors = bad.value.errors
    assert set(errors) >= {"phone", "room", "description", "category", "appointment", "department"}
    with pytest.raises(Invalid) as bad, write_session(engine) as s:
        of.create_order(s, agent, form(building="", unit="", room="", address=""))
    assert "address" in bad.value.errors  # a visit needs a place
    with pytest.raises(Invalid) as bad:
        create(engine, agent, paid=True)
    assert "fees" in bad.value.errors  # paid work names its items
    with pytest.raises(Invalid) as bad:
        create(engine, agent, technician="I01")  # an IT technician for a plumbing job
    assert "technician" in bad.value.errors
    with pytest.raises(Invalid) as bad:
        create(engine, agent, appointment="2026-11-22 10:00")
    assert bad.value.errors == {"appointment": "The appointment is in the past."}
    with pytest.raises(Refused):
        create(engine, agent, deadline="2026-11-23 12:00", deadline_reason="业主要求")  # agents keep the rule's
    with pytest.raises(Invalid) as bad:
        create(engine, agents["2001"], deadline="2026-11-23 12:00")
    assert "deadline_reason" in bad.value.errors
    with read_session(engine) as s:
        assert s.exec(select(WorkOrder)).first() is None  # nothing half-saved


def test_a_paid_order_keeps_its_items_at_the_quoted_price(engine, agents, clock):
    info = create(engine, agents["1001"], paid=True, fees=(("tap_replace", 2), ("leak_inspect", 1),
                                                           ("tap_replace", 1)),
                  price_told=True, technician="E01", appointment="明天 10:00")
    assert info.paid and info.price_told and info.assignee == "王建国"
    assert info.appointment_at == local(2026, 11, 24, 10, 0)
    assert info.quoted_fee_fen == 9000  # 3 taps at 30; the leak is priced on inspection
    with read_session(engine) as s:
        lines = s.exec(select(WorkOrderFee).where(WorkOrderFee.work_order_id == info.id)
                       .order_by(WorkOrderFee.sort)).all()
        detail = svc.order_detail(s, info.id)
        customer = s.get(Customer, info.customer_id)
    assert [(f.code, f.quantity, f.price_fen) for f in lines] == [("tap_replace", 3, 3000), ("leak_inspect", 1, None)]
    assert detail.quote.text() == "¥90.00 + 1 priced on inspection"
    assert (customer.name, customer.name_initials, customer.unit_key) == ("张三", "zs", "3-2-1201")
    opened = events(engine, info.id)[0]
    assert json.loads(opened.changes)["fees"][1] == "tap_replace×3, leak_inspect"
    # the same caller again: recognised by number, no second customer
    again = create(engine, agents["1001"], description="卫生间灯不亮")
    assert again.customer_id == info.customer_id
    # free work with items is refused
    with pytest.raises(Invalid) as bad, write_session(engine) as s:
        svc.open_order(s, agents["1001"], svc.OrderSpec(description="x", fees=(svc.FeeRequest("tap_replace"),)))
    assert "fees" in bad.value.errors


def test_every_field_change_is_an_event_and_the_deadline_is_the_supervisors(engine, agents, clock):
    agent, sup = agents["1001"], agents["2001"]
    info = create(engine, agent)
    clock.advance(minutes=2)
    with write_session(engine) as s:
        svc.update_order(s, agent, info.id, svc.OrderChanges(technician_id=tech_id(engine, "E02"),
                                                             appointment_at=local(2026, 11, 23, 15, 0)))
    with write_session(engine) as s:
        svc.update_order(s, agent, info.id, svc.OrderChanges(paid=True, fees=(svc.FeeRequest("pipe_unblock"),),
                                                             price_told=True))
    with write_session(engine) as s:
        svc.update_order(s, agent, info.id, svc.OrderChanges(fees=(svc.FeeRequest("toilet_unblock", 2),)))
    with pytest.raises(Refused), write_session(engine) as s:
        svc.change_deadline(s, agent, info.id, T0 + timedelta(hours=30), "业主出差")
    with pytest.raises(Invalid), write_session(engine) as s:
        svc.change_deadline(s, sup, info.id, T0 + timedelta(hours=30), " ")
    with write_session(engine) as s:
        moved = svc.change_deadline(s, sup, info.id, T0 + timedelta(hours=30), "业主出差，周二再修")
        svc.add_note(s, sup, info.id, "业主来电催促")
    assert moved.deadline_at == T0 + timedelta(hours=30)
    kinds = [(e.kind, e.staff_no) for e in events(engine, info.id)]
    assert kinds == [("status", "1001"), ("technician", "1001"), ("appointment", "1001"), ("fees", "1001"),
                     ("fees", "1001"), ("deadline", "2001"), ("note", "2001")]
    fees = events(engine, info.id, "fees")
    assert json.loads(fees[1].changes)["fees"] == ["pipe_unblock", "toilet_unblock×2"]
    deadline = events(engine, info.id, "deadline")[0]
    assert deadline.note == "业主出差，周二再修" and json.loads(deadline.changes)["deadline_at"][0].startswith("2026-11-24")
    with read_session(engine) as s:
        row = s.get(WorkOrder, info.id)
        detail = svc.order_detail(s, info.id)
    assert (row.assignee, row.quoted_fee_fen, row.fee_item_code) == ("刘德明", 12000, "toilet_unblock")
    assert any("刘德明" in e.describe() for e in detail.events)
    # making it free again drops the items
    with write_session(engine) as s:
        svc.update_order(s, agent, info.id, svc.OrderChanges(paid=False, fees=()))
    with read_session(engine) as s:
        assert s.exec(select(WorkOrderFee).where(WorkOrderFee.work_order_id == info.id)).all() == []
        assert s.get(WorkOrder, info.id).price_told is False
    # a cancelled order is no longer changed
    with write_session(engine) as s:
        svc.move(s, agent, info.id, OrderStatus.CANCELLED, reason="业主自行修好")
    with pytest.raises(Conflict), write_session(engine) as s:
        svc.update_order(s, agent, info.id, svc.OrderChanges(description="改一下"))


def test_the_form_round_trips_and_an_unchanged_edit_records_nothing(engine, agents, clock):
    info = create(engine, agents["1001"], paid=True, fees=(("lamp_install", 2),), technician="E03",
                  appointment="14:00")
    with read_session(engine) as s:
        shown = of.form_for(s, info.id)
    assert shown.phone == "138****8000" and shown.fees == (("lamp_install", 2),) and shown.room == "1201"
    assert of.OrderForm.from_dict(json.loads(json.dumps(shown.to_dict()))) == shown  # a draft survives
    before = len(events(engine, info.id))
    with write_session(engine) as s:
        of.save_form(s, agents["1001"], info.id, shown)
    assert len(events(engine, info.id)) == before
    with write_session(engine) as s:
        of.save_form(s, agents["1001"], info.id, of.with_(shown, phone="13900001111", description="客厅灯两盏"))
    details = events(engine, info.id, "details")
    assert len(details) == 1 and set(json.loads(details[0].changes)) == {"phone", "description"}


def test_an_order_with_a_unit_and_an_address_keeps_its_address_when_its_form_is_saved(engine, agents, clock):
    """Desk re-trial: an order from intake for a customer with both (锦绣花园5栋2单元1401室 and 5-2-1401):
    the form shows the unit; filling in the appointment and saving erased the address."""
    from sqlalchemy import update

    info = create(engine, agents["1001"])
    with write_session(engine) as s:
        s.execute(update(WorkOrder).where(WorkOrder.id == info.id).values(address="锦绣花园3栋2单元1201室"))
    with read_session(engine) as s:
        shown = of.form_for(s, info.id)
    assert shown.room == "1201" and shown.address == ""
    with write_session(engine) as s:
        of.save_form(s, agents["1001"], info.id, of.with_(shown, appointment="16:00"))
    with read_session(engine) as s:
        order = s.get(WorkOrder, info.id)
    assert order.address == "锦绣花园3栋2单元1201室" and order.appointment_at is not None
    assert not events(engine, info.id, "details")  # nothing of the place changed


def test_when_parsing(clock):
    at = local(2026, 11, 23, 16, 0)
    assert of.parse_when("14:30", at) == local(2026, 11, 24, 14, 30)  # past today: tomorrow
    assert of.parse_when("17:05", at) == local(2026, 11, 23, 17, 5)
    assert of.parse_when("明天9点", at) == local(2026, 11, 24, 9, 0)
    assert of.parse_when("12-01 09:30", at) == local(2026, 12, 1, 9, 30)
    assert of.parse_when("2026-12-02 08:00", at) == local(2026, 12, 2, 8, 0)
    assert of.parse_when("", at) is None
    for bad in ("soon", "13-40 10:00", "24:00"):
        with pytest.raises(ValueError):
            of.parse_when(bad, at)


def test_the_five_minute_rule_counts_from_the_call(engine, agents, clock):
    from csdesk.services.intake import IntakeForm, record_contact

    with write_session(engine) as s:  # the intake took 4 minutes: 1 minute left to dispatch
        saved = record_contact(s, IntakeForm(phone="13800138000", name="张三", category="repair", summary="漏水",
                                             outcome="work_order", received_at=T0 - timedelta(minutes=4)),
                               agents["1001"], at=T0)
    with read_session(engine) as s:
        d = svc.order_detail(s, saved.work_order_id)
    assert d.received_at == T0 - timedelta(minutes=4)
    assert not d.dispatch_late(T0 + timedelta(seconds=50)) and d.dispatch_late(T0 + timedelta(minutes=2))
    quick = create(engine, agents["1001"], received_at=T0)
    clock.advance(minutes=3)
    with write_session(engine) as s:
        svc.move(s, agents["1001"], quick.id, OrderStatus.DISPATCHED)
    clock.advance(minutes=10)
    with read_session(engine) as s:
        stats = svc.dispatch_stats(s, T0 - timedelta(hours=1), T0 + timedelta(hours=1))
        assert not svc.order_detail(s, quick.id).dispatch_late(clock.at)
    assert (stats.orders, stats.late) == (2, 1)


def test_an_overdue_order_owes_an_explanation_the_supervisor_acknowledges(engine, agents, clock):
    agent, sup = agents["1001"], agents["2001"]
    info = create(engine, agent, urgency="urgent")
    with pytest.raises(Conflict), write_session(engine) as s:
        svc.explain_overdue(s, agent, info.id, "x", "y")  # not overdue: nothing owed
    clock.advance(hours=2, minutes=5)
    with write_session(engine) as s:
        assert run_tick(s).overdue_orders == (info.id,)
    with read_session(engine) as s:
        d = svc.order_detail(s, info.id)
    assert d.explanation_state(clock.at) is ExplanationState.OWED
    assert d.explanation_state(clock.at + timedelta(minutes=61)) is ExplanationState.LATE
    with pytest.raises(Conflict), write_session(engine) as s:
        svc.acknowledge_explanation(s, sup, info.id)  # nothing to acknowledge yet
    with pytest.raises(Invalid) as bad, write_session(engine) as s:
        svc.explain_overdue(s, agent, info.id, "等配件", "")
    assert set(bad.value.errors) == {"plan"}
    clock.advance(minutes=20)
    with write_session(engine) as s:
        svc.explain_overdue(s, agent, info.id, "阀门缺货，等配件", "今晚18点前配件到货即上门更换")
    with pytest.raises(Refused), write_session(engine) as s:
        svc.acknowledge_explanation(s, agent, info.id)
    with write_session(engine) as s:
        svc.acknowledge_explanation(s, sup, info.id, "同意，跟进到底")
    with read_session(engine) as s:
        d = svc.order_detail(s, info.id)
        esc = s.exec(select(Escalation).where(Escalation.work_order_id == info.id)).one()
    assert d.explanation_state(clock.at) is ExplanationState.ACKNOWLEDGED
    assert (d.explained_by, d.explanation_ack_by, d.catch_up_plan) == ("1001", "2001", "今晚18点前配件到货即上门更换")
    assert esc.acknowledged_by_id == sup.id
    assert [e.kind for e in events(engine, info.id)][-3:] == ["escalated", "explanation", "acknowledged"]
    with pytest.raises(Conflict), write_session(engine) as s:
        svc.explain_overdue(s, agent, info.id, "改", "改")  # acknowledged: kept as it was


def test_the_roster_is_the_managers_file(engine, agents, tmp_path):
    from csdesk.paths import config_dir
    from csdesk.services import technicians as tech

    with read_session(engine) as s:
        engineering = tech.roster(s, "engineering")
        assert len(engineering) == 8 and engineering[0].name == "王建国"
        assert [t.code for t in tech.roster(s, "engineering") if t.is_new(local(2026, 11, 23).date())] == ["E07"]
    with pytest.raises(Refused), write_session(engine) as s:
        tech.add_technician(s, agents["2001"], code="E09", name="新师傅", department="engineering")
    with write_session(engine) as s:
        added = tech.add_technician(s, agents["9001"], code="E09", name="黄志明", department="engineering",
                                    phone="139 1234 0109", skills="水电")
    assert added.phone == "13912340109" and (config_dir() / "technicians.toml").is_file()
    with pytest.raises(Conflict), write_session(engine) as s:
        tech.add_technician(s, agents["9001"], code="E09", name="重复", department="engineering")
    with write_session(engine) as s:
        gone = tech.remove_technician(s, agents["9001"], "E01")
    assert not gone.active
    # a restart follows the manager's file
    from csdesk.store.engine import open_database

    again = open_database(str(engine.url.database))
    with read_session(again) as s:
        codes = [t.code for t in tech.roster(s, "engineering")]
    again.dispose()
    assert "E09" in codes and "E01" not in codes


def test_every_text_field_goes_through_the_input_hygiene(engine, agents, clock):
    with pytest.raises(Invalid) as bad:
        create(engine, agents["1001"], name="张三😀", description="漏水\x1b[31m", address="\u202eevil")
    assert {"name", "description", "address"} <= set(bad.value.errors)
    info = create(engine, agents["1001"], name="  张\u200b三 ", description="漏水\r\n\r\n  角阀\t滴水  ")
    with read_session(engine) as s:
        row = s.get(WorkOrder, info.id)
    assert row.customer_name == "张三" and row.description == "漏水\n\n  角阀    滴水"
    with pytest.raises(Invalid) as bad, write_session(engine) as s:
        svc.add_note(s, agents["1001"], info.id, "\x00")
    assert "note" in bad.value.errors


def test_completing_paid_work_needs_the_fee_charged(engine, agents, clock):
    """A trial completed a ¥60 paid order with the fee left empty: the fee charged is asked for (0 if waived)."""
    info = create(engine, agents["1001"], paid=True, fees=(("tap_replace", 2),), price_told=True)
    with write_session(engine) as s:
        svc.move(s, agents["1001"], info.id, OrderStatus.DISPATCHED)
    with pytest.raises(Invalid) as refused, write_session(engine) as s:
        svc.complete(s, agents["1001"], info.id, svc.Completion(5, result="换了两个龙头"))
    assert "fee_charged" in refused.value.errors
    with write_session(engine) as s:
        assert svc.complete(s, agents["1001"], info.id,
                            svc.Completion(5, result="换了两个龙头", fee_charged_fen=0)).status.value == "done"
