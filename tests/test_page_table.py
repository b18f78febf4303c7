"""The register's page table (screens/page_table.py), driven by keys as a person would."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import App, ComposeResult

from screens.page_table import PageTable

ROWS = [
    ("2026-11-22 09:00", "来电", "张三", "厨房水龙头漏水，楼下天花板有水渍"),
    ("2026-11-22 08:30", "来访", "Li Lei", "a[b]c [/] [bold]not bold[/bold]"),
    ("2026-11-22 08:00", "在线", "欧阳娜娜", "电梯"),
]


class Host(App):
    def __init__(self, rows=ROWS, many: int = 0) -> None:
        super().__init__()
        self.rows = list(rows) + [(f"2026-11-21 {i:05d}", "来电", f"客户{i}", f"第{i}行") for i in range(many)]
        self.highlighted: list[str | None] = []
        self.need: list[str] = []

    def compose(self) -> ComposeResult:
        yield PageTable()

    def on_mount(self) -> None:
        table = self.query_one(PageTable)
        for label, width in (("时间", 16), ("渠道", 10), ("客户", 8), ("问题描述", None)):
            table.add_column(label, width=width, min_width=12)
        for i, row in enumerate(self.rows):
            table.add_row(*row, key=str(i))
        table.move_cursor(row=0)
        table.focus()

    def on_page_table_row_highlighted(self, event: PageTable.RowHighlighted) -> None:
        self.highlighted.append(event.row_key)

    def on_page_table_need_page(self, event: PageTable.NeedPage) -> None:
        self.need.append(event.where)


def line(app: App, y: int) -> str:
    return app.query_one(PageTable).render_line(y).text


async def test_rows_line_up_whatever_the_script():
    app = Host()
    async with app.run_test(size=(80, 10)) as pilot:
        await pilot.pause()
        header, first, second, third = (line(app, y) for y in range(4))
        assert "时间" in header and "问题描述" in header
        # every line is exactly the table's width in terminal cells, CJK counted as two
        assert {cell_len(text) for text in (header, first, second, third)} == {80}
        # the customer column starts at the same cell on every line
        starts = {cell_len(text[: text.index(name)]) for text, name in ((first, "张三"), (second, "Li Lei"),
                                                                          (third, "欧阳娜娜"))}
        assert starts == {cell_len(header[: header.index("客户")])}


async def test_text_is_shown_as_typed_never_read_as_markup():
    app = Host()
    async with app.run_test(size=(100, 10)) as pilot:
        await pilot.pause()
        assert "a[b]c [/] [bold]not bold[/bold]" in line(app, 2)
        assert app.query_one(PageTable).get_row_at(1)[3].plain == "a[b]c [/] [bold]not bold[/bold]"


async def test_a_long_cell_is_cut_with_an_ellipsis():
    app = Host()
    async with app.run_test(size=(50, 10)) as pilot:  # the summary gets the 17 cells left
        await pilot.pause()
        text = line(app, 1)
        assert "厨房水龙头漏水，… " in text  # 16 cells of text, the ellipsis, the gap
        assert "楼下天花板" not in text


async def test_columns_take_the_width_their_content_needs():
    app = Host()
    async with app.run_test(size=(80, 10)) as pilot:
        await pilot.pause()
        # the channel column may take 10 cells, but 来电 and its header need 4: one gap, then the customer
        assert " 来电 张三 " in line(app, 1)
        assert " 渠道 客户 " in line(app, 0)
        # a longer name widens the customer column (up to its 8 cells) for the whole page
        table = app.query_one(PageTable)
        table.add_row("2026-11-20 10:00", "来访", "欧阳娜娜娜娜", "x", key="long")
        await pilot.pause()
        assert " 张三     " in line(app, 1)  # 张三 padded to 8 cells
        table.clear()  # the next page: the columns keep their widths, they do not jump
        table.add_row("2026-11-20 10:00", "来访", "王", "x", key="short")
        await pilot.pause()
        assert " 来访 王       x" in line(app, 1)


async def test_arrows_move_the_cursor_and_announce_the_row():
    app = Host()
    async with app.run_test(size=(80, 10)) as pilot:
        table = app.query_one(PageTable)
        await pilot.press("down", "down")
        assert table.cursor_row == 2
        await pilot.press("up")
        assert table.cursor_row == 1
        await pilot.pause()
        assert app.highlighted[-1] == "1"
        assert set(app.highlighted) == {"0", "1", "2"}


async def test_past_the_edges_the_table_asks_for_the_neighbouring_page():
    app = Host()
    async with app.run_test(size=(80, 10)) as pilot:
        table = app.query_one(PageTable)
        await pilot.press("up")  # at the top row
        await pilot.press("down", "down", "down")  # the third down is past the bottom row
        await pilot.press("end", "home")
        await pilot.pause()
        assert table.cursor_row == 2
        assert app.need == ["prev", "next", "last", "first"]


async def test_page_down_scrolls_the_rows_and_keeps_the_cursor_on_the_terminal():
    app = Host(many=60)
    async with app.run_test(size=(80, 12)) as pilot:  # a header and 11 rows on the terminal
        table = app.query_one(PageTable)
        await pilot.press("pagedown")
        assert table.cursor_row == 11
        await pilot.pause()
        on_terminal = [line(app, y) for y in range(1, 12)]
        assert any("客户8 " in text for text in on_terminal)  # row 11 is the 9th of the extra rows
        assert not any("张三" in text for text in on_terminal)  # the first row has scrolled away
        await pilot.press("pageup", "pageup")
        assert table.cursor_row == 0
        assert "张三" in line(app, 1)


async def test_the_first_page_down_moves_a_whole_screen_of_rows():
    app = Host(many=60)
    async with app.run_test(size=(80, 12)) as pilot:  # a header and 11 rows on the terminal
        table = app.query_one(PageTable)
        await pilot.press("down", "down")  # the cursor on the third line of the screen
        await pilot.press("pagedown")
        await pilot.pause()
        # the view moved 11 rows and the cursor with it: still on the third line, now row 13
        assert table.cursor_row == 13
        assert "客户8 " in line(app, 1) and "客户10 " in line(app, 3)
        await pilot.press("pagedown", "pagedown")
        await pilot.pause()
        assert table.cursor_row == 35 and "客户30 " in line(app, 1)
        await pilot.press("pageup")
        await pilot.pause()
        assert table.cursor_row == 24 and "客户19 " in line(app, 1)
        await pilot.press("pagedown", "pagedown", "pagedown", "pagedown")  # to the page's last row
        await pilot.pause()
        assert table.cursor_row == 62 and app.need == []
        await pilot.press("pagedown")  # and past it: the next page
        assert app.need == ["next"]
        assert "客户59" in line(app, 11)  # the last row at the bottom of the screen, not alone at the top


class FlexFirst(PageTable):
    FLEX_FIRST = True  # as the register's table


class Wide(App):
    """The register's shape: columns after the summary (agent, linked number)."""

    def compose(self) -> ComposeResult:
        yield FlexFirst()

    def on_mount(self) -> None:
        table = self.query_one(FlexFirst)
        for label, width in (("时间", 16), ("客户", 8), ("问题描述", None), ("客服", 6), ("关联单号", 16)):
            table.add_column(label, width=width, min_width=20)
        for i, (when, _chan, name, summary) in enumerate(ROWS):
            table.add_row(when, name, summary, "1001", "WO20261122-0007", key=str(i))


async def test_when_not_every_column_fits_the_summary_fills_the_screen():
    app = Wide()
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        # time 16 + customer 8 + gaps: the summary takes the rest of the 60 cells; agent and order are off
        assert "厨房水龙头漏水，楼下天花板有水渍" in line(app, 1)  # not cut to its 20-cell minimum
        assert "1001" not in line(app, 1) and line(app, 0).endswith("›")
    app = Wide()
    async with app.run_test(size=(100, 10)) as pilot:  # everything fits: the summary takes what is left
        await pilot.pause()
        assert "WO20261122-0007" in line(app, 1) and "厨房水龙头漏水，楼下天花板有水渍" in line(app, 1)
    app = Wide()
    async with app.run_test(size=(60, 10)) as pilot:  # a table that keeps the columns after it in sight
        app.query_one(FlexFirst).FLEX_FIRST = False
        app.query_one(FlexFirst)._widths_at = None
        app.query_one(FlexFirst).refresh()
        await pilot.pause()
        assert "1001" in line(app, 1)


async def test_a_click_picks_the_row():
    app = Host()
    async with app.run_test(size=(80, 10)) as pilot:
        await pilot.click(PageTable, offset=(5, 3))  # header on line 0: line 3 is the third row
        assert app.query_one(PageTable).cursor_row == 2


async def test_on_a_narrow_terminal_right_and_left_scroll_the_columns():
    app = Host()
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        assert "问题描述" not in line(app, 0)
        assert line(app, 0).endswith("›")  # more columns to the right
        await pilot.press("right", "right", "right")
        await pilot.pause()
        assert "问题描述" in line(app, 0)
        assert "电梯" in line(app, 3)
        assert "时间" not in line(app, 0)
        assert line(app, 0).startswith("‹")  # and now some to the left
        await pilot.press("left", "left", "left")
        await pilot.pause()
        assert line(app, 0).startswith(" 时间")


async def test_update_cell_changes_one_cell_and_clear_empties_the_table():
    app = Host()
    async with app.run_test(size=(80, 10)) as pilot:
        table = app.query_one(PageTable)
        table.update_cell("2", 2, "欧阳")
        table.update_cell("no such row", 2, "x")  # a row that has moved on: nothing happens
        await pilot.pause()
        assert "欧阳 " in line(app, 3) and "娜娜" not in line(app, 3)
        table.clear()
        await pilot.pause()
        assert table.row_count == 0
        await pilot.press("down")  # nothing to move over, nothing asked
        assert app.need == [] and line(app, 1).strip() == ""


async def test_the_mouse_wheel_moves_three_rows_and_pages_at_the_edges():
    from textual import events

    app = Host()  # three rows
    async with app.run_test(size=(80, 10)) as pilot:
        table = app.query_one(PageTable)

        async def wheel(event_type) -> None:
            await pilot._post_mouse_events([event_type], PageTable, offset=(5, 2))  # Pilot has no wheel helper
            await pilot.pause()

        await wheel(events.MouseScrollUp)  # on the first row: the previous page
        await wheel(events.MouseScrollDown)  # three rows down, kept on the page's last row
        assert table.cursor_row == 2
        await wheel(events.MouseScrollDown)  # on the last row: the next page
        assert table.cursor_row == 2
        assert app.need == ["prev", "next"]
