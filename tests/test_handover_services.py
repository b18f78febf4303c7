"""The handover in the service layer: compiled from live data, signed off and frozen, acknowledged item
by item with ownership passing, the 30-minute reminder, escalation across midnight, the review."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import pytest
from sqlmodel import select

from csdesk.clock import FakeClock, local, set_clock
from csdesk.domain import OrderStatus
from csdesk.domain.errors import Conflict, Invalid, Refused
from csdesk.services import handover as ho
from csdesk.services.intake import IntakeForm, record_contact
from csdesk.services.tick import run_tick
from csdesk.store.engine import read_session, write_session
from csdesk.store.models import Agent, Callback, Complaint, Escalation, HandoverPass, WorkOrder, WorkOrderEvent


@pytest.fixture
def clock():
    c = FakeClock(local(2026, 11, 21, 10, 0))  # Saturday, the day shift (09:00-18:00); the zone is the test's
    set_clock(c)
    yield c
    set_clock(None)


@pytest.fixture
def desk(engine, agents):
    """1001 (day agent), 1002 and 1003 (night agents), supervisor 2001."""
    from csdesk.services.accounts import get_agent, hash_password

    with write_session(engine) as s:
        s.info["no_audit"] = True
        for staff_no, name in (("1002", "刘洋"), ("1003", "陈静")):
            s.add(Agent(staff_no=staff_no, name=name, role="agent", password_hash=hash_password("demo")))
    with read_session(engine) as s:
        return {**agents, "1002": get_agent(s, "1002"), "1003": get_agent(s, "1003")}


def take(engine, agent, **fields):
    form = IntakeForm(**{"phone": "13800138000", "name": "张三", "building": "3", "unit": "2", "room": "1201",
                         "urgency": "normal", **fields})
    with write_session(engine) as s:
        return record_contact(s, form, agent)


def write(engine, fn, *args, **kw):
    with write_session(engine) as s:
        return fn(s, *args, **kw)


def read(engine, fn, *args, **kw):
    with read_session(engine) as s:
        return fn(s, *args, **kw)


@pytest.fixture
def shift_matters(engine, desk, clock):
    """During 1001's day shift: an order opened, a call-back promised, a complaint escalated; and one of
    each closed again."""
    a = desk["1001"]
    order = take(engine, a, category="repair", summary="厨房水管漏水")
    callback = take(engine, a, category="inquiry", outcome="promised", promise="120", summary="物业费发票何时开")
    complaint = take(engine, a, category="complaint", summary="保安态度恶劣", escalation_reason="客户情绪激动")
    closed_order = take(engine, a, category="repair", summary="灯泡坏了", phone="13900139000", name="李四")
    closed_callback = take(engine, a, category="inquiry", outcome="promised", promise="30", summary="停车卡续费",
                           phone="13700137000", name="王五")
    closed_complaint = take(engine, a, category="complaint", summary="噪音扰民", phone="13600136000", name="赵六")
    clock.advance(minutes=20)
    from csdesk.services.callbacks import close_callback
    from csdesk.services.orders import move

    write(engine, move, a, closed_order.work_order_id, OrderStatus.CANCELLED, reason="业主自行处理")
    write(engine, close_callback, closed_callback.callback_id, a, "done", note="已告知")
    with write_session(engine) as s:
        row = s.get(Complaint, closed_complaint.complaint_id)
        row.status, row.closed_at = "closed", clock()
        for esc in s.exec(select(Escalation).where(Escalation.complaint_id == row.id)):
            esc.acknowledged_at, esc.acknowledged_by_id = clock(), desk["2001"].id
    return {"order": order, "callback": callback, "complaint": complaint, "closed_order": closed_order,
            "closed_callback": closed_callback, "closed_complaint": closed_complaint}


def keys(page):
    return {i.key for i in page.items}


def test_compiling_carries_what_is_open_and_drops_what_was_closed(engine, desk, shift_matters, clock):
    m = shift_matters
    page = read(engine, ho.current_page, desk["1001"])
    assert page.id is None and not page.signed and page.shift_code == "day" and page.to_shift_code == "night"
    assert page.to_start_at == local(2026, 11, 21, 18, 0)
    assert keys(page) == {f"order:{m['order'].work_order_id}", f"callback:{m['callback'].callback_id}",
                          f"complaint:{m['complaint'].complaint_id}"}
    order = next(i for i in page.items if i.matter == "order")
    assert order.ref_number == m["order"].work_order_number and order.customer_name == "张三"
    day = local(2026, 11, 21, 10, 0)
    assert order.deadline_at == day + timedelta(hours=24) and order.last_update_at == day
    assert order.group == "open" and order.state.startswith("new")
    callback = next(i for i in page.items if i.matter == "callback")
    assert callback.deadline_at == day + timedelta(minutes=120) and callback.ref_number.startswith("CT")
    complaint = next(i for i in page.items if i.matter == "complaint")
    assert complaint.group == "supervisor" and complaint.deadline_at == local(2026, 11, 23, 13, 30)
    # another agent's page holds none of it; the supervisor who takes the complaint carries it too
    assert read(engine, ho.current_page, desk["1002"]).items == ()
    from csdesk.services import complaints

    write(engine, complaints.take, desk["2001"], m["complaint"].complaint_id)
    sup_page = read(engine, ho.current_page, desk["2001"])
    assert f"complaint:{m['complaint'].complaint_id}" in keys(sup_page)
    # time passes: the call-back comes due soon, then overdue; groups follow
    clock.advance(minutes=70)
    page = read(engine, ho.current_page, desk["1001"])
    assert next(i for i in page.items if i.matter == "callback").group == "due_soon"
    clock.advance(minutes=60)
    page = read(engine, ho.current_page, desk["1001"])
    assert [g for g, _items in page.groups()][0].value == "overdue"


def test_an_order_touched_this_shift_is_carried_by_whoever_touched_it(engine, desk, shift_matters, clock):
    from csdesk.services.orders import move

    order_id = shift_matters["order"].work_order_id
    write(engine, move, desk["2001"], order_id, OrderStatus.DISPATCHED)
    page = read(engine, ho.current_page, desk["2001"])
    assert f"order:{order_id}" in keys(page)


def test_instructions_free_items_and_sign_off(engine, desk, shift_matters, clock):
    a = desk["1001"]
    m = shift_matters
    write(engine, ho.annotate, a, "order", m["order"].work_order_id, instruction="师傅18:30到，请跟进", do_first=True)
    write(engine, ho.annotate, a, "callback", m["callback"].callback_id, instruction="财务下周一开票")
    prospect = write(engine, ho.add_free_item, a, ho.FreeItem("prospect", "咨询车位租售，意向强", "孙七",
                                                              "139 1234 5678", "明早回电"))
    write(engine, ho.add_free_item, a, ho.FreeItem("other", "3栋电梯明天年检停运"))
    with pytest.raises(Invalid) as bad:
        write(engine, ho.add_free_item, a, ho.FreeItem("prospect", "想买车位"))
    assert "customer_name" in bad.value.errors
    page = read(engine, ho.current_page, a)
    groups = page.groups()
    assert groups[0][0].value == "do_first" and groups[0][1][0].matter == "order"
    assert groups[-1][0].value == "free" and [i.kind for i in groups[-1][1]] == ["prospect", "other"]
    free = next(i for i in page.items if i.item_id == prospect)
    assert (free.customer_name, free.phone) == ("孙七", "13912345678")
    # the order is closed before the end of the shift: not carried, its instruction dropped
    clock.set(local(2026, 11, 21, 17, 45))
    from csdesk.services.orders import move

    write(engine, move, a, m["order"].work_order_id, OrderStatus.CANCELLED, reason="重复工单")
    signed = write(engine, ho.sign_off, a)
    assert signed.signed and signed.status == "submitted" and signed.submitted_at == clock()
    assert {i.matter or i.kind for i in signed.items} == {"callback", "complaint", "prospect", "other"}
    assert next(i for i in signed.items if i.matter == "callback").instruction == "财务下周一开票"
    assert read(engine, ho.current_page, a).id == signed.id  # the page is now the signed one
    # every item written has its audit row, as the store's hook writes them
    with engine.connect() as conn:
        audited = {r[0]: r for r in conn.exec_driver_sql(
            "SELECT entity_id, action, staff_no, changes FROM auditlog WHERE entity = 'handoveritem' "
            "AND action = 'create'")}
    for item in signed.items:
        _entity_id, action, staff_no, changes = audited[item.item_id]
        assert (action, staff_no) == ("create", "1001") and '"handover_id"' in changes
    with pytest.raises(Conflict):
        write(engine, ho.sign_off, a)


def test_a_signed_page_is_refused_by_the_service_and_by_the_database(engine, db_path, desk, shift_matters, clock):
    a = desk["1001"]
    m = shift_matters
    write(engine, ho.annotate, a, "callback", m["callback"].callback_id, instruction="财务下周一开票")
    free = write(engine, ho.add_free_item, a, ho.FreeItem("other", "钥匙借给了维修师傅"))
    signed = write(engine, ho.sign_off, a)
    item = next(i for i in signed.items if i.matter == "callback")
    with pytest.raises(Conflict, match="signed off"):
        write(engine, ho.annotate, a, "callback", m["callback"].callback_id, instruction="改写")
    with pytest.raises(Conflict, match="signed off"):
        write(engine, ho.edit_signed_item, a, item.item_id, instruction="改写")
    with pytest.raises(Conflict, match="signed off"):
        write(engine, ho.remove_free_item, a, free)
    with pytest.raises(Conflict, match="signed off"):
        write(engine, ho.add_free_item, a, ho.FreeItem("other", "补一条"))
    con = sqlite3.connect(db_path)
    with pytest.raises(sqlite3.IntegrityError, match="signed off"):
        con.execute("UPDATE handoveritem SET instruction = '改写' WHERE id = ?", (item.item_id,))
    with pytest.raises(sqlite3.IntegrityError, match="signed off"):
        con.execute("DELETE FROM handoveritem WHERE id = ?", (free,))
    con.close()
    # a correction is added beside it, with who and when
    clock.advance(minutes=5)
    write(engine, ho.add_remark, a, signed.id, "更正：发票周二开", item_id=item.item_id)
    page = read(engine, ho.get_page, a, signed.id)
    assert next(i for i in page.items if i.matter == "callback").instruction == "财务下周一开票"
    (remark,) = page.remarks
    assert (remark.kind, remark.staff_no, remark.at, remark.item_id) == ("correction", "1001", clock(), item.item_id)


def sign_day_page(engine, desk, m, clock):
    a = desk["1001"]
    write(engine, ho.annotate, a, "order", m["order"].work_order_id, instruction="跟进维修", do_first=True)
    write(engine, ho.add_free_item, a, ho.FreeItem("prospect", "咨询车位", "孙七", "13912345678"))
    clock.set(local(2026, 11, 21, 17, 50))
    return write(engine, ho.sign_off, a)


def test_item_by_item_acknowledgement_passes_matters_on(engine, desk, shift_matters, clock):
    m = shift_matters
    signed = sign_day_page(engine, desk, m, clock)
    night = desk["1002"]
    clock.set(local(2026, 11, 21, 16, 50))
    assert read(engine, ho.pending_for, night) == []  # over an hour before the night shift: not yet
    clock.set(local(2026, 11, 21, 17, 55))  # logging in five minutes before the night shift
    (pending,) = read(engine, ho.pending_for, night)
    # a day agent who has been working this shift is not the night's receiver
    clock.set(local(2026, 11, 21, 17, 52))
    take(engine, desk["1003"], category="inquiry", summary="问物业电话", phone="13312345678", name="钱九")
    clock.set(local(2026, 11, 21, 17, 55))
    assert read(engine, ho.pending_for, desk["1003"]) == []
    assert pending.id == signed.id and pending.items == 4 and pending.acknowledged == 0
    assert read(engine, ho.pending_for, desk["1001"]) == []  # not to its author
    items = {i.matter or i.kind: i for i in signed.items}
    with pytest.raises(Refused):
        write(engine, ho.acknowledge_item, desk["1001"], items["order"].item_id)
    clock.set(local(2026, 11, 21, 18, 5))
    done = write(engine, ho.acknowledge_item, night, items["order"].item_id)
    assert done.remaining == 3 and not done.received
    assert (done.passed.from_staff_no, done.passed.to_staff_no, done.passed.first_owner_staff_no) == (
        "1001", "1002", "1001")
    with pytest.raises(Conflict, match="Already acknowledged by 1002"):
        write(engine, ho.acknowledge_item, desk["1003"], items["order"].item_id)
    write(engine, ho.add_note, night, items["callback"].item_id, "发票是开给个人还是公司？", question=True)
    write(engine, ho.acknowledge_item, night, items["callback"].item_id)
    complaint = write(engine, ho.acknowledge_item, desk["1003"], items["complaint"].item_id)
    assert complaint.passed is None  # complaints stay with the supervisor
    clock.advance(minutes=1)
    last = write(engine, ho.acknowledge_item, night, items["prospect"].item_id)
    assert last.received and last.remaining == 0
    with read_session(engine) as s:
        order = s.get(WorkOrder, m["order"].work_order_id)
        assert (order.owner_id, order.created_by_id) == (night.id, desk["1001"].id)
        event = s.exec(select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == order.id,
                                                    WorkOrderEvent.kind == "handover")).one()
        assert "1001" in event.note and "1002" in event.note
        assert s.get(Callback, m["callback"].callback_id).agent_id == night.id
        assert len(s.exec(select(HandoverPass)).all()) == 2
    page = read(engine, ho.get_page, desk["2001"], signed.id)
    assert page.received and page.acknowledged_by == "1002" and page.acknowledged_at == clock()
    by_kind = {i.matter or i.kind: i for i in page.items}
    assert by_kind["complaint"].acknowledged_by == "1003"
    assert by_kind["order"].passed_to == "1002" and by_kind["order"].acknowledged_at == local(2026, 11, 21, 18, 5)
    assert [n.kind for n in by_kind["callback"].notes] == ["question"]
    assert {p.first_owner_staff_no for p in page.passes} == {"1001"}
    # the order now sits in 1002's page, and the first owner is still named when it passes again
    assert f"order:{order.id}" in keys(read(engine, ho.current_page, night))
    assert read(engine, ho.pending_for, night) == []


def test_a_matter_closed_or_taken_meanwhile_does_not_pass(engine, desk, shift_matters, clock):
    m = shift_matters
    signed = sign_day_page(engine, desk, m, clock)
    items = {i.matter or i.kind: i for i in signed.items}
    from csdesk.services.orders import move

    clock.set(local(2026, 11, 21, 18, 2))
    write(engine, move, desk["1001"], m["order"].work_order_id, OrderStatus.CANCELLED, reason="业主取消")
    with write_session(engine) as s:
        s.get(Callback, m["callback"].callback_id).agent_id = desk["1003"].id
    order = write(engine, ho.acknowledge_item, desk["1002"], items["order"].item_id)
    callback = write(engine, ho.acknowledge_item, desk["1002"], items["callback"].item_id)
    assert order.passed is None and "closed" in order.kept_reason
    assert callback.passed is None and "someone else" in callback.kept_reason
    page = read(engine, ho.get_page, desk["2001"], signed.id)
    assert {i.matter: i.still_open for i in page.items if i.matter} == {
        "order": False, "callback": True, "complaint": True}


def test_the_reminder_lists_unclosed_matters_with_no_update_this_shift(engine, desk, shift_matters, clock):
    a = desk["1001"]
    from csdesk.services.orders import OrderSpec, open_order

    clock.set(local(2026, 11, 20, 15, 0))  # yesterday's order, untouched today
    old = write(engine, open_order, a, OrderSpec(description="楼道灯不亮"))
    clock.set(local(2026, 11, 21, 17, 29))
    early = read(engine, ho.reminder, a)
    assert early.remind_at == local(2026, 11, 21, 17, 30) and not early.due(clock())
    clock.advance(minutes=1)
    due = read(engine, ho.reminder, a)
    assert due.due(clock())
    assert [i.key for i in due.stale] == [f"order:{old.id}"]  # today's matters were updated this shift
    assert due.open_matters == 3
    write(engine, ho.annotate, a, "order", old.id, instruction="明早联系电工")
    assert read(engine, ho.reminder, a).stale == ()
    # the console needs no database to know when to remind
    from csdesk.services.reference import shifts

    when, start, code = ho.reminder_time(read(engine, shifts), clock())
    assert (when, start, code) == (local(2026, 11, 21, 17, 30), local(2026, 11, 21, 9, 0), "day")


def test_the_night_reminder_and_escalation_across_midnight(engine, desk, clock):
    night = desk["1003"]
    clock.set(local(2026, 11, 21, 19, 0))
    take(engine, night, category="repair", summary="地下车库积水")
    take(engine, night, category="inquiry", outcome="promised", promise="180", summary="装修审批进度")
    rem = read(engine, ho.reminder, night)
    assert rem.remind_at == local(2026, 11, 21, 22, 30) and rem.shift_name
    clock.set(local(2026, 11, 21, 23, 10))  # staying past 23:00 with a customer: still the night's page
    signed = write(engine, ho.sign_off, night)
    assert (signed.shift_code, signed.to_shift_code, signed.to_start_at) == (
        "night", "day", local(2026, 11, 22, 9, 0))
    assert len(signed.items) == 2
    for at in (local(2026, 11, 22, 0, 30), local(2026, 11, 22, 9, 29)):
        assert write(engine, run_tick, at=at).unacknowledged_handovers == ()
    item = signed.items[0]
    clock.set(local(2026, 11, 22, 9, 10))
    write(engine, ho.acknowledge_item, desk["1001"], item.item_id)
    result = write(engine, run_tick, at=local(2026, 11, 22, 9, 30))
    assert result.unacknowledged_handovers == (signed.id,)
    assert write(engine, run_tick, at=local(2026, 11, 22, 9, 45)).unacknowledged_handovers == ()  # once
    with read_session(engine) as s:
        (esc,) = s.exec(select(Escalation).where(Escalation.handover_id == signed.id)).all()
        assert esc.reason == "handover" and "1 handover items" in esc.summary and esc.created_by_id is None
    page = read(engine, ho.get_page, desk["2001"], signed.id)
    assert page.escalated_at == local(2026, 11, 22, 9, 30)
    assert [i.escalated_at for i in page.items] == [None, local(2026, 11, 22, 9, 30)]
    # the supervisor's queue shows it
    from csdesk.services.callbacks import my_queue

    queue = read(engine, my_queue, desk["2001"])
    assert any(q.kind == "escalation" and q.escalation_reason == "handover" for q in queue)


def test_a_shift_crossing_midnight(engine_factory, clock):
    """A site whose night shift runs 22:00-07:00: the page, the reminder and the escalation follow it."""
    engine, desk = engine_factory("""
[[shift]]
code = "day"
name_zh = "白班"
name_en = "Day"
start = "07:00"
end = "22:00"

[[shift]]
code = "night"
name_zh = "夜班"
name_en = "Night"
start = "22:00"
end = "07:00"
""")
    night = desk["1001"]
    clock.set(local(2026, 11, 21, 23, 30))
    take(engine, night, category="repair", summary="水管爆裂")
    clock.set(local(2026, 11, 22, 6, 30))
    rem = read(engine, ho.reminder, night)
    assert rem.due(clock()) and rem.remind_at == local(2026, 11, 22, 6, 30)
    assert rem.start_at == local(2026, 11, 21, 22, 0)
    signed = write(engine, ho.sign_off, night)
    assert (signed.shift_date, signed.to_shift_code, signed.to_start_at) == (
        date(2026, 11, 21), "day", local(2026, 11, 22, 7, 0))
    assert write(engine, run_tick, at=local(2026, 11, 22, 7, 29)).unacknowledged_handovers == ()
    assert write(engine, run_tick, at=local(2026, 11, 22, 7, 30)).unacknowledged_handovers == (signed.id,)


@pytest.fixture
def engine_factory(db_path, tmp_path, monkeypatch):
    engines = []

    def make(shifts_toml: str):
        from csdesk.paths import config_dir
        from csdesk.services.accounts import get_agent
        from csdesk.store.engine import open_database

        folder = config_dir()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "shifts.toml").write_text(shifts_toml, encoding="utf-8")
        engine = open_database(str(db_path))
        engines.append(engine)
        with read_session(engine) as s:
            return engine, {n: get_agent(s, n) for n in ("1001", "2001")}

    yield make
    for e in engines:
        e.dispose()


def test_remarks_are_added_never_rewritten(engine, desk, shift_matters, clock):
    signed = sign_day_page(engine, desk, shift_matters, clock)
    with pytest.raises(Conflict, match="draft"):
        with write_session(engine) as s:
            from csdesk.store.models import Handover

            draft = Handover(shift_code="day", shift_date=date(2026, 11, 21), from_agent_id=desk["1003"].id,
                             status="draft", written_at=clock())
            s.add(draft)
            s.flush()
            ho.add_remark(s, desk["1003"], draft.id, "x")
    write(engine, ho.add_remark, desk["2001"], signed.id, "主管已阅")
    clock.advance(minutes=3)
    write(engine, ho.add_remark, desk["2001"], signed.id, "补充：业主已回电")
    with pytest.raises(Invalid):
        write(engine, ho.add_remark, desk["2001"], signed.id, "   ")
    page = read(engine, ho.get_page, desk["2001"], signed.id)
    assert [(r.kind, r.text) for r in page.page_remarks] == [("remark", "主管已阅"), ("remark", "补充：业主已回电")]
    write(engine, ho.mark_reviewed, desk["2001"], signed.id)
    with pytest.raises(Conflict, match="Already reviewed"):
        write(engine, ho.mark_reviewed, desk["2001"], signed.id)
    with pytest.raises(Refused):
        write(engine, ho.mark_reviewed, desk["1002"], signed.id)


def test_the_review_by_date_and_shift_the_night_first(engine, desk, shift_matters, clock):
    day_page = sign_day_page(engine, desk, shift_matters, clock)
    clock.set(local(2026, 11, 21, 19, 0))
    take(engine, desk["1003"], category="repair", summary="地下车库积水", phone="13511112222", name="周八",
         building="5", unit="1", room="0302")
    clock.set(local(2026, 11, 21, 22, 50))
    night_page = write(engine, ho.sign_off, desk["1003"])
    sup = desk["2001"]
    with pytest.raises(Refused):
        read(engine, ho.review_list, desk["1001"])
    rows = read(engine, ho.review_list, sup, ho.ReviewQuery(first=date(2026, 11, 1), last=date(2026, 11, 30)))
    assert [r.id for r in rows] == [night_page.id, day_page.id]
    assert rows[1].items == 4 and rows[1].still_open == 3 and rows[1].do_first == 1
    assert [r.id for r in read(engine, ho.review_list, sup, ho.ReviewQuery(shift="day"))] == [day_page.id]
    assert [r.id for r in read(engine, ho.review_list, sup, ho.ReviewQuery(agent_id=desk["1003"].id))] == [
        night_page.id]
    for search, found in (("13511112222", [night_page.id]), ("2222", [night_page.id]), ("3-2-1201", [day_page.id]),
                          ("车库", [night_page.id]), ("孙七", [day_page.id]),
                          (shift_matters["order"].work_order_number, [day_page.id]), ("没有的词", [])):
        got = [r.id for r in read(engine, ho.review_list, sup, ho.ReviewQuery(search=search))]
        assert got == found, search
    pages = read(engine, ho.occurrence, sup, date(2026, 11, 21), "night")
    assert [p.id for p in pages] == [night_page.id]
    with pytest.raises(Invalid):
        read(engine, ho.occurrence, sup, date(2026, 11, 21), "nights")


SMALL_TABLES = {"shift", "agent", "alembic_version"}


def test_the_handover_reads_by_index_only(engine, desk, shift_matters, clock):
    """Every statement the handover runs (compiling, receiving, the review, the tick) is an index
    search on the desk's big tables: EXPLAIN QUERY PLAN shows no SCAN of them."""
    from sqlalchemy import event

    signed = sign_day_page(engine, desk, shift_matters, clock)
    seen: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        clock.set(local(2026, 11, 21, 17, 55))
        read(engine, ho.current_page, desk["1002"])
        read(engine, ho.current_page, desk["1001"])
        read(engine, ho.reminder, desk["1001"])
        read(engine, ho.pending_for, desk["1002"])
        read(engine, ho.get_page, desk["2001"], signed.id)
        for search in ("", "13800138000", "1201", "3-2-1201", "漏水", shift_matters["order"].work_order_number):
            read(engine, ho.review_list, desk["2001"], ho.ReviewQuery(first=date(2026, 11, 1), last=date(2026, 11, 30),
                                                                      shift="day", search=search))
        write(engine, ho.escalate_unacknowledged, at=local(2026, 11, 22, 9, 40))  # the tick's handover step
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert len(seen) > 20
    with engine.connect() as conn:
        for statement, parameters in seen:
            plan = [r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
            scans = [line for line in plan if line.startswith("SCAN ")
                     and line.split()[1] not in SMALL_TABLES and not line.startswith("SCAN CONSTANT")]
            assert not scans, (statement, plan)
