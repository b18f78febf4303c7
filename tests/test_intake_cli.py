"""``csdesk intake``: the same contact without the console; one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from csdesk.cli import app
from csdesk.store.engine import read_session
from csdesk.store.models import Callback, Contact, Customer, WorkOrder

runner = CliRunner()


def run(db_path, *args):
    return runner.invoke(app, ["intake", "--db", str(db_path), *args])


def test_intake_prints_the_contact_number_and_opens_the_order(db_path, engine, agents):
    result = run(db_path, "--phone", "13800138000", "--name", "张三", "--unit", "3栋2单元1201",
                 "--category", "repair", "--urgency", "normal", "--summary", "厨房漏水", "--agent", "1001")
    assert result.exit_code == 0, result.output
    number = result.stdout.strip()
    assert number.startswith("CT") and "\n" not in number
    with read_session(engine) as s:
        contact = s.exec(select(Contact).where(Contact.number == number)).one()
        order = s.get(WorkOrder, contact.work_order_id)
        customer = s.get(Customer, contact.customer_id)
    assert contact.unit_key == "3-2-1201" and contact.agent_staff_no == "1001" and contact.outcome == "work_order"
    assert order.contact_id == contact.id and customer.name == "张三"


def test_chinese_names_and_outcome_options(db_path, engine, agents):
    result = run(db_path, "--phone", "010-62345678-123", "--name", "李四", "--category", "咨询",
                 "--summary", "物业费", "--outcome", "promised", "--promise", "90", "--channel", "来访",
                 "--agent", "1001")
    assert result.exit_code == 0, result.output
    with read_session(engine) as s:
        contact = s.exec(select(Contact)).one()
        call = s.exec(select(Callback)).one()
    assert (contact.channel, contact.category, contact.phone, contact.phone_ext) == (
        "walk_in", "inquiry", "01062345678", "123")
    assert call.kind == "promised_reply" and call.contact_id == contact.id


@pytest.mark.parametrize("args,needle", [
    (["--phone", "1380013800", "--category", "repair", "--summary", "x", "--agent", "1001"], "--phone:"),
    (["--phone", "13800138000", "--category", "plumbing", "--summary", "x", "--agent", "1001"], "--category:"),
    (["--phone", "13800138000", "--category", "repair", "--urgency", "asap", "--summary", "x", "--agent", "1001"],
     "--urgency:"),
    (["--phone", "13800138000", "--category", "repair", "--outcome", "maybe", "--summary", "x", "--agent", "1001"],
     "--outcome:"),
    (["--phone", "13800138000", "--category", "repair", "--agent", "1001"], "--summary:"),
    (["--phone", "13800138000", "--category", "repair", "--summary", "x" * 10_000, "--agent", "1001"], "2000"),
    (["--phone", "13800138000", "--unit", "the big house", "--category", "repair", "--summary", "x",
      "--agent", "1001"], "--unit"),
    (["--phone", "13800138000", "--category", "repair", "--summary", "x", "--agent", "7777"], "7777"),
    (["--phone", "13800138000", "--category", "repair", "--summary", "x"], "--agent"),
    (["--phone", "13800138000", "--category", "inquiry", "--outcome", "escalated", "--summary", "x",
      "--agent", "1001"], "--reason:"),
])
def test_bad_input_is_one_line_and_nothing_is_saved(db_path, engine, agents, args, needle):
    result = run(db_path, *args)
    assert result.exit_code != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("csdesk: ") and needle in lines[0], result.stderr
    assert "Traceback" not in result.output
    with read_session(engine) as s:
        assert s.exec(select(Contact)).all() == []


def test_help_does_not_import_the_heavy_modules():
    code = ("import sys; sys.argv=['csdesk','intake','--help']\n"
            "from csdesk.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "bad=[m for m in ('sqlmodel','textual','pypinyin') if m in sys.modules]\n"
            "print('HEAVY', bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "--category" in out.stdout and "HEAVY []" in out.stdout, out.stdout + out.stderr


def test_the_cli_says_in_one_line_what_it_saved_otherwise(db_path, engine, agents):
    from csdesk.clock import FakeClock, local, set_clock

    set_clock(FakeClock(local(2026, 11, 20, 17, 40)))
    try:
        # "09:00" typed at 17:40 is tomorrow morning: said, and the number alone on stdout
        late = run(db_path, "--phone", "13800138001", "--name", "王五", "--category", "inquiry", "--summary", "物业费",
                   "--outcome", "promised", "--promise", "09:00", "--agent", "1001")
        assert late.exit_code == 0, late.output
        assert late.stdout.strip().startswith("CT") and "\n" not in late.stdout.strip()
        assert late.stderr.strip() == "note: the promised reply falls on another day: 2026-11-21 09:00"
        # an information change without a verified identity is recorded, not applied
        change = run(db_path, "--phone", "13800138002", "--name", "赵六", "--category", "info_change",
                     "--summary", "改电话", "--new-phone", "13900139002", "--agent", "1001")
        assert change.exit_code == 0, change.output
        assert "not verified" in change.stderr and len(change.stderr.strip().splitlines()) == 1
        # ... and a verified one applied: the caller's number on record, then the new one
        applied = run(db_path, "--phone", "13800138002", "--name", "赵六", "--category", "info_change",
                      "--summary", "改电话", "--identity", "13800138002", "--new-phone", "13900139002",
                      "--agent", "1001")
        assert applied.exit_code == 0 and applied.stderr == "", applied.output
        with read_session(engine) as s:  # the same customer, the new number first
            from csdesk.store.models import CustomerPhone

            ids = s.exec(select(Customer.id).where(Customer.name == "赵六")).all()
            assert len(ids) == 1
            phones = s.exec(select(CustomerPhone.phone, CustomerPhone.primary)
                            .where(CustomerPhone.customer_id == ids[0])).all()
            assert sorted(phones) == [("13800138002", False), ("13900139002", True)]
        missing = run(db_path, "--phone", "13800138002", "--category", "info_change", "--summary", "改资料",
                      "--identity", "赵六", "--agent", "1001")
        assert missing.exit_code == 2 and missing.stderr.startswith("csdesk: --new-phone: "), missing.output
        # a complaint answered "resolved" is a complaint all the same
        complaint = run(db_path, "--phone", "13800138004", "--name", "孙八", "--category", "complaint",
                        "--summary", "保安态度差", "--outcome", "resolved", "--agent", "1001")
        assert complaint.exit_code == 0, complaint.output
        assert "not \u201cresolved\u201d as asked" in complaint.stderr, complaint.stderr
        assert len(complaint.stderr.strip().splitlines()) == 1
        # nothing to say: nothing said
        plain = run(db_path, "--phone", "13800138003", "--name", "钱七", "--category", "inquiry", "--summary", "停车",
                    "--agent", "1001")
        assert plain.exit_code == 0 and plain.stderr == ""
    finally:
        set_clock(None)
