"""Work orders in the service layer: numbers, deadlines, every move checked and recorded,
hold pausing the deadline, completion and the low-score call-back, overdue escalation once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from csdesk.clock import FakeClock, local, set_clock
from csdesk.domain import OrderStatus, Urgency
from csdesk.domain.errors import Conflict, Invalid, Refused
from csdesk.services import orders as svc
from csdesk.services.tick import run_tick
from csdesk.store.engine import read_session, write_session
from csdesk.store.models import Callback, Escalation, WorkOrder, WorkOrderEvent

T0 = local(2026, 11, 23, 9, 0)  # a Monday morning


@pytest.fixture
def clock():
    c = FakeClock(T0)
    set_clock(c)
    yield c
    set_clock(None)


def open_one(engine, agent, urgency=Urgency.NORMAL, **kw):
    with write_session(engine) as s:
        return svc.open_order(s, agent, svc.OrderSpec(description="厨房水管漏水", urgency=urgency,
                                                      customer_name="张三", **kw))


def move(engine, agent, order_id, target, reason=""):
    with write_session(engine) as s:
        return svc.move(s, agent, order_id, target, reason=reason)


def events(engine, order_id):
    with read_session(engine) as s:
        return list(s.exec(select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == order_id)
                           .order_by(WorkOrderEvent.id)))


def test_opening_numbers_the_order_and_sets_the_deadline_from_urgency(engine, agents, clock):
    normal = open_one(engine, agents["1001"])
    urgent = open_one(engine, agents["1001"], Urgency.URGENT)
    with write_session(engine) as s:
        critical = svc.open_order(s, agents["1001"], svc.OrderSpec(description="电梯困人", urgency=Urgency.CRITICAL),
                                  critical_minutes=30)
    assert normal.number == "WO20261123-0001" and urgent.number == "WO20261123-0002"
    assert normal.deadline_at - normal.created_at == timedelta(hours=24)
    assert urgent.deadline_at - urgent.created_at == timedelta(hours=2)
    assert critical.deadline_at - critical.created_at == timedelta(minutes=30)
    first = events(engine, normal.id)
    assert [(e.to_status, e.staff_no) for e in first] == [("open", "1001")]
    # the time limit runs from the call, not from the moment the form was saved
    with write_session(engine) as s:
        late = svc.open_order(s, agents["1001"], svc.OrderSpec(description="厨房下水慢", urgency=Urgency.URGENT,
                                                               received_at=clock() - timedelta(minutes=7)))
    assert late.deadline_at == clock() - timedelta(minutes=7) + timedelta(hours=2)
    with pytest.raises(Invalid), write_session(engine) as s:
        svc.open_order(s, agents["1001"], svc.OrderSpec(description="  "))


def test_every_move_is_checked_and_kept_with_who_and_when(engine, agents, clock):
    order = open_one(engine, agents["1001"])
    with pytest.raises(Conflict, match="cannot be moved"):
        move(engine, agents["1001"], order.id, OrderStatus.CLOSED)
    with pytest.raises(Invalid):
        move(engine, agents["1001"], order.id, OrderStatus.CANCELLED)  # a reason is required
    with pytest.raises(Conflict):
        move(engine, agents["1001"], order.id, OrderStatus.DONE)  # not from new
    clock.advance(minutes=3)
    moved = move(engine, agents["1001"], order.id, OrderStatus.DISPATCHED)
    assert moved.status is OrderStatus.DISPATCHED and moved.dispatched_at == clock.at
    clock.advance(minutes=30)
    move(engine, agents["1001"], order.id, OrderStatus.IN_PROGRESS)
    with pytest.raises(Invalid, match="satisfaction"):
        move(engine, agents["1001"], order.id, OrderStatus.DONE)  # completion has its own record
    # another agent may not move it; a supervisor may
    with write_session(engine) as s:
        from csdesk.services.accounts import add_agent

        other = add_agent(s, agents["9001"], "1002", "李娜", "secret-pw")
    with pytest.raises(Refused):
        move(engine, other, order.id, OrderStatus.ON_HOLD, "等配件")
    move(engine, agents["2001"], order.id, OrderStatus.ON_HOLD, "等配件")
    kept = events(engine, order.id)
    assert [(e.from_status, e.to_status, e.staff_no) for e in kept] == [
        ("", "open", "1001"), ("open", "dispatched", "1001"), ("dispatched", "in_progress", "1001"),
        ("in_progress", "on_hold", "2001")]
    assert kept[1].at == T0 + timedelta(minutes=3) and kept[3].note == "等配件"
    with pytest.raises(Invalid):
        move(engine, agents["1001"], order.id, OrderStatus.CANCELLED, "x" * 201)  # too long: refused whole
    assert events(engine, order.id)[-1].to_status == "on_hold"


def test_time_on_hold_does_not_count_against_the_deadline(engine, agents, clock):
    order = open_one(engine, agents["1001"], Urgency.URGENT)
    move(engine, agents["1001"], order.id, OrderStatus.DISPATCHED)
    clock.advance(minutes=30)
    move(engine, agents["1001"], order.id, OrderStatus.ON_HOLD, "等业主回家")
    clock.advance(hours=3)  # past the original deadline while held: no escalation
    with write_session(engine) as s:
        assert run_tick(s).overdue_orders == ()
    resumed = move(engine, agents["1001"], order.id, OrderStatus.IN_PROGRESS)
    assert resumed.deadline_at == order.deadline_at + timedelta(hours=3)
    note = [e for e in events(engine, order.id) if e.kind == "deadline"][0]
    assert "180 min" in note.note and json.loads(note.changes)["deadline_at"][1] == resumed.deadline_at.isoformat()


def test_completion_needs_satisfaction_and_a_low_score_calls_back_the_first_owner(engine, agents, clock):
    order = open_one(engine, agents["1001"])
    move(engine, agents["1001"], order.id, OrderStatus.DISPATCHED)
    with pytest.raises(Invalid) as bad, write_session(engine) as s:
        svc.complete(s, agents["1001"], order.id, svc.Completion(None, result="修好了"))
    assert "satisfaction" in bad.value.errors
    clock.advance(hours=2)
    with write_session(engine) as s:  # the supervisor records it: the call-back is still the first owner's
        done = svc.complete(s, agents["2001"], order.id, svc.Completion(
            2, result="更换阀门", materials="阀门 1 个", fee_charged_fen=3000, signed=True, opinion="等太久"))
    assert done.status is OrderStatus.DONE and done.low_score_callback_id is not None
    with read_session(engine) as s:
        cb = s.get(Callback, done.low_score_callback_id)
        row = s.get(WorkOrder, order.id)
    assert cb.kind == "low_score" and cb.agent_id == agents["1001"].id and cb.due_at == clock.at + timedelta(hours=2)
    assert (row.fee_charged_fen, row.signed, row.customer_opinion) == (3000, True, "等太久")
    with write_session(engine) as s:
        happy = svc.open_order(s, agents["1001"], svc.OrderSpec(description="换灯泡"))
        svc.move(s, agents["1001"], happy.id, OrderStatus.DISPATCHED)
        assert svc.complete(s, agents["1001"], happy.id, svc.Completion(5, result="ok")).low_score_callback_id is None


def test_overdue_orders_escalate_once_whichever_console_runs_the_tick(engine, agents, clock, db_path):
    order = open_one(engine, agents["1001"], Urgency.URGENT)
    clock.advance(hours=1, minutes=59)
    with write_session(engine) as s:
        assert run_tick(s).overdue_orders == ()
    clock.advance(minutes=12)
    with write_session(engine) as s:
        assert run_tick(s).overdue_orders == (order.id,)
    with write_session(engine) as s:
        assert run_tick(s).overdue_orders == ()
    runner = CliRunner()
    from csdesk.cli import app

    later = (clock.at + timedelta(hours=1)).isoformat()
    result = runner.invoke(app, ["tick", "--db", str(db_path), "--at", later])
    assert result.exit_code == 0 and "0" in result.output
    with read_session(engine) as s:
        escalations = list(s.exec(select(Escalation)))
    assert len(escalations) == 1 and escalations[0].reason == "overdue" and escalations[0].work_order_id == order.id
    assert "overdue by 11 min" in escalations[0].summary and escalations[0].created_by_id is None
