"""The return-visit draw by the technician roster: "new technician" from the roster's hire date,
"technician complained about" from complaints naming the roster's technician (by id, and by name
for complaints recorded before the roster); complaints pick the technician from the roster."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import insert
from sqlmodel import select
from typer.testing import CliRunner

from csdesk.clock import FakeClock, local, set_clock
from csdesk.domain.errors import Invalid
from csdesk.services import complaints as cs
from csdesk.services import visits as svc
from csdesk.store.engine import read_session, write_session
from csdesk.store.models import Complaint, ReturnVisit, Technician
from tests.test_visits import add_orders


@pytest.fixture
def clock():
    c = FakeClock(local(2026, 11, 30, 20, 0))
    set_clock(c)
    yield c
    set_clock(None)


def technician(session, code: str, name: str, hired: date | None) -> int:
    return session.execute(insert(Technician).values(code=code, name=name, department_code="engineering",
                                                     hire_date=hired, active=True, sort=900)
                           .returning(Technician.id)).scalar_one()


def test_new_and_complained_about_technicians_come_from_the_roster(engine, agents, clock):
    # the orders are completed on 2026-11-02 .. (add_orders); the month is drawn with no random share
    clock.set(local(2026, 10, 20, 10, 0))  # the complaints are made before the orders
    with write_session(engine) as s:
        new = technician(s, "T-NEW", "新来的师傅", date(2026, 9, 1))  # 62 days before: new
        edge = technician(s, "T-EDGE", "满三个月的师傅", date(2026, 8, 3))  # 91 days before: not new any more
        old = technician(s, "T-OLD", "老师傅", date(2015, 1, 5))
        blamed = technician(s, "T-BAD", "被投诉的师傅", date(2015, 1, 5))
        named = technician(s, "T-NAMED", "纸上被投诉的师傅", date(2015, 1, 5))
        long_ago = technician(s, "T-LONG", "很久以前被投诉的师傅", date(2015, 1, 5))
        # through the form: the technician picked from the roster by code, so the complaint carries the id
        cid = cs.file_complaint(s, agents["1001"], cs.ComplaintForm(
            customer_name="李先生", about="师傅态度差", about_staff_kind="technician", about_staff="t-bad"))
        # recorded before the roster: a name only
        s.execute(insert(Complaint).values(number="CP-OLD-1", about_staff_kind="technician",
                                           about_staff_name="纸上被投诉的师傅", complained_at=local(2026, 9, 1, 9, 0),
                                           about="rude", status="closed"))
        s.execute(insert(Complaint).values(number="CP-OLD-2", about_staff_kind="technician",
                                           about_staff_name="很久以前被投诉的师傅",
                                           complained_at=local(2026, 3, 1, 9, 0), about="rude", status="closed"))
    with read_session(engine) as s:
        c = s.get(Complaint, cid)
        assert (c.about_technician_id, c.about_staff_name) == (blamed, "被投诉的师傅")
    clock.set(local(2026, 11, 30, 20, 0))
    tech_of = {1: new, 2: edge, 3: old, 4: blamed, 5: named, 6: long_ago}
    with write_session(engine) as s:
        ids = add_orders(s, agents["1001"].id, [{"n": n, "technician": "别人的名字"} for n in tech_of])
        s.connection().exec_driver_sql("UPDATE workorder SET technician_id = CASE id " + " ".join(
            f"WHEN {i} THEN {tech_of[n]}" for n, i in zip(tech_of, ids, strict=True)) + " END")
        info = svc.draw(s, agents["2001"], "2026-11", seed=3, share=0.0)
    with read_session(engine) as s:
        reasons = {v.work_order_id: v.reasons for v in s.exec(select(ReturnVisit))}
    by_n = {n: reasons.get(i) for n, i in zip(tech_of, ids, strict=True)}
    assert by_n == {1: "new_staff", 2: None, 3: None, 4: "complained_staff", 5: "complained_staff", 6: None}
    assert info.kinds == {"complained_staff": 2, "new_staff": 1}


def test_orders_before_the_roster_are_known_by_their_technicians_name(engine, agents, clock):
    with write_session(engine) as s:
        technician(s, "T-X", "老王", date(2026, 10, 1))  # a newcomer of the same name: not this order's technician
        s.execute(insert(Complaint).values(number="CP-N", about_staff_kind="technician", about_staff_name="老张",
                                           complained_at=local(2026, 10, 1, 9, 0), about="x", status="closed"))
        ids = add_orders(s, agents["1001"].id, [{"n": 1, "technician": "老张"}, {"n": 2, "technician": "老王"}])
        svc.draw(s, agents["2001"], "2026-11", seed=3, share=0.0)
    with read_session(engine) as s:
        reasons = {v.work_order_id: v.reasons for v in s.exec(select(ReturnVisit))}
    assert reasons == {ids[0]: "complained_staff"}  # no roster id: no hire date, complaints by name


def test_a_technician_not_on_the_roster_is_refused_and_the_cli_picks_one(engine, agents, db_path, clock,
                                                                          monkeypatch):
    with write_session(engine) as s:
        tid = technician(s, "T-CLI", "李师傅", date(2020, 1, 1))
        with pytest.raises(Invalid) as refused:
            cs.file_complaint(s, agents["1001"], cs.ComplaintForm(
                customer_name="x", about="y", about_staff_kind="technician", about_staff="没有这个人"))
        assert "roster" in refused.value.errors["about_staff"]
        cid = cs.file_complaint(s, agents["1001"], cs.ComplaintForm(customer_name="x", about="y"))
        number = s.get(Complaint, cid).number
    from csdesk.cli import app

    monkeypatch.setenv("CSDESK_PASSWORD", "demo")
    result = CliRunner().invoke(app, ["complaint", "about", number, "T-CLI", "--as", "2001", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert "李师傅" in result.output
    with read_session(engine) as s:
        c = s.get(Complaint, cid)
        assert (c.about_staff_kind, c.about_technician_id) == ("technician", tid)
    result = CliRunner().invoke(app, ["complaint", "about", number, "nobody-here", "--kind", "technician",
                                      "--as", "2001", "--db", str(db_path)])
    assert result.exit_code != 0 and "roster" in result.output
