"""Demo data (csdesk.demo) and ``csdesk demo``: coverage, accounts, numbers, queues, the CLI rules.

One small demo database (300 contacts, fixed seed and a fixed "now") is built
once for the module; the CLI tests build their own, smaller ones.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from csdesk import demo
from csdesk.domain import CallbackKind, Channel, EscalationReason, OrderStatus, Outcome, Urgency

NOW = datetime(2026, 11, 22, 6, 30, 0, tzinfo=UTC)  # 14:30 at the desk (Asia/Shanghai)
N = 300
runner = CliRunner()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    """(engine, path, summary) of a demo database made once for this module."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CSDESK_TIMEZONE", "Asia/Shanghai")
        from csdesk.clock import _zone
        from csdesk.store.engine import open_database

        _zone.cache_clear()
        path = tmp_path_factory.mktemp("demo") / "demo.db"
        engine = open_database(str(path))
        summary = demo.generate(engine, N, seed=42, now=NOW)
        yield engine, path, summary
        engine.dispose()
        _zone.cache_clear()


@pytest.fixture
def con(demo_db):
    c = sqlite3.connect(demo_db[1])
    yield c
    c.close()


def values(con, sql):
    return {row[0] for row in con.execute(sql)}


def stored(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.000000")


# --------------------------------------------------------------------------- coverage


def test_every_channel_category_urgency_and_outcome_is_present(con):
    from csdesk.store.refdata import load_toml

    assert values(con, "SELECT channel FROM contact") == {c.value for c in Channel}
    assert values(con, "SELECT urgency FROM contact") == {u.value for u in Urgency}
    assert values(con, "SELECT outcome FROM contact") == {o.value for o in Outcome}
    cats = load_toml("categories.toml")["category"]
    assert values(con, "SELECT category FROM contact") == {c["code"] for c in cats if "parent" not in c}
    assert values(con, "SELECT subtype FROM contact WHERE subtype != ''") == {c["code"] for c in cats if "parent" in c}
    assert values(con, "SELECT channel_detail FROM contact WHERE channel = 'online'") <= {
        "app", "mini_program", "web", "wechat", "weibo"}
    assert con.execute("SELECT count(*) FROM contact").fetchone()[0] == N


def test_orders_in_every_state_with_history_deadlines_and_fees(con):
    assert values(con, "SELECT status FROM workorder") == {s.value for s in OrderStatus}
    from csdesk.domain.rules import order_deadline

    rows = con.execute("SELECT id, urgency, status, created_at, deadline_at FROM workorder").fetchall()
    for oid, urgency, status, created, deadline in rows:
        created_at = datetime.fromisoformat(created)
        assert datetime.fromisoformat(deadline) - created_at == order_deadline(urgency)
        events = con.execute("SELECT from_status, to_status, at FROM workorderevent WHERE work_order_id = ? "
                             "AND kind = 'status' ORDER BY at, id", (oid,)).fetchall()  # (not the notes, explanations …)
        assert events[0][:2] == ("", "open") and events[0][2] == created
        assert events[-1][1] == status
        assert all(e[2] <= stored(NOW) for e in events)
    overdue = con.execute(
        "SELECT count(*) FROM workorder WHERE status IN ('open','dispatched','in_progress','on_hold') "
        "AND deadline_at < ? AND overdue_escalated_at IS NOT NULL", (stored(NOW),)).fetchone()[0]
    assert overdue >= 2
    paid = con.execute("SELECT fee_item_code, quoted_fee_fen, fee_charged_fen, status FROM workorder "
                       "WHERE paid").fetchall()
    assert paid and all(code for code, *_ in paid)
    assert any(charged for *_, charged, status in paid if status in ("done", "closed"))
    assert con.execute("SELECT count(*) FROM workorder WHERE status = 'cancelled' AND cancel_reason = ''"
                       ).fetchone()[0] == 0


def test_call_backs_complaints_escalations_handovers_and_logs(con):
    assert values(con, "SELECT kind FROM callback") == {k.value for k in CallbackKind}
    assert values(con, "SELECT reason FROM escalation") == {r.value for r in EscalationReason}
    assert {"escalated", "closed"} <= values(con, "SELECT status FROM complaint")
    closed = con.execute("SELECT escalated_at, escalation_reason, plan, customer_response, closed_at "
                         "FROM complaint WHERE status = 'closed'").fetchall()
    assert closed and all(all(field for field in row) for row in closed)
    assert values(con, "SELECT acknowledged_at IS NULL FROM escalation") == {0, 1}
    assert con.execute("SELECT count(*) FROM refusedvisit WHERE active").fetchone()[0] >= 1
    assert values(con, "SELECT status FROM handover") == {"acknowledged", "submitted"}
    assert con.execute("SELECT count(*) FROM handoveritem").fetchone()[0] > 0
    assert con.execute("SELECT count(*) FROM handoverremark").fetchone()[0] > 0


def test_a_month_of_handovers(con):
    days = con.execute("SELECT count(DISTINCT shift_date), count(*) FROM handover").fetchone()
    assert days[0] >= 30 and days[1] >= 2 * days[0]  # every day shift and night shift of the month
    assert values(con, "SELECT shift_code FROM handover") == {"day", "night"}
    # several agents on a day shift each sign their own page
    assert con.execute("SELECT count(*) FROM (SELECT 1 FROM handover GROUP BY shift_date, shift_code "
                       "HAVING count(*) > 1)").fetchone()[0] > 0
    assert values(con, "SELECT matter FROM handoveritem") >= {"order", "callback", ""}
    assert con.execute("SELECT count(*) FROM handoveritem WHERE do_first AND instruction != ''").fetchone()[0] > 0
    # received item by item: who and when on each item, the page when the last one was
    unreceived = con.execute("SELECT count(*) FROM handover h WHERE h.status = 'acknowledged' AND EXISTS "
                             "(SELECT 1 FROM handoveritem i WHERE i.handover_id = h.id AND i.acknowledged_at IS NULL)"
                             ).fetchone()[0]
    assert unreceived == 0
    assert con.execute("SELECT count(*) FROM handover h WHERE h.status = 'acknowledged' AND h.acknowledged_at != "
                       "(SELECT max(i.acknowledged_at) FROM handoveritem i WHERE i.handover_id = h.id)"
                       ).fetchone()[0] == 0
    # late ones escalated to the supervisor 30 minutes into the next shift, once
    escalated = con.execute("SELECT h.id, h.escalated_at, h.to_start_at, e.created_at FROM handover h "
                            "JOIN escalation e ON e.handover_id = h.id WHERE e.reason = 'handover'").fetchall()
    assert escalated
    for _hid, at, start, created in escalated:
        assert at == created and (datetime.fromisoformat(at) - datetime.fromisoformat(start)) == timedelta(minutes=30)
    assert values(con, "SELECT kind FROM handoverremark") >= {"note", "question", "remark"}
    reviewed = con.execute("SELECT count(*) FROM handover WHERE shift_code = 'night' AND reviewed_at IS NOT NULL"
                           ).fetchone()[0]
    assert reviewed > 10
    assert values(con, "SELECT kind FROM problemlog") == {"problem", "idea"}


def test_agent_1001_and_the_supervisor_have_work_waiting(con):
    now = stored(NOW)
    soon = stored(NOW + timedelta(hours=3))
    queue = con.execute(
        "SELECT c.kind, c.due_at FROM callback c JOIN agent a ON a.id = c.agent_id "
        "WHERE a.staff_no = '1001' AND c.done_at IS NULL").fetchall()
    kinds_due_soon = {kind for kind, due in queue if due <= soon}
    # every kind but return visits: this month is not drawn yet (test_the_current_month_is_left_to_draw)
    assert kinds_due_soon == {k.value for k in CallbackKind} - {CallbackKind.RETURN_VISIT.value}
    assert any(due < now for _kind, due in queue), "nothing overdue in 1001's queue"
    assert any(due > now for _kind, due in queue), "nothing due soon in 1001's queue"
    assert con.execute("SELECT count(*) FROM escalation WHERE acknowledged_at IS NULL").fetchone()[0] >= 3
    # last night's page waits for the day shift (1001 is on it): addressed to the shift, not a person
    pending = con.execute(
        "SELECT a.staff_no, h.shift_code, h.to_shift_code, h.acknowledged_at FROM handover h "
        "JOIN agent a ON a.id = h.from_agent_id WHERE h.status = 'submitted'").fetchall()
    assert pending == [("1003", "night", "day", None)]


def test_a_real_desk_day_most_contacts_between_nine_and_eleven(con):
    hours = [int(r[0][11:13]) for r in con.execute("SELECT received_at FROM contact")]
    local = [(h + 8) % 24 for h in hours]
    assert sum(9 <= h < 23 for h in local) / len(local) >= 0.9
    first = datetime.fromisoformat(con.execute("SELECT min(received_at) FROM contact").fetchone()[0])
    assert NOW.replace(tzinfo=None) - first <= timedelta(days=90)
    assert con.execute("SELECT max(received_at) FROM contact").fetchone()[0] <= stored(NOW)


# --------------------------------------------------------------------------- the domain's rules hold in the data


def test_order_histories_move_only_as_the_domain_allows(con):
    from csdesk.domain.rules import can_move

    moves = set(con.execute("SELECT from_status, to_status FROM workorderevent WHERE from_status != ''"))
    assert moves and {m for m in moves if not can_move(*m)} == set()


def test_escalations_are_the_ones_the_domain_rules_make(con):
    """Complaints, urgent and critical matters go to the supervisor, others only when escalated."""
    from csdesk.domain.rules import escalation_reason

    made: dict[int, list[str]] = {}
    for contact_id, reason in con.execute("SELECT contact_id, reason FROM escalation WHERE reason != 'overdue' "
                                          "AND to_role = 'supervisor'"):
        made.setdefault(contact_id, []).append(reason)
    complaints = dict(con.execute("SELECT contact_id, status FROM complaint"))
    wrong = []
    for cid, category, urgency, outcome in con.execute("SELECT id, category, urgency, outcome FROM contact"):
        expected = escalation_reason(category, urgency, Outcome(outcome))
        if expected is EscalationReason.COMPLAINT:
            want = [] if complaints.get(cid) == "open" else [expected.value]  # not escalated yet
            if cid not in complaints or made.get(cid, []) != want:
                wrong.append((cid, category, urgency, outcome, complaints.get(cid), made.get(cid)))
        elif made.get(cid, []) != ([expected.value] if expected else []):
            wrong.append((cid, category, urgency, outcome, made.get(cid)))
    assert wrong == []


def test_call_back_results_are_ones_the_domain_allows(con):
    from csdesk.domain.rules import callback_result_choices

    results = set(con.execute("SELECT kind, result FROM callback WHERE done_at IS NOT NULL"))
    assert results and {(k, r) for k, r in results if r not in callback_result_choices(k)} == set()


def test_topics_have_only_the_outcomes_the_domain_allows_their_category():
    from csdesk.demo.texts import TOPICS
    from csdesk.domain.rules import allowed_outcomes

    assert [(t.key, o) for t in TOPICS for o in t.outcomes if o not in allowed_outcomes(t.category)] == []


def test_a_complaint_that_opened_a_work_order_is_tied_to_it(con):
    rows = con.execute("SELECT c.work_order_id, p.work_order_id FROM contact c JOIN complaint p ON p.id = c.complaint_id "
                       "WHERE c.outcome = 'work_order'").fetchall()
    assert rows and all(order == linked for order, linked in rows)


# --------------------------------------------------------------------------- complaints, as the services work them


def at(value: str | None) -> datetime | None:
    """A stored time as the aware UTC time the models read."""
    return datetime.fromisoformat(value).replace(tzinfo=UTC) if value else None


def next_tick(moment: datetime) -> datetime:
    """The first run of the desk's timer after ``moment`` (``csdesk tick`` every whole minute)."""
    return moment.replace(second=0) + timedelta(minutes=1)


@pytest.fixture(scope="module")
def regular(demo_db):
    """The regular shift's hours, as the complaints service reads them from the demo database."""
    from csdesk.services.complaints import regular_hours
    from csdesk.store.engine import read_session

    with read_session(demo_db[0]) as session:
        return regular_hours(session)


def complaint_rows(con) -> list[sqlite3.Row]:
    con.row_factory = sqlite3.Row
    return con.execute("SELECT * FROM complaint ORDER BY id").fetchall()


def test_complaints_are_filed_and_worked_step_by_step_as_the_services_do(con, regular):
    """Every complaint's reply deadline is the rule's; its events are in time order, filed then
    escalated, then taken by the supervisor who owns it, and the record says what the events say
    (plan, calls, response, reply and close times); a closed one closed after every step."""
    from csdesk.clock import local_tz
    from csdesk.domain.shifts import reply_deadline

    rows = complaint_rows(con)
    assert {r["status"] for r in rows} == {"escalated", "in_hand", "closed"}  # no service files one "open"
    for r in rows:
        assert at(r["due_at"]) == reply_deadline(at(r["complained_at"]), regular, local_tz())[1], r["number"]
        events = con.execute("SELECT at, kind, agent_id, note FROM complaintevent WHERE complaint_id = ? ORDER BY id",
                             (r["id"],)).fetchall()
        times = [e["at"] for e in events]
        assert times == sorted(times) and times[-1] <= stored(NOW), r["number"]
        kinds = [e["kind"] for e in events]
        assert kinds[:2] == ["created", "escalated"], r["number"]
        assert (times[0], times[1]) == (r["complained_at"], r["escalated_at"])
        worked = [e for e in events if e["kind"] not in ("created", "escalated", "overdue")]
        if r["status"] == "escalated":
            assert worked == [] and r["supervisor_id"] is None and r["owned_at"] is None
        else:
            assert worked[0]["kind"] == "taken" and worked[0]["agent_id"] == r["supervisor_id"]
            assert worked[0]["at"] == r["owned_at"] and {e["agent_id"] for e in worked} == {r["supervisor_id"]}
            role = con.execute("SELECT role FROM agent WHERE id = ?", (r["supervisor_id"],)).fetchone()[0]
            assert role == "supervisor"
        if r["status"] == "closed":
            assert kinds[-1] == "closed" and times[-1] == r["closed_at"] and r["plan"] and r["customer_response"]
        else:
            assert "closed" not in kinds and r["closed_at"] is None
        assert r["calls"] == kinds.count("call")
        replies = [e["at"] for e in worked if e["kind"] in ("call", "response", "closed")]
        assert r["replied_at"] == (replies[0] if replies else None)
        plans = [e["note"] for e in worked if e["kind"] == "plan"]
        responses = [e["note"] for e in worked if e["kind"] == "response"]
        assert (r["plan"], r["customer_response"]) == (plans[-1] if plans else "", responses[-1] if responses else "")


def test_complaints_not_replied_to_by_their_deadline_went_to_the_manager_once(con):
    rows = complaint_rows(con)
    late_ones = 0
    for r in rows:
        tick = next_tick(at(r["due_at"]))
        late = tick <= NOW and (r["replied_at"] is None or at(r["replied_at"]) > tick)
        to_manager = con.execute("SELECT created_at, created_by_id, reason FROM escalation WHERE complaint_id = ? "
                                 "AND to_role = 'manager'", (r["id"],)).fetchall()
        overdue = con.execute("SELECT at, agent_id, staff_no FROM complaintevent WHERE complaint_id = ? "
                              "AND kind = 'overdue'", (r["id"],)).fetchall()
        if late:
            late_ones += 1
            assert r["overdue_escalated_at"] == stored(tick), r["number"]
            assert [tuple(e) for e in to_manager] == [(stored(tick), None, "complaint")]
            assert [tuple(e) for e in overdue] == [(stored(tick), None, "system")]
        else:
            assert r["overdue_escalated_at"] is None and to_manager == [] and overdue == [], r["number"]
    assert 0 < late_ones < len(rows) / 3
    # the manager's queue holds some; the manager acknowledged older ones, or their close did
    acks = con.execute("SELECT e.acknowledged_by_id, a.role, p.status FROM escalation e JOIN complaint p "
                       "ON p.id = e.complaint_id LEFT JOIN agent a ON a.id = e.acknowledged_by_id "
                       "WHERE e.to_role = 'manager'").fetchall()
    assert any(by is None and status != "closed" for by, _role, status in acks)
    assert all(by is not None for by, _role, status in acks if status == "closed")
    assert {role for _by, role, _s in acks} <= {None, "manager", "supervisor"}


def test_complaints_name_the_staff_their_sources_and_paper_records(con):
    rows = complaint_rows(con)
    names = {aid: (no, name) for aid, no, name in con.execute("SELECT id, staff_no, name FROM agent")}
    kinds = {r["about_staff_kind"] for r in rows}
    assert kinds == {"", "agent", "technician"}
    for r in rows:
        if r["about_staff_kind"] == "agent":
            assert r["about_staff_name"] == " ".join(names[r["about_agent_id"]])
        elif r["about_staff_kind"] == "technician":
            assert r["about_agent_id"] is None and r["about_staff_name"]
        assert r["unit_key"] == (con.execute("SELECT unit_key FROM customer WHERE id = ?",
                                             (r["customer_id"],)).fetchone()[0] if r["customer_id"] else "")
    assert {"intake", "desk", "order", "return_visit"} <= {r["source"] for r in rows}
    paper = [r for r in rows if r["source"] in ("desk", "order")]
    assert any(r["first_handler_name"] and r["first_handler_id"] is None for r in paper)
    assert any(r["contact_phone"].startswith("…") for r in paper)
    for r in paper:  # entered later, as file_complaint records them
        received, created, channel_end = con.execute("SELECT received_at, created_at, ended_at FROM contact "
                                                      "WHERE id = ?", (r["contact_id"],)).fetchone()
        assert received == channel_end == r["complained_at"] and created > r["escalated_at"] >= received
    for r in rows:  # the supervisor queue's escalation, acknowledged when the complaint was taken
        esc = con.execute("SELECT acknowledged_at, acknowledged_by_id FROM escalation WHERE complaint_id = ? "
                          "AND to_role = 'supervisor'", (r["id"],)).fetchall()
        assert [tuple(e) for e in esc] == [(r["owned_at"], r["supervisor_id"])], r["number"]
        status, closed_at = con.execute("SELECT status, closed_at FROM contact WHERE id = ?",
                                        (r["contact_id"],)).fetchone()
        assert (status, closed_at) == (("closed", r["closed_at"]) if r["status"] == "closed" else ("open", None))


# --------------------------------------------------------------------------- return visits, as the services draw and work them


def drawn_months(con) -> dict[str, sqlite3.Row]:
    con.row_factory = sqlite3.Row
    return {r["month"]: r for r in con.execute("SELECT * FROM visitdraw")}


def test_each_past_month_is_drawn_once_and_the_current_one_is_left_to_draw(con):
    from csdesk.clock import local_tz
    from csdesk.domain.rules import sample_size

    tz = local_tz()
    first = datetime.fromisoformat(con.execute("SELECT min(received_at) FROM contact").fetchone()[0])
    month, months = first.replace(tzinfo=UTC).astimezone(tz).date().replace(day=1), []
    while month < NOW.astimezone(tz).date().replace(day=1):
        months.append(f"{month:%Y-%m}")
        month = (month + timedelta(days=32)).replace(day=1)
    draws = drawn_months(con)
    assert sorted(draws) == months and len(months) >= 3
    for d in draws.values():
        start = datetime.strptime(d["month"], "%Y-%m").replace(tzinfo=tz)
        end = (start + timedelta(days=32)).replace(day=1)
        orders = con.execute("SELECT count(*), max(completed_at) FROM workorder WHERE completed_at >= ? "
                             "AND completed_at < ? AND (category = 'repair' OR category GLOB 'repair.*')",
                             (stored(start), stored(end))).fetchone()
        visits = con.execute("SELECT reasons FROM returnvisit WHERE draw_id = ?", (d["id"],)).fetchall()
        assert d["population"] == orders[0] and d["picked"] == len(visits)
        assert d["sampled"] == sample_size(d["rest"])  # 30 % of the rest, however the ticks fell
        assert d["drawn_at"][:10] == stored(start)[:10] or d["drawn_at"] > stored(start)
        assert d["drawn_at"] < stored(start + timedelta(days=1)) and d["drawn_by_id"] is not None
        assert orders[1] is None or d["considered_until"] >= orders[1]
        kinds = json.loads(d["kinds"])
        count = lambda reason: sum(reason in r[0].split(",") for r in visits)  # noqa: E731
        assert {k: n for k, n in kinds.items() if k != "complaint"} == {
            k: count(k) for k in ("paid", "new_staff", "complained_staff") if count(k)}
        assert kinds.get("complaint", 0) <= count("complaint")
        assert count("sample") <= d["sampled"]


def refused_at(con, customer_id, moment: datetime) -> bool:
    return con.execute("SELECT count(*) FROM refusedvisit WHERE customer_id = ? AND recorded_at < ? "
                       "AND (lifted_at IS NULL OR lifted_at > ?)",
                       (customer_id, stored(moment), stored(moment))).fetchone()[0] > 0


def test_every_order_of_the_four_kinds_is_drawn_and_no_refused_customer_is(con):
    """Each drawn month's visits against the domain's rules, order by order, with what the desk's
    records said when the timer considered the order (the minute after its completion, or the draw)."""
    from csdesk.clock import local_tz
    from csdesk.domain.rules import CompletedOrder, mandatory_visit_reasons

    draws = {r["id"]: r for r in drawn_months(con).values()}
    by_month = {r["month"]: r for r in draws.values()}
    visits = {r["work_order_id"]: r for r in con.execute("SELECT * FROM returnvisit")}
    # when a complaint named each order: filed about it (intake, a return visit), entered (paper), or amended
    named: dict[int, datetime] = {}
    for cid, order_id, escalated, source, created in con.execute(
            "SELECT p.id, p.work_order_id, p.escalated_at, p.source, c.created_at FROM complaint p "
            "JOIN contact c ON c.id = p.contact_id WHERE p.work_order_id IS NOT NULL"):
        amended = con.execute("SELECT min(at) FROM complaintevent WHERE complaint_id = ? AND kind = 'amended'",
                              (cid,)).fetchone()[0]
        when = at(amended or (created if source in ("desk", "order") else escalated))
        named[order_id] = min(when, named.get(order_id, when))
    techs: dict[str, list[tuple[datetime, datetime]]] = {}  # name -> (complained, on record from)
    for name, complained, escalated, source, created in con.execute(
            "SELECT p.about_staff_name, p.complained_at, p.escalated_at, p.source, c.created_at FROM complaint p "
            "JOIN contact c ON c.id = p.contact_id WHERE p.about_staff_kind = 'technician'"):
        techs.setdefault(name, []).append((at(complained), at(created if source in ("desk", "order") else escalated)))
    assert techs, "no technician complained about"
    checked = mandatory = 0
    for oid, completed, paid, customer, tech in con.execute(
            "SELECT id, completed_at, paid, customer_id, coalesce(nullif(completed_by, ''), assignee) FROM workorder "
            "WHERE completed_at IS NOT NULL AND (category = 'repair' OR category GLOB 'repair.*')").fetchall():
        done = at(completed)
        d = by_month.get(done.astimezone(local_tz()).strftime("%Y-%m"))
        if d is None:
            assert oid not in visits  # this month: not drawn yet
            continue
        tick = at(d["drawn_at"]) if done <= at(d["drawn_at"]) else next_tick(done)
        refused = refused_at(con, customer, tick) if customer is not None else False
        reasons = mandatory_visit_reasons(CompletedOrder(
            oid, done, named.get(oid, NOW + timedelta(days=1)) < tick, bool(paid), None,
            tuple(c for c, known in techs.get(tech, ()) if known < tick)))
        v = visits.get(oid)
        checked += 1
        if refused:
            assert v is None or v["reasons"] == "complaint", oid  # (a complaint named it later: it was added)
        elif reasons:
            mandatory += 1
            assert v is not None and {r.value for r in reasons} <= set(v["reasons"].split(",")), oid
            assert draws[v["draw_id"]]["month"] == d["month"]
    assert checked and mandatory
    for v in visits.values():  # nobody on the refused-visit list when their visit entered the queue
        if v["customer_id"] is not None and v["queued_at"]:
            assert not refused_at(con, v["customer_id"], at(v["queued_at"]) - timedelta(seconds=61)), v["id"]


def test_visits_are_queued_called_and_finished_as_the_services_do(con, regular):
    from csdesk.clock import local_tz
    from csdesk.domain import CallbackResult, Outcome, VisitStatus
    from csdesk.domain.rules import MAX_CALL_ATTEMPTS, RETRY_AFTER, visit_due, visit_result_status

    tz = local_tz()
    con.row_factory = sqlite3.Row
    owners = dict(con.execute("SELECT id, staff_no FROM agent"))
    statuses = set()
    for v in con.execute("SELECT v.*, w.owner_id AS order_owner, w.status AS order_status, w.closed_at AS "
                         "order_closed FROM returnvisit v JOIN workorder w ON w.id = v.work_order_id").fetchall():
        statuses.add(v["status"])
        due_day = visit_due(at(v["completed_at"]).astimezone(tz))
        assert at(v["due_at"]) == datetime.combine(due_day, regular.end, tzinfo=tz)
        assert v["owner_id"] == v["order_owner"] or owners[v["owner_id"]] == "1002"  # or the stand-in
        cbs = con.execute("SELECT * FROM callback WHERE visit_id = ? ORDER BY id", (v["id"],)).fetchall()
        if v["queued_at"] is None:
            assert cbs == [] and v["status"] == "due"
            continue
        first = cbs[0]
        assert (first["kind"], first["created_at"], first["due_at"], first["agent_id"]) == (
            "return_visit", v["queued_at"], v["due_at"], v["owner_id"])
        assert at(v["queued_at"]) >= datetime.combine(due_day, datetime.min.time(), tzinfo=tz)  # on its day
        for before, retry in zip(cbs, cbs[1:], strict=False):  # busy or no answer: one more try an hour later
            assert retry["kind"] == "retry" and before["result"] in ("busy", "no_answer")
            assert retry["created_at"] == before["done_at"] and at(retry["due_at"]) == at(before["done_at"]) + RETRY_AFTER
        assert len(cbs) <= MAX_CALL_ATTEMPTS
        assert [c["attempts"] for c in cbs] == [k + (c["done_at"] is not None) for k, c in enumerate(cbs)]
        last = cbs[-1]
        if last["done_at"] is None:
            assert v["status"] == ("due" if len(cbs) == 1 else "retry") and v["done_at"] is None
            continue
        outcome = None
        if v["contact_id"] is not None:
            contact = con.execute("SELECT * FROM contact WHERE id = ?", (v["contact_id"],)).fetchone()
            assert (contact["parent_callback_id"], contact["channel"], contact["customer_id"]) == (
                last["id"], "outbound", v["customer_id"])
            assert contact["work_order_id"] == v["new_order_id"]
            outcome = Outcome(contact["outcome"])
            if contact["complaint_id"]:
                cp = con.execute("SELECT source, work_order_id FROM complaint WHERE id = ?",
                                 (contact["complaint_id"],)).fetchone()
                assert tuple(cp) == ("return_visit", v["work_order_id"]) and "complaint" in v["reasons"].split(",")
        expected = visit_result_status(CallbackResult(last["result"]), last["attempts"], outcome)
        assert v["status"] in ({expected.value, "problem"} if v["contact_id"] else {expected.value}), v["id"]
        assert v["attempts"] == last["attempts"]
        if v["status"] in ("due", "retry"):
            continue
        assert (v["done_at"], v["done_by_id"]) == (last["done_at"], last["done_by_id"])
        if v["status"] == VisitStatus.REFUSED.value:
            entry = con.execute("SELECT customer_id, recorded_at, recorded_by_id FROM refusedvisit WHERE id = ?",
                                (v["refused_visit_id"],)).fetchone()
            assert tuple(entry) == (v["customer_id"], v["done_at"], v["done_by_id"])
        # the order closes after its visit (unless it was closed before: a visit added later)
        closed_by_visit = con.execute("SELECT count(*) FROM workorderevent WHERE work_order_id = ? AND to_status = "
                                      "'closed' AND at = ? AND note LIKE '回访：%'",
                                      (v["work_order_id"], v["done_at"])).fetchone()[0]
        assert v["order_status"] == "closed" and (closed_by_visit == 1 or v["order_closed"] < v["done_at"])
    assert {"satisfied", "problem", "refused", "unreached"} <= statuses
    assert con.execute("SELECT count(*) FROM returnvisit WHERE new_order_id IS NOT NULL").fetchone()[0] >= 1
    lifted = con.execute("SELECT r.lift_reason, a.role FROM refusedvisit r JOIN agent a ON a.id = r.lifted_by_id "
                         "WHERE NOT r.active").fetchall()
    assert lifted and all(reason and role == "supervisor" for reason, role in lifted)


def test_the_timer_finds_nothing_left_and_a_supervisor_can_draw_this_month(demo_db, tmp_path):
    """The console's first tick on the demo changes nothing of the complaints and visits (the data
    is where the timer would have left it); drawing this month through the service then puts its
    visits in the agents' queues, every paid order among them."""
    from csdesk.services import complaints as cs
    from csdesk.services import visits as vs
    from csdesk.services.accounts import get_agent
    from csdesk.services.tick import run_tick
    from csdesk.store.engine import open_database, read_session, write_session

    copy = tmp_path / "copy.db"
    source = sqlite3.connect(demo_db[1])
    target = sqlite3.connect(copy)
    source.backup(target)
    source.close()
    target.close()
    engine = open_database(str(copy))
    try:
        with read_session(engine) as session:
            supervisor = get_agent(session, "2001")
            assert cs.list_complaints(session, supervisor, "mine", at=NOW).rows
            assert cs.list_complaints(session, supervisor, "overdue", at=NOW).rows
            month = vs.month_of(NOW)
            assert vs.get_draw(session, month) is None
        with write_session(engine) as session:
            done = run_tick(session, at=NOW)
            assert (done.overdue_complaints, done.visits_added, done.visits_queued) == ((), 0, 0)
        with write_session(engine) as session:
            info = vs.draw(session, supervisor, month, seed=7, at=NOW)
            queued = vs.queue_due(session, at=NOW)
        assert info.picked and queued
        with read_session(engine) as session:
            paid = {r[0] for r in session.connection().exec_driver_sql(
                "SELECT id FROM workorder WHERE paid AND completed_at >= ? AND status IN ('done', 'closed') "
                "AND (category = 'repair' OR category GLOB 'repair.*') AND (customer_id IS NULL OR customer_id "
                "NOT IN (SELECT customer_id FROM refusedvisit WHERE active AND customer_id IS NOT NULL))",
                (stored(vs.month_bounds(month)[0]),))}
            drawn = {r[0] for r in session.connection().exec_driver_sql(
                "SELECT work_order_id FROM returnvisit WHERE draw_id = ?", (info.id,))}
            assert paid and paid <= drawn
            agent = get_agent(session, "1001")
            assert vs.list_visits(session, agent, "mine", month=month)
    finally:
        engine.dispose()


def test_the_demo_words_what_the_services_write_as_they_say_it_in_chinese():
    """The demo writes in Chinese whatever the console's language: its copies of the services'
    messages are the catalogue's translations."""
    from csdesk.demo import texts
    from csdesk.domain import ComplaintSource, VisitStatus
    from csdesk.i18n import _, current_language, set_language
    from csdesk.services.visits import REASON_LABELS

    before = current_language()
    set_language("zh_CN")
    try:
        assert texts.VISIT_CALLBACK_NOTE == _("Return visit on {number}, completed {when} ({why}).")
        assert texts.ORDER_CLOSED_BY_VISIT == _("return visit: {outcome}")
        assert texts.COMPLAINT_OVERDUE == _("{number} not replied to, {minutes} min past the deadline ({owner}) · "
                                            "{what}")
        assert texts.NO_SUPERVISOR_YET == _("no supervisor yet")
        assert texts.VISIT_REASONS_ZH == {reason.value: _(label) for reason, label in REASON_LABELS.items()}
        assert all(s.zh == s.label for s in (*ComplaintSource, *VisitStatus))
    finally:
        set_language(before)


# --------------------------------------------------------------------------- people and customers


def test_demo_accounts_log_in_and_staff_are_realistic(demo_db):
    from csdesk.services.accounts import LoginFailed, authenticate, list_agents
    from csdesk.store.engine import write_session

    engine = demo_db[0]
    with write_session(engine) as session:
        for staff_no, role in demo.DEMO_ACCOUNTS:
            assert authenticate(session, staff_no, demo.DEMO_PASSWORD).role == role
        assert authenticate(session, "1001", "demo").name.startswith("张")
        with pytest.raises(LoginFailed):
            authenticate(session, "1001", "wrong")
        staff = list_agents(session)
    inactive = [a for a in staff if not a.active]
    assert len(inactive) == 1
    with write_session(engine) as session, pytest.raises(LoginFailed, match="deactivated"):
        authenticate(session, inactive[0].staff_no, "demo")
    new = [a.staff_no for a in staff if a.active and a.is_new_staff(on=NOW.date())]
    assert len(new) == 1
    assert sum(a.role == "agent" for a in staff) >= 5


def test_customers_have_phones_units_and_initials(con):
    from csdesk.domain.text import pinyin_initials

    rows = con.execute("SELECT id, code, name, name_initials, building, unit, room, unit_key FROM customer").fetchall()
    assert rows
    for _cid, code, name, initials, building, unit, room, key in rows:
        assert re.fullmatch(r"C\d{8}\d{3,}", code)
        assert initials == pinyin_initials(name) and initials
        if key:
            assert key == f"{building}-{unit}-{room}" and re.fullmatch(r"\d+-\d-\d{3,4}", key)
    per_customer = dict(con.execute("SELECT customer_id, count(*) FROM customerphone GROUP BY 1").fetchall())
    assert set(per_customer) == {r[0] for r in rows}
    assert set(per_customer.values()) == {1, 2}
    for (phone,) in con.execute("SELECT phone FROM customerphone"):
        assert re.fullmatch(r"1[3-9]\d{9}|0\d{9,11}", phone), phone
    # a contact's snapshot is what the customer record says
    bad = con.execute(
        "SELECT count(*) FROM contact c JOIN customer u ON u.id = c.customer_id "
        "WHERE c.customer_name != u.name OR c.unit_key != u.unit_key OR c.name_initials != u.name_initials"
    ).fetchone()[0]
    assert bad == 0


# --------------------------------------------------------------------------- numbers, storage


def test_numbers_follow_the_formats_are_unique_and_the_counters_moved_on(demo_db, con):
    from csdesk.clock import to_local
    from csdesk.store.engine import write_session
    from csdesk.store.numbers import allocate, allocate_customer_code

    for table, pattern in (("contact", r"CT(\d{8})-\d{4,}"), ("workorder", r"WO(\d{8})-\d{4,}"),
                           ("complaint", r"CP(\d{8})-\d{4,}")):
        numbers = [r[0] for r in con.execute(f"SELECT number FROM {table}")]
        assert numbers and len(numbers) == len(set(numbers))
        assert all(re.fullmatch(pattern, n) for n in numbers), table
    for number, received in con.execute("SELECT number, received_at FROM contact"):
        day = to_local(datetime.fromisoformat(received).replace(tzinfo=UTC)).strftime("%Y%m%d")
        assert number[2:10] == day
    codes = [r[0] for r in con.execute("SELECT code FROM customer")]
    assert len(codes) == len(set(codes))
    # the next numbers a desk allocates do not collide with the demo's
    last = datetime.fromisoformat(con.execute("SELECT max(received_at) FROM contact").fetchone()[0])
    with write_session(demo_db[0]) as session:
        new_contact = allocate(session, "contact", last.replace(tzinfo=UTC))
        new_code = allocate_customer_code(session, datetime.fromisoformat(
            con.execute("SELECT max(created_at) FROM customer").fetchone()[0]).replace(tzinfo=UTC))
        session.rollback()
    assert con.execute("SELECT count(*) FROM contact WHERE number = ?", (new_contact,)).fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM customer WHERE code = ?", (new_code,)).fetchone()[0] == 0


def test_meta_marks_the_database_as_demo(demo_db, con):
    meta = dict(con.execute("SELECT key, value FROM meta"))
    assert meta["demo"] == "1" and meta["demo_status"] == "ready"
    assert meta["demo_contacts"] == str(N) and meta["demo_seed"] == "42"
    assert demo.inspect_database(demo_db[0]).kind == "demo"


def test_rows_read_back_through_the_models_and_keys_hold(demo_db, con):
    import csdesk.store.models as m
    from csdesk.store.engine import read_session

    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    with read_session(demo_db[0]) as session:
        for model in (m.Agent, m.Customer, m.CustomerPhone, m.Contact, m.WorkOrder, m.WorkOrderEvent,
                      m.Complaint, m.ComplaintEvent, m.Escalation, m.Callback, m.RefusedVisit, m.VisitDraw,
                      m.ReturnVisit, m.Handover, m.HandoverItem, m.HandoverRemark, m.ProblemLog):
            rows = session.exec(select(model)).all()
            assert rows, model.__name__
        contact = session.exec(select(m.Contact).order_by(m.Contact.id.desc())).first()
    assert contact.received_at.tzinfo is UTC and contact.received_at <= NOW
    raw = con.execute("SELECT received_at FROM contact WHERE id = ?", (contact.id,)).fetchone()[0]
    assert raw == stored(contact.received_at)


def test_the_fast_timestamp_is_exactly_what_utcdatetime_stores():
    from sqlalchemy.dialects import sqlite

    from csdesk.store.models import Contact

    dialect = sqlite.dialect()
    column_type = Contact.__table__.c.received_at.type
    bind = column_type.process_bind_param
    to_text = column_type.dialect_impl(dialect).impl_instance.bind_processor(dialect) \
        if hasattr(column_type.dialect_impl(dialect), "impl_instance") else None
    from csdesk.demo.run import Timestamps

    stored_form = Timestamps().stored
    for epoch in (0, 1_700_000_000, 1_763_789_999, 1_798_675_201):
        moment = datetime.fromtimestamp(epoch, UTC)
        expected = bind(moment, dialect)
        expected = to_text(expected) if to_text else expected.strftime("%Y-%m-%d %H:%M:%S.%f")
        assert stored_form(epoch) == expected


def test_the_search_index_covers_the_demo_contacts(demo_db, con):
    import importlib.util

    if importlib.util.find_spec("csdesk.store.search_index") is None:
        pytest.skip("no search index in this build")
    from csdesk.store import search_index

    assert demo_db[2].search_index
    indexed = con.execute(f"SELECT count(*) FROM {search_index.FTS_TABLE}").fetchone()[0]
    assert indexed == N
    query = search_index.fts_query("漏水")
    hits = con.execute(f"SELECT count(*) FROM {search_index.FTS_TABLE} WHERE {search_index.FTS_TABLE} MATCH ?",
                       (query,)).fetchone()[0]
    expected = con.execute("SELECT count(*) FROM contact WHERE summary || handling || result LIKE '%漏水%'"
                           ).fetchone()[0]
    assert hits == expected > 0


def test_indexes_come_back_exactly_after_a_bulk_load(tmp_path):
    from csdesk.store.engine import open_database

    plain = open_database(str(tmp_path / "plain.db"))
    loaded = open_database(str(tmp_path / "loaded.db"))
    demo.generate(loaded, 120, seed=1, now=NOW, park_indexes=True)
    schema = "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
    with plain.connect() as a, loaded.connect() as b:
        assert a.exec_driver_sql(schema).all() == b.exec_driver_sql(schema).all()
        for pragma, expected in (("synchronous", 2), ("foreign_keys", 1), ("journal_mode", "wal")):
            assert b.exec_driver_sql(f"PRAGMA {pragma}").scalar() == expected
    plain.dispose()
    loaded.dispose()


@pytest.mark.slow
def test_same_seed_same_data_whichever_process_generates(tmp_path):
    from csdesk.store.engine import open_database

    dbs = []
    for name, parallel in (("one.db", False), ("two.db", True)):
        engine = open_database(str(tmp_path / name))
        demo.generate(engine, 150, seed=9, now=NOW, parallel=parallel)
        engine.dispose()
        dbs.append(sqlite3.connect(tmp_path / name))
    for table in ("customer", "customerphone", "contact", "workorder", "workorderevent", "complaint",
                  "complaintevent", "escalation", "callback", "refusedvisit", "visitdraw", "returnvisit", "handover",
                  "handoveritem", "counter", "meta"):
        one, two = (db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall() for db in dbs)
        assert one == two, table
    schema = "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
    assert dbs[0].execute(schema).fetchall() == dbs[1].execute(schema).fetchall()
    import importlib.util

    if importlib.util.find_spec("csdesk.store.search_index") is not None:  # indexed in steps, all of it
        from csdesk.store.search_index import FTS_TABLE

        for db in dbs:
            assert db.execute(f"SELECT count(*) FROM {FTS_TABLE}").fetchone()[0] == 150


def test_even_the_smallest_demo_has_everything(tmp_path):
    from csdesk.store.engine import open_database

    engine = open_database(str(tmp_path / "small.db"))
    demo.generate(engine, demo.MIN_CONTACTS, seed=11, now=NOW)
    engine.dispose()
    con = sqlite3.connect(tmp_path / "small.db")
    assert values(con, "SELECT channel FROM contact") == {c.value for c in Channel}
    assert values(con, "SELECT urgency FROM contact") == {u.value for u in Urgency}
    assert values(con, "SELECT outcome FROM contact") == {o.value for o in Outcome}
    assert len(values(con, "SELECT subtype FROM contact")) == 11  # ten sub-types and none
    assert values(con, "SELECT status FROM workorder") == {s.value for s in OrderStatus}
    assert values(con, "SELECT kind FROM callback") == {k.value for k in CallbackKind}
    assert con.execute("SELECT count(*) FROM contact").fetchone()[0] == demo.MIN_CONTACTS


def test_a_new_kind_of_row_is_one_step_and_its_table_list(tmp_path, monkeypatch):
    """The extension points of csdesk.demo: a run step and a day step, each with its table list."""
    from csdesk.demo import generator
    from csdesk.demo.generator import Step
    from csdesk.store.engine import open_database

    def make_draft(run):  # once per run, after the accounts
        run.write("draft", [run.row("draft", id=run.ids("draft"), agent_id=run.agents["1001"], kind="intake",
                                    payload="{}", updated_at=run.ts(run.now))])

    def make_order_drafts(run, rows):  # per day, over the day's rows
        for wo in rows.orders:
            rows.add("draft", run.row("draft", id=run.ids("draft"), agent_id=wo["owner_id"], kind=f"order-{wo['id']}",
                                      payload="{}", updated_at=wo["created_at"]))

    monkeypatch.setattr(generator, "STEPS", (*generator.STEPS, Step(make_draft, ("draft",))))
    monkeypatch.setattr(generator, "DAY_STEPS", (*generator.DAY_STEPS, Step(make_order_drafts, ("draft",))))
    engine = open_database(str(tmp_path / "more.db"))
    summary = demo.generate(engine, demo.MIN_CONTACTS, seed=3, now=NOW)
    engine.dispose()
    con = sqlite3.connect(tmp_path / "more.db")
    orders = con.execute("SELECT count(*) FROM workorder").fetchone()[0]
    assert orders and summary.counts["draft"] == orders + 1
    assert con.execute("SELECT count(*) FROM draft WHERE kind LIKE 'order-%' AND "
                       "substr(kind, 7) IN (SELECT id FROM workorder)").fetchone()[0] == orders
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []


def test_generate_refuses_real_records_and_bad_sizes(engine, agents):
    with pytest.raises(demo.DemoError, match="real records"):
        demo.generate(engine, 100, now=NOW)
    with pytest.raises(demo.DemoError, match="--contacts"):
        demo.generate(engine, demo.MIN_CONTACTS - 1, now=NOW)
    assert demo.inspect_database(engine).kind == "real"


# --------------------------------------------------------------------------- the CLI


def cli(*args, **env):
    """``csdesk --lang en …`` (the messages checked below are the English ones)."""
    from csdesk.cli import app

    return runner.invoke(app, ["--lang", "en", *args], env=env or None)


def counts(path) -> dict[str, int]:
    con = sqlite3.connect(path)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("agent", "customer", "contact", "workorder", "callback", "handover")}
    finally:
        con.close()


def test_cli_fills_the_demo_database_then_reopens_it_and_resets_on_request():
    from csdesk.paths import demo_db_path

    first = cli("demo", "--no-tui", "--contacts", "120", "--seed", "5")
    assert first.exit_code == 0, first.output
    path = demo_db_path()
    assert path.exists()
    for text in ("1001", "2001", "9001", "demo", str(path)):
        assert text in first.output
    made = counts(path)
    assert made["contact"] == 120 and made["agent"] >= 3
    generated_at = sqlite3.connect(path).execute("SELECT value FROM meta WHERE key = 'demo_generated_at'").fetchone()

    again = cli("demo", "--no-tui", "--contacts", "500")
    assert again.exit_code == 0, again.output
    assert "Reopened" in again.output and "9001" in again.output
    assert counts(path) == made
    assert sqlite3.connect(path).execute(
        "SELECT value FROM meta WHERE key = 'demo_generated_at'").fetchone() == generated_at

    reset = cli("demo", "--no-tui", "--reset", "--contacts", "150")
    assert reset.exit_code == 0, reset.output
    assert counts(path)["contact"] == 150


def test_cli_writes_where_db_or_csdesk_db_says(tmp_path):
    from csdesk.paths import demo_db_path

    target = tmp_path / "given.db"
    result = cli("demo", "--no-tui", "--contacts", "100", "--db", str(target))
    assert result.exit_code == 0, result.output
    assert counts(target)["contact"] == 100 and str(target) in result.output
    env_target = tmp_path / "env.db"
    result = cli("demo", "--no-tui", "--contacts", "100", CSDESK_DB=str(env_target))
    assert result.exit_code == 0, result.output
    assert counts(env_target)["contact"] == 100
    assert not demo_db_path().exists()


def test_cli_refuses_a_database_with_real_records(tmp_path):
    real = tmp_path / "real.db"
    made = cli("init", "--db", str(real), "--staff-no", "9001", "--name", "王芳", "--password", "s3cret-pw")
    assert made.exit_code == 0, made.output
    before = sqlite3.connect(real).execute("SELECT * FROM agent").fetchall()
    for extra in ((), ("--reset",)):
        result = cli("demo", "--no-tui", "--db", str(real), *extra)
        assert result.exit_code != 0
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and "real records" in lines[0], result.output
        assert "Traceback" not in result.output
    con = sqlite3.connect(real)
    assert con.execute("SELECT * FROM agent").fetchall() == before
    assert con.execute("SELECT count(*) FROM meta WHERE key = 'demo'").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM contact").fetchone()[0] == 0


def test_cli_finishes_a_demo_load_that_was_interrupted(tmp_path):
    from csdesk.store.engine import open_database

    target = tmp_path / "half.db"
    engine = open_database(str(target))
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO meta (key, value) VALUES ('demo', '1'), ('demo_status', 'building')")
        conn.exec_driver_sql("INSERT INTO agent (staff_no, name, role, password_hash, active, created_at) "
                             "VALUES ('1001', '张敏', 'agent', 'x', 1, '2026-11-01 00:00:00.000000')")
    engine.dispose()
    result = cli("demo", "--no-tui", "--contacts", "100", "--db", str(target))
    assert result.exit_code == 0, result.output
    assert "never finished" in result.output
    assert counts(target)["contact"] == 100
    assert sqlite3.connect(target).execute("SELECT value FROM meta WHERE key = 'demo_status'").fetchone() == ("ready",)


@pytest.mark.parametrize("args", [
    ("--contacts", "-5"), ("--contacts", "abc"), ("--contacts", "10"), ("--contacts", ""),
    ("--contacts", "99999999999"), ("--seed", "x"), ("--seed", "-1"),
])
def test_cli_bad_values_give_one_line(args):
    from csdesk.paths import demo_db_path

    result = cli("demo", "--no-tui", *args)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and args[0] in lines[0], result.output
    assert not demo_db_path().exists()


def test_cli_opens_the_console_in_demo_mode_unless_no_tui(monkeypatch, tmp_path):
    import csdesk.cli

    calls = []
    monkeypatch.setattr(csdesk.cli, "launch_console", lambda **kw: calls.append(kw))
    target = str(tmp_path / "tui.db")
    result = cli("demo", "--contacts", "100", "--db", target)
    assert result.exit_code == 0, result.output
    assert calls == [{"db": target, "demo": True}]
    result = cli("demo", "--no-tui", "--db", target)
    assert result.exit_code == 0 and len(calls) == 1


def test_cli_help_stays_light():
    code = ("import sys; from csdesk.cli import app; "
            "heavy = [m for m in ('sqlmodel', 'textual', 'faker', 'pypinyin', 'csdesk.demo') if m in sys.modules]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    result = cli("demo", "--help")
    assert result.exit_code == 0
    for option in ("--contacts", "--no-tui", "--reset", "--seed", "--db"):
        assert option in result.output


def test_technicians_are_the_rosters_in_orders_complaints_and_visits(con):
    roster = {name: (tid, dept) for tid, name, dept in con.execute("SELECT id, name, department_code FROM technician")}
    orders = con.execute("SELECT assignee, completed_by, technician_id, department FROM workorder "
                         "WHERE assignee != ''").fetchall()
    assert orders
    for assignee, completed_by, tech_id, department in orders:
        assert roster[assignee] == (tech_id, department)
        assert completed_by in ("", None, assignee)
    named = values(con, "SELECT about_staff_name FROM complaint WHERE about_staff_kind = 'technician'")
    assert named and named <= set(roster)
    # the complained-about technician's later repair orders are visited, with that reason
    reasons = {r for (r,) in con.execute(
        "SELECT v.reasons FROM returnvisit v JOIN workorder w ON w.id = v.work_order_id "
        f"WHERE w.completed_by IN ({', '.join('?' * len(named))})", sorted(named))}
    assert any("complained_staff" in r for r in reasons)
