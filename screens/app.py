"""The csdesk console (Textual App).

Start-up paints the login screen first and opens the database behind it in a
thread worker, so the heavy imports (SQLModel, Alembic, argon2) never delay the
first paint.  After login, the desk screens are Textual modes reached by
F1–F4 and the command palette; a screen is offered once its module exists.
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import time
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from csdesk.clock import now
from csdesk.i18n import N_, _
from screens import compat, errors
from screens.keys import KeyLine, LinedKey
from screens.login import LockScreen, LoginScreen
from screens.messages import DatabaseFailed, DatabaseReady

IDLE_CHECK_SECONDS = 5.0  # how often the idle lock looks at the clock
TICK_SECONDS = 60.0  # how often the console runs the desk's timed rules (csdesk.services.tick)
FIRST_TICK_SECONDS = 5.0
# After login the console builds the log behind the first screen and settles its heap: work of 0.1-0.3 s
# that must never sit between two of the agent's keys, so it waits for this long without a key.
QUIET_BEFORE_WARM_UP = 1.5


@dataclass(frozen=True)
class DeskMode:
    name: str
    module: str
    cls: str
    key: str  # the app-level key ("" for none: reached from the command palette and the overview)
    title: str  # msgid
    warm: bool = False  # build it in idle time after login, so its first F-key shows it ready
    home_key: str = ""  # its key on the overview, for a mode with no app-level key

    def available(self) -> bool:
        return importlib.util.find_spec(self.module) is not None

    def factory(self):
        def make() -> Screen:
            return getattr(importlib.import_module(self.module), self.cls)()

        return make


DESK_MODES: tuple[DeskMode, ...] = (
    DeskMode("intake", "screens.intake", "IntakeScreen", "f1", N_("Intake")),
    DeskMode("log", "screens.log", "LogScreen", "f2", N_("Visit log"), warm=True),
    DeskMode("orders", "screens.orders", "OrdersScreen", "f3", N_("Work orders"), warm=True),
    DeskMode("handover", "screens.handover", "HandoverScreen", "f4", N_("Handover"), warm=True),
    DeskMode("home", "screens.home", "HomeScreen", "f5", N_("Overview")),
    # F6/F7 belong to TextArea, F8/F9 to intake: these two are reached from the palette and the overview
    DeskMode("complaints", "screens.complaints", "ComplaintsScreen", "", N_("Complaints"), home_key="c"),
    DeskMode("visits", "screens.visits", "VisitsScreen", "", N_("Return visits"), home_key="v"),
)


# Textual's own palette commands (App.get_system_commands), titles and help, for the catalogue
TEXTUAL_COMMANDS = (
    N_("Theme"), N_("Change the current theme"), N_("Quit"), N_("Quit the application as soon as possible"),
    N_("Keys"), N_("Hide the keys and widget help panel"),
    N_("Show help for the focused widget and a summary of available keys"),
    N_("Minimize"), N_("Minimize the widget and restore to normal size"),
    N_("Maximize"), N_("Maximize the focused widget"),
    N_("Screenshot"), N_("Save an SVG 'screenshot' of the current screen"),
)


class CsdeskApp(App):
    TITLE = "csdesk"
    CSS_PATH = Path(__file__).with_name("login.tcss")  # the login and lock screens: parsed with the app, before the first paint
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        *[Binding(m.key, f"goto('{m.name}')", _(m.title), id=f"goto.{m.name}", priority=True)
          for m in DESK_MODES if m.key],
        Binding("ctrl+l", "lock", _("Lock"), id="app.lock"),
        # Textual adds its own (English: "palette") unless the app has one
        Binding("ctrl+p", "command_palette", _("Commands"), show=False, priority=True, id="app.palette",
                tooltip=_("Open the command palette")),
    ]

    def __init__(self, db: str | None = None, agent: str | None = None, screen: str | None = None,
                 phone: str | None = None, demo: bool = False, engine: Any = None,
                 warm_up: bool = True, timed_rules: bool = True) -> None:
        super().__init__()
        self.db = db
        self.engine = engine
        self.agent = None
        self.settings = None
        self.shifts: list = []
        self.start_screen = screen
        self.start_phone = phone
        self.demo = demo
        self._prefill_staff_no = agent
        self.modes_ready: list[str] = []
        self.warm_up = warm_up
        self.warm_up_done = False
        self.heap_frozen = False
        self.heap_settled = False
        self._quiet_timer = None
        self.last_input = now()  # the idle lock's measure (csdesk.clock: tests move it)
        self.keys_seen = 0  # keys and pastes so far: a late result never takes the console from what the agent does
        self._idle_timer = None
        self._tick_timer = None
        self.last_tick = None
        self.timed_rules = timed_rules  # tests run the tick themselves (run_tick), on their own clock
        self.keys = KeyLine(self, self._deliver_key)  # keys in the order typed (screens/keys.py)
        self.console_name: str | None = None  # this console's name for its drafts (csdesk.services.drafts), at login
        self.intake_screen = None  # the intake screen once built (Ctrl+Q asks about a filled form)

    # ----------------------------------------------------------------- start-up
    def get_default_screen(self) -> Screen:
        # The login screen is the default screen itself, not pushed over it: a push
        # between start-up and the first paint costs a screen switch and a frame.
        return LoginScreen(self._prefill_staff_no, demo=self.demo)

    def on_mount(self) -> None:
        compat.resume_only_after_a_suspend(self)  # a stray SIGCONT must not start a second key reader
        # Open the database only once the login screen is on the terminal: the
        # worker's imports would otherwise compete with the first paint for the GIL.
        self.call_after_refresh(self._open_database)

    @work(thread=True, exclusive=True, group="db-open", exit_on_error=False)
    def _open_database(self) -> None:
        from csdesk.config import ConfigProblem, load_settings

        try:
            settings = load_settings()
        except ConfigProblem as exc:  # no console on a configuration it cannot follow: one line, exit 2
            from rich.text import Text

            self.call_from_thread(self.exit, None, 2, Text(f"csdesk: {exc}"))
            return
        self.settings = settings
        try:
            from csdesk.services.accounts import count_agents
            from csdesk.services.database import CONSOLE_CACHE_KIB, DatabaseProblem, open_database, read_session
            from csdesk.services.reference import shifts

            db = self.db or settings.db
            # Only the first start on the default path makes a database: a path given is never created.
            engine = self.engine or open_database(db, create=db is None, cache_kib=CONSOLE_CACHE_KIB)
            with read_session(engine) as session:
                has_accounts = count_agents(session) > 0
                shift_list = shifts(session)
        except DatabaseProblem as exc:
            self.post_message(DatabaseFailed(str(exc)))
            return
        self.post_message(DatabaseReady(engine, has_accounts, shift_list))

    # ----------------------------------------------------------------- the one error policy for workers
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:  # the App's own workers; screens forward theirs (errors.WorkerErrors)
            self.worker_failed(event.worker)

    def worker_failed(self, worker: Worker) -> None:
        """A thread worker raised: log the traceback, show one line, keep the console and the form.

        The only handler of failed workers (``screens/errors.py`` describes the policy).
        """
        error = worker.error
        if error is None:
            return
        line = errors.one_line(error, errors.record(error, errors.describe(worker)))
        node = worker.node
        show = getattr(node, "worker_error", None)
        if show is not None and (node is self or node.is_attached):
            show(worker, line)
        else:  # its screen is gone: the line still reaches the agent
            self.notify(line, severity="error", markup=False, timeout=10)

    def worker_error(self, worker: Worker, line: str) -> None:
        """The App's own workers: opening the database is told on the login screen."""
        login = self._login_screen()
        if worker.group == "db-open" and login is not None:
            login.database_failed(line)
        else:
            self.notify(line, severity="error", markup=False, timeout=10)

    def on_database_ready(self, message: DatabaseReady) -> None:
        self.engine = message.engine
        self.shifts = message.shifts
        login = self._login_screen()
        if login is not None:
            login.database_ready(message.has_accounts)

    def on_database_failed(self, message: DatabaseFailed) -> None:
        login = self._login_screen()
        if login is not None:
            login.database_failed(message.error)

    def _login_screen(self) -> LoginScreen | None:
        for screen in self.screen_stack:
            if isinstance(screen, LoginScreen):
                return screen
        return None

    def logged_in(self, agent) -> None:
        from csdesk.services.drafts import console_id

        self.agent = agent
        self.console_name = self.console_name or console_id()
        self.sub_title = f"{agent.name} ({agent.staff_no})"
        for mode in DESK_MODES:
            if mode.available() and mode.name not in self.modes_ready:
                self.add_mode(mode.name, mode.factory())
                self.modes_ready.append(mode.name)
        target = self.start_screen if self.start_screen in self.modes_ready else None
        target = target or next((m for m in ("intake", "log", "orders", "handover", "home")
                                 if m in self.modes_ready), None)
        self.switch_mode(target)  # the login screen stays behind, in the default mode
        self.refresh_bindings()
        self.last_input = now()
        if self._idle_timer is None:
            self._idle_timer = self.set_interval(IDLE_CHECK_SECONDS, self.lock_if_idle)
        if self._tick_timer is None and self.timed_rules:  # the desk's timed rules, whoever else runs them
            self._tick_timer = self.set_interval(TICK_SECONDS, self.run_tick)
            self.set_timer(FIRST_TICK_SECONDS, self.run_tick)
        from screens.handover_watch import after_login

        after_login(self)  # a waiting handover opens first; the 30-minute reminder
        if self.warm_up:
            if self._quiet_timer is None:
                self._quiet_timer = self.set_interval(0.25, self._when_quiet)
        else:
            self.warm_up_done = True

    def _when_quiet(self) -> None:
        """One step of the after-login work, once no key has come for QUIET_BEFORE_WARM_UP: first the
        warm-up, at the next quiet moment the heap.  An agent who types on straight after login
        (keys typed in the first second and a half used to lag behind both) is never held up."""
        if not self.is_running:
            return
        if time.monotonic() - self.keys.last_key_at < QUIET_BEFORE_WARM_UP:
            return
        if not self.warm_up_done:
            self._warm_up_modes()
            return
        self._settle_heap()
        if self._quiet_timer is not None:
            self._quiet_timer.stop()
            self._quiet_timer = None

    def _warm_up_modes(self) -> None:
        """Build the heavier desk screens behind the current one, after login.

        The first switch to a screen otherwise pays for re-parsing the whole
        stylesheet with the screen's CSS (about 200 ms) and for mounting its
        widgets; done here, in a quiet moment, F2 shows a screen that is ready
        and already holds its first page.  Only screens marked ``warm`` are
        built: they must not push anything over the current screen on mount.
        """
        if not self.is_running:  # the console is closing
            return
        for mode in DESK_MODES:
            if mode.warm and mode.name in self.modes_ready and not compat.mode_is_built(self, mode.name):
                compat.build_mode(self, mode.name)
        self.warm_up_done = True

    def settle_heap_early(self) -> None:
        """While the password is checked (in a thread; the agent waits for it anyway): the objects
        alive so far (modules, SQLAlchemy's metadata: most of them) leave the collector's walk."""
        if self.heap_frozen or not self.is_running:
            return
        gc.collect()
        gc.freeze()
        self.heap_frozen = True

    def _settle_heap(self) -> None:
        """Move everything alive after the warm-up out of the garbage collector's sight.

        By then the console holds some 150,000 long-lived objects (modules, the
        built screens, SQLAlchemy's metadata).  Every full collection re-walked
        them all: an 80-160 ms stall that landed at random on a key press or a
        screen switch.  Most are frozen while the password is checked
        (:meth:`settle_heap_early`); the rest (the screens built since) here, in
        a quiet moment after login: collected once, then frozen (``gc.freeze``):
        later collections walk only what the shift allocates.  Undone when the
        console closes (``on_unmount``).
        """
        if not self.is_running or self.heap_settled:
            return
        compat.settle_built_screens(self)  # their first switch then skips a full stylesheet refresh
        gc.collect()
        gc.freeze()
        self.heap_frozen = self.heap_settled = True

    def on_unmount(self) -> None:
        if self.heap_frozen:  # the console is closing: what it held may be collected again
            gc.unfreeze()
            self.heap_frozen = False

    # ----------------------------------------------------------------- the idle lock
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseEvent, events.Paste)):
            self.last_input = now()  # a key or the mouse: someone is at the desk
            if not isinstance(event, (events.MouseEvent, LinedKey)):
                self.keys_seen += 1
        if isinstance(event, events.Key) and not event.is_forwarded and not isinstance(event, LinedKey):
            await self.keys.arrive(event)  # each key once the one before it is done with
            return
        await super().on_event(event)

    async def _deliver_key(self, key: events.Key) -> None:
        await super().on_event(key)

    def on_input_changed(self, event) -> None:
        """A field that takes no more characters says so once it is full: Textual's ``max_length``
        drops further keys without a word, and an agent typing on would lose them unseen."""
        field = event.input
        if field.max_length and not field.password and len(event.value) >= field.max_length:
            self.notify(_("{n} characters at most in this field: what you type on is not taken.").format(
                n=field.max_length), severity="warning", timeout=5)

    def on_key(self, event: events.Key) -> None:
        self.keys.at_app(event)  # back at the App: the next key goes once its bindings have run

    @work(thread=True, exclusive=True, group="tick", exit_on_error=False)
    def run_tick(self) -> None:
        """Run the desk's timed rules once (overdue orders escalate once, …): csdesk.services.tick."""
        from csdesk.services.tick import run_tick

        if self.engine is None or self.agent is None:
            return
        with self.db_write() as session:
            self.last_tick = run_tick(session)

    def lock_after_minutes(self) -> int:
        """``lock_after_minutes`` of the settings (0: never)."""
        return getattr(self.settings, "lock_after_minutes", 0) if self.settings is not None else 0

    def lock_if_idle(self) -> None:
        """Lock the console once nobody has touched a key or the mouse for ``lock_after_minutes``."""
        minutes = self.lock_after_minutes()
        if not self.screen_stack:  # the console is closing (a timer can still fire meanwhile)
            return
        if not minutes or self.agent is None or isinstance(self.screen, LockScreen):
            return
        if now() - self.last_input >= timedelta(minutes=minutes):
            self.lock(_("idle for {n} min").format(n=minutes))

    # ----------------------------------------------------------------- helpers for screens
    def db_read(self) -> AbstractContextManager:
        """A read session on the console's database (use it inside a thread worker)."""
        from csdesk.services.database import read_session

        return read_session(self.engine)

    def db_write(self) -> AbstractContextManager:
        """A ``BEGIN IMMEDIATE`` write session (use it inside a thread worker)."""
        from csdesk.services.database import write_session

        return write_session(self.engine)

    def current_shift(self):
        from csdesk.services.reference import current_shift

        return current_shift(self.shifts) if self.shifts else None

    # ----------------------------------------------------------------- actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "goto":
            return self.agent is not None and parameters[0] in self.modes_ready
        if action == "lock":
            return self.agent is not None
        return True

    def action_goto(self, mode: str) -> None:
        if self.agent is None or mode not in self.modes_ready:
            self.bell()
            return
        if isinstance(self.screen, LockScreen):
            return
        self.switch_mode(mode)

    async def action_quit(self) -> None:
        """Ctrl+Q: with an intake on screen, ask first (its draft is kept either way)."""
        intake = self.intake_screen
        if self.agent is not None and intake is not None and intake.is_mounted and not intake.is_empty():
            intake.ask_quit()
            return
        self.exit()

    def action_lock(self) -> None:
        if self.agent is None or isinstance(self.screen, LockScreen):
            return
        self.lock("Ctrl+L")

    def lock(self, how: str) -> None:
        """Cover the console with the lock screen (Ctrl+L or idle) and record it."""
        if self.agent is None or isinstance(self.screen, LockScreen):
            return
        self.push_screen(LockScreen())
        self._record_lock(self.agent, how)

    @work(thread=True, group="lock-record", exit_on_error=False)
    def _record_lock(self, agent, how: str) -> None:
        """Locking the screen is recorded (who, when, how); unlocking is recorded by the password check."""
        from csdesk.services.accounts import lock_screen

        with self.db_write() as session:
            lock_screen(session, agent, how)

    def action_command_palette(self) -> None:
        """The command palette, its search box in the user's language."""
        from textual.command import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(compat.command_palette(_("Search for commands…"), _("No matches found")))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):  # Textual's own, in the user's language
            yield command._replace(title=_(command.title), help=_(command.help))
        if self.agent is None:
            return
        for mode in DESK_MODES:
            if mode.name in self.modes_ready:
                key = mode.key.upper() or _("overview, {key}").format(key=mode.home_key)
                yield SystemCommand(_(mode.title), _("Open the {screen} screen ({key})").format(
                    screen=_(mode.title), key=key), lambda m=mode.name: self.action_goto(m))
        yield SystemCommand(_("Lock the screen"), _("Lock the console until your password is entered (Ctrl+L)"),
                            self.action_lock)
        # every key of ours on the screen the agent is on (and its focused widget): the same actions, by
        # name (all of ours have an id and a description: tests/test_bindings.py; Textual's own have no id)
        seen = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if active.node is self or not active.enabled or not binding.id or binding.id in seen:
                continue
            seen.add(binding.id)
            key = self.get_key_display(binding)
            yield SystemCommand(binding.description, _("{action} on this screen ({key})").format(
                action=binding.description, key=key), partial(self.run_action, binding.action, active.node))
