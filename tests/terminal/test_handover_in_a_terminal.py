"""The handover notebook (F4) in a real terminal, typed at key by key: an agent writes the page (an
instruction in Chinese, a prospect) and signs it off; the next shift's agent logs in, is taken to it,
acknowledges it item by item; the supervisor opens the review straight from ``csdesk handover review``.

The consoles run on the real clock, so the desk gets a shift table of its own around the moment the test
runs: the current shift started three hours ago and ends in 40 minutes, and the next one starts then (the
30-minute reminder is 10 minutes away, the incoming agent is "early for the next shift").  What depends
on the time of day (the reminder, the escalation across midnight) is tested on the injectable clock in
``tests/test_handover_services.py`` and ``tests/test_handover_screen.py``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.terminal.conftest import on_desk, seed_caller, unique_phone
from tests.terminal.harness import ENTER, HUMAN_SPEEDS, Console


def shifts_around_now(desk, ends_in: int = 40) -> None:
    """A shift table in the desk's config: "early" ends ``ends_in`` minutes from now, "late" takes over then.

    The desk's own shifts (day 09:00, night 18:00, regular 09:00) stay in its table beside these: they
    are moved onto "early" here, or one of them starting within the hour (the test run between 08:20 and
    09:00, or 17:20 and 18:00) would be the shift an early arrival comes for, not "late"."""
    now = datetime.now(ZoneInfo(desk.timezone))
    start = (now - timedelta(hours=3)).strftime("%H:%M")
    end = (now + timedelta(minutes=ends_in)).strftime("%H:%M")
    folder = desk.home / "config" / "csdesk"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "shifts.toml").write_text(f"""
[[shift]]
code = "early"
name_zh = "早班"
name_en = "Early"
start = "{start}"
end = "{end}"

[[shift]]
code = "late"
name_zh = "晚班"
name_en = "Late"
start = "{end}"
end = "{start}"
""" + "".join(f"""
[[shift]]
code = "{code}"
name_zh = "早班"
name_en = "Early"
start = "{start}"
end = "{end}"
""" for code in ("day", "night", "regular")), encoding="utf-8")


def seed_order(desk, phone: str) -> None:
    """Agent 1001 took a repair call earlier in the shift: an open work order on their page."""
    from csdesk.services.intake import IntakeForm, record_contact

    on_desk(desk, lambda s, a: record_contact(s, IntakeForm(phone=phone, name="周八", building="5", unit="1",
                                                            room="0302", category="repair", summary="地下车库积水"),
                                              a["1001"]))


@pytest.mark.parametrize("per_key", [HUMAN_SPEEDS[1]])
def test_written_signed_off_received_and_reviewed(fresh_desk, open_console, per_key):
    desk = fresh_desk
    shifts_around_now(desk)
    phone = unique_phone()
    seed_caller(desk, unique_phone("138"), "孙九")  # another caller: must not be on the page
    seed_order(desk, phone)

    # -- the outgoing agent writes the page and signs it off
    writer: Console = open_console(login="1001")
    writer.goto("f4")
    writer.wait_for_text("地下车库积水")
    writer.wait_for_text(writer.tr("draft"))
    assert not writer.has("孙九")
    writer.press("e", per_key=per_key)
    writer.wait_for_text(writer.tr("What must the next shift do?"))
    writer.play(["明早联系工程部排水", ENTER], per_key)
    writer.wait_for_text(writer.tr("Instruction saved."))
    writer.wait_for_text("明早联系工程部排水")
    writer.press("n", per_key=per_key)
    writer.wait_for_text(writer.tr("Add an item to the handover"))
    writer.play(["钱十", ENTER, "13912345678", ENTER, "咨询车位租售", ENTER, "明早回电", ENTER], per_key)
    writer.wait_for_text(writer.tr("Item added."))
    writer.press("s", per_key=per_key)
    writer.wait_for_text(writer.tr("Sign off your handover for this shift?"))
    writer.press("y", per_key=per_key)
    writer.wait_for_text(writer.tr("Signed off: {n} items handed over.").format(n=2))
    page = desk.db.wait_for_row("SELECT * FROM handover WHERE submitted_at IS NOT NULL")
    assert (page["shift_code"], page["to_shift_code"], page["status"]) == ("early", "late", "submitted")
    items = desk.db.rows("SELECT * FROM handoveritem WHERE handover_id = ? ORDER BY sort", (page["id"],))
    assert [(i["matter"], i["instruction"]) for i in items] == [("order", "明早联系工程部排水"), ("", "明早回电")]
    assert items[1]["customer_name"] == "钱十" and items[1]["phone"] == "13912345678"
    # the keys that write are gone from the signed-off page
    writer.press("e", per_key=per_key)
    assert writer.stays_absent(writer.tr("What must the next shift do?"), 0.5)
    writer.kill()

    # -- the next shift's agent logs in early for it: the console opens on the waiting page
    receiver: Console = open_console(login="2001")
    receiver.wait_for_text(writer.tr("{n} items to acknowledge").format(n=2), timeout=20)
    for left in (1, 0):
        receiver.press("a", per_key=per_key)
        if left:
            receiver.wait_for_text(writer.tr("{n} items to acknowledge").format(n=left))
    receiver.wait_for_text(writer.tr("Every item is acknowledged: the handover is received."))
    acked = desk.db.rows("SELECT i.acknowledged_at, a.staff_no FROM handoveritem i JOIN agent a "
                         "ON a.id = i.acknowledged_by_id WHERE i.handover_id = ?", (page["id"],))
    assert len(acked) == 2 and {r["staff_no"] for r in acked} == {"2001"}
    passed = desk.db.one("SELECT p.matter, f.staff_no AS frm, t.staff_no AS dest FROM handoverpass p "
                         "JOIN agent f ON f.id = p.from_agent_id JOIN agent t ON t.id = p.to_agent_id")
    assert passed == {"matter": "order", "frm": "1001", "dest": "2001"}
    receiver.kill()


def test_the_review_launch_opens_straight_on_the_review(fresh_desk, open_console):
    from tests.terminal.harness import Console

    desk = fresh_desk
    shifts_around_now(desk)
    con = Console(desk, args=["handover", "review"], name="review").start()
    try:
        con.login("2001")
        con.wait_for_text(con.tr("handovers by day and shift, the night's first"), timeout=20)
        con.wait_for_text(con.tr("{n} handovers").format(n=0))
    finally:
        con.kill()


def test_the_30_minute_reminder_is_shown_once_and_stays_reachable(fresh_desk, open_console):
    """The shift ends in 20 minutes: the console says so once, on the screen the agent is on; F4 then k
    lists the unclosed matters with no update this shift."""
    desk = fresh_desk
    shifts_around_now(desk, ends_in=20)
    seed_order(desk, unique_phone())
    con: Console = open_console(login="1001")
    con.wait_for_text(con.tr("30-minute check"), timeout=30)
    con.goto("f4")
    con.wait_for_text("地下车库积水")
    con.press("k")
    con.wait_for_text(con.tr("Update every unclosed order and call-back before you go: these {n} of {total} "
                             "have no update this shift. Enter goes to one; an instruction written on it "
                             "counts.").format(n=0, total=1)[:40])
