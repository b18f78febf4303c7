"""Upgrading a populated database of revision 0001 (the first release) to the head
revision; several processes opening a new or an old database at once."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

T = "{} {}:00.000000"  # how the app stores a UTC time (SQLAlchemy's SQLite DateTime)

from csdesk.store.engine import known_revisions  # noqa: E402

HEAD = known_revisions()[1]


def build_revision_0001(path: Path) -> None:
    """A database at revision 0001, with reference data and a realistic desk's rows
    written as plain SQL (as the 0001 release wrote them)."""
    from alembic import command

    from csdesk.store.engine import alembic_config, make_engine, write_session
    from csdesk.store.refdata import seed_reference_data

    engine = make_engine(str(path))
    command.upgrade(alembic_config(engine), "0001")
    with write_session(engine) as session:
        session.info["no_audit"] = True  # the 0001 release kept no audit of these
        seed_reference_data(session)
    engine.dispose()
    con = sqlite3.connect(path)
    con.executescript(f"""
    INSERT INTO agent (id, staff_no, name, role, password_hash, active, created_at) VALUES
      (1, '1001', '张敏', 'agent', 'x', 1, '{T.format("2026-10-01", "01:00")}'),
      (2, '2001', '李强', 'supervisor', 'x', 1, '{T.format("2026-10-01", "01:00")}'),
      (3, '9001', '王芳', 'manager', 'x', 1, '{T.format("2026-10-01", "01:00")}');
    INSERT INTO customer (id, code, name, name_initials, building, unit, room, unit_key, address, note,
                          created_at, created_by_id) VALUES
      (1, 'C20261120001', '王伟', 'ww', '3', '2', '1201', '3-2-1201', '', '', '{T.format("2026-11-20", "01:00")}', 1),
      (2, 'C20261120002', '刘洋', 'ly', '5', '1', '302', '5-1-302', '', '', '{T.format("2026-11-20", "02:00")}', 1),
      (3, 'C20261121001', 'Anna Schmidt', 'as', '', '', '', '', '科技园 B 座 7 楼', '',
          '{T.format("2026-11-21", "03:00")}', 2);
    INSERT INTO customerphone (customer_id, phone, ext, label, "primary") VALUES
      (1, '13800138000', '', '', 1), (2, '13912345678', '', '', 1), (3, '02161234567', '801', '', 1);
    INSERT INTO contact (id, number, received_at, ended_at, channel, channel_detail, customer_id, customer_name,
        name_initials, phone, phone_ext, unit_key, address, category, subtype, urgency, summary, handling, result,
        outcome, status, closed_at, verified_by, agent_id, agent_staff_no, work_order_id, complaint_id,
        referred_department, referral_contact, escalation_reason, created_at) VALUES
      (1, 'CT20261120-0001', '{T.format("2026-11-20", "01:05")}', '{T.format("2026-11-20", "01:09")}', 'phone', '',
       1, '王伟', 'ww', '13800138000', '', '3-2-1201', '', 'repair', 'repair.water', 'normal',
       '厨房水管漏水，楼下天花板有水渍', '已登记并派工', '', 'work_order', 'open', NULL, '', 1, '1001', 1, NULL,
       '', '', '', '{T.format("2026-11-20", "01:09")}'),
      (2, 'CT20261120-0002', '{T.format("2026-11-20", "02:10")}', '{T.format("2026-11-20", "02:12")}', 'walk_in',
       '', 2, '刘洋', 'ly', '13912345678', '', '5-1-302', '', 'inquiry', '', 'normal', '咨询停车月卡办理',
       '已告知物业前台办理', '', 'resolved', 'closed', '{T.format("2026-11-20", "02:12")}', '', 1, '1001', NULL,
       NULL, '', '', '', '{T.format("2026-11-20", "02:12")}'),
      (3, 'CT20261121-0001', '{T.format("2026-11-21", "03:00")}', '{T.format("2026-11-21", "03:06")}', 'email', '',
       3, 'Anna Schmidt', 'as', '02161234567', '801', '', '科技园 B 座 7 楼', 'complaint', '', 'urgent',
       'Elevator stuck twice this week, nobody called back', '', '', 'escalated', 'open', NULL, '', 2, '2001',
       NULL, 1, '', '', '投诉', '{T.format("2026-11-21", "03:06")}'),
      (4, 'CT20261121-0002', '{T.format("2026-11-21", "05:30")}', '{T.format("2026-11-21", "05:33")}', 'phone', '',
       1, '王伟', 'ww', '13800138000', '', '3-2-1201', '', 'repair', '', 'critical', '电梯困人，请立即处理',
       '', '', 'work_order', 'open', NULL, '', 1, '1001', 2, NULL, '', '', '特急事项',
       '{T.format("2026-11-21", "05:33")}'),
      (5, 'CT20261121-0003', '{T.format("2026-11-21", "07:00")}', '{T.format("2026-11-21", "07:02")}', 'phone', '',
       2, '刘洋', 'ly', '13912345678', '', '5-1-302', '', 'inquiry', '', 'normal', '询问装修押金退还时间',
       '', '', 'promised', 'open', NULL, '', 1, '1001', NULL, NULL, '', '', '', '{T.format("2026-11-21", "07:02")}');
    INSERT INTO workorder (id, number, contact_id, customer_id, customer_name, phone, unit_key, address, description,
        category, subtype, urgency, department, deadline_at, assignee, paid, fee_item_code, status, owner_id,
        created_by_id, created_at, hold_reason, cancel_reason, result, materials, customer_opinion, signed,
        completed_by, copies_printed) VALUES
      (1, 'WO20261120-0001', 1, 1, '王伟', '13800138000', '3-2-1201', '', '厨房水管漏水', 'repair',
       'repair.water', 'normal', 'engineering', '{T.format("2026-11-21", "01:09")}', '', 0, '', 'dispatched', 1, 1,
       '{T.format("2026-11-20", "01:09")}', '', '', '', '', '', 0, '', 0),
      (2, 'WO20261121-0001', 4, 1, '王伟', '13800138000', '3-2-1201', '', '电梯困人', 'repair', '', 'critical',
       'engineering', '{T.format("2026-11-21", "06:33")}', '', 0, '', 'open', 1, 1,
       '{T.format("2026-11-21", "05:33")}', '', '', '', '', '', 0, '', 0);
    INSERT INTO workorderevent (work_order_id, at, agent_id, staff_no, from_status, to_status, note) VALUES
      (1, '{T.format("2026-11-20", "01:09")}', 1, '1001', '', 'open', 'opened from intake CT20261120-0001'),
      (1, '{T.format("2026-11-20", "01:20")}', 1, '1001', 'open', 'dispatched', '工程部 赵师傅'),
      (2, '{T.format("2026-11-21", "05:33")}', 1, '1001', '', 'open', 'opened from intake CT20261121-0002');
    INSERT INTO complaint (id, number, customer_id, customer_name, contact_phone, complained_at, about, order_ref,
        contact_id, first_handler_id, first_handler_staff_no, escalated_at, escalation_reason, plan,
        customer_response, status) VALUES
      (1, 'CP20261121-0001', 3, 'Anna Schmidt', '02161234567', '{T.format("2026-11-21", "03:00")}',
       'Elevator stuck twice this week', '', 3, 2, '2001', '{T.format("2026-11-21", "03:06")}', '投诉', '', '',
       'escalated');
    INSERT INTO escalation (reason, summary, contact_id, complaint_id, customer_id, created_at, created_by_id, note)
      VALUES ('complaint', '投诉 · Elevator stuck', 3, 1, 3, '{T.format("2026-11-21", "03:06")}', 2, '');
    INSERT INTO callback (kind, due_at, agent_id, customer_id, customer_name, phone, contact_id, note, created_at,
        created_by_id, result, result_note, attempts) VALUES
      ('promised_reply', '{T.format("2026-11-21", "08:02")}', 1, 2, '刘洋', '13912345678', 5, '装修押金',
       '{T.format("2026-11-21", "07:02")}', 1, '', '', 0);
    INSERT INTO counter (key, value) VALUES ('CT20261120', 2), ('CT20261121', 3), ('WO20261120', 1),
      ('WO20261121', 1), ('CP20261121', 1), ('C20261120', 2), ('C20261121', 1);
    INSERT INTO auditlog (at, agent_id, action, entity, entity_id, detail) VALUES
      ('{T.format("2026-11-21", "03:10")}', 2, 'reveal_phone', 'contact', 3, '');
    """)
    con.commit()
    con.close()


def _counts(path: Path) -> dict[str, int]:
    con = sqlite3.connect(path)
    tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                        "AND name NOT LIKE 'contact_fts%' AND name NOT LIKE 'sqlite_%'")]
    counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables if t != "alembic_version"}
    con.close()
    return counts


@pytest.fixture(scope="module")
def old_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("rev0001") / "old.db"
    build_revision_0001(path)
    return path


def test_a_populated_revision_0001_database_is_upgraded_to_the_head(old_template, tmp_path):
    import shutil

    from csdesk.services import register as reg
    from csdesk.store.engine import SchemaState, inspect_target, open_database, read_session, resolve_target
    from csdesk.store.engine import write_session as ws
    from csdesk.store.numbers import allocate

    path = tmp_path / "old.db"
    shutil.copyfile(old_template, path)
    before = _counts(path)
    assert inspect_target(resolve_target(str(path))).state is SchemaState.BEHIND
    engine = open_database(str(path), create=False)
    info = inspect_target(resolve_target(str(path)))
    assert info.state is SchemaState.CURRENT and info.revision == info.head
    after = _counts(path)
    # every row kept; the upgrade's only additions: the technicians' roster seeded from its data file
    # (audited as the desk's own act) and the work orders' search index over the orders there are
    grown, seeded = {"auditlog"}, {"technician"} | {t for t in after if t.startswith("workorder_fts")}
    assert {t: n for t, n in after.items() if t in before and t not in grown} == {
        t: n for t, n in before.items() if t not in grown}
    assert all(after[t] >= before[t] for t in grown)
    assert not any(n for t, n in after.items() if t not in before and t not in seeded)  # new tables start empty
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    assert con.execute("SELECT summary FROM contact WHERE number = 'CT20261120-0001'").fetchone() == (
        "厨房水管漏水，楼下天花板有水渍",)
    con.close()

    def found(search: str) -> list[str]:
        with read_session(engine) as s:
            return [r.number for r in reg.page_after(s, reg.Query(search=search), None, limit=50).rows]

    # the search index covers the rows the old release wrote: words, names, initials, numbers, units
    assert found("漏水") == ["CT20261120-0001"]
    assert found("电梯") == ["CT20261121-0002"]
    assert found("elevator") == ["CT20261121-0001"]
    assert found("王伟") == ["CT20261121-0002", "CT20261120-0001"]
    assert found("ly") == ["CT20261121-0003", "CT20261120-0002"]
    assert found("8000") == ["CT20261121-0002", "CT20261120-0001"]
    assert found("5-1-302") == ["CT20261121-0003", "CT20261120-0002"]
    # and follows new writes; numbering continues where the old release stopped
    from datetime import UTC, datetime

    with ws(engine) as session:
        assert allocate(session, "contact", datetime(2026, 11, 21, 9, 0, tzinfo=UTC)) == "CT20261121-0004"
    engine.dispose()


_OPENER = r"""
import sys, time
from pathlib import Path
start, new, old = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
from csdesk.services.intake import IntakeForm, record_contact
from csdesk.services.accounts import get_agent
from csdesk.store.engine import open_database, write_session
deadline = time.monotonic() + 60
while not start.exists() and time.monotonic() < deadline:
    time.sleep(0.002)
open_database(new, create=True).dispose()
engine = open_database(old, create=False)
with write_session(engine) as s:
    saved = record_contact(s, IntakeForm(phone="13800138000", category="repair", summary="水管漏水",
                                         outcome="work_order"), get_agent(s, "1001"))
print(saved.number)
"""


@pytest.mark.slow
def test_four_processes_opening_a_new_and_an_old_database_at_once_all_succeed(old_template, tmp_path):
    import shutil

    old = tmp_path / "old.db"
    shutil.copyfile(old_template, old)
    new = tmp_path / "new" / "desk.db"
    start = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", _OPENER, str(start), str(new), str(old)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    time.sleep(0.5)  # most of the imports done: the four open at the same moment
    start.touch()
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [err for _out, err in results]
    numbers = sorted(out.strip() for out, _err in results)
    assert len(set(numbers)) == 4
    con = sqlite3.connect(new)
    assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
    assert con.execute("SELECT count(*) FROM category").fetchone()[0] > 5
    con.close()
    assert sorted(p.name for p in new.parent.iterdir() if not p.name.startswith("desk.db")) == []
    con = sqlite3.connect(old)
    assert con.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
    assert con.execute("SELECT count(*) FROM contact").fetchone()[0] == 9
    con.close()
