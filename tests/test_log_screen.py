"""The visit log screen (Pilot): first page, paging past either end, every filter by
its key, every search kind from the box, detail pane and links, masking and an
audited reveal, live refresh from another connection, export with progress."""

from __future__ import annotations

import pytest
from textual.widgets import Input, OptionList, Static

from screens.log import LogScreen, RegisterTable
from tests.conftest import login, wait_for
from tests.test_register_data import add_filler, seed


@pytest.fixture
def data(engine, agents):
    return seed(engine, agents)


async def open_log(pilot, staff_no: str = "1001") -> LogScreen:
    await login(pilot, staff_no)
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, LogScreen) and app.screen.reg_page is not None
                   and not app.screen.page_loading)
    return app.screen


def table_ids(screen: LogScreen) -> list[int]:
    return [r.id for r in screen.reg_page.rows]


def status(screen: LogScreen) -> str:
    return str(screen.query_one("#log-status", Static).render())


def text_of(widget) -> str:
    """What a widget shows, as plain text (renders Rich tables too)."""
    import io

    from rich.console import Console

    console = Console(width=100, file=io.StringIO(), record=True)
    console.print(widget.content)
    return console.export_text()


def filters_text(screen: LogScreen) -> str:
    return str(screen.query_one("#log-filters", Static).render())


async def settle(pilot, screen: LogScreen) -> None:
    await wait_for(pilot, lambda: not screen.page_loading and screen.total is not None)


async def test_first_page_newest_first_masked_with_position(make_app, data):
    app = make_app(screen="log")
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_log(pilot)
        await settle(pilot, screen)
        assert table_ids(screen) == [data[k] for k in ("zhangsan", "lisi", "wangwei", "english", "october")]
        table = screen.query_one(RegisterTable)
        assert table.row_count == 5
        assert table.get_row_at(0)[3].plain == "138****8000"
        assert status(screen) == "rows 1–5 of 5"
        # the detail pane follows the cursor
        await wait_for(pilot, lambda: screen.detail is not None and screen.detail.id == data["zhangsan"])


async def test_paging_past_either_end(make_app, engine, agents, data, monkeypatch):
    monkeypatch.setenv("CSDESK_PAGE_SIZE", "20")  # page_size in the settings: rows per page
    add_filler(engine, agents, 45)
    app = make_app(screen="log")
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_log(pilot)
        await settle(pilot, screen)
        table = screen.query_one(RegisterTable)
        first_page = table_ids(screen)
        assert table.row_count == 20 and status(screen) == "rows 1–20 of 50"
        table.move_cursor(row=19)
        await pilot.press("down")  # past the bottom: the next page, cursor on its first row
        await wait_for(pilot, lambda: table_ids(screen) != first_page and not screen.page_loading)
        await settle(pilot, screen)
        assert status(screen) == "rows 21–40 of 50"
        assert table.cursor_row == 0
        second = table_ids(screen)
        await pilot.press("down", "down")
        await pilot.press("pagedown", "pagedown")  # to the bottom, then the last page
        await wait_for(pilot, lambda: table_ids(screen) != second and not screen.page_loading)
        assert table.row_count == 10 and status(screen).startswith("rows 41–50 of 50")
        table.move_cursor(row=0)
        await pilot.press("up")  # past the top: the previous page, cursor on its last row
        await wait_for(pilot, lambda: table_ids(screen) == second and not screen.page_loading)
        assert table.cursor_row == 19 and status(screen) == "rows 21–40 of 50"
        await pilot.press("ctrl+home")
        await wait_for(pilot, lambda: table_ids(screen) == first_page)
        await pilot.press("ctrl+end")
        await wait_for(pilot, lambda: table_ids(screen) != first_page and not screen.page_loading)
        await settle(pilot, screen)
        assert status(screen) == "rows 31–50 of 50"


async def pick(pilot, screen, key: str, option_id: str) -> None:
    await pilot.press(key)
    app = pilot.app
    await wait_for(pilot, lambda: app.screen is not screen and app.screen.query(OptionList))
    ol = app.screen.query_one(OptionList)
    ids = [ol.get_option_at_index(i).id for i in range(ol.option_count)]
    ol.highlighted = ids.index(option_id)
    await pilot.press("enter")
    await wait_for(pilot, lambda: app.screen is screen)
    await settle(pilot, screen)


async def test_each_filter_by_its_key_shown_cleared_and_exported(make_app, data, agents, tmp_path):
    from openpyxl import load_workbook

    from screens.log_dialogs import ExportScreen

    app = make_app(screen="log")
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_log(pilot)
        await settle(pilot, screen)
        await pick(pilot, screen, "c", "walk_in")
        assert table_ids(screen) == [data["lisi"]] and "walk-in" in filters_text(screen)
        await pick(pilot, screen, "c", "__any__")  # "(any)" lifts one filter
        assert len(table_ids(screen)) == 5
        await pick(pilot, screen, "g", "repair")
        assert table_ids(screen) == [data["zhangsan"], data["lisi"]]
        assert "Repair request" in filters_text(screen)
        await pick(pilot, screen, "u", "critical")
        assert table_ids(screen) == [data["lisi"]] and "critical" in filters_text(screen)
        await pilot.press("x")
        await settle(pilot, screen)
        assert len(table_ids(screen)) == 5 and "all contacts" in filters_text(screen)
        await pick(pilot, screen, "o", "referred")
        assert table_ids(screen) == [data["english"]]
        await pilot.press("x")
        await pick(pilot, screen, "a", str(agents["2001"].id))
        assert table_ids(screen) == [data["lisi"], data["english"]] and "2001" in filters_text(screen)
        await pilot.press("x")
        await pilot.press("p")
        await settle(pilot, screen)
        assert table_ids(screen) == [data["zhangsan"]] and "open only" in filters_text(screen)
        await pilot.press("x")
        # dates: a custom range through its own dialog
        await pilot.press("d")
        await wait_for(pilot, lambda: app.screen.query(OptionList))
        ol = app.screen.query_one(OptionList)
        ol.highlighted = [ol.get_option_at_index(i).id for i in range(ol.option_count)].index("custom")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.query("#dr-from"))
        app.screen.query_one("#dr-from", Input).value = "2026-11-18"
        app.screen.query_one("#dr-to", Input).value = "2026-11-19"
        app.screen.query_one("#dr-to", Input).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen)
        await settle(pilot, screen)
        assert table_ids(screen) == [data["lisi"], data["wangwei"]]
        assert "2026-11-18–2026-11-19" in filters_text(screen)
        # combined with a category, and with a search
        await pick(pilot, screen, "g", "inquiry")
        assert table_ids(screen) == [data["wangwei"]]
        await pick(pilot, screen, "d", "month")  # the named periods (their bounds: test_register_search)
        assert screen.query_model.period == "month" and screen.query_model.start is not None
        assert "this month" in filters_text(screen)
        # export the current filter from the screen
        await pilot.press("x")
        await pick(pilot, screen, "g", "repair")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
        target = tmp_path / "repairs.xlsx"
        app.screen.query_one("#ex-path", Input).value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen)
        await wait_for(pilot, lambda: "Exported" in status(screen))
        assert not screen.query_one("#log-progress").display  # shown while it ran, hidden after
    rows = list(load_workbook(target).active.values)
    assert rows[0][0] == "Number"
    assert [r[0] for r in rows[1:]] == ["CT20261120-9000", "CT20261119-9001"]
    from csdesk.services.register import EXPORT_COLUMNS

    assert rows[1][[c.key for c in EXPORT_COLUMNS].index("phone")] == "138****8000"


SEARCHES = [
    ("13800138000", ["zhangsan"]), ("8000", ["zhangsan", "october"]), ("张三", ["zhangsan"]),
    ("zs", ["zhangsan"]), ("3-2-1201", ["zhangsan"]), ("漏水", ["zhangsan"]), ("天花板渗水", ["zhangsan"]),
    ("elevator", ["english"]), ("停电", ["wangwei"]),
]


async def test_search_box_kinds_and_hostile_input(make_app, data):
    app = make_app(screen="log")
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_log(pilot)
        box = screen.query_one("#log-search", Input)
        for typed, expected in SEARCHES:
            await pilot.press("slash")
            assert screen.focused is box
            box.value = typed
            await pilot.press("enter")
            await wait_for(pilot, lambda: screen.query_model.search == typed)
            await settle(pilot, screen)
            assert table_ids(screen) == [data[k] for k in expected], typed
            assert screen.focused is screen.query_one(RegisterTable)
        # hostile input: a clear "nothing found", never an error
        for typed in ['"%_', 'NEAR(漏水 电梯) AND *', "'; DROP TABLE contact; --", "x" * 10_000]:
            box.value = typed
            box.focus()
            await pilot.press("enter")
            await wait_for(pilot, lambda: screen.query_model.search == typed)
            await settle(pilot, screen)
            assert table_ids(screen) == [] and status(screen).startswith("Nothing found.")


async def test_detail_pane_and_links_open_the_records(make_app, engine, agents, data):
    from csdesk.clock import local
    from csdesk.store.engine import write_session
    from csdesk.store.models import Callback, Complaint, Contact, WorkOrder
    from screens.log_dialogs import ChoiceScreen, RecordScreen

    with write_session(engine) as s:
        wo = WorkOrder(number="WO20261120-0001", customer_name="张三", description="修水管",
                       deadline_at=local(2026, 11, 20, 11, 15), owner_id=agents["1001"].id,
                       created_by_id=agents["1001"].id)
        cp = Complaint(number="CP20261120-0001", customer_name="张三", about="维修太慢")
        s.add(wo)
        s.add(cp)
        s.flush()
        c = s.get(Contact, data["zhangsan"])
        c.work_order_id, c.complaint_id = wo.id, cp.id
        s.add(Callback(kind="promised_reply", due_at=local(2026, 11, 20, 10, 15), contact_id=c.id,
                       customer_name="张三", phone="13800138000"))
    app = make_app(screen="log")
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_log(pilot)
        await wait_for(pilot, lambda: screen.detail is not None and len(screen.query(".log-link")) == 3)
        body = text_of(screen.query_one("#log-detail-body", Static))
        assert "CT20261120-9000" in body and "2. 通知工程部上门" in body and "138****8000" in body
        assert screen.detail.handling_steps[1] == "2. 通知工程部上门"
        assert screen.query_one(RegisterTable).get_row_at(0)[10].plain == "WO20261120-0001"
        # a link button opens the work order
        await pilot.click(f"#link-work_order-{screen.detail.links[0].id}")
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen))
        assert app.screen.record.title == "Work order WO20261120-0001"
        assert ("To do", "修水管") in app.screen.record.fields
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        # the key: several links -> a picker; pick the call-back
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        ol = app.screen.query_one(OptionList)
        ol.highlighted = 2
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RecordScreen))
        assert app.screen.record.kind == "callback"
        assert ("Phone", "138****8000") in app.screen.record.fields
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        # move to a contact without links: the key says so
        screen.query_one(RegisterTable).focus()
        await pilot.press("down")
        await wait_for(pilot, lambda: screen.detail is not None and screen.detail.id == data["lisi"])
        await pilot.press("l")
        await pilot.pause()
        assert "no linked" in status(screen)


async def test_reveal_is_deliberate_and_audited(make_app, engine, data, agents):
    from sqlmodel import select

    from csdesk.store.engine import read_session
    from csdesk.store.models import AuditLog
    from screens.log_dialogs import ConfirmScreen

    app = make_app(screen="log")
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_log(pilot, "1001")
        table = screen.query_one(RegisterTable)
        assert table.get_row_at(0)[3].plain == "138****8000"
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("escape")  # changed their mind: nothing shown, nothing recorded
        await wait_for(pilot, lambda: app.screen is screen)
        assert table.get_row_at(0)[3].plain == "138****8000"
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: table.get_row_at(0)[3].plain == "13800138000")
        await wait_for(pilot, lambda: "13800138000" in text_of(screen.query_one("#log-detail-body", Static)))
    with read_session(engine) as s:
        rows = s.exec(select(AuditLog).where(AuditLog.action == "reveal_phone")).all()
        assert len(rows) == 1
        assert rows[0].agent_id == agents["1001"].id and rows[0].entity_id == data["zhangsan"]


async def test_supervisor_sees_full_numbers_without_reveal(make_app, data):
    app = make_app(screen="log")
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_log(pilot, "2001")
        assert screen.query_one(RegisterTable).get_row_at(0)[3].plain == "13800138000"
        assert screen.check_action("reveal", ()) is False  # hidden from the footer too


async def test_live_refresh_from_another_connection_keeps_the_selection(make_app, db_path, data, agents):
    from csdesk.clock import local
    from csdesk.store.engine import make_engine, write_session
    from tests.test_register_data import make_contact

    app = make_app(screen="log")
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_log(pilot)
        await settle(pilot, screen)
        table = screen.query_one(RegisterTable)
        table.move_cursor(row=1)
        await wait_for(pilot, lambda: screen.selected_id() == data["lisi"])
        await wait_for(pilot, lambda: screen._data_version is not None)  # the feed's first version is known
        other = make_engine(str(db_path))  # another terminal
        with write_session(other) as s:
            s.add(make_contact("CT20261122-0001", local(2026, 11, 22, 9, 0), agents["1001"].id, "1001",
                               customer_name="新客户", summary="新来电"))
        other.dispose()
        await wait_for(pilot, lambda: table.row_count == 6, timeout=3.0)  # within 2 s (+ slack)
        assert screen.reg_page.rows[0].number == "CT20261122-0001"
        assert screen.selected_id() == data["lisi"]  # still on the same contact
        await settle(pilot, screen)
        assert status(screen) == "rows 1–6 of 6"


async def test_on_a_narrow_terminal_the_detail_pane_gives_way_to_the_summary(make_app, data):
    app = make_app(screen="log")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_log(pilot)
        table = screen.query_one(RegisterTable)
        header = lambda: table.render_line(0).text  # noqa: E731
        assert "Summary" not in header() and header().endswith("›")  # cut off: more to the right
        await pilot.press("i")  # hide the detail pane
        await wait_for(pilot, lambda: "Summary" in header())
        assert table.size.width == 120
        await pilot.press("i")  # and back
        await wait_for(pilot, lambda: screen.query_one("#log-side").display and "Summary" not in header())


async def test_log_fits_a_140_column_terminal_and_its_keys_say_what_they_do(make_app, engine, agents, data):
    """At 140 columns beside the detail pane: name, category and outcome readable; the detail pane
    holds a long summary whole and scrolls; ``x`` clears the search too; the reveal dialog shows its keys."""
    from textual.containers import VerticalScroll
    from textual.widgets import Button

    from csdesk.clock import local
    from csdesk.store.engine import write_session
    from screens.log_dialogs import ConfirmScreen
    from tests.test_register_data import make_contact

    long_summary = "".join(f"第{i}句：住户反映楼道灯不亮，已多次报修。" for i in range(30))
    with write_session(engine) as s:
        s.add(make_contact("CT20261121-0001", local(2026, 11, 21, 9, 0), agents["1001"].id, "1001",
                           customer_name="赵长文", summary=long_summary))
    app = make_app(screen="log")
    async with app.run_test(size=(140, 30)) as pilot:
        screen = await open_log(pilot)
        await settle(pilot, screen)
        table = screen.query_one(RegisterTable)
        header = table.render_line(0).text
        assert all(h in header for h in ("Name", "Type", "Handled", "Phone"))
        zhangsan = table.render_line(2).text  # the long one is newest, then 张三
        assert "张三" in zhangsan and "work order" in zhangsan and "Plumbing" in zhangsan
        # the detail pane: every character of the long summary, wrapped; the pane scrolls
        await wait_for(pilot, lambda: screen.detail is not None and screen.detail.summary == long_summary)
        body = text_of(screen.query_one("#log-detail-body", Static))
        assert "第29句" in body and "".join(body.split()).count("已多次报修") == 30
        side = screen.query_one("#log-detail", VerticalScroll)
        await wait_for(pilot, lambda: side.max_scroll_y > 0)
        # x clears the search box and the search, not only the filters
        box = screen.query_one("#log-search", Input)
        box.value = "张三"
        box.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.query_model.search == "张三")
        await settle(pilot, screen)
        assert len(table_ids(screen)) == 1
        await pilot.press("x")
        await wait_for(pilot, lambda: screen.query_model.search == "")
        await settle(pilot, screen)
        assert box.value == "" and len(table_ids(screen)) == 6
        # the reveal dialog says which key does what (on 张三's row: a masked number)
        table.focus()
        await pilot.press("down")
        await wait_for(pilot, lambda: screen.selected_id() == data["zhangsan"])
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        labels = [str(b.label) for b in app.screen.query(Button)]
        assert any("(Y)" in x for x in labels) and any("(Esc)" in x for x in labels)
        await pilot.press("escape")
