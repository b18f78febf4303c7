"""Issue 9, "Every key lands where the agent put it": intake typed at 50, 80 and 150 ms per key
with every core busy, and the saved row compared field by field.

On a busy machine the console is sometimes not run for a moment, and the keys
typed meanwhile reach it together.  With the CPU burner alone that happens at
random: in a trial of 36 intakes like these (12 per speed), about one in four saved a key
in the wrong field.  To make each case certain, the tests add a ``Hiccup`` (the
console frozen while the next keys are typed, at the same pace) at the moment
that matters; a console that handles its keys in order saves the same row
whatever the hiccups.

What was wrong, and is no more: Tab was one of Textual's non-priority bindings, so it was
first delivered to the focused field and bubbled up to the App before focus
moved, and keys that arrived with it went to the field it left (the key line,
screens/keys.py, fixed it).  A digit on a choice bar changed the form's shape
only when its Changed message was handled.  Enter on a new number moved on to
the matter and, once the empty search came back, on again to the category, so
everything typed after Enter was lost (Enter now holds the keys behind it until
its search is back).  And the rare reordering of keys within a field ("王小明"
saved as "王明小") came from the hiccups themselves: Textual answered the SIGCONT
that ends each one by starting one more thread reading the terminal, and two
readers shared the keys out between them (screens/compat.py,
resume_only_after_a_suspend).
"""

from __future__ import annotations

import pytest

from tests.terminal.conftest import seed_caller, unique_phone
from tests.terminal.harness import CTRL_S, ENTER, HUMAN_SPEEDS, TAB, Console, Hiccup, Key

CONSOLE_SIZE = (120, 50)  # the whole form, the status line included, fits: a refusal shows at once
FIELDS = ("phone", "customer_name", "unit_key", "address", "summary", "category", "subtype", "urgency", "outcome")
speeds = pytest.mark.parametrize("per_key", HUMAN_SPEEDS, ids=[f"{int(s * 1000)}ms" for s in HUMAN_SPEEDS])


def save_typed(con: Console, items: list, per_key: float, **kwargs) -> dict:
    """Type the intake and Ctrl+S; the row it saved (fails with the screen if nothing was saved)."""
    db = con.desk.db
    before = db.value("SELECT coalesce(max(id), 0) FROM contact")
    con.play([*items, CTRL_S], per_key, seed=1, **kwargs)
    saved = con.tr("Saved {number}").split("{")[0]
    not_saved = con.tr("Not saved: check the fields marked in red.")
    con.wait_for(lambda: db.value("SELECT count(*) FROM contact WHERE id > ?", (before,))
                 or not_saved in con.screen_text(), timeout=15, what="the intake saved or refused")
    row = db.one("SELECT * FROM contact WHERE id > ? ORDER BY id", (before,))
    assert row is not None, f"not saved\n{con.dump()}"
    con.wait_for_text(saved)
    return {k: row[k] for k in FIELDS}


@speeds
def test_keys_after_a_tab_land_in_the_next_field(intake, busy, per_key):
    phone = unique_phone()
    row = save_typed(intake, [phone, TAB, "王小明", TAB, "5", TAB, "1", TAB, "603", TAB, TAB,
                              "咨询物业费怎么交", TAB, "1"], per_key, hiccups=[TAB])
    assert row == {"phone": phone, "customer_name": "王小明", "unit_key": "5-1-603", "address": "",
                   "summary": "咨询物业费怎么交", "category": "inquiry", "subtype": "", "urgency": "normal",
                   "outcome": "resolved"}


def known_caller_chosen(con: Console, name: str, building: str, unit: str, room: str, per_key: float) -> str:
    """A known caller typed by number and chosen with Enter; waits for the card's ✓ as the agent does."""
    phone = unique_phone()
    seed_caller(con.desk, phone, name, building, unit, room)
    con.play([phone, ENTER], per_key)
    con.wait_for_text("✓")
    return phone


@speeds
def test_the_sub_type_is_the_next_field_right_after_its_category(intake, busy, per_key):
    # The hiccup takes in the Tab into the category too: with "2" and the next Tab alone, which of
    # them the console handles first is a race between threads, and the sub-type is skipped only
    # most of the time; once Tab moves focus at once, the skip is certain with either hiccup.
    phone = known_caller_chosen(intake, "李四", "6", "2", "301", per_key)
    row = save_typed(intake, ["卫生间漏水", Hiccup(4), TAB, "2", TAB, "2"], per_key)
    assert row == {"phone": phone, "customer_name": "李四", "unit_key": "6-2-301", "address": "",
                   "summary": "卫生间漏水", "category": "repair", "subtype": "repair.water", "urgency": "normal",
                   "outcome": "work_order"}


@speeds
def test_a_digit_after_tab_never_changes_the_choice_left(intake, busy, per_key):
    phone = known_caller_chosen(intake, "王五", "7", "1", "101", per_key)
    row = save_typed(intake, ["物业费多少", TAB, Hiccup(3), "1", TAB, "4"], per_key)
    assert row == {"phone": phone, "customer_name": "王五", "unit_key": "7-1-101", "address": "",
                   "summary": "物业费多少", "category": "inquiry", "subtype": "inquiry.fees", "urgency": "normal",
                   "outcome": "resolved"}


@speeds
def test_typing_on_after_enter_on_a_known_number_fills_the_summary(intake, busy, per_key):
    phone = unique_phone()
    customer_id = seed_caller(intake.desk, phone, "赵六", "9", "3", "1801")
    # the hiccup takes in the number's last digit: the search is certain to be still running
    row = save_typed(intake, [phone[:-1], Hiccup(3), phone[-1], ENTER, "电梯异响", TAB, "2"], per_key)
    assert row == {"phone": phone, "customer_name": "赵六", "unit_key": "9-3-1801", "address": "",
                   "summary": "电梯异响", "category": "repair", "subtype": "", "urgency": "normal",
                   "outcome": "work_order"}
    assert intake.desk.db.value("SELECT customer_id FROM contact ORDER BY id DESC LIMIT 1") == customer_id


@speeds
def test_typing_on_after_enter_on_a_new_number_lands_in_the_name(intake, busy, per_key):
    # Enter on a number waits for its search: a known caller goes on to the matter, a new one to the
    # name.  The keys typed meanwhile wait too (screens/keys.py, KeyLine.hold), so they land where the
    # result puts the focus; the hiccup takes in the last digit, Enter and the name's first keys.
    # (It once went to the matter at once and then, when the empty result came back, on to the
    # category: everything typed after Enter was lost.)
    phone = unique_phone()
    row = save_typed(intake, [phone[:-1], Hiccup(4), phone[-1], ENTER, "孙七", TAB, "4", TAB, "2", TAB, "502",
                              TAB, TAB, "楼道灯不亮", TAB, "1"], per_key)
    assert row == {"phone": phone, "customer_name": "孙七", "unit_key": "4-2-502", "address": "",
                   "summary": "楼道灯不亮", "category": "inquiry", "subtype": "", "urgency": "normal",
                   "outcome": "resolved"}


@speeds
def test_an_information_change_typed_on_lands_in_its_new_value_fields(intake, busy, per_key):
    # The identity and new-value fields appear with the category: keys typed right after "4" and Tab
    # (a hiccup at every Tab) must find them there, and the verified change is applied to the same customer.
    phone = unique_phone()
    customer_id = seed_caller(intake.desk, phone, "郑十", "8", "2", "702")
    new_phone = unique_phone("137")
    intake.play([phone, ENTER], per_key)
    intake.wait_for_text("✓")
    db = intake.desk.db
    before = db.value("SELECT coalesce(max(id), 0) FROM contact")
    intake.play(["换了手机号，也搬家了", TAB, "4", TAB, TAB, TAB, "郑十", TAB, new_phone, TAB, TAB, "9-1-101", CTRL_S],
                per_key, seed=2, hiccups=[TAB])
    row = intake.wait_for(lambda: db.one("SELECT * FROM contact WHERE id > ?", (before,)), timeout=15,
                          what="the information change saved")
    assert (row["category"], row["customer_id"], row["identity_verified"], row["summary"]) == \
        ("info_change", customer_id, 1, "换了手机号，也搬家了"), intake.dump()
    customer = db.one("SELECT name, unit_key FROM customer WHERE id = ?", (customer_id,))
    assert customer == {"name": "郑十", "unit_key": "9-1-101"}
    phones = {r["phone"]: r["primary"] for r in db.rows("SELECT phone, \"primary\" FROM customerphone "
                                                         "WHERE customer_id = ?", (customer_id,))}
    assert phones == {phone: 0, new_phone: 1}
    assert db.value("SELECT count(DISTINCT customer_id) FROM customerphone WHERE phone = ?", (new_phone,)) == 1


def test_back_on_intake_from_the_queue_the_number_typed_at_once_lands_in_the_phone(intake, busy):
    # Desk trials: F9 (the queue), F2, then F1 and the number at once: the queue kept the focus, the
    # first digit (or the whole number) was lost and Enter took a call-back. The hiccup takes in F1 and
    # the first digits: they reach the console together.
    phone = unique_phone()
    intake.play([Key("f9")], 0.08)
    intake.goto("f2")
    intake.play([Hiccup(4), Key("f1"), phone], 0.08)
    intake.wait_for_text("▊  " + phone)


def test_several_callers_share_the_last_four_the_matter_typed_on_is_kept_and_the_caller_chosen(intake, busy):
    # Desk trial: the last four shared by two customers, Enter, the matter typed at once: it was lost in
    # the matches list; saved unchosen, the call went to nobody. Now the words go into the matter, the save
    # asks for the caller, F8 and Enter choose one, and the call is saved under that customer.
    con, db = intake, intake.desk.db
    first, second = unique_phone(), unique_phone("138")
    last4 = "7" + first[-3:]
    first, second = first[:-4] + last4, second[:-4] + last4  # two numbers, the same last four
    chosen_first = seed_caller(con.desk, first, "卫一", "1", "1", "101")
    chosen = seed_caller(con.desk, second, "卫二", "1", "1", "102")
    before = db.value("SELECT coalesce(max(id), 0) FROM contact")
    con.play([last4, Hiccup(4), ENTER, "门禁卡坏了", TAB, "1", CTRL_S], 0.08)
    con.wait_for_text(con.tr("{n} customers match: F8 to choose the caller, or type the whole number.")
                      .format(n=2)[:20])
    con.wait_for_text("门禁卡坏了")
    assert db.value("SELECT count(*) FROM contact WHERE id > ?", (before,)) == 0
    con.play([Key("f8"), Key("down"), ENTER], 0.08)  # the second match (the list keeps the search's order)
    con.wait_for_text("✓")
    con.play([CTRL_S], 0.08)
    row = con.wait_for(lambda: db.one("SELECT * FROM contact WHERE id > ?", (before,)), timeout=15,
                       what="the call saved")
    assert row["summary"] == "门禁卡坏了" and row["customer_id"] in (chosen, chosen_first), row
