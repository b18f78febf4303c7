"""One output helper for listings (``csdesk.cli.output.emit``): a table on a terminal, whole
tab-separated values when piped, csv and json on request; stored text is never markup."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
import typer
from typer.testing import CliRunner

from csdesk.cli.output import Column, emit
from tests.test_register_data import make_contact

HOSTILE_NAME = "张[/]三 [bold]x"
ESC_NAME = "李\x1b[2J\x1b]0;pwned\x07四"  # stored before the hygiene existed, or by another program
LONG_SUMMARY = "厨房漏水，楼下天花板渗水，" * 12 + "=1+1"
COLUMNS = [Column("number", "Number", fixed=True), Column("name", "Name"), Column("summary", "Summary", cut=20),
           Column("n", "N", justify="right")]
ROWS = [("CT1", HOSTILE_NAME, "a\tb\nc\\d", 7), ("CT2", ESC_NAME, "-2 @x", None)]


def out_of(capsys, *args, **kwargs):
    emit(*args, **kwargs)
    return capsys.readouterr()


def test_tsv_is_whole_reversible_and_shows_controls_escaped(capsys):
    got = out_of(capsys, ROWS, COLUMNS, "tsv", note="2 shown")
    lines = got.out.splitlines()
    assert lines[0] == "number\tname\tsummary\tn"
    assert lines[1] == "CT1\t张[/]三 [bold]x\ta\\tb\\nc\\\\d\t7"
    assert lines[2] == "CT2\t李\\x1b[2J\\x1b]0;pwned\\x07四\t-2 @x\t"
    assert "\x1b" not in got.out and got.err.strip() == "2 shown"


def test_csv_quotes_and_neutralises_formulas(capsys):
    got = out_of(capsys, ROWS, COLUMNS, "csv")
    back = list(csv.reader(io.StringIO(got.out)))
    assert back[0] == ["number", "name", "summary", "n"]
    assert back[1] == ["CT1", HOSTILE_NAME, "a\tb\nc\\d", "7"]
    assert back[2] == ["CT2", "李\\x1b[2J\\x1b]0;pwned\\x07四", "'-2 @x", ""]


def test_json_is_lossless_and_inert(capsys):
    got = out_of(capsys, ROWS, COLUMNS, "json")
    assert "\x1b" not in got.out and "\x07" not in got.out
    data = json.loads(got.out)
    assert data == [{"number": "CT1", "name": HOSTILE_NAME, "summary": "a\tb\nc\\d", "n": 7},
                    {"number": "CT2", "name": ESC_NAME, "summary": "-2 @x", "n": None}]
    bidi = out_of(capsys, [{"name": "a\u202eb\U000e0041"}], ["name"], "json").out
    assert "\u202e" not in bidi and json.loads(bidi) == [{"name": "a\u202eb\U000e0041"}]
    assert json.loads(out_of(capsys, [], COLUMNS, "json").out) == []


def test_table_cells_are_plain_text(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    got = out_of(capsys, ROWS + [("CT3", "王", LONG_SUMMARY, 1)], COLUMNS, "table", title="[red]Title[/]",
                 note="[/] note")
    assert "张[/]三 [bold]x" in got.out and "[red]Title[/]" in got.out and "[/] note" in got.out
    assert "\x1b" not in got.out and "\\x1b[2J" in got.out
    assert "a b" in got.out and "=1+1" not in got.out and "…" in got.out  # cut in the table only
    empty = out_of(capsys, [], COLUMNS, "table", empty="Nothing [here].")
    assert empty.out.strip() == "Nothing [here]."


def test_the_format_follows_the_output_unless_asked(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdout.isatty", lambda: True, raising=False)
    assert "┃" in out_of(capsys, ROWS, COLUMNS).out
    monkeypatch.setattr("sys.stdout.isatty", lambda: False, raising=False)
    assert out_of(capsys, ROWS, COLUMNS).out.startswith("number\tname")


def test_unknown_format_is_one_line(capsys):
    with pytest.raises(typer.Exit):
        emit(ROWS, COLUMNS, "xml\x1b")
    err = capsys.readouterr().err
    assert err.strip() == 'csdesk: --format: unknown format "xml\\x1b"; choose one of: table, tsv, csv, json'


def test_a_closed_pipe_ends_quietly(monkeypatch):
    class Closed(io.StringIO):
        def write(self, s):
            raise BrokenPipeError

        def fileno(self):
            raise ValueError

    monkeypatch.setattr("sys.stdout", Closed())
    with pytest.raises(typer.Exit) as exit_:
        emit(ROWS, COLUMNS, "tsv")
    assert exit_.value.exit_code == 0


# --------------------------------------------------------------------------- csdesk log search


@pytest.fixture
def hostile_db(engine, agents, db_path):
    from csdesk.clock import now
    from csdesk.store.engine import write_session

    with write_session(engine) as session:
        session.add(make_contact("CT20261122-0001", now() - timedelta(minutes=5), agents["1001"].id, "1001",
                                 customer_name=HOSTILE_NAME, summary=LONG_SUMMARY, phone="13800138000",
                                 unit_key="3-2-1201"))
        session.add(make_contact("CT20261122-0002", now() - timedelta(minutes=4), agents["1001"].id, "1001",
                                 customer_name=ESC_NAME, summary="电梯\u202e故障", phone="13912345678"))
    return str(db_path)


def search(db, *args):
    from csdesk.cli import app

    return CliRunner().invoke(app, ["--lang", "en", "log", "search", "--db", db, *args], env={"COLUMNS": "250"})


def test_piped_search_prints_every_column_whole(hostile_db):
    r = search(hostile_db)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0].split("\t") == ["received", "number", "channel", "customer", "phone", "unit", "category",
                                    "urgency", "summary", "outcome", "agent", "order"]
    rows = [line.split("\t") for line in lines[1:]]
    assert len(rows) == 2 and all(len(row) == 12 for row in rows)
    assert rows[0][3] == "李\\x1b[2J\\x1b]0;pwned\\x07四" and rows[0][8] == "电梯\\u202e故障"
    assert rows[1][3] == HOSTILE_NAME and rows[1][8] == LONG_SUMMARY and rows[1][5] == "3-2-1201"
    assert "\x1b" not in r.output and "2 of 2 matching contacts shown" in r.stderr


def test_search_as_a_table_with_markup_in_names_does_not_crash(hostile_db):
    r = search(hostile_db, "--format", "table")
    assert r.exit_code == 0, r.output
    assert HOSTILE_NAME in r.stdout and "\x1b" not in r.stdout and "Register: all contacts" in r.stdout
    r = search(hostile_db, "张", "--format", "json")
    assert [row["customer"] for row in json.loads(r.stdout)] == [HOSTILE_NAME]
    r = search(hostile_db, "--format", "csv", "--limit", "1")
    assert list(csv.reader(io.StringIO(r.stdout)))[1][3] == "李\\x1b[2J\\x1b]0;pwned\\x07四"


def test_nothing_found_keeps_stdout_for_the_header(hostile_db):
    r = search(hostile_db, "不存在的词")
    assert r.exit_code == 0 and r.stdout.splitlines() == [
        "received\tnumber\tchannel\tcustomer\tphone\tunit\tcategory\turgency\tsummary\toutcome\tagent\torder"]
    assert "Nothing found." in r.stderr
