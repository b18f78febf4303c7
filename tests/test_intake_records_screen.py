"""The intake screen holds the handbook's records (issue 9): sub-channel shown for online contacts,
customer code typed to choose a customer, the record's details after the standard call's fields,
bad values refused at their field."""

from __future__ import annotations

from sqlmodel import select
from textual.widgets import Static

from csdesk.clock import fmt, local
from csdesk.store.engine import read_session, write_session
from csdesk.store.models import Contact, Customer, CustomerPhone
from tests.test_intake_screen import SIZE, ready, saved, start, type_text


def _customer(engine) -> int:
    with write_session(engine) as s:
        customer = Customer(code="C20231028001", name="赵六", created_at=local(2023, 10, 1))
        s.add(customer)
        s.flush()
        s.add(CustomerPhone(customer_id=customer.id, phone="13612340001", primary=True))
        return customer.id


async def test_the_consultation_record_on_the_screen(make_app, engine, agents):
    known = _customer(engine)
    app = make_app(screen="intake")
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        await ready(pilot, screen)
        box = screen.query_one("#sub-channel-box")
        assert not box.display
        await type_text(pilot, "C20231028001")
        await pilot.press("enter")
        await pilot.wait_for_scheduled_animations()
        for _ in range(100):
            if screen.customer_id == known:
                break
            await pilot.pause(0.05)
        assert screen.customer_id == known
        assert "C20231028001" in str(screen.query_one("#card", Static).render())
        assert app.focused is screen.query_one("#summary")  # chosen: on to the matter
        screen.set_focus(screen.query_one("#channel"))
        await pilot.press("3")  # online: the sub-channel row follows at once, and Tab reaches it
        assert box.display
        await pilot.press("tab", "2")  # 1 is "not said"
        assert screen.text("channel_detail") == "app"
        screen.set_focus(screen.query_one("#summary"))
        await type_text(pilot, "nothing arrived")
        await pilot.press("tab", "1")  # inquiry
        screen.set_focus(screen.query_one("#satisfaction"))
        await type_text(pilot, "9")
        await pilot.press("tab")
        await pilot.pause()
        error = screen.query_one("#satisfaction-error", Static)
        assert error.display and "1" in str(error.render())
        screen.set_focus(screen.query_one("#received"))
        await type_text(pilot, "2099-01-01 10:00")
        await pilot.press("tab")
        await pilot.pause()
        assert screen.query_one("#received-error", Static).display
        with screen._programmatic():
            screen._set_value("received", "2023-10-28 14:30:15")
            screen._set_value("satisfaction", "5")
            screen._set_value("order_ref", "20231028001")
            screen._set_value("result", "re-delivered before 18:00")
        await pilot.press("ctrl+s")
        s = await saved(pilot, screen)
    with read_session(engine) as session:
        contact = session.get(Contact, s.id)
    assert (contact.customer_id, contact.channel, contact.channel_detail, contact.satisfaction, contact.order_ref,
            contact.result) == (known, "online", "app", 5, "20231028001", "re-delivered before 18:00")
    assert fmt(contact.received_at) == "2023-10-28 14:30:15" and contact.created_at > contact.received_at


async def test_a_refused_record_field_is_marked_and_nothing_saved(make_app, engine, agents):
    app = make_app(screen="intake")
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        await ready(pilot, screen)
        await type_text(pilot, "5678")
        screen.set_focus(screen.query_one("#summary"))
        await type_text(pilot, "rude agent")
        await pilot.press("tab", "3")  # complaint
        await pilot.press("ctrl+s")
        await pilot.pause(0.3)
        for _ in range(100):
            if not screen.saving:
                break
            await pilot.pause(0.05)
        assert "partial" in str(screen.query_one("#phone-error", Static).render())
        screen.set_focus(screen.query_one("#caller_number"))
        await pilot.press("2")  # partial number
        await pilot.press("ctrl+s")
        s = await saved(pilot, screen)
    with read_session(engine) as session:
        contact = session.get(Contact, s.id)
        assert session.exec(select(Contact)).all() == [contact]
    assert contact.phone == "…5678" and contact.category == "complaint" and contact.complaint_id


async def test_the_record_fields_fit_100x30_and_survive_a_draft(make_app, engine, agents):
    app = make_app(screen="intake")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await start(pilot)
        await ready(pilot, screen)
        screen.set_focus(screen.query_one("#channel"))
        await pilot.press("3")  # online
        form = screen.query_one("#form")
        for name in ("channel_detail", "caller_number", "received", "satisfaction", "order_ref", "result"):
            widget = screen.query_one(f"#{name}")
            screen.set_focus(widget)
            await pilot.pause()
            await pilot.pause(0.05)
            assert widget.content_region.height >= 1, name  # at least one row to type in
            assert form.region.contains_region(widget.region), name  # scrolled into sight
        values = {"channel_detail": "wechat", "caller_number": "partial", "received": "10:15", "satisfaction": "4",
                  "order_ref": "A-77", "result": "done\nand checked"}
        with screen._programmatic():
            for name, value in values.items():
                screen._set_value(name, value)
        payload = screen.draft_payload()
        screen.clear_form()
        assert screen.text("order_ref") == "" and screen.text("caller_number") == "full"
        assert not screen.query_one("#sub-channel-box").display
        screen.restore(payload)
        assert {name: screen.text(name) for name in values} == values
        assert screen.query_one("#sub-channel-box").display


async def test_a_patrol_finding_on_the_screen(make_app, engine, agents):
    app = make_app(screen="intake")
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        await ready(pilot, screen)
        screen.set_focus(screen.query_one("#channel"))
        await pilot.press("6")  # patrol
        assert screen.text("channel") == "patrol"
        screen.set_focus(screen.query_one("#address"))
        await type_text(pilot, "north gate")
        screen.set_focus(screen.query_one("#summary"))
        await type_text(pilot, "gate lamp out")
        await pilot.press("tab", "2")  # repair
        await pilot.press("ctrl+s")
        s = await saved(pilot, screen)
    with read_session(engine) as session:
        contact = session.get(Contact, s.id)
    assert (contact.channel, contact.address, contact.customer_id, contact.phone) == ("patrol", "north gate", None, "")
    assert contact.work_order_id is not None
