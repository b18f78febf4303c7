"""The database layer never harms a file.

Another program's SQLite file, a read-only file, a folder, a truncated copy, a
file with mode 000, a text file and an empty file: every way in (each command,
the console's launch, the library) leaves it byte-for-byte as it was, creates
nothing beside it, and says in one line what is wrong, with the path as typed.
A mistyped path creates nothing; paths with Chinese, spaces, ``%`` and ``;``
work; read-only commands take no write lock; what csdesk creates is private.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

ODD = "台账 100%;备份 v2"  # Chinese, a space, % and ; in a folder name

from csdesk.store.engine import known_revisions  # noqa: E402

HEAD = known_revisions()[1]


def run(*args: str, **env: str):
    from csdesk.cli import app

    return CliRunner().invoke(app, ["--lang", "en", *args], env={"COLUMNS": "200", **env})


def one_line_error(result) -> str:
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("csdesk: "), result.stderr
    return lines[0]


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with its SHA-256 (mode bits put back to read it)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            mode = stat.S_IMODE(path.stat().st_mode)
            os.chmod(path, mode | 0o400)
            out[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest() + oct(mode)
            os.chmod(path, mode)
        elif path.is_dir():
            out[str(path.relative_to(folder)) + "/"] = oct(stat.S_IMODE(path.stat().st_mode))
    return out


# --------------------------------------------------------------------------- the files


def _foreign(path: Path, wal: bool = False) -> None:
    con = sqlite3.connect(path)
    if wal:
        con.execute("PRAGMA journal_mode = WAL")
    con.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    con.executemany("INSERT INTO invoices (total) VALUES (?)", [(i * 1.5,) for i in range(200)])
    con.commit()
    con.close()


def _make(kind: str, folder: Path, template: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "账本 %;x.db"
    if kind == "foreign":
        _foreign(path)
    elif kind == "foreign_wal":
        _foreign(path, wal=True)
    elif kind == "other_alembic":
        _foreign(path)
        con = sqlite3.connect(path)
        con.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        con.execute("INSERT INTO alembic_version VALUES ('a1b2c3d4e5f6')")
        con.commit()
        con.close()
    elif kind == "readonly":
        shutil.copyfile(template, path)
        os.chmod(path, 0o444)
    elif kind == "directory":
        path.mkdir()
        (path / "notes.txt").write_text("a folder, not a database", encoding="utf-8")
    elif kind == "truncated":
        data = template.read_bytes()
        path.write_bytes(data[: len(data) // 2 + 1000])
    elif kind == "mode000":
        shutil.copyfile(template, path)
        os.chmod(path, 0)
    elif kind == "text":
        path.write_text("name,phone\n张三,13800138000\n" * 300, encoding="utf-8")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "newer":
        shutil.copyfile(template, path)
        con = sqlite3.connect(path)
        con.execute("UPDATE alembic_version SET version_num = '9999'")
        con.commit()
        con.close()
    return path


WHAT_IS_WRONG = {
    "foreign": "not a csdesk database", "foreign_wal": "not a csdesk database",
    "other_alembic": "not a csdesk database", "readonly": "is read-only", "directory": "is a folder",
    "truncated": "is truncated", "mode000": "cannot be read", "text": "not a SQLite file",
    "empty": "is an empty file", "newer": "newer than this csdesk",
}
KINDS = list(WHAT_IS_WRONG)


def _commands(path: str, tmp: Path, backup_file: str) -> dict[str, list[str]]:
    return {
        "init": ["init", "--db", path, "--staff-no", "9001", "--name", "王芳", "--password", "s3cret12"],
        "db upgrade": ["db", "upgrade", "--db", path],
        "db check": ["db", "check", "--db", path],
        "log search": ["log", "search", "漏水", "--db", path],
        "log export": ["log", "export", "-o", str(tmp / "out" / "x.csv"), "--db", path],
        "intake": ["intake", "--phone", "13912345678", "--name", "张三", "--category", "repair",
                   "--summary", "厨房漏水", "--agent", "1001", "--db", path],
        "agent list": ["agent", "list", "--db", path],
        "demo": ["demo", "--no-tui", "--contacts", "60", "--db", path],
        "backup": ["backup", "--db", path],
        "restore": ["restore", backup_file, "--db", path],
    }


COMMANDS = list(_commands("x", Path("x"), "x"))
READS_ONLY = {"db check", "backup"}  # these may read a read-only csdesk database


@pytest.fixture(scope="module")
def good_backup(tmp_path_factory, desk_template):
    folder = tmp_path_factory.mktemp("good-backup")
    path = folder / "good.db"
    shutil.copyfile(desk_template, path)
    return path


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("kind", KINDS)
def test_a_file_that_is_not_a_usable_csdesk_database_is_left_as_it_was(kind, command, tmp_path, desk_template,
                                                                       good_backup):
    folder = tmp_path / "here"
    path = _make(kind, folder, desk_template)
    (tmp_path / "out").mkdir()
    before = snapshot(folder)
    result = run(*_commands(str(path), tmp_path, str(good_backup))[command])
    if kind == "readonly" and command in READS_ONLY:
        assert result.exit_code == 0, result.output
        shutil.rmtree(folder / "backups", ignore_errors=True)  # the backup itself
    else:
        line = one_line_error(result)
        assert WHAT_IS_WRONG[kind] in line, line
        assert str(path) in line, line  # as typed: not URL-quoted
    assert snapshot(folder) == before  # byte for byte, and nothing beside it
    assert not list((tmp_path / "out").iterdir())


@pytest.mark.parametrize("kind", KINDS)
def test_the_console_and_the_library_refuse_it_too(kind, tmp_path, desk_template):
    from csdesk.launch import preflight
    from csdesk.store.engine import DatabaseProblem, open_database, open_for_reading

    folder = tmp_path / "here"
    path = _make(kind, folder, desk_template)
    before = snapshot(folder)
    problem = preflight(str(path))
    if kind in ("foreign", "foreign_wal", "other_alembic", "newer"):  # needs SQLite: told on the login screen
        assert problem is None
    else:
        assert problem is not None and WHAT_IS_WRONG[kind] in problem and str(path) in problem
        assert "\n" not in problem
    for opener in (open_database, open_for_reading):
        with pytest.raises(DatabaseProblem, match=WHAT_IS_WRONG[kind]):
            opener(str(path))
    assert snapshot(folder) == before


async def test_the_console_shows_the_problem_and_changes_nothing(tmp_path, desk_template):
    from textual.widgets import Static

    from screens.app import CsdeskApp
    from tests.conftest import wait_for

    folder = tmp_path / "here"
    path = _make("foreign_wal", folder, desk_template)
    before = snapshot(folder)
    app = CsdeskApp(db=str(path), warm_up=False)
    async with app.run_test(size=(120, 40)) as pilot:
        status = app.screen.query_one("#login-status", Static)
        await wait_for(pilot, lambda: "not a csdesk database" in str(status.render()))
        assert app.screen.query_one("#login-button").disabled
    assert snapshot(folder) == before


# --------------------------------------------------------------------------- a mistyped path


NOT_CREATING = [c for c in COMMANDS if c not in ("init", "demo")]


@pytest.mark.parametrize("command", NOT_CREATING)
def test_a_mistyped_path_creates_nothing(command, tmp_path, good_backup):
    path = tmp_path / "typo" / "deks.db"
    (tmp_path / "out").mkdir()
    result = run(*_commands(str(path), tmp_path, str(good_backup))[command])
    if command == "restore":  # restoring makes a database, but never a folder the user did not make
        line = one_line_error(result)
        assert "does not exist" in line and str(path) in line
    else:
        line = one_line_error(result)
        assert "no csdesk database" in line and str(path) in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


async def test_the_console_with_a_path_that_does_not_exist_creates_nothing(tmp_path):
    from textual.widgets import Static

    from csdesk.launch import preflight
    from screens.app import CsdeskApp
    from tests.conftest import wait_for

    path = tmp_path / "deks.db"
    assert "no csdesk database at " + str(path) in preflight(str(path))
    app = CsdeskApp(db=str(path), warm_up=False)
    async with app.run_test(size=(120, 40)) as pilot:
        status = app.screen.query_one("#login-status", Static)
        await wait_for(pilot, lambda: "no csdesk database" in str(status.render()))
    assert list(tmp_path.iterdir()) == []
    from csdesk.paths import default_db_path

    assert preflight(None) is None  # the default location: the first start creates it there
    assert not default_db_path().exists()


def test_the_console_launch_refuses_in_one_line_before_the_terminal_is_taken(tmp_path):
    path = tmp_path / "deks.db"
    env = {**os.environ, "CSDESK_FORCE_TUI": "1"}
    code = "import sys; sys.argv[0] = 'csdesk'; from csdesk.launch import main; main()"
    out = subprocess.run([sys.executable, "-c", code, "--db", str(path)], capture_output=True,
                         text=True, env=env, timeout=60, stdin=subprocess.DEVNULL)
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        f"csdesk: there is no csdesk database at {path}; check the path ('csdesk init' creates a database)"]
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- odd paths


def test_paths_with_chinese_spaces_percent_and_semicolons_work(tmp_path):
    folder = tmp_path / ODD
    folder.mkdir()
    path = folder / "desk 50%;a.db"
    init = run("init", "--db", str(path), "--staff-no", "9001", "--name", "王芳", "--password", "s3cret12")
    assert init.exit_code == 0, init.output
    assert str(path) in init.output  # a path, not a URL-quoted one
    # an old database at an odd path is upgraded by `db upgrade`
    con = sqlite3.connect(path)
    assert con.execute("SELECT version_num FROM alembic_version").fetchone() == (HEAD,)
    con.close()
    upgraded = run("db", "upgrade", "--db", str(path))
    assert upgraded.exit_code == 0 and f"revision {HEAD}" in upgraded.output, upgraded.output
    url = run("db", "check", "--db", f"sqlite:///{path}")
    assert url.exit_code == 0 and "agent" in url.output, url.output
    added = run("intake", "--phone", "13912345678", "--name", "张三", "--category", "repair", "--summary",
                "厨房漏水", "--agent", "9001", "--db", str(path))
    assert added.exit_code == 0, added.output
    found = run("log", "search", "漏水", "--db", str(path))
    assert found.exit_code == 0 and "张三" in found.output, found.output
    demo = run("demo", "--no-tui", "--contacts", "60", "--seed", "1", "--db", str(folder / "演示 1%;.db"))
    assert demo.exit_code == 0, demo.output


async def test_the_console_opens_a_database_at_an_odd_path(tmp_path, desk_template):
    from screens.app import CsdeskApp
    from tests.conftest import login

    folder = tmp_path / ODD
    folder.mkdir()
    path = folder / "desk 50%;a.db"
    shutil.copyfile(desk_template, path)
    app = CsdeskApp(db=str(path), warm_up=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot)
        assert app.agent.staff_no == "1001"


def test_an_older_database_at_an_odd_path_is_upgraded(tmp_path):
    from tests.test_upgrade import build_revision_0001

    path = tmp_path / ODD / "old 1%;.db"
    path.parent.mkdir()
    build_revision_0001(path)
    result = run("db", "upgrade", "--db", str(path))
    assert result.exit_code == 0 and f"revision {HEAD}" in result.output, result.output


# --------------------------------------------------------------------------- no write lock to read


@pytest.fixture
def held_write_lock(db_path):
    """Another process in the middle of a write: BEGIN IMMEDIATE held until the test ends."""
    con = sqlite3.connect(db_path, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    con.execute("UPDATE agent SET name = name WHERE staff_no = '1001'")
    yield db_path
    con.execute("ROLLBACK")
    con.close()


@pytest.mark.parametrize("args", [["log", "search", "漏水"], ["db", "check"], ["log", "search", "1001"]])
def test_read_only_commands_take_no_write_lock(held_write_lock, args):
    started = time.monotonic()
    result = run(*args, "--db", str(held_write_lock))
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started < 5  # a write lock would wait 10 s and fail


def test_opening_for_reading_and_exporting_do_not_wait_for_writers(db_path, tmp_path):
    from csdesk.store.engine import open_for_reading

    con = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    con.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    engine = open_for_reading(str(db_path))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM agent").scalar() == 3
    assert time.monotonic() - started < 2
    engine.dispose()
    release = threading.Timer(1.0, lambda: con.execute("ROLLBACK"))
    release.start()  # the export's audit row is a short write: it waits for the writer, then succeeds
    result = run("log", "export", "-o", str(tmp_path / "all.csv"), "--db", str(db_path),
                 CSDESK_AGENT="1001", CSDESK_PASSWORD="demo")
    release.join()
    con.close()
    assert result.exit_code == 0, result.output


def test_reference_data_is_written_only_when_it_changed(db_path):
    from csdesk.paths import config_dir
    from csdesk.store.engine import open_database

    def department_rows():
        con = sqlite3.connect(db_path)
        rows = con.execute("SELECT code, name_zh, phone, active FROM department ORDER BY code").fetchall()
        con.close()
        return rows

    before = db_path.read_bytes()
    lock = sqlite3.connect(db_path, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")  # another process is writing
    started = time.monotonic()
    engine = open_database(str(db_path), create=False)  # current: nothing to write, so no lock to wait for
    engine.dispose()
    assert time.monotonic() - started < 5
    lock.execute("ROLLBACK")
    lock.close()
    assert db_path.read_bytes() == before
    config_dir().mkdir(parents=True, exist_ok=True)
    (config_dir() / "departments.toml").write_text(
        '[[department]]\ncode = "engineering"\nname_zh = "工程维修部"\nname_en = "Works"\nphone = "6601"\n',
        encoding="utf-8")
    engine = open_database(str(db_path), create=False)  # changed: written, in its own transaction
    engine.dispose()
    rows = department_rows()
    assert ("engineering", "工程维修部", "6601", 1) in rows and all(r[3] == 0 for r in rows if r[0] != "engineering")


# --------------------------------------------------------------------------- private files


@pytest.fixture
def open_umask():
    old = os.umask(0o022)  # what most desktops have: files 0644, folders 0755
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_database_its_wal_and_shm_and_backups_are_private(tmp_path, open_umask):
    path = tmp_path / "new" / "deeper" / "desk.db"
    result = run("init", "--db", str(path), "--staff-no", "9001", "--name", "王芳", "--password", "s3cret12")
    assert result.exit_code == 0, result.output
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700 and _mode(path.parent.parent) == 0o700
    from csdesk.store.engine import open_database

    engine = open_database(str(path), create=False)
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT count(*) FROM agent").scalar()
        for suffix in ("-wal", "-shm"):
            side = Path(f"{path}{suffix}")
            assert side.exists() and _mode(side) == 0o600, suffix
    engine.dispose()
    backed = run("backup", "--db", str(path))
    assert backed.exit_code == 0, backed.output
    (backup,) = (path.parent / "backups").iterdir()
    assert _mode(backup) == 0o600 and _mode(path.parent / "backups") == 0o700


@pytest.mark.slow
def test_the_csdesk_command_makes_exports_private(db_path, tmp_path):
    env = {**os.environ, "COLUMNS": "200", "CSDESK_AGENT": "1001", "CSDESK_PASSWORD": "demo"}
    out = tmp_path / "exports"
    out.mkdir()
    code = "import os, sys; os.umask(0o022); sys.argv[0] = 'csdesk'; from csdesk.launch import main; main()"
    for name in ("register.csv", "register.xlsx"):
        done = subprocess.run([sys.executable, "-c", code, "log", "export", "-o", str(out / name), "--db",
                               str(db_path)], capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        assert _mode(out / name) == 0o600, name
