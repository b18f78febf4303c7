"""The SQLite side of backups and restores: a consistent copy, its checks, the swap.

- :func:`online_copy`: SQLite's online backup API, in one step under one read
  transaction: a consistent snapshot while consoles keep writing (WAL readers
  do not block writers).  The copy leaves WAL mode (``journal_mode=DELETE``) so
  that it is one self-contained file, is checked (``integrity_check``, a csdesk
  schema) and fsynced.
- :func:`exclusive_use`: the live database to itself for a restore: leaving WAL
  fails while any other connection has the file open (a console, a command), so
  a database in use is never swapped under anyone; then ``BEGIN EXCLUSIVE``
  keeps newcomers out until the swap is done.
- :func:`swap_in`: the old file kept aside under a second name (a hard link),
  the new one renamed over the live name: one atomic rename, so a restore killed
  at any moment leaves either the old database or the new one, whole.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from csdesk.i18n import _
from csdesk.paths import fsync_dir
from csdesk.store.dbfile import DatabaseProblem, SchemaInfo, SchemaState, Target, classify

IN_USE_WAIT_S = 2.0


def _connect(uri: str, timeout: float = 10.0) -> sqlite3.Connection:
    return sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def online_copy(source_uri: str, dest: Path) -> None:
    """Copy the database at ``source_uri`` into ``dest`` (an existing empty file) with
    the online backup API, as one snapshot; the copy is left in rollback-journal mode."""
    src = _connect(source_uri)
    try:
        dst = _connect(dest.as_uri() + "?mode=rw")
        try:
            src.backup(dst)  # pages=-1: everything in one step, under one read transaction
            dst.execute("PRAGMA journal_mode = DELETE").fetchall()
        finally:
            dst.close()
    finally:
        src.close()
    fsync_file(dest)


def verify_copy(path: Path, shown: str) -> SchemaInfo:
    """``integrity_check`` and the schema of a database file nobody else uses: DatabaseProblem unless
    it is whole and a csdesk database this csdesk can open (current or older)."""
    try:
        con = _connect(path.as_uri() + "?mode=ro")
    except sqlite3.Error as exc:
        raise DatabaseProblem(_("{path} cannot be opened: {error}").format(path=shown, error=exc)) from None
    try:
        rows = [r[0] for r in con.execute("PRAGMA integrity_check")]
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        revision = None
        if "alembic_version" in tables:
            row = con.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
    except sqlite3.DatabaseError as exc:
        raise DatabaseProblem(_("{path} is damaged (SQLite: {error})").format(path=shown, error=exc)) from None
    finally:
        con.close()
    if rows != ["ok"]:
        raise DatabaseProblem(_("{path} is damaged: the integrity check found {n} problem(s), the first: {first}")
                              .format(path=shown, n=len(rows), first=rows[0] if rows else "?"))
    info = classify(tables, revision)
    if info.state in (SchemaState.EMPTY, SchemaState.FOREIGN):
        raise DatabaseProblem(_("{path} is not a csdesk database").format(path=shown))
    if info.state is SchemaState.NEWER:
        raise DatabaseProblem(_("{path} has schema revision {revision}, newer than this csdesk ({head}); "
                                "upgrade csdesk first").format(path=shown, revision=info.revision, head=info.head))
    return info


@contextmanager
def exclusive_use(target: Target) -> Iterator[None]:
    """Hold the live database alone: refuse (DatabaseProblem) while anyone else has it open."""
    con = _connect(target.path.as_uri() + "?mode=rw", timeout=IN_USE_WAIT_S)
    try:
        try:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            mode = con.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
            if mode != "delete":
                raise sqlite3.OperationalError("database is locked")
            con.execute("BEGIN EXCLUSIVE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise DatabaseProblem(_(
                    "{path} is in use (a console or another command has it open); close them and try again"
                ).format(path=target.shown)) from None
            raise DatabaseProblem(_("{path} cannot be opened: {error}").format(
                path=target.shown, error=exc)) from None
        yield
    finally:
        with suppress(sqlite3.Error):
            con.execute("ROLLBACK")
        con.close()


def swap_in(new: Path, target: Target, aside: Path | None) -> None:
    """Put ``new`` (a checked, fsynced file in the same folder) at the live name; the old
    file, if any, stays whole under ``aside``.  Each step is atomic; the rename is the moment."""
    live = target.path
    if aside is not None and live.exists():
        os.link(live, aside)  # the old database keeps a name of its own before anything moves
        # No -wal may outlive the old file: it would be replayed into the new one.
        for suffix in ("-wal", "-shm", "-journal"):
            side = Path(f"{live}{suffix}")
            if side.exists():
                if suffix == "-wal" and side.stat().st_size:
                    raise DatabaseProblem(_("{path} still has writes in its -wal file; nothing was replaced")
                                          .format(path=target.shown))
                side.unlink()
        os.replace(new, live)
    else:
        os.link(new, live)  # fails if a database appeared there meanwhile
        new.unlink()
    fsync_dir(live.parent)
