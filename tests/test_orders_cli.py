"""``csdesk order …`` and ``csdesk technician …``: the console's rules from scripts,
one-line errors, every listing format, the slip in each output."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from csdesk.cli import app


@pytest.fixture
def run(db_path, monkeypatch):
    runner = CliRunner()
    monkeypatch.delenv("CSDESK_PASSWORD", raising=False)

    def invoke(*args, password: str | None = None, ok: bool = True):
        env = {"CSDESK_PASSWORD": password} if password else {}
        result = runner.invoke(app, [*args, "--db", str(db_path)], env=env)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return invoke


def new_order(run, *extra) -> str:
    result = run("order", "new", "-d", "厨房水龙头漏水", "--category", "水电维修", "--phone", "13800138000",
                 "--name", "张三", "--unit", "3-2-1201", "--as", "1001", *extra)
    return result.output.strip()


def test_open_list_show_and_move_an_order(run):
    number = new_order(run, "--fee", "tap_replace*2", "--fee", "leak_inspect", "--told", "--technician", "王建国",
                       "--appointment", "2099-01-02 10:00")
    assert number.startswith("WO")
    shown = json.loads(run("order", "show", number, "--format", "json", "--as", "1001").stdout)
    assert shown["quote"] == "¥60.00 + 1 priced on inspection" and shown["price_told"] is True
    assert shown["phone"] == "138****8000" and shown["technician"] == "王建国"
    assert [f["code"] for f in shown["fees"]] == ["tap_replace", "leak_inspect"]
    listed = json.loads(run("order", "list", "--format", "json", "--as", "1001").stdout)
    assert [r["number"] for r in listed] == [number] and listed[0]["status"] == "open"
    tsv = run("order", "list", "--view", "all", "--search", "zs", "--format", "tsv", "--as", "2001").stdout
    assert tsv.splitlines()[0].startswith("number\tstatus") and number in tsv
    rows = list(csv.DictReader(io.StringIO(run("order", "list", "--view", "department", "--department", "工程部",
                                               "--format", "csv", "--as", "1001").stdout)))
    assert rows[0]["number"] == number and rows[0]["department"] == "engineering"
    assert run("order", "move", number, "已派工", "--as", "1001").stdout.strip() == f"{number} dispatched"
    bad = run("order", "move", number, "closed", "--as", "1001", ok=False)
    assert bad.exit_code == 2 and bad.output.count("\n") == 1 and "cannot be moved" in bad.output
    held = run("order", "move", number, "on_hold", "--as", "1001", ok=False)
    assert held.exit_code == 2 and "reason" in held.output
    run("order", "move", number, "on_hold", "--reason", "等配件", "--as", "1001")
    other = run("order", "move", number, "in_progress", "--as", "9999", ok=False)
    assert other.exit_code == 2 and "9999" in other.output


def test_complete_with_a_low_score_and_the_timeline(run):
    number = new_order(run)
    run("order", "move", number, "dispatched", "--as", "1001")
    out = run("order", "complete", number, "--satisfaction", "2", "--result", "更换龙头", "--fee-charged", "30",
              "--signed", "--as", "1001").output
    assert "call-back" in out
    run("order", "note", number, "业主表示满意", "--as", "2001")
    shown = json.loads(run("order", "show", number, "--format", "json", "--as", "1001").stdout)
    assert shown["satisfaction"] == 2 and [e["kind"] for e in shown["events"]] == ["status", "status", "status", "note"]
    listed = run("order", "list", "--view", "awaiting_visit", "--format", "json", "--as", "1001").stdout
    assert number in listed


def test_a_deadline_of_ones_own_and_the_acknowledgement_are_a_supervisors(run):
    refused = run("order", "new", "-d", "x", "--unit", "1-1-101", "--name", "A", "--deadline", "2099-01-01 10:00",
                  "--reason", "业主要求", "--as", "1001", password="demo", ok=False)
    assert refused.exit_code == 2 and "may not change a deadline" in refused.output
    number = run("order", "new", "-d", "x", "--unit", "1-1-101", "--name", "A", "--deadline", "2099-01-01 10:00",
                 "--reason", "业主要求", "--as", "2001", password="demo").output.strip()
    assert json.loads(run("order", "show", number, "--format", "json", "--as", "2001").stdout)["deadline"] == \
        "2099-01-01 10:00"
    nothing = run("order", "explain", number, "--why", "a", "--plan", "b", "--as", "2001", ok=False)
    assert nothing.exit_code == 2 and "nothing to explain" in nothing.output
    nopw = run("order", "ack", number, "--as", "2001", ok=False)
    assert nopw.exit_code == 2


def test_print_the_slip_in_each_format(run, tmp_path, monkeypatch):
    number = new_order(run, "--fee", "aircon_clean")
    text = run("order", "print", number, "--as", "1001").stdout
    assert text.count("\f") == 2 and text.count(number) >= 3
    pdf = tmp_path / "slip.pdf"
    run("order", "print", number, "--format", "pdf", "-o", str(pdf), "--as", "1001")
    assert pdf.read_bytes().startswith(b"%PDF")
    html = tmp_path / "slip.html"
    out = run("order", "print", number, "--format", "html", "--copies", "customer", "-o", str(html), "--as", "1001")
    assert "reprint" in out.output and html.read_text().count('<section class="copy') == 1
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    nolp = run("order", "print", number, "--format", "lp", "--as", "1001", ok=False)
    assert nolp.exit_code == 2 and "lp" in nolp.output and nolp.output.count("\n") == 1
    if pytest.importorskip("escpos"):
        run("order", "print", number, "--format", "escpos", "--printer", "dummy", "--as", "1001")
    shown = json.loads(run("order", "show", number, "--format", "json", "--as", "1001").stdout)
    assert shown["copies_printed"] == 3 + 3 + 1 + 3
    assert run("order", "print", number, "--copies", "some", "--as", "1001", ok=False).exit_code == 2
    assert run("order", "print", "WO19990101-0001", "--as", "1001", ok=False).exit_code == 2


def test_technicians_roster(run):
    listed = json.loads(run("technician", "list", "--department", "it", "--format", "json").stdout)
    assert [t["code"] for t in listed] == ["I01", "I02"]
    refused = run("technician", "add", "I03", "--name", "孔明", "--department", "it", "--as", "2001",
                  password="demo", ok=False)
    assert refused.exit_code == 2 and "may not" in refused.output
    run("technician", "add", "I03", "--name", "孔明", "--department", "it", "--hire-date", "2026-11-01",
        "--as", "9001", password="demo")
    run("technician", "deactivate", "I01", "--as", "9001", password="demo")
    listed = json.loads(run("technician", "list", "--department", "it", "--format", "json").stdout)
    assert [t["code"] for t in listed] == ["I02", "I03"]
