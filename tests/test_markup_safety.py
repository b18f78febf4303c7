"""What customers say is shown as typed: brackets are text, never Rich markup."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Static

from csdesk.clock import now
from csdesk.store.engine import write_session
from screens.log import LogScreen, RegisterTable
from tests.conftest import login, wait_for
from tests.test_register_data import make_contact

HOSTILE = "见[/]附件 a[b]c [red]漏水[/red] [link=x]y"


async def test_brackets_in_a_summary_show_as_typed_in_the_register(make_app, engine, agents):
    with write_session(engine) as session:
        session.add(make_contact("CT20261122-0001", now() - timedelta(minutes=5), agents["1001"].id, "1001",
                                 summary=HOSTILE, customer_name="张[b]三"))
    app = make_app(screen="log")
    async with app.run_test(size=(160, 40)) as pilot:
        await login(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, LogScreen) and app.screen.reg_page is not None
                       and app.screen.query_one(RegisterTable).row_count == 1)
        table = app.screen.query_one(RegisterTable)
        cells = [str(getattr(c, "plain", c)) for c in table.get_row_at(0)]
        assert any(cell.startswith("见[/]附件 a[b]c") for cell in cells), cells
        assert "张[b]三" in cells
        body = app.screen.query_one("#log-detail-body", Static)

        def shown() -> str:
            import io

            from rich.console import Console

            out = io.StringIO()
            Console(file=out, width=200, color_system=None).print(body.content)
            return out.getvalue()

        try:
            await wait_for(pilot, lambda: "a[b]c" in shown(), timeout=3)
        except AssertionError:
            raise AssertionError(shown()) from None
        assert "[red]漏水[/red]" in shown() and "张[b]三" in shown()
