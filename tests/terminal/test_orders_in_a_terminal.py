"""F3 in a real terminal, typed at human speed with the machine kept busy: a new service
record through the form, a status change by its key, the slip printed, each checked in the
database."""

from __future__ import annotations

import shutil

import pytest

from tests.terminal.conftest import unique_phone
from tests.terminal.harness import CTRL_S, HUMAN_SPEEDS, TAB, Key

DOWN, SPACE = Key("down"), " "


@pytest.mark.parametrize("per_key", [HUMAN_SPEEDS[1]])
def test_a_new_order_typed_dispatched_and_printed_on_a_busy_machine(console, desk, busy, per_key):
    con = console
    db = desk.db
    con.goto("f3")
    con.wait_for_text(con.tr("Mine"))
    before = db.value("SELECT coalesce(max(id), 0) FROM workorder")
    phone = unique_phone("137")
    con.press("n")
    con.wait_for_text(con.tr("New service record"))
    con.wait_for_text(con.tr("Call received {span} ago").split("{")[0].strip())  # the clock since the call
    con.play([phone, TAB, "钱多多", TAB, "6", TAB, "1", TAB, "701", TAB, TAB, "卫生间马桶漏水，地面有积水", TAB, "2"],
             per_key)
    con.wait_for_text(con.tr("Plumbing and electrics"))  # the repair sub-types are offered
    con.play([CTRL_S], per_key)
    order = db.wait_for_row("SELECT * FROM workorder WHERE id > ? ORDER BY id", (before,), timeout=20)
    con.wait_for_text(con.tr("Saved {number}.").format(number=order["number"]), timeout=20)
    assert {k: order[k] for k in ("phone", "customer_name", "unit_key", "description", "category", "urgency",
                                  "department", "status", "paid")} == {
        "phone": phone, "customer_name": "钱多多", "unit_key": "6-1-701", "description": "卫生间马桶漏水，地面有积水",
        "category": "repair", "urgency": "normal", "department": "engineering", "status": "open", "paid": 0}
    assert order["received_at"] is not None and order["received_at"] <= order["created_at"]
    assert db.drafts("1001") == []
    # its status by its key: the new order is the selected one
    con.play(["d"], per_key)
    db.wait_for_row("SELECT * FROM workorder WHERE id = ?", (order["id"],), where=lambda r: r["status"] == "dispatched")
    con.wait_for_text(f"{order['number']}: {con.tr('dispatched')}")
    event = db.one("SELECT * FROM workorderevent WHERE work_order_id = ? ORDER BY id DESC LIMIT 1", (order["id"],))
    assert (event["from_status"], event["to_status"], event["staff_no"]) == ("open", "dispatched", "1001")
    # the slip: PDF into the desk's folder (the console's working directory), three copies
    con.play(["p"], per_key)
    con.wait_for_text(con.tr("Print the slip of {number}").format(number=order["number"]))
    if shutil.which("lp"):
        con.play(["2"], per_key)  # the system printer comes first where there is one
    con.play([CTRL_S], per_key)
    printed = db.wait_for_row("SELECT * FROM workorder WHERE id = ?", (order["id"],),
                              where=lambda r: r["copies_printed"] == 3, timeout=20)
    assert printed["print_count"] == 1
    slips = list(desk.home.glob(f"slip-{order['number']}-*.pdf"))
    assert len(slips) == 1 and slips[0].read_bytes().startswith(b"%PDF")
    audit = db.one("SELECT * FROM auditlog WHERE action = 'print' AND entity_id = ?", (order["id"],))
    assert audit is not None and audit["staff_no"] == "1001"
    con.press("f1")  # the module's console back where the other tests expect it


def stamp(value: str):
    """A time as the database stores it (naive UTC text)."""
    from datetime import datetime

    return datetime.fromisoformat(value)


@pytest.mark.parametrize("per_key", [HUMAN_SPEEDS[1]])
def test_fees_the_5_minute_flag_a_refused_move_hold_resume_and_a_low_score_on_a_busy_machine(
        console, desk, busy, per_key):
    from datetime import UTC, datetime, timedelta

    from csdesk.clock import now
    from csdesk.services.orders import OrderSpec, open_order
    from tests.terminal.conftest import on_desk

    con, db = console, desk.db
    # a call taken 10 minutes ago and not dispatched yet: flagged on the list
    late = on_desk(desk, lambda s, a: open_order(s, a["1001"], OrderSpec(
        description="楼道灯不亮", category="repair", customer_name="吴先生", phone=unique_phone("136"),
        unit_key="2-1-301", received_at=now() - timedelta(minutes=10))))
    con.goto("f3")
    con.wait_for_text(con.tr("Mine"))
    con.press("ctrl+r")
    row = con.wait_for(lambda: next((part for ln in con.lines_text() if late.number in (part := ln.split("│")[0])),
                                    None), 15, late.number)  # the list's row (the order pane is right of │)
    assert con.tr("5 min") in row
    # a paid order typed into the form: two taps and a leak priced on inspection
    before = db.value("SELECT coalesce(max(id), 0) FROM workorder")
    phone = unique_phone("135")
    con.press("n")
    con.wait_for_text(con.tr("New service record"))
    con.play([phone, TAB, "周先生", TAB, "6", TAB, "2", TAB, "802", TAB, TAB, "换两个水龙头，阳台渗漏", TAB, "2",
              TAB, TAB, TAB, TAB, TAB, TAB, "2"], per_key)
    con.wait_for_text(con.tr("Fee items (Enter or + adds, - takes away)"))
    con.play([TAB, "+", "+"], per_key)
    con.wait_for_text(con.tr("Quote") + ": ¥60.00")
    con.play([DOWN] * 6 + ["+"], per_key)
    con.wait_for_text(con.tr("{total} + {n} priced on inspection").format(total="¥60.00", n=1))
    con.wait_for_text(con.tr("tell the customer the technician prices it on site"))
    con.play([TAB, SPACE, CTRL_S], per_key)
    order = db.wait_for_row("SELECT * FROM workorder WHERE id > ? AND phone = ?", (before, phone), timeout=20)
    con.wait_for_text(con.tr("Saved {number}.").format(number=order["number"]), timeout=20)
    assert (order["paid"], order["price_told"], order["status"]) == (1, 1, "open")
    fees = {r["code"]: r["quantity"] for r in db.rows("SELECT * FROM workorderfee WHERE work_order_id = ?",
                                                      (order["id"],))}
    assert fees == {"tap_replace": 2, "leak_inspect": 1}
    # an illegal move is refused with its message: an open order cannot be closed
    con.play(["x"], per_key)
    con.wait_for_text(con.tr("Order {number} is {state}: it cannot be moved to {target}.").format(
        number=order["number"], state=con.tr("new"), target=con.tr("order closed")))
    assert db.value("SELECT status FROM workorder WHERE id = ?", (order["id"],)) == "open"
    # on hold with its reason, then resumed: the deadline moves by the time held
    con.play(["h"], per_key)
    con.wait_for_text(con.tr("Put {number} on hold").format(number=order["number"]))
    con.type_burst(["等配件到货", CTRL_S])  # typed ahead of the console: the whole reason is saved
    held = db.wait_for_row("SELECT * FROM workorder WHERE id = ?", (order["id"],),
                           where=lambda r: r["status"] == "on_hold")
    assert held["hold_reason"] == "等配件到货" and held["held_since"] is not None
    con.wait_for_text(f"{order['number']}: {con.tr('on hold')}")
    # the time held is the subject: a couple of seconds of it, so the deadline visibly moves
    con.wait_for(lambda: datetime.now(UTC).replace(tzinfo=None) - stamp(held["held_since"]) > timedelta(seconds=2.2))
    con.play(["d"], per_key)
    resumed = db.wait_for_row("SELECT * FROM workorder WHERE id = ?", (order["id"],),
                              where=lambda r: r["status"] == "dispatched")
    moved = db.one("SELECT * FROM workorderevent WHERE work_order_id = ? AND kind = 'deadline'", (order["id"],))
    held_for = stamp(resumed["dispatched_at"]) - stamp(held["held_since"])
    assert held_for >= timedelta(seconds=2) and resumed["held_since"] is None
    assert stamp(resumed["deadline_at"]) - stamp(held["deadline_at"]) == held_for  # to the second, as stored
    assert "resumed after" in moved["note"]
    # started and completed with satisfaction 2: a call-back within 2 hours for the agent who took the call
    con.wait_for_text(f"{order['number']}: {con.tr('dispatched')}")
    con.play(["s"], per_key)
    db.wait_for_row("SELECT * FROM workorder WHERE id = ?", (order["id"],), where=lambda r: r["status"] == "in_progress")
    con.wait_for_text(f"{order['number']}: {con.tr('in progress')}")
    con.play(["c"], per_key)
    con.wait_for_text(con.tr("Complete {number}").format(number=order["number"]))
    con.play(["换了两个水龙头，补了防水", TAB, "水龙头2个", TAB, "60", TAB, SPACE, TAB, "一般", TAB, "2", CTRL_S],
             per_key)
    done = db.wait_for_row("SELECT * FROM workorder WHERE id = ?", (order["id"],),
                           where=lambda r: r["status"] == "done", timeout=15)
    assert done["satisfaction"] == 2 and done["fee_charged_fen"] == 6000
    callback = db.wait_for_row("SELECT * FROM callback WHERE work_order_id = ?", (order["id"],))
    assert callback["agent_id"] == order["owner_id"] == db.value("SELECT id FROM agent WHERE staff_no = '1001'")
    due = datetime.fromisoformat(callback["due_at"]) - datetime.fromisoformat(done["completed_at"])
    assert timedelta(0) < due <= timedelta(hours=2) and callback["kind"] == "low_score"
    con.press("f1")
