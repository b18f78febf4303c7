"""The overview: who is at the desk, today's figures, and where to go next."""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from csdesk.i18n import _
from screens.errors import WorkerErrors
from screens.widgets import DeskFooter, DeskHeader


class HomeScreen(WorkerErrors, Screen):
    CSS_PATH = Path(__file__).with_suffix(".tcss")
    BINDINGS = [
        Binding("r", "reload", _("Refresh"), id="home.refresh"),
        Binding("c", "app.goto('complaints')", _("Complaints"), id="home.complaints"),
        Binding("v", "app.goto('visits')", _("Return visits"), id="home.visits"),
    ]

    class Loaded(Message):
        def __init__(self, summary) -> None:
            super().__init__()
            self.summary = summary

    def compose(self) -> ComposeResult:
        yield DeskHeader()
        with Vertical(id="home-body"):
            yield Static("", id="home-welcome")
            yield Static(_("Loading today's figures…"), id="home-figures", markup=False)
            yield Static("", id="home-keys")
        yield DeskFooter()

    def on_mount(self) -> None:
        agent = self.app.agent
        self.query_one(DeskHeader).title = _("Overview")
        self.query_one("#home-welcome", Static).update(
            _("Welcome, {name}. Staff no. {staff_no}.").format(name=agent.name, staff_no=agent.staff_no))
        from screens.app import DESK_MODES

        keys = [f"{(m.key or m.home_key).upper()}  {_(m.title)}" for m in DESK_MODES if m.name in self.app.modes_ready]
        keys.append(_("Ctrl+L  lock the screen · Ctrl+P  command palette · Ctrl+Q  quit"))
        self.query_one("#home-keys", Static).update("\n".join(keys))
        self.action_reload()

    def on_screen_resume(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, group="home-figures", exit_on_error=False)
    def _load(self) -> None:
        from csdesk.services.reports import desk_summary

        with self.app.db_read() as session:
            summary = desk_summary(session, self.app.agent.id)
        self.post_message(self.Loaded(summary))

    def worker_error(self, worker, line: str) -> None:
        self.query_one("#home-figures", Static).update(line)  # r tries again

    def on_home_screen_loaded(self, message: Loaded) -> None:
        s = message.summary
        lines = [
            _("Contacts today: {n} (yours: {mine})").format(n=s.contacts_today, mine=s.my_contacts_today),
            _("Open work orders: {n}, overdue: {overdue}").format(n=s.open_orders, overdue=s.overdue_orders),
            _("Your call-backs due within the hour: {n}").format(n=s.my_due_callbacks),
            _("Escalations waiting for a supervisor: {n}").format(n=s.open_escalations),
        ]
        self.query_one("#home-figures", Static).update("\n".join(lines))
