"""The return-visits view in a real terminal, typed at human speed with the machine kept busy: a
supervisor draws the month, then records a visit as refused with the customer's reason, and the
customer is on the refused-visit list (checked in the database and on the screen)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from tests.terminal.harness import CTRL_S, HUMAN_SPEEDS, Console
from tests.terminal.test_complaints_in_a_terminal import on_desk


@pytest.fixture(scope="module")
def supervisor(desk) -> Iterator[Console]:
    con = Console(desk, name="supervisor-console").start()
    try:
        con.login("2001")
        yield con
    finally:
        con.kill()


def completed_this_month(session, agents, n: int) -> list[int]:
    """``n`` paid repair orders (each of its own customer) completed earlier this month: all drawn."""
    from csdesk.clock import local_tz
    from tests.test_visits import add_orders

    now = datetime.now(local_tz())
    start = now.replace(day=1, hour=0, minute=1, second=0, microsecond=0)
    if now - start < timedelta(hours=n + 1):  # the first hours of a month: the orders fit before now
        start = now - timedelta(hours=n + 1)
    return add_orders(session, agents["1001"].id, [{"n": 900000 + i, "paid": True} for i in range(n)], start=start)


@pytest.mark.parametrize("per_key", [HUMAN_SPEEDS[1]])
def test_a_supervisor_draws_the_month_and_a_visit_is_refused_on_a_busy_machine(supervisor, desk, busy, per_key):
    con, db = supervisor, desk.db
    orders = on_desk(desk, lambda s, a: completed_this_month(s, a, 3))
    con.goto("f5")
    con.press("v")
    con.wait_for_text(con.tr("Return visits"))
    con.play(["D"], per_key)
    month = datetime.now().strftime("%Y-%m")
    con.wait_for_text(con.tr("Draw the return visits of {month}").format(month=month))
    con.play([CTRL_S], per_key)
    draw = db.wait_for_row("SELECT * FROM visitdraw WHERE month = ?", (month,), timeout=20)
    assert draw["picked"] == 3 and draw["drawn_by_id"] == db.value("SELECT id FROM agent WHERE staff_no = '2001'")
    con.wait_for_text(con.tr("{month}: {picked} visits drawn from {orders} orders (seed {seed}).").format(
        month=month, picked=3, orders=3, seed=draw["seed"]), timeout=15)
    visits = db.rows("SELECT * FROM returnvisit WHERE draw_id = ? ORDER BY work_order_id", (draw["id"],))
    assert [v["work_order_id"] for v in visits] == orders and all("paid" in v["reasons"] for v in visits)
    con.play(["5"], per_key)  # all the month's visits
    con.wait_for_text("客户900000")
    con.play(["f"], per_key)
    con.wait_for_text(con.tr("The customer refuses the visit"))
    # the reason and Ctrl+S in one burst (a fast typist; a busy console): every character is saved
    con.type_burst(["不需要回访，别再打来", CTRL_S])
    visit = db.wait_for_row("SELECT * FROM returnvisit WHERE draw_id = ? AND status = 'refused'", (draw["id"],),
                            timeout=15)
    entry = db.wait_for_row("SELECT * FROM refusedvisit WHERE customer_id = ? AND active", (visit["customer_id"],))
    assert entry["reason"] == "不需要回访，别再打来"
    assert db.value("SELECT count(*) FROM returnvisit WHERE draw_id = ? AND status = 'refused'", (draw["id"],)) == 1
    name = db.value("SELECT name FROM customer WHERE id = ?", (visit["customer_id"],))
    con.play(["6"], per_key)  # the refused-visit list, for the whole team
    con.wait_for_text("不需要回访，别再打来", timeout=15)
    assert name in con.screen_text()
