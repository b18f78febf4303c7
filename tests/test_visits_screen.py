"""The visits view through Pilot: the supervisor draws the month (D), the agent records each outcome
by key, the refused customer shows on the intake card, the supervisor lifts the entry (L)."""

from __future__ import annotations

import pytest
from sqlmodel import select
from textual.widgets import Input, OptionList, Static

from csdesk.clock import FakeClock, local, set_clock
from csdesk.store.engine import read_session, write_session
from csdesk.store.models import ReturnVisit, WorkOrder
from screens.desk_dialogs import StepScreen
from screens.visits import VisitsScreen
from tests.conftest import login, wait_for
from tests.test_complaints_screen import step
from tests.test_visits import add_orders

SIZE = (120, 40)


@pytest.fixture
def clock():
    c = FakeClock(local(2026, 11, 3, 10, 0))
    set_clock(c)
    yield c
    set_clock(None)


async def open_view(pilot, staff_no: str) -> VisitsScreen:
    await login(pilot, staff_no)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, VisitsScreen))
    screen = pilot.app.screen
    await wait_for(pilot, lambda: not screen.fetching)
    return screen


def text_of(widget) -> str:
    return str(widget.render())


async def reloaded(pilot, screen) -> None:
    screen.reload()
    await wait_for(pilot, lambda: not screen.fetching)


async def test_draw_then_every_outcome_by_key(make_app, engine, agents, clock):
    with write_session(engine) as s:
        add_orders(s, agents["1001"].id, [{"n": i, "paid": True} for i in range(1, 5)],
                   start=local(2026, 11, 2, 9, 0))
    app = make_app(screen="visits")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(pilot, "2001")
        assert "Not drawn yet" in text_of(screen.query_one("#vs-coverage", Static))
        await step(pilot, screen, "D", choice="owner")
        await wait_for(pilot, lambda: "4 visits drawn" in text_of(screen.query_one("#vs-status", Static)))
        await wait_for(pilot, lambda: "Visits drawn: 4" in text_of(screen.query_one("#vs-coverage", Static)))
    with read_session(engine) as s:
        assert len(s.exec(select(ReturnVisit).where(ReturnVisit.queued_at.is_not(None))).all()) == 4
    app = make_app(screen="visits")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(pilot, "1001")
        assert len(screen.rows) == 4
        olist = screen.query_one("#vs-list", OptionList)
        # the second row first: once done it leaves "mine", and the one after it takes its place
        olist.highlighted = 1
        await pilot.pause()
        after = screen.rows[2].id
        await step(pilot, screen, "s")
        await reloaded(pilot, screen)
        assert len(screen.rows) == 3 and olist.highlighted == 1 and screen.rows[1].id == after
        outcomes = [("p", "热水器还是不热", "order"), ("f", "不需要回访", ""), ("b", "", "")]
        for key, text, choice in outcomes:
            olist.highlighted = 0  # the first still to do (the done ones leave "mine")
            await pilot.pause()
            before = len(screen.rows)
            await step(pilot, screen, key, text=text, choice=choice)
            await reloaded(pilot, screen)
            if key != "b":
                assert len(screen.rows) == before - 1
        assert [r.status for r in screen.rows] == ["retry"]  # busy: one more try later
        olist.highlighted = 0
        await pilot.pause()
        await pilot.press("b")  # the second try says so before it is saved
        await wait_for(pilot, lambda: isinstance(app.screen, StepScreen))
        assert "Second try" in " ".join(str(w.render()) for w in app.screen.query(Static))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.press("4")  # done
        await wait_for(pilot, lambda: screen.view == "done" and not screen.fetching)
        assert sorted(r.status for r in screen.rows) == ["problem", "refused", "satisfied"]
        coverage = text_of(screen.query_one("#vs-coverage", Static))
        assert "Done (reached): 2" in coverage and "Refused: 1" in coverage
    with read_session(engine) as s:
        statuses = sorted(o.status for o in s.exec(select(WorkOrder)))
    assert statuses.count("closed") == 3 and statuses.count("open") == 1  # the problem's new order is open


async def test_a_refusal_reaches_the_intake_card_and_a_supervisor_lifts_it(make_app, engine, agents, clock):
    with write_session(engine) as s:
        add_orders(s, agents["1001"].id, [{"n": 7, "paid": True}], start=local(2026, 11, 2, 9, 0))
        from csdesk.services import visits

        visits.draw(s, agents["2001"], "2026-11", seed=1)
        visits.queue_due(s)
    app = make_app(screen="visits")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(pilot, "1001")
        await step(pilot, screen, "f", text="别再打了")
        await pilot.press("6")
        await wait_for(pilot, lambda: screen.view == "refused" and not screen.fetching and screen.rows)
        assert "别再打了" in str(screen.query_one("#vs-list", OptionList).get_option_at_index(0).prompt)
        await pilot.press("L")  # a supervisor's key
        await pilot.pause()
        assert not isinstance(app.screen, StepScreen) and "supervisor" in text_of(screen.query_one("#vs-status"))
        app.action_goto("intake")
        from screens.intake import IntakeScreen

        await wait_for(pilot, lambda: isinstance(app.screen, IntakeScreen))
        intake_screen = app.screen
        await wait_for(pilot, lambda: bool(intake_screen.categories))
        intake_screen.query_one("#phone", Input).value = "13900000007"
        await wait_for(pilot, lambda: "refused-visit list" in str(intake_screen.query_one("#card").render()))
    app = make_app(screen="visits")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(pilot, "2001")
        await pilot.press("6")
        await wait_for(pilot, lambda: screen.view == "refused" and not screen.fetching and screen.rows)
        await step(pilot, screen, "L", text="客户同意再回访")
        await wait_for(pilot, lambda: "Lifted" in text_of(screen.query_one("#vs-status")))
        await reloaded(pilot, screen)
        assert not screen.rows[0].active and screen.rows[0].lift_reason == "客户同意再回访"


async def test_drawing_a_month_that_is_over_says_its_visits_are_due_at_once(make_app, engine, agents, clock):
    app = make_app(screen="visits")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_view(pilot, "2001")
        screen.month = "2026-10"  # as chosen with the month key
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, StepScreen))
        assert "2026-10 is over" in text_of(app.screen.query_one("#dlg-context", Static))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        screen.month = "2026-11"  # the month on now: nothing to warn of
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, StepScreen))
        assert "is over" not in text_of(app.screen.query_one("#dlg-context", Static))
