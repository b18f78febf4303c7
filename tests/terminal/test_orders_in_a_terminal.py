"""F3 in a real terminal, typed at human speed with the machine kept busy: a new service
record through the form, a status change by its key, the slip printed, each checked in the
database."""

from __future__ import annotations

import shutil

import pytest

from tests.terminal.conftest import unique_phone
from tests.terminal.harness import CTRL_S, HUMAN_SPEEDS, TAB


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
