"""Backups and restores of the desk's database.

:func:`backup_database` takes a consistent copy while consoles keep writing
(SQLite's online backup API), checks it (``integrity_check``, a csdesk schema)
and publishes it, 0600, under its final name only then.  By default backups go
to a ``backups/`` folder (0700) beside the database, named after the database
and the local time (``csdesk-20261122-093015.db``); ``keep`` prunes the older
ones there.

:func:`restore_database` checks the file first (whole, a csdesk schema not
newer than this csdesk), copies it into the database's folder under a
temporary name, checks and fsyncs the copy, makes sure nobody has the database
open, keeps the old database aside (``csdesk.db.before-restore-20261122-093015``)
and renames the copy into place: a restore killed at any moment leaves the old
database whole, or the new one.

These two functions are the boundary for auditing: each returns a frozen
result saying what was copied where; the caller records it (the CLI does, after
success).  Nothing here writes an audit row.
"""

from __future__ import annotations

import os
import re
import secrets
import sqlite3
import time
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from csdesk.clock import now, to_local
from csdesk.i18n import _
from csdesk.paths import create_private_file, make_private_dir
from csdesk.store.backup import exclusive_use, online_copy, swap_in, verify_copy
from csdesk.store.dbfile import (
    DatabaseProblem,
    SchemaState,
    Target,
    check_file,
    inspect_target,
    readonly_uri,
    refuse_unusable,
    resolve_target,
    shown_path,
)
from csdesk.store.engine import source_uri

BACKUP_FOLDER = "backups"
STAMP = "%Y%m%d-%H%M%S"


@dataclass(frozen=True)
class BackupResult:
    database: Path  # the live database
    path: Path  # the backup written
    size: int
    revision: str
    seconds: float
    pruned: tuple[Path, ...] = ()


@dataclass(frozen=True)
class RestoreResult:
    database: Path  # the live database, now holding the restored data
    source: Path  # the backup restored from
    kept_aside: Path | None  # the old database, renamed (None: there was none)
    revision: str
    seconds: float


def backup_folder(database: Path) -> Path:
    return database.parent / BACKUP_FOLDER


def _stamp(at: datetime | None) -> str:
    return to_local(at or now()).strftime(STAMP)


def _name_pattern(stem: str) -> re.Pattern:
    return re.compile(rf"^{re.escape(stem)}-(\d{{8}}-\d{{6}})(?:-(\d+))?\.db$")


def backups_of(database: Path, folder: Path | None = None) -> list[Path]:
    """The backups of ``database`` in ``folder`` (default: its backups folder), oldest first."""
    folder = folder or backup_folder(database)
    pattern = _name_pattern(database.stem)
    found = []
    with suppress(OSError):
        for entry in folder.iterdir():
            m = pattern.match(entry.name)
            if m and entry.is_file():
                found.append(((m.group(1), int(m.group(2) or 1)), entry))
    return [path for _key, path in sorted(found)]


def _free_name(folder: Path, stem: str, stamp: str) -> Path:
    candidate = folder / f"{stem}-{stamp}.db"
    n = 1
    while candidate.exists():
        n += 1
        candidate = folder / f"{stem}-{stamp}-{n}.db"
    return candidate


def _destination(live: Target, output: str | os.PathLike | None, stamp: str) -> Path:
    if output is None:
        folder = backup_folder(live.path)
        try:
            make_private_dir(folder)
        except OSError as exc:
            raise DatabaseProblem(_("cannot make the backups folder {path}: {error}").format(
                path=folder, error=exc.strerror or exc)) from None
        return _free_name(folder, live.path.stem, stamp)
    shown = shown_path(os.fspath(output))
    dest = Path(os.path.abspath(os.path.expanduser(os.fspath(output))))
    if dest.is_dir():
        return _free_name(dest, live.path.stem, stamp)
    if not dest.parent.is_dir():
        raise DatabaseProblem(_("the folder of {path} does not exist").format(path=shown))
    if dest.exists() or dest.is_symlink():
        # Replacing a file is allowed only when it is itself a csdesk database (last night's copy).
        try:
            state = inspect_target(Target(dest, shown), write=False).state
        except DatabaseProblem:
            state = None
        if state not in (SchemaState.CURRENT, SchemaState.BEHIND):
            raise DatabaseProblem(_("{path} exists and is not a csdesk backup; it was left as it is").format(
                path=shown))
    if dest.resolve() == live.path.resolve():
        raise DatabaseProblem(_("{path} is the database itself; choose another file").format(path=shown))
    return dest


def _temp_beside(path: Path, kind: str) -> Path:
    tmp = path.parent / f".{path.name}.{kind}-{os.getpid()}-{secrets.token_hex(3)}.part"
    create_private_file(tmp)
    return tmp


def _remove(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        with suppress(OSError):
            Path(f"{path}{suffix}").unlink()


def backup_database(db: str | os.PathLike | None = None, *, output: str | os.PathLike | None = None,
                    keep: int | None = None, at: datetime | None = None) -> BackupResult:
    """Copy the database (a path, as typed; None: the default) while it is in use; see the module doc.

    ``output``: a file or a folder (default: the backups folder beside the database).
    ``keep``: afterwards, keep only the newest ``keep`` backups in the backups folder.
    """
    started = time.monotonic()
    if keep is not None and keep < 1:
        raise DatabaseProblem(_("--keep must be at least 1"))
    if keep is not None and output is not None:
        raise DatabaseProblem(_("--keep prunes the backups folder beside the database; it does not go with -o"))
    live = resolve_target(db)
    info = inspect_target(live, write=False)
    if info.state in (SchemaState.MISSING, SchemaState.EMPTY):
        raise DatabaseProblem(_("there is no csdesk database at {path} to back up").format(path=live.shown))
    refuse_unusable(live, info)
    dest = _destination(live, output, _stamp(at))
    try:
        tmp = _temp_beside(dest, "backup")
    except OSError as exc:
        raise DatabaseProblem(_("cannot write {path}: {error}").format(
            path=shown_path(str(dest)), error=exc.strerror or exc)) from None
    try:
        online_copy(source_uri(live, check_file(live, write=False)), tmp)
        copied = verify_copy(tmp, shown_path(str(dest)))
        os.replace(tmp, dest)
    except OSError as exc:
        raise DatabaseProblem(_("cannot write {path}: {error}").format(
            path=shown_path(str(dest)), error=exc.strerror or exc)) from None
    except sqlite3.Error as exc:
        raise DatabaseProblem(_("the backup of {path} failed: {error}").format(path=live.shown, error=exc)) from None
    finally:
        _remove(tmp)
    from csdesk.paths import fsync_dir

    fsync_dir(dest.parent)
    pruned: list[Path] = []
    if keep is not None:
        for old in backups_of(live.path)[:-keep]:
            with suppress(OSError):
                old.unlink()
                pruned.append(old)
    return BackupResult(live.path, dest, dest.stat().st_size, copied.revision or "", time.monotonic() - started,
                        tuple(pruned))


def _clear_stale_parts(live: Path) -> None:
    """Temporary copies of restores that were killed (their process is gone)."""
    pattern = re.compile(rf"^\.{re.escape(live.name)}\.restore-(\d+)-[0-9a-f]+\.part(-journal|-wal|-shm)?$")
    with suppress(OSError):
        for entry in live.parent.iterdir():
            m = pattern.match(entry.name)
            if not m:
                continue
            try:
                os.kill(int(m.group(1)), 0)
                continue  # still running
            except ProcessLookupError:
                pass
            except OSError:
                continue
            _remove(entry)


def restore_database(source: str | os.PathLike, db: str | os.PathLike | None = None, *,
                     at: datetime | None = None) -> RestoreResult:
    """Replace the database (None: the default) with the backup ``source``; see the module doc."""
    started = time.monotonic()
    backup = resolve_target(source)
    state = check_file(backup, write=False)
    if not state.exists:
        raise DatabaseProblem(_("there is no file at {path}").format(path=backup.shown))
    live = resolve_target(db)
    # The backup first, read-only: is it a csdesk database this csdesk can open?
    from csdesk.store.dbfile import read_schema

    refuse_unusable(backup, read_schema(backup, state))
    info = inspect_target(live)  # the live database must be csdesk's (or absent) and writable
    refuse_unusable(live, info)
    if info.state is SchemaState.MISSING:
        if not live.default and not live.path.parent.is_dir():
            raise DatabaseProblem(_("the folder of {path} does not exist").format(path=live.shown))
        make_private_dir(live.path.parent)
    if backup.path.resolve() == live.path.resolve():
        raise DatabaseProblem(_("{path} is the database itself").format(path=backup.shown))
    _clear_stale_parts(live.path)
    try:
        tmp = _temp_beside(live.path, "restore")
    except OSError as exc:
        raise DatabaseProblem(_("cannot write in the folder of {path}: {error}").format(
            path=live.shown, error=exc.strerror or exc)) from None
    aside = None
    try:
        online_copy(readonly_uri(backup, wal=state.wal), tmp)  # the backup file is only ever read
        copied = verify_copy(tmp, backup.shown)
        if info.state is not SchemaState.MISSING:
            aside = _free_aside(live.path, _stamp(at))
            with exclusive_use(live):
                swap_in(tmp, live, aside)
        else:
            swap_in(tmp, live, None)
    except OSError as exc:
        raise DatabaseProblem(_("the restore into {path} failed, the database was not replaced: {error}").format(
            path=live.shown, error=exc.strerror or exc)) from None
    except sqlite3.Error as exc:
        raise DatabaseProblem(_("{path} cannot be restored: {error}").format(path=backup.shown, error=exc)) from None
    finally:
        _remove(tmp)
    return RestoreResult(live.path, backup.path, aside, copied.revision or "", time.monotonic() - started)


def _free_aside(live: Path, stamp: str) -> Path:
    candidate = live.with_name(f"{live.name}.before-restore-{stamp}")
    n = 1
    while candidate.exists():
        n += 1
        candidate = live.with_name(f"{live.name}.before-restore-{stamp}-{n}")
    return candidate


def record_in_audit(database: Path, action: str, detail: str) -> None:
    """Write the audit row of a backup or restore into ``database`` (after a restore: the restored one,
    so the record is in the database that is now live).  The operating-system user is named: backups
    run from cron as often as from a person."""
    import getpass

    from csdesk.domain.actor import SYSTEM
    from csdesk.services.audit import record
    from csdesk.store.engine import open_database, write_session

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "?"
    engine = open_database(str(database), create=False)
    try:
        with write_session(engine) as session:
            record(session, SYSTEM, action, "database", detail=f"{detail} (OS user {user})")
    finally:
        engine.dispose()
