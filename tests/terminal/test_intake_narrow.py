"""Issue 9, "Screens that fit the desk's terminals": intake at 80×24, typed key by key on a busy
machine.  Every input the call needs has rows and is reached by Tab (the form scrolls to it),
and the status line under the form says what was saved."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.terminal.conftest import unique_phone
from tests.terminal.harness import CTRL_S, ENTER, TAB, Key

PER_KEY = 0.08


@pytest.fixture
def narrow(intake):
    """The module's console on an empty intake form, its window then narrowed to 80×24 (the form
    loaded first: at 24 rows the category row is below the fold, nothing to wait for on screen)."""
    intake.resize(80, 24)
    intake.wait_for(lambda: len(intake.lines_text()) == 24 and intake.has(intake.tr("Phone")), what="80x24")
    yield intake
    intake.resize(120, 40)


def test_a_promised_reply_typed_at_80x24_reaches_the_reply_time_and_saves(narrow, busy):
    con = narrow
    db = con.desk.db
    phone = unique_phone()
    before = db.value("SELECT coalesce(max(id), 0) FROM contact")
    con.play([phone, ENTER, "钱八", TAB, "1", TAB, "1", TAB, "1503", TAB], PER_KEY)
    con.wait_for_text("▊  1503 ")  # a room of four digits shows whole (its first digit once scrolled out of sight)
    con.play([TAB, "物业费什么时候交", TAB, "1", TAB, TAB, TAB, TAB, "4", TAB], PER_KEY)
    label = con.tr("Reply within (minutes) or at (HH:MM)")
    con.wait_for_text(label)  # scrolled into view with the field Tab went to
    con.play(["45"], PER_KEY)
    con.wait_for_text("▊  45 ")  # typed into the reply time, on screen
    con.play([CTRL_S], PER_KEY)
    row = con.wait_for(lambda: db.one("SELECT * FROM contact WHERE id > ?", (before,)), timeout=15,
                       what="the promised reply saved")
    assert (row["customer_name"], row["unit_key"], row["outcome"]) == ("钱八", "1-1-1503", "promised")
    due = db.value("SELECT due_at FROM callback WHERE contact_id = ?", (row["id"],))
    from datetime import datetime

    gap = datetime.fromisoformat(due) - datetime.fromisoformat(row["created_at"])
    assert timedelta(minutes=44) <= gap <= timedelta(minutes=46)
    con.wait_for_text(con.tr("Saved {number}").format(number=row["number"]))  # the status line, in sight


def test_an_information_change_at_80x24_shows_each_field_as_it_is_reached(narrow, busy):
    con = narrow
    db = con.desk.db
    phone = unique_phone()
    from tests.terminal.conftest import seed_caller

    customer_id = seed_caller(con.desk, phone, "孔九", "2", "2", "202")
    con.play([phone, ENTER], PER_KEY)
    con.wait_for_text("✓")
    con.play(["改名字", TAB, "4", TAB, TAB, TAB], PER_KEY)
    con.wait_for_text(con.tr("Identity: last 4 of the registered phone, or the name on record")[:30])
    con.play(["孔九", TAB, TAB], PER_KEY)
    con.wait_for_text(con.tr("New name"))
    con.play(["孔久", CTRL_S], PER_KEY)
    con.desk.db.wait_for_row("SELECT * FROM customer WHERE id = ? AND name = '孔久'", (customer_id,), timeout=15)
    assert db.value("SELECT identity_verified FROM contact ORDER BY id DESC LIMIT 1") == 1


def test_an_online_contact_shows_its_sub_channel_choices_and_takes_the_key(narrow, busy):
    # The sub-channel row appears when "3" makes the contact an online one; it once had no height
    # (its box was 1fr in the scrolling form): the choices were not shown and the keys after it shifted.
    con = narrow
    db = con.desk.db
    before = db.value("SELECT coalesce(max(id), 0) FROM contact")
    con.play([Key("shift+tab"), "3", TAB], PER_KEY)
    con.wait_for_text(con.tr("WeChat"))
    con.play(["5", TAB, unique_phone(), ENTER, "冯十一", TAB, TAB, TAB, TAB, TAB, "小程序下单后没有收到确认短信",
              TAB, "1", CTRL_S], PER_KEY)
    row = con.wait_for(lambda: db.one("SELECT * FROM contact WHERE id > ?", (before,)), timeout=15,
                       what="the online contact saved")
    assert (row["channel"], row["channel_detail"], row["customer_name"], row["summary"]) == \
        ("online", "wechat", "冯十一", "小程序下单后没有收到确认短信")
