"""The demo's work orders as F3 shows them (csdesk.demo.order_details): technicians from the
department's roster (some new), fee lines on paid orders, the call's time, pinyin initials,
explanations on overdue orders, the order search index filled in bulk."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta

import pytest

from csdesk import demo
from csdesk.domain.rules import is_new_staff

NOW = datetime(2026, 11, 22, 6, 30, 0, tzinfo=UTC)
N = 1200


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CSDESK_TIMEZONE", "Asia/Shanghai")
        from csdesk.clock import _zone
        from csdesk.store.engine import open_database

        _zone.cache_clear()
        path = tmp_path_factory.mktemp("demo-orders") / "demo.db"
        engine = open_database(str(path))
        demo.generate(engine, N, seed=5, now=NOW)
        engine.dispose()
        _zone.cache_clear()
    c = sqlite3.connect(path)
    yield c
    c.close()


def rows(con, sql, *args):
    return con.execute(sql, args).fetchall()


def test_dispatched_orders_name_a_technician_of_their_departments_roster(con):
    orders = rows(con, "SELECT w.id, w.department, w.assignee, t.department_code, t.name, w.completed_by, "
                       "w.completed_at, t.hire_date FROM workorder w LEFT JOIN technician t ON t.id = w.technician_id "
                       "WHERE w.dispatched_at IS NOT NULL")
    assert len(orders) > 200
    for oid, dep, assignee, tech_dep, tech_name, completed_by, _completed, _hired in orders:
        assert tech_dep == dep and tech_name == assignee, oid
        assert completed_by in ("", None, assignee), oid
    assert {dep for _o, dep, *_rest in orders} >= {"engineering", "it"}
    new = [o for o in orders if o[6] and is_new_staff(date.fromisoformat(o[7]), datetime.fromisoformat(o[6]).date())]
    assert new, "no order done by a technician in their first 3 months"
    # the history says the same name as the order
    for oid, note in rows(con, "SELECT e.work_order_id, e.note FROM workorderevent e JOIN workorder w "
                               "ON w.id = e.work_order_id WHERE e.to_status = 'dispatched' AND w.assignee != ''"):
        assert "师傅" not in note, (oid, note)


def test_the_call_time_initials_print_counts(con):
    bad = rows(con, "SELECT w.id FROM workorder w JOIN contact c ON c.id = w.contact_id "
                    "WHERE w.received_at IS NULL OR w.received_at != c.received_at OR w.received_at > w.created_at")
    assert bad == []
    named = rows(con, "SELECT w.name_initials, cu.name_initials FROM workorder w JOIN customer cu ON cu.id = w.customer_id "
                      "WHERE w.customer_name = cu.name")
    assert named and all(a == b for a, b in named)
    assert rows(con, "SELECT count(*) FROM workorder WHERE dispatched_at IS NOT NULL AND print_count != 1") == [(0,)]
    late = rows(con, "SELECT count(*) FROM workorder WHERE CAST(strftime('%s', dispatched_at) AS INTEGER) - "
                     "CAST(strftime('%s', received_at) AS INTEGER) > 300")[0][0]
    assert late > 0  # the 5-minute rule has something to count


def test_paid_orders_carry_their_fee_lines_at_the_schedules_prices(con):
    paid = rows(con, "SELECT id, quoted_fee_fen, fee_item_code, price_told FROM workorder WHERE paid")
    assert len(paid) > 30
    schedule = dict(rows(con, "SELECT code, price_fen FROM feeitem"))
    told = 0
    for oid, quoted, first, price_told in paid:
        lines = rows(con, "SELECT code, price_fen, quantity FROM workorderfee WHERE work_order_id = ? ORDER BY sort",
                     oid)
        assert lines and lines[0][0] == first, oid
        assert all(price == schedule[code] for code, price, _q in lines)
        fixed = sum(price * qty for _c, price, qty in lines if price is not None)
        assert quoted == (fixed if fixed or all(p is not None for _c, p, _q in lines) else None), oid
        told += price_told
    assert rows(con, "SELECT count(*) FROM workorderfee WHERE work_order_id IN (SELECT id FROM workorder "
                     "WHERE NOT paid)") == [(0,)]
    assert any(n > 1 for (n,) in rows(con, "SELECT count(*) FROM workorderfee GROUP BY work_order_id"))
    assert rows(con, "SELECT count(*) FROM workorderfee WHERE price_fen IS NULL")[0][0] > 0
    assert 0 < told < len(paid) + 1


def test_overdue_orders_have_explanations_owed_given_and_acknowledged(con):
    escalated = rows(con, "SELECT overdue_escalated_at, explained_at, explanation_ack_at, explanation, "
                          "catch_up_plan FROM workorder WHERE overdue_escalated_at IS NOT NULL")
    assert len(escalated) > 5
    given = [r for r in escalated if r[1]]
    assert given and len(given) < len(escalated)  # some still owed
    assert any(r[2] for r in given)  # some acknowledged
    for esc, explained, acked, why, plan in given:
        assert explained >= esc and why and plan
        assert acked is None or acked >= explained
    assert all(r[2] is None for r in escalated if not r[1])
    late = [r for r in given if datetime.fromisoformat(r[1]) - datetime.fromisoformat(r[0]) > timedelta(hours=1)]
    assert late  # some explained after the hour


def test_the_order_search_index_is_filled_in_bulk(con):
    total = rows(con, "SELECT count(*) FROM workorder")[0][0]
    assert rows(con, "SELECT count(*) FROM workorder_fts")[0][0] == total
    initials = rows(con, "SELECT name_initials FROM workorder WHERE name_initials != '' LIMIT 1")[0][0]
    hits = rows(con, f"SELECT count(*) FROM workorder_fts WHERE workorder_fts MATCH 'initials : \"{initials}\"*'")
    assert hits[0][0] > 0
    names = {r[0] for r in rows(con, "SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {"workorder_fts_ai", "workorder_fts_au", "workorder_fts_ad"} <= names
