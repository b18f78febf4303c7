"""What a database holds, as far as demo is concerned, and throwing demo data away.

The database records ``meta.demo = 1`` before anything else is written and
``meta.demo_status = ready`` at the end, so an interrupted build is recognised
as demo data and regenerated, and a database with real records is never
touched (:func:`inspect_database`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import text
from sqlalchemy.engine import Engine


class DemoError(Exception):
    """A demo database cannot be made here; the message is for the user."""


@dataclass(frozen=True)
class DbState:
    """What a database holds, as far as demo is concerned."""

    kind: str  # "empty" (no records), "demo", "demo_incomplete", "real"
    agents: int = 0
    contacts: int = 0


def inspect_database(engine: Engine) -> DbState:
    """Classify the database without changing it: demo never writes into real records.

    Real records: agents or contacts, without a ``meta`` row ``demo = 1``.
    """
    with engine.connect() as conn:
        tables = set(sa_inspect(conn).get_table_names())
        meta = {}
        if "meta" in tables:
            meta = dict(conn.execute(text("SELECT key, value FROM meta")).all())
        agents = conn.execute(text("SELECT count(*) FROM agent")).scalar_one() if "agent" in tables else 0
        contacts = (conn.execute(text("SELECT count(*) FROM contact")).scalar_one()
                    if "contact" in tables else 0)
        conn.rollback()
    if meta.get("demo") == "1":
        kind = "demo" if meta.get("demo_status") == "ready" else "demo_incomplete"
        return DbState(kind, agents, contacts)
    if agents or contacts:
        return DbState("real", agents, contacts)
    return DbState("empty", agents, contacts)


def reset_database(engine: Engine) -> None:
    """Remove everything a (demo) database holds; the caller checked it is demo data.

    A SQLite file is deleted with its WAL; another database has its rows deleted.
    The engine is disposed: open the database again afterwards.
    """
    from csdesk.paths import sqlite_path

    path = sqlite_path(engine.url.render_as_string(hide_password=False))
    if path is not None:
        engine.dispose()
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    from sqlmodel import SQLModel

    import csdesk.store.models  # noqa: F401  (registers the tables)

    with engine.begin() as conn:
        present = set(sa_inspect(conn).get_table_names())
        for table in reversed(SQLModel.metadata.sorted_tables):
            if table.name in present:
                conn.execute(table.delete())
    engine.dispose()
