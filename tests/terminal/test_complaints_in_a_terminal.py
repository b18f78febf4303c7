"""The complaints view in a real terminal, typed at human speed with the machine kept busy: a
supervisor takes a complaint, writes the plan, records a call and the customer's response and
closes it, each step checked in the database as it lands."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.terminal.conftest import on_desk
from tests.terminal.harness import CTRL_S, ENTER, HUMAN_SPEEDS, Console


@pytest.mark.parametrize("per_key", [HUMAN_SPEEDS[1]])
def test_a_supervisor_works_a_complaint_to_its_close_on_a_busy_machine(supervisor, desk, busy, per_key):
    from csdesk.services import complaints as cs

    con, db = supervisor, desk.db
    cid = on_desk(desk, lambda s, a: cs.file_complaint(s, a["1001"], cs.ComplaintForm(
        customer_name="赵女士", contact="…5678", about="维修师傅态度差，地上留有垃圾")))
    number = db.value("SELECT number FROM complaint WHERE id = ?", (cid,))
    con.goto("f5")
    con.press("c")
    con.wait_for_text(number, timeout=15)
    con.wait_for_text("维修师傅态度差")  # its record beside the list

    def step(key: str, title: str, typed: list, where: Callable[[dict], bool]) -> dict:
        con.play([key], per_key)
        con.wait_for_text(con.tr(title))
        con.play([*typed, CTRL_S], per_key)
        row = db.wait_for_row("SELECT * FROM complaint WHERE id = ?", (cid,), where=where, timeout=15)
        con.wait_for_gone(con.tr(title))
        return row

    taken = step("t", "Take on this complaint", [], lambda r: r["supervisor_id"] is not None)
    assert taken["status"] == "in_hand" and taken["owned_at"] is not None
    assert taken["supervisor_id"] == db.value("SELECT id FROM agent WHERE staff_no = '2001'")
    planned = step("p", "The supervisor's plan", ["1. 上门道歉", ENTER, "2. 重新清理现场"], lambda r: r["plan"])
    assert planned["plan"] == "1. 上门道歉\n2. 重新清理现场"
    called = step("k", "A call to the customer", ["电话致歉，约明天上门"], lambda r: r["calls"] >= 1)
    assert called["replied_at"] is not None  # the first call is the reply
    responded = step("r", "The customer's response", ["接受，满意"], lambda r: r["customer_response"])
    assert responded["customer_response"] == "接受，满意"
    closed = step("x", "Close the complaint", [], lambda r: r["status"] == "closed")
    assert closed["closed_at"] is not None
    kinds = [r["kind"] for r in db.rows("SELECT kind FROM complaintevent WHERE complaint_id = ? ORDER BY id", (cid,))]
    assert kinds[-5:] == ["taken", "plan", "call", "response", "closed"]
    assert {r["staff_no"] for r in db.rows(
        "SELECT staff_no FROM complaintevent WHERE complaint_id = ? AND kind NOT IN ('created', 'escalated')",
        (cid,))} == {"2001"}


@pytest.mark.parametrize("per_key", [HUMAN_SPEEDS[0]])
def test_a_plan_killed_mid_typing_is_given_back_when_the_plan_opens_again(open_console, desk, busy, per_key):
    import json
    import time

    from csdesk.services import complaints as cs

    db = desk.db
    cid = on_desk(desk, lambda s, a: cs.file_complaint(s, a["1001"], cs.ComplaintForm(
        customer_name="钱先生", contact="…4321", about="维修后又漏水")))
    number = db.value("SELECT number FROM complaint WHERE id = ?", (cid,))
    kind = f"dlg:cp{cid}:write_plan"
    lines = ["1. 当天回电致歉", "2. 安排复修"]

    def open_plan(con: Console) -> None:
        con.goto("f5")
        con.press("c")
        con.wait_for_text(number, timeout=15)
        con.wait_for_text("维修后又漏水")
        con.wait_for_text(con.tr("First handler"))  # the record shown, as the supervisor sees it before a step
        con.play(["p"], per_key)
        con.wait_for_text(con.tr("The supervisor's plan"))

    con = open_console(desk=desk, login="2001", name="killed-console")
    open_plan(con)
    con.play([lines[0], ENTER, lines[1]], per_key)
    last_key = time.monotonic()
    db.wait_for_row("SELECT * FROM draft WHERE kind = ?", (kind,), timeout=5,
                    where=lambda r: json.loads(r["payload"]).get("text") == "\n".join(lines))
    assert time.monotonic() - last_key < 2.0
    con.kill()
    assert db.value("SELECT plan FROM complaint WHERE id = ?", (cid,)) == ""
    again = open_console(desk=desk, login="2001", name="next-console")
    open_plan(again)
    for line in lines:
        again.wait_for_text(line, timeout=15)
    again.play([CTRL_S], per_key)
    saved = db.wait_for_row("SELECT * FROM complaint WHERE id = ?", (cid,), where=lambda r: r["plan"], timeout=15)
    assert saved["plan"] == "\n".join(lines)
    assert db.value("SELECT count(*) FROM draft WHERE kind = ?", (kind,)) == 0
