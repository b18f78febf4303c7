"""Who did what: every write audited with its actor and changed fields; the log is append-only;
the change feed reads it."""

from __future__ import annotations

import json
import sqlite3

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from csdesk.services import changes as feed
from csdesk.services.audit import Action, entries, record
from csdesk.services.intake import IntakeForm, record_contact
from csdesk.store.engine import read_session, write_session
from csdesk.store.models import AuditLog


def intake(engine, agent, **kw):
    kw.setdefault("category", "repair")
    kw.setdefault("summary", "厨房水管漏水")
    with write_session(engine) as s:
        return record_contact(s, IntakeForm(phone="13800138000", name="张三", building="3", unit="2", room="1201",
                                            **kw), agent)


def audit_rows(engine, *where):
    with read_session(engine) as s:
        return list(s.exec(select(AuditLog).where(*where).order_by(AuditLog.id)))


def test_every_write_of_an_intake_is_attributed(engine, agents):
    saved = intake(engine, agents["1001"])
    written = audit_rows(engine, AuditLog.staff_no == "1001")
    tables = {r.entity for r in written}
    assert {"contact", "customer", "customerphone", "workorder", "workorderevent"} <= tables
    assert all(r.agent_id == agents["1001"].id and r.action in ("create", "update") for r in written)
    order = next(r for r in written if r.entity == "workorder" and r.action == "create")
    assert order.entity_id == saved.work_order_id
    fields = json.loads(order.changes)
    assert fields["number"] == [None, saved.work_order_number] and fields["status"] == [None, "open"]
    assert not audit_rows(engine, AuditLog.staff_no == "", AuditLog.entity == "contact")


def test_the_audit_log_is_append_only_in_the_database_itself(engine, agents, db_path):
    intake(engine, agents["1001"])
    con = sqlite3.connect(db_path)
    count = con.execute("SELECT count(*) FROM auditlog").fetchone()[0]
    for sql in ("UPDATE auditlog SET staff_no = 'x'", "DELETE FROM auditlog", "DELETE FROM auditlog WHERE id = 1"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute(sql)
    con.rollback()
    assert con.execute("SELECT count(*) FROM auditlog").fetchone()[0] == count
    assert con.execute("SELECT count(*) FROM auditlog WHERE staff_no = 'x'").fetchone()[0] == 0


def test_explicit_acts_and_reading_needs_a_supervisor(engine, agents):
    from csdesk.domain.errors import Refused

    with write_session(engine) as s:
        record(s, agents["1001"], Action.PRINT, "workorder", 7, detail="3 copies")
    with read_session(engine) as s:
        with pytest.raises(Refused):
            entries(s, agents["1001"])
        mine = entries(s, agents["2001"], staff_no="1001", entity="workorder", entity_id=7)
    assert [(e.action, e.detail) for e in mine] == [("print", "3 copies")]


def test_the_change_feed_says_what_changed_since_a_version(engine, agents):
    with read_session(engine) as s:
        start = feed.latest_version(s)
        assert feed.changes_since(s, start).changes == ()
    saved = intake(engine, agents["1001"], category="inquiry", summary="问物业费", outcome="resolved")
    with read_session(engine) as s:
        batch = feed.changes_since(s, start)
        assert batch.touches("contact") and saved.id in batch.ids("contact")
        assert not batch.touches("workorder")
        only = feed.changes_since(s, start, entities=["workorder"])
        assert only.changes == () and only.version == batch.version
        assert feed.changes_since(s, batch.version).changes == ()
        small = feed.changes_since(s, start, limit=1)
        assert small.more and len(small.changes) <= 1


def test_audit_list_on_the_command_line(engine, agents, db_path):
    from csdesk.cli import app

    saved = intake(engine, agents["1001"])
    runner = CliRunner()
    env = {"CSDESK_PASSWORD": "demo", "COLUMNS": "250"}
    denied = runner.invoke(app, ["audit", "list", "--db", str(db_path), "--as", "1001"], env=env)
    assert denied.exit_code != 0 and "may not read the audit log" in denied.output
    shown = runner.invoke(app, ["audit", "list", "--db", str(db_path), "--as", "2001", "--agent", "1001",
                                "--record", saved.work_order_number], env=env)
    assert shown.exit_code == 0, shown.output
    assert "workorder:" in shown.output and "1001" in shown.output and "create" in shown.output
    bad = runner.invoke(app, ["audit", "list", "--db", str(db_path), "--as", "2001", "--since", "9999-99-99"], env=env)
    assert bad.exit_code == 2 and len(bad.output.strip().splitlines()) == 1
    as_json = runner.invoke(app, ["audit", "list", "--db", str(db_path), "--as", "2001", "--record",
                                  saved.work_order_number, "--format", "json"], env=env)
    assert as_json.exit_code == 0, as_json.output
    rows = json.loads(as_json.stdout)
    assert rows and {r["staff_no"] for r in rows} == {"1001"} and rows[-1]["action"] == "create"
    assert all(r["record"].startswith("workorder:") for r in rows)
