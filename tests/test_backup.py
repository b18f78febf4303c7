"""``csdesk backup`` and ``csdesk restore``: consistent copies while consoles write, checked
before they are kept or put in place; a restore killed at any moment leaves a whole database."""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import stat
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from csdesk.clock import FakeClock, set_clock


def run(*args: str):
    from csdesk.cli import app

    return CliRunner().invoke(app, ["--lang", "en", *args], env={"COLUMNS": "200"})


def one_line(result) -> str:
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("csdesk: "), result.stderr
    return lines[0]


def integrity(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()


def scalar(path: Path, sql: str):
    con = sqlite3.connect(path)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def mark(path: Path, value: str) -> None:
    con = sqlite3.connect(path)
    con.execute("INSERT INTO meta (key, value) VALUES ('marker', ?) ON CONFLICT(key) DO UPDATE SET value = ?",
                (value, value))
    con.commit()
    con.close()


@pytest.fixture
def at_noon():
    clock = FakeClock(datetime(2026, 11, 22, 4, 0, 0, tzinfo=UTC))  # 12:00:00 in Shanghai
    set_clock(clock)
    yield clock
    set_clock(None)


# --------------------------------------------------------------------------- backup


def test_backup_goes_beside_the_database_named_by_the_time_private_and_checked(db_path, at_noon):
    mark(db_path, "before")
    result = run("backup", "--db", str(db_path))
    assert result.exit_code == 0, result.output
    folder = db_path.parent / "backups"
    copy = folder / "desk-20261122-120000.db"
    assert sorted(p.name for p in folder.iterdir()) == [copy.name]
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600 and stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert str(copy) in result.output and "checked" in result.output
    assert integrity(copy) == "ok" and scalar(copy, "SELECT value FROM meta WHERE key = 'marker'") == "before"
    assert scalar(copy, "PRAGMA journal_mode") == "delete"  # one self-contained file
    assert scalar(copy, "SELECT count(*) FROM agent") == 3
    again = run("backup", "--db", str(db_path))  # the same second: a second name, nothing overwritten
    assert again.exit_code == 0 and (folder / "desk-20261122-120000-2.db").exists()


def test_keep_prunes_only_this_databases_older_backups(db_path, at_noon):
    folder = db_path.parent / "backups"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me", encoding="utf-8")
    (folder / "other-20200101-000000.db").write_bytes(b"another database's backup")
    for _ in range(4):
        assert run("backup", "--db", str(db_path)).exit_code == 0
        at_noon.advance(minutes=1)
    result = run("backup", "--db", str(db_path), "--keep", "2")
    assert result.exit_code == 0 and "Removed 3 older backup(s)." in result.output, result.output
    assert sorted(p.name for p in folder.iterdir()) == [
        "desk-20261122-120300.db", "desk-20261122-120400.db", "notes.txt", "other-20200101-000000.db"]


def test_backup_to_a_file_or_a_folder_of_ones_choosing(db_path, tmp_path, at_noon):
    usb = tmp_path / "usb"
    usb.mkdir()
    assert run("backup", "--db", str(db_path), "-o", str(usb)).exit_code == 0
    assert [p.name for p in usb.iterdir()] == ["desk-20261122-120000.db"]
    named = usb / "nightly.db"
    assert run("backup", "--db", str(db_path), "-o", str(named)).exit_code == 0
    assert run("backup", "--db", str(db_path), "-o", str(named)).exit_code == 0  # last night's copy replaced
    assert integrity(named) == "ok"
    other = usb / "accounts.xlsx"
    other.write_bytes(b"PK\x03\x04 somebody's spreadsheet")
    assert "is not a csdesk backup" in one_line(run("backup", "--db", str(db_path), "-o", str(other)))
    assert other.read_bytes() == b"PK\x03\x04 somebody's spreadsheet"
    assert "is the database itself" in one_line(run("backup", "--db", str(db_path), "-o", str(db_path)))
    assert "does not go with -o" in one_line(run("backup", "--db", str(db_path), "-o", str(usb), "--keep", "3"))
    assert "does not exist" in one_line(run("backup", "--db", str(db_path), "-o", str(tmp_path / "no" / "x.db")))
    assert not [p for p in usb.iterdir() if p.name.startswith(".")]  # no temporary files left


def _keep_writing(engine, agent, stop: threading.Event, written: list[str]) -> None:
    from csdesk.services.intake import IntakeForm, record_contact
    from csdesk.store.engine import write_session

    n = 0
    while not stop.is_set():
        n += 1
        with write_session(engine) as session:
            saved = record_contact(session, IntakeForm(phone=f"139{n:08d}", name="张伟", category="repair",
                                                       summary="水管漏水", outcome="work_order"), agent)
        written.append(saved.number)


def test_a_backup_taken_while_the_desk_writes_is_a_consistent_snapshot(engine, agents, db_path):
    stop, written = threading.Event(), []
    writers = [threading.Thread(target=_keep_writing, args=(engine, agents[s], stop, written)) for s in ("1001",
                                                                                                        "2001")]
    for w in writers:
        w.start()
    try:
        deadline = time.monotonic() + 30
        while len(written) < 20 and time.monotonic() < deadline:
            time.sleep(0.01)
        copies = []
        for i in range(3):
            result = run("backup", "--db", str(db_path), "-o", str(db_path.parent / f"snap{i}.db"))
            assert result.exit_code == 0, result.output
            copies.append(db_path.parent / f"snap{i}.db")
    finally:
        stop.set()
        for w in writers:
            w.join()
    sizes = []
    for copy in copies:
        assert integrity(copy) == "ok"
        con = sqlite3.connect(copy)
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        contacts = con.execute("SELECT count(*) FROM contact").fetchone()[0]
        # a snapshot: every contact's work order is there, and the counters match the rows exactly
        assert con.execute("SELECT count(*) FROM workorder").fetchone()[0] == contacts
        assert con.execute("SELECT coalesce(sum(value), 0) FROM counter WHERE key LIKE 'CT%'").fetchone()[0] == contacts
        assert con.execute("SELECT count(*) FROM contact_fts").fetchone()[0] == contacts
        con.close()
        sizes.append(contacts)
    assert sizes == sorted(sizes) and sizes[0] >= 20


# --------------------------------------------------------------------------- restore


def _backup_of(db_path: Path, marker: str) -> Path:
    mark(db_path, marker)
    copy = db_path.parent / f"{marker}.backup"
    assert run("backup", "--db", str(db_path), "-o", str(copy)).exit_code == 0
    return copy


def test_restore_replaces_the_database_and_keeps_the_old_one_aside(db_path, at_noon):
    good = _backup_of(db_path, "from-backup")
    mark(db_path, "changed-since")
    backup_bytes = good.read_bytes()
    result = run("restore", str(good), "--db", str(db_path))
    assert result.exit_code == 0, result.output
    assert good.read_bytes() == backup_bytes and sorted(p.name for p in good.parent.iterdir() if
                                                       p.name.startswith(good.name)) == [good.name]
    aside = db_path.with_name("desk.db.before-restore-20261122-120000")
    assert str(aside) in result.output
    assert scalar(db_path, "SELECT value FROM meta WHERE key = 'marker'") == "from-backup"
    assert scalar(aside, "SELECT value FROM meta WHERE key = 'marker'") == "changed-since"
    assert integrity(db_path) == "ok" and integrity(aside) == "ok"
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
    assert not [p for p in db_path.parent.iterdir() if p.name.startswith(".")]
    from csdesk.store.engine import open_database

    engine = open_database(str(db_path), create=False)  # usable at once, back in WAL mode
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        # the restore is in the audit log of the database that is now live
        rows = conn.exec_driver_sql("SELECT staff_no, action, detail FROM auditlog "
                                    "WHERE action IN ('backup', 'restore') ORDER BY id").fetchall()
    engine.dispose()
    assert [(r[0], r[1]) for r in rows][-1] == ("system", "restore")
    assert str(good) in rows[-1][2] and "before-restore" in rows[-1][2] and "OS user" in rows[-1][2]


def _damaged(good: Path) -> Path:
    """The backup with the root page of the agent table scribbled over (a bad disk sector)."""
    bad = good.with_name("damaged.backup")
    root = scalar(good, "SELECT rootpage FROM sqlite_master WHERE name = 'agent'")
    page = scalar(good, "PRAGMA page_size")
    data = bytearray(good.read_bytes())
    data[(root - 1) * page:root * page] = bytes([0x5A]) * page
    bad.write_bytes(bytes(data))
    return bad


@pytest.mark.parametrize("what, needle", [
    ("damaged", "damaged"), ("truncated", "truncated"), ("foreign", "not a csdesk database"),
    ("newer", "newer than this csdesk"), ("missing", "there is no file"), ("text", "not a SQLite file"),
])
def test_restore_checks_the_backup_before_replacing_anything(what, needle, db_path):
    good = _backup_of(db_path, "good")
    if what == "damaged":
        source = _damaged(good)
    elif what == "truncated":
        source = good.with_name("half.backup")
        source.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif what == "foreign":
        source = good.with_name("shop.db")
        con = sqlite3.connect(source)
        con.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
        con.commit()
        con.close()
    elif what == "newer":
        source = good.with_name("future.backup")
        shutil.copyfile(good, source)
        con = sqlite3.connect(source)
        con.execute("UPDATE alembic_version SET version_num = '9999'")
        con.commit()
        con.close()
    elif what == "text":
        source = good.with_name("notes.backup")
        source.write_text("not a database\n" * 500, encoding="utf-8")
    else:
        source = good.with_name("nowhere.backup")
    mark(db_path, "live")
    before = db_path.read_bytes()
    assert needle in one_line(run("restore", str(source), "--db", str(db_path)))
    assert db_path.read_bytes() == before
    assert not [p for p in db_path.parent.iterdir() if p.name.startswith(".") or "before-restore" in p.name]


def test_restore_refuses_a_database_in_use(db_path):
    good = _backup_of(db_path, "good")
    mark(db_path, "live")
    console = sqlite3.connect(db_path)  # a console has the database open
    console.execute("SELECT count(*) FROM agent").fetchone()
    try:
        assert "is in use" in one_line(run("restore", str(good), "--db", str(db_path)))
    finally:
        console.close()
    assert scalar(db_path, "SELECT value FROM meta WHERE key = 'marker'") == "live"
    assert integrity(db_path) == "ok"
    assert not [p for p in db_path.parent.iterdir() if p.name.startswith(".") or "before-restore" in p.name]


def test_restore_onto_a_fresh_machine_and_refuses_a_foreign_target(db_path, tmp_path):
    good = _backup_of(db_path, "good")
    fresh = tmp_path / "fresh" / "desk.db"
    fresh.parent.mkdir()
    result = run("restore", str(good), "--db", str(fresh))
    assert result.exit_code == 0, result.output
    assert scalar(fresh, "SELECT value FROM meta WHERE key = 'marker'") == "good"
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
    shop = tmp_path / "shop.db"
    con = sqlite3.connect(shop)
    con.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    con.commit()
    con.close()
    before = shop.read_bytes()
    assert "not a csdesk database" in one_line(run("restore", str(good), "--db", str(shop)))
    assert shop.read_bytes() == before


@pytest.mark.slow
def test_a_restore_killed_at_random_moments_leaves_a_whole_database(db_path, tmp_path):
    """A restore SIGKILLed at a random moment, again and again: the database is always whole,
    and is either the old one or the restored one."""
    from csdesk.services.intake import IntakeForm, record_contact
    from csdesk.store.engine import open_database, write_session
    from tests.workers import Zygote

    engine = open_database(str(db_path), create=False)
    with write_session(engine) as session:
        from csdesk.services.accounts import get_agent

        agent = get_agent(session, "1001")
        for n in range(300):  # enough pages that the copy takes a while
            record_contact(session, IntakeForm(phone=f"139{n:08d}", name="张伟", category="repair",
                                               summary="厨房水管漏水，楼下天花板有水渍" * 4, outcome="work_order"), agent)
    engine.dispose()
    backup = _backup_of(db_path, "new")
    mark(db_path, "old")
    pristine = tmp_path / "old.pristine"
    shutil.copyfile(db_path, pristine)
    rnd = random.Random()
    zygote = Zygote("restorer")
    outcomes = {"old": 0, "new": 0}
    try:
        durations = []
        for _ in range(4):  # how long an uninterrupted restore takes here
            started = time.monotonic()
            pid = zygote.go(backup=str(backup), db=str(db_path))
            assert zygote.wait(pid) == 0
            durations.append(time.monotonic() - started)
            shutil.copyfile(pristine, db_path)
        window = sorted(durations)[len(durations) // 2] * 1.2
        print(f"\nrestore takes {durations}")
        deadline = time.monotonic() + 45
        kills = 0
        while kills < 40 and time.monotonic() < deadline:
            pid = zygote.go(backup=str(backup), db=str(db_path))
            time.sleep(rnd.uniform(0, window))
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            status = zygote.wait(pid)
            kills += 1
            beside = sorted(p.name for p in db_path.parent.iterdir())
            assert integrity(db_path) == "ok", (kills, status, beside)
            marker = scalar(db_path, "SELECT value FROM meta WHERE key = 'marker'")
            assert marker in outcomes, (kills, status, marker, beside)
            outcomes[marker] += 1
            assert scalar(db_path, "SELECT count(*) FROM contact") == 300
            if marker == "new":
                shutil.copyfile(pristine, db_path)
                for suffix in ("-wal", "-shm", "-journal"):
                    Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    finally:
        zygote.close()
    assert kills >= 20 and outcomes["old"] >= 1, (kills, outcomes, durations)
    # the temporary copies of killed restores are cleared by the next restore
    assert run("restore", str(backup), "--db", str(db_path)).exit_code == 0
    assert not [p for p in db_path.parent.iterdir() if p.name.startswith(".")]
    print(f"\nRESTORE killed {kills} times: {outcomes}")
