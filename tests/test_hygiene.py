"""Input hygiene in one place: every text field is cleaned by ``csdesk.domain.text.clean_text``;
exports do not run formulas and are published only after their audit row; arguments are read
by ``csdesk.cli.parse`` with short, safe messages."""

from __future__ import annotations

import csv
import os
import stat
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from csdesk.domain.phones import parse_phone
from csdesk.domain.text import (
    TextError,
    TextKind,
    clean_text,
    csv_safe,
    is_blank,
    parse_unit,
    printable,
    quote_input,
)
from csdesk.services import export as ex
from csdesk.services.intake import IntakeForm, IntakeInvalid, classify_query, parse_promise, record_contact
from csdesk.services.register import interpret
from csdesk.store.engine import read_session, write_session
from csdesk.store.models import AuditLog, Contact, Customer

NAME, LINE, BLOCK = TextKind.NAME, TextKind.LINE, TextKind.BLOCK


# --------------------------------------------------------------------------- clean_text


@pytest.mark.parametrize("value", ["a\x00b", "a\x1b[31mb", "a\x7fb", "a\x9bb", "a\x08b", "a\x1fb"])
@pytest.mark.parametrize("kind", list(TextKind))
def test_control_characters_are_refused_in_every_kind(value, kind):
    with pytest.raises(TextError, match="control character") as err:
        clean_text(value, kind=kind)
    assert "position 2" in str(err.value)
    assert clean_text(value, kind=kind, drop_unsafe=True) in ("ab", "a[31mb")


@pytest.mark.parametrize("ch", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
                                "\u2069"])
def test_bidi_embeddings_overrides_and_isolates_are_refused(ch):
    for kind in TextKind:
        with pytest.raises(TextError, match="text-direction"):
            clean_text(f"发票{ch}123", kind=kind)
    assert clean_text(f"发票{ch}123", kind=LINE, drop_unsafe=True) == "发票123"


def test_invalid_utf8_from_the_os_is_refused_with_its_own_message():
    raw = b"\xe5\xbc\xa0\xff".decode("utf-8", "surrogateescape")  # 张 + a stray byte
    with pytest.raises(TextError, match="not UTF-8 at position 2"):
        clean_text(raw, kind=NAME)


@pytest.mark.parametrize("invisible", ["\u200b", "\ufeff", "\u00ad", "\u2060", "\u200e", "\u200f", "\u061c",
                                       "\U000e0041"])
def test_invisible_format_characters_are_stripped(invisible):
    assert clean_text(f"张{invisible}三", kind=NAME) == "张三"
    assert clean_text(f"漏{invisible}水", kind=BLOCK) == "漏水"


@pytest.mark.parametrize("value", ["\u200b", " \u200b\u3000 ", "\u3164", "\u2800\u2800", "\ufeff\n\u200d",
                                   "\u115f\u1160", "\t \r\n"])
def test_text_made_only_of_invisible_characters_is_empty(value):
    assert is_blank(value)
    for kind in TextKind:
        assert clean_text(value, kind=kind) == ""


def test_line_breaks_by_kind():
    assert clean_text("幸福路\r\n8号\t\t2楼", kind=NAME) == "幸福路 8号 2楼"
    assert clean_text("一\u2028二\x0b三\x0c四\x85五", kind=LINE) == "一 二 三 四 五"
    assert clean_text(" 1. 核实\r\n2. 上门  \r3.\t告知 \n\n", kind=BLOCK) == "1. 核实\n2. 上门\n3.    告知"
    assert clean_text("a\u2029b", kind=BLOCK) == "a\nb"


def test_emoji_in_free_text_but_not_in_names():
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    england = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
    for kind in (LINE, BLOCK):
        assert clean_text(f"谢谢 👍🏽 {family} {england}", kind=kind) == f"谢谢 👍🏽 {family} {england}"
    with pytest.raises(TextError, match="emoji"):
        clean_text("张三😀", kind=NAME)
    assert clean_text("张三😀", kind=NAME, drop_unsafe=True) == "张三"


def test_one_spelling_per_character_and_the_limit():
    assert clean_text("Rene\u0301", kind=NAME) == "René"
    assert clean_text("x" * 32, 32, kind=NAME) == "x" * 32
    with pytest.raises(TextError, match="At most 32 characters \\(this has 33\\)"):
        clean_text("x" * 33, 32, kind=NAME)
    assert clean_text(None) == "" and clean_text("  ") == ""


def test_printable_and_quote_input_never_let_a_character_act():
    assert printable("a\x1b[2Jb\u202e\x00\udcff") == "a\\x1b[2Jb\\u202e\\x00\\udcff"
    assert printable("张[/]三") == "张[/]三"
    assert printable("a\nb\tc") == "a\\nb\\tc" and printable("a\nb", keep="\n") == "a\nb"
    long = "9" * 100_000
    shown = quote_input(long)
    assert len(shown) == 40 and shown.endswith("…")
    assert quote_input("/home/desk/" + "x" * 200 + "/out.csv", tail=True).endswith("x/out.csv")
    assert quote_input("\x1b" * 100) == "\\x1b" * 9 + "\\x1" + "…"  # 40 characters, the escapes counted


@pytest.mark.parametrize("cell, out", [
    ("=1+1", "'=1+1"), ("+8613800138000", "'+8613800138000"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("a=1", "a=1"), ("", ""), (None, None), (5, 5), ("漏水", "漏水"),
])
def test_csv_cells_never_start_a_formula(cell, out):
    assert csv_safe(cell) == out


# --------------------------------------------------------------------------- parsers that were too lenient


def test_full_width_digits_typed_with_an_ime_are_read_as_digits():
    assert parse_phone("１３８００１３８０００").number == "13800138000"
    assert parse_phone("１３８ ００１３ ８０００").number == "13800138000"
    with pytest.raises(ValueError):
        parse_phone("1\u0663800138000")  # an Arabic-Indic digit is not stored as a phone digit
    assert parse_unit("３-２-１２０１") == ("3", "2", "1201")
    assert parse_unit("３栋２单元１２０１室") == ("3", "2", "1201")
    assert parse_unit("٣-٢-١٢٠١") is None
    assert classify_query("８０００") == ("last4", "8000")
    assert classify_query("\x1b张") == ("name", "张")
    at = datetime(2026, 11, 22, 2, 0, 30, 123456, tzinfo=UTC)  # 10:00:30 in Shanghai
    assert parse_promise("１６：３０", at) == datetime(2026, 11, 22, 8, 30, tzinfo=UTC)  # 16:30 local, no fraction
    assert parse_promise("９０", at) == at + timedelta(minutes=90)
    with pytest.raises(ValueError, match="1 to 10080"):
        parse_promise("9" * 5000, at)


def test_the_register_search_box_drops_what_it_cannot_search():
    assert interpret("\u202e8000").kind == "last4"
    assert interpret("１３８００１３８０００").value == "13800138000"
    assert interpret("漏\x00水").value == "漏水"
    assert interpret("\u200b").kind == "none"


# --------------------------------------------------------------------------- intake validation


def _save(engine, agent, **kw):
    kw = {"phone": "13800138000", "category": "inquiry", "summary": "x", **kw}
    with write_session(engine) as s:
        return record_contact(s, IntakeForm(**kw), agent)


@pytest.mark.parametrize("field, value, message", [
    ("summary", "漏水\x1b[31m", "control character"),  # emoji_ok used to skip every check
    ("handling", "1. 上门\n2. \u202e完成", "text-direction"),
    ("escalation_reason", "急\x00", "control character"),
    ("name", "张\x07三", "control character"),
    ("address", "幸福路\u2066", "text-direction"),
])
def test_intake_refuses_controls_in_every_field_with_a_message_at_the_field(engine, agents, field, value, message):
    extra = {"outcome": "escalated"} if field == "escalation_reason" else {}
    with pytest.raises(IntakeInvalid) as err:
        _save(engine, agents["1001"], **{field: value}, **extra)
    assert message in err.value.errors[field]
    with read_session(engine) as s:
        assert s.exec(select(Contact)).all() == [] and s.exec(select(Customer)).all() == []


def test_intake_keeps_emoji_strips_invisibles_and_treats_invisible_only_as_empty(engine, agents):
    with pytest.raises(IntakeInvalid) as err:
        _save(engine, agents["1001"], summary="\u200b\u200b")
    assert "Write what the customer needs" in err.value.errors["summary"]
    with pytest.raises(IntakeInvalid) as err:
        _save(engine, agents["1001"], phone="", channel="walk_in", name="\u3164")
    assert "name" in err.value.errors
    saved = _save(engine, agents["1001"], name="张\u200b三", building="３", unit="２", room="１２０１",
                  summary="谢谢 👍\n\u200b第二行", handling="1. 核实\ufeff")
    with read_session(engine) as s:
        c = s.get(Contact, saved.id)
    assert (c.customer_name, c.unit_key, c.summary, c.handling) == ("张三", "3-2-1201", "谢谢 👍\n第二行", "1. 核实")


def test_long_unknown_values_are_quoted_short(engine, agents):
    with pytest.raises(IntakeInvalid) as err:
        _save(engine, agents["1001"], category="x" * 100_000, urgency="y" * 100_000, channel="\x1b" * 50)
    for field in ("category", "urgency", "channel"):
        assert len(err.value.errors[field]) < 200, field
    assert "\x1b" not in str(err.value)


# --------------------------------------------------------------------------- exports


def test_csv_export_neutralises_formulas_and_xlsx_keeps_them_as_text(tmp_path):
    from openpyxl import load_workbook

    rows = [("=HYPERLINK(\"http://x\")", "+1", "-1", "@A1", "\tx", "\rx", "a=b")]
    ex.write(tmp_path / "f.csv", ["h"] * 7, rows, fmt="csv")
    with (tmp_path / "f.csv").open(encoding="utf-8-sig", newline="") as fh:
        back = list(csv.reader(fh))
    assert back[1] == ["'=HYPERLINK(\"http://x\")", "'+1", "'-1", "'@A1", "'\tx", "'\rx", "a=b"]
    rows = [("=HYPERLINK(\"http://x\")", "+1", "-1", "@A1", "\tx", "a=b")]  # (openpyxl reads CR back as _x000D_)
    ex.write(tmp_path / "f.xlsx", ["h"] * 6, rows, fmt="xlsx")
    ws = load_workbook(tmp_path / "f.xlsx").active
    assert [c.value for c in ws[2]] == list(rows[0]) and {c.data_type for c in ws[2]} == {"s"}


def test_an_export_is_published_only_after_its_audit_returns(tmp_path):
    target = tmp_path / "out.csv"
    seen = []

    def audit(result):
        seen.append((result.rows, target.exists(), (tmp_path / "out.csv.part").exists()))

    result = ex.write(target, ["h"], [("a",), ("b",)], fmt="csv", audit=audit)
    assert seen == [(2, False, True)] and result.rows == 2 and target.exists()
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert not (tmp_path / "out.csv.part").exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_whose_audit_fails_leaves_no_file(tmp_path, fmt):
    target = tmp_path / f"out.{fmt}"

    def audit(result):
        raise RuntimeError("audit table locked")

    with pytest.raises(RuntimeError):
        ex.write(target, ["h"], [("a",)], fmt=fmt, audit=audit)
    assert list(tmp_path.iterdir()) == []

    def broken_rows():
        yield ("a",)
        raise OSError("disk full")

    with pytest.raises(OSError):
        ex.write(target, ["h"], broken_rows(), fmt=fmt)
    assert list(tmp_path.iterdir()) == []


def test_cli_export_is_audited_before_it_appears(db_path, engine, agents, tmp_path, monkeypatch):
    from csdesk.cli import app
    from csdesk.cli import log as log_cli

    out = tmp_path / "out"
    out.mkdir()
    target = out / "r.csv"
    real = log_cli._audit

    def failing(*args, **kwargs):
        assert (out / "r.csv.part").exists() and not target.exists()
        raise RuntimeError("database is locked")

    monkeypatch.setattr(log_cli, "_audit", failing)
    as_agent = {"CSDESK_AGENT": "1001", "CSDESK_PASSWORD": "demo"}
    r = CliRunner().invoke(app, ["log", "export", "--db", str(db_path), "-o", str(target)], env=as_agent)
    assert r.exit_code == 2 and "audit log" in r.output and len(r.output.strip().splitlines()) == 1
    assert list(out.iterdir()) == []

    def checking(*args, **kwargs):
        assert not target.exists()
        real(*args, **kwargs)

    monkeypatch.setattr(log_cli, "_audit", checking)
    r = CliRunner().invoke(app, ["log", "export", "--db", str(db_path), "-o", str(target)], env=as_agent)
    assert r.exit_code == 0, r.output
    assert target.exists() and not (out / "r.csv.part").exists()
    with read_session(engine) as s:
        exports = s.exec(select(AuditLog).where(AuditLog.action == "export")).all()
    assert [(a.staff_no, a.entity) for a in exports] == [("1001", "contact")]


# --------------------------------------------------------------------------- arguments


def _run(db_path, *args):
    from csdesk.cli import app

    return CliRunner().invoke(app, ["--lang", "en", *args, "--db", str(db_path)])


BAD = "\udcff\udcfe"  # what Python makes of the bytes ff fe in argv


@pytest.mark.parametrize("args, needle", [
    (["log", "search", "--to", "9999-12-31"], "--to: 9999-12-31 is outside the years 1900–2100"),
    (["log", "search", "--from", "0001-01-01"], "outside the years"),
    (["log", "search", "--from", "9" * 100_000], "--from: not a date"),
    (["log", "search", BAD], "not UTF-8"),
    (["log", "search", "x" * 100_000], "At most 200 characters"),
    (["log", "search", "--by", BAD], "--by: Not valid text"),
    (["log", "search", "--category", "c" * 100_000], "--category"),
    (["log", "search", "--channel", "\x1b[2J" * 1000], "--channel: unknown value"),
    (["log", "search", "--limit", "9" * 100_000], "--limit: give a whole number"),
    (["log", "search", "--agent", "1" * 100_000], "--agent"),
    (["log", "search", "--format", "x" * 100_000], "--format: unknown format"),
    (["log", "export", "-o", "/tmp/" + BAD + ".csv"], "--output: Not valid text"),
    (["log", "export", "-o", "/tmp/x.csv", "--format", "q" * 100_000], "--format: At most 16"),
    (["log", "export", "-o", "/tmp/" + "d" * 100_000 + "/x.csv"], "--output: a file name"),
    (["log", "export", "-o", "/nonexistent/" + "d" * 200 + "/x.csv"], "does not exist"),
    (["intake", "--agent", "1001", "--phone", "13800138000", "--category", "repair", "--summary",
      "x" * 100_000], "--summary: At most 2000"),
    (["intake", "--agent", "1001", "--phone", "13800138000", "--category", "repair", "--summary",
      "漏水\x1b]0;pwned\x07"], "--summary: Contains a control character"),
    (["intake", "--agent", "1001", "--phone", BAD, "--category", "repair", "--summary", "x"], "--phone: Not valid"),
    (["intake", "--agent", "1001", "--phone", "13800138000", "--category", "r" * 100_000, "--summary", "x"],
     "--category"),
    (["intake", "--agent", "1001", "--phone", "13800138000", "--unit", "u" * 60, "--category", "repair",
      "--summary", "x"], "--unit"),
    (["intake", "--agent", "2" * 100_000, "--phone", "13800138000", "--category", "repair", "--summary", "x"],
     "--agent"),
    (["intake", "--agent", "1001", "--phone", "13800138000", "--category", "repair", "--urgency", "u" * 100_000,
      "--summary", "x"], "--urgency: unknown value"),
])
def test_bad_arguments_get_one_short_line(db_path, engine, args, needle):
    r = _run(db_path, *args)
    assert r.exit_code == 2, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("csdesk: ") and needle in lines[0], r.output
    assert len(lines[0]) < 240 and "\x1b" not in lines[0]
    with read_session(engine) as s:
        assert s.exec(select(Contact)).all() == []
