"""The service record form (服务记录表) of F3, as a modal over the order list.

Every field of the handbook's form: the customer (recognised as on intake, by
number, last four digits, name or pinyin initials), unit or address, phone,
what is to be done, category and sub-type, urgency, department, the
appointment agreed with the customer, the deadline (from the urgency; a
supervisor may set another, with a reason), the technician from the
department's roster, paid or free with the fee items, the quote (or "price on
inspection") and whether the customer was told; the time since the call was
received runs in the title (red past 5 minutes: engineering should have it).

A draft (kind ``order``) is written as the agent types and offered back after
a crash; database work runs in thread workers.
"""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from csdesk.clock import now as utcnow
from csdesk.i18n import _
from screens.errors import WorkerErrors
from screens.intake_widgets import ChoiceBar, ConfirmModal, DeskInput
from screens.keys import after_typing
from screens.queue import fmt_span, mask_phone

DRAFT_KIND = "order"
DRAFT_DELAY = 0.5
RECOGNISE_DELAY = 0.15
INPUTS = ("phone", "name", "building", "unit", "room", "address", "appointment", "deadline", "deadline_reason")
BARS = ("category", "subtype", "urgency", "department", "technician", "paid")
FIELD_ORDER = ("phone", "name", "building", "unit", "room", "address", "description", "category", "subtype",
               "urgency", "department", "appointment", "deadline", "deadline_reason", "technician", "paid", "fees")


class FeePicker(OptionList):
    """The fee schedule; Enter or + adds one of the highlighted item, - takes one away."""

    BINDINGS = [
        Binding("plus,equals_sign", "add", _("Add one"), id="orders.fees.add"),
        Binding("minus,backspace", "remove", _("Take one away"), id="orders.fees.remove"),
    ]

    class Changed(Message):
        pass

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.items: list = []  # FeeInfo
        self.quantities: dict[str, int] = {}

    def set_items(self, items: list) -> None:
        self.items = list(items)
        self._redraw()

    def set_quantities(self, fees) -> None:
        self.quantities = {code: int(qty) for code, qty in fees}
        self._redraw()

    def _prompt(self, item) -> Text:
        from csdesk.domain.fees import yuan

        qty = self.quantities.get(item.code, 0)
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"×{qty:<2} " if qty else "    ", style="bold green" if qty else "")
        text.append(item.name, style="bold" if qty else "")
        price = _("price on inspection") if item.price_fen is None else f"{yuan(item.price_fen)}/{item.unit}"
        text.append(f"  {price}", style="yellow" if item.price_fen is None else "cyan")
        if item.note:
            text.append(f"  {item.note}", style="dim")
        return text

    def _redraw(self) -> None:
        keep = self.highlighted
        self.set_options([Option(self._prompt(item), id=item.code) for item in self.items])
        if self.items:
            self.highlighted = min(keep or 0, len(self.items) - 1)

    def fees(self) -> tuple[tuple[str, int], ...]:
        order = [i.code for i in self.items]
        return tuple(sorted(((c, q) for c, q in self.quantities.items() if q > 0),
                            key=lambda cq: order.index(cq[0]) if cq[0] in order else len(order)))

    def _bump(self, step: int) -> None:
        option = self.highlighted_option
        if option is None or option.id is None:
            return
        qty = max(0, min(99, self.quantities.get(option.id, 0) + step))
        if qty:
            self.quantities[option.id] = qty
        else:
            self.quantities.pop(option.id, None)
        index = self.highlighted
        item = next(i for i in self.items if i.code == option.id)
        self.replace_option_prompt_at_index(index, self._prompt(item))
        self.post_message(self.Changed())

    def action_add(self) -> None:
        self._bump(1)

    def action_remove(self) -> None:
        self._bump(-1)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._bump(1)


def _field(label: str, widget: Widget, name: str, classes: str = "of-field") -> Vertical:
    return Vertical(Label(label, classes="of-label"), widget,
                    Static("", id=f"of-{name}-error", classes="of-error", markup=False),
                    id=f"of-{name}-field", classes=classes)


class OrderFormScreen(WorkerErrors, ModalScreen[Any]):
    """New order (``order_id`` None) or an existing one; dismisses with the saved OrderInfo or None."""

    BINDINGS = [
        Binding("ctrl+s", "save", _("Save"), id="orders.form.save", priority=True),
        Binding("escape", "close", _("Close"), id="orders.form.close", priority=True),
        Binding("f8", "focus_matches", _("Matches"), id="orders.form.matches"),
    ]

    class Loaded(Message):
        def __init__(self, ref: dict, form: Any, roster: list, draft: Any, error: str = "") -> None:
            super().__init__()
            self.ref, self.form, self.roster, self.draft, self.error = ref, form, roster, draft, error

    class Recognised(Message):
        def __init__(self, seq: int, result: Any) -> None:
            super().__init__()
            self.seq, self.result = seq, result

    class Saved(Message):
        def __init__(self, info: Any) -> None:
            super().__init__()
            self.info = info

    class Failed(Message):
        def __init__(self, errors: dict[str, str], message: str = "") -> None:
            super().__init__()
            self.errors, self.message = errors, message

    def __init__(self, order_id: int | None = None, *, received_at=None, prefill: dict | None = None,
                 note: str = "") -> None:
        super().__init__()
        self.order_id = order_id
        self.note = note  # shown on opening (intake's "saved …" when it lands here)
        self.received_at = received_at or utcnow()
        self.prefill = prefill or {}
        self.customer_id: int | None = None
        self.ref: dict = {}
        self.roster: list = []
        self.loaded = False
        self.saving = False
        self.dispatched = False
        self.changed = False
        self.number = ""
        self._programmatic_depth = 0
        self._seq = 0
        self._matches: tuple = ()
        self._draft_timer: Timer | None = None
        self._recognise_timer: Timer | None = None
        self._started = time.monotonic()
        self._restoring = False
        self._deadline_at_load = ""

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        from csdesk.domain import Urgency

        with Vertical(id="of-box"):
            with Horizontal(id="of-head"):
                yield Static(_("New service record") if self.order_id is None else _("Work order"), id="of-title")
                yield Static("", id="of-clock")
            with VerticalScroll(id="of-form"):
                with Horizontal(classes="of-row"):
                    yield _field(_("Phone"), DeskInput(placeholder=_("number, last 4 digits, name or initials"),
                                                       id="of-phone"), "phone", "of-field of-wide")
                    yield _field(_("Name"), DeskInput(id="of-name"), "name", "of-field of-wide")
                yield OptionList(id="of-matches")
                with Horizontal(classes="of-row"):
                    yield _field(_("Building"), DeskInput(id="of-building"), "building", "of-field of-narrow")
                    yield _field(_("Entrance"), DeskInput(id="of-unit"), "unit", "of-field of-narrow")
                    yield _field(_("Room"), DeskInput(id="of-room"), "room", "of-field of-narrow")
                    yield _field(_("Or address"), DeskInput(id="of-address"), "address", "of-field of-wide")
                yield _field(_("What is to be done"), TextArea(id="of-description", soft_wrap=True), "description")
                yield _field(_("Category"), ChoiceBar(id="of-category"), "category")
                yield _field(_("Sub-type"), ChoiceBar(blank=_("none"), id="of-subtype"), "subtype")
                yield _field(_("Urgency"), ChoiceBar([(u.value, u.label) for u in Urgency], Urgency.NORMAL.value,
                                                     id="of-urgency"), "urgency")
                yield _field(_("Department"), ChoiceBar(id="of-department"), "department")
                with Horizontal(classes="of-row"):
                    yield _field(_("Appointment agreed"), DeskInput(placeholder=_("14:30, 明天 9:00, 12-01 10:00"),
                                                                    id="of-appointment"), "appointment",
                                 "of-field of-wide")
                    yield _field(_("Deadline"), DeskInput(id="of-deadline"), "deadline", "of-field of-wide")
                yield _field(_("Why the deadline differs (supervisor)"), DeskInput(id="of-deadline_reason"),
                             "deadline_reason")
                yield _field(_("Technician"), ChoiceBar(blank=_("not assigned yet"), id="of-technician"), "technician")
                yield _field(_("Charge"), ChoiceBar([("free", _("free")), ("paid", _("paid"))], "free",
                                                    id="of-paid"), "paid")
                with Vertical(id="of-fees-box"):
                    yield _field(_("Fee items (Enter or + adds, - takes away)"), FeePicker(id="of-fees"), "fees")
                    yield Static("", id="of-quote", markup=False)
                    yield Checkbox(_("The customer was told the price"), id="of-told")
            yield Static("", id="of-status", markup=False)  # below the fields: always in sight

    def on_mount(self) -> None:
        self.query_one("#of-description", TextArea).show_line_numbers = False
        self.query_one("#of-matches", OptionList).display = False
        self.query_one("#of-fees-box").display = False
        self.query_one("#of-deadline_reason-field").display = False
        if not self.may_change_deadline:
            deadline = self.query_one("#of-deadline", Input)
            deadline.disabled = True
            deadline.placeholder = _("from the urgency")
        self.set_interval(1.0, self._tick)
        self._tick()
        if self.note:
            self.status(self.note + "  ·  " + _("Add the appointment, technician and fees, or Esc."))
        self._load()
        # an order that exists (the one intake just opened, one being edited): what it lacks is the
        # appointment; the caller's number is already on it (masked for an agent: typing there spoiled it)
        self.query_one("#of-appointment" if self.order_id is not None else "#of-phone", Input).focus()

    @property
    def may_change_deadline(self) -> bool:
        from csdesk.services.orders import may_change_deadline

        return may_change_deadline(self.app.agent)

    # ------------------------------------------------------------------ loading
    @work(thread=True, exclusive=True, group="order-form-load", exit_on_error=False)
    def _load(self) -> None:
        from csdesk.services.drafts import load_draft
        from csdesk.services.order_form import form_for
        from csdesk.services.reference import categories, departments, fee_schedule
        from csdesk.services.technicians import roster

        with self.app.db_read() as session:
            ref = {"categories": categories(session), "departments": departments(session),
                   "fees": fee_schedule(session)}
            form = form_for(session, self.order_id) if self.order_id is not None else None
            staff = roster(session)
            if form is not None and form.technician.isdigit() and int(form.technician) not in {t.id for t in staff}:
                from csdesk.services.technicians import get_technician

                left = get_technician(session, int(form.technician))  # off the roster since: still this order's
                if left is not None:
                    staff.append(left)
            draft = load_draft(session, self.app.agent.id, DRAFT_KIND)
            number = ""
            if self.order_id is not None:
                from csdesk.services.orders import get_order

                info = get_order(session, self.order_id)
                number = info.number
                ref["dispatched"] = info.dispatched_at is not None
            ref["number"] = number
        self.post_message(self.Loaded(ref, form, staff, draft))

    def on_order_form_screen_loaded(self, message: Loaded) -> None:
        if message.error:
            self.status(_("Cannot load the form: {error}").format(error=message.error), error=True)
            return
        self.ref, self.roster = message.ref, message.roster
        self.number = self.ref.get("number", "")
        self.dispatched = bool(self.ref.get("dispatched"))
        if self.number:
            self.query_one("#of-title", Static).update(_("Work order {number}").format(number=self.number))
        with self._programmatic():
            self.bar("category").set_options([(c.code, c.name) for c in self.ref["categories"] if not c.parent_code])
            self.bar("department").set_options([(d.code, d.name) for d in self.ref["departments"]])
            self.query_one(FeePicker).set_items(self.ref["fees"])
        if message.form is not None:
            self.fill(message.form)
        elif self.prefill:
            from csdesk.services.order_form import OrderForm

            self.fill(OrderForm.from_dict(self.prefill))
        else:
            self._category_changed()
        self._deadline_at_load = self.value("deadline").strip()
        self.loaded = True
        self.changed = False
        draft = message.draft
        if draft is not None and (self.order_id is None or draft.payload.get("order_id") == self.order_id):
            self._offer_draft(draft)

    def _offer_draft(self, draft) -> None:
        from csdesk.clock import fmt

        p = draft.payload
        who = " ".join(x for x in (p.get("name", ""), p.get("phone", "")) if x)
        what = (p.get("description") or "").strip().split("\n", 1)[0][:60]

        def answered(restore: bool | None) -> None:
            if restore:
                from csdesk.services.order_form import OrderForm

                self._restoring = True
                self.fill(OrderForm.from_dict(p))
                self._restoring = False
                self.changed = True
                self.status(_("Draft restored."))
            else:
                self._discard_draft()

        self.app.push_screen(ConfirmModal(
            _("An order form was not saved ({when}): {who} {what}\nRestore it?").format(
                when=fmt(draft.updated_at, "%m-%d %H:%M"), who=who, what=what), _("Restore"), _("Discard it")),
            answered)

    # ------------------------------------------------------------------ values
    def bar(self, name: str) -> ChoiceBar:
        return self.query_one(f"#of-{name}", ChoiceBar)

    def value(self, name: str) -> str:
        if name == "description":
            return self.query_one("#of-description", TextArea).text
        if name in BARS:
            return self.bar(name).value
        return self.query_one(f"#of-{name}", Input).value

    def set_value(self, name: str, value: str) -> None:
        if name == "description":
            self.query_one("#of-description", TextArea).text = value
        elif name in BARS:
            self.bar(name).value = value
        else:
            self.query_one(f"#of-{name}", Input).value = value

    def _programmatic(self):
        return self.prevent(Input.Changed, TextArea.Changed, ChoiceBar.Changed, Checkbox.Changed, FeePicker.Changed)

    def form(self):
        from csdesk.services.order_form import OrderForm

        paid = self.value("paid") == "paid"
        return OrderForm(
            phone=self.value("phone"), name=self.value("name"), building=self.value("building"),
            unit=self.value("unit"), room=self.value("room"), address=self.value("address"),
            description=self.value("description"), category=self.value("subtype") or self.value("category"),
            urgency=self.value("urgency"), department=self.value("department"),
            appointment=self.value("appointment"),
            technician=self.value("technician"), paid=paid,
            fees=self.query_one(FeePicker).fees() if paid else (),
            price_told=paid and self.query_one("#of-told", Checkbox).value,
            deadline=self.value("deadline") if self.may_change_deadline else "",
            deadline_reason=self.value("deadline_reason") if self.may_change_deadline else "",
            customer_id=self.customer_id, received_at=self.received_at, order_id=self.order_id)

    def fill(self, form) -> None:
        """Put a form (an order, a draft, a prefill) into the fields."""
        with self._programmatic():
            for name in ("phone", "name", "building", "unit", "room", "address", "appointment", "deadline",
                         "deadline_reason", "description"):
                self.set_value(name, getattr(form, name) or "")
            top = form.category.split(".", 1)[0] if form.category else ""
            self.set_value("category", top)
        self._category_changed()
        with self._programmatic():
            if form.subtype or "." in (form.category or ""):
                self.set_value("subtype", form.subtype or form.category)
            self.set_value("urgency", form.urgency or "normal")
            if form.department:
                self.set_value("department", form.department)
        self._department_changed(keep=form.technician)
        with self._programmatic():
            self.set_value("paid", "paid" if form.paid else "free")
            self.query_one(FeePicker).set_quantities(form.fees)
            self.query_one("#of-told", Checkbox).value = bool(form.price_told)
        self.customer_id = form.customer_id
        if form.received_at is not None:
            self.received_at = form.received_at
        if form.order_id is not None and self.order_id is None:
            self.order_id = form.order_id
        self._paid_changed()
        if self.order_id is not None:
            self.query_one("#of-urgency", ChoiceBar).disabled = True  # the deadline follows it at opening only

    # ------------------------------------------------------------------ the clock since the call
    def _tick(self) -> None:
        seconds = int((utcnow() - self.received_at).total_seconds())
        clock = self.query_one("#of-clock", Static)
        late = seconds > 300 and not self.dispatched
        text = Text()
        text.append(_("Call received {span} ago").format(span=fmt_span(max(0, seconds))),
                    style="bold white on red" if late else "bold")
        if late:
            text.append("  " + _("over 5 minutes: dispatch now"), style="bold red")
        clock.update(text)

    # ------------------------------------------------------------------ changes
    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        name = (event.input.id or "").removeprefix("of-")
        self._clear_error(name)
        if name in ("phone", "name") and not self._restoring:
            if self.customer_id is not None and name == "phone":
                self.customer_id = None  # another number: another customer, perhaps
            self._schedule_recognise(event.value)
        if name == "deadline":
            self.query_one("#of-deadline_reason-field").display = self.may_change_deadline and self._deadline_differs()
        self._changed()

    @on(TextArea.Changed)
    def _area_changed(self, _event: TextArea.Changed) -> None:
        self._clear_error("description")
        self._changed()

    @on(Checkbox.Changed)
    def _told_changed(self, _event: Checkbox.Changed) -> None:
        self._changed()

    @on(FeePicker.Changed)
    def _fees_changed(self, _event: FeePicker.Changed) -> None:
        self._clear_error("fees")
        self._show_quote()
        self._changed()

    @on(ChoiceBar.Changed)
    def _bar_changed(self, event: ChoiceBar.Changed) -> None:
        name = (event.bar.id or "").removeprefix("of-")
        self._clear_error(name)
        if name == "category":
            self._category_changed()
        elif name == "subtype":
            self._default_department()
        elif name == "department":
            self._department_changed()
        elif name == "paid":
            self._paid_changed()
        self._changed()

    def _changed(self) -> None:
        if not self.loaded:
            return
        self.changed = True
        self._check_appointment()
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self._draft_timer = self.set_timer(DRAFT_DELAY, self._write_draft)

    def _check_appointment(self) -> None:
        """Say at the field when the appointment agreed falls after the order's deadline (the order is
        then certain to go overdue: a supervisor moves the deadline, or another time is agreed)."""
        from csdesk.domain import Urgency
        from csdesk.domain.rules import order_deadline
        from csdesk.services.order_form import parse_when, show_when

        try:
            appointment = parse_when(self.value("appointment"))
            deadline = parse_when(self.value("deadline")) if self.value("deadline").strip() else None
        except ValueError:
            return  # the field's own message comes with the save
        if appointment is None:
            return
        if deadline is None:
            minutes = getattr(self.app.settings, "critical_deadline_minutes", None)
            deadline = self.received_at + order_deadline(Urgency(self.value("urgency") or "normal"), minutes)
        if appointment > deadline:
            self.show_error("appointment", _("After the deadline ({deadline}): the order will be overdue unless a "
                                             "supervisor moves the deadline.").format(deadline=show_when(deadline)))

    def _deadline_differs(self) -> bool:
        value = self.value("deadline").strip()
        return bool(value) and value != self._deadline_at_load

    def _category_changed(self) -> None:
        cats = self.ref.get("categories", [])
        top = self.value("category")
        subs = [(c.code, c.name) for c in cats if c.parent_code == top and top]
        with self._programmatic():
            self.bar("subtype").set_options(subs)
        self.query_one("#of-subtype-field").display = bool(subs)
        self._default_department()

    def _default_department(self) -> None:
        from csdesk.domain.rules import default_department

        routing = {c.code: c.department_code for c in self.ref.get("categories", [])}
        dep = default_department(routing, self.value("subtype") or self.value("category"))
        if dep and dep != self.value("department"):
            with self._programmatic():
                self.set_value("department", dep)
            self._department_changed()

    def _department_changed(self, keep: str | None = None) -> None:
        from csdesk.clock import now

        dep = self.value("department")
        today = now().date()
        people = [t for t in self.roster if t.department_code == dep]
        current = keep if keep is not None else self.value("technician")
        options = [(str(t.id), t.name + (" " + _("(new)") if t.is_new(today) else "")) for t in people]
        with self._programmatic():
            self.bar("technician").set_options(options, current if current in [k for k, _l in options] else "")
        # the department's own items first
        fees = self.ref.get("fees", [])
        picker = self.query_one(FeePicker)
        chosen = dict(picker.quantities)
        picker.set_items(sorted(fees, key=lambda f: f.department_code != dep))
        picker.quantities = chosen
        picker._redraw()

    def _paid_changed(self) -> None:
        paid = self.value("paid") == "paid"
        self.query_one("#of-fees-box").display = paid
        self._show_quote()

    def _show_quote(self) -> None:
        from csdesk.domain.fees import QuoteLine, quote

        picker = self.query_one(FeePicker)
        items = {i.code: i for i in picker.items}
        lines = [QuoteLine(code, items[code].name, items[code].unit, items[code].price_fen, qty)
                 for code, qty in picker.fees() if code in items]
        q = quote(lines)
        text = Text()
        text.append(_("Quote") + ": ", style="bold")
        text.append(q.text(), style="bold yellow" if q.on_inspection else "bold green")
        if q.on_inspection:
            text.append("  " + _("tell the customer the technician prices it on site"), style="yellow")
        self.query_one("#of-quote", Static).update(text)

    # ------------------------------------------------------------------ recognition
    def _schedule_recognise(self, query: str) -> None:
        if self._recognise_timer is not None:
            self._recognise_timer.stop()
        self._seq += 1
        seq = self._seq
        if len(query.strip()) < 2:
            self.query_one("#of-matches", OptionList).display = False
            return
        self._recognise_timer = self.set_timer(RECOGNISE_DELAY, lambda: self._recognise(query, seq))

    @work(thread=True, exclusive=True, group="order-form-recognise", exit_on_error=False)
    def _recognise(self, query: str, seq: int) -> None:
        from csdesk.services.intake import recognise

        with self.app.db_read() as session:
            result = recognise(session, query)
        self.post_message(self.Recognised(seq, result))

    def on_order_form_screen_recognised(self, message: Recognised) -> None:
        if message.seq != self._seq or self.customer_id is not None:
            return
        self._matches = message.result.matches
        olist = self.query_one("#of-matches", OptionList)
        olist.set_options([Option(self._match_prompt(m), id=str(m.id)) for m in self._matches])
        olist.display = bool(self._matches)
        if self._matches:
            olist.highlighted = 0

    def _match_prompt(self, m) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(m.name or _("(no name)"), style="bold")
        text.append(f"  {mask_phone(m.phone)}")
        if m.unit_key or m.address:
            text.append(f"  {m.unit_key or m.address}", style="cyan")
        return text

    def action_focus_matches(self) -> None:
        olist = self.query_one("#of-matches", OptionList)
        if olist.display and olist.option_count:
            olist.focus()
        else:
            self.app.bell()

    @on(Input.Submitted, "#of-phone, #of-name")
    def _who_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.customer_id is None and len(self._matches) == 1:
            self.choose(self._matches[0])
        elif self.customer_id is None and self._matches:
            self.action_focus_matches()
        else:
            self.focus_next()

    @on(Input.Submitted)
    def _next_field(self, _event: Input.Submitted) -> None:
        self.focus_next()

    @on(OptionList.OptionSelected, "#of-matches")
    def _match_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        match = next((m for m in self._matches if str(m.id) == event.option.id), None)
        if match is not None:
            self.choose(match)

    def choose(self, match) -> None:
        from csdesk.domain.text import parse_unit

        self.customer_id = match.id
        with self._programmatic():
            if not self.value("phone").strip().isdigit() or len(self.value("phone").strip()) <= 4:
                self.set_value("phone", match.phone)
            self.set_value("name", match.name)
            parts = parse_unit(match.unit_key) if match.unit_key else None
            if parts:
                for name, value in zip(("building", "unit", "room"), parts, strict=True):
                    self.set_value(name, value)
            elif match.address:
                self.set_value("address", match.address)
        self.query_one("#of-matches", OptionList).display = False
        self.query_one("#of-description", TextArea).focus()
        self._changed()

    # ------------------------------------------------------------------ drafts
    def _write_draft(self) -> None:
        self._draft_timer = None
        if self.saving or self.app.agent is None:
            return
        self._save_draft(self.form().to_dict())

    @work(thread=True, exclusive=True, group="order-form-draft", exit_on_error=False)
    def _save_draft(self, payload: dict) -> None:
        from csdesk.services.drafts import save_draft

        with self.app.db_write() as session:
            save_draft(session, self.app.agent.id, DRAFT_KIND, payload)

    @work(thread=True, group="order-form-draft-discard", exit_on_error=False)
    def _discard_draft(self) -> None:
        from csdesk.services.drafts import discard_draft

        with self.app.db_write() as session:
            discard_draft(session, self.app.agent.id, DRAFT_KIND)

    # ------------------------------------------------------------------ saving and closing
    def action_save(self) -> None:
        after_typing(self, self._save_typed)

    def _save_typed(self) -> None:
        if self.saving or not self.loaded:
            return
        self.saving = True
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None
        self.status(_("Saving…"))
        self._save(self.form())

    @work(thread=True, exclusive=True, group="order-form-save", exit_on_error=False)
    def _save(self, form) -> None:
        from csdesk.domain.errors import DeskError, Invalid
        from csdesk.services.drafts import discard_draft
        from csdesk.services.order_form import create_order, save_form

        try:
            with self.app.db_write() as session:
                if form.order_id is None:
                    info = create_order(session, self.app.agent, form, settings=self.app.settings)
                else:
                    info = save_form(session, self.app.agent, form.order_id, form)
                discard_draft(session, self.app.agent.id, DRAFT_KIND)
        except Invalid as exc:
            self.post_message(self.Failed(exc.errors))
            return
        except DeskError as exc:
            self.post_message(self.Failed({}, str(exc)))
            return
        self.post_message(self.Saved(info))

    def on_order_form_screen_failed(self, message: Failed) -> None:
        self.saving = False
        for name, text in message.errors.items():
            self.show_error(name, text)
        if message.errors:
            self.status(_("Not saved: check the fields marked in red."), error=True)
            first = next((n for n in FIELD_ORDER if n in message.errors), None)
            if first is not None:
                widget = self.query(f"#of-{first}")
                if widget:
                    widget.first().focus()
        else:
            self.status(message.message, error=True)

    def on_order_form_screen_saved(self, message: Saved) -> None:
        self.saving = False
        self.changed = False
        self.dismiss(message.info)

    def action_close(self) -> None:
        if self.saving:
            return
        if not self.changed:
            self._discard_draft()
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                if self._draft_timer is not None:
                    self._draft_timer.stop()
                    self._draft_timer = None
                self._discard_draft()
                self.dismiss(None)

        self.app.push_screen(ConfirmModal(_("Close the form? What was typed will be lost."), _("Discard"),
                                          _("Keep editing")), answered)

    def worker_error(self, worker, line: str) -> None:
        """A worker failed (the error policy: screens/errors.py): the line on the form, nothing typed touched."""
        if worker.group == "order-form-save":
            self.saving = False  # Ctrl+S tries again
        elif worker.group == "order-form-draft":
            line = _("Draft not saved: {error}").format(error=line)
        self.status(line, error=True)

    # ------------------------------------------------------------------ messages
    def status(self, text: str, error: bool = False) -> None:
        widget = self.query_one("#of-status", Static)
        widget.update(text)
        widget.set_class(error, "-error")

    def show_error(self, name: str, text: str) -> None:
        found = self.query(f"#of-{name}-error")
        if not found:
            self.status(text, error=True)
            return
        widget = found.first(Static)
        widget.update(text)
        widget.display = bool(text)
        target = self.query(f"#of-{name}")
        if target:
            target.first().set_class(bool(text), "-invalid")

    def _clear_error(self, name: str) -> None:
        found = self.query(f"#of-{name}-error")
        if found and found.first().display:
            self.show_error(name, "")
