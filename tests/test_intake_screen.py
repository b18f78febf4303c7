"""The intake screen through Pilot: recognition, outcomes, identity, validation, drafts, queue, keys."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlmodel import select
from textual import events
from textual.widgets import Input, OptionList, Static, TextArea

from csdesk.clock import now as utcnow
from csdesk.services import intake as svc
from csdesk.store.engine import read_session, write_session
from csdesk.store.models import Callback, Complaint, Contact, Customer, Draft, Escalation, WorkOrder
from screens.intake import IntakeScreen
from screens.intake_widgets import ConfirmModal, DraftPrompt
from tests.conftest import login, wait_for

SIZE = (130, 45)


def seed(engine, agent, phone="13800138000", name="张三", room="1201", **kw):
    kw.setdefault("category", "inquiry")
    kw.setdefault("summary", "earlier call")
    with write_session(engine) as s:
        return svc.record_contact(s, svc.IntakeForm(phone=phone, name=name, building="3", unit="2", room=room, **kw),
                                  agent)


def rows(engine, model, *where):
    with read_session(engine) as s:
        return list(s.exec(select(model).where(*where)))


async def start(pilot, staff_no: str = "1001") -> IntakeScreen:
    await login(pilot, staff_no)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, (IntakeScreen, ConfirmModal)))
    screen = next(s for s in pilot.app.screen_stack if isinstance(s, IntakeScreen))
    await wait_for(pilot, lambda: bool(screen.categories))
    return screen


async def ready(pilot, screen: IntakeScreen) -> None:
    await wait_for(pilot, lambda: screen._draft_checked)


def shown(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def saved(pilot, screen, before=None):
    await wait_for(pilot, lambda: screen.last_saved is not before and not screen.saving)
    return screen.last_saved


async def type_text(pilot, text: str) -> None:
    for ch in text:
        await pilot.press("space" if ch == " " else ch)


# --------------------------------------------------------------------------- the standard call


async def test_standard_repair_call_from_a_known_caller_takes_four_keys(make_app, engine, agents):
    known = seed(engine, agents["1001"])
    app = make_app(screen="intake")
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        await ready(pilot, screen)
        assert app.focused is screen.query_one("#phone")
        keys = 0
        await type_text(pilot, "13800138000")  # text
        await pilot.press("enter")  # at once, before the search lands: the caller is chosen when it does
        keys += 1
        await wait_for(pilot, lambda: screen.customer_id == known.customer_id)
        assert "张三" in shown(screen, "#card") and "3-2-1201" in shown(screen, "#card")
        assert screen.text("name") == "张三" and screen.text("room") == "1201"
        assert app.focused is screen.query_one("#summary")
        await type_text(pilot, "tap leaks")  # text
        await pilot.press("tab")  # to the category
        await pilot.press("2")  # repair
        keys += 2
        assert screen.text("category") == "repair" and screen.text("outcome") == "work_order"
        assert "Same unit" not in shown(screen, "#card")
        await pilot.press("ctrl+s")
        keys += 1
        result = await saved(pilot, screen)
        assert keys <= 12
        assert result.work_order_number and not result.new_customer
        assert result.work_order_number in shown(screen, "#form-status")
        contact = rows(engine, Contact, Contact.id == result.id)[0]
        order = rows(engine, WorkOrder, WorkOrder.id == contact.work_order_id)[0]
        assert contact.customer_id == known.customer_id and contact.summary == "tap leaks"
        assert order.contact_id == contact.id and order.deadline_at - contact.received_at == timedelta(hours=24)
        assert contact.duration_s is not None and contact.channel == "phone"
        # the form is clear for the next call, and no draft is left
        assert screen.text("phone") == "" and screen.customer_id is None
        await pilot.pause(0.7)
        assert rows(engine, Draft) == []
        # F3 shows the order's form, ready for what it lacks: the appointment (not the masked number)
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "OrderFormScreen")
        assert app.focused is app.screen.query_one("#of-appointment")


# --------------------------------------------------------------------------- the other outcomes


def fill(screen, **values):
    for name, value in values.items():
        screen._set_value(name, value)


async def test_each_outcome_from_the_screen(make_app, engine, agents):
    """Resolved, referred, promised and escalated, one after another in one session (work order: above)."""
    app = make_app(screen="intake")
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        await ready(pilot, screen)
        for n, outcome in enumerate(["resolved", "referred", "promised", "escalated"]):
            phone = f"1391234567{n}"
            fill(screen, phone=phone)
            if n == 0:  # an unknown caller is said to be new, and becomes a customer on save
                await wait_for(pilot, lambda: "new customer" in shown(screen, "#card"))
            fill(screen, name=f"李四{n}", summary="needs an answer", category="inquiry")
            await pilot.pause()
            screen.bar("outcome").value = outcome
            await pilot.pause()
            if outcome == "referred":
                assert screen.query_one("#referral-box").display
                screen.bar("department").value = "it"
                await pilot.pause()
                assert screen.text("referral_contact") == "8002"
            if outcome == "promised":
                assert screen.query_one("#promise-box").display
                fill(screen, promise="30")
            if outcome == "escalated":
                before = rows(engine, Contact)
                await pilot.press("ctrl+s")  # the reason is required
                await wait_for(pilot, lambda: screen.query_one("#escalation_reason-error").display)
                assert app.focused is screen.query_one("#escalation_reason")
                assert rows(engine, Contact) == before
                fill(screen, escalation_reason="asked for the manager")
            previous = screen.last_saved
            await pilot.press("ctrl+s")
            result = await saved(pilot, screen, previous)
            contact = rows(engine, Contact, Contact.id == result.id)[0]
            assert contact.outcome == outcome and result.new_customer and contact.phone == phone
            assert rows(engine, Customer, Customer.id == contact.customer_id)[0].name == f"李四{n}"
            calls = rows(engine, Callback, Callback.contact_id == contact.id)
            if outcome == "resolved":
                assert contact.status == "closed" and calls == []
            if outcome == "referred":
                assert (contact.referred_department, contact.referral_contact) == ("it", "8002")
                assert calls[0].kind == "referral_check"
            if outcome == "promised":
                assert calls[0].kind == "promised_reply"
                assert calls[0].due_at - contact.created_at == timedelta(minutes=30)
                await wait_for(pilot, lambda: any(i.id == calls[0].id for i in screen.query_one("#queue").items))
            if outcome == "escalated":
                esc = rows(engine, Escalation)[0]
                assert esc.contact_id == contact.id and "asked for the manager" in esc.summary
                assert contact.escalation_reason == "asked for the manager"
            assert screen.text("phone") == ""  # ready for the next call


async def test_complaint_escalates_automatically(make_app, engine, agents):
    app = make_app(screen="intake")
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        await ready(pilot, screen)
        fill(screen, phone="13912345678", summary="the technician was rude")
        screen.bar("category").value = "complaint"
        await pilot.pause()
        assert screen.text("outcome") == "escalated"
        assert [k for k, _ in screen.bar("outcome").options] == ["escalated", "work_order"]
        await pilot.press("ctrl+s")
        result = await saved(pilot, screen)
        complaint = rows(engine, Complaint)[0]
        assert result.complaint_number == complaint.number and complaint.contact_id == result.id
        assert rows(engine, Escalation)[0].complaint_id == complaint.id


# --------------------------------------------------------------------------- recognition


async def test_recognition_by_number_last4_name_initials_fills_the_form(make_app, engine, agents):
    known = seed(engine, agents["1001"], category="repair", summary="leak")
    seed(engine, agents["1001"], phone="13912345678", name="李四", room="0802")
    app = make_app(screen="intake")
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        await ready(pilot, screen)
        for field, query in (("phone", "13800138000"), ("phone", "8000"), ("name", "张三"), ("phone", "zs")):
            box = screen.query_one(f"#{field}", Input)
            box.focus()
            box.value = query
            await wait_for(pilot, lambda: [m.name for m in screen.matches] == ["张三"])
            card = shown(screen, "#card")
            assert "3-2-1201" in card and known.work_order_number in card  # open order with its deadline
            await pilot.press("enter")
            assert screen.customer_id == known.customer_id, query
            assert screen.phone_value() == "13800138000" and screen.text("building") == "3"
            # an agent sees the chosen caller's number masked, unless the agent typed it in full
            assert screen.text("phone") == ("13800138000" if query == "13800138000" else "138****8000")
            if query == "8000":  # same unit, same matter within 7 days: the card warns
                screen.bar("category").value = "repair"
                await pilot.pause()
                assert "Same unit, same matter" in shown(screen, "#card")
            screen.clear_form()  # (Esc and its question: test_escape_asks_before_discarding)
            assert screen.customer_id is None and screen.text("phone") == ""


async def test_several_matches_are_chosen_from_the_list(make_app, engine, agents):
    seed(engine, agents["1001"], phone="13800138000", name="张三")
    other = seed(engine, agents["1001"], phone="13900138000", name="张伟", room="0802")
    app = make_app(screen="intake")
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        await ready(pilot, screen)
        screen.query_one("#phone", Input).value = "8000"
        await wait_for(pilot, lambda: len(screen.matches) == 2)
        await pilot.press("enter")
        assert app.focused is screen.query_one("#matches", OptionList)
        index = [m.id for m in screen.matches].index(other.customer_id)
        for _ in range(index):
            await pilot.press("down")
        await pilot.press("enter")
        assert screen.customer_id == other.customer_id and screen.text("name") == "张伟"
        # typed on at once, without choosing: the words go into the matter, nothing lost in the list
        screen.clear_form()
        screen.query_one("#phone", Input).focus()
        screen.query_one("#phone", Input).value = "8000"
        await wait_for(pilot, lambda: len(screen.matches) == 2)
        await pilot.press("enter", *"lift", "tab")
        assert screen.text("summary") == "lift" and app.focused is screen.query_one("#category")
        assert "Not a phone number" not in shown(screen, "#form-status") and screen.customer_id is None
        await pilot.press("1", "ctrl+s")  # saved unchosen, the call would belong to nobody: choose first
        await wait_for(pilot, lambda: "2 customers match" in str(screen.query_one("#phone-error").render()))
        assert rows(engine, Contact) == [] or all(c.summary != "lift" for c in rows(engine, Contact))
        await pilot.press("f8", "enter")
        await wait_for(pilot, lambda: screen.customer_id is not None)
        assert shown(screen, "#form-status") == ""


async def test_caller_id_start_recognises_the_caller(make_app, engine, agents):
    known = seed(engine, agents["1001"])
    app = make_app(screen="intake", phone="13800138000")
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        await wait_for(pilot, lambda: screen.customer_id == known.customer_id)
        assert screen.text("name") == "张三" and "张三" in shown(screen, "#card-title")
        assert screen.started_at is not None


# --------------------------------------------------------------------------- identity


async def test_identity_check_for_information_change(make_app, engine, agents):
    known = seed(engine, agents["1001"])
    app = make_app(screen="intake")
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        await ready(pilot, screen)
        screen.query_one("#phone", Input).value = "13800138000"
        await wait_for(pilot, lambda: len(screen.matches) == 1)
        screen.query_one("#phone", Input).focus()
        await pilot.press("enter")
        screen.bar("category").value = "info_change"
        await pilot.pause()
        assert screen.query_one("#identity-box").display
        assert screen.current_step() == "restate"
        fill(screen, summary="new name")
        await pilot.pause()
        assert screen.current_step() == "verify"
        box = screen.query_one("#identity", Input)
        box.value = "1111"
        await wait_for(pilot, lambda: "Not verified" in shown(screen, "#identity-status"))
        box.value = "8000"
        await wait_for(pilot, lambda: "Verified" in shown(screen, "#identity-status"))
        assert screen.current_step() == "resolve"
        await pilot.press("ctrl+s")  # no new detail given: refused at the first new-value field
        await wait_for(pilot, lambda: app.focused is screen.query_one("#new_phone", Input))
        fill(screen, new_name="张三丰")  # the caller's new name in its own field: the caller stays 张三
        await pilot.press("ctrl+s")
        result = await saved(pilot, screen)
        assert result.identity_verified is True
        assert rows(engine, Contact, Contact.id == result.id)[0].verified_by == "last4"
        assert rows(engine, Customer, Customer.id == known.customer_id)[0].name == "张三丰"


# --------------------------------------------------------------------------- validation


async def test_validation_messages_at_the_field_and_nothing_saved(make_app, engine, agents):
    app = make_app(screen="intake")
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        await ready(pilot, screen)
        long = "漏" * 10_000
        fill(screen, phone="1380013800", name="张三😀", summary=long, room="1201")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "check the fields" in shown(screen, "#form-status"))
        assert "11 digits" in shown(screen, "#phone-error")
        assert "emoji" in shown(screen, "#name-error")
        assert "10000" in shown(screen, "#summary-error")
        assert "building" in shown(screen, "#building-error")
        assert "category" in shown(screen, "#category-error")
        assert app.focused is screen.query_one("#phone")  # the first bad field, in Tab order
        assert screen.text("summary") == long  # nothing typed is lost
        assert rows(engine, Contact) == [] and rows(engine, Customer) == []
        # fixing a field clears its message
        screen.query_one("#phone", Input).value = "010-62345678-123"
        await pilot.pause()
        assert not screen.query_one("#phone-error").display
        # a wrong number is reported as soon as the agent leaves the field
        screen.query_one("#phone", Input).value = "021-123"
        screen.query_one("#phone", Input).focus()
        await pilot.pause()
        screen.query_one("#name", Input).focus()
        await wait_for(pilot, lambda: screen.query_one("#phone-error").display)
        assert "landline" in shown(screen, "#phone-error")
        screen.query_one("#phone", Input).value = "010-62345678-123"
        # pasted lines in a one-line field are all kept (Input would keep only the first)
        box = screen.query_one("#address", Input)
        box.focus()
        box.post_message(events.Paste("幸福路\n8号\n"))
        await pilot.pause()
        assert box.value == "幸福路 8号"


# --------------------------------------------------------------------------- discard, drafts


async def test_escape_asks_before_discarding(make_app, engine, agents):
    app = make_app(screen="intake")
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        await ready(pilot, screen)
        await type_text(pilot, "139")
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        assert app.screen is screen and screen.text("phone") == "139"
        await pilot.press("escape")
        await pilot.press("y")
        assert app.screen is screen and screen.text("phone") == ""
        await pilot.pause(0.3)
        assert rows(engine, Draft) == []


async def test_draft_survives_a_crash_and_is_offered_back(make_app, engine, agents):
    app = make_app(screen="intake")
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        await ready(pilot, screen)
        screen.query_one("#phone", Input).value = "13912345678"
        await pilot.pause()
        screen.set_focus(screen.query_one("#summary", TextArea))
        screen.query_one("#summary", TextArea).text = "lift stuck"
        await wait_for(pilot, lambda: any("lift stuck" in d.payload for d in rows(engine, Draft)))
        # the console goes away here: no save, no discard
    with write_session(engine) as s:  # ... and is not heard of again (this test's process lives on)
        from sqlalchemy import text

        s.execute(text("UPDATE draft SET seen_at = '2000-01-01 00:00:00.000000'"))
    app = make_app(screen="intake")
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, DraftPrompt))
        assert "lift stuck" in str(app.screen.query_one("#draft-text", Static).render())
        await pilot.press("y")
        screen = app.screen
        assert isinstance(screen, IntakeScreen)
        assert screen.text("phone") == "13912345678" and screen.text("summary") == "lift stuck"
        assert screen.started_at is not None
        # the agent goes on where the typing stopped: that field, the cursor after its text
        area = screen.query_one("#summary", TextArea)
        assert app.focused is area and area.cursor_location == area.document.end
        await pilot.press("!")
        assert screen.text("summary") == "lift stuck!"
        fill(screen, category="repair")
        screen._category_changed()
        await pilot.press("ctrl+s")
        await saved(pilot, screen)
        assert rows(engine, Draft) == []


async def test_a_draft_found_after_the_agent_began_typing_is_kept_not_asked(make_app, engine, agents,
                                                                             monkeypatch):
    """A trial typed a new call right after login; the restore question came up mid-number, took its
    Enter as "restore" and merged the new caller into the old draft."""
    from csdesk.services.drafts import save_draft

    with write_session(engine) as s:
        save_draft(s, agents["1001"].id, "intake", {"phone": "13544445555", "name": "丁女士", "summary": "门锁坏了"},
                   console="gone")
        from sqlalchemy import text

        s.execute(text("UPDATE draft SET seen_at = '2000-01-01 00:00:00.000000'"))
    held = []
    monkeypatch.setattr(IntakeScreen, "_load_draft", lambda self: held.append(self))  # answered below
    app = make_app(screen="intake")
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await wait_for(pilot, lambda: held and isinstance(app.screen, IntakeScreen))
        screen = app.screen
        screen.query_one("#phone", Input).focus()
        await pilot.press(*"17852659131")
        from csdesk.services.drafts import orphaned_drafts
        from screens.intake import DraftFound

        with app.db_read() as session:
            (draft,) = orphaned_drafts(session, app.agent.id, "intake", screen.console_name)
        screen.post_message(DraftFound(draft))
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, IntakeScreen) and screen.text("phone") == "17852659131"
        assert "offered at the next login" in str(screen.query_one("#form-status", Static).render())
    assert [d.payload for d in rows(engine, Draft) if "丁女士" in d.payload]  # still there for the next login


async def test_a_declined_draft_is_kept_and_discarding_asks_again(make_app, engine, agents):
    with write_session(engine) as s:
        from csdesk.services.drafts import save_draft

        save_draft(s, agents["1001"].id, "intake", {"phone": "139", "summary": "old"})
    app = make_app(screen="intake")
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, DraftPrompt))
        await pilot.press("n")  # later: kept
        await wait_for(pilot, lambda: isinstance(app.screen, IntakeScreen))
        assert app.screen.text("phone") == "" and len(rows(engine, Draft)) == 1
        await login_again_and_discard(app, pilot, engine)


async def login_again_and_discard(app, pilot, engine) -> None:
    """The draft kept is offered again; D and yes discard it for good."""
    screen = app.screen
    screen._draft_checked = False
    screen.check_draft()
    await wait_for(pilot, lambda: isinstance(app.screen, DraftPrompt))
    await pilot.press("d")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
    await pilot.press("y")
    await wait_for(pilot, lambda: rows(engine, Draft) == [])
    assert isinstance(app.screen, IntakeScreen) and app.screen.text("phone") == ""


# --------------------------------------------------------------------------- script line, timer


async def test_script_line_and_call_back_offer_after_sixty_seconds(make_app, engine, agents):
    app = make_app(screen="intake")
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        await ready(pilot, screen)
        script = shown(screen, "#script")
        assert "1001" in script and "Identify" in script
        await type_text(pilot, "139")
        assert "Restate" in shown(screen, "#script")
        screen.started_at = time.monotonic() - app.settings.callback_offer_seconds - 1
        screen._tick()
        assert "offer a call-back" in shown(screen, "#script")
        assert "01:01" in shown(screen, "#timer")
        await pilot.press("ctrl+r")
        assert screen.text("outcome") == "promised"
        assert app.focused is screen.query_one("#promise")
        assert "offer a call-back" not in shown(screen, "#script")


# --------------------------------------------------------------------------- My queue


async def test_queue_countdown_take_a_callback_busy_means_retry(make_app, engine, agents):
    agent = agents["1001"]
    first = seed(engine, agent, outcome="promised", promise="60")
    with write_session(engine) as s:  # one that is overdue already
        s.add(Callback(kind="promised_reply", due_at=utcnow() - timedelta(minutes=5), agent_id=agent.id,
                       customer_id=first.customer_id, customer_name="张三", phone="13800138000",
                       contact_id=first.id, note="overdue one"))
    app = make_app(screen="intake")
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        await ready(pilot, screen)
        panel = screen.query_one("#queue")
        await wait_for(pilot, lambda: len(panel.items) == 2)
        assert panel.items[0].note == "overdue one"  # nearest due first
        olist = panel.list
        first_line = olist.get_option_at_index(0).prompt
        assert "overdue 05:" in first_line.plain or "overdue 06:" in first_line.plain
        assert any("red" in str(span.style) for span in first_line.spans)
        second = olist.get_option_at_index(1).prompt.plain
        assert "in 59:" in second or "in 1:00:" in second
        # the countdown is live
        await wait_for(pilot, lambda: olist.get_option_at_index(1).prompt.plain != second, timeout=5)
        screen.query_one("#summary", TextArea).focus()  # F9 works from anywhere, the summary too
        await pilot.press("f9")
        assert app.focused is olist
        olist.highlighted = 1
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.callback_id == first.callback_id)
        assert screen.text("channel") == "outbound" and screen.phone_value() == "13800138000"
        assert screen.text("phone") == "138****8000"  # masked for an agent
        assert screen.customer_id == first.customer_id and screen.query_one("#callback-box").display
        screen.bar("callback_result").value = "busy"
        await pilot.press("ctrl+s")
        result = await saved(pilot, screen)
        closed = rows(engine, Callback, Callback.id == first.callback_id)[0]
        assert closed.done_at is not None and closed.result == "busy"
        assert result.retry_callback_id
        await wait_for(pilot, lambda: any(i.id == result.retry_callback_id for i in panel.items))
        assert first.callback_id not in [i.id for i in panel.items if i.kind == "callback"]


async def test_supervisor_acknowledges_an_escalation(make_app, engine, agents):
    seed(engine, agents["1001"], category="repair", urgency="critical", summary="gas smell")
    app = make_app(screen="intake")
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot, "2001")
        await ready(pilot, screen)
        panel = screen.query_one("#queue")
        await wait_for(pilot, lambda: len(panel.items) == 1)
        assert panel.items[0].kind == "escalation" and panel.items[0].raised_by == "1001"
        await pilot.press("f9")
        await pilot.press("enter")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await wait_for(pilot, lambda: rows(engine, Escalation)[0].acknowledged_at is not None)
        esc = rows(engine, Escalation)[0]
        assert esc.acknowledged_by_id == agents["2001"].id
        await wait_for(pilot, lambda: panel.items == [])
        assert "acknowledged by 2001" in shown(screen, "#form-status")


async def test_an_agent_sees_the_chosen_callers_number_masked_and_reveals_it_on_the_record(make_app, engine, agents):
    from csdesk.store.models import AuditLog

    known = seed(engine, agents["1001"], phone="13800138000", name="张三")
    app = make_app(screen="intake")
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        await ready(pilot, screen)
        await type_text(pilot, "8000")
        await wait_for(pilot, lambda: [m.name for m in screen.matches] == ["张三"])
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.customer_id == known.customer_id)
        assert screen.text("phone") == "138****8000" and "13800138000" not in shown(screen, "#card")
        assert rows(engine, AuditLog, AuditLog.action == "reveal_phone") == []
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: screen.text("phone") == "13800138000")
        assert "13800138000" in shown(screen, "#card")
        [audit] = rows(engine, AuditLog, AuditLog.action == "reveal_phone")
        assert (audit.entity, audit.entity_id) == ("customer", known.customer_id)
        assert screen.phone_value() == "13800138000"


async def test_ctrl_o_without_a_chosen_caller_only_rings(make_app, engine, agents):
    """Ctrl+O on a typed number that chose nobody closed the console (a trial, 4 of 4)."""
    app = make_app(screen="intake")
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        await ready(pilot, screen)
        screen.query_one("#phone", Input).focus()
        await pilot.press(*"13911112222")
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert app.is_running and app.screen is screen and screen.text("phone") == "13911112222"



async def test_back_on_intake_the_agent_types_into_the_form_not_the_queue(make_app, engine, agents):
    """Desk trial: F9, F2, F1, then a number and Enter: the queue kept the focus, the number was
    lost and Enter took a call-back unasked."""
    app = make_app(screen="intake")
    async with app.run_test(size=SIZE) as pilot:
        screen = await start(pilot)
        await ready(pilot, screen)
        await pilot.press("f9")
        assert app.focused is screen.query_one("#queue-list")
        await pilot.press("f2")
        await wait_for(pilot, lambda: app.screen is not screen)
        await pilot.press("f1")
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.press(*"13900001111")
        assert app.focused is screen.query_one("#phone") and screen.text("phone") == "13900001111"
