"""The handbook's records at intake (issue 9): the time received after the fact, result, satisfaction,
order reference, online sub-channel, the customer code, a partial or no number, patrol findings;
through the service and through ``csdesk intake``, each with its bad input refused at the field."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from csdesk.cli import app
from csdesk.clock import FakeClock, fmt, local, set_clock
from csdesk.services.intake import (
    IntakeForm,
    IntakeInvalid,
    classify_query,
    find_customers,
    parse_partial_number,
    parse_received,
    parse_satisfaction,
    record_contact,
)
from csdesk.store.engine import read_session, write_session
from csdesk.store.models import Complaint, Contact, Customer, CustomerPhone


def _now() -> datetime:
    """16:00 at the desk (the desk's zone is set by conftest, after import)."""
    return local(2026, 11, 20, 16, 0, 0)

runner = CliRunner()


@pytest.fixture
def clock():
    c = FakeClock(_now().astimezone(UTC))
    set_clock(c)
    yield c
    set_clock(None)


@pytest.fixture
def known(engine):
    """Customer C20231028001 with a number."""
    with write_session(engine) as s:
        customer = Customer(code="C20231028001", name="赵六", created_at=_now())
        s.add(customer)
        s.flush()
        s.add(CustomerPhone(customer_id=customer.id, phone="13612340001", primary=True))
        return customer.id


def _save(engine, agents, **fields) -> Contact:
    with write_session(engine) as s:
        saved = record_contact(s, IntakeForm(**fields), agents["1001"], at=_now())
    with read_session(engine) as s:
        return s.get(Contact, saved.id)


def _refused(engine, agents, **fields) -> dict:
    with pytest.raises(IntakeInvalid) as exc, write_session(engine) as s:
        record_contact(s, IntakeForm(**fields), agents["1001"], at=_now())
    return exc.value.errors


# --------------------------------------------------------------------------- parsing


def test_the_time_received_is_read_as_the_desk_writes_it():
    assert parse_received("", _now()) is None
    assert parse_received("2023-10-28 14:30:15", _now()) == local(2023, 10, 28, 14, 30, 15)
    assert parse_received("2023-10-28 14:30", _now()) == local(2023, 10, 28, 14, 30)
    assert parse_received("10:15", _now()) == local(2026, 11, 20, 10, 15)
    assert parse_received("１０：１５", _now()) == local(2026, 11, 20, 10, 15)  # typed with a Chinese IME
    for bad in ("16:01", "2026-11-21 09:00", "2099-01-01 00:00:00"):
        with pytest.raises(ValueError, match="future"):
            parse_received(bad, _now())
    for bad in ("yesterday", "25:00", "2023-13-01 10:00", "2023-10-28", "10.15"):
        with pytest.raises(ValueError, match="YYYY-MM-DD"):
            parse_received(bad, _now())


def test_satisfaction_and_partial_numbers():
    assert [parse_satisfaction(v) for v in ("", "1", "５", " 3 ")] == [None, 1, 5, 3]
    for bad in ("0", "6", "4.5", "good", "-1"):
        with pytest.raises(ValueError, match="1 to 5"):
            parse_satisfaction(bad)
    assert [parse_partial_number(v) for v in ("…5678", "5678", "...5678", "尾号5678", "*5678")] == ["…5678"] * 5
    for bad in ("", "56", "…56a8", "13912345678901"):
        with pytest.raises(ValueError, match="5678"):
            parse_partial_number(bad)


def test_a_customer_code_is_a_search_of_its_own(engine, known):
    assert classify_query("C20231028001") == ("code", "C20231028001")
    assert classify_query("c2023") == ("code", "C2023")
    with read_session(engine) as s:
        exact, _full = find_customers(s, "C20231028001")
        prefix, _full = find_customers(s, "c202310")
        none, _full = find_customers(s, "C19990101001")
    assert [m.id for m in exact] == [known] and exact[0].how == "code"
    assert known in [m.id for m in prefix]
    assert none == ()


# --------------------------------------------------------------------------- the service


def test_the_consultation_record_through_the_service(engine, agents, known, clock):
    contact = _save(
        engine, agents, channel="online", channel_detail="app", customer_code="C20231028001",
        received="2023-10-28 14:30:15", category="inquiry.after_sales_delivery",
        summary="order 20231028001 shows delivered, but nothing arrived",
        handling="1. checked the courier record\n2. contacted the courier company",
        result="courier called, confirmed mis-delivery", satisfaction="5", order_ref="20231028001")
    assert contact.customer_id == known and contact.phone == "13612340001"
    assert (contact.channel, contact.channel_detail, contact.subtype) == (
        "online", "app", "inquiry.after_sales_delivery")
    assert fmt(contact.received_at) == "2023-10-28 14:30:15" and contact.created_at == _now()
    assert contact.agent_staff_no == "1001"
    assert (contact.result, contact.satisfaction, contact.order_ref) == (
        "courier called, confirmed mis-delivery", 5, "20231028001")
    assert contact.handling.splitlines()[1] == "2. contacted the courier company"


def test_received_defaults_to_the_start_of_the_call(engine, agents, clock):
    start = local(2026, 11, 20, 15, 58).astimezone(UTC)
    contact = _save(engine, agents, phone="13900001111", category="inquiry", summary="x", received_at=start)
    assert contact.received_at == start and contact.created_at == _now()
    contact = _save(engine, agents, phone="13900001111", category="inquiry", summary="y", received="10:15",
                    received_at=start)
    assert fmt(contact.received_at) == "2026-11-20 10:15:00"


def test_the_complaint_with_a_partial_number(engine, agents, clock):
    contact = _save(engine, agents, phone="…5678", caller_number="partial", name="王女士", category="complaint",
                    received="2023-10-28 10:15", summary="agent was rude and refused a return",
                    order_ref="20231027005", escalation_reason="customer very upset, asked for a supervisor")
    with read_session(engine) as s:
        complaint = s.get(Complaint, contact.complaint_id)
        customer = s.get(Customer, contact.customer_id)
        phones = s.exec(select(CustomerPhone).where(CustomerPhone.customer_id == customer.id)).all()
    assert contact.phone == "…5678" and complaint.contact_phone == "…5678"
    assert fmt(complaint.complained_at) == "2023-10-28 10:15:00" and complaint.order_ref == "20231027005"
    assert complaint.escalation_reason == "customer very upset, asked for a supervisor"
    assert customer.name == "王女士" and phones == []  # a part of a number is no number to keep


def test_no_number_is_a_choice_not_a_silence(engine, agents, clock):
    errors = _refused(engine, agents, channel="phone", category="inquiry", summary="x")
    assert "phone" in errors and "no number" in errors["phone"]
    assert "partial number" in _refused(engine, agents, phone="5678", category="inquiry", summary="x")["phone"]
    assert "phone" in _refused(engine, agents, phone="13900001111", caller_number="none", category="inquiry",
                               summary="x")
    assert "phone" in _refused(engine, agents, phone="56", caller_number="partial", category="inquiry",
                               summary="x")
    contact = _save(engine, agents, caller_number="none", category="inquiry", summary="anonymous question")
    assert (contact.phone, contact.customer_id) == ("", None)
    contact = _save(engine, agents, caller_number="none", name="李先生", category="inquiry", summary="x")
    assert contact.phone == "" and contact.customer_id is not None


def test_a_patrol_finding_has_a_place_instead_of_a_caller(engine, agents, clock):
    errors = _refused(engine, agents, channel="patrol", category="repair", summary="light out")
    assert set(errors) == {"address"}
    contact = _save(engine, agents, channel="patrol", building="5", unit="1", room="603", category="repair",
                    summary="stairwell light out")
    assert (contact.channel, contact.unit_key, contact.customer_id, contact.phone) == ("patrol", "5-1-603", None, "")
    assert contact.work_order_id is not None
    contact = _save(engine, agents, channel="patrol", address="north gate", category="repair", summary="gate")
    assert contact.address == "north gate"


def test_bad_values_are_refused_at_their_fields(engine, agents, clock):
    base = {"phone": "13900001111", "category": "inquiry", "summary": "x"}
    cases = {
        "received": {"received": "2099-01-01 10:00"},
        "satisfaction": {"satisfaction": "7"},
        "channel_detail": {"channel_detail": "fax", "channel": "online"},
        "customer_code": {"customer_code": "C19990101999"},
        "result": {"result": "r" * 2001},
        "order_ref": {"order_ref": "o" * 65},
    }
    for field, bad in cases.items():
        assert field in _refused(engine, agents, **{**base, **bad}), field
    assert "channel_detail" in _refused(engine, agents, **base, channel_detail="app")  # not an online contact
    with read_session(engine) as s:
        assert s.exec(select(Contact)).all() == []


def test_the_result_stands_beside_a_call_back_result(engine, agents, clock):
    contact = _save(engine, agents, phone="13900001111", category="inquiry", summary="x", handling="looked it up",
                    result="answered")
    assert (contact.handling, contact.result) == ("looked it up", "answered")


# --------------------------------------------------------------------------- the CLI


def _cli(db_path, *args):
    return runner.invoke(app, ["intake", "--db", str(db_path), "--agent", "1001", *args])


def test_cli_takes_every_field_of_the_records(db_path, engine, known, clock):
    result = _cli(db_path, "--customer", "C20231028001", "--channel", "online", "--sub-channel", "小程序",
                  "--received", "2023-10-28 14:30:15", "--category", "inquiry.after_sales_delivery",
                  "--summary", "nothing arrived", "--result", "re-delivered", "--satisfaction", "5",
                  "--order-ref", "20231028001")
    assert result.exit_code == 0, result.output
    with read_session(engine) as s:
        contact = s.exec(select(Contact).where(Contact.number == result.stdout.strip())).one()
    assert (contact.customer_id, contact.channel_detail, contact.result, contact.satisfaction,
            contact.order_ref) == (known, "mini_program", "re-delivered", 5, "20231028001")
    assert contact.received_at == datetime(2023, 10, 28, 6, 30, 15, tzinfo=UTC)

    result = _cli(db_path, "--phone", "…5678", "--caller-number", "partial", "--name", "王女士",
                  "--category", "complaint", "--received", "10:15", "--summary", "rude", "--order-ref", "20231027005")
    assert result.exit_code == 0, result.output
    result = _cli(db_path, "--channel", "patrol", "--unit", "5-1-603", "--category", "repair", "--summary", "lamp")
    assert result.exit_code == 0, result.output
    with read_session(engine) as s:
        rows = s.exec(select(Contact).order_by(Contact.id)).all()
    assert (rows[1].phone, fmt(rows[1].received_at, "%H:%M")) == ("…5678", "10:15")
    assert (rows[2].channel, rows[2].unit_key, rows[2].customer_id) == ("patrol", "5-1-603", None)


@pytest.mark.parametrize("args,needle", [
    (["--customer", "C19990101999", "--category", "inquiry", "--summary", "x"], "--customer:"),
    (["--phone", "13900001111", "--received", "2099-01-01 10:00", "--category", "inquiry", "--summary", "x"],
     "--received:"),
    (["--phone", "13900001111", "--received", "soon", "--category", "inquiry", "--summary", "x"], "--received:"),
    (["--phone", "13900001111", "--satisfaction", "9", "--category", "inquiry", "--summary", "x"],
     "--satisfaction:"),
    (["--phone", "13900001111", "--sub-channel", "fax", "--channel", "online", "--category", "inquiry",
      "--summary", "x"], "--sub-channel"),
    (["--phone", "13900001111", "--sub-channel", "app", "--category", "inquiry", "--summary", "x"], "--sub-channel:"),
    (["--phone", "5678", "--category", "inquiry", "--summary", "x"], "--phone:"),
    (["--caller-number", "some", "--category", "inquiry", "--summary", "x"], "--caller-number"),
    (["--channel", "patrol", "--category", "repair", "--summary", "x"], "--address:"),
])
def test_cli_refuses_bad_record_fields_in_one_line(db_path, clock, args, needle):
    result = _cli(db_path, *args)
    assert result.exit_code != 0
    line = result.stderr.strip()
    assert needle in line and "\n" not in line and "Traceback" not in result.output, line


# --------------------------------------------------------------------------- exports


def test_exports_carry_the_records_fields(engine, agents, known, clock, tmp_path):
    import csv
    import io

    from openpyxl import load_workbook

    from csdesk.services import export as ex
    from csdesk.services import register as reg

    _save(engine, agents, channel="online", channel_detail="wechat", customer_code="C20231028001",
          received="2023-10-28 14:30:15", category="inquiry", summary="nothing arrived", result="re-delivered",
          satisfaction="5", order_ref="20231028001")
    col = {c.key: i for i, c in enumerate(reg.EXPORT_COLUMNS)}
    q = reg.Query(start=local(2023, 10, 28), end=local(2023, 10, 29))
    with read_session(engine) as s:
        ex.write(tmp_path / "r.csv", reg.export_headers(), reg.export_rows(s, q), fmt="csv")
        ex.write(tmp_path / "r.xlsx", reg.export_headers(), reg.export_rows(s, q), fmt="xlsx")
    csv_rows = list(csv.reader(io.StringIO((tmp_path / "r.csv").read_text("utf-8-sig"))))
    xlsx_rows = list(load_workbook(tmp_path / "r.xlsx").active.iter_rows(values_only=True))
    assert len(csv_rows) == len(xlsx_rows) == 2
    expected = {"customer_code": "C20231028001", "sub_channel": "WeChat", "result": "re-delivered",
                "order_ref": "20231028001"}
    for key, value in expected.items():
        assert csv_rows[1][col[key]] == xlsx_rows[1][col[key]] == value, key
    assert (csv_rows[1][col["satisfaction"]], xlsx_rows[1][col["satisfaction"]]) == ("5", 5)
    assert csv_rows[1][col["received_at"]] == "2023-10-28 14:30:15"
    assert xlsx_rows[1][col["received_at"]] == datetime(2023, 10, 28, 14, 30, 15)  # a real date in the workbook
