"""The call/visit register (来电、来访信息登记表): query model, keyset pages, counts,
detail, phone reveal with audit, export iterator.

Everything takes a ``Session`` and returns plain frozen dataclasses.

Two query paths, chosen by :func:`plan`:

- *index path* (``contact_fts``): any text/name/initials search and any of the
  value filters (channel, category, urgency, outcome, agent, open only).  All
  of them are terms of one FTS5 query, a date range is a rowid range, and the
  rowid is the time key, so the newest matches come out first and the query
  stops after one page (see :mod:`csdesk.store.search_index`).
- *B-tree path* (``contact``): no filter but dates (``ix_contact_received``),
  or a search by contact number, full phone (``ix_contact_phone``), the first 7
  or more digits of a phone (a range of ``ix_contact_phone``), last four digits
  (``ix_contact_phone_last4``, spelled ``substr(phone, -4)`` literally so SQLite
  matches the expression index), unit (``ix_contact_unit_received``), a work
  order's or complaint's number (``ix_contact_work_order``,
  ``ix_contact_complaint``) or a customer code (``ix_contact_customer_received``);
  value filters then narrow those few rows.

Pages are read with keyset conditions on (received_at, id) — or the equivalent
time key — never OFFSET.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session

from csdesk.clock import local_tz, now
from csdesk.domain.actor import Actor
from csdesk.domain.errors import NotFound
from csdesk.domain.phones import PhoneError, mask, parse_phone
from csdesk.domain.policy import Act, may, require
from csdesk.domain.text import TextKind, ascii_digits, clean_text, parse_unit, unit_key
from csdesk.i18n import N_, _
from csdesk.services.audit import Action, record
from csdesk.store import search_index as si

PAGE_SIZE = 100
SEARCH_LIMIT = 200  # characters of the search box that are looked at
_NUMBER = re.compile(r"^(CT|WO|CP)\d{8}-\d{3,}$", re.ASCII | re.IGNORECASE)  # contact, work order, complaint
_NUMBER_KINDS = {"CT": "number", "WO": "work_order", "CP": "complaint"}
_CUSTOMER_CODE = re.compile(r"^C\d{11,}$", re.ASCII | re.IGNORECASE)  # C20231028001 (csdesk.store.numbers)
# the first digits of a mobile (1…) or of a landline with its area code (0…): 7 digits or more
_PHONE_PREFIX = re.compile(r"^(?:1\d{6,10}|0\d{6,11})$", re.ASCII)
_PHONE_CHARS = re.compile(r"^[\d\s\-+()（）]+$", re.ASCII)
_DIGITS = re.compile(r"\D", re.ASCII)
_INITIALS = re.compile(r"^[A-Za-z]{1,5}$")  # pinyin initials of a name: up to 5 letters


# --------------------------------------------------------------------------- the query model


PERIODS = ("today", "shift", "yesterday", "week", "month", "custom")


@dataclass(frozen=True)
class Query:
    """What the agent asked for: filters and the search text.  Dates are aware."""

    start: datetime | None = None  # inclusive
    end: datetime | None = None  # exclusive
    period: str = ""  # one of PERIODS, for display ("" = all dates)
    channel: str | None = None
    category: str | None = None
    urgency: str | None = None
    outcome: str | None = None
    agent_id: int | None = None
    agent_label: str = ""  # staff number, for display
    open_only: bool = False
    search: str = ""

    def with_(self, **changes) -> Query:
        return replace(self, **changes)

    @property
    def has_filters(self) -> bool:
        return any((self.start, self.end, self.channel, self.category, self.urgency, self.outcome,
                    self.agent_id, self.open_only))


def period_range(period: str, *, today: date | None = None, shift=None,
                 at: datetime | None = None) -> tuple[datetime | None, datetime | None]:
    """The [start, end) of a named period in local time, as aware datetimes.

    ``shift`` is a ShiftInfo (start/end "HH:MM"); a shift ending before it
    starts crosses midnight.  Without a shift, "shift" means today.
    """
    tz = local_tz()
    here = (at or now()).astimezone(tz)
    today = today or here.date()

    def day_start(d: date) -> datetime:
        return datetime.combine(d, time(0), tzinfo=tz)

    if period == "today":
        return day_start(today), day_start(today + timedelta(days=1))
    if period == "yesterday":
        return day_start(today - timedelta(days=1)), day_start(today)
    if period == "week":  # Monday to now
        monday = today - timedelta(days=today.weekday())
        return day_start(monday), day_start(monday + timedelta(days=7))
    if period == "month":
        first = today.replace(day=1)
        nxt = (first + timedelta(days=32)).replace(day=1)
        return day_start(first), day_start(nxt)
    if period == "shift":
        if shift is None:
            return period_range("today", today=today)
        sh, sm = (int(x) for x in shift.start.split(":"))
        eh, em = (int(x) for x in shift.end.split(":"))
        start = datetime.combine(today, time(sh, sm), tzinfo=tz)
        end = datetime.combine(today, time(eh, em), tzinfo=tz)
        if end <= start:  # crosses midnight
            if here.time() < time(eh, em) and here.date() == today:
                start -= timedelta(days=1)
            else:
                end += timedelta(days=1)
        return start, end
    return None, None


def days_range(first: date, last: date) -> tuple[datetime, datetime]:
    """Local days ``first`` .. ``last`` inclusive as [start, end)."""
    tz = local_tz()
    return (datetime.combine(first, time(0), tzinfo=tz),
            datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz))


@dataclass(frozen=True)
class SearchPlan:
    """How the search text was understood."""

    kind: str  # none, number, work_order, complaint, customer, phone, phone_prefix, last4, unit, text, initials
    value: str = ""
    fts: str | None = None

    def describe(self) -> str:
        labels = {
            "number": _("contact number"), "work_order": _("work order number"), "complaint": _("complaint number"),
            "customer": _("customer code"), "phone": _("phone number"),
            "phone_prefix": _("phone number starting"), "last4": _("last four digits"), "unit": _("unit"),
            "text": _("name or words"), "initials": _("pinyin initials, name or words"),
        }
        return f"{labels.get(self.kind, '')} {self.value}".strip()


def interpret(search: str) -> SearchPlan:
    """Decide what the search box text is: a contact, work-order or complaint number, a customer
    code, a phone (whole, its first 7+ digits or its last four), a unit, initials or text."""
    # the input hygiene (csdesk.domain.text): control and bidi characters dropped, one line
    raw = clean_text((search or "")[: SEARCH_LIMIT * 2], kind=TextKind.LINE, drop_unsafe=True)[:SEARCH_LIMIT]
    if not raw:
        return SearchPlan("none")
    typed = ascii_digits(raw)  # digits typed full-width with a Chinese IME
    if _NUMBER.match(typed):
        return SearchPlan(_NUMBER_KINDS[typed[:2].upper()], typed.upper())
    if _CUSTOMER_CODE.match(typed):
        return SearchPlan("customer", typed.upper())
    if _PHONE_CHARS.match(typed):
        digits = _DIGITS.sub("", typed)
        if len(digits) == 4 and typed.isdigit():
            return SearchPlan("last4", digits)
        if len(digits) >= 7:
            try:
                return SearchPlan("phone", parse_phone(typed).number)
            except PhoneError:
                if _PHONE_PREFIX.match(digits) and "+" not in typed:
                    return SearchPlan("phone_prefix", digits)
    unit = parse_unit(raw)
    if unit is not None:
        return SearchPlan("unit", unit_key(*unit))
    fts = si.fts_query(raw)
    if fts is None:
        return SearchPlan("text", raw[:40], None)  # nothing searchable: finds nothing
    if _INITIALS.match(raw):
        word = raw.lower()
        return SearchPlan("initials", word, f'(initials : "{word}"*) OR ({fts})')
    return SearchPlan("text", raw[:40], fts)


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class Cursor:
    """A position in the register: the (received_at, id) of a row and its time key."""

    received: str  # received_at exactly as stored
    id: int
    key: int


@dataclass(frozen=True)
class RegisterRow:
    id: int
    number: str
    received_at: datetime
    channel: str
    customer_name: str
    phone: str  # masked unless the viewer may see full numbers
    phone_masked: bool
    unit: str
    category: str
    subtype: str
    urgency: str
    summary: str
    outcome: str
    status: str
    agent_staff_no: str
    work_order_id: int | None
    work_order_number: str
    complaint_id: int | None
    complaint_number: str
    cursor: Cursor


@dataclass(frozen=True)
class Page:
    rows: tuple[RegisterRow, ...]
    at_start: bool  # no newer rows before this page
    at_end: bool  # no older rows after it

    @property
    def first(self) -> Cursor | None:
        return self.rows[0].cursor if self.rows else None

    @property
    def last(self) -> Cursor | None:
        return self.rows[-1].cursor if self.rows else None


def _parse_ts(value) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def _bound(value: datetime) -> str:
    """A date bound as stored text compares (no fraction: see the module notes)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


# Time keys fit SQLite's 64-bit integers from 1931 to 2068; a date bound beyond (the CLI takes
# 1900-2100) is clamped: no contact is stored outside that range.
_KEY_MAX = 2**63 - 1


def _lo_key(start: datetime) -> int:
    return max(-_KEY_MAX, min(_KEY_MAX, si.time_floor(start)))


def _hi_key(end: datetime) -> int:  # exclusive
    return max(-_KEY_MAX, min(_KEY_MAX, si.time_floor(end)))


_COLS = (
    "c.id, c.number, c.received_at, c.channel, c.customer_name, c.phone, c.unit_key, c.address, "
    "c.category, c.subtype, c.urgency, c.summary, c.outcome, c.status, c.agent_staff_no, "
    "c.work_order_id, (SELECT w.number FROM workorder w WHERE w.id = c.work_order_id), "
    "c.complaint_id, (SELECT p.number FROM complaint p WHERE p.id = c.complaint_id)"
)


def _row(r, key: int, full_phones: bool) -> RegisterRow:
    phone = r[5] or ""
    return RegisterRow(
        id=r[0], number=r[1], received_at=_parse_ts(r[2]), channel=r[3], customer_name=r[4],
        phone=phone if full_phones else mask(phone), phone_masked=not full_phones and bool(phone) and mask(phone) != phone,
        unit=r[6] or r[7] or "", category=r[8], subtype=r[9] or "", urgency=r[10],
        summary=(r[11] or "").replace("\n", " "), outcome=r[12], status=r[13], agent_staff_no=r[14],
        work_order_id=r[15], work_order_number=r[16] or "", complaint_id=r[17],
        complaint_number=r[18] or "", cursor=Cursor(str(r[2]), r[0], key))


def _tag_terms(q: Query) -> list[str]:
    out = []
    if q.channel:
        out.append(si.tag("ch", q.channel))
    if q.category:
        out.append(si.tag("cat", q.category))
    if q.urgency:
        out.append(si.tag("urg", q.urgency))
    if q.outcome:
        out.append(si.tag("out", q.outcome))
    if q.agent_id is not None:
        out.append(si.tag("ag", q.agent_id))
    if q.open_only:
        out.append(si.tag("st", "open"))
    return out


@dataclass(frozen=True)
class Plan:
    """A query compiled to one of the two paths."""

    path: str  # "fts", "btree" or "empty"
    match: str | None = None
    where: tuple[str, ...] = ()
    params: dict = field(default_factory=dict)
    key_lo: int | None = None
    key_hi: int | None = None
    search: SearchPlan = SearchPlan("none")
    index: str = ""  # INDEXED BY for the B-tree path ("" lets SQLite choose)


# Searches by a linked record's number: the contacts of that one record, through its index.
_LINKED = {
    "work_order": "c.work_order_id = (SELECT w.id FROM workorder w WHERE w.number = :s_linked)",
    "complaint": "c.complaint_id = (SELECT p.id FROM complaint p WHERE p.number = :s_linked)",
    "customer": "c.customer_id = (SELECT u.id FROM customer u WHERE u.code = :s_linked)",
}


def plan(q: Query) -> Plan:
    sp = interpret(q.search)
    tags = _tag_terms(q)
    if sp.kind in ("text", "initials") and sp.fts is None:
        return Plan("empty", search=sp)
    if sp.kind in ("text", "initials") or (tags and sp.kind == "none"):
        parts = [f"({sp.fts})"] if sp.fts else []
        parts += [f'tags : "{t}"' for t in tags]
        return Plan("fts", match=" AND ".join(parts),
                    key_lo=_lo_key(q.start) if q.start else None,
                    key_hi=_hi_key(q.end) if q.end else None, search=sp)
    where: list[str] = []
    params: dict = {}
    index = ""
    if sp.kind == "number":
        where.append("c.number = :s_number")
        params["s_number"] = sp.value
    elif sp.kind in _LINKED:
        where.append(_LINKED[sp.kind])
        params["s_linked"] = sp.value
    elif sp.kind == "phone":
        where.append("c.phone = :s_phone")
        params["s_phone"] = sp.value
    elif sp.kind == "phone_prefix":
        # a range of the phone index ('…:' sorts right after '…9'); named, so that a large range
        # is never read by walking the time index instead
        where.append("c.phone >= :s_phone_lo AND c.phone < :s_phone_hi")
        params["s_phone_lo"], params["s_phone_hi"] = sp.value, sp.value + ":"
        index = "ix_contact_phone"
    elif sp.kind == "last4":
        where.append("substr(c.phone, -4) = :s_last4")
        params["s_last4"] = sp.value
    elif sp.kind == "unit":
        where.append("c.unit_key = :s_unit")
        params["s_unit"] = sp.value
    if q.start:
        where.append("c.received_at >= :d_start")
        params["d_start"] = _bound(q.start)
    if q.end:
        where.append("c.received_at < :d_end")
        params["d_end"] = _bound(q.end)
    if q.channel:
        where.append("c.channel = :f_channel")
        params["f_channel"] = q.channel
    if q.category:
        where.append("(c.category = :f_category OR c.category GLOB :f_category_sub OR c.subtype = :f_category)")
        params["f_category"] = q.category
        params["f_category_sub"] = q.category.replace("[", "").replace("*", "").replace("?", "") + ".*"
    if q.urgency:
        where.append("c.urgency = :f_urgency")
        params["f_urgency"] = q.urgency
    if q.outcome:
        where.append("c.outcome = :f_outcome")
        params["f_outcome"] = q.outcome
    if q.agent_id is not None:
        where.append("c.agent_id = :f_agent")
        params["f_agent"] = q.agent_id
    if q.open_only:
        where.append("c.status = 'open'")
    return Plan("btree", where=tuple(where), params=params, search=sp, index=index)


def _fts_sql(p: Plan, *, newer: bool, cursor: Cursor | None, limit: int | None,
             count: bool = False) -> tuple[str, dict]:
    # rowid = -key: ascending rowid is newest first (see csdesk.store.search_index)
    t = si.FTS_TABLE
    where = [f"{t} MATCH :m"]
    params: dict = {"m": p.match}
    if p.key_lo is not None:
        where.append(f"{t}.rowid <= :k_lo")
        params["k_lo"] = -p.key_lo
    if p.key_hi is not None:
        where.append(f"{t}.rowid > :k_hi")
        params["k_hi"] = -p.key_hi
    if cursor is not None:
        where.append(f"{t}.rowid {'<' if newer else '>'} :k_cur")
        params["k_cur"] = -cursor.key
    cond = " AND ".join(where)
    if count:
        return f"SELECT count(*) FROM {t} WHERE {cond}", params
    order = "DESC" if newer else "ASC"
    sql = (f"SELECT {_COLS}, -{t}.rowid FROM {t} "
           f"JOIN contact c ON c.id = ((-{t}.rowid) & {si.ID_MASK}) "
           f"WHERE {cond} ORDER BY {t}.rowid {order}")
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return sql, params


def _btree_sql(p: Plan, *, newer: bool, cursor: Cursor | None, limit: int | None,
               count: bool = False) -> tuple[str, dict]:
    where = list(p.where)
    params = dict(p.params)
    if cursor is not None:
        where.append(f"(c.received_at, c.id) {'>' if newer else '<'} (:c_received, :c_id)")
        params["c_received"] = cursor.received
        params["c_id"] = cursor.id
    cond = (" WHERE " + " AND ".join(where)) if where else ""
    table = f"contact c INDEXED BY {p.index}" if p.index else "contact c"
    if count:
        return f"SELECT count(*) FROM {table}{cond}", params
    order = "ASC" if newer else "DESC"
    sql = (f"SELECT {_COLS}, {si.key_sql('c.received_at', 'c.id')} FROM {table}{cond} "
           f"ORDER BY c.received_at {order}, c.id {order}")
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return sql, params


def page_sql(q: Query, *, newer: bool = False, cursor: Cursor | None = None,
             limit: int | None = PAGE_SIZE, count: bool = False) -> tuple[str, dict] | None:
    """The SQL and parameters of a page (or count) query; None when nothing can match."""
    p = plan(q)
    if p.path == "empty":
        return None
    build = _fts_sql if p.path == "fts" else _btree_sql
    return build(p, newer=newer, cursor=cursor, limit=limit, count=count)


def _fetch(session: Session, q: Query, *, newer: bool, cursor: Cursor | None, limit: int,
           full_phones: bool) -> list[RegisterRow]:
    built = page_sql(q, newer=newer, cursor=cursor, limit=limit)
    if built is None:
        return []
    result = session.connection().exec_driver_sql(*_named_to_qmark(*built))
    return [_row(r, r[19], full_phones) for r in result]


_PARAM = re.compile(r":([a-z_][a-z0-9_]*)")


def _named_to_qmark(sql: str, params: dict) -> tuple[str, tuple]:
    """``:name`` parameters as ``?`` (the driver SQL path skips SQLAlchemy's compiler)."""
    values = []

    def sub(m: re.Match) -> str:
        values.append(params[m.group(1)])
        return "?"

    return _PARAM.sub(sub, sql), tuple(values)


def page_after(session: Session, q: Query, cursor: Cursor | None = None, *,
               limit: int = PAGE_SIZE, full_phones: bool = False) -> Page:
    """The page of rows older than ``cursor`` (the newest page when None), newest first."""
    rows = _fetch(session, q, newer=False, cursor=cursor, limit=limit + 1, full_phones=full_phones)
    at_end = len(rows) <= limit
    rows = rows[:limit]
    at_start = cursor is None  # the cursor row itself is newer
    return Page(tuple(rows), at_start=at_start, at_end=at_end)


def page_before(session: Session, q: Query, cursor: Cursor | None = None, *,
                limit: int = PAGE_SIZE, full_phones: bool = False) -> Page:
    """The page of rows newer than ``cursor`` (the oldest page when None), newest first."""
    rows = _fetch(session, q, newer=True, cursor=cursor, limit=limit + 1, full_phones=full_phones)
    at_start = len(rows) <= limit
    rows = rows[:limit]
    rows.reverse()
    at_end = cursor is None
    return Page(tuple(rows), at_start=at_start, at_end=at_end)


def page_around(session: Session, q: Query, cursor: Cursor, *, limit: int = PAGE_SIZE,
                full_phones: bool = False) -> Page:
    """The page that starts at ``cursor`` itself (the same rows again, refreshed)."""
    start = Cursor(cursor.received, cursor.id + 1, cursor.key + 1)
    page = page_after(session, q, start, limit=limit, full_phones=full_phones)
    if page.rows:
        return page
    return page_after(session, q, None, limit=limit, full_phones=full_phones)


def _exists(session: Session, q: Query, *, newer: bool, cursor: Cursor) -> bool:
    built = page_sql(q, newer=newer, cursor=cursor, limit=1)
    if built is None:
        return False
    sql, params = built
    return session.connection().exec_driver_sql(*_named_to_qmark(sql, params)).first() is not None


def count(session: Session, q: Query) -> int:
    """How many rows match (FTS5 or an index count; run it lazily, off the first paint)."""
    built = page_sql(q, count=True)
    if built is None:
        return 0
    return session.connection().exec_driver_sql(*_named_to_qmark(*built)).scalar_one()


def count_newer(session: Session, q: Query, cursor: Cursor) -> int:
    """How many matching rows come before ``cursor``: the page's offset."""
    built = page_sql(q, newer=True, cursor=cursor, count=True)
    if built is None:
        return 0
    return session.connection().exec_driver_sql(*_named_to_qmark(*built)).scalar_one()


def explain(session: Session, q: Query, *, newer: bool = False, cursor: Cursor | None = None,
            count_query: bool = False) -> list[str]:
    """EXPLAIN QUERY PLAN lines of a page (or count) query."""
    built = page_sql(q, newer=newer, cursor=cursor, count=count_query)
    if built is None:
        return []
    sql, params = _named_to_qmark(*built)
    rows = session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()
    return [r[3] for r in rows]


def data_version(session: Session) -> int:
    return session.connection().exec_driver_sql("PRAGMA data_version").scalar_one()


# --------------------------------------------------------------------------- detail


@dataclass(frozen=True)
class LinkRef:
    kind: str  # work_order, complaint, callback
    id: int
    label: str


@dataclass(frozen=True)
class ContactDetail:
    id: int
    number: str
    received_at: datetime
    ended_at: datetime | None
    channel: str
    channel_detail: str
    customer_name: str
    phone: str
    phone_masked: bool
    phone_ext: str
    unit: str
    address: str
    category: str
    subtype: str
    urgency: str
    summary: str
    handling_steps: tuple[str, ...]
    result: str
    outcome: str
    status: str
    closed_at: datetime | None
    satisfaction: int | None
    identity_verified: bool | None
    verified_by: str
    agent_staff_no: str
    agent_name: str
    referred_department: str
    referral_contact: str
    escalation_reason: str
    duration_s: int | None
    links: tuple[LinkRef, ...]
    customer_code: str = ""
    # labels in the current language for the stored keys above
    channel_detail_label: str = ""
    verified_by_label: str = ""
    referred_department_name: str = ""


def _opt_ts(value) -> datetime | None:
    return None if value is None else _parse_ts(value)


def detail(session: Session, contact_id: int, *, full_phones: bool = False) -> ContactDetail | None:
    from csdesk.store.models import Agent, Callback, Complaint, Contact, WorkOrder

    c = session.get(Contact, contact_id)
    if c is None:
        return None
    agent = session.get(Agent, c.agent_id)
    links: list[LinkRef] = []
    if c.work_order_id:
        wo = session.get(WorkOrder, c.work_order_id)
        if wo is not None:
            links.append(LinkRef("work_order", wo.id, _("Work order {number}").format(number=wo.number)))
    if c.complaint_id:
        cp = session.get(Complaint, c.complaint_id)
        if cp is not None:
            links.append(LinkRef("complaint", cp.id, _("Complaint {number}").format(number=cp.number)))
    seen: set[int] = set()
    from sqlmodel import select

    cb_ids = [c.parent_callback_id] if c.parent_callback_id else []
    cb_ids += list(session.exec(select(Callback.id).where(Callback.contact_id == c.id)))
    for cb_id in cb_ids:
        if cb_id in seen:
            continue
        seen.add(cb_id)
        cb = session.get(Callback, cb_id)
        if cb is not None:
            from csdesk.clock import fmt

            links.append(LinkRef("callback", cb.id, _("Call-back due {due}").format(due=fmt(cb.due_at, "%Y-%m-%d %H:%M"))))
    steps = tuple(s.strip() for s in (c.handling or "").split("\n") if s.strip())
    code = ""
    if c.customer_id:
        from csdesk.store.models import Customer

        customer = session.get(Customer, c.customer_id)
        code = customer.code if customer is not None else ""
    department = (department_names(session).get(c.referred_department, c.referred_department)
                  if c.referred_department else "")
    return ContactDetail(
        id=c.id, number=c.number, received_at=c.received_at, ended_at=c.ended_at, channel=c.channel,
        channel_detail=c.channel_detail, customer_name=c.customer_name,
        phone=c.phone if full_phones else mask(c.phone), phone_masked=not full_phones and bool(c.phone) and mask(c.phone) != c.phone,  # "…5678" hides nothing
        phone_ext=c.phone_ext, unit=c.unit_key, address=c.address, category=c.category, subtype=c.subtype,
        urgency=c.urgency, summary=c.summary, handling_steps=steps, result=c.result, outcome=c.outcome,
        status=c.status, closed_at=c.closed_at, satisfaction=c.satisfaction,
        identity_verified=c.identity_verified, verified_by=c.verified_by,
        agent_staff_no=c.agent_staff_no, agent_name=agent.name if agent else "",
        referred_department=c.referred_department, referral_contact=c.referral_contact,
        escalation_reason=c.escalation_reason, duration_s=c.duration_s, links=tuple(links), customer_code=code,
        channel_detail_label=sub_channel_label(c.channel_detail), verified_by_label=verification_label(c.verified_by),
        referred_department_name=department)


@dataclass(frozen=True)
class LinkedRecord:
    """A linked work order, complaint or call-back as label/value lines."""

    kind: str
    id: int
    title: str
    fields: tuple[tuple[str, str], ...]


def linked_record(session: Session, kind: str, record_id: int, *, full_phones: bool = False) -> LinkedRecord | None:
    from csdesk.clock import fmt
    from csdesk.store.models import Callback, Complaint, WorkOrder

    def ph(value: str) -> str:
        return value if full_phones else mask(value)

    if kind == "work_order":
        w = session.get(WorkOrder, record_id)
        if w is None:
            return None
        fee = "" if w.quoted_fee_fen is None else f"{w.quoted_fee_fen / 100:.2f}"
        cats = _category_names(session)
        category = cats.get(w.category, w.category) + (
            f" – {cats.get(w.subtype, w.subtype)}" if w.subtype and w.subtype != w.category else "")
        return LinkedRecord(kind, w.id, _("Work order {number}").format(number=w.number), (
            (_("Status"), _label("OrderStatus", w.status)), (_("Customer"), w.customer_name),
            (_("Phone"), ph(w.phone)), (_("Unit"), w.unit_key or w.address),
            (_("To do"), w.description), (_("Category"), category), (_("Urgency"), _label("Urgency", w.urgency)),
            (_("Department"), department_names(session).get(w.department, w.department)),
            (_("Appointment"), fmt(w.appointment_at)),
            (_("Deadline"), fmt(w.deadline_at)), (_("Assignee"), w.assignee),
            (_("Paid"), _("yes") if w.paid else _("no")), (_("Quoted fee"), fee),
            (_("Created"), fmt(w.created_at)), (_("Completed"), fmt(w.completed_at)),
            (_("Result"), w.result), (_("Satisfaction"), "" if w.satisfaction is None else str(w.satisfaction)),
        ))
    if kind == "complaint":
        p = session.get(Complaint, record_id)
        if p is None:
            return None
        return LinkedRecord(kind, p.id, _("Complaint {number}").format(number=p.number), (
            (_("Status"), _label("ComplaintStatus", p.status)), (_("Customer"), p.customer_name),
            (_("Contact"), ph(p.contact_phone)), (_("Complained at"), fmt(p.complained_at)),
            (_("About"), p.about), (_("Order concerned"), p.order_ref),
            (_("First handler"), p.first_handler_staff_no), (_("Escalated"), fmt(p.escalated_at)),
            (_("Reason"), p.escalation_reason), (_("Supervisor's plan"), p.plan),
            (_("Customer's response"), p.customer_response), (_("Closed"), fmt(p.closed_at)),
        ))
    if kind == "callback":
        b = session.get(Callback, record_id)
        if b is None:
            return None
        return LinkedRecord(kind, b.id, _("Call-back"), (
            (_("Kind"), _label("CallbackKind", b.kind)), (_("Due"), fmt(b.due_at)),
            (_("Customer"), b.customer_name), (_("Phone"), ph(b.phone)), (_("Note"), b.note),
            (_("Done"), fmt(b.done_at)), (_("Result"), _label("CallbackResult", b.result) if b.result else ""),
            (_("Result note"), b.result_note), (_("Attempts"), str(b.attempts)),
        ))
    return None


def label(kind: str, value: str) -> str:
    """The label of a vocabulary value: ``label("Outcome", "escalated")``; unknown values as they are."""
    from csdesk import domain

    try:
        return getattr(domain, kind)(value).label
    except (ValueError, AttributeError):
        return value or ""


_label = label

# How an online contact reached the desk (``contact.channel_detail``) and how a caller's identity was
# checked (``contact.verified_by``): stored as keys, shown by these labels (unknown keys as stored).
VERIFICATIONS = {
    "last4": N_("last four digits of the registered number"), "order_name": N_("order number and name"),
    "name": N_("name on record"), "name_on_record": N_("name on record"),
    "full_number": N_("full registered number"), "phone": N_("full registered number"),
}


def sub_channel_label(value: str | None) -> str:
    """The online sub-channel's name (``csdesk.domain.SubChannel``), or what is stored if it is none."""
    from csdesk.domain import SubChannel

    try:
        return SubChannel(value).label
    except ValueError:
        return value or ""


def verification_label(value: str | None) -> str:
    return _(VERIFICATIONS[value]) if value in VERIFICATIONS else (value or "")


def department_names(session: Session) -> dict[str, str]:
    """Department code -> name in the current language (deactivated ones too: old records keep theirs)."""
    from sqlmodel import select

    from csdesk.i18n import current_language
    from csdesk.store.models import Department

    zh = current_language() == "zh_CN"
    return {d.code: (d.name_zh if zh else d.name_en) for d in session.exec(select(Department))}


# --------------------------------------------------------------------------- phones


def may_see_full_phones(agent: Actor | None) -> bool:
    """Supervisors and managers see full numbers; agents see them masked (the policy decides)."""
    return may(agent, Act.SEE_FULL_PHONE)


def reveal_phone(session: Session, contact_id: int, agent: Actor) -> str:
    """The full number of one contact, recorded in the audit log (who, when, which).

    Use a write session: the audit row and the reveal are one transaction.
    """
    from csdesk.store.models import Contact

    require(agent, Act.REVEAL_PHONE)
    c = session.get(Contact, contact_id)
    if c is None:
        raise NotFound(_("That record no longer exists."))
    record(session, agent, Action.REVEAL_PHONE, "contact", contact_id, detail=c.number)
    return c.phone


def record_export(session: Session, agent: Actor | None, q: Query, rows: int, fmt_name: str, target: str, *,
                  full_phones: bool = False) -> int:
    """The audit row of an export (commit it before the file is published)."""
    require(agent, Act.EXPORT)
    if full_phones:
        require(agent, Act.SEE_FULL_PHONE)
    return record(session, agent, Action.EXPORT, "contact",
                  detail=f"{rows} rows {fmt_name} {target} full={full_phones} {describe(q)}")


def record_full_phones(session: Session, agent: Actor, what: str, rows: int) -> int:
    """A listing with full numbers (the CLI's ``--full``): recorded."""
    require(agent, Act.SEE_FULL_PHONE)
    return record(session, agent, Action.FULL_PHONES, "contact", detail=f"{what}: {rows} rows")


# --------------------------------------------------------------------------- reference for pickers


@dataclass(frozen=True)
class AgentChoice:
    id: int
    staff_no: str
    name: str


def agent_choices(session: Session) -> list[AgentChoice]:
    from sqlmodel import select

    from csdesk.store.models import Agent

    return [AgentChoice(a.id, a.staff_no, a.name)
            for a in session.exec(select(Agent).order_by(Agent.staff_no))]


def find_agent(session: Session, staff_no: str) -> AgentChoice | None:
    from sqlmodel import select

    from csdesk.store.models import Agent

    a = session.exec(select(Agent).where(Agent.staff_no == staff_no)).first()
    return AgentChoice(a.id, a.staff_no, a.name) if a else None


def find_record_id(session: Session, entity: str, number: str) -> int | None:
    """The id of a contact, work order or complaint by the number people quote."""
    from sqlmodel import select

    from csdesk.store.models import Complaint, Contact, WorkOrder

    model = {"contact": Contact, "workorder": WorkOrder, "complaint": Complaint}.get(entity)
    if model is None:
        return None
    return session.exec(select(model.id).where(model.number == number)).first()


# --------------------------------------------------------------------------- export


@dataclass(frozen=True)
class ExportColumn:
    key: str  # stable
    header: str  # msgid, translated by export_headers()
    width: int  # characters, for the workbook


# Every field of the register (来电、来访信息登记表) and, for a contact that became a complaint, the
# complaint tracking record's fields (客诉处理跟踪表).  Times are datetimes: real dates in a workbook.
EXPORT_COLUMNS = (
    ExportColumn("number", N_("Number"), 18),
    ExportColumn("received_at", N_("Received"), 19),
    ExportColumn("channel", N_("Channel"), 10),
    ExportColumn("sub_channel", N_("Sub-channel"), 10),
    ExportColumn("customer_code", N_("Customer code"), 14),
    ExportColumn("customer_name", N_("Customer"), 12),
    ExportColumn("phone", N_("Phone"), 14),
    ExportColumn("unit", N_("Unit / address"), 14),
    ExportColumn("category", N_("Category"), 14),
    ExportColumn("subtype", N_("Sub-type"), 16),
    ExportColumn("urgency", N_("Urgency"), 8),
    ExportColumn("summary", N_("Summary"), 40),
    ExportColumn("handling", N_("Handling"), 40),
    ExportColumn("result", N_("Result"), 30),
    ExportColumn("outcome", N_("Outcome"), 12),
    ExportColumn("satisfaction", N_("Satisfaction"), 8),
    ExportColumn("order_ref", N_("Customer's order reference"), 16),
    ExportColumn("status", N_("Status"), 8),
    ExportColumn("closed_at", N_("Closed"), 19),
    ExportColumn("referred_department", N_("Referred to"), 12),
    ExportColumn("referral_contact", N_("Referral contact"), 16),
    ExportColumn("escalation_reason", N_("Escalation reason"), 30),
    ExportColumn("identity_check", N_("Identity checked"), 14),
    ExportColumn("agent", N_("Agent"), 8),
    ExportColumn("work_order", N_("Work order"), 18),
    ExportColumn("complaint", N_("Complaint"), 18),
    ExportColumn("complaint_status", N_("Complaint status"), 12),
    ExportColumn("complained_at", N_("Complained at"), 19),
    ExportColumn("complaint_about", N_("About"), 30),
    ExportColumn("order_concerned", N_("Order concerned"), 18),
    ExportColumn("first_handler", N_("First handler"), 10),
    ExportColumn("complaint_escalated_at", N_("Escalated"), 19),
    ExportColumn("complaint_escalation_reason", N_("Reason for escalating"), 30),
    ExportColumn("supervisor", N_("Supervisor"), 10),
    ExportColumn("supervisor_plan", N_("Supervisor's plan"), 40),
    ExportColumn("customer_response", N_("Customer's response"), 30),
    ExportColumn("complaint_closed_at", N_("Complaint closed"), 19),
)


def export_headers() -> tuple[str, ...]:
    return tuple(_(c.header) for c in EXPORT_COLUMNS)


def export_widths() -> tuple[int, ...]:
    return tuple(c.width for c in EXPORT_COLUMNS)


# the contact's own fields beyond a page's (appended to _COLS; read by name below)
_EXPORT_EXTRA = (
    ("handling", "c.handling"), ("result", "c.result"), ("channel_detail", "c.channel_detail"),
    ("customer_code", "(SELECT u.code FROM customer u WHERE u.id = c.customer_id)"),
    ("closed_at", "c.closed_at"), ("satisfaction", "c.satisfaction"),
    ("referred_department", "c.referred_department"), ("referral_contact", "c.referral_contact"),
    ("escalation_reason", "c.escalation_reason"), ("identity_verified", "c.identity_verified"),
    ("verified_by", "c.verified_by"), ("order_ref", "c.order_ref"),
)
_COMPLAINT_SQL = ("SELECT p.id, p.status, p.complained_at, p.about, p.order_ref, p.first_handler_staff_no, "
                  "p.first_handler_name, p.escalated_at, p.escalation_reason, "
                  "(SELECT a.staff_no FROM agent a WHERE a.id = p.supervisor_id), p.plan, p.customer_response, "
                  "p.closed_at FROM complaint p WHERE p.id IN ({ids})")


def _complaints_of(session: Session, ids: set[int]) -> dict[int, tuple]:
    if not ids:
        return {}
    marks = ", ".join("?" for _i in ids)
    found = session.connection().exec_driver_sql(_COMPLAINT_SQL.format(ids=marks), tuple(ids)).fetchall()
    return {r[0]: tuple(r) for r in found}


def export_rows(session: Session, q: Query, *, full_phones: bool = False,
                batch: int = 2000) -> Iterator[tuple]:
    """Every row of the filter, newest first, in the order of :data:`EXPORT_COLUMNS`: labels in the
    current language, times as aware datetimes (a workbook gets real dates, a CSV local time)."""
    cats = _category_names(session)
    departments = department_names(session)
    extra = ", ".join(expr for _key, expr in _EXPORT_EXTRA)
    at = {key: 19 + i for i, (key, _expr) in enumerate(_EXPORT_EXTRA)}  # after _COLS' 19 columns
    key_at = 19 + len(_EXPORT_EXTRA)  # the time key, last
    cursor = None
    while True:
        built = page_sql(q, cursor=cursor, limit=batch)
        if built is None:
            return
        sql, params = built
        sql = sql.replace(_COLS, f"{_COLS}, {extra}", 1)
        rows = session.connection().exec_driver_sql(*_named_to_qmark(sql, params)).fetchall()
        complaints = _complaints_of(session, {r[17] for r in rows if r[17]})
        for r in rows:
            phone = r[5] or ""
            cp = complaints.get(r[17]) if r[17] else None
            verified = r[at["identity_verified"]]
            check = ("" if verified is None else
                     (_("yes") if verified else _("no"))
                     + (f" ({verification_label(r[at['verified_by']])})" if r[at["verified_by"]] else ""))
            satisfaction = r[at["satisfaction"]]
            yield (
                r[1], _parse_ts(r[2]), _label("Channel", r[3]), sub_channel_label(r[at["channel_detail"]]),
                r[at["customer_code"]] or "", r[4], phone if full_phones else mask(phone), r[6] or r[7] or "",
                cats.get(r[8], r[8]), cats.get(r[9], r[9] or ""), _label("Urgency", r[10]), r[11] or "",
                r[at["handling"]] or "", r[at["result"]] or "", _label("Outcome", r[12]),
                satisfaction if satisfaction is not None else "", r[at["order_ref"]] or "",
                _label("ContactStatus", r[13]),
                _opt_ts(r[at["closed_at"]]),
                departments.get(r[at["referred_department"]], r[at["referred_department"]] or ""),
                r[at["referral_contact"]] or "", r[at["escalation_reason"]] or "", check,
                r[14], r[16] or "", r[18] or "",
                *(_complaint_cells(cp) if cp else ("",) * 11),
            )
        if len(rows) < batch:
            return
        last = rows[-1]
        cursor = Cursor(str(last[2]), last[0], last[key_at])


def _complaint_cells(cp: tuple) -> tuple:
    (_id, status, complained_at, about, order_ref, handler_no, handler_name, escalated_at, reason, supervisor,
     plan_text, response, closed_at) = cp
    handler = " ".join(x for x in (handler_no, handler_name) if x)
    return (_label("ComplaintStatus", status), _opt_ts(complained_at), about or "", order_ref or "", handler,
            _opt_ts(escalated_at), reason or "", supervisor or "", plan_text or "", response or "",
            _opt_ts(closed_at))


def _category_names(session: Session) -> dict[str, str]:
    from csdesk.services.reference import categories

    return {c.code: c.name for c in categories(session)}


def category_name(session: Session, code: str) -> str:
    return _category_names(session).get(code, code)


def describe(q: Query, category_names: dict[str, str] | None = None) -> str:
    """The active filters and search in one line (for the screen and exports)."""
    from csdesk.clock import fmt

    parts = []
    if q.start or q.end:
        label = {"today": _("today"), "shift": _("this shift"), "yesterday": _("yesterday"),
                 "week": _("this week"), "month": _("this month")}.get(q.period)
        if label is None:
            last = (q.end - timedelta(seconds=1)) if q.end else None
            label = f"{fmt(q.start, '%Y-%m-%d') if q.start else '…'}–{fmt(last, '%Y-%m-%d') if last else '…'}"
        parts.append(label)
    if q.channel:
        parts.append(_label("Channel", q.channel))
    if q.category:
        parts.append((category_names or {}).get(q.category, q.category))
    if q.urgency:
        parts.append(_label("Urgency", q.urgency))
    if q.outcome:
        parts.append(_label("Outcome", q.outcome))
    if q.agent_id is not None:
        parts.append(_("agent {staff_no}").format(staff_no=q.agent_label or q.agent_id))
    if q.open_only:
        parts.append(_("open only"))
    if q.search.strip():
        parts.append(_("search: {what}").format(what=interpret(q.search).describe()))
    return " · ".join(parts)
