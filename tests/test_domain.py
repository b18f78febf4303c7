"""The desk's rules as pure functions (csdesk.domain): one home for each rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csdesk.domain import CallbackKind, CallbackResult, EscalationReason, OrderStatus, Outcome, Role, Urgency
from csdesk.domain import rules as r
from csdesk.domain.actor import SYSTEM, Actor
from csdesk.domain.errors import Refused
from csdesk.domain.policy import Act, may, require
from csdesk.domain.shifts import ShiftHours, add_working_time, next_window, previous_window, shift_at, window

TZ = ZoneInfo("Asia/Shanghai")


def at(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


# --------------------------------------------------------------------------- time limits, escalation, routing


def test_deadlines_from_urgency_with_critical_configurable():
    assert r.order_deadline(Urgency.NORMAL) == timedelta(hours=24)
    assert r.order_deadline("urgent") == timedelta(hours=2)
    assert r.order_deadline(Urgency.CRITICAL) == timedelta(hours=1)
    assert r.order_deadline(Urgency.CRITICAL, critical_minutes=30) == timedelta(minutes=30)
    assert r.order_deadline(Urgency.NORMAL, critical_minutes=30) == timedelta(hours=24)


def test_due_soon_at_eighty_percent_and_overdue_past_the_deadline():
    start = at(2026, 11, 29, 9)
    deadline = start + timedelta(hours=10)
    assert r.due_state(start, deadline, start + timedelta(hours=7, minutes=59)) is r.DueState.OK
    assert r.due_state(start, deadline, start + timedelta(hours=8)) is r.DueState.DUE_SOON
    assert r.due_state(start, deadline, deadline) is r.DueState.OVERDUE


@pytest.mark.parametrize("category, urgency, outcome, reason", [
    ("complaint", "normal", Outcome.RESOLVED, EscalationReason.COMPLAINT),
    ("complaint.staff", "critical", None, EscalationReason.COMPLAINT),
    ("repair", "critical", Outcome.WORK_ORDER, EscalationReason.CRITICAL),
    ("repair.water", "urgent", Outcome.WORK_ORDER, EscalationReason.URGENT),
    ("inquiry", "normal", Outcome.ESCALATED, EscalationReason.MANUAL),
    ("inquiry", "normal", Outcome.RESOLVED, None),
])
def test_what_escalates_and_why(category, urgency, outcome, reason):
    assert r.escalation_reason(category, urgency, outcome) is reason


def test_outcomes_follow_the_category_and_complaints_are_never_settled_alone():
    assert r.default_outcome("repair.water") is Outcome.WORK_ORDER
    assert r.default_outcome("complaint") is Outcome.ESCALATED
    assert r.default_outcome("inquiry.fees") is Outcome.RESOLVED
    assert r.settle_outcome("complaint", Outcome.RESOLVED) is Outcome.ESCALATED
    assert r.settle_outcome("complaint", Outcome.WORK_ORDER) is Outcome.WORK_ORDER
    assert r.settle_outcome("inquiry", None) is Outcome.RESOLVED
    assert r.needs_written_reason("inquiry", "normal", Outcome.ESCALATED)
    assert not r.needs_written_reason("inquiry", "urgent", Outcome.ESCALATED)


def test_routing_prefers_the_sub_type():
    routing = {"repair": "engineering", "repair.it": "it", "inquiry": None}
    assert r.default_department(routing, "repair.it") == "it"
    assert r.default_department(routing, "repair.water") == "engineering"
    assert r.default_department(routing, "inquiry") == ""


def test_refused_is_a_return_visit_answer_only():
    assert CallbackResult.REFUSED in r.callback_result_choices(CallbackKind.RETURN_VISIT)
    assert CallbackResult.REFUSED not in r.callback_result_choices(CallbackKind.PROMISED_REPLY)
    assert CallbackResult.REFUSED not in r.callback_result_choices(None)


def test_low_scores_are_one_to_three():
    assert [s for s in range(0, 7) if r.needs_low_score_callback(s)] == [1, 2, 3]
    assert not r.needs_low_score_callback(None)


# --------------------------------------------------------------------------- lifecycle


def test_every_legal_and_illegal_move():
    legal = {(a, b) for a in OrderStatus for b in OrderStatus if r.can_move(a, b)}
    assert (OrderStatus.OPEN, OrderStatus.DISPATCHED) in legal
    assert (OrderStatus.DONE, OrderStatus.CLOSED) in legal
    assert (OrderStatus.ON_HOLD, OrderStatus.IN_PROGRESS) in legal
    assert not any(a in (OrderStatus.CLOSED, OrderStatus.CANCELLED) for a, _b in legal)
    assert (OrderStatus.OPEN, OrderStatus.DONE) not in legal
    assert (OrderStatus.OPEN, OrderStatus.CLOSED) not in legal
    assert r.next_statuses(OrderStatus.DONE) == (OrderStatus.CLOSED,)  # no reopening: a second, linked order
    assert r.next_statuses(OrderStatus.OPEN) == (OrderStatus.DISPATCHED, OrderStatus.ON_HOLD, OrderStatus.CANCELLED)


def test_time_on_hold_moves_the_deadline():
    deadline = at(2026, 11, 29, 12)
    assert r.resumed_deadline(deadline, at(2026, 11, 29, 10), at(2026, 11, 29, 13, 30)) == at(2026, 11, 29, 15, 30)
    assert r.resumed_deadline(deadline, at(2026, 11, 29, 10), at(2026, 11, 29, 9)) == deadline


def test_the_five_minute_rule():
    received = at(2026, 11, 29, 9)
    assert not r.dispatch_late(received, received + timedelta(minutes=5), received + timedelta(hours=1))
    assert r.dispatch_late(received, None, received + timedelta(minutes=6))


# --------------------------------------------------------------------------- return visits


def order(i, **kw):
    return r.CompletedOrder(i, kw.pop("completed_at", at(2026, 11, 10, 15)), **kw)


def test_the_four_mandatory_kinds():
    done = at(2026, 11, 10, 15)
    assert r.mandatory_visit_reasons(order(1, has_complaint=True)) == (r.VisitReason.COMPLAINT,)
    assert r.mandatory_visit_reasons(order(2, paid=True)) == (r.VisitReason.PAID,)
    assert r.mandatory_visit_reasons(order(3, technician_hired=date(2026, 9, 1))) == (r.VisitReason.NEW_STAFF,)
    assert r.mandatory_visit_reasons(order(4, technician_hired=date(2026, 1, 1))) == ()
    complained = (done - timedelta(days=100),)
    assert r.mandatory_visit_reasons(order(5, technician_complained_at=complained)) == (
        r.VisitReason.COMPLAINED_STAFF,)
    stale = (done - timedelta(days=200),)
    assert r.mandatory_visit_reasons(order(6, technician_complained_at=stale)) == ()
    # many complaints (ascending): one inside the six months counts, those before and after do not
    many = (done - timedelta(days=300), done - timedelta(days=190), done - timedelta(days=30), done + timedelta(days=5))
    assert r.mandatory_visit_reasons(order(7, technician_complained_at=many)) == (r.VisitReason.COMPLAINED_STAFF,)
    only_later = (done - timedelta(days=300), done + timedelta(days=1))
    assert r.mandatory_visit_reasons(order(8, technician_complained_at=only_later)) == ()


orders_strategy = st.lists(st.builds(
    lambda i, c, p, new, refused: order(i, has_complaint=c, paid=p,
                                        technician_hired=date(2026, 10, 1) if new else date(2020, 1, 1),
                                        refused=refused),
    st.integers(1, 10_000), st.booleans(), st.booleans(), st.booleans(), st.booleans()),
    max_size=80, unique_by=lambda o: o.id)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(orders_strategy, st.integers(0, 2**32))
def test_the_draw_takes_every_mandatory_order_and_thirty_percent_of_the_rest(orders, seed):
    drawn = r.draw_visits(orders, seed)
    eligible = [o for o in orders if not o.refused]
    mandatory = {o.id for o in eligible if r.mandatory_visit_reasons(o)}
    rest = [o.id for o in eligible if o.id not in mandatory]
    assert mandatory <= set(drawn)
    assert not any(o.refused and o.id in drawn for o in orders)
    sampled = [i for i, why in drawn.items() if why == (r.VisitReason.SAMPLE,)]
    assert set(sampled) <= set(rest)
    assert len(sampled) == r.sample_size(len(rest))
    assert abs(len(sampled) - 0.3 * len(rest)) <= 0.5
    assert r.draw_visits(list(reversed(orders)), seed) == drawn  # same seed, same draw


# --------------------------------------------------------------------------- shifts

DAY = ShiftHours.of("day", "09:00", "18:00")
NIGHT = ShiftHours.of("night", "18:00", "23:00")
REGULAR = ShiftHours.of("regular", "09:00", "18:00")
LATE = ShiftHours.of("late", "22:00", "06:00")


def test_which_shift_a_moment_falls_in_including_across_midnight():
    shifts = [DAY, NIGHT, REGULAR]
    assert shift_at(shifts, at(2026, 11, 29, 9), TZ).shift is DAY
    assert shift_at(shifts, at(2026, 11, 29, 17, 59), TZ).shift is DAY
    assert shift_at(shifts, at(2026, 11, 29, 18), TZ).shift is NIGHT
    assert shift_at(shifts, at(2026, 11, 29, 23, 30), TZ) is None
    assert shift_at(shifts, at(2026, 11, 29, 10), TZ, prefer="regular").shift is REGULAR
    w = shift_at([DAY, LATE], at(2026, 11, 30, 2), TZ)
    assert w.shift is LATE and w.day == date(2026, 11, 29) and w.end == at(2026, 11, 30, 6)


def test_reminder_thirty_minutes_before_the_end_and_the_next_shift():
    night = window(NIGHT, date(2026, 11, 29), TZ)
    assert night.reminder_at() == at(2026, 11, 29, 22, 30)
    following = next_window([DAY, NIGHT, REGULAR], night, TZ)
    assert following.shift is DAY and following.start == at(2026, 11, 30, 9)
    day = window(DAY, date(2026, 11, 29), TZ)
    assert next_window([DAY, NIGHT, REGULAR], day, TZ).shift is NIGHT
    assert previous_window([DAY, NIGHT, REGULAR], day, TZ).start == at(2026, 11, 28, 18)
    late = window(LATE, date(2026, 11, 29), TZ)
    assert late.reminder_at() == at(2026, 11, 30, 5, 30)


def test_half_a_working_day_counts_working_hours_only():
    half = timedelta(hours=4, minutes=30)
    # Friday 17:30 -> Monday 13:00 (the weekend does not count)
    assert add_working_time(at(2026, 11, 27, 17, 30), half, REGULAR, TZ) == at(2026, 11, 30, 13, 0)
    # Wednesday 17:30 -> Thursday 13:00 (the handbook's example)
    assert add_working_time(at(2026, 11, 25, 17, 30), half, REGULAR, TZ) == at(2026, 11, 26, 13, 0)
    # at night: counted from 09:00
    assert add_working_time(at(2026, 11, 25, 22, 0), half, REGULAR, TZ) == at(2026, 11, 26, 13, 30)
    # in the morning
    assert add_working_time(at(2026, 11, 25, 10, 0), half, REGULAR, TZ) == at(2026, 11, 25, 14, 30)
    assert add_working_time(at(2026, 11, 25, 10, 0).astimezone(UTC), half, REGULAR, TZ) == at(2026, 11, 25, 14, 30)


# --------------------------------------------------------------------------- policy


def actor(role, i=1, active=True):
    return Actor(i, str(1000 + i), role, "x", active)


def test_who_may_do_what():
    agent, sup, mgr = actor(Role.AGENT, 1), actor(Role.SUPERVISOR, 2), actor(Role.MANAGER, 3)
    assert may(agent, Act.RECORD) and may(agent, Act.HANDLE_OWN, owner_id=1)
    assert not may(agent, Act.HANDLE_OWN, owner_id=2) and may(sup, Act.HANDLE_OWN, owner_id=1)
    assert may(agent, Act.HANDLE_OWN, owner_id=None)  # a pool is anyone's
    for act in (Act.REASSIGN, Act.CHANGE_DEADLINE, Act.ACK_ESCALATION, Act.WORK_COMPLAINT, Act.REVIEW_HANDOVER,
                Act.SEE_FULL_PHONE):
        assert not may(agent, act) and may(sup, act) and may(mgr, act)
    for act in (Act.MANAGE_ACCOUNTS, Act.MANAGE_REFERENCE, Act.UNLOCK_ACCOUNT):
        assert not may(agent, act) and not may(sup, act) and may(mgr, act)
    assert not may(actor(Role.MANAGER, 4, active=False), Act.RECORD)
    assert not may(None, Act.RECORD)
    with pytest.raises(Refused, match="may not see full phone numbers"):
        require(agent, Act.SEE_FULL_PHONE)
    with pytest.raises(Refused, match="another agent"):
        require(agent, Act.HANDLE_OWN, owner_id=9)
    assert SYSTEM.is_system and may(SYSTEM, Act.ACK_ESCALATION)
