"""The database: engine, connection pragmas, transactions, migrations.

SQLite rules (see ``shared/measured.md``):
- every connection: WAL, ``foreign_keys=ON``, ``busy_timeout`` of 10 s and
  ``synchronous=FULL`` (nothing acknowledged to the user may be lost);
- pysqlite's own transaction handling is switched off and SQLAlchemy's
  ``begin`` event emits the BEGIN itself, so :func:`write_session` can start
  with ``BEGIN IMMEDIATE``: a transaction that reads and then writes must take
  the write lock first, or it fails with "database is locked" under
  concurrency and "max + 1" numbering silently duplicates.

Nothing here runs at import time: engines are made by :func:`make_engine`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError as SADatabaseError
from sqlmodel import Session, create_engine

from csdesk.i18n import _
from csdesk.paths import db_url, sqlite_path

BUSY_TIMEOUT_MS = 10_000
MIGRATIONS = Path(__file__).parent / "migrations"


class DatabaseProblem(Exception):
    """A database csdesk cannot or will not use; the message is for the user."""


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
    cur.execute("PRAGMA journal_mode = WAL")
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


def make_engine(url: str | None = None, *, echo: bool = False, cache_kib: int | None = None) -> Engine:
    """An engine for ``url`` (a path or a SQLAlchemy URL; default: the user data directory).

    ``cache_kib``: SQLite's page cache per connection, if not its default.
    """
    from csdesk.store.audit import install as install_audit

    install_audit()  # every ORM write leaves an audit row
    url = db_url(url)
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo)
    if engine.dialect.name == "sqlite":
        def pragmas(dbapi_connection, record) -> None:
            _sqlite_pragmas(dbapi_connection, record, cache_kib)

        event.listen(engine, "connect", pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


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


def alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    cfg.attributes["engine"] = engine
    return cfg


_REVISION_FILE = re.compile(r"^(\d{4})_\w+\.py$")


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


def include_in_autogenerate(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic autogenerate filter: the FTS5 tables (and their shadow tables) of the
    register (migration 0002, :mod:`csdesk.store.search_index`) and of the work
    orders (migration 0004, :mod:`csdesk.store.order_index`) are not in the
    models, so they are not drift."""
    return not (type_ == "table" and reflected and compare_to is None
                and (name or "").startswith(("contact_fts", "workorder_fts")))


class SchemaState(StrEnum):
    EMPTY = "empty"
    CURRENT = "current"
    BEHIND = "behind"
    NEWER = "newer"
    FOREIGN = "foreign"


@dataclass(frozen=True)
class SchemaInfo:
    state: SchemaState
    revision: str | None
    head: str


def schema_info(engine: Engine) -> SchemaInfo:
    revisions, head = known_revisions()
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            revision = None
            if "alembic_version" in tables:
                revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SADatabaseError as exc:
        raise DatabaseProblem(
            _("{url} is not a csdesk database (it could not be read as one: {error})").format(
                url=engine.url, error=getattr(exc, "orig", exc))
        ) from None
    if not tables - {"alembic_version"} and revision is None:
        return SchemaInfo(SchemaState.EMPTY, None, head)
    if revision is None:
        return SchemaInfo(SchemaState.FOREIGN, None, head)
    if revision == head:
        return SchemaInfo(SchemaState.CURRENT, revision, head)
    if revision in revisions:
        return SchemaInfo(SchemaState.BEHIND, revision, head)
    return SchemaInfo(SchemaState.NEWER, revision, head)


def upgrade(engine: Engine) -> SchemaInfo:
    """Bring the schema to the newest revision; refuse foreign or newer databases."""
    info = schema_info(engine)
    if info.state is SchemaState.FOREIGN:
        raise DatabaseProblem(
            _("{url} is not a csdesk database: it has tables but no csdesk schema revision").format(
                url=engine.url))
    if info.state is SchemaState.NEWER:
        raise DatabaseProblem(
            _("the database schema (revision {revision}) is newer than this csdesk "
              "(revision {head}); upgrade csdesk before opening it").format(
                revision=info.revision, head=info.head))
    if info.state in (SchemaState.EMPTY, SchemaState.BEHIND):
        from alembic import command

        command.upgrade(alembic_config(engine), "head")
    from csdesk.store.refdata import seed_reference_data

    with write_session(engine) as session:
        seed_reference_data(session)
    return schema_info(engine)


def open_database(url: str | None = None, *, cache_kib: int | None = None) -> Engine:
    """The engine for a database ready to use: created or upgraded if need be."""
    engine = make_engine(url, cache_kib=cache_kib)
    upgrade(engine)
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
