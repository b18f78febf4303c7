"""The call intake screen (来电/来访受理): the screen the front desk lives in.

The form follows the conversation (greet, identify, restate, classify,
verify, resolve); the script line above it says what to say; the customer card
beside it recognises the caller as digits are typed; My queue below the card
holds the call-backs and escalations due.  All database work runs in thread
workers and comes back as messages; a draft is kept as the agent types.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import InvalidQueryFormat, NoMatches
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from csdesk.clock import fmt
from csdesk.clock import now as utcnow
from csdesk.i18n import _, current_language
from screens.errors import WorkerErrors
from screens.intake_widgets import ChoiceBar, ConfirmModal, DeskInput, DraftPrompt
from screens.queue import QueuePanel, fmt_span, mask_phone
from screens.widgets import DeskFooter, DeskHeader

DRAFT_KIND = "intake"

RECOGNISE_DELAY = 0.12  # s after the last keystroke
DRAFT_DELAY = 0.15  # s from a change to its draft being written (at most: typing on does not put it off)
DRAFT_HEARTBEAT = 60.0  # s: this console says it is alive on its draft (services/drafts.py)
QUEUE_REFRESH = 30.0

TEXT_FIELDS = ("phone", "name", "building", "unit", "room", "address", "referral_contact", "promise",
               "escalation_reason", "identity", "new_phone", "new_name", "new_address", "received", "satisfaction",
               "order_ref")
AREA_FIELDS = ("summary", "handling", "result")
BAR_FIELDS = ("channel", "channel_detail", "category", "subtype", "urgency", "outcome", "department",
              "callback_result", "caller_number")
# Tab order, for focusing the first field with an error.  The record's details (caller's number given,
# time received, satisfaction, order reference, result) come last: the standard call's keys never reach them.
FIELD_ORDER = ("channel", "channel_detail", "phone", "name", "building", "unit", "room", "address", "summary",
               "category", "subtype", "urgency", "identity", "new_phone", "new_name", "new_address", "handling",
               "outcome", "department", "referral_contact", "promise", "escalation_reason", "callback_result",
               "caller_number", "received", "satisfaction", "order_ref", "result")


# --------------------------------------------------------------------------- messages from workers


class ReferenceLoaded(Message):
    def __init__(self, categories: list, departments: list, scripts: dict) -> None:
        super().__init__()
        self.categories = categories
        self.departments = departments
        self.scripts = scripts


class Recognised(Message):
    def __init__(self, seq: int, result: Any) -> None:
        super().__init__()
        self.seq = seq
        self.result = result


class CardLoaded(Message):
    def __init__(self, customer_id: int, card: Any) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.card = card


class PhoneChecked(Message):
    def __init__(self, value: str, error: str) -> None:
        super().__init__()
        self.value = value
        self.error = error


class IdentityChecked(Message):
    def __init__(self, answer: str, check: Any) -> None:
        super().__init__()
        self.answer = answer
        self.check = check


class Saved(Message):
    def __init__(self, saved: Any) -> None:
        super().__init__()
        self.saved = saved


class SaveFailed(Message):
    def __init__(self, errors: dict[str, str] | None, message: str = "") -> None:
        super().__init__()
        self.errors = errors or {}
        self.message = message


class Revealed(Message):
    def __init__(self, customer_id: int, phone: str) -> None:
        super().__init__()
        self.customer_id = customer_id
        self.phone = phone


class DraftFound(Message):
    def __init__(self, draft: Any) -> None:
        super().__init__()
        self.draft = draft


class DraftClaimed(Message):
    def __init__(self, draft: Any, ok: bool) -> None:
        super().__init__()
        self.draft = draft
        self.ok = ok


class QueueLoaded(Message):
    def __init__(self, items: list) -> None:
        super().__init__()
        self.items = items


class QueueActionDone(Message):
    def __init__(self, message: str, ok: bool = True) -> None:
        super().__init__()
        self.message = message
        self.ok = ok


class CallbackLoaded(Message):
    def __init__(self, info: Any, result: Any) -> None:
        super().__init__()
        self.info = info
        self.result = result


# --------------------------------------------------------------------------- the screen


def _nothing() -> None:
    pass


def _field(label: str, widget: Widget, name: str, classes: str = "field") -> Vertical:
    return Vertical(Label(label, classes="field-label"), widget,
                    Static("", id=f"{name}-error", classes="field-error", markup=False),
                    id=f"{name}-field", classes=classes)


class IntakeScreen(WorkerErrors, Screen):
    CSS_PATH = Path(__file__).with_suffix(".tcss")
    AUTO_FOCUS = "#phone"
    BINDINGS = [
        Binding("ctrl+s", "save", _("Save"), id="intake.save", priority=True),
        Binding("escape", "discard", _("Clear"), id="intake.discard", priority=True),
        Binding("ctrl+f", "find", _("Caller"), id="intake.find", priority=True),
        Binding("ctrl+r", "offer_callback", _("Call back"), id="intake.callback", priority=True),
        # (F6/F7 belong to TextArea: select line / select all)
        Binding("f8", "focus_matches", _("Matches"), id="intake.matches", priority=True),
        Binding("f9", "focus_queue", _("Queue"), id="intake.queue", priority=True),
        Binding("ctrl+o", "reveal", _("Full number"), id="intake.reveal", priority=True),
        # Enter in a one-line field moves on at once, before the next key typed is handled
        # (as a message it came too late: keys typed with it landed in the field it left)
        Binding("enter", "enter", _("Next field"), id="intake.enter", priority=True),
        # Tab too: the focus moves before the next key typed is handled (screens/keys.py)
        Binding("tab", "tab(1)", _("Next field"), id="intake.tab", priority=True),
        Binding("shift+tab", "tab(-1)", _("Previous field"), id="intake.backtab", priority=True),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.customer_id: int | None = None
        self.chosen = None  # CustomerMatch
        self.card = None  # CustomerCard
        self.matches: tuple = ()
        self.callback_id: int | None = None
        self.callback_note = ""
        self.identity_check = None
        self.categories: list = []
        self.departments: list = []
        self.scripts: dict = {}
        self.started_at: float | None = None
        self.received_at = None
        self.saving = False
        self.last_saved = None
        self._seq = 0
        self._revealed = ""  # the one number the agent revealed on this intake (audited)
        self._auto_choose = False
        self._outcome_touched = False
        self._draft_checked = False
        self._recognise_timer: Timer | None = None
        self._draft_timer: Timer | None = None
        self._identity_timer: Timer | None = None
        self._shown: dict[str, str] = {}
        self._pending_query: str | None = None
        self._quiet = 0  # > 0 while the screen sets values itself (no change handlers)
        self._choose_for: str | None = None  # Enter was pressed on this query before its result came
        self._choose_keys = 0  # keys handed on when that Enter was pressed
        self._release_keys = _nothing  # lets the keys typed after that Enter go on (screens/keys.py)
        self._result_query: str | None = None  # the query of the matches shown
        self._phone_shown = ""  # what the phone field shows for a number from the records (masked for agents)
        self._phone_real = ""  # that number
        self._phone_at_choice = ""  # the phone field's text when the caller was chosen
        # drafts: written at most DRAFT_DELAY after a change, in order, never after the save
        self._draft_gen = 0  # counts changes of the form
        self._draft_written = 0  # the change the draft in the database holds
        self._draft_barrier = 0  # changes up to here belong to a save or a discard: no draft for them
        self._draft_lock = threading.Lock()  # one draft write (or the save) at a time
        self._draft_id: int | None = None

    # ----------------------------------------------------------------- layout
    def compose(self) -> ComposeResult:
        from csdesk.domain import CallbackResult, CallerNumber, Channel, SubChannel, Urgency

        yield DeskHeader()
        with Horizontal(id="script-bar"):
            yield Static("", id="script", markup=False)
            yield Static("00:00", id="timer")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                with VerticalScroll(id="form"):
                    yield _field(_("Channel"), ChoiceBar([(c.value, c.label) for c in Channel],
                                                         Channel.PHONE.value, id="channel"), "channel")
                    with Vertical(id="sub-channel-box"):  # shown for an online contact
                        yield _field(_("Online via"), ChoiceBar([(c.value, c.label) for c in SubChannel],
                                                                blank=_("not said"), id="channel_detail"),
                                     "channel_detail")
                    with Horizontal(classes="row"):
                        yield _field(_("Phone"), DeskInput(placeholder=_("number, last 4 digits, name or initials"),
                                                           id="phone"), "phone", "field wide")
                        yield _field(_("Name"), DeskInput(id="name"), "name", "field wide")
                    with Horizontal(classes="row"):
                        yield _field(_("Building"), DeskInput(id="building"), "building", "field narrow")
                        yield _field(_("Entrance"), DeskInput(id="unit"), "unit", "field narrow")
                        yield _field(_("Room"), DeskInput(id="room"), "room", "field narrow")
                        yield _field(_("Or address"), DeskInput(id="address"), "address", "field wide")
                    yield _field(_("What the customer needs"), TextArea(id="summary", soft_wrap=True), "summary")
                    yield _field(_("Category"), ChoiceBar(id="category"), "category")
                    yield _field(_("Sub-type"), ChoiceBar(blank=_("none"), id="subtype"), "subtype")
                    yield _field(_("Urgency"), ChoiceBar([(u.value, u.label) for u in Urgency], Urgency.NORMAL.value,
                                                         id="urgency"), "urgency")
                    with Vertical(id="identity-box"):
                        yield _field(_("Identity: last 4 of the registered phone, or the name on record"),
                                     DeskInput(id="identity"), "identity")
                        yield Static("", id="identity-status", markup=False)
                        with Horizontal(classes="row"):  # what the caller asks to change to (empty: unchanged)
                            yield _field(_("New phone"), DeskInput(id="new_phone"), "new_phone", "field wide")
                            yield _field(_("New name"), DeskInput(id="new_name"), "new_name", "field wide")
                        yield _field(_("New address (3-2-1201 or an address)"), DeskInput(id="new_address"),
                                     "new_address", "field wide")
                    yield _field(_("Handling steps"), TextArea(id="handling", soft_wrap=True), "handling")
                    yield _field(_("Outcome"), ChoiceBar(id="outcome"), "outcome")
                    with Vertical(id="department-box"):
                        yield _field(_("Department"), ChoiceBar(id="department"), "department")
                    with Vertical(id="referral-box"):
                        yield _field(_("Contact given to the customer"), DeskInput(id="referral_contact"),
                                     "referral_contact")
                    with Vertical(id="promise-box"):
                        yield _field(_("Reply within (minutes) or at (HH:MM)"), DeskInput(placeholder="60", id="promise"),
                                     "promise")
                    with Vertical(id="escalate-box"):
                        yield _field(_("Reason for the supervisor (one line)"), DeskInput(id="escalation_reason"),
                                     "escalation_reason")
                    with Vertical(id="callback-box"):
                        yield _field(_("Result of the call-back"),
                                     ChoiceBar([(r.value, r.label) for r in CallbackResult], CallbackResult.DONE.value,
                                               id="callback_result"), "callback_result")
                    # the record's details: after every field of the standard call, so its keys are unchanged
                    with Vertical(id="record-box"):
                        yield Label(_("Record details"), id="record-title")
                        yield _field(_("Caller's number"), ChoiceBar([(c.value, c.label) for c in CallerNumber],
                                                                     CallerNumber.FULL.value, id="caller_number"),
                                     "caller_number")
                        with Horizontal(classes="row"):
                            yield _field(_("Received (empty: now)"),
                                         DeskInput(placeholder=_("YYYY-MM-DD HH:MM:SS"), id="received"), "received",
                                         "field wide")
                            yield _field(_("Satisfaction (1–5)"), DeskInput(placeholder="1–5", id="satisfaction"),
                                         "satisfaction", "field mid")
                        yield _field(_("Customer's order reference"), DeskInput(id="order_ref"), "order_ref")
                        yield _field(_("Result"), TextArea(id="result", soft_wrap=True), "result")
                # the status line under the form, not at its end: always in sight, however long the form
                yield Static("", id="form-status", markup=False)
            with Vertical(id="side"):
                yield Static(_("Customer"), id="card-title")
                yield OptionList(id="matches")
                yield Static("", id="card", markup=False)
                yield QueuePanel(id="queue")
        yield DeskFooter()

    def on_mount(self) -> None:
        if not self.app.is_running:  # mounted while the console is closing: nothing to set up
            return
        self.sub_title = _("Intake")
        self.app.intake_screen = self
        header = self.query_one(DeskHeader)
        header.title = _("Intake")
        for name in ("identity-box", "department-box", "referral-box", "promise-box", "escalate-box",
                     "callback-box", "sub-channel-box"):
            self.query_one(f"#{name}").display = False
        self.query_one("#matches", OptionList).display = False
        for bar in self.query(ChoiceBar):
            bar.on_change = self._bar_set
        self.query_one("#summary", TextArea).show_line_numbers = False
        self.query_one("#handling", TextArea).show_line_numbers = False
        self.query_one("#result", TextArea).show_line_numbers = False
        self.show_card()
        self.set_interval(1.0, self._tick)
        self.set_interval(QUEUE_REFRESH, self.refresh_queue)
        self.set_interval(DRAFT_HEARTBEAT, self._draft_heartbeat)
        self._load_reference()
        self.check_draft()
        self.refresh_queue()
        phone = getattr(self.app, "start_phone", None)
        if phone:
            self._auto_choose = True
            self._start_timer()
            self._set_value("phone", phone)
            self._recognise(phone, self._next_seq())
        self.update_script()

    # ----------------------------------------------------------------- reference data, scripts
    @work(thread=True, group="intake-ref", exit_on_error=False)
    def _load_reference(self) -> None:
        from csdesk.services.intake import load_scripts
        from csdesk.services.reference import categories, departments

        with self.app.db_read() as session:
            cats = categories(session)
            deps = departments(session)
        scripts = load_scripts()
        self.post_message(ReferenceLoaded(cats, deps, scripts))

    def on_reference_loaded(self, message: ReferenceLoaded) -> None:
        self.categories = message.categories
        self.departments = message.departments
        self.scripts = message.scripts
        with self._programmatic():
            self.bar("category").set_options([(c.code, c.name) for c in self.categories if not c.parent_code])
            self.bar("department").set_options([(d.code, d.name) for d in self.departments])
        self._category_changed()
        self.update_script()

    # ----------------------------------------------------------------- small helpers
    def bar(self, name: str) -> ChoiceBar:
        return self.query_one(f"#{name}", ChoiceBar)

    def text(self, name: str) -> str:
        if name in AREA_FIELDS:
            return self.query_one(f"#{name}", TextArea).text
        if name in BAR_FIELDS:
            return self.bar(name).value
        return self.query_one(f"#{name}", Input).value

    def _set_value(self, name: str, value: str) -> None:
        if name in AREA_FIELDS:
            self.query_one(f"#{name}", TextArea).text = value
        elif name in BAR_FIELDS:
            self.bar(name).value = value
        else:
            self.query_one(f"#{name}", Input).value = value

    @contextmanager
    def _programmatic(self):
        """Set values without the change handlers running (they are called explicitly)."""
        self._quiet += 1
        try:
            with self.prevent(Input.Changed, TextArea.Changed, ChoiceBar.Changed):
                yield
        finally:
            self._quiet -= 1

    def _show(self, selector: str, content: Any, *, layout: bool = True) -> None:
        """Update a Static only when its content changes (a layout pass costs ~30 ms)."""
        key = content.plain + repr(content.spans) if isinstance(content, Text) else str(content)
        if self._shown.get(selector) == key:
            return
        self._shown[selector] = key
        self.query_one(selector, Static).update(content, layout=layout)

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def form(self):
        from csdesk.services.intake import IntakeForm

        return IntakeForm(
            channel=self.text("channel"), phone=self.phone_value(), name=self.text("name"),
            building=self.text("building"), unit=self.text("unit"), room=self.text("room"),
            address=self.text("address"), category=self.text("subtype") or self.text("category"),
            subtype="", urgency=self.text("urgency"), summary=self.text("summary"),
            handling=self.text("handling"), outcome=self.text("outcome"), customer_id=self.customer_id,
            department=self.text("department") if self.query_one("#department-box").display else "",
            referral_contact=self.text("referral_contact") if self.text("outcome") == "referred" else "",
            promise=self.text("promise") if self.text("outcome") == "promised" else "",
            escalation_reason=self.text("escalation_reason") if self.text("outcome") == "escalated" else "",
            identity=self.text("identity") if self.text("category") == "info_change" else "",
            new_phone=self.text("new_phone") if self.text("category") == "info_change" else "",
            new_name=self.text("new_name") if self.text("category") == "info_change" else "",
            new_address=self.text("new_address") if self.text("category") == "info_change" else "",
            found_by=self.found_by,
            callback_id=self.callback_id,
            callback_result=self.text("callback_result") if self.callback_id else "",
            received_at=self.received_at,
            duration_s=int(time.monotonic() - self.started_at) if self.started_at else None,
            received=self.text("received"), satisfaction=self.text("satisfaction"), order_ref=self.text("order_ref"),
            result=self.text("result"), caller_number=self.text("caller_number"),
            channel_detail=self.text("channel_detail") if self.text("channel") == "online" else "",
        )

    @property
    def found_by(self) -> str:
        """How the chosen caller was found (phone, last4, name, …): last four digits then prove nothing."""
        return getattr(self.chosen, "how", "") or ""

    def phone_value(self) -> str:
        """The number to save: as typed, or the chosen caller's when the field shows it masked."""
        typed = self.text("phone")
        if self._phone_shown and typed == self._phone_shown:
            return self._phone_real
        return typed

    def _show_phone(self, number: str) -> None:
        """Put a number from the records (not typed by the agent) into the phone field, masked for agents."""
        self._phone_real = number
        self._phone_shown = self.shown_phone(number)
        with self._programmatic():
            self._set_value("phone", self._phone_shown)

    def is_empty(self) -> bool:
        return all(not self.text(n).strip() for n in (*TEXT_FIELDS, *AREA_FIELDS)) and self.callback_id is None

    def _start_timer(self) -> None:
        if self.started_at is None:
            self.started_at = time.monotonic()
            self.received_at = utcnow()

    def elapsed(self) -> int:
        return int(time.monotonic() - self.started_at) if self.started_at else 0

    # ----------------------------------------------------------------- the script line and the timer
    def current_step(self) -> str:
        if not self.text("phone").strip() and self.customer_id is None and not self.text("name").strip():
            return "identify"
        if not self.text("summary").strip():
            return "restate"
        if not self.text("category"):
            return "classify"
        if self.text("category") == "info_change" and not (self.identity_check and self.identity_check.verified):
            return "verify"
        return "resolve"

    def offer_callback_due(self) -> bool:
        limit = getattr(self.app.settings, "callback_offer_seconds", 60) if self.app.settings else 60
        return (self.started_at is not None and self.elapsed() >= limit
                and self.text("channel") in ("phone", "online") and self.text("outcome") != "promised")

    def update_script(self) -> None:
        from csdesk.services.intake import script_line

        agent = self.app.agent
        staff_no = agent.staff_no if agent else ""
        step = self.current_step()
        category = self.text("subtype") or self.text("category")
        line = script_line(self.text("channel") or "phone", category, step, staff_no=staff_no,
                           agent_name=agent.name if agent else "", lang=current_language(), scripts=self.scripts)
        text = Text()
        text.append(line.opening, style="bold")
        text.append("\n")
        steps = [("identify", _("Identify")), ("restate", _("Restate")), ("classify", _("Classify")),
                 ("verify", _("Verify")), ("resolve", _("Resolve"))]
        text.append(next(label for key, label in steps if key == step) + ": ", style="bold cyan")
        text.append(line.prompt)
        offer = self.offer_callback_due()
        if offer:
            offer_line = script_line(self.text("channel") or "phone", category, "offer_callback",
                                     staff_no=staff_no, lang=current_language(), scripts=self.scripts)
            text.append("\n")
            text.append(_("Over {n} s: offer a call-back (Ctrl+R). ").format(
                n=getattr(self.app.settings, "callback_offer_seconds", 60) if self.app.settings else 60),
                style="bold black on yellow")
            text.append(" " + offer_line.prompt, style="yellow")
        self._show("#script", text)
        self.set_class(offer, "-offer-callback")

    def _tick(self) -> None:
        timer = self.query_one("#timer", Static)
        elapsed = self.elapsed()
        self._show("#timer", _("Call {span}").format(span=fmt_span(elapsed)), layout=False)
        limit = getattr(self.app.settings, "callback_offer_seconds", 60) if self.app.settings else 60
        timer.set_class(self.started_at is not None and elapsed >= limit, "-late")
        if self.started_at is not None:
            self.update_script()
        self.query_one(QueuePanel).tick(utcnow())

    # ----------------------------------------------------------------- changes in the form
    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        name = event.input.id or ""
        self._clear_error(name)
        self._start_timer()
        if event.value != event.input.value:  # a later change is on its way: that one is handled
            self._changed()
            return
        if name in ("phone", "name"):
            if name == "phone" and self.chosen is not None and event.value not in (self._phone_shown,
                                                                                   self._phone_at_choice):
                from csdesk.services.intake import classify_query

                kind, q = classify_query(event.value, exact=False)
                if not (kind in ("phone", "prefix") and any(p.startswith(q) for p in self.chosen.phones)):
                    self._unchoose()
            if self.chosen is None and name == "name":
                from csdesk.services.intake import classify_query

                if classify_query(self.text("phone"), exact=False)[0] == "phone":
                    pass  # a full number is typed: the name is the caller's, not a search
                else:
                    self._schedule_recognise(event.value)
            elif self.chosen is None:
                self._schedule_recognise(event.value)
        elif name == "identity":
            self.identity_check = None
            self._schedule_identity()
        self._changed()

    @on(TextArea.Changed)
    def _area_changed(self, event: TextArea.Changed) -> None:
        self._clear_error(event.text_area.id or "")
        self._start_timer()
        self._changed()

    def _bar_set(self, bar: ChoiceBar) -> None:
        """A choice changed (a key, the mouse): what depends on it follows at once, in the same
        step as the key, so the next key typed finds the form already in its new shape."""
        if self._quiet or not self.is_mounted:
            return
        name = bar.id or ""
        if name == "channel":
            self._channel_changed()
        elif name == "category":
            self._category_changed()
        elif name == "subtype":
            self._default_department()
        elif name == "outcome":
            self._outcome_touched = True
            self._outcome_changed()
        elif name == "urgency":
            self._urgency_changed()
        elif name == "department":
            self._department_chosen(bar.value)
        self._draft_gen += 1

    @on(ChoiceBar.Changed)
    def _bar_changed(self, event: ChoiceBar.Changed) -> None:
        name = event.bar.id or ""
        self._clear_error(name)
        if name != "department":
            self._start_timer()
        self._changed()

    def _changed(self) -> None:
        self.update_script()
        self._schedule_draft()

    def _category_changed(self) -> None:
        from csdesk.domain.rules import default_outcome

        category = self.text("category")
        subs = [(c.code, c.name) for c in self.categories if c.parent_code == category and category]
        with self._programmatic():
            self.bar("subtype").set_options(subs)
            self._set_outcomes()
            if category and not self._outcome_touched:
                self.bar("outcome").value = default_outcome(category).value
            self._default_department()
        # the sub-type row is always there ("none" alone when the category has none): the form keeps
        # its shape, and Tab from the category always reaches it
        self.query_one("#identity-box").display = category == "info_change"
        if category == "info_change" and self.text("identity").strip():
            self._schedule_identity()
        self._outcome_changed()
        self.show_card()

    def _channel_changed(self) -> None:
        """An online contact says how it came (app, mini program, WeChat …): the row shows right after the
        channel, in the same step as the key, so Tab from the channel reaches it."""
        self.query_one("#sub-channel-box").display = self.text("channel") == "online"

    def _set_outcomes(self) -> None:
        from csdesk.domain.rules import allowed_outcomes

        outcomes = allowed_outcomes(self.text("category"))  # agents do not settle complaints alone
        current = self.bar("outcome").value
        self.bar("outcome").set_options([(o.value, o.label) for o in outcomes],
                                        current if current in [o.value for o in outcomes] else None)

    def _urgency_changed(self) -> None:
        self._outcome_changed()

    def _default_department(self) -> None:
        from csdesk.domain.rules import default_department

        routing = {c.code: c.department_code for c in self.categories}
        dep = default_department(routing, self.text("subtype") or self.text("category"))
        if dep and self.text("outcome") != "referred":
            self.bar("department").value = dep

    def _outcome_changed(self) -> None:
        outcome = self.text("outcome")
        self.query_one("#department-box").display = outcome in ("work_order", "referred")
        self.query_one("#referral-box").display = outcome == "referred"
        self.query_one("#promise-box").display = outcome == "promised"
        from csdesk.domain.rules import escalates_by_itself

        auto = escalates_by_itself(self.text("category"), self.text("urgency") or "normal")
        self.query_one("#escalate-box").display = outcome == "escalated" or auto
        if outcome == "referred" and not self.text("referral_contact"):
            dep = next((d for d in self.departments if d.code == self.text("department")), None)
            if dep is not None and dep.phone:
                with self._programmatic():
                    self._set_value("referral_contact", dep.phone)

    def _department_chosen(self, code: str) -> None:
        if self.text("outcome") == "referred":
            dep = next((d for d in self.departments if d.code == code), None)
            if dep is not None:
                with self._programmatic():
                    self._set_value("referral_contact", dep.phone)

    # ----------------------------------------------------------------- the number checked on leaving it
    @on(Input.Blurred, "#phone")
    def _phone_left(self, event: Input.Blurred) -> None:
        from csdesk.services.intake import classify_query

        value = event.value.strip()
        if not value or self.chosen is not None or classify_query(value, exact=False)[0] in ("name", "initials",
                                                                                            "code", "last4"):
            return  # a search, not a number: nothing to check
        if self.text("caller_number") not in ("", "full"):
            return  # a part of a number (…5678), or none: checked on save
        self._check_phone(value)

    # ----------------------------------------------------------------- the record's details checked on leaving them
    @on(Input.Blurred, "#received")
    def _received_left(self, event: Input.Blurred) -> None:
        from csdesk.services.intake import parse_received

        try:
            parse_received(event.value, utcnow())
        except ValueError as exc:
            self.show_error("received", str(exc))

    @on(Input.Blurred, "#satisfaction")
    def _satisfaction_left(self, event: Input.Blurred) -> None:
        from csdesk.services.intake import parse_satisfaction

        try:
            parse_satisfaction(event.value)
        except ValueError as exc:
            self.show_error("satisfaction", str(exc))

    @work(thread=True, exclusive=True, group="intake-phone", exit_on_error=False)
    def _check_phone(self, value: str) -> None:
        from csdesk.domain.phones import PhoneError, parse_phone

        try:
            parse_phone(value)
            error = ""
        except PhoneError as exc:
            error = str(exc)
        self.post_message(PhoneChecked(value, error))

    def on_phone_checked(self, message: PhoneChecked) -> None:
        if message.error and self.text("phone").strip() == message.value and self.chosen is None:
            self.show_error("phone", message.error)

    # ----------------------------------------------------------------- Enter moves on
    def action_tab(self, direction: int) -> None:
        """Tab / Shift+Tab on the form: the next (previous) field, at once (a priority binding)."""
        if self.app.screen is not self:
            raise SkipAction()
        if direction > 0:
            self.focus_next()
        else:
            self.focus_previous()

    def on_key(self, event) -> None:
        """Text typed while the matches list has the focus (Enter on a number several customers share
        put it there, and the agent typed on with the matter) goes into the matter, not lost in a list
        that takes no text; choosing the caller stays one F8 away."""
        olist = self.query_one("#matches", OptionList)
        if self.app.focused is not olist or not event.is_printable or not event.character:
            return
        event.stop()
        event.prevent_default()
        area = self.query_one("#summary", TextArea)
        self.set_focus(area)
        area.insert(event.character)
        self.status(_("{n} customers match: F8 to choose one.").format(n=len(self.matches)))

    def focus_next(self, selector="*"):
        """The next field of the form in the order it is laid out (see :meth:`_step_focus`)."""
        return self._step_focus(1) or super().focus_next(selector)

    def focus_previous(self, selector="*"):
        return self._step_focus(-1) or super().focus_previous(selector)

    def _step_focus(self, direction: int):
        """Tab within the form by the form's own order (the order its fields are composed in).

        Textual orders its focus chain by where widgets were last laid out, and a row shown a moment
        ago (the identity check and the new details, shown when "4" chooses an information change)
        has not been laid out yet: it sorted first, and the Tab typed right after "4" skipped it, so
        the caller's answer went into the handling steps.  The form's order does not wait for a
        layout.  None when the focus is not on a field of the form, or Tab leaves it."""
        form = self.query_one("#form")
        focused = self.focused
        if focused is None or focused is form or form not in focused.ancestors:
            return None
        fields = []
        for widget in form.walk_children(Widget, with_self=False):
            if not widget.can_focus or widget.disabled:
                continue
            node, shown = widget, True
            while node is not form and node is not None:
                if not node.display or node.styles.visibility == "hidden":
                    shown = False
                    break
                node = node.parent
            if shown:
                fields.append(widget)
        if focused not in fields:
            return None
        index = fields.index(focused) + direction
        if not 0 <= index < len(fields):
            return None
        self.set_focus(fields[index])
        return fields[index]

    def action_enter(self) -> None:
        """Enter in a one-line field: the caller's number or name chooses the caller, anywhere else
        the next field.  A priority binding: the focus moves before the next key is handled."""
        focused = self.app.focused
        if not isinstance(focused, Input) or focused.screen is not self or focused.id not in TEXT_FIELDS:
            raise SkipAction()  # a text area's new line, a choice bar's or a list's own Enter
        name = focused.id
        if name not in ("phone", "name"):
            self.focus_next()
            return
        if self.chosen is not None:
            self.set_focus(self.query_one("#summary", TextArea))
            return
        from csdesk.services.intake import classify_query

        query = focused.value
        kind = classify_query(query, exact=False)[0]
        if name == "name" and classify_query(self.text("phone"), exact=False)[0] == "phone":
            self.focus_next()  # a new caller's name, typed after the number: not a search
            return
        if kind == "none":
            self.focus_next()
            return
        if self._result_query == query and self._recognise_timer_idle():
            self._choose_from(self.matches, moved_on=False)  # the matches on screen are this query's
            return
        # the search has not come back yet: choose when it does, with the keys typed after Enter
        # waiting (screens/keys.py), so that they land where the result puts the focus (a known
        # caller: the matter; several: the list; a new caller: the name) however busy the machine
        self._choose_for = query
        self._let_keys_go()
        self._release_keys = self.app.keys.hold()
        self._choose_keys = self.app.keys.delivered
        if self._recognise_timer is not None:
            self._recognise_timer.stop()
        self._recognise(query, self._next_seq())

    def _let_keys_go(self) -> None:
        release, self._release_keys = self._release_keys, _nothing
        release()

    def _recognise_timer_idle(self) -> bool:
        return self._pending_query is None

    def _choose_from(self, matches: tuple, *, moved_on: bool) -> None:
        """Enter on a search: one match is the caller; several are offered in the list; none, a new caller.
        ``moved_on``: the agent typed on since Enter: the focus stays where it is now."""
        if len(matches) == 1:
            self.choose(matches[0], focus=not moved_on)
        elif matches:
            if moved_on:
                self.status(_("{n} customers match: F8 to choose one.").format(n=len(matches)))
            else:
                olist = self.query_one("#matches", OptionList)
                olist.highlighted = 0
                self.set_focus(olist)
        elif not moved_on and getattr(self.app.focused, "id", None) in ("phone", "name"):
            self.focus_next()  # a new caller: on to the next field (unless the focus has moved meanwhile)

    # ----------------------------------------------------------------- recognition
    def _schedule_recognise(self, query: str) -> None:
        if self._recognise_timer is not None:
            self._recognise_timer.stop()
        seq = self._next_seq()
        self._pending_query = query
        if self._choose_for is not None and self._choose_for != query:
            self._choose_for = None  # the agent changed what Enter was pressed on
        self._recognise_timer = self.set_timer(RECOGNISE_DELAY, lambda: self._recognise(query, seq))

    @work(thread=True, exclusive=True, group="intake-recognise", exit_on_error=False)
    def _recognise(self, query: str, seq: int, customer_id: int | None = None) -> None:
        from csdesk.services.intake import recognise

        with self.app.db_read() as session:
            result = recognise(session, query, customer_id=customer_id)
        self.post_message(Recognised(seq, result))

    def on_recognised(self, message: Recognised) -> None:
        result = message.result
        choose_for, moved_on = self._choose_for, self.app.keys.delivered != self._choose_keys
        if choose_for is not None and result.query == choose_for and self.chosen is None:
            # the result Enter was waiting for (whichever search brought it)
            self._choose_for = None
            self._pending_query = None
            self._show_matches(result)
            self._choose_from(result.matches, moved_on=moved_on)
            if self.chosen is None:
                self.show_card(full_number=result.full_number, query=result.query)
            self._let_keys_go()  # the keys typed after Enter go on, to where the focus is now
            return
        if message.seq != self._seq:
            return  # the agent typed on since
        self._pending_query = None
        self._show_matches(result)
        if self._auto_choose:
            self._auto_choose = False
            if len(result.matches) == 1 and result.matches[0].how == "phone":
                self.choose(result.matches[0])
                return
        self.show_card(full_number=result.full_number, query=result.query)

    def _show_matches(self, result) -> None:
        self.matches = result.matches
        self._result_query = result.query
        if self.chosen is None:
            self.card = result.card
        olist = self.query_one("#matches", OptionList)
        olist.set_options([Option(self._match_prompt(m), id=str(m.id)) for m in result.matches])
        olist.display = bool(result.matches) and self.chosen is None
        if result.matches:
            olist.highlighted = 0

    def _match_prompt(self, m) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(m.name or _("(no name)"), style="bold")
        text.append(f"  {self.shown_phone(m.phone)}")
        if m.unit_key or m.address:
            text.append(f"  {m.unit_key or m.address}", style="cyan")
        return text

    @on(OptionList.OptionHighlighted, "#matches")
    def _match_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if self.chosen is not None or event.option.id is None:
            return
        cid = int(event.option.id)
        if self.card is None or self.card.customer.id != cid:
            self._load_card(cid, self._next_seq())

    @work(thread=True, exclusive=True, group="intake-card", exit_on_error=False)
    def _load_card(self, customer_id: int, seq: int) -> None:
        from csdesk.services.intake import customer_card

        with self.app.db_read() as session:
            card = customer_card(session, customer_id)
        self.post_message(CardLoaded(customer_id, card))

    def on_card_loaded(self, message: CardLoaded) -> None:
        wanted = self.customer_id
        if wanted is None:
            olist = self.query_one("#matches", OptionList)
            option = olist.highlighted_option
            wanted = int(option.id) if option is not None and option.id else None
        if message.customer_id == wanted:
            self.card = message.card
            self.show_card()

    @on(OptionList.OptionSelected, "#matches")
    def _match_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        match = next((m for m in self.matches if str(m.id) == event.option.id), None)
        if match is not None:
            self.choose(match)

    @property
    def full_phones(self) -> bool:
        """Supervisors see full numbers; agents see them masked unless they reveal one (audited)."""
        from csdesk.domain.policy import Act, may

        agent = self.app.agent
        return agent is not None and may(agent, Act.SEE_FULL_PHONE)

    def shown_phone(self, number: str) -> str:
        return number if self.full_phones or number == self._revealed else mask_phone(number)

    def choose(self, match, *, focus: bool = True) -> None:
        """The agent picked a match: the form takes the customer's details.

        The field the search was typed in takes the caller's number (masked for an agent) or
        name; the other fields take the customer's details where they are still empty, so that
        nothing the agent typed is overwritten (a number typed in full stays as typed)."""
        from csdesk.services.intake import classify_query

        self.chosen = match
        self.customer_id = match.id
        self._phone_at_choice = self.text("phone")  # a change message of this very text, late, is no edit
        if self.card is None or self.card.customer.id != match.id:
            self._load_card(match.id, self._next_seq())
        phone_kind = classify_query(self.text("phone"), exact=False)[0]
        name_kind = classify_query(self.text("name"), exact=False)[0]
        with self._programmatic():
            if phone_kind != "phone":
                self._show_phone(match.phone)
            typed_name = self.text("name").strip()
            if not typed_name or name_kind == "initials" or match.name.startswith(typed_name):
                self._set_value("name", match.name)  # empty, or the name (its start, its initials) searched
            if not any(self.text(n).strip() for n in ("building", "unit", "room", "address")):
                for name in ("building", "unit", "room", "address"):
                    self._set_value(name, getattr(match, name))
        for name in ("phone", "name", "building", "unit", "room", "address"):
            self._clear_error(name)
        self.status("")  # "N customers match" is answered
        self.query_one("#matches", OptionList).display = False
        self.show_card()
        if focus:
            self.set_focus(self.query_one("#summary", TextArea))
        self._start_timer()
        self._changed()

    def _unchoose(self) -> None:
        self.chosen = None
        self._phone_shown = ""
        self._phone_at_choice = ""
        self.customer_id = None
        self.card = None
        self.identity_check = None
        self.show_card()

    def show_card(self, full_number: str = "", query: str = "") -> None:
        card = self.card
        text = Text()
        if card is None:
            if self.chosen is None and full_number:
                self._show("#card-title", _("New caller"), layout=False)
                text.append(_("Not known yet: a new customer record is made on save."), style="bold yellow")
            elif self.chosen is None and query and not self.matches:
                self._show("#card-title", _("Customer"), layout=False)
                text.append(_("No customer matches {query!r}.").format(query=query), style="dim")
            else:
                self._show("#card-title", _("Customer"), layout=False)
                text.append(_("Type the caller's number, its last four digits, a name or initials (zs)."),
                            style="dim")
            self._show("#card", text)
            return
        c = card.customer
        self._show("#card-title", (_("Customer") + ": " + (c.name or c.code)) + ("  ✓" if self.chosen else ""), layout=False)
        text.append(f"{c.name or _('(no name)')}", style="bold")
        text.append(f"  {c.code}\n", style="dim")
        if c.phones:
            text.append(_("Phones") + ": " + ", ".join(self.shown_phone(p) for p in c.phones))
            if not self.full_phones and self._revealed not in c.phones:
                text.append("  " + _("(Ctrl+O: the full number, recorded)"), style="dim")
            text.append("\n")
        if card.units or c.address:
            text.append(_("Units") + ": " + ", ".join(card.units or (c.address,)) + "\n", style="cyan")
        if card.refused_visit:
            text.append("⚠ " + _("On the refused-visit list: do not call for return visits."), style="bold red")
            if card.refused_reason:
                text.append(f" ({card.refused_reason})", style="red")
            text.append("\n")
        repeat = card.repeat_of(self.text("category"))
        if repeat is not None:
            text.append("⚠ " + _("Same unit, same matter in the last 7 days: {number} on {when}").format(
                number=repeat.number, when=fmt(repeat.received_at, "%m-%d %H:%M")) + "\n", style="bold yellow")
            text.append(f"   {repeat.summary}\n", style="yellow")
        elif card.week:
            text.append(_("Contacts from this unit in the last 7 days: {n}").format(n=len(card.week)) + "\n",
                        style="yellow")
        now = utcnow()
        if card.open_orders:
            text.append(_("Open orders") + "\n", style="bold")
            for o in card.open_orders:
                late = o.overdue(now)
                text.append(f" {o.number} ", style="bold")
                text.append(_("due {when}").format(when=fmt(o.deadline_at, "%m-%d %H:%M")), style="bold red" if late else "")
                if late:
                    text.append(" " + _("OVERDUE"), style="bold red")
                text.append(f" {o.description}\n", style="dim")
        if card.open_complaints:
            text.append(_("Open complaints") + "\n", style="bold red")
            for p in card.open_complaints:
                text.append(f" {p.number} {fmt(p.complained_at, '%m-%d')} {p.about}\n", style="red")
        if card.recent:
            text.append(_("Recent contacts") + "\n", style="bold")
            for line in card.recent:
                text.append(f" {fmt(line.received_at, '%m-%d %H:%M')} ", style="dim")
                text.append(f"{self._category_name(line.category)} · {line.summary}\n")
        if not (card.open_orders or card.open_complaints or card.recent):
            text.append(_("No earlier contacts.") + "\n", style="dim")
        self._show("#card", text)

    def _category_name(self, code: str) -> str:
        return next((c.name for c in self.categories if c.code == code), code)

    # ----------------------------------------------------------------- identity check
    def _schedule_identity(self) -> None:
        if self._identity_timer is not None:
            self._identity_timer.stop()
        answer = self.text("identity")
        self._identity_timer = self.set_timer(RECOGNISE_DELAY, lambda: self._check_identity(answer))

    @work(thread=True, exclusive=True, group="intake-identity", exit_on_error=False)
    def _check_identity(self, answer: str) -> None:
        from csdesk.services.intake import verify_identity

        with self.app.db_read() as session:
            check = verify_identity(session, self.customer_id, answer, self.found_by)
        self.post_message(IdentityChecked(answer, check))

    def on_identity_checked(self, message: IdentityChecked) -> None:
        if message.answer != self.text("identity"):
            return
        self.identity_check = message.check
        status = self.query_one("#identity-status", Static)
        if not message.answer.strip():
            status.update("")
        elif message.check.verified:
            how = {"last4": _("last four digits"), "full_number": _("full registered number")}.get(
                message.check.how, _("name on the order"))
            status.update(Text("✓ " + _("Verified ({how}): the change will be applied.").format(how=how),
                               style="bold green"))
        elif self.customer_id is None:
            status.update(Text("✗ " + _("Choose the known customer first: a new caller cannot be verified."),
                               style="bold red"))
        elif self.found_by == "last4" and message.answer.strip().isdigit() and len(message.answer.strip()) == 4:
            status.update(Text("✗ " + _("Found by the last four digits: ask for the name on record or the full "
                                        "registered number."), style="bold red"))
        else:
            status.update(Text("✗ " + _("Not verified: the contact is recorded, the change is not applied."),
                               style="bold red"))
        self.update_script()

    # ----------------------------------------------------------------- saving
    def action_save(self) -> None:
        if self.saving:
            return
        if not self.categories:
            self.status(_("Still loading the categories; try again in a moment."), error=True)
            return
        if self.chosen is None and len(self.matches) > 1 and self._result_query in (self.text("phone"),
                                                                                      self.text("name")):
            # several known customers answer to what was typed: the agent chooses, rather than filing the
            # call under a part of a number or a name nobody is linked to
            self.show_error("phone", _("{n} customers match: F8 to choose the caller, or type the whole "
                                       "number.").format(n=len(self.matches)))
            return
        self.saving = True
        self._close_draft()  # the save removes the draft: no write of what it saves may come after it
        self.status(_("Saving…"))
        self._save(self.form(), self._draft_id)

    @work(thread=True, exclusive=True, group="intake-save", exit_on_error=False)
    def _save(self, form, draft_id: int | None) -> None:
        from csdesk.domain.errors import DeskError, Invalid
        from csdesk.services.drafts import close_for_save
        from csdesk.services.intake import IntakeInvalid, record_contact

        # expected refusals become messages at the fields; anything else goes to the error policy
        try:
            # the draft lock: a draft write already running finishes first, and the save's
            # deletion of the draft is the last word on it
            with self._draft_lock, self.app.db_write() as session:
                saved = record_contact(session, form, self.app.agent, settings=self.app.settings)
                close_for_save(session, self.app.agent.id, DRAFT_KIND, self.console_name, draft_id)
                self._draft_id = None
        except (IntakeInvalid, Invalid) as exc:
            self.post_message(SaveFailed(exc.errors))
            return
        except DeskError as exc:  # refused, gone, already closed: one line, the form kept
            self.post_message(SaveFailed(None, str(exc)))
            return
        self.post_message(Saved(saved))

    def on_save_failed(self, message: SaveFailed) -> None:
        self.saving = False
        self._schedule_draft()  # the form stays: so does its draft
        for name, text in message.errors.items():
            self.show_error(name, text)
        if message.errors:
            first = next((n for n in FIELD_ORDER if n in message.errors), None)
            self.status(_("Not saved: check the fields marked in red."), error=True)
            if first is not None:
                self._focus_field(first)
        else:
            self.status(message.message, error=True)

    def _focus_field(self, name: str) -> None:
        box = {"identity": "identity-box", "new_phone": "identity-box", "new_name": "identity-box",
               "new_address": "identity-box", "department": "department-box", "referral_contact": "referral-box",
               "promise": "promise-box", "escalation_reason": "escalate-box",
               "callback_result": "callback-box", "channel_detail": "sub-channel-box"}.get(name)
        if box:
            self.query_one(f"#{box}").display = True
        widget = self.query_one(f"#{name}")
        self.set_focus(widget)
        widget.scroll_visible()

    def on_saved(self, message: Saved) -> None:
        from csdesk.domain import Outcome

        self.saving = False
        s = message.saved
        self.last_saved = s
        parts = [_("Saved {number}").format(number=s.number)]
        if not s.work_order_number:
            try:
                parts.append(Outcome(s.outcome).label)
            except ValueError:
                pass
        if s.work_order_number:
            parts.append(_("work order {number}, due {when}").format(
                number=s.work_order_number, when=fmt(s.deadline_at, "%m-%d %H:%M")))
        if s.callback_due_at:
            parts.append(_("call-back due {when}").format(when=fmt(s.callback_due_at, "%m-%d %H:%M")))
        if s.complaint_number:
            parts.append(_("complaint {number}").format(number=s.complaint_number))
        if s.escalation_id:
            parts.append(_("sent to the supervisor"))
        if s.identity_verified is False:
            parts.append(_("identity not verified: change not applied"))
        elif s.identity_verified:
            parts.append(_("the customer's record is changed"))
        if s.new_customer:
            parts.append(_("new customer {code}").format(code=s.customer_code))
        summary = " · ".join(parts)
        self.clear_form()
        self.status(summary)
        self.notify(summary, title=_("Saved"), timeout=6)
        self.refresh_queue()
        if s.work_order_id and "orders" in getattr(self.app, "modes_ready", ()):
            from screens.orders import land_on_order

            land_on_order(self.app, s.work_order_id, summary)  # F3's form of the order: appointment, technician, fees

    def worker_error(self, worker, line: str) -> None:
        """A worker failed (the error policy: screens/errors.py): the line on the status line, the form as it was."""
        if worker.group == "intake-save":
            self.saving = False  # Ctrl+S tries again
            self._schedule_draft()
        elif worker.group == "intake-draft-load":
            self._draft_checked = True  # as with no draft: what is typed now is kept as the draft
            self._schedule_draft()
        elif worker.group == "intake-recognise":
            self._let_keys_go()
        self.status(line, error=True)

    def status(self, text: str, error: bool = False) -> None:
        self._show("#form-status", text)
        self.query_one("#form-status", Static).set_class(error, "-error")

    def show_error(self, name: str, text: str) -> None:
        try:
            widget = self.query_one(f"#{name}-error", Static)
        except (NoMatches, InvalidQueryFormat):  # not a field of this form
            self.status(text, error=True)
            return
        widget.update(text)
        widget.display = bool(text)
        self.query_one(f"#{name}").set_class(bool(text), "-invalid")

    def _clear_error(self, name: str) -> None:
        if not name:
            return
        try:
            widget = self.query_one(f"#{name}-error", Static)
        except (NoMatches, InvalidQueryFormat):  # not a field of this form
            return
        if widget.display:
            widget.update("")
            widget.display = False
            self.query_one(f"#{name}").set_class(False, "-invalid")

    def clear_form(self) -> None:
        from csdesk.domain import CallbackResult, Channel, Urgency

        with self._programmatic():
            for name in (*TEXT_FIELDS, *AREA_FIELDS):
                self._set_value(name, "")
            self._set_value("channel", Channel.PHONE.value)
            self._set_value("category", "")
            self._set_value("urgency", Urgency.NORMAL.value)
            self._set_value("outcome", "")
            self._set_value("callback_result", CallbackResult.DONE.value)
            self._set_value("channel_detail", "")
            self._set_value("caller_number", "full")
        self._channel_changed()
        for name in FIELD_ORDER:
            self._clear_error(name)
        self.query_one("#identity-status", Static).update("")
        self.query_one("#callback-box").display = False
        self.customer_id = None
        self.chosen = None
        self.card = None
        self.matches = ()
        self.callback_id = None
        self.callback_note = ""
        self.identity_check = None
        self.started_at = None
        self.received_at = None
        self._outcome_touched = False
        self._seq += 1  # results of searches still running are stale now
        self._pending_query = None
        self._choose_for = None
        self._let_keys_go()
        self._result_query = None
        self._phone_shown = ""
        self._phone_at_choice = ""
        self._revealed = ""
        if self._recognise_timer is not None:
            self._recognise_timer.stop()
        self.query_one("#matches", OptionList).display = False
        self._category_changed()
        self._outcome_changed()
        self.show_card()
        self.update_script()
        self._tick()
        self.set_focus(self.query_one("#phone", Input))

    # ----------------------------------------------------------------- discarding
    def action_discard(self) -> None:
        if self.saving:
            return
        if self.is_empty():
            self.clear_form()
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self._close_draft()
                self.clear_form()
                self._discard_draft()
                self.status(_("Discarded."))

        self.app.push_screen(ConfirmModal(_("Discard this intake? What was typed will be lost."),
                                          _("Discard"), _("Keep editing")), answered)

    def ask_quit(self) -> None:
        """Ctrl+Q with a filled form: ask; the draft is written before the console goes, either way kept."""
        if isinstance(self.app.screen, ConfirmModal):
            return

        def answered(quit_now: bool | None) -> None:
            if quit_now:
                self.flush_draft_then(self.app.exit)
            else:
                self._write_draft()

        self.app.push_screen(ConfirmModal(
            _("Quit csdesk? The intake on screen is not saved: it is kept as a draft and offered back "
              "at the next login."), _("Quit"), _("Stay")), answered)

    # ----------------------------------------------------------------- drafts
    @property
    def console_name(self) -> str:
        return getattr(self.app, "console_name", None) or ""

    def _schedule_draft(self) -> None:
        """A change: the draft follows within DRAFT_DELAY (typing on does not put it off)."""
        if not self._draft_checked or self.app.agent is None or self.saving:
            return
        self._draft_gen += 1
        if self._draft_timer is None:
            self._draft_timer = self.set_timer(DRAFT_DELAY, self._write_draft)

    def on_descendant_focus(self, event) -> None:
        if self._draft_gen > self._draft_written:  # leaving a field: what it holds is kept now
            self._write_draft()
        widget = getattr(event, "widget", None)
        if widget is not None and widget.id and widget.id in (*TEXT_FIELDS, *AREA_FIELDS, *BAR_FIELDS):
            self._last_field = widget.id

    def on_screen_suspend(self) -> None:
        """Leaving intake (F2, F3 …): the focus goes back to the form now, so that the first key typed on
        the way back (F1 and the number at once) finds it there: the resume comes after that key (a
        real-terminal test lost the first digit of the number, as a desk trial had, 1 time in 9)."""
        self.on_screen_resume()

    def on_screen_resume(self) -> None:
        """Back on intake (F1 from another screen): the agent types into the form, not into the queue
        or the matches list left focused (Enter there took a call-back unasked): the field last typed
        in, or the caller's number on an empty form."""
        focused = self.focused
        if focused is not None and focused.id not in ("matches", "queue-list") and focused.id != "queue":
            return
        name = "phone" if self.is_empty() else getattr(self, "_last_field", "phone")
        target = next(iter(self.query(f"#{name}")), None)
        if target is not None and target.display:
            self.set_focus(target)

    def draft_payload(self) -> dict:
        payload = self.form().to_dict()
        payload["phone_typed"] = self.text("phone")
        payload["customer_name"] = self.chosen.name if self.chosen else ""
        payload["callback_note"] = self.callback_note
        payload["elapsed"] = self.elapsed()
        payload["category"] = self.text("category")
        payload["subtype"] = self.text("subtype")
        payload["outcome_touched"] = self._outcome_touched
        focused = self.app.focused
        payload["focused"] = focused.id if focused is not None and focused.id in (*TEXT_FIELDS, *AREA_FIELDS) else ""
        return payload

    def _write_draft(self) -> None:
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None
        if self.saving or not self._draft_checked or self.app.agent is None:
            return
        self._save_draft(self._draft_gen, None if self.is_empty() else self.draft_payload())

    @work(thread=True, group="intake-draft", exit_on_error=False)
    def _save_draft(self, gen: int, payload: dict | None) -> None:
        self._draft_to_database(gen, payload)

    def _draft_to_database(self, gen: int, payload: dict | None) -> None:
        """Write the form's draft as it was at change ``gen`` (in a worker thread); older writes never
        come after newer ones, and none after the save (or a discard) of the changes it holds."""
        from csdesk.services.drafts import discard_draft, save_draft

        with self._draft_lock:
            if gen <= self._draft_written or gen <= self._draft_barrier:
                return
            agent_id = self.app.agent.id
            with self.app.db_write() as session:
                if payload is None:
                    discard_draft(session, agent_id, DRAFT_KIND, self.console_name)
                    draft_id = None
                else:
                    draft_id = save_draft(session, agent_id, DRAFT_KIND, payload, console=self.console_name)
            self._draft_written = gen
            self._draft_id = draft_id

    def _close_draft(self) -> None:
        """What the form holds now is saved or discarded: no draft write may bring it back."""
        self._draft_barrier = self._draft_gen
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None

    @work(thread=True, group="intake-draft-discard", exit_on_error=False)
    def _discard_draft(self) -> None:
        from csdesk.services.drafts import discard_draft

        with self._draft_lock, self.app.db_write() as session:
            discard_draft(session, self.app.agent.id, DRAFT_KIND, self.console_name)
            self._draft_id = None

    def _draft_heartbeat(self) -> None:
        if self._draft_id is not None and self.app.agent is not None:
            self._touch_draft()

    @work(thread=True, exclusive=True, group="intake-draft-touch", exit_on_error=False)
    def _touch_draft(self) -> None:
        from csdesk.services.drafts import touch

        with self.app.db_write() as session:
            touch(session, self.console_name)

    def flush_draft_then(self, then) -> None:
        """Write the draft now (the form as it is), then call ``then`` (Ctrl+Q: quit)."""
        self._draft_checked = True
        self._draft_gen += 1
        self._flush_draft(self._draft_gen, None if self.is_empty() else self.draft_payload(), then)

    @work(thread=True, group="intake-draft", exit_on_error=False)
    def _flush_draft(self, gen: int, payload: dict | None, then) -> None:
        try:
            self._draft_to_database(gen, payload)
        finally:
            self.app.call_from_thread(then)

    def check_draft(self) -> None:
        """Look for an unsaved intake of a console that is gone (at login); keys typed after this mean
        the agent is on a call, and the question then waits for the next login."""
        self._keys_at_draft_check = getattr(self.app, "keys_seen", 0)
        self._load_draft()

    @work(thread=True, group="intake-draft-load", exit_on_error=False)
    def _load_draft(self) -> None:
        from csdesk.services.drafts import orphaned_drafts

        with self.app.db_read() as session:
            found = orphaned_drafts(session, self.app.agent.id, DRAFT_KIND, self.console_name)
        self.post_message(DraftFound(found[0] if found else None))

    def on_draft_found(self, message: DraftFound) -> None:
        draft = message.draft
        if draft is None:
            self._draft_checked = True
            self._schedule_draft()
            return

        def answered(choice: str | None) -> None:
            if choice == "restore":
                self._claim_draft(draft)
                return
            self._draft_checked = True
            if choice == "discard":
                self._discard_orphan(draft.id)
                self.status(_("The unsaved intake was discarded."))
            else:  # Escape, or any other way out: kept
                self.status(_("The unsaved intake is kept: it is offered again at the next login."))
            self._schedule_draft()

        if not self.is_empty() or getattr(self.app, "keys_seen", 0) != getattr(self, "_keys_at_draft_check", 0):
            # the agent is already typing a call: a question now would take its keys (Enter as "restore")
            # and mix two callers; the draft stays for the next login
            self._draft_checked = True
            self.status(_("An unsaved intake from {when} is kept: it is offered at the next login.").format(
                when=fmt(draft.updated_at, "%m-%d %H:%M")))
            self._schedule_draft()
            return
        p = draft.payload
        who = " ".join(x for x in (p.get("name", ""), self.shown_phone(p.get("phone", ""))) if x)
        summary = (p.get("summary") or "").strip().split("\n", 1)[0][:60]
        question = _("An intake was not saved ({when}): {who} {summary}\nRestore it?").format(
            when=fmt(draft.updated_at, "%m-%d %H:%M"), who=who, summary=summary)
        self.app.push_screen(DraftPrompt(question), answered)

    @work(thread=True, group="intake-draft", exit_on_error=False)
    def _claim_draft(self, draft) -> None:
        from csdesk.services.drafts import claim_draft

        with self._draft_lock:
            with self.app.db_write() as session:
                ok = claim_draft(session, draft, self.console_name)
            if ok:
                self._draft_id = draft.id
        self.post_message(DraftClaimed(draft, ok))

    def on_draft_claimed(self, message: DraftClaimed) -> None:
        self._draft_checked = True
        if message.ok:
            self.restore(message.draft.payload)
        else:
            self.status(_("Another console has restored that intake."), error=True)
        self._schedule_draft()

    @work(thread=True, group="intake-draft-discard", exit_on_error=False)
    def _discard_orphan(self, draft_id: int) -> None:
        from csdesk.services.drafts import discard_draft_id

        with self.app.db_write() as session:
            discard_draft_id(session, draft_id)

    def restore(self, payload: dict) -> None:
        """Put a draft back into the form."""
        from csdesk.services.intake import IntakeForm

        form = IntakeForm.from_dict(payload)
        with self._programmatic():
            for name in (*TEXT_FIELDS, *AREA_FIELDS):
                self._set_value(name, str(getattr(form, name, "") or ""))
        typed = payload.get("phone_typed")
        if typed is not None and typed != form.phone and form.phone:
            self._show_phone(form.phone)  # a number from the records: masked again
        with self._programmatic():
            self._set_value("channel", form.channel or "phone")
            self._set_value("category", payload.get("category", ""))
        self._category_changed()
        with self._programmatic():
            self._set_value("subtype", payload.get("subtype", ""))
            self._set_value("urgency", form.urgency or "normal")
            if form.outcome:
                self._set_value("outcome", form.outcome)
            if form.department:
                self._set_value("department", form.department)
            self._set_value("callback_result", form.callback_result or "done")
            self._set_value("channel_detail", form.channel_detail or "")
            self._set_value("caller_number", form.caller_number or "full")
        self._channel_changed()
        self._outcome_touched = bool(payload.get("outcome_touched"))
        self.customer_id = form.customer_id
        self.callback_id = form.callback_id
        self.callback_note = payload.get("callback_note", "")
        self.query_one("#callback-box").display = self.callback_id is not None
        self.received_at = form.received_at or utcnow()
        self.started_at = time.monotonic() - int(payload.get("elapsed") or 0)
        self._outcome_changed()
        if form.customer_id:
            self._restore_customer(form.customer_id, self._next_seq())
        elif form.phone:
            self._recognise(form.phone, self._next_seq())
        self.status(_("Draft restored."))
        self.update_script()
        for name in AREA_FIELDS:  # the cursor after what was typed, not before it
            area = self.query_one(f"#{name}", TextArea)
            area.move_cursor(area.document.end)
        for name in TEXT_FIELDS:
            field = self.query_one(f"#{name}", Input)
            field.cursor_position = len(field.value)
        where = payload.get("focused") or "summary"  # the field the agent was typing in
        target = next(iter(self.query(f"#{where}")), None) if where in (*TEXT_FIELDS, *AREA_FIELDS) else None
        self.set_focus(target if target is not None and target.display else self.query_one("#summary", TextArea))

    @work(thread=True, exclusive=True, group="intake-card", exit_on_error=False)
    def _restore_customer(self, customer_id: int, seq: int) -> None:
        from csdesk.services.intake import Recognition, customer_card

        with self.app.db_read() as session:
            card = customer_card(session, customer_id)
        self.post_message(CallbackLoaded(None, Recognition("", (card.customer,) if card else (), card)))

    # ----------------------------------------------------------------- My queue
    def refresh_queue(self) -> None:
        if self.app.agent is not None:
            self._load_queue()

    @work(thread=True, exclusive=True, group="intake-queue", exit_on_error=False)
    def _load_queue(self) -> None:
        from csdesk.services.callbacks import my_queue

        with self.app.db_read() as session:
            items = my_queue(session, self.app.agent)
        self.post_message(QueueLoaded(items))

    def on_queue_loaded(self, message: QueueLoaded) -> None:
        self.query_one(QueuePanel).set_items(message.items, utcnow())

    def on_queue_panel_chosen(self, message: QueuePanel.Chosen) -> None:
        item = message.item
        if item.kind == "escalation":
            self._escalation_chosen(item)
            return

        def go(discard: bool | None) -> None:
            if discard:
                self._close_draft()
                self.clear_form()
                self._discard_draft()
                self._take_callback(item.id)

        if self.is_empty():
            go(True)
        else:
            self.app.push_screen(ConfirmModal(_("Discard the intake on screen and take this call-back?"),
                                              _("Discard"), _("Keep editing")), go)

    @work(thread=True, exclusive=True, group="intake-card", exit_on_error=False)
    def _take_callback(self, callback_id: int) -> None:
        from csdesk.services.callbacks import get_callback
        from csdesk.services.intake import Recognition, customer_card

        with self.app.db_read() as session:
            info = get_callback(session, callback_id)
            card = customer_card(session, info.customer_id) if info and info.customer_id else None
        result = Recognition("", (card.customer,) if card else (), card)
        self.post_message(CallbackLoaded(info, result))

    def on_callback_loaded(self, message: CallbackLoaded) -> None:
        info, result = message.info, message.result
        if info is not None:
            if info.done_at is not None:
                self.status(_("That call-back is already closed."), error=True)
                self.refresh_queue()
                return
            from csdesk.domain import CallbackKind

            self.clear_form()
            self.callback_id = info.id
            try:
                kind = CallbackKind(info.kind).label
            except ValueError:
                kind = info.kind
            self.callback_note = f"{kind}: {info.note}"
            with self._programmatic():
                self._set_value("channel", "outbound")
                self._set_value("name", info.customer_name)
            if info.phone:
                self._show_phone(info.phone)
            self.query_one("#callback-box").display = True
            from csdesk.domain import CallbackResult
            from csdesk.domain.rules import callback_result_choices

            with self._programmatic():  # "refused" answers a return visit only
                self.bar("callback_result").set_options(
                    [(r.value, r.label) for r in callback_result_choices(
                        CallbackKind.RETURN_VISIT if info.is_return_visit else info.kind)], CallbackResult.DONE.value)
            self._start_timer()
            self.status(_("Call-back") + " · " + self.callback_note)
        if result.card is not None:
            self.card = result.card
            self.matches = result.matches
            match = result.card.customer
            self.chosen = match
            self.customer_id = match.id
            if info is not None:
                if not self.text("phone"):
                    self._show_phone(match.phone)
                with self._programmatic():
                    for name in ("building", "unit", "room", "address"):
                        self._set_value(name, getattr(match, name))
        self.show_card()
        self.update_script()
        if info is not None:
            self.set_focus(self.query_one("#summary", TextArea))
            self._changed()

    def _escalation_chosen(self, item) -> None:
        agent = self.app.agent
        if not agent.is_supervisor:
            self.status(_("Waiting for a supervisor to take it."))
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._acknowledge(item.id)

        self.app.push_screen(ConfirmModal(
            _("Acknowledge this escalation and take it on?\n{what}").format(what=f"{item.title}: {item.note}"),
            _("Acknowledge"), _("Not now")), answered)

    @work(thread=True, group="intake-ack", exit_on_error=False)
    def _acknowledge(self, escalation_id: int) -> None:
        from csdesk.domain.errors import DeskError
        from csdesk.services.callbacks import acknowledge_escalation

        try:
            with self.app.db_write() as session:
                ack = acknowledge_escalation(session, escalation_id, self.app.agent)
        except DeskError as exc:
            self.post_message(QueueActionDone(str(exc), ok=False))
            return
        self.post_message(QueueActionDone(_("Escalation acknowledged by {staff_no} at {when}.").format(
            staff_no=ack.acknowledged_by, when=fmt(ack.acknowledged_at, "%H:%M:%S"))))

    def on_queue_action_done(self, message: QueueActionDone) -> None:
        self.status(message.message, error=not message.ok)
        self.refresh_queue()

    # ----------------------------------------------------------------- revealing a number (audited)
    def action_reveal(self) -> None:
        """Ctrl+O: the chosen caller's number in full, deliberately; the audit log records it."""
        if self.chosen is None or self.full_phones:
            self.app.bell()
            return
        number = self._phone_real or self.chosen.phone
        if not number or number == self._revealed:
            self.app.bell()
            return
        self._reveal(self.chosen.id, number)

    @work(thread=True, exclusive=True, group="intake-reveal", exit_on_error=False)
    def _reveal(self, customer_id: int, number: str) -> None:
        from csdesk.services.intake import reveal_customer_phone

        with self.app.db_write() as session:
            phone = reveal_customer_phone(session, customer_id, number, self.app.agent)
        self.post_message(Revealed(customer_id, phone))

    def on_revealed(self, message: Revealed) -> None:
        if self.chosen is None or self.chosen.id != message.customer_id:
            return  # the agent moved on to another caller meanwhile
        self._revealed = message.phone
        if self._phone_shown and self.text("phone") == self._phone_shown:
            self._show_phone(message.phone)  # now shown in full (typing it is unchanged: phone_value)
        self.show_card()
        self.status(_("Full number shown; the audit log records it."))

    # ----------------------------------------------------------------- other actions
    def action_find(self) -> None:
        self.set_focus(self.query_one("#phone", Input))

    def action_focus_matches(self) -> None:
        matches = self.query_one("#matches", OptionList)
        if matches.display and matches.option_count:
            self.set_focus(matches)
        else:
            self.app.bell()

    def action_focus_queue(self) -> None:
        olist = self.query_one(QueuePanel).list
        if olist.highlighted is None and olist.option_count:
            olist.highlighted = 0
        self.set_focus(olist)

    def action_offer_callback(self) -> None:
        """The caller should not wait: the outcome becomes a promised reply (default 1 h)."""
        self._outcome_touched = True
        self.bar("outcome").value = "promised"
        self._outcome_changed()
        self.set_focus(self.query_one("#promise", Input))
