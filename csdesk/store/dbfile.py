"""The database file as the user named it, looked at without changing a byte.

Every way into a database (the console, every command, backup and restore)
checks the file here before SQLite opens it for writing.  Another program's
database, a read-only file, a folder, a truncated copy or a file nobody may read
is refused with one line that says what is wrong and shows the path as the user
typed it; nothing is written: no switch to WAL, no ``-wal``/``-shm`` beside it.

The schema is read on a read-only connection (``mode=ro``; ``immutable=1`` for
a WAL database nobody has open, so that not even a ``-shm`` file appears).

Light on purpose (``os``, ``struct``; ``sqlite3`` only to read the schema, no
SQLAlchemy): the console runs these checks before its first paint.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import struct
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from csdesk.domain.errors import DeskError
from csdesk.i18n import _

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_HEADER = b"SQLite format 3\x00"
SIDE_FILES = ("-wal", "-shm", "-journal")


class DatabaseProblem(DeskError):
    """A database csdesk cannot or will not use; the message is for the user (one line)."""


def shown_path(text: str) -> str:
    """A path as typed, safe on one line: control characters escaped, absurdly long ones shortened."""
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    if len(text) > 240:  # a pasted paragraph, not a path: its ends say enough
        text = f"{text[:118]}…{text[-118:]}"
    return text


@dataclass(frozen=True)
class Target:
    """A SQLite database file: where it is, how the user named it, whether it is the default."""

    path: Path
    shown: str
    default: bool = False

    def side(self, suffix: str) -> Path:
        return Path(f"{self.path}{suffix}")


def resolve_target(value: str | os.PathLike | None) -> Target:
    """``--db``/``CSDESK_DB``/``db`` as given (a path or a ``sqlite:///`` URL; None: the default)."""
    if value is None or str(value) == "":
        from csdesk.paths import default_db_path

        path = default_db_path()
        return Target(path, shown_path(str(path)), default=True)
    text = os.fspath(value)
    if isinstance(text, bytes):  # pragma: no cover - the CLI gives str
        text = os.fsdecode(text)
    shown = shown_path(text)
    if "\x00" in text:
        raise DatabaseProblem(_("{path}: a file path cannot contain a NUL character").format(path=shown))
    if "://" in text:
        scheme = text.split("://", 1)[0].lower()
        if scheme not in ("sqlite", "sqlite+pysqlite"):
            raise DatabaseProblem(_(
                "{path}: csdesk keeps its data in a SQLite file; give a file path or a sqlite:/// URL"
            ).format(path=shown))
        from csdesk.paths import sqlite_path

        database = sqlite_path(text)
        if database is None or str(database).startswith("file:"):
            raise DatabaseProblem(_("{path} names no database file").format(path=shown))
        text = str(database)
    try:
        path = Path(os.path.abspath(os.path.expanduser(text)))
    except (OSError, ValueError) as exc:
        raise DatabaseProblem(_("{path} is not a usable file path: {error}").format(
            path=shown, error=_os_error(exc))) from None
    return Target(path, shown)


# --------------------------------------------------------------------------- the file


def _os_error(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        if exc.errno == errno.ENAMETOOLONG:
            return _("the name is too long for the file system")
        if exc.strerror:
            return exc.strerror
    return str(exc) or type(exc).__name__


def _allowed(path: Path, st: os.stat_result | None, mode: int) -> bool:
    """os.access, and for root (who may do anything) the permission bits as well:
    a file made read-only or mode 000 on purpose is treated as such by everyone."""
    try:
        if not os.access(path, mode):
            return False
    except (OSError, ValueError):
        return False
    if st is not None and hasattr(os, "geteuid") and os.geteuid() == 0:
        bits = stat.S_IMODE(st.st_mode)
        if mode & os.R_OK and not bits & 0o444:
            return False
        if mode & os.W_OK and not bits & 0o222:
            return False
    return True


@dataclass(frozen=True)
class FileInfo:
    exists: bool
    size: int = 0
    wal: bool = False  # the header says WAL mode
    writable: bool = False  # the file and its folder (for -wal/-shm)


def check_file(target: Target, *, write: bool = True) -> FileInfo:
    """Look at the file (never opening it with SQLite): a folder, an unreadable or
    read-only file, something that is not SQLite, a truncated copy: DatabaseProblem."""
    path, shown = target.path, target.shown
    try:
        st = os.stat(path)
    except FileNotFoundError:
        parent = _existing_parent(path)
        if parent is not None and not parent.is_dir():
            raise DatabaseProblem(_("{path} cannot be a database: {parent} is a file, not a folder").format(
                path=shown, parent=shown_path(str(parent)))) from None
        return FileInfo(exists=False)
    except NotADirectoryError:
        raise DatabaseProblem(_("{path} cannot be a database: a part of the path is a file, not a folder").format(
            path=shown)) from None
    except PermissionError:
        raise DatabaseProblem(_("{path} cannot be reached: permission denied on a folder of the path").format(
            path=shown)) from None
    except (OSError, ValueError) as exc:
        raise DatabaseProblem(_("{path} cannot be used: {error}").format(path=shown, error=_os_error(exc))) from None
    if stat.S_ISDIR(st.st_mode):
        raise DatabaseProblem(_("{path} is a folder, not a database file").format(path=shown))
    if not stat.S_ISREG(st.st_mode):
        raise DatabaseProblem(_("{path} is not a regular file (a device, pipe or socket)").format(path=shown))
    if not _allowed(path, st, os.R_OK):
        raise DatabaseProblem(_("{path} cannot be read: its permissions do not allow it (mode {mode:03o})").format(
            path=shown, mode=stat.S_IMODE(st.st_mode)))
    size = st.st_size
    if size == 0:
        raise DatabaseProblem(_("{path} is an empty file, not a csdesk database; remove it to create one there")
                              .format(path=shown))
    try:
        with open(path, "rb") as fh:
            header = fh.read(100)
    except OSError as exc:
        raise DatabaseProblem(_("{path} cannot be read: {error}").format(path=shown, error=_os_error(exc))) from None
    if header[:16] != SQLITE_HEADER and not (len(header) < 16 and SQLITE_HEADER.startswith(header)):
        raise DatabaseProblem(_("{path} is not a csdesk database: it is not a SQLite file at all").format(
            path=shown))
    if len(header) < 100:
        raise DatabaseProblem(_("{path} is truncated: it ends inside the SQLite header ({size} bytes)").format(
            path=shown, size=size))
    page_size = struct.unpack(">H", header[16:18])[0]
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        raise DatabaseProblem(_("{path} is damaged: its SQLite header is not valid").format(path=shown))
    pages = struct.unpack(">I", header[28:32])[0]
    counter_valid = header[24:28] == header[92:96] and pages > 0
    expected = pages * page_size if counter_valid else None
    # A -wal or -journal beside the file may hold the rest (a checkpoint or commit cut off by a crash
    # writes page 1 first): then SQLite, not the size, decides.  A copy of the file alone has none.
    pending = any(_size(target.side(suffix)) for suffix in ("-wal", "-journal"))
    if not pending and ((expected is not None and size < expected) or size % page_size):
        raise DatabaseProblem(_("{path} is truncated: {size} bytes where SQLite expects {expected} (a partial copy?)")
                              .format(path=shown, size=f"{size:,}",
                                      expected=f"{expected:,}" if expected else _("whole pages")))
    wal = header[18] == 2 or header[19] == 2
    writable = _allowed(path, st, os.W_OK) and _allowed(path.parent, os.stat(path.parent), os.W_OK | os.X_OK)
    if write and not _allowed(path, st, os.W_OK):
        raise DatabaseProblem(_("{path} is read-only: csdesk writes to its database (change the file's permissions "
                                "or copy it)").format(path=shown))
    if write and not writable:
        raise DatabaseProblem(_("the folder of {path} is read-only: SQLite keeps its -wal file beside the database")
                              .format(path=shown))
    return FileInfo(True, size, wal, writable)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _existing_parent(path: Path) -> Path | None:
    for parent in path.parents:
        try:
            if parent.exists():
                return parent
        except OSError:
            return None
    return None


def readonly_uri(target: Target, *, wal: bool) -> str:
    """A URI that opens the file read-only; ``immutable`` for a WAL database nobody has open
    (no ``-wal`` beside it), so that SQLite creates no ``-wal``/``-shm`` either."""
    uri = target.path.as_uri() + "?mode=ro"
    if wal and not target.side("-wal").exists():
        uri += "&immutable=1"
    return uri


# --------------------------------------------------------------------------- the schema


class SchemaState(StrEnum):
    MISSING = "missing"  # no file
    EMPTY = "empty"  # a SQLite file without tables
    CURRENT = "current"
    BEHIND = "behind"
    NEWER = "newer"
    FOREIGN = "foreign"


@dataclass(frozen=True)
class SchemaInfo:
    state: SchemaState
    revision: str | None
    head: str


_REVISION_FILE = re.compile(r"^(\d{4})_\w+\.py$")
_REVISION = re.compile(r"^\d{4}$")


def known_revisions() -> tuple[set[str], str]:
    """The schema revisions this csdesk knows, and the newest.

    Read from the file names of ``migrations/versions`` (``0002_register_search.py``
    is revision ``0002``; they form one line), so that opening a database that is
    already current never imports Alembic: about 11 MB and 80 ms at every start.
    ``tests/test_migrations.py`` checks this agrees with Alembic's own view.
    """
    revisions = sorted(m.group(1) for f in (MIGRATIONS / "versions").iterdir()
                       if (m := _REVISION_FILE.match(f.name)))
    return set(revisions), revisions[-1]


def classify(tables: set[str], revision: str | None) -> SchemaInfo:
    """What a database holding ``tables`` at ``revision`` is to this csdesk."""
    revisions, head = known_revisions()
    if not tables - {"alembic_version"} and revision is None:
        return SchemaInfo(SchemaState.EMPTY, None, head)
    if revision is None or not _REVISION.match(str(revision)):
        return SchemaInfo(SchemaState.FOREIGN, revision, head)  # no csdesk revision (or another app's Alembic)
    if revision == head:
        return SchemaInfo(SchemaState.CURRENT, revision, head)
    if revision in revisions:
        return SchemaInfo(SchemaState.BEHIND, revision, head)
    if revision > head:
        return SchemaInfo(SchemaState.NEWER, revision, head)
    return SchemaInfo(SchemaState.FOREIGN, revision, head)


def read_schema(target: Target, info: FileInfo) -> SchemaInfo:
    """The schema, read on a read-only connection: the file is not changed."""
    import sqlite3

    shown = target.shown
    uri = readonly_uri(target, wal=info.wal)
    try:
        try:
            tables, revision = _read_schema(uri)
        except sqlite3.DatabaseError:
            if "immutable" not in uri:
                raise
            # immutable reads assume nobody writes: if a csdesk started meanwhile, read again with locks
            tables, revision = _read_schema(target.path.as_uri() + "?mode=ro")
    except sqlite3.DatabaseError as exc:
        text = str(exc)
        if "not a database" in text:
            raise DatabaseProblem(_("{path} is not a csdesk database: it is not a SQLite file at all").format(
                path=shown)) from None
        if "malformed" in text or "corrupt" in text:
            raise DatabaseProblem(_("{path} is damaged (SQLite: {error}); restore it from a backup").format(
                path=shown, error=text)) from None
        if "locked" in text or "busy" in text:
            raise DatabaseProblem(_("{path} is locked by another program; try again when it is done").format(
                path=shown)) from None
        raise DatabaseProblem(_("{path} cannot be read: {error}").format(path=shown, error=text)) from None
    return classify(tables, revision)


def _read_schema(uri: str) -> tuple[set[str], str | None]:
    import sqlite3

    con = sqlite3.connect(uri, uri=True, timeout=10)
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        revision = None
        if "alembic_version" in tables:
            row = con.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
        return tables, revision
    finally:
        con.close()


def inspect_target(target: Target, *, write: bool = True) -> SchemaInfo:
    """What is at ``target``: MISSING, or the schema of a file that passed every check."""
    info = check_file(target, write=write)
    if not info.exists:
        return SchemaInfo(SchemaState.MISSING, None, known_revisions()[1])
    return read_schema(target, info)


def refuse_unusable(target: Target, info: SchemaInfo) -> None:
    """Raise for a database that is not csdesk's or is newer than this csdesk."""
    if info.state is SchemaState.FOREIGN and info.revision is None:
        raise DatabaseProblem(_(
            "{path} is not a csdesk database: it belongs to another program (it has tables but no csdesk "
            "schema revision); it was not changed").format(path=target.shown))
    if info.state is SchemaState.FOREIGN:
        raise DatabaseProblem(_(
            "{path} is not a csdesk database: its schema revision {revision!r} is not csdesk's; it was not "
            "changed").format(path=target.shown, revision=shown_path(str(info.revision))[:40]))
    if info.state is SchemaState.NEWER:
        raise DatabaseProblem(_(
            "{path}: the database schema (revision {revision}) is newer than this csdesk (revision {head}); "
            "upgrade csdesk before opening it").format(path=target.shown, revision=info.revision, head=info.head))
