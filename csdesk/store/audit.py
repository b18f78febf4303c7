"""The audit trail's mechanics: every ORM write leaves a row in ``auditlog``.

:func:`install` hooks SQLAlchemy's ``after_flush``: for each record the flush
inserted, changed or deleted (but the audit log itself, drafts, counters and
meta), one ``auditlog`` row with the acting person (``session.info["actor"]``,
set by :func:`csdesk.services.audit.acting`), the table and id, and the fields
as JSON ``{"field": [before, after]}``.  Services cannot forget to audit a
write, and a write with no actor shows as such.  Password hashes are never
copied: their change shows as ``"***"``.

Writes by plain SQL (drafts, the number counters, the search index, the demo's
bulk loader) are not records of the desk and are not audited.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from csdesk.clock import now

NOT_AUDITED = frozenset({"auditlog", "draft", "counter", "meta"})
SECRET = frozenset({"password_hash"})
BOOKKEEPING = frozenset({"failed_logins", "locked_until"})  # logins are recorded as acts of their own
_installed = False


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


def _row(session: Session, actor: Any, action: str, entity: str, entity_id: int | None, changes: dict,
         detail: str = "") -> dict:
    return {
        "at": session.info.get("at") or now(),
        "agent_id": getattr(actor, "id", None),
        "staff_no": getattr(actor, "staff_no", "") or "",
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "detail": detail,
        "changes": json.dumps(changes, ensure_ascii=False, sort_keys=True) if changes else "",
    }


def _fields(obj: Any, *, created: bool) -> dict[str, list]:
    state = inspect(obj)
    out: dict[str, list] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in BOOKKEEPING:
            continue
        history = state.attrs[key].history
        if created:
            value = getattr(obj, key)
            if value is None or value == "" or key == "id":
                continue
            out[key] = [None, "***" if key in SECRET else _plain(value)]
        elif history.has_changes():
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
            if before == after:
                continue
            out[key] = ["***", "***"] if key in SECRET else [_plain(before), _plain(after)]
    return out


def _after_flush(session: Session, _context) -> None:
    if session.info.get("no_audit"):
        return
    from csdesk.store.models import AuditLog

    actor = session.info.get("actor")
    rows = []
    for action, objects in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            table = getattr(obj, "__tablename__", None)
            if table is None or table in NOT_AUDITED:
                continue
            if action == "update" and not session.is_modified(obj, include_collections=False):
                continue
            changes = _fields(obj, created=action == "create") if action != "delete" else {}
            if action == "update" and not changes:
                continue
            rows.append(_row(session, actor, action, table, getattr(obj, "id", None), changes))
    if rows:
        rows.sort(key=lambda r: (r["entity"], r["entity_id"] or 0))
        session.connection().execute(insert(AuditLog.__table__), rows)


def install() -> None:
    """Hook the audit trail into every ORM session (once per process)."""
    global _installed
    if not _installed:
        event.listen(Session, "after_flush", _after_flush)
        _installed = True


def write(session: Session, actor: Any, action: str, entity: str = "", entity_id: int | None = None, *,
          detail: str = "", changes: dict | None = None) -> int:
    """One explicit audit row (a login, a reveal, an export …); returns its id."""
    from csdesk.store.models import AuditLog

    result = session.connection().execute(
        insert(AuditLog.__table__).returning(AuditLog.__table__.c.id),
        [_row(session, actor, action, entity, entity_id, changes or {}, detail)])
    return result.scalar_one()
