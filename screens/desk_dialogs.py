"""Dialogs of the complaints and visits screens: a step with its text and time, the complaint's
tracking record field for field, a one-line question.

Each dialog saves through the service in its own thread worker and closes only when the save
succeeded; a refused or invalid entry shows its message at the field and the dialog stays open
with what was typed.

A dialog opened with a ``draft_key`` (the record and the step: ``v12:busy``, ``cp7:write_pl``)
keeps a draft of its fields as the agent types, like intake (:mod:`csdesk.services.drafts`):
written at most :data:`DRAFT_DELAY` after a change, deleted in the transaction that saves, and
deleted when the agent deliberately cancels.  A console killed mid-typing leaves it behind; the
next time the same dialog opens for the same record (this console, or the agent's next one once
the killed one is gone) it comes back in the fields, claimed so that only one console restores it.  Their styles live in ``desk_dialogs.tcss``, loaded by the screens that use
them (a class's DEFAULT_CSS is parsed when it is first mounted: slow to open).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static, TextArea

from csdesk.i18n import _
from screens.errors import WorkerErrors
from screens.intake_widgets import ChoiceBar, DeskInput
from screens.keys import after_typing
from screens.widgets import KeepsTyping

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
DRAFT_DELAY = 0.15  # s from a change to the dialog's draft being written (typing on does not put it off)
DRAFT_HEARTBEAT = 60.0  # s: an open dialog with a draft says its console is alive


def parse_local(text: str) -> datetime | None:
    """``2023-10-28 10:15`` (or with seconds) in the desk's zone; None for empty; ValueError otherwise."""
    from csdesk.clock import local_tz

    value = (text or "").strip().replace("/", "-").replace("T", " ")
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(_("A date and time such as 2026-11-28 10:15.")) from None
    if not 1900 <= when.year <= 2100:
        raise ValueError(_("A date and time such as 2026-11-28 10:15."))
    return when if when.tzinfo else when.replace(tzinfo=local_tz())


class DraftLoaded(Message):
    def __init__(self, draft: Any) -> None:
        super().__init__()
        self.draft = draft


class DialogSaved(Message):
    def __init__(self, result: Any = None, errors: dict[str, str] | None = None, message: str = "") -> None:
        super().__init__()
        self.result, self.errors, self.message = result, errors or {}, message


class _SavingDialog(KeepsTyping, WorkerErrors, ModalScreen):
    """A dialog that saves through ``save(session, values)`` in a worker and closes with its result."""

    def __init__(self, save: Callable[[Any, dict], Any], *, draft_key: str = "") -> None:
        super().__init__()
        self.save_fn = save
        self.saving = False
        self.draft_kind = f"dlg:{draft_key}"[:32] if draft_key else ""
        self._draft_ready = False  # the look for a left-over draft is done: changes are kept from now
        self._draft_gen = 0  # counts changes of the fields
        self._draft_written = 0  # the change the draft in the database holds
        self._draft_barrier = 0  # changes up to here belong to a save or a discard: no draft for them
        self._draft_lock = threading.Lock()  # one draft write (or the save) at a time
        self._draft_timer = None
        self._draft_id: int | None = None
        self.restored_draft = None  # the draft put back into the fields, if one was

    def on_mount(self) -> None:  # runs with each dialog's own on_mount (Textual calls both)
        self.call_after_refresh(self.remember_typing)  # Esc on typed text asks (KeepsTyping)
        if self.draft_kind and getattr(self.app, "agent", None) is not None:
            self.call_after_refresh(self._find_draft)
            self.set_interval(DRAFT_HEARTBEAT, self._draft_heartbeat)

    # ------------------------------------------------------------------ drafts
    @property
    def console_name(self) -> str:
        return getattr(self.app, "console_name", None) or ""

    def draft_fields(self) -> dict[str, str]:
        """Every field as typed: inputs, text areas and choices by their ids."""
        out: dict[str, str] = {}
        for widget in self.query("Input, TextArea, ChoiceBar"):
            if widget.id:
                out[widget.id] = widget.text if isinstance(widget, TextArea) else str(widget.value or "")
        return out

    @work(thread=True, exclusive=True, group="dialog-draft-load", exit_on_error=False)
    def _find_draft(self) -> None:
        from csdesk.services.drafts import claim_draft, load_draft, orphaned_drafts

        agent_id, console = self.app.agent.id, self.console_name
        with self.app.db_read() as session:  # the usual answer is "none": no write lock for it
            found = load_draft(session, agent_id, self.draft_kind, console)
            orphans = [] if found is not None else orphaned_drafts(session, agent_id, self.draft_kind, console)
        if orphans:
            with self.app.db_write() as session:
                found = next((o for o in orphans if claim_draft(session, o, console)), None)
        self.post_message(DraftLoaded(found))

    def on_draft_loaded(self, message: DraftLoaded) -> None:
        draft = message.draft
        if draft is not None and not self.saving and self.typed_now() == self._typed_at_open:
            fields = {w.id: w for w in self.query("Input, TextArea, ChoiceBar") if w.id}
            for name, value in draft.payload.items():
                widget = fields.get(name)
                if widget is None or not isinstance(value, str):
                    continue
                if isinstance(widget, TextArea):
                    widget.text = value
                else:
                    widget.value = value
            self._draft_id = draft.id
            self.restored_draft = draft
            from csdesk.clock import fmt

            self.query_one("#dlg-status", Static).update(
                _("Restored what was typed here at {when} and not saved; Esc discards it.").format(
                    when=fmt(draft.updated_at, "%m-%d %H:%M")))
        self._draft_ready = True
        if self.typed_now() != self._typed_at_open:
            self._schedule_draft()  # typed before the look finished, or restored: kept from now

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(ChoiceBar.Changed)
    def _field_changed(self) -> None:
        self._schedule_draft()

    def _schedule_draft(self) -> None:
        """A change: the draft follows within DRAFT_DELAY (typing on does not put it off)."""
        if not self.draft_kind or not self._draft_ready or self.saving:
            return
        self._draft_gen += 1
        if self._draft_timer is None:
            self._draft_timer = self.set_timer(DRAFT_DELAY, self._write_draft)

    def _write_draft(self) -> None:
        self._draft_timer = None
        if self.saving or not self._draft_ready:
            return
        fields = self.draft_fields()
        self._save_draft(self._draft_gen, fields if any(v.strip() for v in fields.values()) else None)

    @work(thread=True, group="dialog-draft", exit_on_error=False)
    def _save_draft(self, gen: int, payload: dict | None) -> None:
        from csdesk.services.drafts import discard_draft, save_draft

        with self._draft_lock:
            if gen <= self._draft_written or gen <= self._draft_barrier:
                return  # a newer write came first, or the save (or a discard) has the last word
            agent_id = self.app.agent.id
            with self.app.db_write() as session:
                if payload is None:
                    discard_draft(session, agent_id, self.draft_kind, self.console_name)
                    self._draft_id = None
                else:
                    self._draft_id = save_draft(session, agent_id, self.draft_kind, payload,
                                                console=self.console_name)
            self._draft_written = gen

    def _close_draft(self) -> None:
        """What the fields hold now is being saved or discarded: no draft write may bring it back."""
        self._draft_barrier = self._draft_gen
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None

    def _draft_heartbeat(self) -> None:
        if self._draft_id is not None:
            self._touch_draft()

    @work(thread=True, exclusive=True, group="dialog-draft-touch", exit_on_error=False)
    def _touch_draft(self) -> None:
        from csdesk.services.drafts import touch

        with self.app.db_write() as session:
            touch(session, self.console_name)

    @work(thread=True, group="dialog-draft-discard", exit_on_error=False)
    def _discard_then_leave(self) -> None:
        """Cancelled on purpose: the draft goes, then the dialog."""
        from csdesk.services.drafts import discard_draft

        try:
            with self._draft_lock, self.app.db_write() as session:
                discard_draft(session, self.app.agent.id, self.draft_kind, self.console_name)
        finally:
            self.app.call_from_thread(self.dismiss, None)

    def values(self) -> dict:  # pragma: no cover - each dialog says
        raise NotImplementedError

    def field_of(self, name: str) -> str:
        return name

    def submit(self) -> None:
        if self.saving:
            return
        for error in self.query(".dlg-field-error"):
            error.update("")
            error.display = False
        try:
            values = self.values()
        except ValueError as exc:
            self.show_errors(getattr(exc, "errors", None) or {"": str(exc)})
            return
        self.saving = True
        self._close_draft()  # the save removes the draft: no write of what it saves may come after it
        self.query_one("#dlg-status", Static).update(_("Saving…"))
        self._save(values)

    @work(thread=True, exclusive=True, group="desk-dialog", exit_on_error=False)
    def _save(self, values: dict) -> None:
        from csdesk.domain.errors import DeskError, Invalid

        try:
            # the draft lock: a draft write already running finishes first, and the save's deletion of
            # the draft (in its own transaction: a refused save keeps it) is the last word on it
            with self._draft_lock, self.app.db_write() as session:
                result = self.save_fn(session, values)
                if self.draft_kind:
                    from csdesk.services.drafts import discard_draft

                    discard_draft(session, self.app.agent.id, self.draft_kind, self.console_name)
        except Invalid as exc:
            self.post_message(DialogSaved(errors=exc.errors))
            return
        except DeskError as exc:
            self.post_message(DialogSaved(message=str(exc)))
            return
        self.post_message(DialogSaved(result))  # anything else: the error policy (worker_error below)

    def worker_error(self, worker, line: str) -> None:
        """The save failed unexpectedly (screens/errors.py): say so, keep what was typed, allow a retry."""
        if worker.group != "desk-dialog":
            return  # a draft's work (logged by the policy): the next change writes it again; a discard leaves anyway
        self.saving = False
        self.show_errors({"": line})
        self._schedule_draft()  # what was typed stays: so does its draft

    def on_dialog_saved(self, message: DialogSaved) -> None:
        self.saving = False
        if message.errors or message.message:
            self.show_errors(message.errors or {"": message.message})
            self._schedule_draft()  # not saved: the draft (kept by the failed transaction) follows the fields
            return
        self.dismiss(message.result)

    def show_errors(self, errors: dict[str, str]) -> None:
        status = []
        for name, text in errors.items():
            try:
                widget = self.query_one(f"#{self.field_of(name)}-error", Static)
            except NoMatches:
                status.append(text)
                continue
            widget.update(text)
            widget.display = True
        self.query_one("#dlg-status", Static).update("\n".join(status) or _("Not saved: check the fields marked."))
        self.query_one("#dlg-status", Static).add_class("-error")

    def action_cancel(self) -> None:
        if not self.saving:
            self.leave_or_ask(self._leave)

    def _leave(self) -> None:
        if not self.draft_kind:
            self.dismiss(None)
            return
        self._close_draft()
        self._discard_then_leave()

    def action_save(self) -> None:
        after_typing(self, self.submit)

    @on(Button.Pressed, "#dlg-ok")
    def _ok(self) -> None:
        self.submit()

    @on(Button.Pressed, "#dlg-cancel")
    def _cancel(self) -> None:
        self.action_cancel()


def _field(label: str, widget, name: str) -> Vertical:
    return Vertical(Label(label, classes="dlg-label"), widget,
                    Static("", id=f"{name}-error", classes="dlg-field-error", markup=False),
                    classes="dlg-field")


class StepScreen(_SavingDialog):
    """One step: a text (one line or several), optionally a choice, and when it happened (empty: now)."""

    BINDINGS = [
        Binding("ctrl+s", "save", _("Save"), id="desk.step.save", priority=True),
        Binding("escape", "cancel", _("Cancel"), id="desk.step.cancel"),
    ]

    def __init__(self, title: str, save: Callable[[Any, dict], Any], *, text_label: str = "", text: str = "",
                 multi: bool = True, choices: list[tuple[str, str]] | None = None, choice_label: str = "",
                 with_time: bool = True, context: str = "", draft_key: str = "") -> None:
        super().__init__(save, draft_key=draft_key)
        self.title_text, self.text_label, self.text, self.multi = title, text_label, text, multi
        self.choices, self.choice_label, self.with_time, self.context = choices, choice_label, with_time, context

    def compose(self) -> ComposeResult:
        with Vertical(id="dlg-box"):
            yield Label(self.title_text, classes="dlg-title")
            if self.context:
                yield Static(self.context, id="dlg-context", markup=False)
            with VerticalScroll(id="dlg-fields"):
                if self.text_label:
                    widget = (TextArea(self.text, id="text", soft_wrap=True, show_line_numbers=False) if self.multi
                              else DeskInput(self.text, id="text"))
                    yield _field(self.text_label, widget, "text")
                if self.choices:
                    yield _field(self.choice_label, ChoiceBar(self.choices, self.choices[0][0], id="choice"),
                                 "choice")
                if self.with_time:
                    yield _field(_("When (empty: now; for a step entered later: 2026-11-28 10:15)"),
                                 DeskInput(placeholder=_("now"), id="at"), "at")
            yield Static("", id="dlg-status", markup=False)
            with Horizontal(id="dlg-buttons"):
                yield Button(_("Save (Ctrl+S)"), variant="primary", id="dlg-ok")
                yield Button(_("Cancel (Esc)"), id="dlg-cancel")

    def on_mount(self) -> None:
        first = self.query("#text, #choice, #at")  # the first field, the time included: never the button
        (first.first() if first else self.query_one("#dlg-ok", Button)).focus()

    def values(self) -> dict:
        out: dict = {}
        if self.text_label:
            widget = self.query_one("#text")
            out["text"] = widget.text if isinstance(widget, TextArea) else widget.value
        if self.choices:
            out["choice"] = self.query_one("#choice", ChoiceBar).value
        if self.with_time:
            try:
                out["at"] = parse_local(self.query_one("#at", Input).value)
            except ValueError as exc:
                error = ValueError(str(exc))
                error.errors = {"at": str(exc)}  # type: ignore[attr-defined]
                raise error from None
        return out

    def field_of(self, name: str) -> str:
        return {"plan": "text", "note": "text", "response": "text", "reason": "text", "staff_no": "text",
                "month": "text"}.get(name, name)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.submit()


COMPLAINT_FIELDS = ("customer_name", "contact", "complained_at", "about", "order_ref", "first_handler",
                    "first_handler_name", "escalated_at", "escalation_reason", "about_staff_kind", "about_staff")


class ComplaintFormScreen(_SavingDialog):
    """The complaint tracking record field for field, times included (a paper record entered later)."""

    BINDINGS = [
        Binding("ctrl+s", "save", _("Save"), id="desk.complaint.save", priority=True),
        Binding("escape", "cancel", _("Cancel"), id="desk.complaint.cancel"),
    ]

    def compose(self) -> ComposeResult:
        from csdesk.domain import StaffKind

        with Vertical(id="dlg-box", classes="wide"):
            yield Label(_("New complaint: the tracking record"), classes="dlg-title")
            with VerticalScroll(id="dlg-fields"):
                with Horizontal(classes="dlg-row"):
                    yield _field(_("Customer"), DeskInput(id="customer_name"), "customer_name")
                    yield _field(_("Contact (a number, or part of one: …5678)"), DeskInput(id="contact"), "contact")
                yield _field(_("Complained at (empty: now; e.g. 2023-10-28 10:15:00)"),
                             DeskInput(placeholder=_("now"), id="complained_at"), "complained_at")
                yield _field(_("What the complaint is about"), TextArea(id="about", soft_wrap=True,
                                                                        show_line_numbers=False), "about")
                yield _field(_("Order concerned (a WO number or the customer's own reference)"),
                             DeskInput(id="order_ref"), "order_ref")
                with Horizontal(classes="dlg-row"):
                    yield _field(_("First handler (staff no.; empty: you)"), DeskInput(id="first_handler"),
                                 "first_handler")
                    yield _field(_("or as named on the paper record"), DeskInput(id="first_handler_name"),
                                 "first_handler_name")
                yield _field(_("Escalated at (empty: now)"), DeskInput(placeholder=_("now"), id="escalated_at"),
                             "escalated_at")
                yield _field(_("Reason for escalating"), DeskInput(id="escalation_reason"), "escalation_reason")
                yield _field(_("Staff complained about"),
                             ChoiceBar([(k.value, k.label) for k in StaffKind], "", blank=_("none"),
                                       id="about_staff_kind"), "about_staff_kind")
                yield _field(_("Staff no. (an agent) or a technician of the roster: code or name"),
                             DeskInput(id="about_staff"), "about_staff")
                yield Static("", id="about_staff_roster", markup=False)
            yield Static("", id="dlg-status", markup=False)
            with Horizontal(id="dlg-buttons"):
                yield Button(_("Save (Ctrl+S)"), variant="primary", id="dlg-ok")
                yield Button(_("Cancel (Esc)"), id="dlg-cancel")

    class RosterLoaded(Message):
        def __init__(self, technicians: list) -> None:
            super().__init__()
            self.technicians = technicians

    def on_mount(self) -> None:
        self.query_one("#customer_name", Input).focus()
        self._load_roster()

    @work(thread=True, exclusive=True, group="complaint-roster", exit_on_error=False)
    def _load_roster(self) -> None:
        from csdesk.services.technicians import roster

        with self.app.db_read() as session:
            technicians = roster(session)
        self.post_message(self.RosterLoaded(technicians))

    def on_complaint_form_screen_roster_loaded(self, message: RosterLoaded) -> None:
        """The technicians of the roster: shown under the field, and completed as typed (→ takes it)."""
        from textual.suggester import SuggestFromList

        techs = message.technicians
        self.query_one("#about_staff", Input).suggester = SuggestFromList(
            [t.code for t in techs] + [t.name for t in techs], case_sensitive=False)
        self.query_one("#about_staff_roster", Static).update(
            _("Roster: {technicians}").format(technicians=" · ".join(f"{t.code} {t.name}" for t in techs))
            if techs else "")

    def values(self) -> dict:
        out: dict = {}
        errors: dict[str, str] = {}
        for name in COMPLAINT_FIELDS:
            widget = self.query_one(f"#{name}")
            value = widget.text if isinstance(widget, TextArea) else widget.value
            if name in ("complained_at", "escalated_at"):
                try:
                    value = parse_local(value)
                except ValueError as exc:
                    errors[name] = str(exc)
            out[name] = value
        if errors:
            error = ValueError("; ".join(errors.values()))
            error.errors = errors  # type: ignore[attr-defined]
            raise error
        return out

    def field_of(self, name: str) -> str:
        return {"contact_phone": "contact", "customer_id": "customer_name"}.get(name, name)

    @on(Input.Submitted)
    def _next(self) -> None:
        self.focus_next()


class ViewerScreen(ModalScreen[None]):
    """Read-only text (a record, the coverage), scrollable."""

    BINDINGS = [Binding("escape", "close", _("Close"), id="desk.viewer.close")]

    def __init__(self, title: str, body) -> None:
        super().__init__()
        self.title_text, self.body = title, body

    def compose(self) -> ComposeResult:
        with Vertical(id="dlg-box", classes="wide"):
            yield Label(self.title_text, classes="dlg-title")
            with VerticalScroll(id="dlg-fields"):
                yield Static(self.body, id="viewer-body", markup=False)
            with Horizontal(id="dlg-buttons"):
                yield Button(_("Close (Esc)"), id="dlg-cancel")

    def on_mount(self) -> None:
        self.query_one("#dlg-cancel", Button).focus()

    @on(Button.Pressed, "#dlg-cancel")
    def action_close(self) -> None:
        self.dismiss(None)
