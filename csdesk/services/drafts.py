"""Drafts: form contents written as the agent types, offered back after a crash.

One draft per agent and kind (``intake``, …), upserted in place.  The screen
saves a draft a moment after the agent stops typing (in a thread worker) and
deletes it when the form is saved or deliberately discarded; a draft still
there at the next start means the console went away mid-typing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, select

from csdesk.clock import now as utcnow
from csdesk.store.models import Draft


@dataclass(frozen=True)
class DraftInfo:
    agent_id: int
    kind: str
    payload: dict[str, Any]
    updated_at: datetime


def save_draft(session: Session, agent_id: int, kind: str, payload: dict[str, Any],
               at: datetime | None = None) -> None:
    """Write (or overwrite) the agent's draft of ``kind``: one statement, an upsert."""
    from datetime import UTC

    # stored as naive UTC text, the way SQLAlchemy's SQLite DateTime (and UTCDateTime) writes it
    stamp = (at or utcnow()).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.000000")
    session.execute(
        text("INSERT INTO draft (agent_id, kind, payload, updated_at) VALUES (:a, :k, :p, :t) "
             "ON CONFLICT(agent_id, kind) DO UPDATE SET payload = excluded.payload, "
             "updated_at = excluded.updated_at"),
        {"a": agent_id, "k": kind, "p": json.dumps(payload, ensure_ascii=False), "t": stamp},
    )


def load_draft(session: Session, agent_id: int, kind: str) -> DraftInfo | None:
    row = session.exec(select(Draft).where(Draft.agent_id == agent_id, Draft.kind == kind)).first()
    if row is None:
        return None
    try:
        payload = json.loads(row.payload)
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    return DraftInfo(row.agent_id, row.kind, payload, row.updated_at)


def discard_draft(session: Session, agent_id: int, kind: str) -> bool:
    result = session.execute(text("DELETE FROM draft WHERE agent_id = :a AND kind = :k"),
                             {"a": agent_id, "k": kind})
    return bool(result.rowcount)
