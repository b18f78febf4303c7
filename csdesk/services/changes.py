"""The change feed: what changed since version N.

Every write is audited (:mod:`csdesk.store.audit`), and the audit log's ids
only grow, so the audit id is the feed's version: a console remembers the
last version it saw and asks for the records written since.  One
primary-key range read, whatever the size of the database; consoles poll it
every second or two (the register, the order list, the handover).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlmodel import Session

WRITES = ("create", "update", "delete")
_LATEST = text("SELECT coalesce(max(id), 0) FROM auditlog")
_SINCE = text("SELECT id, entity, entity_id, action FROM auditlog WHERE id > :v ORDER BY id LIMIT :n")


@dataclass(frozen=True)
class Change:
    version: int
    entity: str  # the table: contact, workorder, callback, escalation, complaint, handover …
    entity_id: int | None
    action: str


@dataclass(frozen=True)
class ChangeBatch:
    version: int  # ask again with this
    changes: tuple[Change, ...] = ()
    more: bool = False  # the batch was cut at its limit: ask again at once
    entities: frozenset[str] = field(default_factory=frozenset)

    def touches(self, *entities: str) -> bool:
        return any(e in self.entities for e in entities)

    def ids(self, entity: str) -> set[int]:
        return {c.entity_id for c in self.changes if c.entity == entity and c.entity_id is not None}


def latest_version(session: Session) -> int:
    return session.execute(_LATEST).scalar_one()


def changes_since(session: Session, version: int, *, entities: Iterable[str] | None = None,
                  limit: int = 1000) -> ChangeBatch:
    """The writes after ``version`` (of the given tables, if named), oldest first."""
    rows = session.execute(_SINCE, {"v": version, "n": limit}).all()
    if not rows:
        return ChangeBatch(version)
    wanted = set(entities) if entities is not None else None
    changes = tuple(Change(r[0], r[1], r[2], r[3]) for r in rows
                    if r[3] in WRITES and (wanted is None or r[1] in wanted))
    return ChangeBatch(rows[-1][0], changes, len(rows) >= limit, frozenset(c.entity for c in changes))
