"""The handover's sign-off freezes its outgoing part in the database itself (plain SQL, no csdesk code)."""

from __future__ import annotations

import sqlite3

import pytest

FROZEN = "signed off"
ONCE = "recorded once"
APPEND_ONLY = "append-only"


class Connection(sqlite3.Connection):
    ids: dict


@pytest.fixture
def con(db_path):
    con = sqlite3.connect(db_path, isolation_level=None, factory=Connection)
    con.execute("PRAGMA foreign_keys = ON")
    agent = con.execute("SELECT id FROM agent WHERE staff_no = '1001'").fetchone()[0]
    other = con.execute("SELECT id FROM agent WHERE staff_no = '2001'").fetchone()[0]
    con.execute("INSERT INTO handover (shift_code, shift_date, from_agent_id, notes, status, written_at, "
                "to_shift_code, to_shift_date, to_start_at) VALUES ('night', '2026-11-21', ?, 'keys lent', "
                "'draft', '2026-11-21 14:00:00.000000', 'day', '2026-11-22', '2026-11-22 01:00:00.000000')",
                (agent,))
    page = con.execute("SELECT max(id) FROM handover").fetchone()[0]
    for n in range(2):
        con.execute("INSERT INTO handoveritem (handover_id, kind, text, state, sort, instruction, do_first) "
                    "VALUES (?, 'customer', ?, 'open', ?, 'call back', 0)", (page, f"item {n}", n))
    con.ids = {"agent": agent, "other": other, "page": page,
               "items": [r[0] for r in con.execute("SELECT id FROM handoveritem WHERE handover_id = ?", (page,))]}
    yield con
    con.close()


def refused(con, sql, params=(), words=FROZEN):
    with pytest.raises(sqlite3.IntegrityError, match=words):
        con.execute(sql, params)


def sign_off(con):
    con.execute("UPDATE handover SET submitted_at = '2026-11-21 14:50:00.000000', status = 'submitted' "
                "WHERE id = ?", (con.ids["page"],))


def test_a_draft_is_edited_freely(con):
    page, item = con.ids["page"], con.ids["items"][0]
    con.execute("UPDATE handover SET notes = 'lift out of order' WHERE id = ?", (page,))
    con.execute("UPDATE handoveritem SET instruction = 'first thing', do_first = 1, text = 'x' WHERE id = ?", (item,))
    con.execute("DELETE FROM handoveritem WHERE id = ?", (con.ids["items"][1],))
    assert con.execute("SELECT count(*) FROM handoveritem WHERE handover_id = ?", (page,)).fetchone()[0] == 1


def test_sign_off_freezes_the_page_and_its_items(con):
    page, item = con.ids["page"], con.ids["items"][0]
    sign_off(con)
    refused(con, "UPDATE handover SET notes = 'rewritten' WHERE id = ?", (page,))
    refused(con, "UPDATE handover SET to_start_at = '2026-11-23 01:00:00.000000' WHERE id = ?", (page,))
    refused(con, "UPDATE handover SET submitted_at = NULL, status = 'draft' WHERE id = ?", (page,))
    refused(con, "UPDATE handover SET status = 'draft' WHERE id = ?", (page,))
    refused(con, "DELETE FROM handover WHERE id = ?", (page,))
    for column, value in (("text", "rewritten"), ("instruction", "do nothing"), ("do_first", 1),
                          ("state", "closed"), ("sort", 9), ("deadline_at", "2026-11-30 00:00:00.000000")):
        refused(con, f"UPDATE handoveritem SET {column} = ? WHERE id = ?", (value, item))
    refused(con, "DELETE FROM handoveritem WHERE id = ?", (item,))
    row = con.execute("SELECT notes, status FROM handover WHERE id = ?", (page,)).fetchone()
    assert row == ("keys lent", "submitted")
    assert con.execute("SELECT text, instruction FROM handoveritem WHERE id = ?", (item,)).fetchone() == (
        "item 0", "call back")


def test_the_receiving_part_stays_writable_once(con):
    page, (first, second) = con.ids["page"], con.ids["items"]
    other = con.ids["other"]
    sign_off(con)
    con.execute("UPDATE handoveritem SET acknowledged_at = '2026-11-22 01:05:00.000000', acknowledged_by_id = ? "
                "WHERE id = ?", (other, first))
    refused(con, "UPDATE handoveritem SET acknowledged_at = '2026-11-22 02:00:00.000000' WHERE id = ?", (first,),
            ONCE)
    refused(con, "UPDATE handoveritem SET acknowledged_by_id = ? WHERE id = ?", (con.ids["agent"], first), ONCE)
    con.execute("UPDATE handoveritem SET escalated_at = '2026-11-22 01:30:00.000000' WHERE id = ?", (second,))
    con.execute("UPDATE handoveritem SET acknowledged_at = '2026-11-22 01:40:00.000000', acknowledged_by_id = ? "
                "WHERE id = ?", (other, second))
    con.execute("UPDATE handover SET acknowledged_at = '2026-11-22 01:40:00.000000', acknowledged_by_id = ?, "
                "status = 'acknowledged', escalated_at = '2026-11-22 01:30:00.000000' WHERE id = ?", (other, page))
    con.execute("UPDATE handover SET reviewed_at = '2026-11-22 02:00:00.000000', reviewed_by_id = ? WHERE id = ?",
                (other, page))
    refused(con, "UPDATE handover SET reviewed_at = '2026-11-22 03:00:00.000000' WHERE id = ?", (page,), ONCE)
    refused(con, "UPDATE handover SET acknowledged_at = NULL WHERE id = ?", (page,), ONCE)


def test_remarks_and_passing_records_are_append_only(con):
    page, item = con.ids["page"], con.ids["items"][0]
    agent, other = con.ids["agent"], con.ids["other"]
    sign_off(con)
    con.execute("INSERT INTO handoverremark (handover_id, at, agent_id, text, item_id, kind) "
                "VALUES (?, '2026-11-21 15:00:00.000000', ?, 'the lift is back', ?, 'correction')", (page, agent, item))
    remark = con.execute("SELECT max(id) FROM handoverremark").fetchone()[0]
    refused(con, "UPDATE handoverremark SET text = 'nothing' WHERE id = ?", (remark,), APPEND_ONLY)
    refused(con, "DELETE FROM handoverremark WHERE id = ?", (remark,), APPEND_ONLY)
    con.execute("INSERT INTO handoverpass (handover_id, item_id, matter, matter_id, from_agent_id, to_agent_id, "
                "first_owner_id, at) VALUES (?, ?, 'order', 1, ?, ?, ?, '2026-11-22 01:05:00.000000')",
                (page, item, agent, other, agent))
    passed = con.execute("SELECT max(id) FROM handoverpass").fetchone()[0]
    refused(con, "UPDATE handoverpass SET to_agent_id = ? WHERE id = ?", (agent, passed), APPEND_ONLY)
    refused(con, "DELETE FROM handoverpass WHERE id = ?", (passed,), APPEND_ONLY)


def test_one_page_per_agent_and_shift_occurrence(con):
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        con.execute("INSERT INTO handover (shift_code, shift_date, from_agent_id, notes, status, written_at) "
                    "VALUES ('night', '2026-11-21', ?, '', 'draft', '2026-11-21 14:00:00.000000')", (con.ids["agent"],))
    con.execute("INSERT INTO handover (shift_code, shift_date, from_agent_id, notes, status, written_at) "
                "VALUES ('night', '2026-11-21', ?, '', 'draft', '2026-11-21 14:00:00.000000')", (con.ids["other"],))
