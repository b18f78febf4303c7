"""The audit service: who did what, when.

Every write through the ORM is audited by the store's hook
(:mod:`csdesk.store.audit`) under the actor a service names with
:func:`acting`; deliberate acts that change nothing (a login, a phone reveal,
an export, a print, locking the screen) are recorded with :func:`record`.
The audit log is append-only in the database itself.  Reading it is a
supervisor's act (:data:`~csdesk.domain.policy.Act.READ_AUDIT`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Session, col, select

from csdesk.domain.actor import Actor
from csdesk.domain.policy import Act, require
from csdesk.store import audit as store_audit
from csdesk.store.models import AuditLog


class Action(StrEnum):
    """Explicit acts (writes are recorded as ``create``/``update``/``delete`` of their table)."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    ACCOUNT_LOCKED = "account_locked"
    LOCK = "lock"
    UNLOCK = "unlock"
    REVEAL_PHONE = "reveal_phone"
    FULL_PHONES = "full_phones"
    EXPORT = "export"
    PRINT = "print"
    BACKUP = "backup"
    RESTORE = "restore"
    REFERENCE = "reference_change"


def acting(session: Session, actor: Actor | None, at: datetime | None = None) -> Session:
    """Name who is acting (and, for entry after the fact or tests, when) for the writes that follow."""
    session.info["actor"] = actor
    if at is not None:
        session.info["at"] = at
    return session


def record(session: Session, actor: Actor | None, action: Action | str, entity: str = "",
           entity_id: int | None = None, *, detail: str = "", changes: dict | None = None) -> int:
    """Record a deliberate act; returns the audit row's id."""
    return store_audit.write(session, actor, str(action), entity, entity_id, detail=detail, changes=changes)


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    agent_id: int | None
    staff_no: str
    action: str
    entity: str
    entity_id: int | None
    detail: str
    changes: dict[str, Any]


def _entry(row: AuditLog) -> AuditEntry:
    try:
        changes = json.loads(row.changes) if row.changes else {}
    except ValueError:
        changes = {"_raw": row.changes}
    return AuditEntry(row.id, row.at, row.agent_id, row.staff_no, row.action, row.entity, row.entity_id,
                      row.detail, changes)


def entries(session: Session, actor: Actor, *, staff_no: str | None = None, entity: str | None = None,
            entity_id: int | None = None, since: datetime | None = None, limit: int = 200) -> list[AuditEntry]:
    """The newest audit rows first, filtered; a supervisor's or manager's read."""
    require(actor, Act.READ_AUDIT)
    stmt = select(AuditLog)
    if staff_no:
        stmt = stmt.where(AuditLog.staff_no == staff_no)
    if entity:
        stmt = stmt.where(AuditLog.entity == entity)
    if entity_id is not None:
        stmt = stmt.where(AuditLog.entity_id == entity_id)
    if since is not None:
        stmt = stmt.where(AuditLog.at >= since)
    rows = session.exec(stmt.order_by(col(AuditLog.id).desc()).limit(limit)).all()
    return [_entry(r) for r in rows]
