"""Configuration: TOML in the user config directory, CSDESK_ variables over it, bad values refused."""

from __future__ import annotations

import pytest

from csdesk.config import ConfigProblem, load_settings
from csdesk.paths import config_file, db_url, default_db_path, reference_data_dir


def write_config(text: str):
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_follow_the_handbook():
    s = load_settings()
    assert s.critical_deadline_minutes == 60 and s.promised_reply_minutes == 60
    assert s.callback_offer_seconds == 60 and s.db is None


def test_file_then_environment(monkeypatch):
    write_config('db = "/srv/desk.db"\ncritical_deadline_minutes = 30\nlang = "en"\n')
    s = load_settings()
    assert (s.db, s.critical_deadline_minutes, s.lang) == ("/srv/desk.db", 30, "en")
    monkeypatch.setenv("CSDESK_CRITICAL_DEADLINE_MINUTES", "45")
    monkeypatch.setenv("CSDESK_DB", "/tmp/other.db")
    s = load_settings()
    assert (s.db, s.critical_deadline_minutes) == ("/tmp/other.db", 45)


def test_bad_values_are_refused():
    write_config("critical_deadline_minutes = -3\n")
    with pytest.raises(ConfigProblem, match="critical_deadline_minutes in .*config.toml: must be at least 5"):
        load_settings()


def test_database_location(tmp_path):
    import os
    from pathlib import Path

    assert default_db_path() == Path(os.environ["XDG_DATA_HOME"]) / "csdesk" / "csdesk.db"
    assert db_url(str(tmp_path / "x.db")) == f"sqlite:///{tmp_path / 'x.db'}"
    assert db_url("postgresql+psycopg://desk@db/csdesk") == "postgresql+psycopg://desk@db/csdesk"
    assert (reference_data_dir() / "categories.toml").is_file()


def test_a_site_file_overrides_shipped_reference_data(engine):
    from csdesk.paths import config_dir
    from csdesk.services.reference import departments
    from csdesk.store.engine import read_session, upgrade

    config_dir().mkdir(parents=True, exist_ok=True)
    (config_dir() / "departments.toml").write_text(
        '[[department]]\ncode = "engineering"\nname_zh = "工程维修部"\nname_en = "Works"\nphone = "6601"\n',
        encoding="utf-8")
    upgrade(engine)
    with read_session(engine) as session:
        active = departments(session)
    assert [(d.code, d.name_zh, d.phone) for d in active] == [("engineering", "工程维修部", "6601")]


# --------------------------------------------------------------------------- every key takes effect

import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402

from typer.testing import CliRunner  # noqa: E402


def cli(*args: str, **env: str):
    from csdesk.cli import app

    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200", **env})


def one_line(result) -> str:
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("csdesk: "), result.stderr
    return lines[0]


@pytest.fixture
def london(monkeypatch):
    """The desk's zone set in the configuration file only (no CSDESK_TIMEZONE)."""
    from csdesk.clock import set_zone

    monkeypatch.delenv("CSDESK_TIMEZONE", raising=False)
    write_config('timezone = "Europe/London"\n')
    yield
    set_zone()


def test_the_configured_zone_is_the_desks_zone(london, engine):
    from csdesk import clock
    from csdesk.services.reference import current_shift, shifts
    from csdesk.services.reports import start_of_local_day
    from csdesk.store.engine import read_session, write_session
    from csdesk.store.numbers import allocate

    late = datetime(2026, 11, 21, 23, 30, tzinfo=UTC)  # 07:30 on the 22nd in Shanghai
    evening = datetime(2026, 11, 21, 10, 30, tzinfo=UTC)  # 18:30 in Shanghai: the night shift there
    load_settings()
    assert str(clock.local_tz()) == "Europe/London"
    assert clock.fmt(late) == "2026-11-21 23:30:00"
    assert start_of_local_day(late) == datetime(2026, 11, 21, 0, 0, tzinfo=UTC)
    with write_session(engine) as session:
        assert allocate(session, "work_order", late) == "WO20261121-0001"  # numbers follow the desk's day
    with read_session(engine) as session:
        all_shifts = shifts(session)
    assert current_shift(all_shifts, evening).code == "day"


def test_the_cli_follows_the_configured_zone_and_minutes(london, db_path):
    import sqlite3

    from csdesk.clock import FakeClock, set_clock

    write_config('timezone = "Europe/London"\ncritical_deadline_minutes = 30\npromised_reply_minutes = 90\n')
    set_clock(FakeClock(datetime(2026, 11, 21, 23, 30, tzinfo=UTC)))
    try:
        critical = cli("intake", "--db", str(db_path), "--agent", "1001", "--phone", "13912345678", "--category",
                       "repair", "--urgency", "critical", "--summary", "电梯困人", "--outcome", "work_order")
        promised = cli("intake", "--db", str(db_path), "--agent", "1001", "--phone", "13912345678", "--category",
                       "inquiry", "--summary", "押金退还", "--outcome", "promised")
    finally:
        set_clock(None)
    assert critical.exit_code == 0 and critical.stdout.strip() == "CT20261121-0001", critical.output
    assert promised.exit_code == 0 and promised.stdout.strip() == "CT20261121-0002", promised.output
    con = sqlite3.connect(db_path)
    deadline, created = con.execute("SELECT deadline_at, created_at FROM workorder").fetchone()
    due, made = con.execute("SELECT due_at, created_at FROM callback WHERE kind = 'promised_reply'").fetchone()
    con.close()
    gap = datetime.fromisoformat(deadline) - datetime.fromisoformat(created)
    assert gap == timedelta(minutes=30)
    assert datetime.fromisoformat(due) - datetime.fromisoformat(made) == timedelta(minutes=90)


def test_db_and_lang_from_the_configuration(monkeypatch, tmp_path, db_path):
    write_config(f'db = "{db_path}"\n')
    checked = cli("db", "check")
    assert checked.exit_code == 0 and str(db_path) in checked.output, checked.output
    monkeypatch.delenv("CSDESK_LANG")
    write_config(f'db = "{tmp_path / "nothere.db"}"\nlang = "zh_CN"\n')
    missing = cli("db", "check")
    assert "没有 csdesk 数据库" in one_line(missing)


def test_screen_settings_load_and_are_checked():
    """lock_after_minutes and page_size are loaded and validated here; the screens that use
    them (idle lock, page length of the log) are wired by their own helpers."""
    write_config("lock_after_minutes = 0\npage_size = 250\n")
    s = load_settings()
    assert (s.lock_after_minutes, s.page_size) == (0, 250)
    for bad in ("lock_after_minutes = 241", "lock_after_minutes = -1", "page_size = 19", "page_size = 501"):
        write_config(bad + "\n")
        with pytest.raises(ConfigProblem, match=bad.split(" ")[0]):
            load_settings()


async def test_the_console_follows_the_configured_zone_and_call_back_offer(london, make_app):
    import time

    from textual.widgets import Static

    from csdesk.clock import FakeClock, set_clock
    from tests.conftest import login, wait_for

    write_config('timezone = "Europe/London"\ncallback_offer_seconds = 15\n')
    set_clock(FakeClock(datetime(2026, 11, 21, 23, 30, 5, tzinfo=UTC)))
    try:
        app = make_app(screen="intake")
        async with app.run_test(size=(130, 45)) as pilot:
            await login(pilot)
            from screens.intake import IntakeScreen

            await wait_for(pilot, lambda: isinstance(app.screen, IntakeScreen))
            screen = app.screen
            clock_text = screen.query_one("#hdr-clock", Static)
            await wait_for(pilot, lambda: "2026-11-21 23:30:05" in str(clock_text.render()))
            assert app.settings.callback_offer_seconds == 15
            screen.query_one("#phone").value = "139"
            screen.started_at = time.monotonic() - 16
            screen._tick()
            assert "Over 15 s" in str(screen.query_one("#script", Static).render())
    finally:
        set_clock(None)


# --------------------------------------------------------------------------- one line, never a traceback


BAD_CONFIG = [
    ("page_size = [", {}, "is not valid TOML"),
    ("page_size = 5", {}, "page_size in "),
    ("critical_deadline_minutes = 'soon'", {}, "must be a whole number"),
    ("timezon = 'Asia/Shanghai'", {}, "is not a setting csdesk knows"),
    ("lang = 'fr'", {"CSDESK_LANG": ""}, "choose one of: zh_CN, en"),
    ("timezone = 'Mars/Olympus'", {"CSDESK_TIMEZONE": ""}, "'Mars/Olympus' is not a known time zone"),
    ("", {"CSDESK_TIMEZONE": "Asia/Shanghia"}, "CSDESK_TIMEZONE: 'Asia/Shanghia' is not a known time zone"),
]


@pytest.mark.parametrize("command", [["db", "check"], ["log", "search", "x"], ["intake", "--agent", "1001"],
                                     ["backup"], ["init"]])
@pytest.mark.parametrize("text, env, needle", BAD_CONFIG)
def test_a_bad_configuration_is_one_line(text, env, needle, command, db_path, monkeypatch):
    for key, value in env.items():
        monkeypatch.delenv(key, raising=False)
        if value:
            monkeypatch.setenv(key, value)
    write_config(text + "\n")
    before = db_path.read_bytes()
    assert needle in one_line(cli("--lang", "en", *command, "--db", str(db_path)))
    assert db_path.read_bytes() == before


@pytest.mark.parametrize("value, needle", [
    ("postgresql://desk@db/csdesk", "keeps its data in a SQLite file"),
    ("postgresql+psycopg://desk@db/csdesk", "keeps its data in a SQLite file"),
    ("x://y", "keeps its data in a SQLite file"),
    ("sqlite://", "names no database file"),
    ("/tmp/" + "d" * 300, "too long"),
    ("/tmp/" + "/".join(["d" * 200] * 25), "too long"),
])
@pytest.mark.parametrize("command", [["db", "check"], ["db", "upgrade"], ["init"], ["log", "search", "x"],
                                     ["backup"], ["demo", "--no-tui"]])
def test_a_bad_database_option_is_one_line(value, needle, command):
    assert needle in one_line(cli(*command, "--db", value))


def _console(args: list[str], **env: str) -> subprocess.CompletedProcess:
    """``csdesk`` as the desk starts it (the real entry point), told it has a terminal."""
    code = "import sys; sys.argv[0] = 'csdesk'; from csdesk.launch import main; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "CSDESK_FORCE_TUI": "1", **env}, stdin=subprocess.DEVNULL)


@pytest.mark.slow
@pytest.mark.parametrize("args, config, env, needle", [
    (["--db", "postgresql://desk@db/csdesk"], "", {}, "keeps its data in a SQLite file"),
    (["--db", "x://y"], "", {}, "keeps its data in a SQLite file"),
    (["--db", "/tmp/" + "d" * 300], "", {}, "too long"),
    ([], "page_size = [\n", {}, "is not valid TOML"),
    ([], "", {"CSDESK_TIMEZONE": "Mars/Olympus"}, "is not a known time zone"),
])
def test_the_console_launch_refuses_in_one_line(args, config, env, needle, db_path):
    if config:
        write_config(config)
    done = _console(args or ["--db", str(db_path)], **env)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("csdesk: ") and needle in lines[0], done.stderr


@pytest.mark.slow
def test_the_console_closes_in_one_line_on_a_setting_out_of_range(db_path):
    """Values out of range are found behind the login screen (pydantic is not loaded before the
    first paint): the console closes, gives the terminal back and prints the one line, exit code 2."""
    import pty
    import re
    import threading

    write_config("page_size = 5\n")
    primary, secondary = pty.openpty()
    code = "import sys; sys.argv[0] = 'csdesk'; from csdesk.launch import main; main()"
    seen: list[bytes] = []
    try:
        proc = subprocess.Popen([sys.executable, "-c", code, "--db", str(db_path)], stdin=secondary,
                                stdout=secondary, stderr=secondary,
                                env={**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"})
        os.close(secondary)
        reader = threading.Thread(target=_drain, args=(primary, seen), daemon=True)
        reader.start()
        proc.wait(timeout=120)
        reader.join(timeout=10)
    finally:
        os.close(primary)
    shown = b"".join(seen).decode("utf-8", "replace")
    after = shown.rsplit("\x1b[?1049l", 1)[-1]  # what stays on the terminal once the console has closed
    after = re.sub(r"\x1b(\[[0-9;?<>=$]*[A-Za-z~]|\][^\x07\x1b]*(\x07|\x1b\\))", "", after)
    assert proc.returncode == 2, shown[-2000:]
    lines = [line.strip() for line in after.replace("\r", "").splitlines() if line.strip().startswith("csdesk")]
    assert len(lines) == 1 and lines[0].startswith("csdesk: page_size in ") and "must be at least 20" in lines[0], \
        after
    assert "Traceback" not in shown


def _drain(fd: int, into: list[bytes]) -> None:
    try:
        while chunk := os.read(fd, 65536):
            into.append(chunk)
    except OSError:
        pass
