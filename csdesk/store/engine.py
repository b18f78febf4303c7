"""The database: engine, connection pragmas, transactions, migrations.

SQLite rules (see ``shared/measured.md``):
- every connection: ``foreign_keys=ON``, ``busy_timeout`` of 30 s and
  ``synchronous=FULL`` (nothing acknowledged to the user may be lost); the
  database is in WAL mode, set once when it is made (and put back by a writing
  open if a restore or another tool changed it), never by a connection that
  merely reads;
- pysqlite's own transaction handling is switched off and SQLAlchemy's
  ``begin`` event emits the BEGIN itself, so :func:`write_session` can start
  with ``BEGIN IMMEDIATE``: a transaction that reads and then writes must take
  the write lock first, or it fails with "database is locked" under
  concurrency and "max + 1" numbering silently duplicates.

Opening never harms a file: :mod:`csdesk.store.dbfile` looks at the file and its
schema read-only first, and only a csdesk database (or a new one) is ever
opened for writing.  Then:

- :func:`open_database` (the console, commands that write): migrations, if
  any, run holding the write lock from their first statement, and reference
  data is written only when the data files changed, in its own short
  transaction.  ``create=True`` (``init``, ``demo``, the console's first start
  on the default path) makes a missing database: built under a temporary name
  beside it and linked into place whole, so that several processes starting
  at once all succeed and nobody ever sees half a database.
- :func:`open_for_reading` (``log search``, ``log export``): writes nothing
  and takes no lock on opening.
- :func:`open_readonly` (``db check``, backups' checks): a ``mode=ro``
  connection that cannot write at all.

Nothing here runs at import time: engines are made by the functions below.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlmodel import Session, create_engine

from csdesk.i18n import _
from csdesk.store.dbfile import (  # noqa: F401  (re-exported: the store's one door)
    MIGRATIONS,
    DatabaseProblem,
    SchemaInfo,
    SchemaState,
    Target,
    check_file,
    classify,
    inspect_target,
    known_revisions,
    readonly_uri,
    refuse_unusable,
    resolve_target,
)

BUSY_TIMEOUT_MS = 30_000
"""How long a write waits for another terminal's write before it gives up.

Writes take milliseconds, but one commit's fsync can stall for seconds when the
disk is busy with something else, and SQLite's busy handler is not a queue:
with 4 writers back to back on a loaded 2-core machine one waited 11 s
(``tests/test_reliability.py``), and at 10 s that was an error for the agent.
A save that takes long is better than one that fails.  Reads in WAL mode do not
wait for writers, so only writes ever use this.
"""

CONSOLE_CACHE_KIB = 512
"""Page cache per connection in the console (SQLite's default is 2,000 KiB).

The console keeps a few pooled connections alive all shift, one per kind of
worker; every search and page read fills their caches.  At 512 KiB each the
register's searches measure the same on a million contacts
(`tests/bench/bench_log.py`, which opens the database this way) and the
running console holds about 5 MB less.  Bulk work (demo, CLI) keeps the default.
"""


def _sqlite_pragmas(dbapi_connection, _record, cache_kib: int | None = None) -> None:
    # Take transaction control away from pysqlite: the "begin" event below issues BEGIN.
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA synchronous = FULL")
    cur.execute("PRAGMA foreign_keys = ON")
    if cache_kib:
        cur.execute(f"PRAGMA cache_size = -{int(cache_kib)}")
    cur.close()
    from csdesk.store.search_index import register_functions  # the register's index triggers need them

    register_functions(dbapi_connection)


def _sqlite_begin(conn) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def _build(path: Path, *, cache_kib: int | None = None, mode: str = "rw", uri: str | None = None,
           echo: bool = False) -> Engine:
    """An engine on the SQLite file ``path``.

    Connections are opened through a ``file:`` URI (no URL quoting of the path
    on the way: ``%``, ``;``, spaces and Chinese are plain characters), with
    ``mode=rw`` (never creates a file), ``rwc`` or ``ro``.
    """
    import sqlite3

    from csdesk.store.audit import install as install_audit

    install_audit()  # every ORM write leaves an audit row

    target_uri = uri or f"{path.as_uri()}?mode={mode}"

    def connect():
        return sqlite3.connect(target_uri, uri=True, check_same_thread=False)

    engine = create_engine(URL.create("sqlite", database=str(path)), creator=connect, echo=echo)

    def pragmas(dbapi_connection, record) -> None:
        _sqlite_pragmas(dbapi_connection, record, cache_kib)

    event.listen(engine, "connect", pragmas)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def make_engine(url: str | None = None, *, echo: bool = False, cache_kib: int | None = None) -> Engine:
    """A bare engine for ``url`` (a path or ``sqlite:///`` URL; default: the user data directory).

    No checks: use :func:`open_database` for anything a user named.  A missing
    file is created, private (0600, its folder 0700), in WAL mode.
    """
    target = resolve_target(url)
    if not target.path.exists():
        from csdesk.paths import create_private_file, make_private_dir

        make_private_dir(target.path.parent)
        with suppress(FileExistsError):
            create_private_file(target.path)
        engine = _build(target.path, cache_kib=cache_kib, echo=echo)
        _ensure_wal(engine)
        return engine
    return _build(target.path, cache_kib=cache_kib, echo=echo)


def _raw(engine: Engine, sql: str):
    """Run one statement on a pooled DBAPI connection outside any transaction
    (journal mode and checkpoints cannot run inside one)."""
    raw = engine.raw_connection()
    try:
        return raw.driver_connection.execute(sql).fetchall()
    finally:
        raw.close()


def _ensure_wal(engine: Engine) -> None:
    if _raw(engine, "PRAGMA journal_mode")[0][0] != "wal":
        _raw(engine, "PRAGMA journal_mode = WAL")


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session for reading; objects stay usable after it closes."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session whose transaction starts with ``BEGIN IMMEDIATE`` and commits on success.

    Everything done inside is one transaction: on any exception nothing is kept.
    """
    bind = engine.execution_options(sqlite_begin="IMMEDIATE") if engine.dialect.name == "sqlite" else engine
    with Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


# --------------------------------------------------------------------------- migrations


def alembic_config(bind):
    """Alembic's configuration for csdesk's migrations, run on ``bind`` (an engine or a
    connection, handed over in ``cfg.attributes``).  No URL goes into the ini: its
    ConfigParser would read a ``%`` in the path as interpolation."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    cfg.attributes["engine" if isinstance(bind, Engine) else "connection"] = bind
    return cfg


def include_in_autogenerate(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic autogenerate filter: the FTS5 tables (and their shadow tables) of the
    register (migration 0002, :mod:`csdesk.store.search_index`) and of the work
    orders (migration 0006, :mod:`csdesk.store.order_index`) are not in the
    models, so they are not drift."""
    return not (type_ == "table" and reflected and compare_to is None
                and (name or "").startswith(("contact_fts", "workorder_fts")))


def _schema_of(conn) -> SchemaInfo:
    tables = set(inspect(conn).get_table_names())
    revision = None
    if "alembic_version" in tables:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return classify(tables, revision)


def _target_of(engine: Engine) -> Target:
    database = engine.url.database or ""
    return Target(Path(database), database)


def schema_info(engine: Engine) -> SchemaInfo:
    """The schema of the database behind ``engine`` (already opened)."""
    try:
        with engine.connect() as conn:
            return _schema_of(conn)
    except SADatabaseError as exc:
        raise DatabaseProblem(
            _("{path} is not a csdesk database (it could not be read as one: {error})").format(
                path=_target_of(engine).shown, error=getattr(exc, "orig", exc))
        ) from None


def _migrate(engine: Engine, target: Target) -> None:
    """Bring the schema to the newest revision, holding the write lock from the start.

    The revision is read again inside the lock: when several processes open an
    old (or new) database at once, the first migrates and the others, waiting
    on ``BEGIN IMMEDIATE``, find it done.
    """
    with engine.execution_options(sqlite_begin="IMMEDIATE").connect() as conn:
        with conn.begin():
            info = _schema_of(conn)
            refuse_unusable(target, info)
            if info.state in (SchemaState.EMPTY, SchemaState.BEHIND):
                from alembic import command

                command.upgrade(alembic_config(conn), "head")


def upgrade(engine: Engine) -> SchemaInfo:
    """Bring the schema to the newest revision and the reference data in step with its
    files; refuse foreign or newer databases."""
    target = _target_of(engine)
    info = schema_info(engine)
    refuse_unusable(target, info)
    _ensure_wal(engine)
    if info.state in (SchemaState.EMPTY, SchemaState.BEHIND):
        _migrate(engine, target)
    from csdesk.store.refdata import sync_reference_data

    sync_reference_data(engine)
    return schema_info(engine)


# --------------------------------------------------------------------------- opening


def _no_database(target: Target) -> DatabaseProblem:
    return DatabaseProblem(_("there is no csdesk database at {path}; check the path ('csdesk init' creates a "
                             "database)").format(path=target.shown))


def _create(target: Target) -> None:
    """Make the database at ``target``: built and migrated under a temporary name in the
    same folder, then hard-linked into place (the link fails if another process got there
    first, and then that database is used).  The file is 0600, a folder made for it 0700."""
    from csdesk.paths import create_private_file, fsync_dir, make_private_dir
    from csdesk.store.refdata import sync_reference_data

    folder = target.path.parent
    try:
        make_private_dir(folder)
        tmp = folder / f".{target.path.name}.{os.getpid()}-{secrets.token_hex(3)}.new"
        create_private_file(tmp)
    except OSError as exc:
        raise DatabaseProblem(_("cannot create the database {path}: {error}").format(
            path=target.shown, error=exc.strerror or exc)) from None
    tmp_target = Target(tmp, target.shown)
    try:
        engine = _build(tmp)
        try:
            _ensure_wal(engine)
            _migrate(engine, tmp_target)
            sync_reference_data(engine)
            _raw(engine, "PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            engine.dispose()  # the last connection closes: the WAL is checkpointed and removed
        wal = Path(f"{tmp}-wal")
        if wal.exists() and wal.stat().st_size:
            raise DatabaseProblem(_("cannot create the database {path}: its WAL was not checkpointed").format(
                path=target.shown))
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, target.path)
        except FileExistsError:
            pass  # another csdesk made it at the same moment: that one is used
        except OSError:  # a file system without hard links
            if not target.path.exists():
                os.replace(tmp, target.path)
        fsync_dir(folder)
    except OSError as exc:
        raise DatabaseProblem(_("cannot create the database {path}: {error}").format(
            path=target.shown, error=exc.strerror or exc)) from None
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with suppress(OSError):
                Path(f"{tmp}{suffix}").unlink()


def open_target(target: Target, *, create: bool = False, cache_kib: int | None = None) -> Engine:
    """:func:`open_database` for a resolved target."""
    info = inspect_target(target)
    refuse_unusable(target, info)
    if info.state in (SchemaState.MISSING, SchemaState.EMPTY) and not create:
        raise _no_database(target)
    if info.state is SchemaState.MISSING:
        _create(target)
    engine = _build(target.path, cache_kib=cache_kib)
    try:
        _ensure_wal(engine)
        if info.state in (SchemaState.EMPTY, SchemaState.BEHIND):
            _migrate(engine, target)
        from csdesk.store.refdata import sync_reference_data

        sync_reference_data(engine)
    except SADatabaseError as exc:
        engine.dispose()
        raise DatabaseProblem(_("{path} cannot be opened: {error}").format(
            path=target.shown, error=getattr(exc, "orig", exc))) from None
    except BaseException:
        engine.dispose()
        raise
    return engine


def open_database(url: str | None = None, *, create: bool = True, cache_kib: int | None = None) -> Engine:
    """The engine for a csdesk database ready to use: upgraded if need be, reference data in step.

    ``url``: a path or ``sqlite:///`` URL (None: the default database).  ``create``:
    make the database when there is none; callers that open a path the user typed
    pass ``create=False`` unless the command's purpose is to make one (``init``,
    ``demo``, the console's first start on the default path).  Anything else
    raises :class:`DatabaseProblem` (one line, the path as given) and leaves the
    file untouched.
    """
    return open_target(resolve_target(url), create=create, cache_kib=cache_kib)


def open_for_reading(url: str | None = None, *, cache_kib: int | None = None) -> Engine:
    """The engine for an existing, current csdesk database, opened without writing
    anything (no migration, no reference data): read-only commands take no write lock."""
    target = resolve_target(url)
    info = inspect_target(target)
    refuse_unusable(target, info)
    if info.state in (SchemaState.MISSING, SchemaState.EMPTY):
        raise _no_database(target)
    if info.state is SchemaState.BEHIND:
        raise DatabaseProblem(_(
            "{path} has schema revision {revision} and this csdesk needs {head}: run 'csdesk db upgrade' "
            "(or open the console) first").format(path=target.shown, revision=info.revision, head=info.head))
    return _build(target.path, cache_kib=cache_kib)


def source_uri(target: Target, info) -> str:
    """How to open a database only to read it: normally (``mode=rw``, so that the last
    connection to close removes its ``-wal``/``-shm`` as usual) when the file may be
    written, else read-only without leaving anything beside it."""
    return f"{target.path.as_uri()}?mode=rw" if info.writable else readonly_uri(target, wal=info.wal)


def open_readonly(target: Target) -> Engine:
    """An engine that cannot write (``query_only``; a read-only file is opened ``mode=ro``):
    for looking at a database (``db check``) without changing it or taking a write lock."""
    info = check_file(target, write=False)
    if not info.exists:
        raise _no_database(target)
    engine = _build(target.path, uri=source_uri(target, info))

    def query_only(dbapi_connection, _record) -> None:
        dbapi_connection.execute("PRAGMA query_only = 1")

    event.listen(engine, "connect", query_only)
    return engine


def row_counts(engine: Engine) -> dict[str, int]:
    from sqlmodel import SQLModel

    import csdesk.store.models  # noqa: F401  (registers the tables)

    counts = {}
    with engine.connect() as conn:
        present = set(inspect(conn).get_table_names())
        for name in sorted(SQLModel.metadata.tables):
            if name in present:
                counts[name] = conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
    return counts
