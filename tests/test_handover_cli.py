"""``csdesk handover review|show`` and ``csdesk problems list|add``: each output, one-line errors."""

from __future__ import annotations

from datetime import date

import pytest
from typer.testing import CliRunner

from csdesk.cli import app
from csdesk.clock import FakeClock, local, set_clock
from csdesk.services import handover as ho
from csdesk.services import problems
from csdesk.services.intake import IntakeForm, record_contact
from csdesk.store.engine import write_session

runner = CliRunner()


@pytest.fixture(scope="module")
def night_db(tmp_path_factory, desk_template):
    """One database for the module: a night page signed off, acknowledged in part, escalated, remarked."""
    import shutil

    from csdesk.services.accounts import get_agent
    from csdesk.services.tick import run_tick
    from csdesk.store.engine import open_database, read_session

    path = tmp_path_factory.mktemp("handover-cli") / "desk.db"
    shutil.copyfile(desk_template, path)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CSDESK_TIMEZONE", "Asia/Shanghai")
        from csdesk.clock import _zone

        _zone.cache_clear()
        clock = FakeClock(local(2026, 11, 21, 19, 0))
        set_clock(clock)
        try:
            engine = open_database(str(path))
            with read_session(engine) as s:
                night, sup = get_agent(s, "1001"), get_agent(s, "2001")
            with write_session(engine) as s:
                record_contact(s, IntakeForm(phone="13800138000", name="张三", building="3", unit="2", room="1201",
                                             category="repair", summary="地下车库积水 | 严重"), night)
                record_contact(s, IntakeForm(phone="13900139000", name="李四", category="inquiry", outcome="promised",
                                             promise="600", summary="装修审批进度"), night)
                ho.add_free_item(s, night, ho.FreeItem("prospect", "咨询车位<b>租售</b>", "孙七", "13912345678",
                                                       "明早回电", True))
                problems.add_entry(s, night, "problem", "夜班门岗对讲机没电")
            clock.set(local(2026, 11, 21, 22, 50))
            with write_session(engine) as s:
                page = ho.sign_off(s, night)
            clock.set(local(2026, 11, 22, 9, 5))
            with write_session(engine) as s:
                ho.acknowledge_item(s, sup, page.items[0].item_id)
                ho.add_remark(s, sup, page.id, "主管已阅，夜班处理及时")
            with write_session(engine) as s:
                run_tick(s, at=local(2026, 11, 22, 9, 30))
            engine.dispose()
        finally:
            set_clock(None)
            _zone.cache_clear()
    return path


def run(*args, password="demo"):
    env = {"COLUMNS": "320"} | ({"CSDESK_PASSWORD": password} if password is not None else {})
    return runner.invoke(app, list(args), env=env)


def test_show_prints_the_night_as_a_document(night_db):
    result = run("handover", "show", "--db", str(night_db), "--date", "2026-11-21", "--shift", "night", "--as", "2001")
    assert result.exit_code == 0, result.output
    out = result.output
    for words in ("Handover notebook", "1001", "地下车库积水 | 严重", "咨询车位<b>租售</b>", "Do first", "明早回电",
                  "Escalated", "主管已阅", "138****8000", "13912345678", "still open", "2001"):
        assert words in out, words
    # by the shift's name too; an empty shift says so
    assert "1001" in run("handover", "show", "--db", str(night_db), "--date", "2026-11-21", "--shift", "Night",
                         "--as", "2001").output
    empty = run("handover", "show", "--db", str(night_db), "--date", "2026-11-20", "--as", "2001")
    assert empty.exit_code == 0 and "No handover was signed off" in empty.output


@pytest.mark.parametrize("fmt", ["md", "html", "pdf"])
def test_show_writes_a_file(night_db, tmp_path, fmt):
    target = tmp_path / f"night.{fmt}"
    result = run("handover", "show", "--db", str(night_db), "--date", "2026-11-21", "--shift", "night",
                 "--format", fmt, "-o", str(target), "--as", "2001")
    assert result.exit_code == 0, result.output
    assert "Wrote 1 handover pages" in result.output
    data = target.read_bytes()
    if fmt == "pdf":
        assert data.startswith(b"%PDF") and b"STSong-Light" in data
    else:
        text = data.decode("utf-8")
        assert "地下车库积水" in text and "主管已阅" in text
        if fmt == "html":
            assert "&lt;b&gt;租售&lt;/b&gt;" in text and "<b>租售" not in text
        else:
            assert "地下车库积水 \\| 严重" in text
    assert not list(tmp_path.glob("*.part"))


@pytest.mark.parametrize("args, words", [
    (("--date", "2026-13-01", "--as", "2001"), "not a date"),
    (("--shift", "evening", "--as", "2001"), "unknown shift"),
    (("--as", "1001"), "may not review handovers"),
    (("--format", "docx", "-o", "x.docx", "--as", "2001"), "choose one of"),
    (("--format", "md", "--as", "2001"), "needs -o"),
    (("-o", "/nonexistent/dir/x.md", "--as", "2001"), "does not exist"),
])
def test_show_errors_are_one_line(night_db, args, words):
    result = run("handover", "show", "--db", str(night_db), *args)
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert words in result.output and len(lines) == 1 and lines[0].startswith("csdesk: "), result.output


def test_show_wants_the_password(night_db):
    result = run("handover", "show", "--db", str(night_db), "--date", "2026-11-21", "--as", "2001", password="wrong")
    assert result.exit_code != 0 and "Traceback" not in result.output


def test_review_opens_the_console_on_the_review(night_db, monkeypatch):
    import csdesk.launch

    calls = []
    monkeypatch.setattr(csdesk.launch, "launch_console", lambda **kw: calls.append(kw))
    result = run("handover", "review", "--db", str(night_db), "--agent", "2001")
    assert result.exit_code == 0, result.output
    assert calls == [{"db": str(night_db), "agent": "2001", "screen": "handover", "view": "review"}]


def test_problems_list_and_add(night_db):
    added = run("problems", "add", "--db", str(night_db), "--kind", "建议", "对讲机应配备用电池", "--as", "1001")
    assert added.exit_code == 0 and "Logged idea" in added.output
    result = run("problems", "list", "--week", "--date", "2026-11-21", "--db", str(night_db), "--as", "2001",
                 "--format", "table")
    assert result.exit_code == 0, result.output
    assert "夜班门岗对讲机没电" in result.output and "2026-11-16" in result.output and "1001" in result.output
    tsv = run("problems", "list", "--week", "--date", "2026-11-21", "--db", str(night_db), "--as", "2001")
    lines = tsv.output.splitlines()
    assert lines[0] == "at\tstaff_no\tname\tkind\ttext" and lines[1].endswith("\tproblem\t夜班门岗对讲机没电")
    tally = run("problems", "tally", "--date", "2026-11-21", "--db", str(night_db), "--as", "2001", "--format", "json")
    import json

    rows = [json.loads(line) for line in tally.output.strip().strip("[]").splitlines() if line.strip(" ,")]
    assert {"staff_no": "1001", "name": "张敏", "problems": 1, "ideas": 0, "contacts": 2, "customers": 2,
            "converted": 0} in rows
    from csdesk.store.engine import open_database

    engine = open_database(str(night_db))
    with engine.connect() as conn:
        number = conn.exec_driver_sql("SELECT number FROM contact ORDER BY id LIMIT 1").scalar()
    engine.dispose()
    done = run("problems", "converted", number.lower(), "--db", str(night_db), "--as", "1001")
    assert done.exit_code == 0 and f"Counted as converted: {number}" in done.output
    tally = run("problems", "tally", "--date", "2026-11-21", "--db", str(night_db), "--as", "2001", "--format", "tsv")
    header, *lines = tally.output.strip().splitlines()
    by_agent = {r["staff_no"]: r for r in (dict(zip(header.split("\t"), line.split("\t"), strict=True))
                                           for line in lines)}
    assert by_agent["1001"]["converted"] == "1"
    missing = run("problems", "converted", "CT20261121-9999", "--db", str(night_db), "--as", "1001")
    assert missing.exit_code != 0 and missing.output.startswith("csdesk: ")
    bad = run("problems", "add", "--db", str(night_db), "--kind", "rant", "x", "--as", "1001")
    assert bad.exit_code != 0 and bad.output.startswith("csdesk: ")
    assert date(2026, 11, 21).weekday() == 5
