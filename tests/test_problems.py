"""The problem log (问题登记本) and the service tally (服务统计本): quick entry, the week per agent."""

from __future__ import annotations

from datetime import date

import pytest

from csdesk.clock import FakeClock, local, set_clock
from csdesk.domain import Role
from csdesk.domain.actor import Actor
from csdesk.domain.errors import Invalid, NotFound, Refused
from csdesk.services import problems
from csdesk.services.intake import IntakeForm, record_contact
from csdesk.store.engine import read_session, write_session


@pytest.fixture
def clock():
    c = FakeClock(local(2026, 11, 17, 10, 0))  # Tuesday
    set_clock(c)
    yield c
    set_clock(None)


def test_entries_and_the_weekly_summary(engine, agents, clock):
    a, sup = agents["1001"], agents["2001"]
    with write_session(engine) as s:
        problems.add_entry(s, a, "problem", "3栋门禁卡经常失灵，业主反映多次")
        problems.add_entry(s, a, "建议", "停车缴费可以加微信支付")
        problems.add_entry(s, sup, "problem", "夜班人手不足")
        with pytest.raises(Invalid):
            problems.add_entry(s, a, "problem", "   ")
        with pytest.raises(Invalid):
            problems.add_entry(s, a, "complaint", "x")
    numbers = []
    for phone, name in (("13800138000", "张三"), ("13800138000", "张三"), ("13900139000", "李四")):
        with write_session(engine) as s:
            numbers.append(record_contact(s, IntakeForm(phone=phone, name=name, category="inquiry",
                                                        summary="咨询车位租售"), a).number)
    with write_session(engine) as s:
        problems.mark_converted(s, a, numbers[2].lower())
        with pytest.raises(NotFound):
            problems.mark_converted(s, a, "CT20261117-9999")
        with pytest.raises(Refused):
            problems.mark_converted(s, Actor(99, "1099", Role.AGENT), numbers[0])
    clock.set(local(2026, 11, 24, 9, 0))  # next Monday: last week's entries are not this week's
    with write_session(engine) as s:
        problems.add_entry(s, a, "idea", "下周的想法")
    with read_session(engine) as s:
        mine = problems.weekly_summary(s, a, date(2026, 11, 19))
        everyone = problems.weekly_summary(s, sup, date(2026, 11, 19))
    assert (mine.first, mine.last) == (date(2026, 11, 16), date(2026, 11, 22))
    assert [(w.staff_no, w.problems, w.ideas, w.contacts, w.customers, w.converted) for w in mine.agents] == [
        ("1001", 1, 1, 3, 2, 1)]
    assert [e.kind for e in mine.entries] == ["problem", "idea"]
    assert [w.staff_no for w in everyone.agents] == ["1001", "2001"] and len(everyone.entries) == 3
