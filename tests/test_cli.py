"""The Typer CLI: init, agent, db; one-line user errors with non-zero exits."""

from __future__ import annotations

import sqlite3

import pytest
from typer.testing import CliRunner

from csdesk.cli import app

runner = CliRunner()


def run(*args, **env):
    return runner.invoke(app, list(args), env=env or None)


@pytest.fixture
def dbfile(tmp_path):
    return str(tmp_path / "cli.db")


def test_help_lists_the_commands():
    result = run("--help")
    assert result.exit_code == 0
    for word in ("init", "agent", "db", "demo", "--screen", "--agent", "--lang"):
        assert word in result.output


def test_init_creates_the_database_and_first_manager(dbfile):
    result = run("init", "--db", dbfile, "--staff-no", "9001", "--name", "王芳", "--password", "s3cret-pw")
    assert result.exit_code == 0, result.output
    assert "9001" in result.output
    con = sqlite3.connect(dbfile)
    assert con.execute("SELECT staff_no, role FROM agent").fetchall() == [("9001", "manager")]
    again = run("init", "--db", dbfile, "--staff-no", "9002", "--name", "x", "--password", "s3cret-pw")
    assert again.exit_code == 0 and "already has accounts" in again.output
    assert con.execute("SELECT count(*) FROM agent").fetchone()[0] == 1


def test_init_prompts_when_options_are_missing(dbfile):
    result = runner.invoke(app, ["init", "--db", dbfile], input="9001\n王芳\ns3cret-pw\ns3cret-pw\n")
    assert result.exit_code == 0, result.output
    assert sqlite3.connect(dbfile).execute("SELECT name FROM agent").fetchone() == ("王芳",)


def test_csdesk_db_environment_variable_is_honoured(dbfile):
    result = run("init", "--staff-no", "9001", "--name", "王芳", "--password", "s3cret-pw", CSDESK_DB=dbfile)
    assert result.exit_code == 0, result.output
    assert sqlite3.connect(dbfile).execute("SELECT count(*) FROM agent").fetchone() == (1,)


MANAGER = {"CSDESK_AGENT": "9001", "CSDESK_PASSWORD": "s3cret-pw"}


def test_agent_add_list_passwd_deactivate(dbfile):
    assert run("init", "--db", dbfile, "--staff-no", "9001", "--name", "王芳", "--password", "s3cret-pw").exit_code == 0
    added = run("agent", "add", "1001", "--name", "张敏", "--role", "客服专员", "--password", "demo-pass1",
                "--hire-date", "2026-10-01", "--db", dbfile, **MANAGER)
    assert added.exit_code == 0, added.output
    listed = run("agent", "list", "--db", dbfile)
    assert "1001" in listed.output and "张敏" in listed.output and "2026-10-01" in listed.output
    # one's own password: with the current one
    own = run("agent", "passwd", "1001", "--password", "other-pass1", "--db", dbfile,
              CSDESK_PASSWORD="demo-pass1")
    assert own.exit_code == 0, own.output
    assert run("agent", "deactivate", "1001", "--db", dbfile, **MANAGER).exit_code == 0
    con = sqlite3.connect(dbfile)
    assert con.execute("SELECT active FROM agent WHERE staff_no='1001'").fetchone() == (0,)
    assert run("agent", "reactivate", "1001", "--db", dbfile, **MANAGER).exit_code == 0
    assert con.execute("SELECT active FROM agent WHERE staff_no='1001'").fetchone() == (1,)
    audit = con.execute("SELECT staff_no, action, entity FROM auditlog WHERE entity = 'agent' "
                        "AND action IN ('create', 'update') ORDER BY id").fetchall()
    assert audit == [("9001", "create", "agent"), ("9001", "create", "agent"), ("1001", "update", "agent"),
                     ("9001", "update", "agent"), ("9001", "update", "agent")]


def test_account_changes_need_a_manager_and_the_right_password(dbfile):
    run("init", "--db", dbfile, "--staff-no", "9001", "--name", "王芳", "--password", "s3cret-pw")
    run("agent", "add", "1001", "--name", "张敏", "--password", "demo-pass1", "--db", dbfile, **MANAGER)
    wrong = run("agent", "add", "1002", "--name", "x", "--password", "demo-pass1", "--db", dbfile,
                CSDESK_AGENT="9001", CSDESK_PASSWORD="nope")
    assert wrong.exit_code != 0 and "Wrong staff number or password" in wrong.output
    agent = run("agent", "add", "1002", "--name", "x", "--password", "demo-pass1", "--db", dbfile,
                CSDESK_AGENT="1001", CSDESK_PASSWORD="demo-pass1")
    assert agent.exit_code != 0 and "may not manage accounts" in agent.output
    nobody = run("agent", "add", "1002", "--name", "x", "--password", "demo-pass1", "--db", dbfile)
    assert nobody.exit_code != 0 and "--as STAFFNO" in nobody.output
    last = run("agent", "deactivate", "9001", "--db", dbfile, **MANAGER)
    assert last.exit_code != 0 and "last active manager" in last.output
    con = sqlite3.connect(dbfile)
    assert con.execute("SELECT count(*) FROM agent").fetchone() == (2,)
    assert con.execute("SELECT count(*) FROM auditlog WHERE action = 'login_failed'").fetchone() == (1,)


@pytest.mark.parametrize("args,message", [
    (["agent", "add", "1001", "--name", "x", "--role", "boss", "--password", "demo-pass1"], 'unknown value "boss"'),
    (["agent", "add", "1001", "--name", "x", "--hire-date", "yesterday", "--password", "demo-pass1"],
     "--hire-date: not a date"),
    (["agent", "add", "1 1", "--name", "x", "--password", "demo-pass1"], "staff number is 2 to 16"),
    (["agent", "add", "1002", "--name", "x", "--password", "short"], "at least 8"),
    (["agent", "passwd", "4040", "--password", "demo-pass1"], "No agent with staff number 4040"),
    (["agent", "deactivate", "4040"], "No agent with staff number 4040"),
    (["--screen", "nowhere"], "unknown screen 'nowhere'"),
])
def test_user_errors_are_one_line_and_non_zero(dbfile, args, message):
    run("init", "--db", dbfile, "--staff-no", "9001", "--name", "王芳", "--password", "s3cret-pw")
    result = run(*args, "--db", dbfile, **MANAGER) if args[0] != "--screen" else run("--db", dbfile, *args)
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert message in lines[0]
    assert "Traceback" not in result.output


def test_db_check_prints_revision_and_counts(dbfile):
    run("init", "--db", dbfile, "--staff-no", "9001", "--name", "王芳", "--password", "s3cret-pw")
    result = run("db", "check", "--db", dbfile)
    assert result.exit_code == 0, result.output
    assert "Schema revision" in result.output and "up to date" in result.output
    assert "Work orders" in result.output and "workorder" in result.output
    import json

    as_json = runner.invoke(app, ["db", "check", "--db", dbfile, "--format", "json"])
    by_table = {r["table"]: r for r in json.loads(as_json.stdout)}  # the revision went to stderr
    assert by_table["agent"]["rows"] == 1 and by_table["agent"]["records"] == "Accounts"
    assert "agent" in result.output and "category" in result.output


def test_db_check_and_upgrade_refuse_what_is_not_ours(tmp_path):
    missing = run("db", "check", "--db", str(tmp_path / "none.db"))
    assert missing.exit_code != 0 and "no csdesk database" in missing.output
    assert not (tmp_path / "none.db").exists()
    foreign = tmp_path / "foreign.db"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    result = run("db", "upgrade", "--db", str(foreign))
    assert result.exit_code != 0 and "not a csdesk database" in result.output
    assert "Traceback" not in result.output


def test_db_upgrade_reports_and_never_creates(dbfile):
    from pathlib import Path

    missing = run("db", "upgrade", "--db", dbfile)
    assert missing.exit_code != 0 and "no csdesk database" in missing.output
    assert not Path(dbfile).exists()  # a mistyped path creates nothing: 'init' makes databases
    assert run("init", "--db", dbfile, "--staff-no", "9001", "--name", "王芳", "--password", "s3cret-pw").exit_code == 0
    result = run("db", "upgrade", "--db", dbfile)
    assert result.exit_code == 0 and "revision" in result.output


def test_console_refuses_without_a_terminal(dbfile):
    result = run("--db", dbfile)
    assert result.exit_code != 0 and "needs a terminal" in result.output


def test_language_option_switches_messages(dbfile):
    chinese = run("--lang", "zh_CN", "db", "check", "--db", dbfile)
    assert chinese.exit_code != 0
    assert "没有 csdesk 数据库" in chinese.output
    english = run("--lang", "en", "db", "check", "--db", dbfile)
    assert "no csdesk database" in english.output


def test_the_fast_console_launch_takes_exactly_the_typer_console_options():
    import typer.main

    from csdesk.launch import CONSOLE_OPTIONS, plain_console_launch

    root = typer.main.get_command(app)
    typer_options = {opt for p in root.params for opt in p.opts if opt.startswith("--")} - {"--help"}
    assert set(CONSOLE_OPTIONS) == typer_options
    assert plain_console_launch(["--db", "x.db", "--screen", "log"]) == {
        "db": "x.db", "agent": None, "screen": "log", "phone": None, "lang": None}
    # anything else is Typer's: subcommands, help, bad values, unknown options
    for argv in (["db", "check"], ["--help"], ["--screen", "nowhere"], ["--db"], ["--verbose"], ["--agen", "1"]):
        assert plain_console_launch(argv) is None, argv


def test_the_installed_command_reports_a_bad_screen_in_one_line(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    csdesk = Path(sys.executable).with_name("csdesk")
    result = subprocess.run([str(csdesk), "--screen", "nowhere"], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["csdesk: unknown screen 'nowhere'; choose one of: intake, log, orders, handover, complaints, visits"]
