"""Return visits through the service: the month's draw (a property test), orders added after it,
the queue on the due day, each outcome, the refused-visit list (intake card, lifting), coverage."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, update
from sqlmodel import select
from typer.testing import CliRunner

from csdesk.clock import FakeClock, local, set_clock
from csdesk.domain.errors import Conflict, Invalid, Refused
from csdesk.domain.rules import sample_size
from csdesk.services import complaints as cs
from csdesk.services import intake
from csdesk.services import visits as svc
from csdesk.services.callbacks import my_queue
from csdesk.services.tick import run_tick
from csdesk.store.engine import read_session, write_session
from csdesk.store.models import Complaint, Customer, CustomerPhone, RefusedVisit, ReturnVisit, WorkOrder


@pytest.fixture
def clock():
    c = FakeClock(local(2026, 11, 30, 20, 0))
    set_clock(c)
    yield c
    set_clock(None)


def add_orders(session, owner_id: int, specs: list[dict], *, start=None) -> list[int]:
    """Completed repair orders in November, each with its own customer (and unit, and phone)."""
    start = start or local(2026, 11, 2, 10, 0)
    ids = []
    for i, spec in enumerate(specs):
        customer = session.execute(insert(Customer).values(code=f"C{spec['n']:09d}", name=f"客户{spec['n']}",
                                                           unit_key=f"1-1-{spec['n']}", created_at=start)
                                   .returning(Customer.id)).scalar_one()
        phone = f"139{spec['n']:08d}"
        session.execute(insert(CustomerPhone).values(customer_id=customer, phone=phone))
        done = start + timedelta(hours=i)
        order = session.execute(insert(WorkOrder).values(
            number=f"WO20261102-{spec['n']:05d}", customer_id=customer, customer_name=f"客户{spec['n']}",
            phone=phone, unit_key=f"1-1-{spec['n']}", description="漏水", category=spec.get("category", "repair"),
            deadline_at=done, owner_id=owner_id, created_by_id=owner_id, created_at=done - timedelta(hours=2),
            completed_at=done, status=spec.get("status", "done"), paid=spec.get("paid", False),
            completed_by=spec.get("technician", "师傅甲"), satisfaction=5, result="修好了").returning(WorkOrder.id)
        ).scalar_one()
        if spec.get("complaint"):
            session.execute(insert(Complaint).values(number=f"CP-{spec['n']}", work_order_id=order,
                                                     complained_at=done, about="x", status="closed"))
        if spec.get("refused"):
            how = spec["refused"]
            session.execute(insert(RefusedVisit).values(
                customer_id=customer if how == "customer" else None, unit_key=f"1-1-{spec['n']}" if how == "unit"
                else "", phone=phone if how == "phone" else "", reason="no calls", recorded_at=start))
        ids.append(order)
    return ids


def complained_technician(session, name: str, at) -> None:
    session.execute(insert(Complaint).values(number=f"CP-T-{name}", about_staff_kind="technician",
                                             about_staff_name=name, complained_at=at, about="rude", status="closed"))


class Rollback(Exception):
    pass


order_spec = st.fixed_dictionaries({
    "paid": st.booleans(), "complaint": st.booleans(),
    "technician": st.sampled_from(["师傅甲", "师傅乙", "被投诉的师傅"]),
    "refused": st.sampled_from([None, None, None, "customer", "unit", "phone"]),
    "category": st.sampled_from(["repair", "repair", "repair.water", "inquiry"]),
    "status": st.sampled_from(["done", "done", "closed", "in_progress"]),
})


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(specs=st.lists(order_spec, max_size=40), seed=st.integers(0, 2**31 - 1))
def test_the_draw_through_the_service(engine, agents, specs, seed):
    """For any month of orders: every order of the four kinds is picked, 30 % of the rest (rounded),
    the same seed gives the same draw, and no customer on the refused-visit list is picked."""
    specs = [{**s, "n": i + 1} for i, s in enumerate(specs)]
    at = local(2026, 11, 30, 20, 0)
    draws = []
    for _attempt in range(2):
        with pytest.raises(Rollback), write_session(engine) as session:
            complained_technician(session, "被投诉的师傅", local(2026, 8, 1))
            ids = add_orders(session, agents["1001"].id, specs)
            info = svc.draw(session, agents["2001"], "2026-11", seed=seed, at=at)
            picked = {r.work_order_id: set(r.reasons.split(",")) for r in session.exec(select(ReturnVisit))}
            draws.append((info, picked))
            raise Rollback  # nothing kept: the next example starts from the same database
    (info, picked), (_again, picked_again) = draws
    assert picked == picked_again  # the same seed, the same draw
    in_month = [(i, s) for i, s in zip(ids, specs, strict=True)
                if s["status"] in ("done", "closed") and s["category"].startswith("repair")]
    eligible = [(i, s) for i, s in in_month if not s["refused"]]
    kinds = {i: {k for k, on in (("paid", s["paid"]), ("complaint", s["complaint"]),
                                 ("complained_staff", s["technician"] == "被投诉的师傅")) if on}
             for i, s in eligible}
    assert not any(i in picked for i, s in in_month if s["refused"])
    assert not any(i in picked for i, s in zip(ids, specs, strict=True) if (i, s) not in in_month)
    for i, expected in kinds.items():
        if expected:
            assert picked.get(i) == expected, (i, expected, picked.get(i))
    rest = [i for i, k in kinds.items() if not k]
    sampled = [i for i in rest if i in picked]
    assert all(picked[i] == {"sample"} for i in sampled)
    assert len(sampled) == sample_size(len(rest)) == info.sampled and info.rest == len(rest)
    assert info.population == len(in_month) and info.picked == len(picked)


def test_a_month_is_drawn_once_and_orders_completed_later_join_it(engine, agents, clock):
    clock.set(local(2026, 11, 10, 12, 0))
    with write_session(engine) as s:
        add_orders(s, agents["1001"].id, [{"n": i, "paid": i % 4 == 0} for i in range(1, 11)])
        first = svc.draw(s, agents["2001"], "2026-11", seed=5)
    with write_session(engine) as s, pytest.raises(Refused):
        svc.draw(s, agents["1001"], "2026-12")
    with write_session(engine) as s, pytest.raises(Conflict, match="2026-11 was drawn on 2026-11-10 12:00 by 2001"):
        svc.draw(s, agents["2001"], "2026-11")
    assert (first.population, first.rest, first.sampled) == (10, 8, 2)
    clock.set(local(2026, 11, 20, 12, 0))
    with write_session(engine) as s:
        add_orders(s, agents["1001"].id, [{"n": 100 + i, "paid": i == 0} for i in range(5)],
                   start=local(2026, 11, 15, 9, 0))
        result = run_tick(s)
    assert result.visits_added >= 1
    with read_session(engine) as s:
        d = svc.get_draw(s, "2026-11")
        late = s.exec(select(ReturnVisit).where(ReturnVisit.late)).all()
    assert d.population == 15 and d.rest == 12 and d.sampled == sample_size(12) and d.top_ups == 2
    assert any("paid" in v.reasons for v in late)  # the four kinds are never missed
    with write_session(engine) as s:
        assert run_tick(s).visits_added == 0  # nothing new: nothing added


def test_a_complaint_about_an_order_of_a_drawn_month_adds_its_visit(engine, agents, clock):
    with write_session(engine) as s:
        ids = add_orders(s, agents["1001"].id, [{"n": i} for i in range(1, 4)])
        svc.draw(s, agents["2001"], "2026-11", seed=1)  # 3 orders: 1 at random
    with read_session(engine) as s:
        missing = next(i for i in ids if s.exec(select(ReturnVisit).where(ReturnVisit.work_order_id == i)).first()
                       is None)
        number = s.get(WorkOrder, missing).number
    with write_session(engine) as s:
        cs.file_complaint(s, agents["2001"], cs.ComplaintForm(customer_name="x", about="还在漏", order_ref=number))
    with read_session(engine) as s:
        visit = s.exec(select(ReturnVisit).where(ReturnVisit.work_order_id == missing)).one()
    assert visit.reasons == "complaint" and visit.late


def test_visits_enter_the_owners_queue_on_their_day_and_each_outcome(engine, agents, clock):
    clock.set(local(2026, 11, 2, 20, 0))
    agent = agents["1001"]
    with write_session(engine) as s:
        add_orders(s, agent.id, [{"n": i, "paid": True} for i in range(1, 6)])
        svc.draw(s, agents["2001"], "2026-11", seed=3)
        assert run_tick(s).visits_queued == 0  # due tomorrow, not today
    clock.set(local(2026, 11, 3, 9, 0))
    with write_session(engine) as s:
        assert run_tick(s).visits_queued == 5
    with read_session(engine) as s:
        queue = [i for i in my_queue(s, agent) if i.callback_kind == "return_visit"]
        visits = svc.list_visits(s, agent, "mine")
    assert len(queue) == 5 and "paid service" in queue[0].note
    satisfied, problem, busy, refused, complaint = (v.id for v in visits)
    with write_session(engine) as s:
        svc.record_outcome(s, agent, satisfied, "satisfied")
        svc.record_outcome(s, agent, problem, "problem", note="热水器又坏了", follow_up="order")
        svc.record_outcome(s, agent, busy, "busy")
        svc.record_outcome(s, agent, refused, "refused", note="不希望再被打扰")
        svc.record_outcome(s, agent, complaint, "problem", note="师傅态度差", follow_up="complaint")
    with read_session(engine) as s:
        rows = {v.id: v for v in svc.list_visits(s, agent, "all")}
        orders = {v.id: s.get(WorkOrder, v.work_order_id) for v in rows.values()}
        got = {k: svc.get_visit(s, k, agent) for k in rows}
    assert rows[satisfied].status == "satisfied" and orders[satisfied].status == "closed"
    assert rows[problem].status == "problem" and got[problem].new_order_number.startswith("WO20261103")
    assert got[problem].contact_number and orders[problem].status == "closed"
    assert rows[busy].status == "retry" and orders[busy].status == "done" and got[busy].callback_id
    assert rows[refused].status == "refused"
    assert rows[complaint].status == "problem" and "complaint CP" in rows[complaint].note
    with read_session(engine) as s:
        filed = s.exec(select(Complaint).where(Complaint.work_order_id == orders[complaint].id)).one()
    assert filed.source == "return_visit"
    clock.advance(hours=1)
    with write_session(engine) as s:  # busy again: closed as not reached
        svc.record_outcome(s, agent, busy, "busy")
    with read_session(engine) as s:
        assert svc.get_visit(s, busy, agent).status == "unreached"
        c = svc.coverage(s, "2026-11")
    assert (c.drawn, c.done, c.satisfied, c.problem, c.refused, c.unreached, c.open) == (5, 3, 1, 2, 1, 1, 0)
    paid = next(k for k in c.kinds if k.reason == "paid")
    assert paid.covered and (paid.orders, paid.drawn, paid.finished, paid.reached) == (5, 5, 5, 3)
    with write_session(engine) as s, pytest.raises(Conflict):
        svc.record_outcome(s, agent, satisfied, "busy")
    with write_session(engine) as s, pytest.raises(Refused):
        svc.assign(s, agent, [busy], "2001")  # giving visits to others is a supervisor's act


def test_the_refused_list_reaches_intake_is_never_drawn_and_a_supervisor_lifts_it(engine, agents, clock):
    clock.set(local(2026, 11, 3, 9, 0))
    agent = agents["1001"]
    with write_session(engine) as s:
        add_orders(s, agent.id, [{"n": 1, "paid": True}], start=local(2026, 11, 2, 10))
        svc.draw(s, agents["2001"], "2026-11", seed=3)
        run_tick(s)
    with read_session(engine) as s:
        visit = svc.list_visits(s, agent, "mine")[0]
    with write_session(engine) as s:
        svc.record_outcome(s, agent, visit.id, "refused", note="不要再打电话")
    with read_session(engine) as s:
        card = intake.customer_card(s, visit.customer_id)
        entry = svc.refused_list(s, agent)[0]
    assert card.refused_visit and card.refused_reason == "不要再打电话"
    assert entry.customer_name == "客户1" and entry.phone == "139****0001" and entry.recorded_by == "1001"
    # never drawn again: the next month's paid order of the same customer is not picked
    clock.set(local(2026, 12, 5, 9, 0))
    with write_session(engine) as s:
        order = s.get(WorkOrder, visit.work_order_id)
        s.add(WorkOrder(number="WO20261202-0001", customer_id=visit.customer_id, customer_name="客户1",
                        description="x", deadline_at=clock(), owner_id=agent.id, created_by_id=agent.id,
                        created_at=local(2026, 12, 2, 9), completed_at=local(2026, 12, 2, 10), status="done",
                        paid=True, unit_key=order.unit_key, phone=order.phone))
        s.flush()
        december = svc.draw(s, agents["2001"], "2026-12", seed=1)
    assert (december.population, december.picked) == (1, 0)
    with write_session(engine) as s, pytest.raises(Refused):
        svc.lift(s, agent, entry.id, "customer asked to be called")
    with write_session(engine) as s, pytest.raises(Invalid):
        svc.lift(s, agents["2001"], entry.id, "  ")
    with write_session(engine) as s:
        lifted = svc.lift(s, agents["2001"], entry.id, "客户同意回访")
    assert not lifted.active and lifted.lifted_by == "2001" and lifted.lift_reason == "客户同意回访"
    with read_session(engine) as s:
        assert not intake.customer_card(s, visit.customer_id).refused_visit
        assert svc.refused_list(s, agent) == [] and len(svc.refused_list(s, agent, include_lifted=True)) == 1
    with write_session(engine) as s, pytest.raises(Conflict):
        svc.lift(s, agents["2001"], entry.id, "again")


def test_the_cli_draws_lists_and_reports_coverage(engine, agents, db_path, monkeypatch, clock):
    from csdesk.cli import app

    with write_session(engine) as s:
        add_orders(s, agents["1001"].id, [{"n": i, "paid": i == 1} for i in range(1, 8)])
    monkeypatch.setenv("CSDESK_PASSWORD", "demo")
    runner = CliRunner()

    def run(*args, who="2001"):
        return runner.invoke(app, ["visits", *args, "--db", str(db_path), "--as", who])

    agent = run("draw", "--month", "2026-11", who="1001")
    assert agent.exit_code == 2 and agent.output.startswith("csdesk: ") and "may not draw" in agent.output
    drawn = run("draw", "--month", "2026-11", "--seed", "9")
    assert drawn.exit_code == 0 and "7 completed repair orders" in drawn.output and "seed 9" in drawn.output
    again = run("draw", "--month", "2026-11")
    assert again.exit_code == 2 and "was drawn on" in again.output
    assert run("draw", "--month", "2026-13").exit_code == 2
    listing = run("list", "--month", "2026-11", "--view", "all", "--format", "csv")
    assert listing.exit_code == 0 and listing.output.splitlines()[0].startswith("order,customer")
    assert "paid service" in listing.output
    cover = run("coverage", "--month", "2026-11", "--format", "json")
    assert cover.exit_code == 0 and "Visits drawn" in cover.output and "paid service" in cover.output


def test_the_visit_retry_rule_later_the_same_day_or_the_next_morning():
    from datetime import time

    from csdesk.domain.rules import visit_retry_at

    opens, closes = time(9), time(18)
    assert visit_retry_at(local(2026, 11, 3, 10, 0), opens, closes) == local(2026, 11, 3, 11, 0)
    assert visit_retry_at(local(2026, 11, 3, 17, 0), opens, closes) == local(2026, 11, 3, 18, 0)
    assert visit_retry_at(local(2026, 11, 3, 17, 30), opens, closes) == local(2026, 11, 4, 9, 0)
    assert visit_retry_at(local(2026, 11, 3, 23, 30), opens, closes) == local(2026, 11, 4, 9, 0)
    assert visit_retry_at(local(2026, 11, 3, 7, 0), opens, closes) == local(2026, 11, 3, 9, 0)


def test_a_busy_visit_stays_open_with_its_retry_and_the_register_says_what_happened(engine, agents, clock, db_path,
                                                                                     monkeypatch):
    from csdesk.cli import app
    from csdesk.store.models import Callback, Contact

    clock.set(local(2026, 11, 2, 20, 0))
    agent = agents["1001"]
    with write_session(engine) as s:
        add_orders(s, agent.id, [{"n": i, "paid": True} for i in range(31, 34)])
        svc.draw(s, agents["2001"], "2026-11", seed=5)
    clock.set(local(2026, 11, 3, 17, 30))  # busy half an hour before the regular shift ends: tomorrow morning
    with write_session(engine) as s:
        busy, refused, satisfied = (v.id for v in svc.list_visits(s, agent, "mine"))
        row = svc.record_outcome(s, agent, busy, "busy")
        svc.record_outcome(s, agent, refused, "refused", note="不要再打")
        svc.record_outcome(s, agent, satisfied, "satisfied")
    assert row.status == "retry" and row.is_open and row.retry_at == local(2026, 11, 4, 9, 0)

    def register(visit_id):
        with read_session(engine) as s:
            contact_id = s.get(ReturnVisit, visit_id).contact_id
            return s.get(Contact, contact_id)

    first = register(busy)
    assert (first.outcome, first.status, first.closed_at) == ("promised", "open", None)
    assert "11-04 09:00" in first.result
    no = register(refused)
    assert (no.outcome, no.status) == ("", "closed") and no.result and "resolved" not in no.result.lower()
    assert (register(satisfied).outcome, register(satisfied).status) == ("resolved", "closed")
    with read_session(engine) as s:
        listed = {v.id: v for v in svc.list_visits(s, agent, "due")}
    assert listed[busy].retry_at == local(2026, 11, 4, 9, 0)
    monkeypatch.setenv("CSDESK_PASSWORD", "demo")
    out = CliRunner().invoke(app, ["visits", "list", "--month", "2026-11", "--view", "due", "--format", "tsv",
                                   "--db", str(db_path), "--as", "1001"])
    assert out.exit_code == 0, out.output
    assert "2026-11-04 09:00" in out.output
    clock.set(local(2026, 11, 4, 9, 5))
    with write_session(engine) as s:  # busy again: not reached, closed
        second = svc.record_outcome(s, agent, busy, "busy")
        open_calls = s.exec(select(Callback).where(Callback.visit_id == busy, Callback.done_at.is_(None))).all()
    assert second.status == "unreached" and not second.is_open and second.retry_at is None and not open_calls
    last = register(busy)
    assert (last.outcome, last.status) == ("", "closed") and "2" in last.result
    assert last.id != first.id
    with read_session(engine) as s:  # the first try's row closed with the retry, its result kept
        earlier = s.get(Contact, first.id)
    assert (earlier.status, earlier.outcome) == ("closed", "promised") and "11-04 09:00" in earlier.result
    with read_session(engine) as s:
        assert s.get(WorkOrder, s.get(ReturnVisit, busy).work_order_id).status == "closed"


def test_a_problem_with_nothing_more_is_a_problem_everywhere_and_nobody_to_call_is_not_drawn(engine, agents, clock):
    """Visits trial: "reached with a problem, nothing more" closed the order with "return visit: reached,
    satisfied" on its timeline; and an order of nobody (a patrol finding: no customer, no number) was
    drawn, and no outcome could be saved for it."""
    from csdesk.domain import VisitStatus
    from csdesk.store.models import WorkOrderEvent

    clock.set(local(2026, 11, 2, 20, 0))
    agent = agents["1001"]
    with write_session(engine) as s:
        ids = add_orders(s, agent.id, [{"n": i, "paid": True} for i in range(1, 3)])
        nobody = add_orders(s, agent.id, [{"n": 9, "paid": True}])[0]
        s.execute(update(WorkOrder).where(WorkOrder.id == nobody).values(customer_id=None, phone="", customer_name=""))
        info = svc.draw(s, agents["2001"], "2026-11", seed=3)
    assert info.population == 2 and info.picked == 2  # both paid orders with someone to call; not the patrol finding
    clock.set(local(2026, 11, 3, 9, 0))
    with read_session(engine) as s:
        visits = {v.work_order_id: v.id for v in svc.list_visits(s, agent, "all")}
    assert set(visits) == set(ids)
    with write_session(engine) as s:
        svc.record_outcome(s, agent, visits[ids[0]], "problem", note="灯还是有点闪", follow_up="none")
    with read_session(engine) as s:
        assert svc.get_visit(s, visits[ids[0]], agent).status == "problem"
        notes = [e.note for e in s.exec(select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == ids[0]))]
    assert any(VisitStatus.PROBLEM.label in (n or "") and "灯还是有点闪" in n for n in notes if n), notes
    assert not any(VisitStatus.SATISFIED.label in (n or "") for n in notes), notes
    # an order closed by hand before its visit: the visit's outcome still goes on its timeline
    with write_session(engine) as s:
        s.execute(update(WorkOrder).where(WorkOrder.id == ids[1]).values(status="closed"))
    with write_session(engine) as s:
        svc.record_outcome(s, agent, visits[ids[1]], "satisfied", note="很满意")
    with read_session(engine) as s:
        notes = [e.note for e in s.exec(select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == ids[1]))]
    assert any(VisitStatus.SATISFIED.label in (n or "") and "很满意" in n for n in notes if n), notes
