"""The complaints view through Pilot: the handbook's tracking record entered field for field with its
times and worked to its close by keys, then exported and read back the same; an agent may not work
one; the views and the search; the screens at 120x40, 100x30 and 80x24."""

from __future__ import annotations

import csv

import pytest
from textual.widgets import Input, OptionList, Static, TextArea

from csdesk.clock import FakeClock, local, set_clock
from csdesk.services import intake
from csdesk.store.engine import write_session
from screens.complaints import ComplaintsScreen
from screens.desk_dialogs import ComplaintFormScreen, StepScreen
from tests.conftest import login, wait_for
from tests.test_complaints import HANDBOOK, expected_export

SIZE = (120, 40)


@pytest.fixture
def clock():
    c = FakeClock(local(2026, 11, 27, 17, 30))
    set_clock(c)
    yield c
    set_clock(None)


async def open_view(pilot, staff_no="2001") -> ComplaintsScreen:
    await login(pilot, staff_no)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ComplaintsScreen))
    screen = pilot.app.screen
    await wait_for(pilot, lambda: not screen.fetching)
    return screen


def shown(widget) -> str:
    return str(widget.render())


async def step(pilot, screen, key: str, text: str = "", at: str = "", choice: str = "") -> None:
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, StepScreen))
    dialog = pilot.app.screen
    if text:
        widget = dialog.query_one("#text")
        if isinstance(widget, TextArea):
            widget.text = text
        else:
            widget.value = text
    if choice:
        dialog.query_one("#choice").value = choice
    if at:
        dialog.query_one("#at", Input).value = at
    await pilot.pause()
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: pilot.app.screen is screen)


async def test_the_handbook_record_through_the_screen_and_back_in_the_export(make_app, engine, agents):
    app = make_app(screen="complaints")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, ComplaintFormScreen))
        form = app.screen
        h = HANDBOOK
        values = {"customer_name": h["customer_name"], "contact": h["contact"],
                  "complained_at": "2023-10-28 10:15:00", "order_ref": h["order_ref"], "first_handler": "1001",
                  "escalated_at": "2023-10-28 10:20:00", "escalation_reason": h["escalation_reason"],
                  "about_staff": "1001"}
        for name, value in values.items():
            form.query_one(f"#{name}", Input).value = value
        form.query_one("#about", TextArea).text = h["about"]
        form.query_one("#about_staff_kind").value = "agent"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen)
        await wait_for(pilot, lambda: screen.record is not None and screen.record.customer_name == "王女士")
        assert screen.record.number == "CP20231028-0001"
        await step(pilot, screen, "t", at="2023-10-28 10:25")
        await step(pilot, screen, "p", text=h["plan"], at="2023-10-28 10:40")
        await step(pilot, screen, "k", text="phoned the customer to apologise", at="2023-10-28 10:45")
        await step(pilot, screen, "r", text=h["response"], at="2023-10-28 14:50")
        await step(pilot, screen, "x", at="2023-10-28 15:00:00")
        await wait_for(pilot, lambda: screen.record is not None and screen.record.status == "closed")
        record = shown(screen.query_one("#cp-record", Static))
        assert "2023-10-28 15:00:00" in record and "3. retrained the agent" in record
        assert [e.kind for e in screen.record.events] == [
            "created", "escalated", "taken", "plan", "call", "response", "closed"]
        await pilot.press("5")  # all
        await wait_for(pilot, lambda: screen.view == "all" and not screen.fetching)
        await step(pilot, screen, "e", choice="csv")
        await wait_for(pilot, lambda: "Written to" in shown(screen.query_one("#cp-status", Static)))
        status = shown(screen.query_one("#cp-status", Static))
        path = status.split("Written to ", 1)[1].strip()
    with open(path, encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    got = dict(zip(rows[0], rows[1], strict=True))
    for label, value in expected_export().items():
        assert got[label] == value, label


async def test_an_agent_sees_complaints_but_may_not_work_them_and_search(make_app, engine, agents, clock):
    with write_session(engine) as s:
        for phone, name, summary in (("13800138000", "张三", "电梯异响"), ("13912345678", "李四", "保洁不及时")):
            intake.record_contact(s, intake.IntakeForm(phone=phone, name=name, category="complaint",
                                                       summary=summary), agents["1001"])
    app = make_app(screen="complaints")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(pilot, "1001")
        assert len(screen.rows) == 2 and {r.contact for r in screen.rows} == {"138****8000", "139****5678"}
        await wait_for(pilot, lambda: screen.record is not None)
        await pilot.press("t")
        await pilot.pause()
        assert app.screen is screen and "supervisor" in shown(screen.query_one("#cp-status", Static))
        await pilot.press("slash")
        assert app.focused is screen.query_one("#cp-search")
        for ch in "5678":
            await pilot.press(ch)
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.view == "all" and not screen.fetching and len(screen.rows) == 1)
        assert screen.rows[0].customer_name == "李四"
        olist = screen.query_one("#cp-list", OptionList)
        assert "李四" in str(olist.get_option_at_index(0).prompt)


@pytest.mark.parametrize("size", [(120, 40), (100, 30), (80, 24)])
async def test_both_views_and_their_dialogs_fit(make_app, engine, agents, clock, size):
    with write_session(engine) as s:
        intake.record_contact(s, intake.IntakeForm(phone="13800138000", name="张三", category="complaint",
                                                   summary="电梯异响"), agents["1001"])
    app = make_app(screen="complaints")
    async with app.run_test(size=size) as pilot:
        screen = await open_view(pilot)
        width, height = size
        for selector in ("#cp-list", "#cp-detail", "#cp-search"):
            region = screen.query_one(selector).region
            assert region.width > 60 and region.height >= 1 and region.right <= width and region.bottom <= height
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, StepScreen))
        for selector in ("#text", "#at", "#dlg-ok"):
            region = app.screen.query_one(selector).region
            assert region.height >= 1 and region.right <= width and region.bottom <= height, selector
        await pilot.press("escape")
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, ComplaintFormScreen))
        box = app.screen.query_one("#dlg-box").region
        assert box.right <= width and box.bottom <= height
        await pilot.press("escape")
        app.action_goto("visits")
        from screens.visits import VisitsScreen

        await wait_for(pilot, lambda: isinstance(app.screen, VisitsScreen) and not app.screen.fetching)
        for selector in ("#vs-list", "#vs-coverage", "#vs-views"):
            region = app.screen.query_one(selector).region
            assert region.width > 10 and region.right <= width and region.bottom <= height, selector


async def test_a_step_dialog_takes_the_typed_time_and_esc_asks_before_losing_typing(make_app, engine, agents):
    """The take dialog has only the time: typing goes into it (it opened on its button and lost the
    time in a trial); Esc on a dialog with typing asks first."""
    from csdesk.services import complaints as cs
    from screens.intake_widgets import ConfirmModal

    with write_session(engine) as s:
        cs.file_complaint(s, agents["2001"], cs.ComplaintForm(
            customer_name="王女士", contact="…5678", complained_at=local(2023, 10, 28, 10, 15), about="客服态度差"))
    app = make_app(screen="complaints")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(pilot)
        await wait_for(pilot, lambda: screen.record is not None and screen.record.customer_name == "王女士")
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, StepScreen))
        await pilot.pause()
        await pilot.press(*"2023-10-28 10:25")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen)
        await wait_for(pilot, lambda: screen.record is not None and screen.record.status != "escalated")
        assert "2023-10-28 10:25" in shown(screen.query_one("#cp-status", Static))  # the step just saved, named
        taken = [e for e in screen.record.events if e.kind == "taken"]
        assert [e.at.astimezone(local(2023, 10, 28, 10, 25).tzinfo).strftime("%Y-%m-%d %H:%M") for e in taken] == [
            "2023-10-28 10:25"]
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, StepScreen))
        dialog = app.screen
        await pilot.pause()
        await pilot.press(*"先致歉")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("n")  # keep typing
        await wait_for(pilot, lambda: app.screen is dialog)
        assert dialog.query_one("#text", TextArea).text == "先致歉"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is screen)
        # a search that finds nothing leaves nothing to act on
        screen.query_one("#cp-search", Input).value = "没有这样的投诉"
        screen.query_one("#cp-search", Input).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: not screen.fetching and not screen.rows)
        await pilot.press("t")
        await pilot.pause()
        assert app.screen is screen and "Choose a complaint first" in shown(screen.query_one("#cp-status", Static))
async def test_the_technician_complained_about_is_picked_from_the_roster(make_app, engine, agents):
    from csdesk.store.models import Complaint, Technician

    app = make_app(screen="complaints")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, ComplaintFormScreen))
        form = app.screen
        roster = form.query_one("#about_staff_roster", Static)
        await wait_for(pilot, lambda: "E03 陈志强" in shown(roster))  # the roster, listed under the field
        form.query_one("#customer_name", Input).value = "钱先生"
        form.query_one("#about", TextArea).text = "师傅没有按约定时间上门"
        form.query_one("#about_staff_kind").value = "technician"
        form.query_one("#about_staff", Input).focus()
        await pilot.press("e", "0", "3", "ctrl+s")  # its code, as typed
        await wait_for(pilot, lambda: app.screen is screen)
        await wait_for(pilot, lambda: screen.record is not None and screen.record.customer_name == "钱先生")
    with write_session(engine) as s:
        c = s.get(Complaint, screen.record.id)
        tech = s.get(Technician, c.about_technician_id)
        assert (c.about_staff_kind, c.about_staff_name, tech.code) == ("technician", "陈志强", "E03")


async def test_the_staff_complained_about_is_named_on_a_complaint_from_intake(make_app, engine, agents):
    """Intake has no field for it: the supervisor names the technician (from the roster) on the record."""
    with write_session(engine) as s:
        intake.record_contact(s, intake.IntakeForm(phone="13800138000", name="张三", building="3", unit="2",
                                                   room="1201", category="complaint", summary="维修师傅态度差"),
                              agents["1001"])
    app = make_app(screen="complaints")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(pilot)
        await wait_for(pilot, lambda: screen.record is not None and screen.record.customer_name == "张三")
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, StepScreen))
        await pilot.pause()
        await pilot.press(*"E01")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen)
        await wait_for(pilot, lambda: screen.record is not None and screen.record.about_staff_name == "王建国")
        assert screen.record.about_staff_kind == "technician"
        assert "王建国" in shown(screen.query_one("#cp-status", Static))


async def test_the_complaint_dialogs_keep_a_draft_restore_it_once_and_drop_it_on_save_or_cancel(make_app, engine,
                                                                                                agents):
    import json

    from sqlalchemy import text

    from csdesk.services.drafts import save_draft
    from csdesk.store.engine import read_session

    def drafts(kind):
        with read_session(engine) as s:
            return [dict(r._mapping) for r in s.execute(text("SELECT * FROM draft WHERE kind = :k"), {"k": kind})]

    sup = agents["2001"]
    with write_session(engine) as s:  # left by a console that is gone (another machine, silent for hours)
        save_draft(s, sup.id, "dlg:cp-new", {"customer_name": "赵女士", "contact": "…5678",
                                             "about": "师傅态度差", "about_staff_kind": ""},
                   local(2026, 11, 1, 9, 0), console="gone-host/1/abcd")
    app = make_app(screen="complaints")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, ComplaintFormScreen))
        form = app.screen
        await wait_for(pilot, lambda: form.restored_draft is not None)
        assert form.query_one("#customer_name", Input).value == "赵女士"
        assert form.query_one("#about", TextArea).text == "师傅态度差"
        assert "11-01 09:00" in shown(form.query_one("#dlg-status", Static))
        assert [d["console"] for d in drafts("dlg:cp-new")] == [app.console_name]  # claimed: restored once only
        form.query_one("#escalation_reason", Input).value = "要求主管处理"
        await wait_for(pilot, lambda: any("要求主管处理" in d["payload"] for d in drafts("dlg:cp-new")))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen is screen)
        assert drafts("dlg:cp-new") == []  # saved: gone with the save
        await wait_for(pilot, lambda: bool(screen.rows))
        # a step's dialog: its draft follows the typing; cancelling on purpose drops it
        await pilot.press("k")
        await wait_for(pilot, lambda: isinstance(app.screen, StepScreen))
        dialog = app.screen
        kind = dialog.draft_kind
        assert kind.startswith("dlg:cp") and kind.endswith(":record_call")
        await wait_for(pilot, lambda: dialog._draft_ready)
        dialog.query_one("#text", TextArea).text = "电话致歉"
        await wait_for(pilot, lambda: [json.loads(d["payload"]).get("text") for d in drafts(kind)] == ["电话致歉"])
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is not dialog)
        await pilot.press("y")  # discard what was typed: yes
        await wait_for(pilot, lambda: app.screen is screen)
        await wait_for(pilot, lambda: drafts(kind) == [])
