"""``csdesk log search`` and ``csdesk log export``."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from typer.testing import CliRunner

from tests.test_register_data import quick_agents, seed


@pytest.fixture
def cli_db(engine, db_path):
    agents = quick_agents(engine)
    ids = seed(engine, agents, filler=40)
    return str(db_path), agents, ids


def run(*args: str):
    from csdesk.cli import app

    result = CliRunner().invoke(app, ["--lang", "en", *args], env={"COLUMNS": "250", "CSDESK_PASSWORD": "demo",
                                                                   "CSDESK_AGENT": "1001"})
    return result


def test_search_prints_a_table_with_masked_phones(cli_db):
    db, _agents, _ids = cli_db
    r = run("log", "search", "漏水", "--db", db)
    assert r.exit_code == 0, r.output
    assert "张三" in r.output and "138****8000" in r.output and "13800138000" not in r.output
    assert "1 of 1 matching contacts shown" in r.output


@pytest.mark.parametrize("query, expect", [
    ("8000", ["CT20261120-9000", "CT20261005-9004"]), ("zs", ["CT20261120-9000"]),
    ("3-2-1201", ["CT20261120-9000"]), ("elevator", ["CT20261117-9003"]), ("电梯故障", ["CT20261119-9001"]),
])
def test_search_kinds(cli_db, query, expect):
    db = cli_db[0]
    r = run("log", "search", query, "--db", db, "--from", "2026-10-01", "--to", "2026-11-30")
    assert r.exit_code == 0, r.output
    for number in expect:
        assert number in r.output


def test_search_filters_and_nothing_found(cli_db):
    db = cli_db[0]
    r = run("log", "search", "--db", db, "--category", "报修", "--urgency", "critical", "--from", "2026-11-01")
    assert r.exit_code == 0 and "CT20261119-9001" in r.output and "CT20261120-9000" not in r.output
    r = run("log", "search", '"; DROP TABLE contact; -- NEAR *', "--db", db)
    assert r.exit_code == 0 and "Nothing found." in r.output
    r = run("log", "search", "--db", db, "--by", "2001", "--channel", "来访")
    assert r.exit_code == 0 and "CT20261119-9001" in r.output


def test_full_numbers_need_a_supervisor_account_and_are_audited(cli_db, engine):
    from sqlmodel import select

    from csdesk.store.engine import read_session
    from csdesk.store.models import AuditLog

    db = cli_db[0]
    r = run("log", "search", "张三", "--db", db, "--full", "--agent", "")
    assert r.exit_code == 2 and "--full needs --agent" in r.output
    r = run("log", "search", "张三", "--db", db, "--full", "--agent", "1001")
    assert r.exit_code == 2 and "may not see full phone numbers" in r.output
    r = run("log", "search", "张三", "--db", db, "--full", "--agent", "2001")
    assert r.exit_code == 0 and "13800138000" in r.output
    r = run("log", "search", "张三", "--db", db, "--agent", "2001")  # no --full: masked still
    assert "138****8000" in r.output
    with read_session(engine) as s:
        audit = s.exec(select(AuditLog).where(AuditLog.action == "full_phones")).all()
        assert len(audit) == 1 and audit[0].agent_id == cli_db[1]["2001"].id


@pytest.mark.parametrize("args, message", [
    (["--from", "2026-13-01"], "--from: not a date"),
    (["--from", "2026-11-30", "--to", "2026-11-01"], "is before --from"),
    (["--channel", "pigeon"], "--channel"),
    (["--category", "nope"], "unknown category"),
    (["--by", "7777"], "no account"),
])
def test_bad_filters_are_one_line_errors(cli_db, tmp_path, args, message):
    db = cli_db[0]
    for cmd in (["log", "search", "x"], ["log", "export", "-o", str(tmp_path / "x.csv")]):
        r = run(*cmd, "--db", db, *args)
        assert r.exit_code == 2, r.output
        assert message in r.output and "Traceback" not in r.output
        assert len(r.output.strip().splitlines()) == 1


def test_export_xlsx_reads_back_the_same_rows(cli_db, engine, tmp_path):
    from openpyxl import load_workbook

    from csdesk.clock import local
    from csdesk.services import register as reg
    from csdesk.store.engine import read_session

    db = cli_db[0]
    target = tmp_path / "nov.xlsx"
    r = run("log", "export", "--db", db, "--from", "2026-11-01", "--to", "2026-11-30", "--format", "xlsx",
            "-o", str(target))
    assert r.exit_code == 0, r.output
    assert "Exported 4 rows" in r.output
    wb = load_workbook(target)
    ws = wb.active
    values = list(ws.values)
    assert values[0] == reg.export_headers()
    with read_session(engine) as s:
        want = list(reg.export_rows(s, reg.Query(start=local(2026, 11, 1), end=local(2026, 12, 1))))
    from csdesk.clock import to_local

    def cell(v):  # times come back as real dates, in local wall time
        if isinstance(v, datetime):
            return to_local(v).replace(tzinfo=None)
        return "" if v is None else v

    assert [tuple("" if v is None else v for v in row) for row in values[1:]] == [
        tuple(cell(v) for v in row) for row in want]
    assert ws.freeze_panes == "A2"
    assert abs(ws.column_dimensions["A"].width - reg.EXPORT_COLUMNS[0].width) < 1  # characters + padding
    # a filter narrows it
    r = run("log", "export", "--db", db, "--from", "2026-11-01", "--to", "2026-11-30", "--category", "repair",
            "--channel", "phone", "-o", str(tmp_path / "r.xlsx"))
    assert r.exit_code == 0 and "Exported 1 rows" in r.output


def test_export_csv_has_a_bom_and_every_row(cli_db, tmp_path):
    db = cli_db[0]
    target = tmp_path / "all.csv"
    r = run("log", "export", "--db", db, "-o", str(target))
    assert r.exit_code == 0, r.output
    raw = target.read_bytes()
    assert raw[:3] == b"\xef\xbb\xbf"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 1 + 5 + 40
    from csdesk.services.register import EXPORT_COLUMNS

    col = {c.key: i for i, c in enumerate(EXPORT_COLUMNS)}
    assert rows[1][0] == "CT20261120-9000" and rows[1][col["customer_name"]] == "张三"
    assert rows[1][col["phone"]] == "138****8000" and rows[1][col["received_at"]] == "2026-11-20 09:15:00"
    assert "1. 核实住户信息\n2. 通知工程部上门" in rows[1][col["handling"]]  # handling steps kept whole


def test_export_refuses_unknown_format_and_missing_folder(cli_db, tmp_path):
    db = cli_db[0]
    r = run("log", "export", "--db", db, "-o", str(tmp_path / "x.pdf"))
    assert r.exit_code == 2 and "unknown export format" in r.output
    r = run("log", "export", "--db", db, "-o", str(tmp_path / "nope" / "x.csv"))
    assert r.exit_code == 2 and "does not exist" in r.output
    # a name that says another format than the one asked for
    r = run("log", "export", "--db", db, "--format", "xlsx", "-o", str(tmp_path / "x.csv"))
    assert r.exit_code == 2 and "says csv, not xlsx" in r.output and not list(tmp_path.glob("x.*"))


def test_export_without_a_file_goes_to_the_documents_folder(cli_db, tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_DOCUMENTS_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))  # no user-dirs.dirs: ~/Documents
    monkeypatch.chdir(tmp_path)
    r = run("log", "export", "--db", cli_db[0], "--format", "csv")
    assert r.exit_code == 0, r.output
    written = list((home / "Documents").glob("register-*.csv"))
    assert len(written) == 1 and str(written[0]) in r.output.replace("\n", "")
    assert not list(tmp_path.glob("register-*"))  # never the working directory
    r = run("log", "export", "--db", cli_db[0], "--format", "csv")  # a second one does not overwrite it
    assert r.exit_code == 0 and len(list((home / "Documents").glob("register-*.csv"))) == 2


def test_help_does_not_import_sqlmodel_or_textual():
    import subprocess
    import sys

    code = ("import sys; from csdesk.cli import app; "
            "import typer.main; cmd = typer.main.get_command(app); "
            "print(sorted(m for m in ('sqlmodel', 'textual', 'openpyxl') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
