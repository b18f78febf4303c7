"""The handbook's two records (the end of ``domain.md``) typed at intake key by key, at human speed
on a busy machine, saved, and read back from the database and from the CSV and XLSX exports
(``csdesk log export``), field for field (issue 9, "The handbook's records fit").

The consultation record: customer C20231028001 (created first), online via the app, received
2023-10-28 14:30:15 (entered after the fact), after-sales delivery query, three handling steps, the
result, satisfaction 5, closed.  The complaint record's intake: a caller known by "…5678" only (the
agent says so: "partial number"), received 10:15 on 2023-10-28, entered after the fact, with the
order concerned and the reason for the supervisor.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from datetime import datetime

import pytest

from tests.terminal.conftest import on_desk
from tests.terminal.harness import CTRL_S, ENTER, HUMAN_SPEEDS, LAUNCH, TAB, Console, Key

SHIFT_TAB = Key("shift+tab")
PER_KEY = HUMAN_SPEEDS[0]  # a fast typist: the suite's time (about 400 keys)

CONSULTATION = {
    "summary": "order 20231028001 shows delivered, but nothing arrived",
    "handling": ["1. checked the courier record (courier and phone)",
                 "2. contacted the courier company, reported non-receipt",
                 "3. had the courier call the customer within 30 minutes"],
    "result": "courier called, confirmed mis-delivery, re-delivery before 18:00 the same day",
    "received": "2023-10-28 14:30:15",
    "order_ref": "20231028001",
}
COMPLAINT = {
    "phone": "…5678",
    "name": "王女士",
    "summary": "agent was rude and refused a return",
    "received": "2023-10-28 10:15",
    "order_ref": "20231027005",
    "reason": "customer very upset, asked for a supervisor",
}


@pytest.fixture(scope="module")
def customer(desk) -> int:
    """C20231028001, as the handbook's consultation record names it (the desk's database lacks it)."""
    found = desk.db.value("SELECT id FROM customer WHERE code = 'C20231028001'")
    if found:
        return found
    from csdesk.store.models import Customer, CustomerPhone

    def add(session, _agents) -> int:
        row = Customer(code="C20231028001", name="陈先生", created_at=datetime.fromisoformat("2023-10-01T09:00:00+08:00"))
        session.add(row)
        session.flush()
        session.add(CustomerPhone(customer_id=row.id, phone="13711112222", primary=True))
        return row.id
    return on_desk(desk, add)


def _digit(desk, parent: str | None, code: str) -> str:
    """The key that picks ``code`` on its choice bar (the sub-type bar's 1 is "none")."""
    if parent is None:
        codes = [r["code"] for r in desk.db.rows(
            "SELECT code FROM category WHERE parent_code IS NULL AND active ORDER BY sort, id")]
        return str(codes.index(code) + 1)
    codes = [r["code"] for r in desk.db.rows(
        "SELECT code FROM category WHERE parent_code = ? AND active ORDER BY sort, id", (parent,))]
    return str(codes.index(code) + 2)


def _save(con: Console, keys: list) -> dict:
    db = con.desk.db
    before = db.value("SELECT coalesce(max(id), 0) FROM contact")
    con.play(keys, PER_KEY)
    row = db.wait_for_row("SELECT * FROM contact WHERE id > ? ORDER BY id", (before,))
    con.wait_for_text(row["number"])
    return row


def _export(desk, path) -> None:
    done = subprocess.run([sys.executable, "-c", LAUNCH, "log", "export", "--db", str(desk.db_path),
                           "--from", "2023-10-28", "--to", "2023-10-28", "-o", str(path)],
                          env=desk.env(extra={"CSDESK_AGENT": "1001", "CSDESK_PASSWORD": "demo"}), cwd=desk.home, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_both_handbook_records_typed_saved_and_exported(intake, desk, customer, burner, tmp_path):
    con = intake
    sub = _digit(desk, "inquiry", "inquiry.after_sales_delivery")
    # -- the consultation record
    handling = []
    for i, line in enumerate(CONSULTATION["handling"]):
        handling += [line] + ([ENTER] if i < len(CONSULTATION["handling"]) - 1 else [])
    burner.start()  # typed on a busy machine; the exports below run on a quiet one (the suite's time)
    con.play([SHIFT_TAB, "3", TAB, "2", TAB, "C20231028001", ENTER], PER_KEY)  # online, app; the customer code
    con.wait_for_text("✓")  # chosen: the card shows the customer
    assert "C20231028001" in con.screen_text()
    consultation = _save(con, [
        CONSULTATION["summary"], TAB, _digit(desk, None, "inquiry"), TAB, sub, TAB, TAB, *handling,
        TAB, TAB,  # the outcome (resolved, the category's), then the caller's number (full)
        TAB, CONSULTATION["received"], TAB, "5", TAB, CONSULTATION["order_ref"], TAB, CONSULTATION["result"],
        CTRL_S])
    con.reset_intake()
    # -- the complaint record's intake
    complaint = _save(con, [
        COMPLAINT["phone"], TAB, COMPLAINT["name"], TAB, TAB, TAB, TAB, TAB, COMPLAINT["summary"], TAB,
        _digit(desk, None, "complaint"), TAB, TAB, TAB,  # sub-type none, urgency normal
        TAB, TAB, COMPLAINT["reason"],  # handling, outcome (escalated: agents do not settle complaints)
        TAB, "2", TAB, COMPLAINT["received"], TAB, TAB, COMPLAINT["order_ref"],  # partial number
        CTRL_S])
    burner.stop()

    # -- the database, field for field
    assert {k: consultation[k] for k in ("channel", "channel_detail", "customer_id", "received_at", "category",
                                         "subtype", "summary", "handling", "result", "satisfaction", "order_ref",
                                         "outcome", "status", "agent_staff_no", "phone")} == {
        "channel": "online", "channel_detail": "app", "customer_id": customer,
        "received_at": "2023-10-28 06:30:15.000000", "category": "inquiry",
        "subtype": "inquiry.after_sales_delivery", "summary": CONSULTATION["summary"],
        "handling": "\n".join(CONSULTATION["handling"]), "result": CONSULTATION["result"], "satisfaction": 5,
        "order_ref": CONSULTATION["order_ref"], "outcome": "resolved", "status": "closed",
        "agent_staff_no": "1001", "phone": "13711112222"}
    assert consultation["created_at"] > "2026"  # the time of entry is kept beside the time received
    assert {k: complaint[k] for k in ("channel", "phone", "customer_name", "received_at", "category", "summary",
                                      "order_ref", "outcome", "escalation_reason", "agent_staff_no")} == {
        "channel": "phone", "phone": "…5678", "customer_name": "王女士",
        "received_at": "2023-10-28 02:15:00.000000", "category": "complaint", "summary": COMPLAINT["summary"],
        "order_ref": COMPLAINT["order_ref"], "outcome": "escalated", "escalation_reason": COMPLAINT["reason"],
        "agent_staff_no": "1001"}
    record = desk.db.one("SELECT * FROM complaint WHERE id = ?", (complaint["complaint_id"],))
    assert {k: record[k] for k in ("contact_phone", "complained_at", "about", "order_ref", "escalation_reason",
                                   "first_handler_staff_no")} == {
        "contact_phone": "…5678", "complained_at": "2023-10-28 02:15:00.000000", "about": COMPLAINT["summary"],
        "order_ref": COMPLAINT["order_ref"], "escalation_reason": COMPLAINT["reason"],
        "first_handler_staff_no": "1001"}
    assert desk.db.value("SELECT count(*) FROM customerphone WHERE customer_id = ?", (complaint["customer_id"],)) == 0

    # -- the exports, field for field (CSV and XLSX of the same day)
    from openpyxl import load_workbook

    from csdesk.services.register import EXPORT_COLUMNS

    _export(desk, tmp_path / "day.csv")
    _export(desk, tmp_path / "day.xlsx")
    with (tmp_path / "day.csv").open(encoding="utf-8-sig", newline="") as fh:
        csv_rows = list(csv.reader(fh))
    xlsx_rows = [["" if v is None else v for v in row]
                 for row in load_workbook(tmp_path / "day.xlsx").active.iter_rows(values_only=True)]
    col = {c.key: i for i, c in enumerate(EXPORT_COLUMNS)}
    assert len(csv_rows) == len(xlsx_rows) == 3  # the header, the complaint (10:15), the consultation (14:30)
    by_number = {row[0]: (row, xrow) for row, xrow in zip(csv_rows[1:], xlsx_rows[1:], strict=True)}
    code = desk.db.value("SELECT code FROM customer WHERE id = ?", (complaint["customer_id"],))
    expected = {
        consultation["number"]: {
            "received_at": ("2023-10-28 14:30:15", datetime(2023, 10, 28, 14, 30, 15)),
            "channel": "online", "sub_channel": "app", "customer_code": "C20231028001",
            "summary": CONSULTATION["summary"], "handling": "\n".join(CONSULTATION["handling"]),
            "result": CONSULTATION["result"], "satisfaction": ("5", 5), "order_ref": CONSULTATION["order_ref"],
            "status": "closed", "agent": "1001"},
        complaint["number"]: {
            "received_at": ("2023-10-28 10:15:00", datetime(2023, 10, 28, 10, 15)),
            "channel": "phone call", "customer_code": code, "customer_name": "王女士", "phone": "…5678",
            "summary": COMPLAINT["summary"], "order_ref": COMPLAINT["order_ref"],
            "complained_at": ("2023-10-28 10:15:00", datetime(2023, 10, 28, 10, 15)),
            "order_concerned": COMPLAINT["order_ref"], "complaint_escalation_reason": COMPLAINT["reason"],
            "complaint": record["number"]},
    }
    for number, fields in expected.items():
        row, xrow = by_number[number]
        for key, want in fields.items():
            in_csv, in_xlsx = want if isinstance(want, tuple) else (want, want)
            assert (row[col[key]], xrow[col[key]]) == (in_csv, in_xlsx), (number, key)
