"""The work-order screen F3 (Pilot): the form (validation, fee total, price on inspection,
the 5-minute clock), every legal and illegal move through the keys, hold pausing the
deadline, due-soon and overdue escalation with the injectable clock, the explanation,
completion with a low score, the slip in each format, the live list, drafts, the
landing from intake, three terminal sizes."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select
from textual.widgets import Checkbox, Input, Static, TextArea

from csdesk.clock import FakeClock, set_clock
from csdesk.domain import OrderStatus, Urgency
from csdesk.domain.rules import can_move
from csdesk.services import orders as svc
from csdesk.services.tick import run_tick
from csdesk.store.engine import read_session, write_session
from csdesk.store.models import Callback, Draft, WorkOrder, WorkOrderFee
from screens.order_dialogs import CompletionScreen, FieldsScreen, PrintScreen
from screens.order_form import FeePicker, OrderFormScreen
from screens.orders import OrdersScreen, OrdersTable
from tests.conftest import login, wait_for

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SIZE = (120, 40)


@pytest.fixture
def clock(monkeypatch):
    monkeypatch.setenv("CSDESK_LOCK_AFTER_MINUTES", "0")  # hours pass on this clock: no idle lock in between
    c = FakeClock(T0)
    set_clock(c)
    yield c
    set_clock(None)


def open_order(engine, actor, **kw) -> svc.OrderInfo:
    spec = dict(description="厨房水龙头漏水", customer_name="张三", phone="13800138000", unit_key="3-2-1201")
    spec.update(kw)
    with write_session(engine) as s:
        return svc.open_order(s, actor, svc.OrderSpec(**spec))


def row(engine, order_id) -> WorkOrder:
    with read_session(engine) as s:
        return s.get(WorkOrder, order_id)


def text_of(widget) -> str:
    from rich.console import Console

    console = Console(width=200, file=io.StringIO(), record=True)
    console.print(widget.render())
    return console.export_text()


async def open_f3(pilot, staff_no: str = "1001") -> OrdersScreen:
    await login(pilot, staff_no)
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, OrdersScreen) and app.screen.page is not None
                   and not app.screen.page_loading)
    return app.screen


async def settle(pilot, screen: OrdersScreen) -> None:
    await wait_for(pilot, lambda: not screen.page_loading and not screen._busy)


def listed(screen: OrdersScreen) -> list[int]:
    return [r.id for r in screen.page.rows]


async def select_order(pilot, screen: OrdersScreen, order_id: int) -> None:
    await wait_for(pilot, lambda: order_id in listed(screen))
    screen.query_one(OrdersTable).move_cursor(row=listed(screen).index(order_id))
    await pilot.pause()
    assert screen.selected_id() == order_id


async def test_views_by_key_at_three_sizes(make_app, engine, agents, clock):
    mine = open_order(engine, agents["1001"])
    held = open_order(engine, agents["2001"], department="it", description="网络不通")
    with write_session(engine) as s:
        svc.move(s, agents["2001"], held.id, OrderStatus.ON_HOLD, reason="等运营商")
    app = make_app(screen="orders")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_f3(pilot)
        assert listed(screen) == [mine.id] and screen.query_one("#ord-side").display
        await pilot.press("6")
        await settle(pilot, screen)
        assert screen.query_model.view == "on_hold" and listed(screen) == [held.id]
        await pilot.press("8")
        await settle(pilot, screen)
        assert set(listed(screen)) == {mine.id, held.id}
        assert "All" in text_of(screen.query_one("#ord-status", Static))
        await pilot.press("slash")
        await pilot.press(*"网络", "enter")
        await settle(pilot, screen)
        assert listed(screen) == [held.id]
        for size, side in (((100, 30), True), ((80, 24), False)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            assert screen.query_one("#ord-side").display is side
            assert screen.query_one(OrdersTable).size.height >= 3
        await pilot.press("i")  # the pane on demand, even at 80 columns
        assert screen.query_one("#ord-side").display
        await pilot.press("n")
        form = await _form(pilot)
        assert form.query_one("#of-form").size.width <= 80


async def _form(pilot) -> OrderFormScreen:
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, OrderFormScreen) and app.screen.loaded)
    return app.screen


def fill(form: OrderFormScreen, **values) -> None:
    for name, value in values.items():
        if name == "description":
            form.query_one("#of-description", TextArea).text = value
        elif name in ("category", "subtype", "urgency", "department", "technician", "paid"):
            form.bar(name).value = value
        else:
            form.query_one(f"#of-{name}", Input).value = value


async def test_an_appointment_after_the_deadline_is_said_at_the_field(make_app, engine, agents, clock):
    app = make_app(screen="orders")
    async with app.run_test(size=SIZE) as pilot:
        await open_f3(pilot)
        await pilot.press("n")
        form = await _form(pilot)
        fill(form, urgency="urgent", description="电梯异响")
        fill(form, appointment="明天 9:00")
        await pilot.pause()
        assert "After the deadline" in text_of(form.query_one("#of-appointment-error", Static))
        fill(form, urgency="normal")  # 24 hours: tomorrow at nine is within them
        fill(form, appointment="明天 8:30")
        await pilot.pause()
        assert text_of(form.query_one("#of-appointment-error", Static)).strip() == ""


async def test_the_form_checks_quotes_and_flags_the_five_minutes(make_app, engine, agents, clock):
    app = make_app(screen="orders")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_f3(pilot)
        await pilot.press("n")
        form = await _form(pilot)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not form.saving)
        for name in ("name", "address", "description", "category"):
            assert form.query_one(f"#of-{name}-error", Static).display, name
        fill(form, phone="13800138000", name="张三", building="3", unit="2", room="1201",
             description="厨房水龙头漏水，角阀也在滴水", category="repair")
        await pilot.pause()
        fill(form, subtype="repair.water", appointment="明天 10:00")
        await pilot.pause()
        assert form.value("department") == "engineering"  # the sub-type's routing
        technicians = dict(form.bar("technician").options)
        assert "周立新 (new)" in technicians.values()  # hired last month: new staff
        fill(form, technician=next(k for k, v in technicians.items() if v == "王建国"), paid="paid")
        await pilot.pause()
        picker = form.query_one(FeePicker)
        picker.focus()
        codes = [i.code for i in picker.items]
        picker.highlighted = codes.index("tap_replace")
        await pilot.press("enter", "plus")  # two taps
        picker.highlighted = codes.index("leak_inspect")
        await pilot.press("enter")
        quote = text_of(form.query_one("#of-quote", Static))
        assert "¥60.00 + 1 priced on inspection" in quote and "prices it on site" in quote
        await pilot.press("minus")  # the leak item taken away again
        assert "Quote: ¥60.00" in text_of(form.query_one("#of-quote", Static))
        await pilot.press("enter")
        form.query_one("#of-told", Checkbox).value = True
        clock.advance(minutes=6)  # nobody dispatched it yet: the clock says so
        form._tick()
        assert "over 5 minutes" in text_of(form.query_one("#of-clock", Static))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, OrdersScreen))
        await settle(pilot, screen)
        order = row(engine, listed(screen)[0])
        assert (order.paid, order.price_told, order.assignee, order.quoted_fee_fen) == (True, True, "王建国", 6000)
        assert order.received_at == T0  # the form's clock started with the call
        with read_session(engine) as s:
            fees = s.exec(select(WorkOrderFee).where(WorkOrderFee.work_order_id == order.id)).all()
        assert sorted((f.code, f.quantity, f.price_fen) for f in fees) == [("leak_inspect", 1, None),
                                                                          ("tap_replace", 2, 3000)]
        table = screen.query_one(OrdersTable)
        assert "5 min" in table.get_row_at(0)[5].plain and "¥" in table.get_row_at(0)[5].plain


async def _answer(pilot, key: str) -> None:
    """Fill whatever dialog the key opened."""
    app = pilot.app
    await pilot.pause()
    screen = app.screen
    if isinstance(screen, FieldsScreen):
        screen.query_one("#fld-reason", Input).value = "等配件"
        await pilot.press("ctrl+s")
    elif isinstance(screen, CompletionScreen):
        screen.query_one("#cp-result", TextArea).text = "更换阀门"
        screen.query_one("#cp-satisfaction").value = "5"
        await pilot.press("ctrl+s")
    elif key == "x" and not isinstance(screen, OrdersScreen):
        await pilot.press("y")


KEYS = {"d": OrderStatus.DISPATCHED, "s": OrderStatus.IN_PROGRESS, "c": OrderStatus.DONE, "h": OrderStatus.ON_HOLD,
        "k": OrderStatus.CANCELLED, "x": OrderStatus.CLOSED}
PATHS = {OrderStatus.OPEN: [], OrderStatus.DISPATCHED: ["dispatched"],
         OrderStatus.IN_PROGRESS: ["dispatched", "in_progress"], OrderStatus.ON_HOLD: ["on_hold"],
         OrderStatus.DONE: ["dispatched", "done"], OrderStatus.CLOSED: ["dispatched", "done", "closed"],
         OrderStatus.CANCELLED: ["cancelled"]}


def _prepare(engine, actor, status: OrderStatus) -> int:
    info = open_order(engine, actor)
    with write_session(engine) as s:
        for step in PATHS[status]:
            if step == "done":
                svc.complete(s, actor, info.id, svc.Completion(5, result="好了"))
            else:
                svc.move(s, actor, info.id, step, reason="原因")
    return info.id


async def test_every_move_by_its_key_legal_or_refused(make_app, engine, agents):
    """Each key on an order in each state: the legal moves are made (with their dialog), the others
    refused at once with the rule's message, before any dialog."""
    legal = {(status, key): _prepare(engine, agents["1001"], status)
             for status in OrderStatus for key, target in KEYS.items() if can_move(status, target)}
    samples = {status: _prepare(engine, agents["1001"], status) for status in OrderStatus}
    app = make_app(screen="orders")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_f3(pilot)
        await pilot.press("8")
        await settle(pilot, screen)
        for status, order_id in samples.items():  # refused: nothing asked, nothing written
            await select_order(pilot, screen, order_id)
            for key, target in KEYS.items():
                if can_move(status, target):
                    continue
                await pilot.press(key)
                assert isinstance(app.screen, OrdersScreen), (status, key)
                message = text_of(screen.query_one("#ord-status", Static))
                assert f"cannot be moved to {target.label}" in message, (status, key, message)
            assert OrderStatus(row(engine, order_id).status) is status
        for (status, key), order_id in legal.items():
            await select_order(pilot, screen, order_id)
            await pilot.press(key)
            await _answer(pilot, key)
            await wait_for(pilot, lambda: isinstance(app.screen, OrdersScreen) and not screen._busy)
            assert OrderStatus(row(engine, order_id).status) is KEYS[key], (status, key)
        await settle(pilot, screen)
    assert len(legal) == 14  # the lifecycle of domain.md: done goes on only to closed


async def test_hold_pauses_the_deadline_and_overdue_escalates_with_its_explanation(make_app, engine, agents, clock):
    urgent = open_order(engine, agents["1001"], urgency=Urgency.URGENT)
    app = make_app(screen="orders")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_f3(pilot)
        table = screen.query_one(OrdersTable)
        await select_order(pilot, screen, urgent.id)
        assert table.tones[0] is None and table.get_row_at(0)[0].plain == "2:00:00"
        clock.advance(minutes=100)  # 83 % of 2 hours: due soon, amber
        screen._update_countdowns()
        assert table.tones[0].color.name == "yellow" and table.get_row_at(0)[0].plain == "20:00"
        await pilot.press("h")
        await _answer(pilot, "h")
        await settle(pilot, screen)
        clock.advance(hours=3)  # held: the clock stops, nothing escalates
        with write_session(engine) as s:
            assert run_tick(s).overdue_orders == ()
        await pilot.press("s")
        await settle(pilot, screen)
        assert row(engine, urgent.id).deadline_at == urgent.deadline_at + timedelta(hours=3)
        clock.advance(minutes=21)  # 1 minute past the moved deadline
        with write_session(engine) as s:
            assert run_tick(s).overdue_orders == (urgent.id,)
        await wait_for(pilot, lambda: screen.page.rows[0].overdue_escalated_at is not None, timeout=5)
        screen._update_countdowns()
        assert table.tones[0].color.name == "red" and table.get_row_at(0)[0].plain.startswith("-")
        assert "explain" in table.get_row_at(0)[5].plain
        await pilot.press("3")  # the escalated view
        await settle(pilot, screen)
        assert listed(screen) == [urgent.id]
        await pilot.press("w")
        await pilot.pause()
        dialog = app.screen
        dialog.query_one("#fld-why", TextArea).text = "配件到货晚"
        dialog.query_one("#fld-plan", TextArea).text = "今天17点前更换"
        await pilot.press("ctrl+s")
        await settle(pilot, screen)
        assert row(engine, urgent.id).explained_at == clock.at
        assert "to ack" in screen.query_one(OrdersTable).get_row_at(0)[5].plain
        assert "a" not in [b.key for b in screen.active_bindings.values() if b.enabled and b.binding.id == "orders.ack"]


def dispatched(engine, agents) -> svc.OrderInfo:
    order = open_order(engine, agents["1001"])
    with write_session(engine) as s:
        svc.move(s, agents["1001"], order.id, OrderStatus.DISPATCHED)
    return order


async def completion_dialog(pilot, screen: OrdersScreen, order_id: int) -> CompletionScreen:
    """The order chosen in "all" and its completion dialog opened with its key."""
    await pilot.press("8")
    await settle(pilot, screen)
    await select_order(pilot, screen, order_id)
    await pilot.press("c")
    await pilot.pause()
    return pilot.app.screen


async def test_a_supervisor_completes_with_a_low_score_and_the_owner_gets_the_call_back(make_app, engine, agents,
                                                                                       clock):
    order = dispatched(engine, agents)
    app = make_app(screen="orders")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_f3(pilot, "2001")
        dialog = await completion_dialog(pilot, screen, order.id)
        await pilot.press("ctrl+s")  # nothing filled: refused in the dialog
        assert isinstance(app.screen, CompletionScreen) and "Satisfaction" in text_of(dialog.query_one("#cp-error"))
        dialog.query_one("#cp-result", TextArea).text = "更换龙头"
        dialog.query_one("#cp-fee", Input).value = "30"
        dialog.query_one("#cp-satisfaction").value = "2"
        await pilot.press("ctrl+s")
        await settle(pilot, screen)
        assert "call-back within 2 hours" in text_of(screen.query_one("#ord-status", Static))
    with read_session(engine) as s:
        cb = s.exec(select(Callback).where(Callback.work_order_id == order.id)).one()
    assert cb.kind == "low_score" and cb.agent_id == agents["1001"].id and cb.due_at == clock.at + timedelta(hours=2)
    assert row(engine, order.id).fee_charged_fen == 3000


async def test_a_refused_save_brings_the_dialog_back_with_what_was_typed(make_app, engine, agents, clock):
    """A rule's refusal (a fee that is no amount, a reason over its limit, a deadline in the past)
    comes back in the dialog, every field as typed: the agent corrects one field, not all of them."""
    order = dispatched(engine, agents)
    app = make_app(screen="orders")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_f3(pilot, "2001")
        dialog = await completion_dialog(pilot, screen, order.id)
        dialog.query_one("#cp-result", TextArea).text = "更换龙头和角阀"
        dialog.query_one("#cp-materials", Input).value = "龙头x1 角阀x2"
        dialog.query_one("#cp-fee", Input).value = "abc"
        dialog.query_one("#cp-opinion", Input).value = "师傅很细心"
        dialog.query_one("#cp-satisfaction").value = "5"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, CompletionScreen) and app.screen is not dialog)
        again = app.screen
        assert "yuan" in text_of(again.query_one("#cp-error"))
        assert (again.query_one("#cp-result", TextArea).text, again.query_one("#cp-materials", Input).value,
                again.query_one("#cp-fee", Input).value, again.query_one("#cp-opinion", Input).value,
                again.query_one("#cp-satisfaction").value) == ("更换龙头和角阀", "龙头x1 角阀x2", "abc", "师傅很细心", "5")
        assert OrderStatus(row(engine, order.id).status) is OrderStatus.DISPATCHED
        await pilot.press("escape")  # what came back is the agent's typing: Esc asks before losing it
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmModal")
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is again)
        again.query_one("#cp-fee", Input).value = "80"
        await pilot.press("ctrl+s")
        await settle(pilot, screen)
        assert isinstance(app.screen, OrdersScreen)
    assert row(engine, order.id).fee_charged_fen == 8000 and OrderStatus(row(engine, order.id).status) is OrderStatus.DONE
    other = open_order(engine, agents["1001"])  # a reason over its limit: the hold dialog comes back with it
    app = make_app(screen="orders")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_f3(pilot, "1001")
        await pilot.press("8")
        await settle(pilot, screen)
        await select_order(pilot, screen, other.id)
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, FieldsScreen))
        first = app.screen
        first.query_one("#fld-reason", Input).value = "等配件" * 100
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, FieldsScreen) and app.screen is not first)
        assert app.screen.query_one("#fld-reason", Input).value == "等配件" * 100
        assert "200" in text_of(app.screen.query_one("#fld-error"))
    assert OrderStatus(row(engine, other.id).status) is OrderStatus.OPEN


async def test_printing_three_copies_in_each_format(make_app, engine, agents, tmp_path, monkeypatch):
    order = open_order(engine, agents["1001"])
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "lp").write_text(f"#!/bin/sh\nfor last; do :; done\ncp \"$last\" {tmp_path}/lp.pdf\necho request id is 7\n")
    (bin_dir / "lp").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setenv("CSDESK_ESCPOS", "dummy")
    pytest.importorskip("escpos")
    monkeypatch.chdir(tmp_path)
    app = make_app(screen="orders")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_f3(pilot)
        for fmt, check in (("pdf", lambda p: p.read_bytes().startswith(b"%PDF")),
                           ("html", lambda p: p.read_text().count('<section class="copy') == 3),
                           ("text", lambda p: p.read_text().count("\f") == 2),
                           ("lp", lambda _p: (tmp_path / "lp.pdf").is_file()),
                           ("escpos", lambda _p: True)):
            await pilot.press("p")
            await pilot.pause()
            dialog = app.screen
            assert isinstance(dialog, PrintScreen)
            dialog.query_one("#pr-format").value = fmt
            await pilot.pause()
            path = tmp_path / f"slip-{fmt}"
            if dialog.query_one("#pr-path").display:
                dialog.query_one("#pr-path", Input).value = str(path)
            await pilot.press("ctrl+s")
            await settle(pilot, screen)
            assert check(path), fmt
    done = row(engine, order.id)
    assert (done.copies_printed, done.print_count) == (15, 5)


async def test_the_list_follows_other_consoles_without_moving_the_selection(make_app, engine, agents, clock):
    first = open_order(engine, agents["1001"], description="一号")
    second = open_order(engine, agents["1001"], description="二号")
    app = make_app(screen="orders")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_f3(pilot)
        await pilot.press("8")
        await settle(pilot, screen)
        await select_order(pilot, screen, first.id)
        clock.advance(minutes=1)
        with write_session(engine) as s:  # another console: a new order, and the selected one dispatched
            third = svc.open_order(s, agents["2001"], svc.OrderSpec(description="三号", customer_name="王五"))
            svc.move(s, agents["1001"], first.id, OrderStatus.DISPATCHED)
        await wait_for(pilot, lambda: third.id in listed(screen), timeout=3)
        assert screen.selected_id() == first.id and set(listed(screen)) == {first.id, second.id, third.id}
        await wait_for(pilot, lambda: screen.detail is not None and screen.detail.status is OrderStatus.DISPATCHED,
                       timeout=3)


async def test_an_order_leaving_the_view_leaves_its_place_to_the_next(make_app, engine, agents, clock):
    """Cancelling the selected order in "mine" (open orders) selects the one that took its place, not
    the first row (a trial dispatched an unrelated order with the next key)."""
    orders = [open_order(engine, agents["1001"], description=f"{n}号") for n in ("一", "二", "三", "四")]
    app = make_app(screen="orders")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_f3(pilot)
        await settle(pilot, screen)
        before = listed(screen)
        assert set(before) == {o.id for o in orders}
        await select_order(pilot, screen, before[2])
        await pilot.press("k")
        await _answer(pilot, "k")
        await wait_for(pilot, lambda: before[2] not in listed(screen))
        await settle(pilot, screen)
        assert screen.selected_id() == before[3]


async def test_a_draft_survives_and_comes_back(make_app, engine, agents):
    app = make_app(screen="orders")
    async with app.run_test(size=SIZE) as pilot:
        await open_f3(pilot)
        await pilot.press("n")
        form = await _form(pilot)
        form.query_one("#of-phone", Input).focus()
        await pilot.press(*"13912345678")
        fill(form, description="阳台漏雨")
        await wait_for(pilot, lambda: "阳台漏雨" in getattr(_draft(engine), "payload", ""), timeout=15)
    app = make_app(screen="orders")
    async with app.run_test(size=SIZE) as pilot:
        await open_f3(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmModal")
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderFormScreen))
        form = app.screen
        await wait_for(pilot, lambda: form.value("description") == "阳台漏雨")
        assert form.value("phone") == "13912345678"
        await pilot.press("escape")  # changed: asks before throwing it away
        await pilot.press("y")
        await wait_for(pilot, lambda: _draft(engine) is None)


def _draft(engine):
    with read_session(engine) as s:
        return s.exec(select(Draft).where(Draft.kind == "order")).first()


async def test_intake_work_order_lands_on_its_form(make_app, engine, agents):
    from screens.intake import IntakeScreen

    app = make_app(screen="intake")
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, IntakeScreen) and app.screen.categories)
        intake = app.screen
        intake.query_one("#phone", Input).value = "13800138000"
        intake.query_one("#name", Input).value = "张三"
        intake.query_one("#summary", TextArea).text = "卫生间漏水"
        intake.bar("category").value = "repair"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, OrderFormScreen) and app.screen.loaded, timeout=10)
        form = app.screen
        assert form.order_id is not None and form.value("description") == "卫生间漏水"
        assert form.value("phone") == "138****8000"
        fill(form, appointment="2099-01-02 10:00", technician=next(k for k, v in form.bar("technician").options
                                                                    if v == "孙海涛"))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not form.saving)
        assert isinstance(app.screen, OrdersScreen), text_of(form.query_one("#of-status"))
        saved = row(engine, form.order_id)
        assert saved.assignee == "孙海涛" and saved.appointment_at is not None and saved.contact_id is not None
        await pilot.press("f1")  # and back to the next call
        assert isinstance(app.screen, IntakeScreen)
