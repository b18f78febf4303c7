"""Reference data: seeded from data/, kept in step with the files, shifts by the clock."""

from __future__ import annotations

from csdesk.i18n import set_language
from csdesk.services.reference import ShiftInfo, categories, current_shift, departments, fee_schedule, shifts
from csdesk.store.engine import read_session


def test_seeded_categories_departments_shifts_and_fees(engine):
    with read_session(engine) as session:
        cats = {c.code: c for c in categories(session)}
        deps = {d.code for d in departments(session)}
        all_shifts = shifts(session)
        fees = {f.code: f for f in fee_schedule(session)}
    assert {"inquiry", "repair", "complaint", "info_change", "suggestion", "other"} <= set(cats)
    assert cats["inquiry.after_sales_delivery"].parent_code == "inquiry"
    assert cats["inquiry.after_sales_delivery"].name_zh == "售后-物流查询"
    assert {"engineering", "it", "logistics", "after_sales", "security", "cleaning"} <= deps
    assert [(s.code, s.start, s.end) for s in all_shifts] == [
        ("day", "09:00", "18:00"), ("night", "18:00", "23:00"), ("regular", "09:00", "18:00")]
    assert fees["tap_replace"].price_fen == 3000
    assert fees["leak_inspect"].price_fen is None  # priced once the technician has seen it


def test_names_follow_the_language(engine):
    with read_session(engine) as session:
        set_language("zh_CN")
        assert {c.code: c.name for c in categories(session)}["repair"] == "报修"
        set_language("en")
        assert {c.code: c.name for c in categories(session)}["repair"] == "Repair request"


def test_current_shift_by_local_time_including_across_midnight(monkeypatch):
    monkeypatch.setenv("CSDESK_TIMEZONE", "Asia/Shanghai")
    from csdesk.clock import local

    day = ShiftInfo("day", "白班", "09:00", "18:00")
    night = ShiftInfo("night", "晚班", "18:00", "23:00")
    late = ShiftInfo("late", "夜班", "22:00", "06:00")

    def at(hour, minute):
        return local(2026, 11, 22, hour, minute)

    assert current_shift([day, night], at(9, 0)) is day
    assert current_shift([day, night], at(17, 59)) is day
    assert current_shift([day, night], at(18, 0)) is night
    assert current_shift([day, night], at(23, 30)) is None
    assert current_shift([day, late], at(23, 30)) is late
    assert current_shift([day, late], at(5, 59)) is late
    assert current_shift([day, late], at(6, 0)) is None


def test_equal_values_in_different_vocabularies_keep_their_own_labels():
    from csdesk.domain import ContactStatus, EscalationReason, OrderStatus, Outcome, Urgency

    assert (Urgency.URGENT.zh, EscalationReason.URGENT.zh) == ("紧急", "紧急事项")
    assert (ContactStatus.OPEN.label, OrderStatus.OPEN.label) == ("open", "new")
    assert Outcome.ESCALATED.label == "escalated"
    assert Urgency.parse("紧急") is Urgency.URGENT
    assert EscalationReason.parse("紧急事项") is EscalationReason.URGENT
