"""The problem log (问题登记本) and the service tally (服务统计本).

- :func:`add_entry`: a problem or an idea met while working, one line, quick.
- :func:`entries`: an agent's own entries; a supervisor's read of everyone's.
- :func:`weekly_summary`: per agent for one week (Monday to Sunday, local):
  problems and ideas logged, contacts taken, distinct customers served, and
  how many prospects converted (``Contact.converted``), for the lead.
- :func:`mark_converted`: the tally's quick entry: this contact's prospect
  became a customer (or not).

The week's contacts are read by ``ix_contact_received`` (one week's range);
the log by ``ix_problemlog_at``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import text as sql
from sqlmodel import Session

from csdesk.clock import local_tz
from csdesk.clock import now as utcnow
from csdesk.domain import ProblemKind
from csdesk.domain.actor import Actor
from csdesk.domain.errors import Invalid, NotFound
from csdesk.domain.policy import Act, may, require
from csdesk.i18n import _
from csdesk.services.audit import acting

TEXT_LIMIT = 500


@dataclass(frozen=True)
class Entry:
    id: int
    at: datetime
    staff_no: str
    name: str
    kind: str
    text: str

    @property
    def kind_label(self) -> str:
        try:
            return ProblemKind(self.kind).label
        except ValueError:
            return self.kind


@dataclass(frozen=True)
class AgentWeek:
    staff_no: str
    name: str
    problems: int
    ideas: int
    contacts: int
    customers: int
    converted: int


@dataclass(frozen=True)
class WeekSummary:
    first: date  # Monday
    last: date  # Sunday
    agents: tuple[AgentWeek, ...]
    entries: tuple[Entry, ...]


def week_of(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def _bounds(first: date, last: date) -> tuple[str, str]:
    tz = local_tz()
    start = datetime.combine(first, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return start.strftime("%Y-%m-%d %H:%M:%S"), end.strftime("%Y-%m-%d %H:%M:%S")


def _ts(value) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def add_entry(session: Session, actor: Actor, kind: ProblemKind | str, words: str,
              at: datetime | None = None) -> Entry:
    from csdesk.services.handover import clean
    from csdesk.store.models import ProblemLog

    require(actor, Act.RECORD)
    at = at or utcnow()
    try:
        kind = ProblemKind.parse(str(kind))
    except ValueError as exc:
        raise Invalid({"kind": str(exc)}) from None
    words = clean(words, TEXT_LIMIT, "text", required=True)
    acting(session, actor, at)
    row = ProblemLog(agent_id=actor.id, at=at, kind=kind.value, text=words)
    session.add(row)
    session.flush()
    return Entry(row.id, at, actor.staff_no, actor.name, kind.value, words)


def entries(session: Session, actor: Actor, first: date, last: date, *, agent_id: int | None = None,
            limit: int = 1000) -> list[Entry]:
    """Entries from ``first`` to ``last`` (local days), oldest first: one's own, or anyone's for a supervisor."""
    require(actor, Act.RECORD)
    if not may(actor, Act.REVIEW_HANDOVER):
        agent_id = actor.id
    start, end = _bounds(first, last)
    where = "p.at >= :s AND p.at < :e" + (" AND p.agent_id = :a" if agent_id is not None else "")
    rows = session.execute(sql("SELECT p.id, p.at, a.staff_no, a.name, p.kind, p.text FROM problemlog p "
                               f"JOIN agent a ON a.id = p.agent_id WHERE {where} ORDER BY p.at, p.id LIMIT :n"),
                           {"s": start, "e": end, "a": agent_id, "n": limit}).all()
    return [Entry(r[0], _ts(r[1]), r[2], r[3], r[4], r[5]) for r in rows]


def weekly_summary(session: Session, actor: Actor, day: date) -> WeekSummary:
    """The week holding ``day``: per agent (one's own unless a supervisor asks), and the entries."""
    require(actor, Act.RECORD)
    first, last = week_of(day)
    start, end = _bounds(first, last)
    only = None if may(actor, Act.REVIEW_HANDOVER) else actor.id
    params = {"s": start, "e": end, "a": only}
    mine = " AND agent_id = :a" if only is not None else ""
    counts: dict[int, list[int]] = {}
    for agent_id, kind, n in session.execute(sql(
            f"SELECT agent_id, kind, count(*) FROM problemlog WHERE at >= :s AND at < :e{mine} "
            "GROUP BY agent_id, kind"), params):
        slot = counts.setdefault(agent_id, [0, 0, 0, 0, 0])
        slot[0 if kind == ProblemKind.PROBLEM.value else 1] += n
    for agent_id, contacts, customers, converted in session.execute(sql(
            "SELECT agent_id, count(*), count(DISTINCT coalesce(customer_id, -id)), "
            "sum(CASE WHEN converted THEN 1 ELSE 0 END) "
            f"FROM contact WHERE received_at >= :s AND received_at < :e{mine} GROUP BY agent_id"), params):
        slot = counts.setdefault(agent_id, [0, 0, 0, 0, 0])
        slot[2:] = [contacts, customers, converted or 0]
    people = {}
    if counts:
        ids = ",".join(str(i) for i in counts)
        people = {r[0]: (r[1], r[2]) for r in session.execute(sql(
            f"SELECT id, staff_no, name FROM agent WHERE id IN ({ids})"))}
    agents = sorted((AgentWeek(*people.get(i, ("?", "")), *slot) for i, slot in counts.items()),
                    key=lambda a: a.staff_no)
    return WeekSummary(first, last, tuple(agents), tuple(entries(session, actor, first, last, agent_id=only)))


def mark_converted(session: Session, actor: Actor, contact_number: str, converted: bool = True,
                   at: datetime | None = None) -> int:
    """The tally's quick entry: the prospect of contact ``CT…`` converted (or not); returns the contact id."""
    from sqlmodel import select

    from csdesk.store.models import Contact

    at = at or utcnow()
    row = session.exec(select(Contact).where(Contact.number == (contact_number or "").strip().upper())).first()
    if row is None:
        raise NotFound(_("No contact with that number."))
    require(actor, Act.HANDLE_OWN, owner_id=row.agent_id)
    acting(session, actor, at)
    row.converted = bool(converted)
    session.flush()
    return row.id
