"""F4, the handover notebook (Pilot): the compiled page, instructions and "do first", free items,
sign-off with confirmation, the 30-minute reminder shown once, receiving item by item at login,
the supervisor's review, drafts kept while typing, and the three terminal sizes."""

from __future__ import annotations

import shutil

import pytest
from sqlmodel import select
from textual.widgets import Input, Static

from csdesk.clock import FakeClock, local, set_clock
from screens.handover import HandoverScreen, ItemTable, ReviewTable
from tests.conftest import login, wait_for


@pytest.fixture(scope="module")
def prepared(tmp_path_factory, desk_template):
    """A database where agent 1001 opened an order, promised a call-back and escalated a complaint on
    the day shift of 2026-11-21, agent 1002 exists for the night, and 1003's page of the 20th is signed."""
    from csdesk.services import handover as ho
    from csdesk.services.accounts import get_agent, hash_password
    from csdesk.services.intake import IntakeForm, record_contact
    from csdesk.store.engine import open_database, read_session, write_session
    from csdesk.store.models import Agent

    path = tmp_path_factory.mktemp("handover-screen") / "desk.db"
    shutil.copyfile(desk_template, path)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CSDESK_TIMEZONE", "Asia/Shanghai")
        from csdesk.clock import _zone

        _zone.cache_clear()
        clock = FakeClock(local(2026, 11, 20, 19, 0))
        set_clock(clock)
        try:
            import csdesk.services.accounts as accounts
            from tests.conftest import _cheap_hasher

            mp.setattr(accounts, "_hasher", _cheap_hasher())
            engine = open_database(str(path))
            with write_session(engine) as s:
                s.info["no_audit"] = True
                for staff_no, name in (("1002", "刘洋"), ("1003", "陈静")):
                    s.add(Agent(staff_no=staff_no, name=name, role="agent", password_hash=hash_password("demo")))
            with read_session(engine) as s:
                a, night = get_agent(s, "1001"), get_agent(s, "1003")
            with write_session(engine) as s:
                record_contact(s, IntakeForm(phone="13511112222", name="周八", category="repair",
                                             summary="地下车库积水"), night)
            clock.set(local(2026, 11, 20, 22, 50))
            with write_session(engine) as s:
                ho.sign_off(s, night)
            clock.set(local(2026, 11, 21, 10, 0))
            for fields in ({"category": "repair", "summary": "厨房水管漏水"},
                           {"category": "inquiry", "outcome": "promised", "promise": "120", "summary": "物业费发票何时开",
                            "phone": "13900139000", "name": "李四"},
                           {"category": "complaint", "summary": "保安态度恶劣", "phone": "13700137000", "name": "王五"}):
                with write_session(engine) as s:
                    record_contact(s, IntakeForm(**{"phone": "13800138000", "name": "张三", "building": "3",
                                                    "unit": "2", "room": "1201", **fields}), a)
            engine.dispose()
        finally:
            set_clock(None)
            _zone.cache_clear()
    return path


@pytest.fixture
def clock():
    c = FakeClock(local(2026, 11, 21, 17, 35))
    set_clock(c)
    yield c
    set_clock(None)


@pytest.fixture
def make_app(prepared, db_path, agents):
    """The console on a copy of the prepared database."""
    from screens.app import CsdeskApp

    shutil.copyfile(prepared, db_path)

    def make(**kwargs):
        kwargs.setdefault("warm_up", False)
        kwargs.setdefault("timed_rules", False)
        view = kwargs.pop("view", None)
        app = CsdeskApp(db=str(db_path), **kwargs)
        app.start_view = view
        return app

    return make


async def open_f4(pilot, staff_no="1001", view="write", *, switch: bool = True) -> HandoverScreen:
    """Log in, go to F4 (the console may be there already: a waiting handover opens first) and to ``view``."""
    await login(pilot, staff_no)
    app = pilot.app
    def handover() -> HandoverScreen | None:  # a dialog (a draft offered back) may already be over it
        return next((s for s in reversed(app.screen_stack) if isinstance(s, HandoverScreen)), None)

    if handover() is None:
        await pilot.press("f4")
    await wait_for(pilot, lambda: handover() is not None and not handover().busy)
    screen = handover()
    if switch and screen.view != view:
        await pilot.press({"write": "w", "receive": "i", "review": "v"}[view])
    await wait_for(pilot, lambda: screen.view == view and not screen.busy
                   and (view == "review" or screen.page is not None))
    return screen


def rows(screen) -> list[list[str]]:
    table = screen.query_one(ItemTable)
    return [[c.plain for c in table.get_row_at(r)] for r in range(table.row_count)]


def shown(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def go_to(pilot, screen, matter: str) -> None:
    table = screen.query_one(ItemTable)
    for r in range(table.row_count):
        key = table.row_key_at(r) or ""
        if key.startswith(matter):
            table.move_cursor(row=r)
            await pilot.pause()
            return
    raise AssertionError(f"no {matter} row")


async def wait_message(pilot, screen, words: str) -> None:
    await wait_for(pilot, lambda: words in screen.message_text and not screen.busy)


async def test_the_compiled_page_instruction_do_first_free_item_and_sign_off(make_app, clock):
    app = make_app(screen="handover")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_f4(pilot)
        table = rows(screen)
        text = "\n".join(" | ".join(r) for r in table)
        for words in ("厨房水管漏水", "物业费发票何时开", "保安态度恶劣", "138****8000", "Waiting for the supervisor",
                      "Following up (1)"):
            assert words in text, words
        assert "draft" in shown(screen, "#ho-title") and "Night" in shown(screen, "#ho-title")
        # the instruction, typed key by key
        await go_to(pilot, screen, "order:")
        await pilot.press("e")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "TextDialog")
        await pilot.press(*"call 18:30")
        await pilot.press("enter")
        await wait_message(pilot, screen, "Instruction saved")
        order_row = next(r for r in rows(screen) if "厨房水管漏水" in r[3])
        assert order_row[7] == "call 18:30"
        # do first: the order leads the page
        await go_to(pilot, screen, "order:")
        await pilot.press("f")
        await wait_message(pilot, screen, "do first")
        assert rows(screen)[0][1].startswith("Do first") and "厨房水管漏水" in rows(screen)[1][3]
        # a free item: a prospect
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "FreeItemDialog")
        dialog = app.screen
        dialog.query_one("#fi-name", Input).value = "孙七"
        dialog.query_one("#fi-phone", Input).value = "13912345678"
        said = []
        app.notify = lambda message, **kw: said.append(message)
        dialog.query_one("#fi-text", Input).focus()
        await pilot.press(*("咨" * 499), "询", "车")  # a full field says so: the keys beyond it are not taken
        assert dialog.query_one("#fi-text", Input).value == "咨" * 499 + "询"
        assert said and "500 characters at most" in said[-1]
        dialog.query_one("#fi-text", Input).value = "咨询车位租售"
        await pilot.press("ctrl+s")
        await wait_message(pilot, screen, "Item added")
        assert any("咨询车位租售" in r[3] and "13912345678" in r[2] for r in rows(screen))
        # sign off, with a confirmation
        await pilot.press("s")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "ConfirmDialog")
        await pilot.press("y")
        await wait_message(pilot, screen, "Signed off: 4 items")
        assert "signed off 17:35" in shown(screen, "#ho-title")
        # frozen: the writing keys are gone
        await go_to(pilot, screen, "item:")
        for key in ("e", "f", "n", "x", "s"):
            assert screen.check_action({"e": "instruction", "f": "do_first", "n": "new_item", "x": "remove_item",
                                        "s": "sign_off"}[key], ()) is False
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, HandoverScreen)
        # a correction beside it
        await pilot.press("r")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "TextDialog")
        app.screen.query_one(Input).value = "更正：师傅19:00到"
        await pilot.press("enter")
        await wait_message(pilot, screen, "Remark added")


async def test_the_reminder_is_shown_once_and_stays_reachable(make_app, clock):
    clock.set(local(2026, 11, 21, 17, 31))
    app = make_app(screen="handover")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_f4(pilot)
        await wait_for(pilot, lambda: any("30-minute check" in (n.title or "") for n in app._notifications))
        first = [n for n in app._notifications if "30-minute check" in (n.title or "")]
        from screens.handover_watch import check_reminder

        check_reminder(app)
        check_reminder(app)
        await pilot.pause(0.2)
        assert len([n for n in app._notifications if "30-minute check" in (n.title or "")]) == len(first) == 1
        assert "update every unclosed order" in shown(screen, "#ho-reminder")
        await pilot.press("k")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "CheckDialog")
        assert "30-minute check" in str(app.screen.query_one(".dlg-title").render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, HandoverScreen))


async def test_before_the_reminder_time_nothing_is_announced(make_app, clock):
    clock.set(local(2026, 11, 21, 17, 0))
    app = make_app(screen="handover")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_f4(pilot)
        await pilot.pause(0.3)
        assert not any("30-minute check" in (n.title or "") for n in app._notifications)
        assert not screen.query_one("#ho-reminder").display
        clock.set(local(2026, 11, 21, 17, 30))
        from screens.handover_watch import check_reminder

        check_reminder(app)
        await wait_for(pilot, lambda: any("30-minute check" in (n.title or "") for n in app._notifications))


def told(app, monkeypatch) -> list[tuple[str, str]]:
    """What the console tells the agent (title, message), kept however long the machine takes."""
    said: list[tuple[str, str]] = []
    notify = app.notify

    def spy(message, *args, **kwargs):
        said.append((kwargs.get("title", ""), str(message)))
        return notify(message, *args, **kwargs)

    monkeypatch.setattr(app, "notify", spy)
    return said


async def test_at_login_the_waiting_handover_opens_and_is_acknowledged_item_by_item(make_app, clock, engine,
                                                                                     monkeypatch):
    clock.set(local(2026, 11, 21, 9, 5))  # the morning after 1003's night page
    app = make_app()  # the console would open on intake: the waiting handover comes first
    said = told(app, monkeypatch)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_f4(pilot, "1001", view="receive", switch=False)
        assert "1003" in shown(screen, "#ho-title") and "1 items to acknowledge" in shown(screen, "#ho-title")
        assert any(title == "Handover" for title, _message in said)
        await go_to(pilot, screen, "item:")
        await pilot.press("q")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "TextDialog")
        app.screen.query_one(Input).value = "车库积水是否已通知工程部？"
        await pilot.press("enter")
        await wait_message(pilot, screen, "Question added")
        await pilot.press("a")
        await wait_message(pilot, screen, "the handover is received")
        assert "is now in your queue" in screen.message_text
        assert "received" in shown(screen, "#ho-title")
        assert rows(screen)[1][0] == "✓" and "1001" in rows(screen)[1][8]
    from csdesk.store.engine import read_session
    from csdesk.store.models import HandoverPass, HandoverRemark

    with read_session(engine) as s:
        assert [r.kind for r in s.exec(select(HandoverRemark))] == ["question"]
        (passed,) = s.exec(select(HandoverPass)).all()
        assert passed.matter == "order"


async def test_the_review_opens_straight_for_the_supervisor(make_app, clock):
    clock.set(local(2026, 11, 21, 9, 40))
    app = make_app(screen="handover", view="review")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_f4(pilot, "2001", view="review")
        await wait_for(pilot, lambda: screen.query_one(ReviewTable).row_count == 1)
        review = screen.query_one(ReviewTable)
        row = [c.plain for c in review.get_row_at(0)]
        assert row[0] == "2026-11-20" and row[1] == "Night" and row[2].startswith("1003")
        # the register's search: by phone's last four, then a word found nowhere
        await pilot.press("slash")
        search = screen.query_one("#ho-search", Input)
        search.value = "2222"
        await pilot.press("enter")
        await wait_for(pilot, lambda: not screen.busy and screen.review_query.search == "2222"
                       and app.focused is review)
        assert review.row_count == 1
        await pilot.press("slash")
        search.value = "没有的词"
        await pilot.press("enter")
        await wait_for(pilot, lambda: not screen.busy and screen.review_query.search == "没有的词"
                       and app.focused is review)
        assert review.row_count == 0
        await pilot.press("c")
        await wait_for(pilot, lambda: not screen.busy and review.row_count == 1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.view == "page" and screen.page is not None and not screen.busy)
        assert "not reviewed yet" in shown(screen, "#ho-title") and "1 items not acknowledged" in shown(
            screen, "#ho-title")
        await go_to(pilot, screen, "item:")
        assert "still open" in str(screen.query_one("#ho-detail-body", Static).render())
        await pilot.press("m")
        await wait_message(pilot, screen, "Marked as reviewed")
        assert "reviewed" in shown(screen, "#ho-title") and "2001" in shown(screen, "#ho-title")
        await pilot.press("r")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "TextDialog")
        app.screen.query_one(Input).value = "主管已阅"
        await pilot.press("enter")
        await wait_message(pilot, screen, "Remark added")
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen.view == "review" and not screen.busy)
        row = [c.plain for c in screen.query_one(ReviewTable).get_row_at(0)]
        assert row[10].endswith("2001") and row[11] == "1"


async def test_an_agent_has_no_review(make_app, clock):
    app = make_app(screen="handover", view="review")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_f4(pilot, "1001")
        assert screen.view == "write" and screen.check_action("view", ("review",)) is False


async def test_typing_is_kept_as_a_draft_and_comes_back(make_app, clock, engine):
    app = make_app(screen="handover")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_f4(pilot)
        await go_to(pilot, screen, "callback:")
        await pilot.press("e")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "TextDialog")
        await pilot.press(*"invoice on Monday")

        def saved() -> bool:
            from csdesk.services.drafts import load_draft
            from csdesk.store.engine import read_session

            with read_session(engine) as s:
                draft = load_draft(s, 1, "handover")
            return draft is not None and draft.payload["values"]["text"] == "invoice on Monday"

        await wait_for(pilot, saved)
    # the console went away mid-typing: the next one puts the text back in its dialog
    again = make_app(screen="handover")
    async with again.run_test(size=(120, 40)) as pilot:
        await open_f4(pilot)
        await wait_for(pilot, lambda: again.screen.__class__.__name__ == "TextDialog")
        assert again.screen.query_one(Input).value == "invoice on Monday"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(again.screen, HandoverScreen)
                       and "Instruction saved" in again.screen.message_text)
        await wait_for(pilot, lambda: not saved())


@pytest.mark.parametrize("size", [(120, 40), (100, 30), (80, 24)])
async def test_it_fits_each_terminal_size(make_app, clock, size):
    app = make_app(screen="handover")
    async with app.run_test(size=size) as pilot:
        screen = await open_f4(pilot)
        table = screen.query_one(ItemTable)
        assert table.region.height >= 6 and table.region.width == size[0]
        assert screen.query_one("#ho-detail").region.height >= 4
        assert screen.query_one("#ho-status").region.y < size[1] - 1
        assert table.row_count >= 5
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "FreeItemDialog")
        dialog = app.screen.query_one(".ho-dialog")
        assert dialog.region.right <= size[0] and dialog.region.bottom <= size[1]
        assert app.screen.query_one("#fi-first").region.height > 0
        await pilot.press("escape")


async def test_the_problem_log_and_the_tally_from_f4(make_app, clock, engine):
    app = make_app(screen="handover")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_f4(pilot)
        await pilot.press("p")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "ProblemDialog")
        app.screen.query_one("#pb-text", Input).value = "门禁卡经常失灵"
        await pilot.press("enter")
        await wait_message(pilot, screen, "Logged problem")
        with engine.connect() as conn:
            number = conn.exec_driver_sql("SELECT number FROM contact WHERE agent_staff_no = '1001' "
                                          "ORDER BY id LIMIT 1").scalar()
        await pilot.press("u")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "TextDialog")
        app.screen.query_one(Input).value = number
        await pilot.press("enter")
        await wait_message(pilot, screen, "Counted as converted")
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "InfoDialog")
        shown_text = " ".join(str(w.render()) for w in app.screen.query(Static))
        assert "门禁卡经常失灵" in shown_text and "2026-11-16" in shown_text
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, HandoverScreen))


async def test_a_waiting_handover_found_after_the_agent_moved_on_is_announced_not_forced(make_app, clock, monkeypatch):
    """The look for waiting pages runs in a worker; if its answer comes after the agent's first key,
    the console says so and stays where the agent is (a late result never takes the screen away)."""
    import screens.handover_watch as watch
    from csdesk.services import handover as ho

    clock.set(local(2026, 11, 21, 9, 5))
    found = []
    monkeypatch.setattr(watch, "_find_pending", lambda app: found.append(app))  # held back: answered below
    app = make_app()
    said = told(app, monkeypatch)
    async with app.run_test(size=(120, 40)) as pilot:
        await login(pilot, "1001")
        await wait_for(pilot, lambda: found and app.current_mode == "intake")
        await pilot.press("f2")
        await wait_for(pilot, lambda: app.current_mode == "log")
        with app.db_read() as session:
            pending = ho.pending_for(session, app.agent)
        assert pending
        watch._open_pending(app, app.agent, pending)
        await pilot.pause()
        assert app.current_mode == "log" and not getattr(app, "handover_pending", None)
        assert any("F4, then i" in message for _title, message in said)
        await pilot.press("f4")  # F4 itself opens on the agent's own page: nothing turns it over later
        screen = app.screen
        await wait_for(pilot, lambda: isinstance(screen, HandoverScreen) and not screen.busy)
        assert screen.view == "write"


async def test_the_instruction_dialog_saves_on_ctrl_s_and_asks_before_esc_loses_typing(make_app, clock):
    """Ctrl+S saved nothing in the instruction dialog, Esc lost the typing, and reopened text was
    selected so that the next key replaced it (a trial's findings)."""
    from screens.handover_dialogs import TextDialog
    from screens.intake_widgets import ConfirmModal

    app = make_app(screen="handover")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_f4(pilot)
        await go_to(pilot, screen, "order:")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, TextDialog))
        dialog = app.screen
        await pilot.press(*"call 18:30")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is dialog)
        await pilot.press("ctrl+s")
        await wait_message(pilot, screen, "Instruction saved")
        await go_to(pilot, screen, "order:")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, TextDialog))
        await pilot.press(*" sharp")  # appended to the saved text, not replacing it
        assert app.screen.query_one("#td-text", Input).value == "call 18:30 sharp"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmModal))
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is screen)
        order_row = next(r for r in rows(screen) if "厨房水管漏水" in r[3])
        assert order_row[7] == "call 18:30"


async def test_the_reminder_is_not_shown_to_someone_with_nothing_to_update(make_app, clock, monkeypatch):
    clock.set(local(2026, 11, 21, 17, 31))  # 30 minutes before the day shift ends
    app = make_app(screen="handover")
    said = told(app, monkeypatch)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_f4(pilot, "2001")  # the supervisor owns none of the shift's matters
        await app.workers.wait_for_complete()  # the reminder's look (started at login) has answered
        await pilot.pause()
        assert not any(title == "30-minute check" for title, _message in said)
