"""F3's order list: every view holds what its rule says in its order, keyset pages
forwards and backwards, the register's kind of search, the search index in step with
every change, and no interactive query scans a large table."""

from __future__ import annotations

import random
import shutil
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from csdesk.clock import FakeClock, set_clock
from csdesk.domain import OrderStatus, Urgency
from csdesk.domain.rules import OPEN_ORDER_STATUSES, DueState
from csdesk.services import order_list as ol
from csdesk.services import orders as svc
from csdesk.services.tick import run_tick
from csdesk.store import search_index as si
from csdesk.store.engine import read_session, write_session
from csdesk.store.models import OPEN_ORDER_SQL, WorkOrder

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 20, 8, 0, tzinfo=TZ)
NAMES = ("张三", "李四", "王伟", "赵敏", "Smith")
WORDS = ("厨房水管漏水", "卫生间马桶堵塞", "客厅灯不亮", "门锁坏了打不开", "空调不制冷需要清洗")


@pytest.fixture(scope="module")
def world(tmp_path_factory, desk_template):
    """~240 orders in every state, by two owners in three departments, over four days (built once)."""
    from csdesk.clock import _zone
    from csdesk.services.accounts import get_agent
    from csdesk.store.engine import open_database

    path = tmp_path_factory.mktemp("orders") / "desk.db"
    shutil.copyfile(desk_template, path)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CSDESK_TIMEZONE", "Asia/Shanghai")
        _zone.cache_clear()
        engine = open_database(str(path))
        with read_session(engine) as s:
            agents = {n: get_agent(s, n) for n in ("1001", "2001")}
        clock = FakeClock(T0)
        set_clock(clock)
        rng = random.Random(7)
        try:
            for i in range(240):
                clock.advance(minutes=rng.randint(5, 40))
                owner = agents["1001"] if i % 3 else agents["2001"]
                dep = ("engineering", "it", "cleaning")[i % 5 % 3]
                with write_session(engine) as s:
                    info = svc.open_order(s, owner, svc.OrderSpec(
                        description=f"{WORDS[i % 5]} {i}", urgency=(Urgency.NORMAL, Urgency.URGENT)[i % 7 == 0],
                        category="repair", department=dep, customer_name=NAMES[i % 5],
                        phone=f"13{i % 9 + 1}0000{i:04d}", unit_key=f"{i % 4 + 1}-1-{1000 + i}"))
                    fate = rng.random()
                    if fate < 0.6:
                        svc.move(s, owner, info.id, OrderStatus.DISPATCHED)
                    if 0.3 < fate < 0.6:
                        svc.move(s, owner, info.id, OrderStatus.IN_PROGRESS)
                    if 0.45 < fate < 0.55:
                        svc.complete(s, owner, info.id, svc.Completion(5, result="好了"))
                    if 0.5 < fate < 0.55:
                        svc.move(s, owner, info.id, OrderStatus.CLOSED)
                    if 0.6 <= fate < 0.68:
                        svc.move(s, owner, info.id, OrderStatus.ON_HOLD, reason="等配件")
                    if 0.68 <= fate < 0.72:
                        svc.move(s, owner, info.id, OrderStatus.CANCELLED, reason="业主取消")
                if i % 40 == 0:
                    with write_session(engine) as s:
                        run_tick(s)
            with write_session(engine) as s:
                run_tick(s)
        finally:
            set_clock(None)
        _zone.cache_clear()
    yield engine, agents, clock.at
    engine.dispose()


def all_orders(engine) -> list[WorkOrder]:
    with read_session(engine) as s:
        return list(s.exec(select(WorkOrder)))


def expected(orders: list[WorkOrder], q: ol.ListQuery, at: datetime) -> list[int]:
    """The view's rule in Python, in the view's order."""
    open_ = [o for o in orders if OrderStatus(o.status) in OPEN_ORDER_STATUSES]
    by_deadline = lambda rows: [o.id for o in sorted(rows, key=lambda o: (o.deadline_at, o.id))]  # noqa: E731
    start = datetime.combine(at.astimezone(TZ).date(), datetime.min.time(), tzinfo=TZ)
    if q.view == "mine":
        return by_deadline([o for o in open_ if o.owner_id == q.owner_id])
    if q.view == "department":
        return by_deadline([o for o in open_ if o.department == q.department])
    if q.view == "escalated":
        return by_deadline([o for o in open_ if o.overdue_escalated_at is not None])
    if q.view == "overdue":
        return by_deadline([o for o in open_ if o.status != "on_hold" and o.deadline_at <= at])
    if q.view == "due_today":
        return by_deadline([o for o in open_ if o.status != "on_hold"
                            and start <= o.deadline_at < start + timedelta(days=1)])
    if q.view == "on_hold":
        return by_deadline([o for o in orders if o.status == "on_hold"])
    if q.view == "awaiting_visit":
        return [o.id for o in sorted((o for o in orders if o.status == "done"), key=lambda o: (o.completed_at, o.id))]
    return [o.id for o in sorted(orders, key=lambda o: (o.created_at, o.id), reverse=True)]


def walk(engine, q: ol.ListQuery, limit: int) -> tuple[list[int], list[int]]:
    """All ids forwards page by page, and backwards from the last page."""
    forward, backward = [], []
    with read_session(engine) as s:
        page = ol.page_after(s, q, limit=limit)
        assert page.at_start
        while True:
            forward += [r.id for r in page.rows]
            if page.at_end:
                break
            page = ol.page_after(s, q, page.last, limit=limit)
        page = ol.page_before(s, q, limit=limit)
        while True:
            backward = [r.id for r in page.rows] + backward
            if page.at_start or not page.rows:
                break
            page = ol.page_before(s, q, page.first, limit=limit)
    return forward, backward


@pytest.mark.parametrize("view", ol.VIEWS)
def test_each_view_holds_its_rule_in_order_page_by_page(world, view):
    engine, agents, at = world
    q = ol.ListQuery(view=view, owner_id=agents["1001"].id, department="it", at=at)
    want = expected(all_orders(engine), q, at)
    assert want or view in ("escalated",), view  # the world has some of everything
    forward, backward = walk(engine, q, limit=7)
    assert forward == want and backward == want
    with read_session(engine) as s:
        assert ol.count(s, q) == len(want)
        if len(want) > 10:
            page = ol.page_after(s, q, ol.page_after(s, q, limit=7).last, limit=7)
            assert ol.count_before(s, q, page.first) == 7
            again = ol.page_around(s, q, page.first, limit=7)
            assert [r.id for r in again.rows] == [r.id for r in page.rows] and not again.at_start


def test_the_world_has_overdue_escalated_due_soon_and_held_orders(world):
    engine, agents, at = world
    with read_session(engine) as s:
        rows = ol.page_after(s, ol.ListQuery(view="all", at=at), limit=500).rows
        tally = ol.tally(s, agents["1001"].id, at=at)
    states = {r.due(at) for r in rows}
    assert {DueState.OVERDUE, DueState.DUE_SOON, DueState.OK, None} <= states
    assert any(r.overdue_escalated_at for r in rows) and any(r.status is OrderStatus.ON_HOLD for r in rows)
    mine = [r for r in rows if r.owner_id == agents["1001"].id and r.status in OPEN_ORDER_STATUSES]
    assert tally.mine == len(mine)
    assert tally.mine_overdue == sum(1 for r in mine if r.due(at) is DueState.OVERDUE)
    assert tally.escalated_owed > 0
    assert tally.dispatch_late == sum(1 for r in mine if r.dispatched_at is None and r.dispatch_late(at)) > 0


@pytest.mark.parametrize(("search", "check"), [
    ("张三", lambda o: o.customer_name == "张三"),
    ("zs", lambda o: o.customer_name == "张三"),
    ("smith", lambda o: o.customer_name == "Smith"),
    ("0012", lambda o: o.phone.endswith("0012")),
    ("13300000011", lambda o: o.phone == "13300000011"),
    ("2-1-1001", lambda o: o.unit_key == "2-1-1001"),
    ("漏水", lambda o: "漏水" in o.description),
    ("马桶堵塞", lambda o: "马桶堵塞" in o.description),
])
def test_search_finds_what_the_register_would(world, search, check):
    engine, agents, at = world
    orders = all_orders(engine)
    for view in ("all", "mine", "overdue"):
        q = ol.ListQuery(view=view, search=search, owner_id=agents["1001"].id, at=at)
        in_view = set(expected(orders, ol.ListQuery(view=view, owner_id=agents["1001"].id), at))
        want = {o.id for o in orders if check(o) and o.id in in_view}
        forward, backward = walk(engine, q, limit=5)
        assert set(forward) == want and backward == forward, (search, view)
        assert len(forward) == len(set(forward))
        if view == "all" and want:  # newest first
            created = {o.id: (o.created_at, o.id) for o in orders}
            assert forward == sorted(forward, key=lambda i: created[i], reverse=True)


def test_an_order_number_finds_the_order_whatever_the_view(world):
    engine, agents, at = world
    order = max(all_orders(engine), key=lambda o: o.id)
    with read_session(engine) as s:
        rows = ol.page_after(s, ol.ListQuery(view="on_hold", search=order.number.lower(), at=at)).rows
        nothing = ol.page_after(s, ol.ListQuery(view="all", search="WO19990101-0001", at=at)).rows
    assert [r.id for r in rows] == [order.id] and nothing == ()


def test_the_search_index_follows_every_change(engine, agents):
    agent = agents["1001"]
    with write_session(engine) as s:
        info = svc.open_order(s, agent, svc.OrderSpec(description="阳台漏雨", customer_name="钱多多"))

    def found(**kw) -> bool:
        with read_session(engine) as s:
            return any(r.id == info.id for r in ol.page_after(s, ol.ListQuery(**kw)).rows)

    assert found(view="mine", search="漏雨", owner_id=agent.id) and found(view="all", search="qdd")
    with write_session(engine) as s:
        svc.update_order(s, agent, info.id, svc.OrderChanges(description="阳台窗户漏风", customer_name="钱小多"))
    assert not found(view="all", search="漏雨") and found(view="all", search="漏风")
    assert found(view="all", search="钱小多") and not found(view="all", search="钱多多")
    with write_session(engine) as s:
        svc.move(s, agent, info.id, OrderStatus.ON_HOLD, reason="等业主")
    assert found(view="on_hold", search="漏风") and found(view="mine", search="漏风", owner_id=agent.id)
    with write_session(engine) as s:
        svc.move(s, agent, info.id, OrderStatus.CANCELLED, reason="不修了")
    assert not found(view="mine", search="漏风", owner_id=agent.id) and found(view="all", search="漏风")
    with engine.connect() as conn:
        conn.exec_driver_sql("INSERT INTO workorder_fts(workorder_fts, rank) VALUES ('integrity-check', 0)")


def test_the_index_tags_are_the_search_modules_tags(engine):
    from csdesk.store import order_index as oi

    with engine.connect() as conn:
        for status in OrderStatus:
            for dep in ("engineering", "after_sales", "it"):
                sql = ("SELECT " + oi.tags_sql_for_test("w") + " FROM (SELECT ? AS status, ? AS department, 7 AS owner_id, "
                       "'urgent' AS urgency, NULL AS overdue_escalated_at) AS w")
                tags = conn.exec_driver_sql(sql, (status.value, dep)).scalar_one().split()
                assert tags[:4] == [si.tag("st", status.value), si.tag("dep", dep), si.tag("ag", 7),
                                    si.tag("urg", "urgent")]
                assert ("open1" in tags) == (status in OPEN_ORDER_STATUSES)
    # the partial indexes and the queries spell the open statuses alike
    assert OPEN_ORDER_SQL == "status IN (" + ", ".join(f"'{s.value}'" for s in OPEN_ORDER_STATUSES) + ")"


@pytest.mark.parametrize("analyze", [False, True])
def test_no_interactive_query_scans_a_large_table(world, analyze):
    engine, agents, at = world
    if analyze:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    # a partial index holds only its view's rows: walking it in order is reading the view
    walked = {"ix_workorder_created", "ix_workorder_held", "ix_workorder_done", "ix_workorder_escalated"}
    cursor = ol.OrderCursor("2026-11-21 00:00:00.000000", 50, si.time_key(T0, 50))
    searches = ["", "张三", "zs", "0012", "13300000011", "2-1-1001", "漏水", "马桶堵塞", "WO20261120-0001",
                "CT20261120-0001", "elevator"]
    checked = 0
    with read_session(engine) as s:
        for view in ol.VIEWS:
            for search in searches:
                q = ol.ListQuery(view=view, search=search, owner_id=agents["1001"].id, department="it", at=at)
                for kwargs in ({}, {"cursor": cursor}, {"cursor": cursor, "forward": False}, {"count_query": True}):
                    lines = ol.explain(s, q, **kwargs)
                    for line in lines:
                        if not line.startswith("SCAN"):
                            continue
                        if "VIRTUAL TABLE INDEX" in line:
                            assert ":M" in line, (q, lines)
                        elif view == "all" and not search and kwargs.get("count_query"):
                            # counting every order reads the smallest index: done lazily, after the first paint
                            assert "USING COVERING INDEX" in line, (q, lines)
                        else:
                            assert any(f"INDEX {name}" in line for name in walked), (q, kwargs, lines)
                    checked += 1
    assert checked > 300
