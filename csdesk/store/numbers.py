"""Numbers people quote: ``WO20261122-0007``, ``CT20261122-0042``, ``C20261122001``.

Allocated from the ``counter`` table inside the caller's write transaction,
which :func:`csdesk.store.engine.write_session` opens with ``BEGIN IMMEDIATE``: two
terminals can never draw the same number, and the unique constraint on each
number column is the backstop.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlmodel import Session

from csdesk.clock import now, to_local

PREFIXES = {
    "contact": ("CT", 4),
    "work_order": ("WO", 4),
    "complaint": ("CP", 4),
}


def next_value(session: Session, key: str, count: int = 1) -> int:
    """Reserve ``count`` values of sequence ``key``; return the first."""
    value = session.execute(
        text("INSERT INTO counter (key, value) VALUES (:key, :n) "
             "ON CONFLICT(key) DO UPDATE SET value = value + :n RETURNING value"),
        {"key": key, "n": count},
    ).scalar_one()
    return value - count + 1


def allocate(session: Session, kind: str, when: datetime | None = None) -> str:
    """The next number of ``kind`` (contact, work_order, complaint) for the local day of ``when``."""
    prefix, width = PREFIXES[kind]
    day = to_local(when or now()).strftime("%Y%m%d")
    n = next_value(session, f"{prefix}{day}")
    return f"{prefix}{day}-{n:0{width}d}"


def allocate_customer_code(session: Session, when: datetime | None = None) -> str:
    """``C`` + local date + a three-digit (or longer) sequence: ``C20231028001``."""
    day = to_local(when or now()).strftime("%Y%m%d")
    n = next_value(session, f"C{day}")
    return f"C{day}{n:03d}"
