"""Drafts: form contents written as the agent types, offered back after a crash.

Each console keeps its own drafts: one per agent, kind (``intake``, …) and
console, upserted in place.  A console is named by :func:`console_id` when it
starts (host, process, a random part), so two consoles of the same agent never
write over, offer or save each other's work.

The screen writes its draft within a fraction of a second of every change (in a
thread worker) and deletes it in the transaction that saves the form, or when
the agent deliberately discards it.  A draft whose console is gone (killed,
closed with a filled form) is an *orphan*: the next console of that agent
offers it back.  A console is gone when it ran on this machine and its process
no longer exists, or when it has not said it is alive (:func:`touch`, about once
a minute) for :data:`GONE_AFTER`.  Restoring an orphan *claims* it (the row
becomes the claiming console's, in one statement that only one console can win),
so the same unsaved intake is never restored, and saved, twice.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from csdesk.clock import now as utcnow
from csdesk.domain.errors import Conflict
from csdesk.i18n import _

GONE_AFTER = timedelta(minutes=5)  # a console not heard of for this long is gone, wherever it ran


@dataclass(frozen=True)
class DraftInfo:
    agent_id: int
    kind: str
    payload: dict[str, Any]
    updated_at: datetime
    id: int | None = None
    console: str = ""


class DraftTaken(Conflict):
    """The draft was restored by another console meanwhile."""


def console_id() -> str:
    """A name for this console, unique among all consoles ever started: ``host/pid/random``."""
    return f"{socket.gethostname()[:32]}/{os.getpid()}/{secrets.token_hex(4)}"


def _stamp(at: datetime) -> str:
    # stored as naive UTC text, the way SQLAlchemy's SQLite DateTime (and UTCDateTime) writes it
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.000000")


def _parse(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def console_alive(console: str, seen_at: datetime | None, at: datetime | None = None) -> bool:
    """Whether the console named ``console`` may still be running (see the module's docstring)."""
    if not console:
        return False  # a draft from before consoles were named
    at = at or utcnow()
    if seen_at is None or at - seen_at > GONE_AFTER:
        return False
    host, _sep, rest = console.partition("/")
    pid_text = rest.partition("/")[0]
    if host == socket.gethostname()[:32] and pid_text.isdigit() and os.name == "posix":
        pid = int(pid_text)
        if pid == os.getpid():
            return True
        try:
            os.kill(pid, 0)  # signal 0: is there such a process? (nothing is sent)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True  # another user's process of that number
    return True


def save_draft(session: Session, agent_id: int, kind: str, payload: dict[str, Any],
               at: datetime | None = None, *, console: str = "") -> int:
    """Write (or overwrite) this console's draft of ``kind`` (one upsert); returns its id."""
    stamp = _stamp(at or utcnow())
    row = session.execute(
        text("INSERT INTO draft (agent_id, kind, console, payload, updated_at, seen_at) "
             "VALUES (:a, :k, :c, :p, :t, :t) "
             "ON CONFLICT(agent_id, kind, console) DO UPDATE SET payload = excluded.payload, "
             "updated_at = excluded.updated_at, seen_at = excluded.seen_at RETURNING id"),
        {"a": agent_id, "k": kind, "c": console, "p": json.dumps(payload, ensure_ascii=False), "t": stamp},
    ).first()
    return int(row[0])


def _info(row) -> DraftInfo | None:
    draft_id, agent_id, kind, console, payload, updated_at = row
    try:
        data = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    return DraftInfo(agent_id, kind, data, _parse(updated_at), draft_id, console)


_COLUMNS = "id, agent_id, kind, console, payload, updated_at"


def load_draft(session: Session, agent_id: int, kind: str, console: str = "") -> DraftInfo | None:
    """This console's draft of ``kind``."""
    row = session.execute(text(f"SELECT {_COLUMNS} FROM draft WHERE agent_id = :a AND kind = :k AND console = :c"),
                          {"a": agent_id, "k": kind, "c": console}).first()
    return _info(row) if row is not None else None


def orphaned_drafts(session: Session, agent_id: int, kind: str, console: str,
                    at: datetime | None = None) -> list[DraftInfo]:
    """The agent's drafts of ``kind`` left by consoles that are gone, newest first."""
    rows = session.execute(
        text(f"SELECT {_COLUMNS}, seen_at FROM draft WHERE agent_id = :a AND kind = :k AND console != :c "
             "ORDER BY updated_at DESC, id DESC"), {"a": agent_id, "k": kind, "c": console}).all()
    out = []
    for row in rows:
        if console_alive(row[3], _parse(row[6]), at):
            continue
        info = _info(row[:6])
        if info is not None:
            out.append(info)
    return out


def claim_draft(session: Session, draft: DraftInfo, console: str, at: datetime | None = None) -> bool:
    """Make an orphaned draft this console's (restoring it).  False if another console was quicker.

    This console's own draft of the same kind, if any, gives way: the restored one replaces the form."""
    session.execute(text("DELETE FROM draft WHERE agent_id = :a AND kind = :k AND console = :c AND id != :i"),
                    {"a": draft.agent_id, "k": draft.kind, "c": console, "i": draft.id})
    result = session.execute(
        text("UPDATE draft SET console = :me, seen_at = :t WHERE id = :i AND console = :was"),
        {"me": console, "t": _stamp(at or utcnow()), "i": draft.id, "was": draft.console})
    return bool(result.rowcount)


def discard_draft(session: Session, agent_id: int, kind: str, console: str = "") -> bool:
    """Delete this console's draft of ``kind``."""
    result = session.execute(text("DELETE FROM draft WHERE agent_id = :a AND kind = :k AND console = :c"),
                             {"a": agent_id, "k": kind, "c": console})
    return bool(result.rowcount)


def discard_draft_id(session: Session, draft_id: int) -> bool:
    """Delete one draft (an orphan the agent chose to discard)."""
    return bool(session.execute(text("DELETE FROM draft WHERE id = :i"), {"i": draft_id}).rowcount)


def close_for_save(session: Session, agent_id: int, kind: str, console: str, draft_id: int | None) -> None:
    """In the transaction that saves a form: delete its draft.  Refuses (:class:`DraftTaken`) when
    the draft the form was restored from has since been claimed by another console, which then
    holds the same intake: it is saved there, or not at all."""
    if draft_id is not None:
        owner = session.execute(text("SELECT console FROM draft WHERE id = :i"), {"i": draft_id}).first()
        if owner is not None and owner[0] != console:
            raise DraftTaken(_("This intake was taken over by another console; it is not saved here."))
    discard_draft(session, agent_id, kind, console)


def touch(session: Session, console: str, at: datetime | None = None) -> int:
    """This console is alive: its drafts say so (about once a minute)."""
    return session.execute(text("UPDATE draft SET seen_at = :t WHERE console = :c"),
                           {"t": _stamp(at or utcnow()), "c": console}).rowcount
