"""Issue 9, "Privacy at the desk", in a real terminal: the lock hides the whole desk and keeps the
form; an agent sees a chosen caller's number masked and reveals it deliberately (audited)."""

from __future__ import annotations

from tests.terminal.conftest import seed_caller, unique_phone
from tests.terminal.harness import ENTER

PER_KEY = 0.08


def test_ctrl_l_hides_the_whole_desk_and_unlocking_keeps_every_character(intake):
    con = intake
    phone = unique_phone()
    summary = "楼道灯不亮已经三天"
    # (Enter on a new number goes on to the name: tests/terminal/test_issue9_keys_land.py; this test
    # is about the lock, so it waits for the card and types the summary into the name: only its text counts)
    con.play([phone], PER_KEY)
    con.wait_for_text(con.tr("New caller"))
    con.play([ENTER, summary], PER_KEY)
    con.wait_for_text(summary)
    con.press("ctrl+l")
    locked = con.tr("Locked: {name} ({staff_no})").split(":")[0]
    con.wait_for_text(locked)
    screen = con.screen_text()
    for private in (summary, phone, phone[-4:], con.tr("My queue")):
        assert private not in screen, f"{private!r} readable around the lock\n{con.dump()}"
    con.play(["demo", ENTER], PER_KEY)
    con.wait_for_gone(locked)
    con.wait_for_text(summary)
    assert phone in con.screen_text()


def test_a_caller_found_by_last_four_shows_masked_and_ctrl_o_reveals_it_on_the_record(intake):
    con = intake
    phone = unique_phone()
    customer_id = seed_caller(con.desk, phone, "钱十二", "8", "1", "808")
    masked = f"{phone[:3]}****{phone[-4:]}"
    con.play([phone[-4:]], PER_KEY)
    con.wait_for_text("钱十二")
    con.play([ENTER], PER_KEY)
    con.wait_for_text("✓")
    con.wait_for_text(masked)
    assert phone not in con.screen_text()
    before = con.desk.db.value("SELECT count(*) FROM auditlog WHERE action = 'reveal_phone'")
    con.press("ctrl+o")
    con.wait_for_text(phone)
    con.desk.db.wait_for_row("SELECT * FROM auditlog WHERE action = 'reveal_phone' AND entity = 'customer' "
                             "AND entity_id = ?", (customer_id,))
    assert con.desk.db.value("SELECT count(*) FROM auditlog WHERE action = 'reveal_phone'") == before + 1
