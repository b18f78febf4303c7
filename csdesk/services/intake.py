"""Call intake (来电/来访受理): recognising the caller, checking identity, and
recording a contact with its outcome as linked records in one transaction.

Recognition runs on every keystroke of the intake screen, so every query here
is an index lookup (see ``tests/bench/bench_intake.py``):

- full number: ``customerphone.phone = ?`` and ``contact.phone = ?``;
- a number being typed (5+ digits): ``customerphone.phone GLOB '138001*'``;
- last four digits: ``substr(phone, -4) = '8000'`` spelt literally, so SQLite
  matches the expression index (a bound ``-4`` would not);
- name prefix: ``customer.name GLOB '张*'`` (LIKE would not use the index);
- pinyin initials: ``customer.name_initials GLOB 'zs*'``.

Services take a :class:`~sqlmodel.Session` and return frozen dataclasses.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from csdesk.clock import now as utcnow
from csdesk.clock import to_local
from csdesk.domain import (
    CallbackKind,
    CallbackResult,
    CallerNumber,
    Channel,
    ComplaintStatus,
    ContactStatus,
    EscalationReason,
    Outcome,
    SubChannel,
    Urgency,
)
from csdesk.domain.actor import Actor
from csdesk.domain.errors import Invalid
from csdesk.domain.policy import Act, require
from csdesk.domain.rules import (
    OPEN_ORDER_STATUSES,
    PROMISED_REPLY_DEFAULT,
    REFERRAL_CHECK_AFTER,
    REPEAT_WINDOW,
    customer_reached,
    default_department,
    escalation_reason,
    needs_written_reason,
    settle_outcome,
    top_category,
)
from csdesk.domain.rules import order_deadline as _order_deadline
from csdesk.i18n import _
from csdesk.services.audit import acting
from csdesk.store.models import (
    Callback,
    Complaint,
    Contact,
    Customer,
    CustomerPhone,
    Escalation,
    WorkOrder,
)

# Length limits (characters), checked with a message at the field.
LIMITS = {
    "name": 32,
    "building": 16,
    "unit": 16,
    "room": 16,
    "address": 200,
    "summary": 2000,
    "handling": 4000,
    "referral_contact": 100,
    "escalation_reason": 200,
    "identity": 32,
    "order_ref": 64,
    "new_name": 32,
    "new_address": 200,
    "result": 2000,
}
# How each text field is cleaned (csdesk.domain.text.clean_text): one line of letters and digits,
# one line of free text (emoji allowed), or lines of free text.
FIELD_KINDS = {
    "name": "name",
    "building": "name",
    "unit": "name",
    "room": "name",
    "address": "name",
    "summary": "block",
    "handling": "block",
    "referral_contact": "name",
    "escalation_reason": "line",
    "identity": "name",
    "order_ref": "name",
    "new_name": "name",
    "new_address": "name",
    "result": "block",
}
MATCH_LIMIT = 8
RECENT_CONTACTS = 5


class IntakeInvalid(Invalid):
    """The form cannot be saved; ``errors`` maps field names to messages for the field."""


# --------------------------------------------------------------------------- plain data


@dataclass(frozen=True)
class CustomerMatch:
    id: int
    code: str
    name: str
    phone: str  # the matching (or primary) number, stored form
    phones: tuple[str, ...]
    building: str
    unit: str
    room: str
    unit_key: str
    address: str
    how: str  # phone, prefix, last4, name, initials


@dataclass(frozen=True)
class ContactLine:
    id: int
    number: str
    received_at: datetime
    channel: str
    category: str
    subtype: str
    urgency: str
    summary: str  # first line
    outcome: str
    status: str
    unit_key: str
    agent_staff_no: str


@dataclass(frozen=True)
class OrderLine:
    id: int
    number: str
    status: str
    deadline_at: datetime
    description: str
    department: str

    def overdue(self, at: datetime | None = None) -> bool:
        return self.deadline_at < (at or utcnow())


@dataclass(frozen=True)
class ComplaintLine:
    id: int
    number: str
    status: str
    complained_at: datetime
    about: str


@dataclass(frozen=True)
class CustomerCard:
    customer: CustomerMatch
    units: tuple[str, ...]
    recent: tuple[ContactLine, ...]
    open_orders: tuple[OrderLine, ...]
    open_complaints: tuple[ComplaintLine, ...]
    refused_visit: bool
    refused_reason: str
    week: tuple[ContactLine, ...]  # contacts at the customer's unit(s) in the last 7 days

    def repeat_of(self, category: str) -> ContactLine | None:
        """The latest contact in the last 7 days from the same unit about the same category."""
        top = top_category(category)
        if not top:
            return None
        for line in self.week:
            if top_category(line.category) == top:
                return line
        return None


@dataclass(frozen=True)
class Recognition:
    query: str
    matches: tuple[CustomerMatch, ...]
    card: CustomerCard | None
    full_number: str = ""  # the query as a valid stored phone number, if it is one
    elapsed_ms: float = 0.0


@dataclass(frozen=True)
class IntakeForm:
    """What the agent entered; strings as typed.  ``promise`` is minutes ("60") or a time ("16:30")."""

    channel: str = Channel.PHONE.value
    phone: str = ""
    name: str = ""
    building: str = ""
    unit: str = ""
    room: str = ""
    address: str = ""
    category: str = ""
    subtype: str = ""
    urgency: str = Urgency.NORMAL.value
    summary: str = ""
    handling: str = ""
    outcome: str = ""  # empty: the category's default
    customer_id: int | None = None
    department: str = ""
    referral_contact: str = ""
    promise: str = ""
    escalation_reason: str = ""
    identity: str = ""  # the caller's answer to the identity question
    order_ref: str = ""  # the customer's own order reference (an online order, a delivery), as said
    found_by: str = ""  # how the caller was found (phone, last4, name, …): last4 is then no proof
    callback_id: int | None = None
    callback_result: str = ""
    received_at: datetime | None = None
    duration_s: int | None = None
    # an information change: the caller's new details (the fields above say who the caller is now)
    new_phone: str = ""
    new_name: str = ""
    new_address: str = ""  # a building-unit-room (3-2-1201, 3栋2单元1201) or a free address
    # the handbook's records (客户咨询记录表, 客诉处理跟踪表), field for field
    received: str = ""  # the time received as typed, for entry after the fact: "" (now), "HH:MM", "YYYY-MM-DD HH:MM[:SS]"
    channel_detail: str = ""  # the online sub-channel (SubChannel key or name)
    result: str = ""  # the result, as its own field (handling says what was done)
    satisfaction: str = ""  # "" or 1–5, as typed
    caller_number: str = ""  # CallerNumber: "" / full, partial ("…5678"), none (said so by the agent)
    customer_code: str = ""  # the customer chosen by code (C20231028001), when customer_id is not given

    def to_dict(self) -> dict[str, Any]:
        out = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, datetime):
                value = value.isoformat()
            out[name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "IntakeForm":
        kwargs = {}
        for name in cls.__dataclass_fields__:
            if name not in data:
                continue
            value = data[name]
            if name == "received_at" and isinstance(value, str):
                value = datetime.fromisoformat(value) if value else None
            kwargs[name] = value
        return cls(**kwargs)

    def is_empty(self) -> bool:
        return not any(getattr(self, n) for n in (
            "phone", "name", "building", "unit", "room", "address", "summary", "handling",
            "referral_contact", "escalation_reason", "identity", "result", "order_ref", "received",
            "satisfaction", "new_phone", "new_name", "new_address"))


@dataclass(frozen=True)
class SavedContact:
    id: int
    number: str
    received_at: datetime
    customer_id: int | None
    customer_code: str
    new_customer: bool
    outcome: str
    status: str
    identity_verified: bool | None
    work_order_id: int | None = None
    work_order_number: str = ""
    deadline_at: datetime | None = None
    complaint_id: int | None = None
    complaint_number: str = ""
    escalation_id: int | None = None
    escalation_reason: str = ""
    callback_id: int | None = None  # the call-back this contact created
    callback_due_at: datetime | None = None
    closed_callback_id: int | None = None
    retry_callback_id: int | None = None
    refused_visit_id: int | None = None


@dataclass(frozen=True)
class IdentityCheck:
    verified: bool
    how: str  # last4, order_name, or "" when not verified


# --------------------------------------------------------------------------- helpers


def _first_line(text: str, limit: int = 80) -> str:
    line = (text or "").strip().split("\n", 1)[0]
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _glob_escape(text: str) -> str:
    return "".join(f"[{ch}]" if ch in "*?[]" else ch for ch in text)


_DIGITS = re.compile(r"^\+?\d+$", re.ASCII)
_SEP = re.compile(r"[\s\-()（）]+")
_INITIALS = re.compile(r"^[A-Za-z]+$")
_CODE = re.compile(r"^[Cc]\d{4,}$", re.ASCII)  # a customer code being typed: C2023 … C20231028001


def _is_emoji_or_control(ch: str) -> bool:
    from csdesk.domain.text import is_emoji_or_control

    return is_emoji_or_control(ch)


def _single_line(value: str) -> str:
    """One line, through the input hygiene (:func:`csdesk.domain.text.clean_text`); never raises:
    pasted newlines and tabs become spaces, control characters are dropped."""
    from csdesk.domain.text import TextKind, clean_text

    return clean_text(value, kind=TextKind.LINE, drop_unsafe=True)


def _multi_line(value: str) -> str:
    """Lines, through the input hygiene; never raises: control characters are dropped."""
    from csdesk.domain.text import TextKind, clean_text

    return clean_text(value, kind=TextKind.BLOCK, drop_unsafe=True)


# --------------------------------------------------------------------------- recognition
#
# Plain SQL, prepared once: the ORM's statement building and row objects cost
# about 1 ms a query, ten times what SQLite needs for these index lookups.

_OPEN_ORDERS = "', '".join(s.value for s in OPEN_ORDER_STATUSES)
_SQL = {
    "phone_eq": "SELECT customer_id, phone FROM customerphone WHERE phone = :q LIMIT :n",
    "phone_last4": "SELECT customer_id, phone FROM customerphone WHERE substr(phone, -4) = :q LIMIT :n",
    "phone_glob": "SELECT customer_id, phone FROM customerphone WHERE phone GLOB :q LIMIT :n",
    "contact_eq": "SELECT customer_id, phone FROM contact WHERE phone = :q AND customer_id IS NOT NULL LIMIT :n",
    "contact_last4": ("SELECT customer_id, phone FROM contact WHERE substr(phone, -4) = :q "
                      "AND customer_id IS NOT NULL LIMIT :n"),
    "name_glob": "SELECT id FROM customer WHERE name GLOB :q LIMIT :n",
    "initials_glob": "SELECT id FROM customer WHERE name_initials GLOB :q LIMIT :n",
    "code_glob": "SELECT id FROM customer WHERE code GLOB :q ORDER BY code LIMIT :n",
    "customers": ("SELECT id, code, name, building, unit, room, unit_key, address FROM customer "
                  "WHERE id IN :ids"),
    "phones_of": ('SELECT customer_id, phone FROM customerphone WHERE customer_id IN :ids '
                  'ORDER BY "primary" DESC, id'),
    "recent": ("SELECT id, number, received_at, channel, category, subtype, urgency, substr(summary, 1, 200), "
               "outcome, status, unit_key, agent_staff_no FROM contact WHERE customer_id = :c "
               "ORDER BY received_at DESC LIMIT :n"),
    "orders": ("SELECT id, number, status, deadline_at, substr(description, 1, 200), department FROM workorder "
               f"WHERE customer_id = :c AND status IN ('{_OPEN_ORDERS}') ORDER BY created_at DESC LIMIT 20"),
    "complaints": ("SELECT p.id, p.number, p.status, p.complained_at, substr(p.about, 1, 200) "
                   "FROM contact AS c JOIN complaint AS p ON p.id = c.complaint_id "
                   "WHERE c.customer_id = :c AND p.status != 'closed' ORDER BY c.received_at DESC LIMIT 10"),
    "refused_customer": "SELECT reason FROM refusedvisit WHERE customer_id = :c AND active LIMIT 1",
    "refused_unit": "SELECT reason FROM refusedvisit WHERE unit_key = :u AND active LIMIT 1",
    "refused_phone": "SELECT reason FROM refusedvisit WHERE phone IN :phones AND active LIMIT 1",
    "week": ("SELECT id, number, received_at, channel, category, subtype, urgency, substr(summary, 1, 200), "
             "outcome, status, unit_key, agent_staff_no FROM contact WHERE unit_key = :u AND received_at >= :since "
             "ORDER BY received_at DESC LIMIT 20"),
}
_TIMES = {"received_at", "deadline_at", "complained_at"}
_prepared: dict = {}


def _stmt(name: str):
    """The prepared statement ``name``: typed timestamps, expanding IN lists."""
    stmt = _prepared.get(name)
    if stmt is None:
        from sqlalchemy import bindparam, text

        from csdesk.store.models import UTCDateTime

        sql = _SQL[name]
        stmt = text(sql)
        binds = [bindparam(k, expanding=True) for k in ("ids", "phones") if f":{k}" in sql]
        if ":since" in sql:
            binds.append(bindparam("since", type_=UTCDateTime))
        if binds:
            stmt = stmt.bindparams(*binds)
        times = {k: UTCDateTime for k in _TIMES if k in sql.split(" FROM ")[0]}
        if times:
            stmt = stmt.columns(**times)
        _prepared[name] = stmt
    return stmt


def _rows(session: Session, name: str, **params) -> list:
    return session.execute(_stmt(name), params).all()


def _load_matches(session: Session, hits: list[tuple[int, str, str]], limit: int) -> tuple[CustomerMatch, ...]:
    """``hits``: (customer_id, matched phone or "", how), best first."""
    order: list[int] = []
    first: dict[int, tuple[str, str]] = {}
    for cid, phone, how in hits:
        if cid not in first:
            first[cid] = (phone, how)
            order.append(cid)
        if len(order) >= limit:
            break
    if not order:
        return ()
    customers = {r[0]: r for r in _rows(session, "customers", ids=order)}
    phones: dict[int, list[str]] = {}
    for cid, phone in _rows(session, "phones_of", ids=order):
        phones.setdefault(cid, []).append(phone)
    out = []
    for cid in order:
        c = customers.get(cid)
        if c is None:
            continue
        own = tuple(phones.get(cid, ()))
        phone, how = first[cid]
        _id, code, name, building, unit, room, unit_key, address = c
        out.append(CustomerMatch(cid, code, name, phone or (own[0] if own else ""), own,
                                 building, unit, room, unit_key, address, how))
    return tuple(out)


def classify_query(query: str, *, exact: bool = True) -> tuple[str, str]:
    """What kind of search ``query`` is: (kind, normalised) with kind in
    ``none``, ``last4``, ``prefix``, ``phone``, ``code`` (a customer code, C20231028001), ``initials``, ``name``.

    ``exact=False`` decides "a full number" by its shape alone, without phonenumbers
    (whose import the UI thread should not pay)."""
    from csdesk.domain.text import ascii_digits

    q = ascii_digits(_single_line(query[:200] if query else ""))  # full-width digits and letters as ASCII
    if not q:
        return "none", ""
    compact = _SEP.sub("", q)
    if _DIGITS.match(compact):
        digits = compact
        if len(digits.lstrip("+")) < 4:
            return "none", digits
        if len(digits) == 4:
            return "last4", digits
        full = _full_number(digits) if exact else _looks_full(digits)
        return ("phone" if full else "prefix"), digits
    if _CODE.match(q):
        return "code", q.upper()
    if _INITIALS.match(q):
        return "initials", q.lower()
    return "name", q


def _looks_full(digits: str) -> bool:
    bare = digits.lstrip("+")
    if digits.startswith("+") or digits.startswith("00"):
        return len(bare) >= 8
    if digits.startswith("1"):
        return re.fullmatch(r"1[3-9]\d{9}", digits) is not None
    return digits.startswith("0") and len(digits) >= 10


def _full_number(text: str) -> str:
    """The stored form of ``text`` if it is a complete, valid phone number; else ""."""
    from csdesk.domain.phones import PhoneError, parse_phone

    digits = text.lstrip("+")
    if text.startswith("1") and len(digits) != 11:
        return ""
    if text.startswith("0") and not text.startswith("00") and len(digits) < 10:
        return ""
    try:
        return parse_phone(text).number
    except PhoneError:
        return ""


def find_customers(session: Session, query: str, limit: int = MATCH_LIMIT) -> tuple[tuple[CustomerMatch, ...], str]:
    """Customers matching what was typed, best first, and the query as a full number (or "")."""
    kind, q = classify_query(query)
    hits: list[tuple[int, str, str]] = []
    full = ""
    if kind == "none":
        return (), ""
    if kind == "last4":
        hits += [(cid, p, "last4") for cid, p in _rows(session, "phone_last4", q=q, n=limit)]
        if not hits:  # a number only ever used on a call, not registered with the customer
            hits += [(cid, p, "last4") for cid, p in _rows(session, "contact_last4", q=q, n=limit * 4)]
    elif kind in ("phone", "prefix"):
        if kind == "phone":
            full = _full_number(q)
            hits += [(cid, p, "phone") for cid, p in _rows(session, "phone_eq", q=full, n=limit)]
            if not hits:
                hits += [(cid, p, "phone") for cid, p in _rows(session, "contact_eq", q=full, n=limit * 4)]
        if len(hits) < limit:
            hits += [(cid, p, "prefix") for cid, p in
                     _rows(session, "phone_glob", q=_glob_escape(q) + "*", n=limit)]
    elif kind == "code":  # the unique index on code: exact first, then codes that begin so
        hits += [(r[0], "", "code") for r in _rows(session, "code_glob", q=_glob_escape(q), n=1)]
        hits += [(r[0], "", "code") for r in _rows(session, "code_glob", q=_glob_escape(q) + "*", n=limit)]
    elif kind == "initials":
        hits += [(r[0], "", "initials") for r in _rows(session, "initials_glob", q=_glob_escape(q) + "*", n=limit)]
        if len(hits) < limit:  # a Latin name typed as it is
            hits += [(r[0], "", "name") for r in _rows(session, "name_glob", q=_glob_escape(q) + "*", n=limit)]
    else:
        hits += [(r[0], "", "name") for r in _rows(session, "name_glob", q=_glob_escape(q) + "*", n=limit)]
    return _load_matches(session, hits, limit), full


def _contact_line(row) -> ContactLine:
    cid, number, received_at, channel, category, subtype, urgency, summary, outcome, status, unit_key, staff = row
    return ContactLine(cid, number, received_at, channel, category, subtype, urgency, _first_line(summary or ""),
                       outcome, status, unit_key, staff)


def customer_card(session: Session, match: CustomerMatch | int, at: datetime | None = None) -> CustomerCard | None:
    """Everything the agent should see about a known customer, in a handful of index lookups."""
    at = at or utcnow()
    if isinstance(match, int):
        found = _load_matches(session, [(match, "", "id")], 1)
        if not found:
            return None
        match = found[0]
    cid = match.id
    recent = [_contact_line(r) for r in _rows(session, "recent", c=cid, n=RECENT_CONTACTS)]
    orders = [OrderLine(r[0], r[1], r[2], r[3], _first_line(r[4] or ""), r[5])
              for r in _rows(session, "orders", c=cid)]
    orders.sort(key=lambda o: o.deadline_at)
    complaints = [ComplaintLine(r[0], r[1], r[2], r[3], _first_line(r[4] or ""))
                  for r in _rows(session, "complaints", c=cid)]
    # the refused-visit list: by customer, by unit, by phone (three index lookups at most)
    refused = _rows(session, "refused_customer", c=cid)
    if not refused and match.unit_key:
        refused = _rows(session, "refused_unit", u=match.unit_key)
    if not refused and match.phones:
        refused = _rows(session, "refused_phone", phones=list(match.phones))
    units = [match.unit_key] if match.unit_key else []
    for line in recent:
        if line.unit_key and line.unit_key not in units:
            units.append(line.unit_key)
    since = at - REPEAT_WINDOW
    week: list[ContactLine] = []
    if units:
        for u in units[:3]:
            week += [_contact_line(r) for r in _rows(session, "week", u=u, since=since)]
    else:
        week = [line for line in recent if line.received_at >= since]
    week.sort(key=lambda line: line.received_at, reverse=True)
    return CustomerCard(match, tuple(units), tuple(recent), tuple(orders), tuple(complaints),
                        bool(refused), (refused[0][0] or "") if refused else "", tuple(week))


def recognise(session: Session, query: str, *, customer_id: int | None = None,
              at: datetime | None = None, limit: int = MATCH_LIMIT) -> Recognition:
    """Matches for what was typed and the card of the best (or the chosen) one."""
    t0 = time.perf_counter()
    matches, full = find_customers(session, query, limit)
    card = None
    chosen = next((m for m in matches if m.id == customer_id), None) if customer_id else None
    if chosen is None and matches:
        chosen = matches[0]
    if chosen is not None:
        card = customer_card(session, chosen, at)
    elif customer_id:
        card = customer_card(session, customer_id, at)
    return Recognition(query, matches, card, full, (time.perf_counter() - t0) * 1000)


# --------------------------------------------------------------------------- identity


def verify_identity(session: Session, customer_id: int | None, answer: str, found_by: str = "") -> IdentityCheck:
    """The last four digits of a registered phone, the full registered number, or the name on
    record (or on one of the customer's orders).  ``found_by``: how the caller was found; a caller
    found by the last four digits cannot prove identity with them
    (:func:`csdesk.domain.rules.identity_proof_counts`)."""
    from csdesk.domain.rules import identity_proof_counts

    answer = _single_line(answer)
    if not customer_id or not answer:
        return IdentityCheck(False, "")
    digits = _SEP.sub("", answer)
    if digits.isdigit() and len(digits) >= 4:
        phones = session.exec(select(CustomerPhone.phone).where(CustomerPhone.customer_id == customer_id)).all()
        how = ""
        if len(digits) == 4 and any(p[-4:] == digits for p in phones):
            how = "last4"
        elif len(digits) > 4 and any(_SEP.sub("", p) == digits for p in phones):
            how = "full_number"
        return IdentityCheck(identity_proof_counts(found_by, how), how if identity_proof_counts(found_by, how) else "")
    customer = session.get(Customer, customer_id)
    if customer is not None and customer.name and customer.name == answer:
        return IdentityCheck(True, "order_name")
    names = session.exec(select(WorkOrder.customer_name).where(WorkOrder.customer_id == customer_id)
                         .order_by(col(WorkOrder.created_at).desc()).limit(50)).all()
    if answer in names:
        return IdentityCheck(True, "order_name")
    return IdentityCheck(False, "")


def reveal_customer_phone(session: Session, customer_id: int, phone: str, agent: Actor) -> str:
    """One of a customer's numbers in full, on intake: recorded in the audit log (who, when,
    which customer and number).  Use a write session: the audit row and the reveal are one."""
    from csdesk.domain.errors import NotFound
    from csdesk.services.audit import Action, record

    require(agent, Act.REVEAL_PHONE)
    phones = session.exec(select(CustomerPhone.phone).where(CustomerPhone.customer_id == customer_id)).all()
    if phone not in phones:
        raise NotFound(_("That number is not on the customer's record."))
    customer = session.get(Customer, customer_id)
    record(session, agent, Action.REVEAL_PHONE, "customer", customer_id,
           detail=f"{customer.code if customer else customer_id} {phone[:3]}…{phone[-4:]}")
    return phone


# --------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class Cleaned:
    channel: Channel
    phone: str
    phone_ext: str
    name: str
    building: str
    unit: str
    room: str
    unit_key: str
    address: str
    category: str
    subtype: str
    urgency: Urgency
    summary: str
    handling: str
    outcome: Outcome
    department: str
    referral_contact: str
    promise_at: datetime | None
    escalation_reason: str
    identity: str
    callback_result: CallbackResult | None
    customer_id: int | None
    callback_id: int | None
    received_at: datetime
    duration_s: int | None
    default_department: str = ""  # the sub-type's (or else the category's) routing
    order_ref: str = ""  # the customer's own order reference
    channel_detail: str = ""  # SubChannel key (online contacts)
    result: str = ""
    satisfaction: int | None = None
    partial_phone: str = ""  # "…5678": a caller known by part of the number
    caller_number: CallerNumber = CallerNumber.FULL
    change: InfoChange | None = None  # an information change's new details


@dataclass(frozen=True)
class InfoChange:
    """The new details an information change asks for; empty: unchanged."""

    phone: str = ""
    phone_ext: str = ""
    name: str = ""
    building: str = ""
    unit: str = ""
    room: str = ""
    address: str = ""  # a free address (when the new one is not a building-unit-room)

    @property
    def unit_key(self) -> str:
        return unit_key_of(self.building, self.unit, self.room)

    def describe(self) -> str:
        """One line for the register: what the caller asked to change to."""
        parts = []
        if self.phone:  # masked: the register's text is read by every agent (the record holds it in full)
            from csdesk.domain.phones import mask

            parts.append(_("phone {value}").format(value=mask(self.phone)))
        if self.name:
            parts.append(_("name {value}").format(value=self.name))
        if self.unit_key or self.address:
            parts.append(_("address {value}").format(value=self.unit_key or self.address))
        return _("; ").join(parts)


def _clean_change(form: IntakeForm, errors: dict[str, str], text_field) -> InfoChange | None:
    """An information change's new details, checked at their fields; None for other categories."""
    from csdesk.domain.phones import PhoneError, parse_phone
    from csdesk.domain.text import is_blank, parse_unit

    phone = ext = ""
    if not is_blank(form.new_phone):
        try:
            parsed = parse_phone(form.new_phone.strip()[:64])
            phone, ext = parsed.number, parsed.ext
        except PhoneError as exc:
            errors["new_phone"] = str(exc)
    name = text_field("new_name", form.new_name)
    address = text_field("new_address", form.new_address)
    building = unit = room = ""
    parsed_unit = parse_unit(address) if address else None
    if parsed_unit is not None:
        (building, unit, room), address = parsed_unit, ""
    change = InfoChange(phone, ext, name, building, unit, room, address)
    if not (phone or name or room or address) and not any(k in errors for k in ("new_phone", "new_name",
                                                                                 "new_address")):
        errors["new_phone"] = _("Give the new phone, name or address the caller asks for.")
    return change


def parse_promise(text: str, at: datetime, default: timedelta = PROMISED_REPLY_DEFAULT) -> datetime:
    """``""`` -> default; ``"90"`` -> in 90 minutes; ``"16:30"`` -> today (or tomorrow) at 16:30 local.

    Full-width digits and colon (``１６：３０``, as typed with a Chinese IME) are read as ASCII.
    Raises ValueError with a message for the field."""
    from csdesk.domain.text import ascii_digits

    text = ascii_digits(_single_line(text[:100] if text else ""))
    if not text:
        return at + default
    if text.isascii() and text.isdigit():
        minutes = int(text) if len(text) <= 6 else 0
        if not 1 <= minutes <= 7 * 24 * 60:
            raise ValueError(_("Give the minutes until the reply (1 to 10080)."))
        return at + timedelta(minutes=minutes)
    m = re.match(r"^(\d{1,2})\s*[:：]\s*(\d{2})$", text, re.ASCII)
    if m:
        hour, minute = int(m.group(1)), int(m.group(2))
        if hour > 23 or minute > 59:
            raise ValueError(_("Not a time of day: use HH:MM, e.g. 16:30."))
        local = to_local(at)
        due = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if due <= local:
            due += timedelta(days=1)
        return due.astimezone(at.tzinfo)
    raise ValueError(_("Give minutes (60) or a time of day (16:30)."))


_WHEN_FULL = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:\s+|T)(\d{1,2}):(\d{2})(?::(\d{2}))?$", re.ASCII)
_WHEN_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$", re.ASCII)
_PARTIAL = re.compile(r"^(?:…|\.{2,3}|\*+|[xX]+|尾号)?\s*(\d{3,8})$")


def parse_received(text: str, at: datetime) -> datetime | None:
    """The time a contact was received, typed for entry after the fact: ``""`` -> None (now);
    ``"10:15"`` -> today at 10:15 local; ``"2023-10-28 14:30:15"`` (seconds optional).
    A time after ``at`` is refused.  Full-width digits and colon are read as ASCII.
    Raises ValueError with a message for the field."""
    from csdesk.clock import local_tz
    from csdesk.domain.text import ascii_digits

    text = ascii_digits(_single_line(text[:100] if text else "")).replace("：", ":").strip()
    if not text:
        return None
    bad = _("Give the time received as YYYY-MM-DD HH:MM[:SS], or HH:MM for today.")
    full, short = _WHEN_FULL.match(text), _WHEN_TIME.match(text)
    try:
        if full:
            y, mo, d, h, mi, sec = (int(g or 0) for g in full.groups())
            when = datetime(y, mo, d, h, mi, sec, tzinfo=local_tz())
        elif short:
            h, mi, sec = (int(g or 0) for g in short.groups())
            when = to_local(at).replace(hour=h, minute=mi, second=sec, microsecond=0)
        else:
            raise ValueError(bad)
    except ValueError:
        raise ValueError(bad) from None
    if when > at:
        raise ValueError(_("The time received cannot be in the future."))
    return when


def parse_satisfaction(text: str) -> int | None:
    """``""`` -> None; ``"1"`` … ``"5"`` -> the score; anything else: ValueError with the field's message."""
    from csdesk.domain.text import ascii_digits

    text = ascii_digits(_single_line(str(text)[:20] if text else "")).strip()
    if not text:
        return None
    if text.isascii() and text.isdigit() and 1 <= int(text) <= 5:
        return int(text)
    raise ValueError(_("Give the satisfaction as a whole number from 1 to 5 (or leave it empty)."))


def parse_partial_number(text: str) -> str:
    """The part of a number a caller gave ("…5678", "5678", "尾号5678") as stored: ``"…5678"``.
    Raises ValueError with the field's message."""
    from csdesk.domain.text import ascii_digits

    m = _PARTIAL.match(ascii_digits(_single_line(text[:40] if text else "")).strip())
    if m is None:
        raise ValueError(_("Give the part of the number the caller said, e.g. …5678 (3 to 8 digits)."))
    return "…" + m.group(1)


def validate(session: Session | None, form: IntakeForm, *, settings: Any = None,
             at: datetime | None = None, categories: list | None = None,
             departments: list | None = None) -> Cleaned:
    """Check the whole form; raise :class:`IntakeInvalid` with a message per bad field."""
    from csdesk.domain.phones import PhoneError, parse_phone
    from csdesk.domain.text import TextError, TextKind, ascii_digits, clean_text, is_blank, quote_input

    at = at or utcnow()
    errors: dict[str, str] = {}

    def enum(field_name: str, kind, value: str, default=None):
        if not (value or "").strip():
            if default is not None:
                return default
            errors[field_name] = _("Choose one.")
            return None
        try:
            return kind.parse(value)
        except ValueError:
            errors[field_name] = _('Unknown value "{value}"; choose one of: {choices}').format(
                value=quote_input(value), choices=", ".join(m.value for m in kind))
            return None

    channel = enum("channel", Channel, form.channel, Channel.PHONE)
    urgency = enum("urgency", Urgency, form.urgency, Urgency.NORMAL)
    callback_result = None
    if form.callback_id:
        callback_result = enum("callback_result", CallbackResult, form.callback_result, CallbackResult.DONE)
    reached = customer_reached(callback_result)

    def text_field(name: str, value: str) -> str:
        """The field through the input hygiene; a refusal is the field's message."""
        kind = FIELD_KINDS[name]
        if name in ("building", "unit", "room"):
            value = ascii_digits(value)  # ３栋 is building 3
        try:
            return clean_text(value, LIMITS[name], kind=kind)
        except TextError as exc:
            errors[name] = str(exc)
            return clean_text(value[: LIMITS[name] * 4] if value else "", kind=kind, drop_unsafe=True)

    name = text_field("name", form.name)
    building = text_field("building", form.building).upper()
    unit = text_field("unit", form.unit)
    room = text_field("room", form.room)
    address = text_field("address", form.address)
    summary = text_field("summary", form.summary)
    handling = text_field("handling", form.handling)
    referral_contact = text_field("referral_contact", form.referral_contact)
    escalation_reason = text_field("escalation_reason", form.escalation_reason)
    identity = text_field("identity", form.identity)
    order_ref = text_field("order_ref", form.order_ref)

    result = text_field("result", form.result)
    caller_number = enum("caller_number", CallerNumber, form.caller_number, CallerNumber.FULL)
    channel_detail = ""
    raw_detail = _single_line(form.channel_detail)
    if raw_detail:
        if channel is not Channel.ONLINE:
            errors["channel_detail"] = _("A sub-channel is only for online contacts.")
        else:
            channel_detail = enum("channel_detail", SubChannel, raw_detail) or ""
    try:
        satisfaction = parse_satisfaction(form.satisfaction)
    except ValueError as exc:
        errors["satisfaction"] = str(exc)
        satisfaction = None
    try:
        received_at = parse_received(form.received, at)
    except ValueError as exc:
        errors["received"] = str(exc)
        received_at = None

    customer_id = form.customer_id
    code = ascii_digits(_single_line(form.customer_code)).strip().upper()
    if code and not customer_id:
        found_id = None
        if session is not None:
            found_id = session.exec(select(Customer.id).where(Customer.code == code)).first()
        if found_id is None:
            errors["customer_code"] = _("No customer has the code “{code}”.").format(code=quote_input(code))
        customer_id = found_id

    phone = ext = partial = ""
    if caller_number is CallerNumber.PARTIAL:
        try:
            partial = parse_partial_number(form.phone)
        except ValueError as exc:
            errors["phone"] = str(exc)
    elif caller_number is CallerNumber.NONE:
        if not is_blank(form.phone):
            errors["phone"] = _("“No number” is chosen: leave the number empty, or choose another.")
    elif not is_blank(form.phone):
        try:
            parsed = parse_phone(clean_text(form.phone, 64, kind=TextKind.NAME))
            phone, ext = parsed.number, parsed.ext
        except (PhoneError, TextError) as exc:
            try:
                parse_partial_number(form.phone)
                errors["phone"] = _("Not a whole number: if the caller gave only part of it, choose "
                                    "“partial number” as the caller's number.")
            except ValueError:
                errors["phone"] = str(exc)
    elif channel in (Channel.PHONE, Channel.OUTBOUND) and not customer_id:
        errors["phone"] = _("Enter the caller's phone number, or choose “partial number” or “no number” "
                            "as the caller's number.")
    no_caller_needed = channel is Channel.PATROL or caller_number is not CallerNumber.FULL
    if (not phone and not name and not customer_id and "phone" not in errors and "name" not in errors
            and channel is not None and not no_caller_needed):
        errors["name"] = _("Enter the customer's name or phone number.")

    if room and not building:
        errors["building"] = _("Enter the building of the room.")
    if (building or unit) and not room:
        errors["room"] = _("Enter the room number.")
    if channel is Channel.PATROL and not (room or address) and not ({"building", "room", "address"} & errors.keys()):
        errors["address"] = _("Give the place of the finding: building, entrance and room, or an address.")

    # category and sub-type: stable keys or names from the reference data
    if categories is None:
        from csdesk.services.reference import categories as load_categories

        categories = load_categories(session) if session is not None else []
    category = subtype = ""
    raw_cat = _single_line(form.category)
    if not raw_cat:
        errors["category"] = _("Choose the category.")
    else:
        found = _find_ref(categories, raw_cat)
        if found is None:
            tops = ", ".join(c.code for c in categories if not c.parent_code)
            errors["category"] = _('Unknown category "{value}"; choose one of: {choices}').format(
                value=quote_input(raw_cat), choices=tops)
        elif found.parent_code:
            category, subtype = found.parent_code, found.code
        else:
            category = found.code
    raw_sub = _single_line(form.subtype)
    if raw_sub and category:
        subs = [c for c in categories if c.parent_code == category]
        found = _find_ref(subs, raw_sub) or _find_ref(subs, f"{category}.{raw_sub}")
        if found is None:
            errors["subtype"] = _("Not a sub-type of this category.")
        else:
            subtype = found.code

    if reached and not summary and "summary" not in errors:
        errors["summary"] = _("Write what the customer needs.")

    outcome = enum("outcome", Outcome, form.outcome) if form.outcome else None
    if category:
        outcome = settle_outcome(category, outcome)  # e.g. agents do not settle complaints alone
    if not reached:
        outcome = Outcome.RESOLVED

    department = ""
    promise_at = None
    if outcome is Outcome.REFERRED or (outcome is Outcome.WORK_ORDER and form.department):
        if departments is None:
            from csdesk.services.reference import departments as load_departments

            departments = load_departments(session) if session is not None else []
        raw = _single_line(form.department)
        if not raw and outcome is Outcome.WORK_ORDER:
            pass
        elif not raw:
            errors["department"] = _("Choose the department the customer is referred to.")
        else:
            dep = _find_ref(departments, raw)
            if dep is None:
                errors["department"] = _('Unknown department "{value}".').format(value=quote_input(raw))
            else:
                department = dep.code
                if outcome is Outcome.REFERRED and not referral_contact:
                    referral_contact = dep.phone
        if outcome is Outcome.REFERRED and not referral_contact and "referral_contact" not in errors:
            errors["referral_contact"] = _("Give the contact the customer was given.")
    if outcome is Outcome.PROMISED:
        minutes = getattr(settings, "promised_reply_minutes", None)
        default = timedelta(minutes=minutes) if minutes else PROMISED_REPLY_DEFAULT
        try:
            promise_at = parse_promise(form.promise, at, default)
        except ValueError as exc:
            errors["promise"] = str(exc)
    if (not escalation_reason and "escalation_reason" not in errors and urgency is not None
            and needs_written_reason(category, urgency, outcome)):
        errors["escalation_reason"] = _("Give the reason in one line.")

    change = _clean_change(form, errors, text_field) if category == "info_change" else None

    if errors:
        raise IntakeInvalid(errors)
    routing = {c.code: c.department_code for c in categories}
    routed = default_department(routing, subtype or category)
    return Cleaned(channel, phone, ext, name, building, unit, room, unit_key_of(building, unit, room),
                   address, category, subtype, urgency, summary, handling, outcome, department,
                   referral_contact, promise_at, escalation_reason, identity, callback_result,
                   customer_id, form.callback_id, received_at or form.received_at or at, form.duration_s,
                   routed, order_ref, channel_detail, result, satisfaction, partial, caller_number, change=change)


def unit_key_of(building: str, unit: str, room: str) -> str:
    from csdesk.domain.text import unit_key

    return unit_key(building, unit, room) if room else ""


def _find_ref(items: list, value: str):
    v = value.strip()
    low = v.lower()
    for item in items:
        if low in (item.code.lower(), item.name_en.lower()) or v == item.name_zh:
            return item
    return None


# --------------------------------------------------------------------------- saving


def _customer_for(session: Session, c: Cleaned) -> Customer | None:
    if c.customer_id:
        customer = session.get(Customer, c.customer_id)
        if customer is None:
            raise IntakeInvalid({"phone": _("The chosen customer no longer exists; search again.")})
        return customer
    if c.phone:
        ids = session.exec(select(CustomerPhone.customer_id).where(CustomerPhone.phone == c.phone)
                           .order_by(CustomerPhone.customer_id).limit(5)).all()
        if ids:
            customers = session.exec(select(Customer).where(col(Customer.id).in_(ids))).all()
            for customer in customers:
                if c.name and customer.name == c.name:
                    return customer
            return customers[0]
    return None


def record_contact(session: Session, form: IntakeForm, agent: Actor, *, settings: Any = None,
                   at: datetime | None = None) -> SavedContact:
    """Write the contact and everything its outcome needs, in the caller's transaction.

    Use inside a write session (:func:`csdesk.services.database.write_session`): an error
    anywhere leaves nothing behind.  ``agent`` is the one taking the contact.
    """
    from csdesk.domain.text import pinyin_initials
    from csdesk.store.numbers import allocate, allocate_customer_code

    require(agent, Act.RECORD)
    at = at or utcnow()
    acting(session, agent, at)
    if form.callback_id and not (form.category or "").strip():
        # a call-back is about the matter it follows up: same category unless the agent says otherwise
        origin = session.exec(select(Contact.category).join(Callback, col(Callback.contact_id) == Contact.id)
                              .where(Callback.id == form.callback_id)).first()
        if origin:
            form = replace(form, category=origin)
    c = validate(session, form, settings=settings, at=at)
    agent_id, staff_no = agent.id, agent.staff_no

    # -- the customer: chosen, recognised by number, or new (none for a patrol finding or a caller
    #    known by neither name nor whole number)
    customer = _customer_for(session, c)
    new_customer = customer is None and bool(c.name or c.phone)
    identity_verified: bool | None = None
    verified_by = ""
    if new_customer:
        customer = Customer(code=allocate_customer_code(session, at), name=c.name,
                            name_initials=pinyin_initials(c.name), building=c.building, unit=c.unit,
                            room=c.room, unit_key=c.unit_key, address=c.address, created_at=at,
                            created_by_id=agent_id)
        session.add(customer)
        session.flush()
        if c.phone:
            session.add(CustomerPhone(customer_id=customer.id, phone=c.phone, ext=c.phone_ext, primary=True))
    if c.category == "info_change":
        check = (IdentityCheck(False, "") if new_customer or customer is None
                 else verify_identity(session, customer.id, c.identity, form.found_by))
        identity_verified, verified_by = check.verified, check.how
        if check.verified and c.change is not None:
            _apply_change(session, customer, c.change)

    customer_id = customer.id if customer is not None else None
    name = c.name or (customer.name if customer is not None else "")
    initials = customer.name_initials if customer is not None and name == customer.name else pinyin_initials(name)
    unit_key = c.unit_key or ("" if c.address or customer is None else customer.unit_key)
    address = c.address or ("" if c.unit_key or customer is None else customer.address)
    phone = c.phone or c.partial_phone
    if not phone and customer is not None and c.caller_number is CallerNumber.FULL:
        phone = session.exec(select(CustomerPhone.phone).where(CustomerPhone.customer_id == customer.id)
                             .order_by(col(CustomerPhone.primary).desc()).limit(1)).first() or ""

    number = allocate(session, "contact", at)
    resolved = c.outcome is Outcome.RESOLVED
    contact = Contact(
        number=number, received_at=c.received_at, ended_at=at, channel=c.channel.value,
        channel_detail=c.channel_detail, customer_id=customer_id, customer_name=name, name_initials=initials, phone=phone,
        phone_ext=c.phone_ext, unit_key=unit_key, address=address, category=c.category,
        subtype=c.subtype, urgency=c.urgency.value, summary=c.summary, handling=c.handling,
        result=c.result or ("" if customer_reached(c.callback_result) else c.callback_result.label),
        satisfaction=c.satisfaction, outcome=c.outcome.value,
        status=ContactStatus.CLOSED.value if resolved else ContactStatus.OPEN.value,
        closed_at=at if resolved else None, identity_verified=identity_verified, verified_by=verified_by,
        agent_id=agent_id, agent_staff_no=staff_no, referred_department=c.department if c.outcome is Outcome.REFERRED else "",
        referral_contact=c.referral_contact if c.outcome is Outcome.REFERRED else "",
        parent_callback_id=c.callback_id, duration_s=c.duration_s, created_at=at, order_ref=c.order_ref,
    )
    if not c.summary and c.callback_result:
        contact.summary = _("Call-back: {result}").format(result=c.callback_result.label)
    if c.change is not None:  # what the caller asked for, and whether the record took it
        line = (_("Changed on the record: {what}") if identity_verified else
                _("Not changed, identity not verified: {what}")).format(what=c.change.describe())
        contact.result = "\n".join(x for x in (contact.result, line) if x)
    session.add(contact)
    session.flush()
    out: dict[str, Any] = {}

    def callback(kind: CallbackKind, due: datetime, note: str, **links) -> Callback:
        cb = Callback(kind=kind.value, due_at=due, agent_id=agent_id, customer_id=customer_id,
                      customer_name=name, phone=phone, contact_id=contact.id, note=note,
                      created_at=at, created_by_id=agent_id, **links)
        session.add(cb)
        session.flush()
        return cb

    # -- the outcome
    order = None
    if c.outcome is Outcome.WORK_ORDER:
        from csdesk.services.orders import OrderSpec, open_order

        order = open_order(session, agent, OrderSpec(
            description=c.summary, urgency=c.urgency, category=c.category, subtype=c.subtype,
            department=c.department or c.default_department or "engineering", customer_id=customer_id,
            customer_name=name, phone=phone, unit_key=unit_key, address=address, contact_id=contact.id,
            contact_number=number), at=at, critical_minutes=getattr(settings, "critical_deadline_minutes", None))
        contact.work_order_id = order.id
        out.update(work_order_id=order.id, work_order_number=order.number, deadline_at=order.deadline_at)
    elif c.outcome is Outcome.REFERRED:
        cb = callback(CallbackKind.REFERRAL_CHECK, at + REFERRAL_CHECK_AFTER,
                      _("Referred to {department} ({contact}): check it was solved.").format(
                          department=c.department, contact=c.referral_contact) + " " + _first_line(c.summary))
        out.update(callback_id=cb.id, callback_due_at=cb.due_at)
    elif c.outcome is Outcome.PROMISED:
        cb = callback(CallbackKind.PROMISED_REPLY, c.promise_at, _first_line(c.summary))
        out.update(callback_id=cb.id, callback_due_at=cb.due_at)

    # -- escalation: complaints, urgent and critical matters, and on request
    reached = customer_reached(c.callback_result)  # a call-back not answered files nothing
    reason = escalation_reason(c.category, c.urgency, c.outcome) if reached else None
    if reason is not None:
        why = c.escalation_reason or reason.label
        complaint = None
        if reason is EscalationReason.COMPLAINT:
            complaint = Complaint(
                number=allocate(session, "complaint", at), customer_id=customer_id, customer_name=name,
                contact_phone=phone, complained_at=c.received_at, about=c.summary, contact_id=contact.id,
                order_ref=c.order_ref,
                work_order_id=order.id if order else None, first_handler_id=agent_id,
                first_handler_staff_no=staff_no, escalated_at=at, escalation_reason=why,
                status=ComplaintStatus.ESCALATED.value)
            session.add(complaint)
            session.flush()
            contact.complaint_id = complaint.id
            from csdesk.services.complaints import after_filed

            after_filed(session, complaint, agent, at, handling=c.handling)
            out.update(complaint_id=complaint.id, complaint_number=complaint.number)
        line = f"{why} · {_first_line(c.summary, 120)}"
        esc = Escalation(reason=reason.value, summary=line[:200], contact_id=contact.id,
                         work_order_id=order.id if order else None,
                         complaint_id=complaint.id if complaint else None, customer_id=customer_id,
                         created_at=at, created_by_id=agent_id)
        session.add(esc)
        session.flush()
        contact.escalation_reason = why[:200]
        out.update(escalation_id=esc.id, escalation_reason=why)

    # -- the call-back this contact answered
    if c.callback_id:
        from csdesk.services.callbacks import close_callback

        closed = close_callback(session, c.callback_id, agent, c.callback_result or CallbackResult.DONE,
                                note=c.summary, contact_id=contact.id, at=at, unit_key=unit_key)
        out.update(closed_callback_id=closed.id, retry_callback_id=closed.retry_id,
                   refused_visit_id=closed.refused_visit_id)
    session.flush()
    return SavedContact(contact.id, number, contact.received_at, customer_id,
                        customer.code if customer is not None else "", new_customer,
                        contact.outcome, contact.status, identity_verified, **out)


def order_deadline(urgency: Urgency, settings: Any = None) -> timedelta:
    """The deadline rule (:func:`csdesk.domain.rules.order_deadline`) with the configured critical time."""
    return _order_deadline(urgency, getattr(settings, "critical_deadline_minutes", None))


def _apply_change(session: Session, customer: Customer, change: InfoChange) -> None:
    """A verified information change: the customer's record takes the new details.

    A new phone becomes the customer's primary number (the old ones stay, not primary: a
    call from them still finds the customer).  The audit log keeps every field before and
    after (the store's audit hook).
    """
    from csdesk.domain.text import pinyin_initials

    if change.name and change.name != customer.name:
        customer.name, customer.name_initials = change.name, pinyin_initials(change.name)
    if change.unit_key and change.unit_key != customer.unit_key:
        customer.building, customer.unit, customer.room = change.building, change.unit, change.room
        customer.unit_key, customer.address = change.unit_key, ""
    elif change.address and change.address != customer.address:
        customer.address = change.address
        customer.building = customer.unit = customer.room = customer.unit_key = ""
    if change.phone:
        phones = session.exec(select(CustomerPhone).where(CustomerPhone.customer_id == customer.id)).all()
        for row in phones:
            row.primary = row.phone == change.phone
            if row.primary and change.phone_ext:
                row.ext = change.phone_ext
            session.add(row)
        if not any(row.phone == change.phone for row in phones):
            session.add(CustomerPhone(customer_id=customer.id, phone=change.phone, ext=change.phone_ext,
                                      primary=True))


# --------------------------------------------------------------------------- scripts


STEPS = ("identify", "restate", "classify", "verify", "resolve")


@dataclass(frozen=True)
class ScriptLine:
    opening: str
    prompt: str
    step: str


def load_scripts() -> dict:
    from csdesk.store.refdata import load_toml

    try:
        return load_toml("scripts.toml")
    except (OSError, ValueError):
        return {}


def _pick(entry: Any, lang: str) -> str:
    if not isinstance(entry, dict):
        return ""
    key = "zh" if lang == "zh_CN" else "en"
    return str(entry.get(key) or entry.get("en") or entry.get("zh") or "")


def script_line(channel: str, category: str, step: str, *, staff_no: str, agent_name: str = "",
                lang: str | None = None, scripts: dict | None = None) -> ScriptLine:
    """The opening line for the channel and the prompt for ``step`` (category wins over channel)."""
    from csdesk.i18n import current_language

    lang = lang or current_language()
    scripts = load_scripts() if scripts is None else scripts
    centre = _pick(scripts.get("centre"), lang)

    def fill(text: str) -> str:
        try:
            return text.format(staff_no=staff_no, agent=agent_name, centre=centre)
        except (KeyError, IndexError, ValueError):
            return text

    opening = _pick(scripts.get("opening", {}).get(channel) or scripts.get("opening", {}).get("phone"), lang)
    prompt = ""
    cats = scripts.get("category", {})
    for code in (category, top_category(category)):
        if code and not prompt:
            node = cats
            for part in code.split("."):
                node = node.get(part, {}) if isinstance(node, dict) else {}
            prompt = _pick(node.get(step) if isinstance(node, dict) else None, lang)
    if not prompt:
        prompt = _pick(scripts.get("channel", {}).get(channel, {}).get(step), lang)
    if not prompt:
        prompt = _pick(scripts.get("step", {}).get(step), lang)
    return ScriptLine(fill(opening), fill(prompt), step)

