"""Intake services: recognition, identity check, every outcome as linked rows, the queue, drafts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import select

from csdesk.clock import local_tz
from csdesk.domain.errors import Invalid, NotFound, Refused
from csdesk.services import callbacks as cb
from csdesk.services import drafts
from csdesk.services import intake as svc
from csdesk.services.intake import IntakeForm, IntakeInvalid
from csdesk.store.engine import read_session, write_session
from csdesk.store.models import (
    AuditLog,
    Callback,
    Complaint,
    Contact,
    Customer,
    CustomerPhone,
    Escalation,
    RefusedVisit,
    WorkOrder,
    WorkOrderEvent,
)


def save(engine, agent, **kw):
    with write_session(engine) as s:
        return svc.record_contact(s, IntakeForm(**kw), agent)


def known(engine, agent, phone="13800138000", name="张三", room="1201", **kw):
    kw.setdefault("category", "inquiry")
    kw.setdefault("summary", "first call")
    return save(engine, agent, phone=phone, name=name, building="3", unit="2", room=room, **kw)


def rows(engine, model, *where):
    with read_session(engine) as s:
        return list(s.exec(select(model).where(*where)))


# --------------------------------------------------------------------------- outcomes


def test_resolved_is_a_closed_contact_and_a_new_customer(engine, agents):
    saved = known(engine, agents["1001"], outcome="resolved")
    assert saved.new_customer and saved.status == "closed" and saved.outcome == "resolved"
    contact = rows(engine, Contact)[0]
    assert contact.number == saved.number and contact.closed_at is not None
    assert contact.customer_name == "张三" and contact.name_initials == "zs" and contact.unit_key == "3-2-1201"
    assert contact.agent_staff_no == "1001"
    customer = rows(engine, Customer)[0]
    assert customer.code.startswith("C") and customer.unit_key == "3-2-1201"
    assert [p.phone for p in rows(engine, CustomerPhone)] == ["13800138000"]
    # the same number later is the same customer, not a duplicate
    again = save(engine, agents["1001"], phone="138 0013 8000", category="inquiry", summary="again")
    assert not again.new_customer and again.customer_id == saved.customer_id
    assert len(rows(engine, Customer)) == 1


def test_work_order_deadline_from_urgency(engine, agents):
    from csdesk.config import Settings

    settings = Settings(critical_deadline_minutes=30)
    for urgency, delta in (("normal", timedelta(hours=24)), ("urgent", timedelta(hours=2)),
                           ("critical", timedelta(minutes=30))):
        with write_session(engine) as s:
            saved = svc.record_contact(s, IntakeForm(phone="13800138000", category="repair.water",
                                                     urgency=urgency, summary="leak"), agents["1001"],
                                       settings=settings)
        order = rows(engine, WorkOrder, WorkOrder.id == saved.work_order_id)[0]
        contact = rows(engine, Contact, Contact.id == saved.id)[0]
        assert contact.work_order_id == order.id and order.contact_id == contact.id
        assert order.deadline_at - contact.created_at == delta
        assert order.department == "engineering" and order.subtype == "repair.water"
        assert order.owner_id == agents["1001"].id and order.status == "open"
        assert rows(engine, WorkOrderEvent, WorkOrderEvent.work_order_id == order.id)[0].to_status == "open"
        if urgency == "normal":
            assert saved.escalation_id is None
        else:  # urgent and critical go to the supervisor at once
            esc = rows(engine, Escalation, Escalation.id == saved.escalation_id)[0]
            assert esc.reason == urgency and esc.work_order_id == order.id and esc.contact_id == contact.id


def test_referred_records_department_and_next_day_check(engine, agents):
    saved = known(engine, agents["1001"], outcome="referred", department="物流部")
    contact = rows(engine, Contact, Contact.id == saved.id)[0]
    assert contact.referred_department == "logistics" and contact.referral_contact == "8003"
    call = rows(engine, Callback, Callback.id == saved.callback_id)[0]
    assert call.kind == "referral_check" and call.contact_id == contact.id
    assert call.due_at - contact.created_at == timedelta(days=1)
    assert call.agent_id == agents["1001"].id


def test_promised_reply_default_one_hour_or_a_time(engine, agents):
    saved = known(engine, agents["1001"], outcome="promised")
    call = rows(engine, Callback, Callback.id == saved.callback_id)[0]
    contact = rows(engine, Contact, Contact.id == saved.id)[0]
    assert call.kind == "promised_reply" and call.due_at - contact.created_at == timedelta(hours=1)
    saved = known(engine, agents["1001"], outcome="promised", promise="90")
    call = rows(engine, Callback, Callback.id == saved.callback_id)[0]
    assert call.due_at - rows(engine, Contact, Contact.id == saved.id)[0].created_at == timedelta(minutes=90)
    with pytest.raises(IntakeInvalid) as err:
        known(engine, agents["1001"], outcome="promised", promise="25:99")
    assert "promise" in err.value.errors


def test_the_reply_given_closes_the_contact_that_promised_it(engine, agents):
    agent = agents["1001"]
    promised = known(engine, agent, outcome="promised", promise="30")
    assert rows(engine, Contact, Contact.id == promised.id)[0].status == "open"
    # busy first: the promise still stands; the retry answered: the promise is kept, the contact closes
    busy = save(engine, agent, customer_id=promised.customer_id, channel="outbound",
                callback_id=promised.callback_id, callback_result="busy")
    assert rows(engine, Contact, Contact.id == promised.id)[0].status == "open"
    save(engine, agent, customer_id=promised.customer_id, channel="outbound", callback_id=busy.retry_callback_id,
         summary="told the customer the fee")
    origin = rows(engine, Contact, Contact.id == promised.id)[0]
    assert origin.status == "closed" and origin.closed_at is not None
    # a referral checked: the referred contact closes too
    referred = known(engine, agent, outcome="referred", department="engineering", phone="13900000001", name="王五")
    save(engine, agent, customer_id=referred.customer_id, channel="outbound", callback_id=referred.callback_id,
         summary="solved by engineering")
    assert rows(engine, Contact, Contact.id == referred.id)[0].status == "closed"


def test_escalated_needs_a_reason_and_reaches_the_supervisor(engine, agents):
    with pytest.raises(IntakeInvalid) as err:
        known(engine, agents["1001"], outcome="escalated")
    assert set(err.value.errors) == {"escalation_reason"}
    assert rows(engine, Contact) == []  # nothing half-saved
    saved = known(engine, agents["1001"], outcome="escalated", escalation_reason="customer asked for a manager")
    esc = rows(engine, Escalation, Escalation.id == saved.escalation_id)[0]
    assert esc.reason == "manual" and "customer asked for a manager" in esc.summary
    assert esc.acknowledged_at is None and esc.created_by_id == agents["1001"].id


def test_complaint_escalates_with_a_tracking_record(engine, agents):
    saved = known(engine, agents["1001"], category="complaint.service", summary="agent was rude", outcome="resolved")
    assert saved.outcome == "escalated"  # agents do not settle complaints alone
    complaint = rows(engine, Complaint)[0]
    contact = rows(engine, Contact, Contact.id == saved.id)[0]
    assert contact.complaint_id == complaint.id and complaint.contact_id == contact.id
    assert complaint.first_handler_staff_no == "1001" and complaint.escalated_at is not None
    assert complaint.status == "escalated" and complaint.about == "agent was rude"
    esc = rows(engine, Escalation)[0]
    assert esc.reason == "complaint" and esc.complaint_id == complaint.id


def test_an_error_inside_the_transaction_keeps_nothing(engine, agents):
    with pytest.raises(NotFound):
        save(engine, agents["1001"], phone="13800138000", name="张三", category="inquiry", summary="x",
             callback_id=999)
    for model in (Contact, Customer, CustomerPhone, Callback):
        assert rows(engine, model) == []
    assert rows(engine, AuditLog, AuditLog.staff_no == "1001") == []


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("phone,field_ok", [
    ("13800138000", True), ("010-62345678-123", True), ("021 6234 5678 转 88", True), ("+44 20 7946 0000", True),
    ("1380013800", False), ("62345678", False), ("abc", False), ("+999 1", False),
])
def test_phone_validation_at_the_field(engine, agents, phone, field_ok):
    try:
        save(engine, agents["1001"], phone=phone, name="王五", category="inquiry", summary="x")
        ok = True
    except IntakeInvalid as exc:
        ok = "phone" not in exc.errors
        assert exc.errors["phone"]
    assert ok is field_ok


def test_required_fields_limits_emoji_and_pasted_text(engine, agents):
    with pytest.raises(IntakeInvalid) as err:
        save(engine, agents["1001"])
    assert {"phone", "category", "summary"} <= set(err.value.errors)
    with pytest.raises(IntakeInvalid) as err:
        save(engine, agents["1001"], phone="13800138000", name="张三😀", category="inquiry", summary="x" * 10_000,
             room="1201")
    errors = err.value.errors
    assert "emoji" in errors["name"] and "2000" in errors["summary"] and "10000" in errors["summary"]
    assert "building" in errors
    assert rows(engine, Contact) == []
    # pasted newlines in a one-line field become spaces; emoji in the summary are kept
    saved = save(engine, agents["1001"], phone="13800138000", name="张\n三", address="幸福路\r\n8号",
                 category="other", summary="谢谢 👍\n第二行")
    contact = rows(engine, Contact, Contact.id == saved.id)[0]
    assert contact.customer_name == "张 三" and contact.address == "幸福路 8号" and contact.summary == "谢谢 👍\n第二行"


def test_keys_and_chinese_names_are_both_accepted(engine, agents):
    saved = save(engine, agents["1001"], phone="13800138000", channel="来访", category="报修", subtype="电梯故障",
                 urgency="urgent", outcome="转工单", summary="电梯停了")
    contact = rows(engine, Contact, Contact.id == saved.id)[0]
    assert (contact.channel, contact.category, contact.subtype, contact.urgency, contact.outcome) == (
        "walk_in", "repair", "repair.elevator", "urgent", "work_order")
    with pytest.raises(IntakeInvalid) as err:
        save(engine, agents["1001"], phone="13800138000", category="plumbing", urgency="asap", summary="x")
    assert "category" in err.value.errors and "urgency" in err.value.errors


def test_chinese_urgency_names(engine, agents):
    saved = save(engine, agents["1001"], phone="13800138000", category="报修", urgency="紧急", summary="x")
    assert rows(engine, Contact, Contact.id == saved.id)[0].urgency == "urgent"



# --------------------------------------------------------------------------- recognition


def test_recognition_by_number_last4_prefix_name_initials(engine, agents):
    known(engine, agents["1001"])
    known(engine, agents["1001"], phone="13912345678", name="李四", room="0802")
    with read_session(engine) as s:
        for query, how in (("13800138000", "phone"), ("8000", "last4"), ("138001", "prefix"),
                           ("张", "name"), ("张三", "name"), ("zs", "initials"), ("ZS", "initials")):
            result = svc.recognise(s, query)
            assert [m.name for m in result.matches] == ["张三"], query
            assert result.matches[0].how == how
            assert result.card is not None and result.card.units == ("3-2-1201",)
        assert svc.recognise(s, "13800138000").full_number == "13800138000"
        assert svc.recognise(s, "138").matches == ()
        assert svc.recognise(s, "王").matches == ()
        assert svc.recognise(s, "z*").matches == ()  # glob characters are literal
        assert svc.recognise(s, "13700000000").full_number == "13700000000"
    # a number the customer called from once, never registered: found through the register
    with read_session(engine) as s:
        cid = svc.recognise(s, "13800138000").matches[0].id
    save(engine, agents["1001"], customer_id=cid, phone="13611112222", category="inquiry", summary="from work")
    with read_session(engine) as s:
        for query in ("13611112222", "2222"):
            result = svc.recognise(s, query)
            assert [m.id for m in result.matches] == [cid], query


def test_card_shows_orders_complaints_refusal_and_repeat(engine, agents):
    first = known(engine, agents["1001"], category="repair", summary="leak under the sink")
    known(engine, agents["1001"], category="complaint", summary="still leaking")
    with write_session(engine) as s:
        s.add(RefusedVisit(customer_id=first.customer_id, unit_key="3-2-1201", reason="too many calls"))
    with read_session(engine) as s:
        card = svc.recognise(s, "8000").card
    assert [o.number for o in card.open_orders] == [first.work_order_number]
    assert len(card.open_complaints) == 1 and card.open_complaints[0].about == "still leaking"
    assert card.refused_visit and card.refused_reason == "too many calls"
    assert card.repeat_of("repair.water").number == first.number  # same unit, same matter, within 7 days
    assert card.repeat_of("inquiry") is None
    assert len(card.recent) == 2


def test_recognition_queries_use_indexes(engine, agents):
    first = known(engine, agents["1001"])
    save(engine, agents["1001"], customer_id=first.customer_id, phone="13611112222", category="inquiry",
         summary="from another phone")
    plans = []
    from sqlalchemy import event

    def capture(conn, cursor, statement, params, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            plans.append((statement, params))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with read_session(engine) as s:
            for q in ("13800138000", "8000", "138001", "张", "zs", "13611112222", "2222"):
                svc.recognise(s, q)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    with engine.connect() as conn:
        for statement, params in plans:
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).fetchall()
            detail = " | ".join(row[-1] for row in plan)
            scans = [d for d in detail.split(" | ") if d.startswith("SCAN")]
            assert not scans, (statement, detail)


# --------------------------------------------------------------------------- identity


def test_identity_check_for_information_change(engine, agents):
    first = known(engine, agents["1001"], category="repair", summary="leak")
    with read_session(engine) as s:
        assert svc.verify_identity(s, first.customer_id, "8000") == svc.IdentityCheck(True, "last4")
        assert svc.verify_identity(s, first.customer_id, "张三") == svc.IdentityCheck(True, "order_name")
        assert not svc.verify_identity(s, first.customer_id, "1234").verified
        assert not svc.verify_identity(s, None, "8000").verified
    # unverified: recorded, not applied
    saved = save(engine, agents["1001"], customer_id=first.customer_id, phone="13800138000", name="张三",
                 category="info_change", summary="change the name", identity="1111", new_name="张三丰")
    assert saved.identity_verified is False
    contact = rows(engine, Contact, Contact.id == saved.id)[0]
    assert contact.identity_verified is False and contact.verified_by == ""
    assert contact.result == "Not changed, identity not verified: name 张三丰"
    assert rows(engine, Customer)[0].name == "张三"
    # verified: applied, with an audit line
    saved = save(engine, agents["1001"], customer_id=first.customer_id, phone="13800138000", name="张三",
                 category="info_change", summary="change the name", identity="8000", new_name="张三丰")
    assert saved.identity_verified is True
    contact = rows(engine, Contact, Contact.id == saved.id)[0]
    assert contact.verified_by == "last4" and contact.result == "Changed on the record: name 张三丰"
    customer = rows(engine, Customer)[0]
    assert customer.name == "张三丰" and customer.name_initials == "zsf"
    change = rows(engine, AuditLog, AuditLog.action == "update", AuditLog.entity == "customer")[-1]
    assert change.staff_no == "1001" and '"name": ["张三", "张三丰"]' in change.changes
    # other categories need no check
    assert known(engine, agents["1001"]).identity_verified is None


def test_an_information_change_applies_the_new_phone_and_address_to_the_same_customer(engine, agents):
    from csdesk.store.models import CustomerPhone

    first = known(engine, agents["1001"], category="repair", summary="leak")
    customers = len(rows(engine, Customer))
    # the caller says who they are (the number on record), then the new number and the new address
    saved = save(engine, agents["1001"], customer_id=first.customer_id, phone="13800138000", name="张三",
                 category="info_change", summary="换了手机号，搬到5栋", identity="张三",
                 new_phone="139 1234 5678", new_address="5栋1单元602")
    assert saved.identity_verified is True and saved.customer_id == first.customer_id
    assert len(rows(engine, Customer)) == customers  # no second customer for the new number
    customer = rows(engine, Customer, Customer.id == first.customer_id)[0]
    assert (customer.unit_key, customer.building, customer.unit, customer.room) == ("5-1-602", "5", "1", "602")
    phones = {p.phone: p.primary for p in rows(engine, CustomerPhone, CustomerPhone.customer_id == customer.id)}
    assert phones == {"13800138000": False, "13912345678": True}
    contact = rows(engine, Contact, Contact.id == saved.id)[0]
    assert contact.result == "Changed on the record: phone 139****5678; address 5-1-602"  # masked for every reader
    with read_session(engine) as s:  # a call from the new number finds the customer, the new number first
        matches, _kind = svc.find_customers(s, "13912345678")
        assert [m.id for m in matches] == [customer.id] and matches[0].phone == "13912345678"
    # a free address replaces the building-unit-room
    save(engine, agents["1001"], customer_id=customer.id, phone="13912345678", category="info_change",
         summary="搬家", identity="张三", new_address="江南路88号")
    customer = rows(engine, Customer, Customer.id == customer.id)[0]
    assert (customer.address, customer.unit_key) == ("江南路88号", "")


def test_an_information_change_needs_a_new_value_and_checks_it_at_its_field(engine, agents):
    first = known(engine, agents["1001"], category="repair", summary="leak")
    base = dict(customer_id=first.customer_id, phone="13800138000", category="info_change", summary="改资料",
                identity="张三")
    with pytest.raises(svc.IntakeInvalid) as nothing:
        save(engine, agents["1001"], **base)
    assert set(nothing.value.errors) == {"new_phone"}
    with pytest.raises(svc.IntakeInvalid) as bad:
        save(engine, agents["1001"], **base, new_phone="12")
    assert set(bad.value.errors) == {"new_phone"}


# --------------------------------------------------------------------------- queue


def test_queue_nearest_first_and_callback_results(engine, agents):
    agent, sup = agents["1001"], agents["2001"]
    later = known(engine, agent, outcome="promised", promise="120")
    sooner = known(engine, agent, outcome="promised", promise="30")
    urgent = known(engine, agent, category="repair", urgency="urgent", summary="no water")
    other = known(engine, sup, outcome="promised", phone="13912345678", name="李四")
    with read_session(engine) as s:
        mine = cb.my_queue(s, agent)
        theirs = cb.my_queue(s, sup)
    assert [(i.kind, i.id) for i in mine] == [("escalation", urgent.escalation_id), ("callback", sooner.callback_id),
                                             ("callback", later.callback_id)]
    assert ("callback", other.callback_id) not in [(i.kind, i.id) for i in mine]
    assert [(i.kind, i.id) for i in theirs] == [("escalation", urgent.escalation_id), ("callback", other.callback_id)]
    # busy: one more try later; refused: the refused-visit list
    busy = save(engine, agent, customer_id=sooner.customer_id, channel="outbound", callback_id=sooner.callback_id,
                callback_result="busy")
    closed = rows(engine, Callback, Callback.id == sooner.callback_id)[0]
    assert closed.done_at is not None and closed.result == "busy" and closed.done_by_id == agent.id
    retry = rows(engine, Callback, Callback.id == busy.retry_callback_id)[0]
    assert retry.kind == "retry" and retry.done_at is None and retry.attempts == 1
    contact = rows(engine, Contact, Contact.id == busy.id)[0]
    assert contact.parent_callback_id == sooner.callback_id and contact.channel == "outbound"
    # the register says what happened: not resolved, open until the retry, its time in the result
    assert (contact.outcome, contact.status, contact.closed_at) == ("promised", "open", None)
    assert retry.due_at.astimezone(local_tz()).strftime("%m-%d %H:%M") in contact.result
    # a call-back not answered files nothing, whatever the category and urgency say: no complaint, no escalation
    complaints = len(rows(engine, Complaint))
    again = save(engine, agent, customer_id=sooner.customer_id, channel="outbound", callback_id=retry.id,
                 callback_result="busy", category="complaint", urgency="urgent")
    assert again.complaint_id is None and again.escalation_id is None and len(rows(engine, Complaint)) == complaints
    with pytest.raises(Invalid, match="return visit only"):  # "refused" answers a return visit only
        save(engine, agent, customer_id=later.customer_id, channel="outbound", callback_id=later.callback_id,
             callback_result="refused", summary="does not want calls")
    with write_session(engine) as s:
        visit_call = cb.add_callback(s, agent, "return_visit", later.callback_due_at, customer_id=later.customer_id,
                                     customer_name="张三", phone="13800138000")
    refused = save(engine, agent, customer_id=later.customer_id, channel="outbound", callback_id=visit_call.id,
                   callback_result="refused", summary="does not want calls", category="inquiry")
    visit = rows(engine, RefusedVisit, RefusedVisit.id == refused.refused_visit_id)[0]
    assert visit.customer_id == later.customer_id and visit.unit_key == "3-2-1201"
    assert visit.reason == "does not want calls"
    with pytest.raises(cb.QueueError):  # closed once only
        save(engine, agent, customer_id=later.customer_id, channel="outbound", callback_id=visit_call.id,
             summary="again", category="inquiry")


def test_acknowledge_escalation_records_who_and_when(engine, agents):
    saved = known(engine, agents["1001"], category="complaint", summary="rude")
    with write_session(engine) as s:
        with pytest.raises(Refused, match="may not acknowledge escalations"):
            cb.acknowledge_escalation(s, saved.escalation_id, agents["1001"])
    with write_session(engine) as s:
        ack = cb.acknowledge_escalation(s, saved.escalation_id, agents["2001"])
    esc = rows(engine, Escalation)[0]
    assert esc.acknowledged_by_id == agents["2001"].id and esc.acknowledged_at == ack.acknowledged_at
    with write_session(engine) as s:
        with pytest.raises(cb.QueueError):
            cb.acknowledge_escalation(s, saved.escalation_id, agents["2001"])
    with read_session(engine) as s:
        assert cb.my_queue(s, agents["2001"]) == []


# --------------------------------------------------------------------------- drafts, scripts


def test_drafts_upsert_load_discard(engine, agents):
    agent = agents["1001"]
    with write_session(engine) as s:
        drafts.save_draft(s, agent.id, "intake", {"phone": "1380"})
        drafts.save_draft(s, agent.id, "intake", {"phone": "13800138000", "summary": "漏水"})
    with read_session(engine) as s:
        draft = drafts.load_draft(s, agent.id, "intake")
        assert draft.payload == {"phone": "13800138000", "summary": "漏水"}
        assert drafts.load_draft(s, agents["2001"].id, "intake") is None
        assert s.execute(text("SELECT count(*) FROM draft")).scalar_one() == 1
    with write_session(engine) as s:
        assert drafts.discard_draft(s, agent.id, "intake")
    with read_session(engine) as s:
        assert drafts.load_draft(s, agent.id, "intake") is None


def test_form_round_trips_through_a_draft():
    form = IntakeForm(phone="138", summary="a\nb", customer_id=3, callback_id=4)
    assert IntakeForm.from_dict(form.to_dict()) == form
    assert IntakeForm().is_empty() and not form.is_empty()


def test_scripts_per_channel_and_category_both_languages(tmp_path, monkeypatch):
    line = svc.script_line("phone", "repair.water", "restate", staff_no="1001", lang="en")
    assert "1001" in line.opening and "broken" in line.prompt  # sub-type falls back to repair
    zh = svc.script_line("phone", "inquiry", "identify", staff_no="1001", lang="zh_CN")
    assert "工号1001" in zh.opening and "电话" in zh.prompt
    assert "call you back" in svc.script_line("phone", "", "offer_callback", staff_no="1", lang="en").prompt
    assert svc.script_line("outbound", "", "identify", staff_no="1", lang="en").prompt.startswith("Confirm")
    # a same-named file in the config directory replaces the shipped one
    from csdesk.paths import config_dir

    config_dir().mkdir(parents=True, exist_ok=True)
    (config_dir() / "scripts.toml").write_text(
        '[opening.phone]\nzh = "喂，{staff_no}"\nen = "Hi, {staff_no}"\n[step.identify]\nen = "Who?"\nzh = "谁？"\n',
        encoding="utf-8")
    line = svc.script_line("phone", "", "identify", staff_no="7", lang="en")
    assert (line.opening, line.prompt) == ("Hi, 7", "Who?")


def test_each_console_keeps_its_own_draft_and_an_orphan_is_restored_once(engine, agents):
    from datetime import UTC, datetime

    from csdesk.domain.errors import Conflict

    agent = agents["1001"].id
    at = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    first, second, third = (f"elsewhere/{n}/x" for n in (1, 2, 3))  # consoles of another machine
    with write_session(engine) as s:
        mine = drafts.save_draft(s, agent, "intake", {"summary": "漏水"}, at, console=first)
        drafts.save_draft(s, agent, "intake", {"summary": "停电"}, at, console=second)
        drafts.save_draft(s, agent, "intake", {"summary": "漏水，楼上"}, at, console=first)  # the same row
    with read_session(engine) as s:
        assert drafts.load_draft(s, agent, "intake", first).payload == {"summary": "漏水，楼上"}
        assert drafts.load_draft(s, agent, "intake", second).payload == {"summary": "停电"}
        # both consoles were heard of a minute ago: nothing is offered to a third
        assert drafts.orphaned_drafts(s, agent, "intake", third, at + timedelta(minutes=1)) == []
        gone = drafts.orphaned_drafts(s, agent, "intake", third, at + drafts.GONE_AFTER + timedelta(seconds=1))
    assert [d.payload["summary"] for d in gone] == ["停电", "漏水，楼上"]  # newest first (the later row on a tie)
    orphan = next(d for d in gone if d.id == mine)
    with write_session(engine) as s:
        assert drafts.claim_draft(s, orphan, third)
    with write_session(engine) as s:
        assert not drafts.claim_draft(s, orphan, "elsewhere/4/x")  # restored once only
    with write_session(engine) as s, pytest.raises(Conflict):
        drafts.close_for_save(s, agent, "intake", "elsewhere/4/x", orphan.id)  # not this console's any more
    with write_session(engine) as s:
        drafts.close_for_save(s, agent, "intake", third, orphan.id)
    with read_session(engine) as s:
        assert drafts.load_draft(s, agent, "intake", third) is None
        assert drafts.load_draft(s, agent, "intake", second) is not None


def test_last_four_digits_are_no_proof_for_a_caller_found_by_them(engine, agents):
    from csdesk.store.models import Customer

    known(engine, agents["1001"], phone="13800138000", name="张三")
    with read_session(engine) as s:
        cid = s.exec(select(Customer.id).where(Customer.name == "张三")).one()
        assert svc.verify_identity(s, cid, "8000") == svc.IdentityCheck(True, "last4")  # found by the full number
        assert svc.verify_identity(s, cid, "8000", "last4") == svc.IdentityCheck(False, "")  # said already
        assert svc.verify_identity(s, cid, "138 0013 8000", "last4") == svc.IdentityCheck(True, "full_number")
        assert svc.verify_identity(s, cid, "张三", "last4").verified
        assert not svc.verify_identity(s, cid, "13800138001", "last4").verified
    # saved: an information change with the four digits the caller was found by is recorded, not applied
    saved = save(engine, agents["1001"], customer_id=cid, phone="", name="张三", category="info_change",
                 summary="改名", identity="8000", found_by="last4", new_name="张三丰")
    with read_session(engine) as s:
        assert s.get(Customer, cid).name == "张三"
        assert s.exec(text("SELECT identity_verified FROM contact WHERE id = :i"), params={"i": saved.id}).one()[0] == 0
    save(engine, agents["1001"], customer_id=cid, phone="", name="张三", category="info_change",
         summary="改名", identity="13800138000", found_by="last4", new_name="张三丰")
    with read_session(engine) as s:
        assert s.get(Customer, cid).name == "张三丰"  # verified: applied for real


def test_the_customers_order_reference_is_kept_with_the_contact(engine, agents):
    saved = save(engine, agents["1001"], phone="13700137000", name="孙八", category="inquiry",
                 summary="网购的空调什么时候装", order_ref="  JD-20261130-88  ")
    with read_session(engine) as s:
        assert s.exec(text("SELECT order_ref FROM contact WHERE id = :i"), params={"i": saved.id}).one()[0] == \
            "JD-20261130-88"
