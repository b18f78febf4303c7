"""The login screen: painted first, while the database opens behind it.

On a database with no accounts it offers to create the first manager account
instead of a login nobody can pass.
"""

from __future__ import annotations

from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Input, Label, Static

from csdesk.i18n import _
from screens.errors import WorkerErrors
from screens.messages import LoginResult
from screens.widgets import DeskFooter


class LoginScreen(WorkerErrors, Screen):
    # login.tcss is the App's own stylesheet (screens/app.py): a screen's CSS_PATH
    # is parsed when the screen is pushed, re-parsing the whole stylesheet
    # between start-up and the first paint.
    BINDINGS = [
        Binding("ctrl+q", "app.quit", _("Quit"), id="login.quit"),
        # Enter moves on (or logs in) at once, before the next key is handled: as a message it came
        # after the keys typed with it, which then landed in the field it left
        Binding("enter", "enter", _("Log in"), id="login.enter", priority=True),
    ]
    AUTO_FOCUS = "#staff-no"

    def __init__(self, staff_no: str | None = None, demo: bool = False) -> None:
        super().__init__()
        self._staff_no = staff_no or ""
        self._demo = demo
        self.creating_first = False
        self.submit_when_open = False  # Enter came before the database was open: log in once it is

    def compose(self) -> ComposeResult:
        with Center(id="login-center"):
            with Vertical(id="login-box"):
                yield Static(_("csdesk · service desk console"), id="login-title")
                yield Static(_("Opening the database…"), id="login-status", markup=False)
                yield Label(_("Staff no."), id="staff-no-label")
                yield Input(self._staff_no, placeholder=_("e.g. 1001"), id="staff-no", max_length=16)
                yield Label(_("Name"), id="name-label", classes="first-only")
                yield Input(placeholder=_("the first manager's name"), id="name", max_length=32, classes="first-only")
                yield Label(_("Password"), id="password-label")
                yield Input(password=True, id="password", max_length=128)
                yield Label(_("Repeat the password"), id="confirm-label", classes="first-only")
                yield Input(password=True, id="confirm", max_length=128, classes="first-only")
                yield Static("", id="login-error", markup=False)
                yield Button(_("Log in"), id="login-button", variant="primary")
                if self._demo:
                    yield Static(_("Demo accounts: 1001 agent, 2001 supervisor, 9001 manager; password: demo"),
                                 id="demo-hint")
        yield DeskFooter()

    def on_mount(self) -> None:
        self.query_one("#login-button", Button).disabled = True
        if self._staff_no:
            self.query_one("#password", Input).focus()

    # -- called by the app once the database is open
    def database_ready(self, has_accounts: bool) -> None:
        status = self.query_one("#login-status", Static)
        self.creating_first = not has_accounts
        self.set_class(self.creating_first, "-first-account")
        button = self.query_one("#login-button", Button)
        button.disabled = False
        if self.creating_first:
            status.update(_("No accounts yet: create the first manager account."))
            button.label = _("Create and log in")
            self.query_one("#staff-no", Input).focus()
        else:
            status.update(_("Log in with your staff number and password."))
        if self.submit_when_open:
            self.submit_when_open = False
            if not self.creating_first:
                self.submit()
            else:
                self.query_one("#login-error", Static).update("")

    def database_failed(self, error: str) -> None:
        self.add_class("-failed")
        self.submit_when_open = False
        self.query_one("#login-status", Static).update(error)
        self.query_one("#login-error", Static).update(_("The console cannot open this database."))
        self.query_one("#login-button", Button).disabled = True

    def show_error(self, message: str) -> None:
        self.query_one("#login-error", Static).update(message)
        self.query_one("#login-button", Button).disabled = False
        password = self.query_one("#password", Input)
        password.value = ""
        password.focus()

    def action_enter(self) -> None:
        focused = self.app.focused
        if not isinstance(focused, Input) or focused.screen is not self:
            raise SkipAction()
        self._enter_in(focused)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self._enter_in(event.input)

    def _enter_in(self, field: Input) -> None:
        order = ["staff-no", "name", "password", "confirm"] if self.creating_first else ["staff-no", "password"]
        current = field.id
        if current in order and current != order[-1] and not self.query_one(f"#{order[order.index(current) + 1]}", Input).value:
            self.query_one(f"#{order[order.index(current) + 1]}", Input).focus()
            return
        self.submit()

    @on(Button.Pressed, "#login-button")
    def _pressed(self) -> None:
        self.submit()

    def submit(self) -> None:
        if getattr(self.app, "engine", None) is None:
            if self.query_one("#login-button", Button).disabled and "-failed" not in self.classes:
                self.submit_when_open = True  # kept: it logs in as soon as the database is open
                self.query_one("#login-error", Static).update(_("Logging in as soon as the database is open…"))
            return
        staff_no = self.query_one("#staff-no", Input).value.strip()
        password = self.query_one("#password", Input).value
        error = self.query_one("#login-error", Static)
        if not staff_no:
            error.update(_("Enter your staff number."))
            self.query_one("#staff-no", Input).focus()
            return
        if self.creating_first:
            name = self.query_one("#name", Input).value.strip()
            if password != self.query_one("#confirm", Input).value:
                error.update(_("The two passwords differ."))
                self.query_one("#confirm", Input).focus()
                return
            self.query_one("#login-button", Button).disabled = True
            error.update(_("Creating the account…"))
            self._create_first(staff_no, name, password)
        else:
            self.query_one("#login-button", Button).disabled = True
            error.update(_("Checking…"))
            self._login(staff_no, password)
            settle = getattr(self.app, "settle_heap_early", None)
            if settle is not None and getattr(self.app, "warm_up", False):
                self.call_after_refresh(settle)  # "Checking…" on screen first

    @work(thread=True, exclusive=True, group="login", exit_on_error=False)
    def _login(self, staff_no: str, password: str) -> None:
        from csdesk.services.accounts import LoginFailed, authenticate
        from csdesk.services.database import write_session

        with write_session(self.app.engine) as session:
            try:
                agent = authenticate(session, staff_no, password)
            except LoginFailed as exc:  # caught inside the transaction: the failed attempt is kept
                failure = str(exc)
            else:
                failure = None
        self.post_message(LoginResult(None, failure) if failure is not None else LoginResult(agent))

    @work(thread=True, exclusive=True, group="login", exit_on_error=False)
    def _create_first(self, staff_no: str, name: str, password: str) -> None:
        from csdesk.domain import Role
        from csdesk.services.accounts import AccountError, add_agent, count_agents
        from csdesk.services.database import write_session

        try:
            with write_session(self.app.engine) as session:
                if count_agents(session):
                    raise AccountError(_("Accounts exist now; log in instead."))
                agent = add_agent(session, None, staff_no, name, password, Role.MANAGER)
        except AccountError as exc:
            self.post_message(LoginResult(None, str(exc)))
            return
        self.post_message(LoginResult(agent))

    def worker_error(self, worker, line: str) -> None:
        """A login that failed unexpectedly: the line, and the button back; both fields keep what was typed."""
        self.query_one("#login-error", Static).update(line)
        self.query_one("#login-button", Button).disabled = self.app.engine is None

    def on_login_result(self, message: LoginResult) -> None:
        if message.agent is None:
            self.show_error(message.error)
        else:
            self.app.logged_in(message.agent)


class LockScreen(WorkerErrors, ModalScreen[bool]):
    """The screen lock: the agent left the desk; only their password opens it again."""

    BINDINGS = [Binding("ctrl+q", "app.quit", _("Quit"), id="lock.quit")]
    AUTO_FOCUS = "#unlock-password"

    def compose(self) -> ComposeResult:
        agent = self.app.agent
        with Vertical(id="lock-box"):
            yield Static(_("Locked: {name} ({staff_no})").format(name=agent.name, staff_no=agent.staff_no),
                         id="lock-title")
            yield Input(password=True, placeholder=_("Password"), id="unlock-password")
            yield Static("", id="lock-error", markup=False)
        yield DeskFooter()

    @on(Input.Submitted)
    def _unlock(self, event: Input.Submitted) -> None:
        self._check(event.value)

    @work(thread=True, exclusive=True, group="unlock", exit_on_error=False)
    def _check(self, password: str) -> None:
        from csdesk.services.accounts import LoginFailed, authenticate
        from csdesk.services.database import write_session

        with write_session(self.app.engine) as session:
            try:
                authenticate(session, self.app.agent.staff_no, password, purpose="unlock")
            except LoginFailed as exc:  # caught inside the transaction: the failed attempt is kept
                failure = str(exc)
            else:
                failure = None
        self.post_message(LoginResult(None, failure) if failure is not None else LoginResult(self.app.agent))

    def worker_error(self, worker, line: str) -> None:
        self.query_one("#lock-error", Static).update(line)

    def on_login_result(self, message: LoginResult) -> None:
        if message.agent is None:
            self.query_one("#lock-error", Static).update(message.error)
            self.query_one("#unlock-password", Input).value = ""
        else:
            self.dismiss(True)
