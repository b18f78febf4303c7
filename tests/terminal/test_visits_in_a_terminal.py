"""The return-visits view in a real terminal, typed at human speed with the machine kept busy: a
supervisor draws the month, then records a visit as refused with the customer's reason, and the
customer is on the refused-visit list (checked in the database and on the screen)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.terminal.conftest import on_desk
from tests.terminal.harness import CTRL_S, ENTER, HUMAN_SPEEDS, Console, Key


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


# --------------------------------------------------------------------------- each outcome, on the same console

_numbers = iter(range(910000, 920000))


def due_visit(desk, *, refused: str = "") -> dict:
    """A paid repair order completed two hours ago and its visit, due before every other (first in the
    "still to do" view); ``refused``: the customer refused it already (the refused-visit list)."""
    from csdesk.clock import local_tz
    from csdesk.services import visits as svc
    from csdesk.store.models import ReturnVisit
    from tests.test_visits import add_orders

    n = next(_numbers)

    def setup(s, a):
        now = datetime.now(local_tz())
        month = svc.month_of(now)
        if svc.get_draw(s, month) is None:  # drawn first: the order below is added to the draw by hand
            svc.draw(s, a["2001"], month, seed=1)
        (order_id,) = add_orders(s, a["1001"].id, [{"n": n, "paid": True}], start=now - timedelta(hours=2))
        draw_id = svc.get_draw(s, month).id
        visit = ReturnVisit(draw_id=draw_id, work_order_id=order_id, customer_id=None, completed_at=now - timedelta(
            hours=2), reasons="paid", late=True, due_at=now - timedelta(days=60, seconds=n), owner_id=a["1001"].id,
            status="due")
        from csdesk.store.models import WorkOrder

        visit.customer_id = s.get(WorkOrder, order_id).customer_id
        s.add(visit)
        s.flush()
        if refused:
            svc.record_outcome(s, a["1001"], visit.id, "refused", note=refused)
        return visit.id

    vid = on_desk(desk, setup)
    row = desk.db.one("SELECT v.*, w.number AS order_number, w.customer_name, w.phone FROM returnvisit v "
                      "JOIN workorder w ON w.id = v.work_order_id WHERE v.id = ?", (vid,))
    return row


def label(status: str) -> str:
    from csdesk.domain import VisitStatus
    from csdesk.domain.vocab import LABELS

    return LABELS[VisitStatus, status][0]


def on_top(con: Console, visit: dict, per_key: float) -> None:
    """The still-to-do view (2), the visit's row on screen and highlighted (Home: it is due first)."""
    con.play(["2"], per_key)
    con.wait_for_text(visit["customer_name"], timeout=15)
    con.play([Key("home")], per_key)


def register_row(db, visit_id: int) -> dict:
    return db.one("SELECT c.* FROM contact c JOIN returnvisit v ON v.contact_id = c.id WHERE v.id = ?", (visit_id,))


def to_visits(con: Console) -> None:
    con.goto("f5")
    con.press("v")
    con.wait_for_text(con.tr("Return visits"))


def outcome_dialog(con: Console, visit: dict, key: str, title: str, per_key: float) -> None:
    """The visits view, ``visit`` on top, its outcome ``key`` pressed: wait for the dialog's ``title``."""
    to_visits(con)
    on_top(con, visit, per_key)
    con.play([key], per_key)
    con.wait_for_text(con.tr(title))


@pytest.mark.parametrize("per_key", [HUMAN_SPEEDS[0]])
def test_a_visit_reached_and_satisfied_closes_its_order_on_a_busy_machine(supervisor, desk, busy, per_key):
    con, db = supervisor, desk.db
    visit = due_visit(desk)
    outcome_dialog(con, visit, "s", "Reached: the customer is satisfied", per_key)
    con.wait_for_text(visit["order_number"])
    con.play(["师傅很专业，很满意", CTRL_S], per_key)
    done = db.wait_for_row("SELECT * FROM returnvisit WHERE id = ?", (visit["id"],),
                           where=lambda r: r["status"] == "satisfied", timeout=15)
    con.wait_for_text(con.tr("{order}: {status}").format(order=visit["order_number"], status=con.tr(label("satisfied"))))
    assert done["done_at"] is not None and done["attempts"] == 1
    assert db.value("SELECT status FROM workorder WHERE id = ?", (visit["work_order_id"],)) == "closed"
    contact = register_row(db, visit["id"])
    assert (contact["outcome"], contact["status"], contact["channel"]) == ("resolved", "closed", "outbound")
    assert contact["summary"] == "师傅很专业，很满意" and contact["agent_staff_no"] == "2001"
    con.wait_for_gone(visit["customer_name"])  # finished: no longer in the still-to-do view


@pytest.mark.parametrize("per_key", [HUMAN_SPEEDS[1]])
def test_a_visit_reached_with_a_problem_opens_a_linked_contact_and_order_on_a_busy_machine(supervisor, desk, busy,
                                                                                          per_key):
    con, db = supervisor, desk.db
    visit = due_visit(desk)
    outcome_dialog(con, visit, "p", "Reached: the customer has a problem", per_key)
    con.wait_for_text(con.tr("open a new work order"))  # the first choice, taken as it is
    con.play(["热水器又漏水了", CTRL_S], per_key)
    done = db.wait_for_row("SELECT * FROM returnvisit WHERE id = ?", (visit["id"],),
                           where=lambda r: r["status"] == "problem", timeout=15)
    new_order = db.one("SELECT * FROM workorder WHERE id = ?", (done["new_order_id"],))
    assert new_order is not None and new_order["description"] == "热水器又漏水了"
    assert new_order["customer_id"] == visit["customer_id"]
    contact = register_row(db, visit["id"])
    assert contact["work_order_id"] == new_order["id"] and contact["outcome"] == "work_order"
    assert contact["summary"] == "热水器又漏水了" and contact["channel"] == "outbound"
    assert db.value("SELECT status FROM workorder WHERE id = ?", (visit["work_order_id"],)) == "closed"
    con.wait_for_text(new_order["number"], timeout=15)  # the status line names the new order


@pytest.mark.parametrize("per_key", [HUMAN_SPEEDS[2]])
def test_a_busy_visit_is_retried_once_then_not_reached_on_a_busy_machine(supervisor, desk, busy, per_key):
    from zoneinfo import ZoneInfo

    con, db = supervisor, desk.db
    visit = due_visit(desk)
    outcome_dialog(con, visit, "b", "The customer is busy", per_key)
    con.play([CTRL_S], per_key)
    first = db.wait_for_row("SELECT * FROM returnvisit WHERE id = ?", (visit["id"],),
                            where=lambda r: r["status"] == "retry", timeout=15)
    assert first["attempts"] == 1 and first["done_at"] is None
    retry = db.one("SELECT * FROM callback WHERE visit_id = ? AND done_at IS NULL", (visit["id"],))
    assert retry["kind"] == "retry"
    due = datetime.fromisoformat(retry["due_at"]).replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(desk.timezone))
    now = datetime.now(ZoneInfo(desk.timezone))
    assert now < due and (due.date() - now.date()).days <= 1  # later the same day or the next
    shown = due.strftime("%m-%d %H:%M")
    con.wait_for_text(con.tr("retry at {when}").format(when=shown), timeout=15)  # on the visit's row
    contact = register_row(db, visit["id"])  # the register: not resolved, open with the retry's time
    assert (contact["outcome"], contact["status"]) == ("promised", "open") and shown in contact["result"]
    assert db.value("SELECT status FROM workorder WHERE id = ?", (visit["work_order_id"],)) == "done"
    on_top(con, visit, per_key)  # busy again: not reached, closed
    con.play(["b"], per_key)
    con.wait_for_text(con.tr("The customer is busy"))
    con.play([CTRL_S], per_key)
    last = db.wait_for_row("SELECT * FROM returnvisit WHERE id = ?", (visit["id"],),
                           where=lambda r: r["status"] == "unreached", timeout=15)
    assert last["attempts"] == 2 and last["done_at"] is not None
    assert db.value("SELECT count(*) FROM callback WHERE visit_id = ? AND done_at IS NULL", (visit["id"],)) == 0
    con.wait_for_text(con.tr("{order}: {status}").format(order=visit["order_number"],
                                                        status=con.tr(label("unreached"))))
    second = register_row(db, visit["id"])
    assert second["id"] != contact["id"] and (second["outcome"], second["status"]) == ("", "closed")
    assert db.value("SELECT status FROM contact WHERE id = ?", (contact["id"],)) == "closed"
    con.wait_for_gone(visit["customer_name"])


@pytest.mark.parametrize("per_key", [HUMAN_SPEEDS[1]])
def test_the_refused_list_reaches_the_intake_card_and_a_supervisor_lifts_an_entry(supervisor, desk, busy, per_key):
    con, db = supervisor, desk.db
    visit = due_visit(desk, refused="年纪大了，不接回访电话")
    entry = db.one("SELECT * FROM refusedvisit WHERE customer_id = ? AND active", (visit["customer_id"],))
    # the card's warning, up to its colon (the card wraps the rest)
    warning = "⚠ " + con.tr("On the refused-visit list: do not call for return visits.").split(":")[0]
    con.goto("f1")
    con.intake_ready()
    con.play([visit["phone"], ENTER], per_key)  # the known caller, chosen
    con.wait_for_text("✓", timeout=15)
    con.wait_for_text(warning, timeout=15)
    con.wait_for_text("年纪大了，不接回访电话")
    con.reset_intake()
    to_visits(con)
    con.play(["6"], per_key)
    con.wait_for_text("年纪大了，不接回访电话", timeout=15)
    con.play([Key("home"), "L"], per_key)
    con.wait_for_text(con.tr("Lift this entry"))
    con.wait_for_text("年纪大了")
    con.play(["客户来电同意回访", CTRL_S], per_key)
    lifted = db.wait_for_row("SELECT * FROM refusedvisit WHERE id = ?", (entry["id"],),
                             where=lambda r: not r["active"], timeout=15)
    assert lifted["lift_reason"] == "客户来电同意回访" and lifted["lifted_at"] is not None
    assert lifted["lifted_by_id"] == db.value("SELECT id FROM agent WHERE staff_no = '2001'")
    con.wait_for_text(con.tr("Lifted: {who} ({reason})").format(who=visit["customer_name"], reason="客户来电同意回访"))
    assert db.value("SELECT count(*) FROM auditlog WHERE entity = 'refusedvisit' AND entity_id = ? AND staff_no = '2001'",
                    (entry["id"],)) >= 1
    con.goto("f1")  # the card no longer warns
    con.intake_ready()
    con.play([visit["phone"], ENTER], per_key)
    con.wait_for_text("✓", timeout=15)
    con.wait_for_text(visit["customer_name"])
    assert con.stays_absent(warning, 1.0)
    con.reset_intake()


@pytest.mark.parametrize("per_key", [HUMAN_SPEEDS[1]])
def test_a_visit_dialog_killed_mid_typing_gives_the_text_back_next_time_it_opens(open_console, desk, busy, per_key):
    import json
    import time

    db = desk.db
    visit = due_visit(desk)
    kind = f"dlg:v{visit['id']}:refused"
    typed = "客户说最近很忙，下个月再联系"
    con = open_console(desk=desk, login="2001", name="killed-console")
    outcome_dialog(con, visit, "f", "The customer refuses the visit", per_key)
    con.play([typed], per_key)
    last_key = time.monotonic()
    draft = db.wait_for_row("SELECT * FROM draft WHERE kind = ?", (kind,), timeout=5,
                            where=lambda r: json.loads(r["payload"]).get("text") == typed)
    lag = time.monotonic() - last_key
    assert lag < 2.0, f"the draft followed the last key after {lag:.2f} s on a busy machine"
    con.kill()  # the terminal is gone mid-entry: nothing saved
    assert db.value("SELECT status FROM returnvisit WHERE id = ?", (visit["id"],)) == "due"
    again = open_console(desk=desk, login="2001", name="next-console")
    to_visits(again)
    on_top(again, visit, per_key)
    again.play(["f"], per_key)
    again.wait_for_text(again.tr("The customer refuses the visit"))
    again.wait_for_text(typed, timeout=15)  # back in the field
    again.wait_for_text(again.tr("Restored what was typed here at {when} and not saved; Esc discards it.")
                        .split("{when}")[0].strip())
    claimed = db.one("SELECT * FROM draft WHERE kind = ?", (kind,))
    assert claimed["id"] == draft["id"] and claimed["console"] != draft["console"]  # this console's now
    again.play(["。", CTRL_S], per_key)
    done = db.wait_for_row("SELECT * FROM returnvisit WHERE id = ?", (visit["id"],),
                           where=lambda r: r["status"] == "refused", timeout=15)
    assert db.value("SELECT reason FROM refusedvisit WHERE id = ?", (done["refused_visit_id"],)) == typed + "。"
    assert db.value("SELECT count(*) FROM draft WHERE kind = ?", (kind,)) == 0  # saved: the draft is gone
