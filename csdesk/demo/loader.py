"""The bulk loader: demo rows into SQLite fast, and :func:`generate`, the entry point.

Speed (``--contacts 1000000`` must take under three minutes on two cores):
rows come from the generator (:mod:`csdesk.demo.generator`) as tuples for
executemany of each table's compiled Core ``insert()``, through one SQLAlchemy
connection, in one ``BEGIN IMMEDIATE`` transaction.  Timestamps are
pre-formatted in the exact storage form of :class:`csdesk.store.models.UTCDateTime`
(naive UTC, to the second; a test checks it), so no per-value type processing
runs.  Number sequences are reserved under that write lock and stored in
``counter`` at the end.  For the load of a new demo database only, SQLite runs
with ``synchronous=OFF``, an in-memory rollback journal, foreign keys unchecked
and a large cache (all restored: WAL, FULL, foreign keys on); the secondary
indexes of the bulky tables are dropped and rebuilt once (their exact SQL is
read from ``sqlite_master`` and replayed); the register's full-text index,
when :mod:`csdesk.store.search_index` exists, is filled in bulk by its
``bulk_loading``.  From :data:`PARALLEL_FROM` contacts a second process
generates the rows (same seed, same data) while this one writes them: a plain
subprocess whose rows come pickled on a pipe, a day at a time.
"""

from __future__ import annotations

import importlib.util
import pickle
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from csdesk.clock import now as clock_now
from csdesk.demo import generator
from csdesk.demo.run import Reference, Run
from csdesk.demo.shape import DEFAULT_CONTACTS, MAX_CONTACTS, MIN_CONTACTS, STAFF
from csdesk.demo.state import DemoError, inspect_database
from csdesk.i18n import _

PARALLEL_FROM = 100_000  # contacts from which a second process generates while this one writes
PARK_INDEXES_FROM = 20_000
READ_AHEAD = 48  # batches (a day's rows each) taken off the pipe ahead of the writer


@dataclass
class DemoSummary:
    """What :func:`generate` wrote (rows per table) and how long it took."""

    contacts: int
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    search_index: bool = False  # the full-text index was rebuilt in bulk
    seed: int | None = None


def read_reference(conn: Connection) -> Reference:
    """The departments, fee items and shifts the database holds (seeded from ``data/*.toml``)."""
    departments = {code: (name, phone or "") for code, name, phone in conn.exec_driver_sql(
        "SELECT code, name_zh, phone FROM department WHERE active")}
    fees = dict(conn.exec_driver_sql("SELECT code, price_fen FROM feeitem WHERE active").all())
    from csdesk.domain.shifts import ShiftHours

    shifts = {}
    for code, start, end in conn.exec_driver_sql('SELECT code, start, "end" FROM shift'):
        hours = ShiftHours.of(code, start, end)
        shifts[code] = (hours.start.hour * 3600 + hours.start.minute * 60,
                        hours.end.hour * 3600 + hours.end.minute * 60)
    missing = sorted({s.shift for s in STAFF} - set(shifts))
    if missing:
        raise DemoError(_("the demo needs the shifts {codes} in the reference data").format(
            codes=", ".join(missing)))
    technicians: dict[str, list[tuple[int, str]]] = {}
    for tech_id, name, department in conn.exec_driver_sql(
            "SELECT id, name, department_code FROM technician WHERE active ORDER BY sort, id"):
        technicians.setdefault(department, []).append((tech_id, name))
    fee_items = {row[0]: tuple(row[1:]) for row in conn.exec_driver_sql(
        "SELECT code, coalesce(department_code, ''), name_zh, name_en, unit_zh, unit_en, note FROM feeitem "
        "WHERE active")}
    return Reference(departments, fees, shifts, {k: tuple(v) for k, v in technicians.items()}, fee_items)


# --------------------------------------------------------------------------- bulk loading


def _search_index_loader():
    """``csdesk.store.search_index.bulk_loading`` if that module exists (it maintains the FTS index),
    together with the work orders' (``csdesk.store.order_index.bulk_loading``) when that exists."""
    if importlib.util.find_spec("csdesk.store.search_index") is None:
        return None
    from csdesk.store import search_index

    contacts = getattr(search_index, "bulk_loading", None)
    if contacts is None or importlib.util.find_spec("csdesk.store.order_index") is None:
        return contacts
    from csdesk.store import order_index

    @contextmanager
    def both(conn, *, optimize: bool = True) -> Iterator[None]:
        with contacts(conn, optimize=optimize), order_index.bulk_loading(conn, optimize=optimize):
            yield

    return both


@contextmanager
def _fast_sqlite(conn: Connection) -> Iterator[None]:
    """Bulk-load settings for a NEW demo database only: restored to the desk's settings after."""
    if conn.dialect.name != "sqlite":
        yield
        return
    raw = conn.connection.driver_connection
    # Foreign keys are not checked row by row during the load (the generator's
    # references are checked by the tests with PRAGMA foreign_key_check).
    raw.execute("PRAGMA foreign_keys = OFF")
    raw.execute("PRAGMA synchronous = OFF")
    # A new demo database: pages go straight to the file (no WAL copy and checkpoint);
    # a failed load is rolled back from the in-memory journal.  WAL comes back after.
    # Leaving WAL needs the only connection to the file: if another is open, keep WAL.
    _try_pragma(raw, "journal_mode = MEMORY")
    raw.execute("PRAGMA cache_size = -800000")  # 800 MB
    raw.execute("PRAGMA temp_store = MEMORY")
    try:
        yield
    finally:
        _try_pragma(raw, "journal_mode = WAL")
        raw.execute("PRAGMA synchronous = FULL")
        raw.execute("PRAGMA foreign_keys = ON")
        raw.execute("PRAGMA cache_size = -2000")
        raw.execute("PRAGMA temp_store = DEFAULT")


def _try_pragma(raw, pragma: str) -> None:
    """Run a pragma that needs the database to itself; give up at once if it is not."""
    import sqlite3

    from csdesk.store.engine import BUSY_TIMEOUT_MS

    raw.execute("PRAGMA busy_timeout = 0")
    try:
        raw.execute(f"PRAGMA {pragma}").fetchall()
    except sqlite3.OperationalError:
        pass
    finally:
        raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


class _IndexParking:
    """Drop a table's secondary indexes for the load and rebuild them once at the end.

    The exact SQL of each index is read from ``sqlite_master`` and replayed, so
    whatever the migrations created comes back unchanged.
    """

    def __init__(self, conn: Connection, tables: tuple[str, ...]):
        self.conn = conn
        self.saved: list[tuple[str, str]] = []
        if conn.dialect.name != "sqlite":
            return
        for table in tables:
            rows = conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                "AND sql IS NOT NULL", (table,)).all()
            for name, sql in rows:
                conn.exec_driver_sql(f'DROP INDEX "{name}"')
                self.saved.append((name, sql))

    def restore(self) -> None:
        for _name, sql in self.saved:
            self.conn.exec_driver_sql(sql)
        self.saved = []


class _SearchLoad:
    """The search index's ``bulk_loading`` around the load.

    With a second process generating, this one would wait for rows part of the
    time: it then indexes what is written so far, in a few large steps
    (``bulk_loading`` is left, the transaction committed, and ``bulk_loading``
    entered again at 1/4, 1/2 and 3/4 of the contacts), so that most of the
    indexing overlaps the generation.
    """

    STEPS = (0.25, 0.5, 0.75)

    def __init__(self, conn: Connection, loader, contacts: int):
        self.conn, self.loader = conn, loader
        self.steps = [round(contacts * f) for f in self.STEPS] if contacts else []
        self.current = None

    def _enter(self) -> None:
        # Only the last step merges the index into one segment: each merge rewrites it all.
        self.current = self.loader(self.conn, optimize=not self.steps)
        self.current.__enter__()

    def __enter__(self):
        if self.loader is not None:
            self._enter()
        return self

    def mark(self, written: int) -> None:
        if self.current is not None and self.steps and written >= self.steps[0]:
            while self.steps and written >= self.steps[0]:
                self.steps.pop(0)
            current, self.current = self.current, None
            current.__exit__(None, None, None)  # indexes the contacts written so far
            # FTS5 keeps statements open after its merge until the transaction ends, and
            # bulk_loading registers its SQL functions again on entry: commit first.
            self.conn.commit()
            self._enter()

    def __exit__(self, *exc):
        if self.current is not None:
            current, self.current = self.current, None
            return current.__exit__(*exc)
        return False


class _DirectSink:
    """Rows go straight into the database."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def emit(self, sql: str, rows: list[tuple]) -> None:
        self.conn.exec_driver_sql(sql, rows)

    def flush(self) -> None:
        pass

    def mark(self, contacts: int) -> None:
        pass


class _PipeSink:
    """Rows go, a day at a time, to the process that writes them (pickled on a pipe)."""

    def __init__(self, stream):
        self.stream = stream
        self.batch: list[tuple[str, list[tuple]]] = []

    def send(self, item) -> None:
        pickle.dump(item, self.stream, protocol=pickle.HIGHEST_PROTOCOL)

    def emit(self, sql: str, rows: list[tuple]) -> None:
        self.batch.append((sql, rows))

    def flush(self) -> None:
        if self.batch:
            self.send(("rows", self.batch))
            self.batch = []
        self.stream.flush()

    def progress(self, message: str) -> None:
        self.flush()
        self.send(("progress", message))
        self.stream.flush()

    def mark(self, contacts: int) -> None:
        """A day is complete: ``contacts`` contacts so far."""
        self.flush()
        self.send(("mark", contacts))


def _worker_main() -> None:
    """The generating process (``python -c``): arguments pickled on stdin, rows pickled
    to stdout; it never opens the database."""
    import sys

    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write to the pipe
    sink = _PipeSink(out)
    try:
        args = pickle.load(sys.stdin.buffer)
        from sqlalchemy.dialects.sqlite import pysqlite

        from csdesk.i18n import set_language

        set_language(args["language"])
        run = Run(args["contacts"], args["seed"], datetime.fromtimestamp(args["now"], UTC), sink.progress,
                  dialect=pysqlite.dialect(), next_ids=args["next_ids"], counters=args["counters"],
                  reference=args["reference"], sink=sink)
        generator.generate_rows(run)
        sink.flush()
        sink.send(("done", run.counts, run.reserved))
    except BaseException as exc:  # reported to the writing process, which fails cleanly
        sink.batch = []
        sink.send(("error", f"{type(exc).__name__}: {exc}"))
    out.flush()


def _generate_in_worker(conn: Connection, contacts: int, seed: int | None, now: datetime,
                        progress: Callable[[str], None], next_ids: dict, counters: dict, reference: Reference,
                        on_mark: Callable[[int], None] = lambda _n: None):
    """Generate in a second process while this one writes: two cores, one writer.

    A plain subprocess (not multiprocessing), so no caller's ``__main__`` is re-imported.
    A reader thread keeps taking rows off the pipe into a queue (up to
    :data:`READ_AHEAD` batches) while this thread is busy in SQLite, e.g. filling
    the search index: the generator does not stall on a full pipe.
    """
    import os
    import queue as queue_module
    import subprocess
    import sys
    import threading

    import csdesk
    from csdesk.i18n import current_language

    env = dict(os.environ)
    root = str(Path(csdesk.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    proc = subprocess.Popen([sys.executable, "-c", "from csdesk.demo.loader import _worker_main; _worker_main()"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
    items: queue_module.Queue = queue_module.Queue(maxsize=READ_AHEAD)

    def read() -> None:
        try:
            while True:
                item = pickle.load(proc.stdout)
                items.put(item)
                if item[0] in ("done", "error"):
                    return
        except EOFError:
            items.put(("eof",))
        except BaseException as exc:
            items.put(("error", f"{type(exc).__name__}: {exc}"))

    reader = threading.Thread(target=read, name="csdesk-demo-reader", daemon=True)
    try:
        pickle.dump({"contacts": contacts, "seed": seed, "now": int(now.timestamp()), "next_ids": next_ids,
                     "counters": counters, "reference": reference, "language": current_language()}, proc.stdin)
        proc.stdin.close()
        reader.start()
        while True:
            item = items.get()
            kind = item[0]
            if kind == "eof":
                raise DemoError(_("the demo data generator stopped unexpectedly"))
            if kind == "rows":
                for sql, rows in item[1]:
                    conn.exec_driver_sql(sql, rows)
            elif kind == "progress":
                progress(item[1])
            elif kind == "mark":
                on_mark(item[1])
            elif kind == "done":
                return item[1], item[2]
            else:
                raise DemoError(_("demo data could not be generated: {error}").format(error=item[1]))
    except BaseException:
        proc.kill()  # our own child, whose rows are no longer wanted
        raise
    finally:
        while reader.is_alive():  # let the reader see the end of the pipe
            try:
                items.get(timeout=0.1)
            except queue_module.Empty:
                pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()


def generate(engine: Engine, contacts: int = DEFAULT_CONTACTS, *, seed: int | None = None,
             now: datetime | None = None, progress: Callable[[str], None] | None = None,
             parallel: bool | None = None, park_indexes: bool | None = None) -> DemoSummary:
    """Fill ``engine``'s database (upgraded, holding no records) with demo data.

    ``contacts``: rows of the register over the last 90 days (at least
    :data:`MIN_CONTACTS`).  ``seed`` makes the data repeatable for a given
    ``now``.  ``parallel`` (default: from :data:`PARALLEL_FROM` contacts, on
    SQLite) generates in a second process while this one writes;
    ``park_indexes`` (default: from :data:`PARK_INDEXES_FROM`) rebuilds the big
    tables' indexes once at the end.  Either way the data are the same.
    Returns what was written and how long it took.
    """
    if not MIN_CONTACTS <= contacts <= MAX_CONTACTS:
        raise DemoError(_("--contacts must be a whole number from {low} to {high}").format(
            low=MIN_CONTACTS, high=MAX_CONTACTS))
    state = inspect_database(engine)
    if state.kind == "real":
        raise DemoError(_("the database holds real records; demo data is never written into it"))
    if state.kind != "empty":
        raise DemoError(_("the database already holds demo data; reset it first"))
    started = time.perf_counter()
    now = (now or clock_now()).astimezone(UTC).replace(microsecond=0)
    say = progress or (lambda _message: None)
    sqlite = engine.dialect.name == "sqlite"
    if parallel is None:
        parallel = sqlite and contacts >= PARALLEL_FROM
    if park_indexes is None:
        # Writing without the secondary indexes and rebuilding them once is cheaper for
        # this process (42 s against 66 s of CPU for a million contacts), which is the
        # one that limits the load when a second process generates.
        park_indexes = contacts >= PARK_INDEXES_FROM
    summary = DemoSummary(contacts=contacts, seed=seed)
    loader = _search_index_loader()
    bind = engine.execution_options(sqlite_begin="IMMEDIATE") if sqlite else engine
    upsert_meta = text("INSERT INTO meta (key, value) VALUES (:k, :v) ON CONFLICT(key) DO UPDATE SET value = :v")
    with bind.connect() as conn:
        with _fast_sqlite(conn):
            with conn.begin():  # first of all: whatever happens next, this is demo data
                conn.execute(upsert_meta, [{"k": "demo", "v": "1"}, {"k": "demo_status", "v": "building"}])
            # One transaction ("commit as you go"; each begins with BEGIN IMMEDIATE), or a few
            # when the search index is filled in steps.  An interrupted load leaves
            # demo_status = building: the next ``csdesk demo`` makes it again.
            try:
                next_ids = {t: conn.execute(text(f'SELECT coalesce(max(id), 0) + 1 FROM "{t}"')).scalar_one()
                            for t in generator.tables()}
                counters = dict(conn.execute(text("SELECT key, value FROM counter")).all())
                reference = read_reference(conn)
                parking = _IndexParking(conn, generator.bulky_tables()) if park_indexes and sqlite else None
                search = _SearchLoad(conn, loader, contacts if parallel else 0)
                with search:
                    if parallel:
                        counts, reserved = _generate_in_worker(conn, contacts, seed, now, say, next_ids, counters,
                                                               reference, on_mark=search.mark)
                    else:
                        run = Run(contacts, seed, now, say, dialect=conn.dialect, next_ids=next_ids,
                                  counters=counters, reference=reference, sink=_DirectSink(conn))
                        generator.generate_rows(run)
                        counts, reserved = run.counts, run.reserved
                    if parking is not None:
                        say(_("rebuilding indexes"))
                        parking.restore()
                    if loader is not None:
                        say(_("rebuilding the search index"))
                if reserved:
                    conn.execute(text("INSERT INTO counter (key, value) VALUES (:k, :v) "
                                      "ON CONFLICT(key) DO UPDATE SET value = max(value, :v)"),
                                 [{"k": k, "v": v} for k, v in reserved.items()])
                conn.execute(upsert_meta, [
                    {"k": "demo_status", "v": "ready"}, {"k": "demo_contacts", "v": str(contacts)},
                    {"k": "demo_seed", "v": "" if seed is None else str(seed)},
                    {"k": "demo_generated_at", "v": now.isoformat()}])
                conn.commit()
            except BaseException:
                conn.rollback()
                raise
            if sqlite:
                raw = conn.connection.driver_connection
                raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                raw.execute("PRAGMA optimize")
    summary.counts = counts
    summary.search_index = loader is not None
    summary.seconds = time.perf_counter() - started
    return summary
