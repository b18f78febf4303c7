"""The database layer: pragmas, BEGIN IMMEDIATE, numbering under concurrency,
refusing foreign and newer databases, no side effects at import."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlmodel import select

from csdesk.store import numbers
from csdesk.store.engine import (
    DatabaseProblem,
    SchemaState,
    make_engine,
    open_database,
    schema_info,
    upgrade,
    write_session,
)


def test_every_connection_has_the_pragmas(engine):
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_the_console_keeps_a_smaller_page_cache_bulk_work_the_default(tmp_path):
    console = open_database(str(tmp_path / "c.db"), cache_kib=512)
    bulk = open_database(str(tmp_path / "c.db"))
    with console.connect() as c, bulk.connect() as b:
        assert c.exec_driver_sql("PRAGMA cache_size").scalar() == -512
        assert b.exec_driver_sql("PRAGMA cache_size").scalar() == -2000
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # the other pragmas still hold


def test_write_session_begins_immediate(engine):
    """While a write session is open, another connection cannot even start a write."""
    with write_session(engine) as session:
        session.execute(text("SELECT 1"))  # no write yet: IMMEDIATE already holds the lock
        other = sqlite3.connect(engine.url.database, timeout=0.1, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()


def test_write_session_keeps_nothing_on_error(engine):
    with pytest.raises(RuntimeError):
        with write_session(engine) as session:
            numbers.allocate(session, "work_order")
            raise RuntimeError("boom")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM counter").scalar() == 0


def test_numbers_follow_the_format_and_the_local_day(engine):
    shanghai_morning = datetime(2026, 11, 21, 23, 30, tzinfo=UTC)  # 07:30 on the 22nd in Shanghai
    with write_session(engine) as session:
        first = numbers.allocate(session, "work_order", shanghai_morning)
        second = numbers.allocate(session, "work_order", shanghai_morning)
        contact = numbers.allocate(session, "contact", shanghai_morning)
        customer = numbers.allocate_customer_code(session, shanghai_morning)
    assert (first, second) == ("WO20261122-0001", "WO20261122-0002")
    assert contact == "CT20261122-0001"
    assert customer == "C20261122001"


def _draw_numbers(url: str, n: int, queue) -> None:
    engine = make_engine(url)
    drawn = []
    for _ in range(n):
        with write_session(engine) as session:
            # read-then-write, the pattern that duplicates without BEGIN IMMEDIATE
            drawn.append(numbers.allocate(session, "work_order"))
    queue.put(drawn)


@pytest.mark.slow
def test_four_processes_never_draw_the_same_number(engine):
    url = str(engine.url)
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_draw_numbers, args=(url, 60, queue)) for _ in range(4)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    everything = [n for batch in results for n in batch]
    assert len(everything) == 240
    assert len(set(everything)) == 240


def test_a_fresh_database_is_created_at_the_newest_revision(tmp_path):
    engine = make_engine(str(tmp_path / "new.db"))
    assert schema_info(engine).state is SchemaState.EMPTY
    info = upgrade(engine)
    assert info.state is SchemaState.CURRENT and info.revision == info.head
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM category").scalar() > 5


def test_refuses_a_database_newer_than_the_app(engine):
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(DatabaseProblem, match="newer than this csdesk"):
        upgrade(engine)


def test_refuses_a_database_that_is_not_csdesk(tmp_path):
    path = tmp_path / "other.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    con.commit()
    con.close()
    with pytest.raises(DatabaseProblem, match="not a csdesk database"):
        open_database(str(path))


def test_refuses_a_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is a text file, not SQLite" * 100)
    with pytest.raises(DatabaseProblem, match="not a csdesk database"):
        open_database(str(path))


def test_times_are_stored_utc_and_come_back_aware(engine, agents):
    from csdesk.store.engine import read_session
    from csdesk.store.models import Callback

    local = datetime(2026, 11, 22, 9, 30, 15, tzinfo=timezone(timedelta(hours=8)))
    with write_session(engine) as session:
        session.add(Callback(kind="promised_reply", due_at=local, agent_id=agents["1001"].id))
    with engine.connect() as conn:
        raw = conn.exec_driver_sql("SELECT due_at FROM callback").scalar()
    assert raw.startswith("2026-11-22 01:30:15")
    with read_session(engine) as session:
        back = session.exec(select(Callback)).one().due_at
    assert back == local and back.tzinfo is not None


def test_importing_the_packages_has_no_side_effects(tmp_path):
    code = (
        "import os, sys; os.environ['XDG_DATA_HOME']=sys.argv[1]; os.environ['XDG_CONFIG_HOME']=sys.argv[1];"
        "import csdesk, csdesk.store.models, csdesk.store.engine, csdesk.cli, csdesk.services.accounts, screens.app;"
        "print(sorted(os.listdir(sys.argv[1])))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_domain_never_imports_textual():
    code = (
        "import sys, pkgutil, importlib, csdesk;"
        "[importlib.import_module(m.name) for m in pkgutil.walk_packages(csdesk.__path__, 'csdesk.')"
        " if '.migrations' not in m.name];"
        "print('textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_cli_help_imports_neither_textual_nor_sqlmodel():
    code = "import sys; import csdesk.cli; print('textual' in sys.modules, 'sqlmodel' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


def test_a_checkpoint_cut_off_by_a_crash_is_not_taken_for_a_truncated_copy(db_path):
    """A checkpoint writes page 1 (which gives the new size) before the pages that make the file
    that long: cut off between the two, the file is shorter than its header says, and the WAL
    beside it holds the rest.  That database is whole, and opens; the same file copied alone is
    a truncated copy, and is refused."""
    import shutil
    import struct

    con = sqlite3.connect(db_path, isolation_level=None)
    con.execute("PRAGMA wal_autocheckpoint = 0")
    con.execute("CREATE TABLE filler (x TEXT)")
    con.executemany("INSERT INTO filler VALUES (?)", [("x" * 3000,) for _ in range(200)])
    wal = db_path.with_name(db_path.name + "-wal").read_bytes()  # read while the writer still has it open
    size_before = db_path.stat().st_size
    page_size = struct.unpack(">I", wal[8:12])[0]
    frame, page1 = 32, None
    while frame + 24 + page_size <= len(wal):
        if struct.unpack(">I", wal[frame:frame + 4])[0] == 1:
            page1 = wal[frame + 24:frame + 24 + page_size]
        frame += 24 + page_size
    crashed = db_path.with_name("crashed.db")
    shutil.copyfile(db_path, crashed)
    (crashed.parent / "crashed.db-wal").write_bytes(wal)
    con.close()
    with open(crashed, "r+b") as fh:  # the checkpoint wrote page 1, then the process died
        fh.write(page1)
    assert struct.unpack(">I", page1[28:32])[0] * page_size > size_before
    engine = open_database(str(crashed), create=False)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM filler").scalar() == 200
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    engine.dispose()
    alone = db_path.with_name("alone.db")
    alone.write_bytes(page1 + db_path.read_bytes()[page_size:size_before])
    with pytest.raises(DatabaseProblem, match="is truncated"):
        open_database(str(alone), create=False)
