"""A light table for one page of rows, drawn line by line (Textual's line API).

The visit log holds one page (about 100 rows) at a time and replaces it at
each page move.  Textual's ``DataTable`` measures and renders every cell into
caches that outlive the page: 60 page moves grew the console by some 12 MB, and
a page move cost a full re-measure.  This widget keeps the page as plain
strings, draws only the lines on the terminal (cut and padded by terminal cell
width, so Chinese text lines up), and repaints only the two lines a cursor move
changes.

Keys: up/down, page up/down (a whole screen of rows: the view and the cursor
move together), home/end; left/right scroll the columns sideways when they are
wider than the terminal.  When not every column fits, the flexible column
(the summary) takes what the columns before it leave, and the columns after
it are reached sideways.  At the edges it posts ``NeedPage`` so
the screen loads the neighbouring page; the screen's own bindings (letters)
pass through.  ``RowHighlighted`` is posted whenever the cursor lands on a row.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget


@dataclass
class Column:
    label: str
    width: int | None  # the most it takes (it fits its content); None: what the others leave
    min_width: int = 10  # for the column without a width
    fit: int = 0  # the widest content of the page (header included), up to ``width``

GAP = 1  # cells between columns (and before the first)


class PageTable(Widget, can_focus=True):
    """One page of rows with a header line, a row cursor and zebra stripes."""

    # When not every column fits: True, the flexible column takes what the columns before it leave and
    # the ones after it are reached sideways (the register: its summary matters most); False, every
    # column keeps at least its minimum width (F3: the status and flags after the summary stay in sight).
    FLEX_FIRST = False

    COMPONENT_CLASSES = {
        "page-table--header",
        "page-table--cursor",
        "page-table--even-row",
    }

    DEFAULT_CSS = """
    PageTable {
        background: $surface;
        color: $foreground;
        height: 1fr;
        & > .page-table--header { text-style: bold; background: $panel; color: $foreground; }
        & > .page-table--even-row { background: $surface-lighten-1 50%; }
        & > .page-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus {
            background-tint: $foreground 5%;
            & > .page-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
        &:dark > .page-table--even-row { background: $surface-darken-1 40%; }
    }
    """

    class NeedPage(Message):
        """The cursor wants to go past an edge of the page (next, prev, first, last)."""

        def __init__(self, where: str) -> None:
            super().__init__()
            self.where = where

    class RowHighlighted(Message):
        def __init__(self, table: PageTable, cursor_row: int, row_key: str | None) -> None:
            super().__init__()
            self.table, self.cursor_row, self.row_key = table, cursor_row, row_key

        @property
        def control(self) -> PageTable:
            return self.table

    cursor_row: reactive[int] = reactive(0, repaint=False, always_update=True)

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.columns: list[Column] = []
        self._rows: list[list[str]] = []
        self._keys: list[str] = []
        self._index: dict[str, int] = {}
        self._top = 0  # first row on the terminal
        self._left = 0  # first cell column on the terminal (scrolled right on narrow terminals)
        self._widths_at: tuple[int, list[int]] | None = None  # (table width, column widths)

    # ------------------------------------------------------------------ content
    def add_column(self, label: str, width: int | None = None, min_width: int = 10) -> None:
        self.columns.append(Column(label, width, min_width))
        self._fit()
        self.refresh()

    def _fit(self, rows: list[list[str]] | None = None) -> None:
        """Columns with a width take only what their content needs, up to that width.

        ``rows``: new rows that may widen the columns; None: refit to the header and every row.
        """
        fresh = rows is None
        for i, column in enumerate(self.columns):
            if column.width is None:
                continue
            cells = ([column.label] if fresh else []) + [r[i] for r in (self._rows if fresh else rows) if i < len(r)]
            column.fit = min(column.width, max([0 if fresh else column.fit, *map(cell_len, cells)]))
        self._widths_at = None

    @property
    def row_count(self) -> int:
        return len(self._rows)

    def clear(self) -> None:
        self._rows, self._keys, self._index = [], [], {}
        self._top = 0  # the columns keep their widths: they do not jump from page to page
        self.set_reactive(PageTable.cursor_row, 0)
        self.refresh()

    def add_row(self, *cells: str | Text | None, key: str) -> None:
        self._index[key] = len(self._rows)
        row = [_plain(c) for c in cells]
        self._rows.append(row)
        self._keys.append(key)
        self._fit([row])
        self.refresh()

    def get_row_at(self, row: int) -> list[Text]:
        return [Text(v) for v in self._rows[row]]

    def row_key_at(self, row: int) -> str | None:
        return self._keys[row] if 0 <= row < len(self._keys) else None

    def update_cell(self, key: str, column: int, value: str | Text) -> None:
        row = self._index.get(key)
        if row is None:
            return
        self._rows[row][column] = _plain(value)
        self._fit([self._rows[row]])
        self.refresh()

    # ------------------------------------------------------------------ cursor
    def move_cursor(self, *, row: int, animate: bool = False) -> None:
        self.cursor_row = row  # validate_cursor_row keeps it on the page

    def validate_cursor_row(self, row: int) -> int:
        return max(0, min(row, len(self._rows) - 1)) if self._rows else 0

    def watch_cursor_row(self, old: int, new: int) -> None:
        visible = self._visible_rows
        top = self._top
        if new < top:
            top = new
        elif new >= top + visible:
            top = new - visible + 1
        if top != self._top:
            self._top = top
            self.refresh()
        else:
            self._refresh_row(old)
            self._refresh_row(new)
        if self._rows:
            self.post_message(self.RowHighlighted(self, new, self._keys[new]))

    @property
    def _visible_rows(self) -> int:
        return max(1, self.size.height - 1)

    def _refresh_row(self, row: int) -> None:
        y = row - self._top + 1
        if 1 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def on_resize(self, event: events.Resize) -> None:
        if self._rows and self.cursor_row >= self._top + self._visible_rows:
            self._top = self.cursor_row - self._visible_rows + 1
        self._left = min(self._left, max(0, self._total_width(self.size.width) - self.size.width))
        self.refresh()

    # ------------------------------------------------------------------ keys and mouse
    def on_key(self, event: events.Key) -> None:
        # keys it takes stop here (prevent_default: Textual's own key handling does not run);
        # any other key goes on to Widget's handler and the screen's bindings
        if event.key in ("left", "right"):
            event.stop()
            event.prevent_default()
            self._scroll_sideways(1 if event.key == "right" else -1)
            return
        step = {"down": 1, "up": -1}.get(event.key)
        page = {"pagedown": 1, "pageup": -1}.get(event.key)
        where = {"home": "first", "ctrl+home": "first", "end": "last", "ctrl+end": "last"}.get(event.key)
        if step is None and page is None and where is None:
            return
        event.stop()
        event.prevent_default()
        if where is not None:
            self.post_message(self.NeedPage(where))
        elif page is not None:
            self._page(page)
        else:
            self._step(step)

    def _page(self, direction: int) -> None:
        """PgDn/PgUp: the view moves a whole screen of rows and the cursor with it (it keeps its
        line on the screen); on the last (first) row of the page, the next (previous) page."""
        if not self._rows:
            return
        last = len(self._rows) - 1
        if (direction > 0 and self.cursor_row >= last) or (direction < 0 and self.cursor_row <= 0):
            self._step(direction)
            return
        visible = self._visible_rows
        self._top = max(0, min(max(0, len(self._rows) - visible), self._top + direction * visible))
        self.cursor_row = max(0, min(last, self.cursor_row + direction * visible))
        self.refresh()

    def _step(self, step: int) -> None:
        """Move the cursor ``step`` rows; from the last (first) row onwards, ask for the next (previous) page."""
        if not self._rows:
            return
        if step > 0 and self.cursor_row >= len(self._rows) - 1:
            self.post_message(self.NeedPage("next"))
        elif step < 0 and self.cursor_row <= 0:
            self.post_message(self.NeedPage("prev"))
        else:
            self.cursor_row = self.cursor_row + step  # validate_cursor_row keeps it on the page

    def on_click(self, event: events.Click) -> None:
        row = self._top + event.y - 1
        if event.y >= 1 and 0 <= row < len(self._rows):
            self.cursor_row = row

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self._step(3)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self._step(-3)

    def _scroll_sideways(self, direction: int) -> None:
        """Left/right: one column at a time, while the columns are wider than the table."""
        width = self.size.width
        edges, x = [0], 0
        for w in self._widths(width):
            x += GAP + w
            edges.append(x)
        x += GAP
        furthest = max(0, x - width)
        if direction > 0:
            left = min(furthest, next((e for e in edges if e > self._left), furthest))
        else:
            left = max((e for e in edges if e < self._left), default=0)
        if left != self._left:
            self._left = left
            self.refresh()

    # ------------------------------------------------------------------ drawing
    def _widths(self, total: int) -> list[int]:
        if self._widths_at is None or self._widths_at[0] != total:  # once per page and table width
            fixed = sum(c.fit for c in self.columns if c.width is not None)
            flex = [c for c in self.columns if c.width is None]
            spare = max(0, total - fixed - GAP * (len(self.columns) + 1))
            share = spare // len(flex) if flex else 0
            if self.FLEX_FIRST and flex and share < min(c.min_width for c in flex):
                # not everything fits: the flexible columns fill the screen after the columns before
                # them; the ones after them are off to the right (reached with →)
                first = next(i for i, c in enumerate(self.columns) if c.width is None)
                lead = sum(c.fit for c in self.columns[:first]) + GAP * (first + 1)
                share = max(0, total - lead - GAP * len(flex)) // len(flex)
            self._widths_at = (total, [c.fit if c.width is not None else max(c.min_width, share)
                                       for c in self.columns])
        return self._widths_at[1]

    def _total_width(self, width: int) -> int:
        return sum(self._widths(width)) + GAP * (len(self.columns) + 1)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y == 0:
            style = base + self.get_component_rich_style("page-table--header")
            strip = self._strip([c.label for c in self.columns], style, width)
            # columns cut off at either side: say so at that edge of the header
            if self._left > 0:
                strip = Strip.join([Strip([Segment("‹", style)], 1), strip.crop(1, width)])
            if self._total_width(width) - self._left > width:
                strip = Strip.join([strip.crop(0, width - 1), Strip([Segment("›", style)], 1)])
            return strip
        row = self._top + y - 1
        if row >= len(self._rows):
            return Strip([Segment(" " * width, base)], width)
        if row == self.cursor_row:
            style = base + self.get_component_rich_style("page-table--cursor")
        elif row % 2:
            style = base + self.get_component_rich_style("page-table--even-row")
        else:
            style = base
        return self._strip(self._rows[row], style, width, row)

    STYLED_COLUMNS: tuple[int, ...] = ()
    """Columns whose cells may carry a style of their own (:meth:`cell_style`); none by default."""

    def cell_style(self, row: int, column: int) -> Style | None:
        """A style laid over one cell of a styled column (a subclass colours, e.g., a countdown)."""
        return None

    def _strip(self, values: list[str], style: Style, width: int, row: int | None = None) -> Strip:
        gap = " " * GAP
        parts = [gap]
        styled: list[Segment] | None = [] if row is not None and self.STYLED_COLUMNS else None
        for column, (value, w) in enumerate(zip(values, self._widths(width), strict=False)):
            if cell_len(value) > w:  # cut, and say so
                value = set_cell_size(value, w - 1).rstrip(" ") + "…"
            cell = set_cell_size(value, w)
            extra = self.cell_style(row, column) if styled is not None and column in self.STYLED_COLUMNS else None
            if extra is not None:
                styled.append(Segment("".join(parts), style))
                styled.append(Segment(cell, style + extra))
                parts = [gap]
            else:
                parts.append(cell + gap)
        if styled:
            styled.append(Segment("".join(parts), style))
            strip = Strip(styled)
        else:
            strip = Strip([Segment("".join(parts), style)])
        if self._left:
            strip = strip.crop(self._left, self._left + width)
        return strip.adjust_cell_length(width, style)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._rows) + 1


def _plain(value: str | Text | None) -> str:
    if value is None:
        return ""
    text = value.plain if isinstance(value, Text) else str(value)
    return text.replace("\n", " ").replace("\r", " ").replace("\t", " ")
