"""One generation run: what every step of the generator shares.

:class:`Run` holds the random source and its cheap draws, the id counters and
number sequences, the time helpers, the rows' defaults, the reference data the
rows point to, and the sink the rows go to.  Steps (:mod:`csdesk.demo.generator`)
are plain functions of a :class:`Run`.  Rows are plain dicts whose values are
already in stored form (timestamps as :class:`csdesk.store.models.UTCDateTime`
stores them, enums as their string values): :meth:`Run.write` turns them into
tuples for one ``executemany`` per table.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from operator import itemgetter
from typing import Any

from sqlalchemy import bindparam, insert

from csdesk.clock import local_tz
from csdesk.demo.texts import Topic

# Storage form of csdesk.store.models.UTCDateTime on SQLite (checked by the tests).
_TS_SUFFIX = ".000000"
# "HH:MM:SS.000000" for every second of a day: timestamps are a lookup and a concatenation.
_TIME_OF_DAY = tuple(f"{h:02d}:{m:02d}:{sec:02d}{_TS_SUFFIX}" for h in range(24) for m in range(60)
                     for sec in range(60))


class Timestamps:
    """The stored form of aware UTC times given as epoch seconds (``UTCDateTime`` on SQLite)."""

    def __init__(self) -> None:
        self._days: dict[int, str] = {}

    def stored(self, epoch: int | float | None) -> str | None:
        if epoch is None:
            return None
        day, rest = divmod(int(epoch), 86400)
        prefix = self._days.get(day)
        if prefix is None:
            prefix = self._days[day] = (datetime(1970, 1, 1) + timedelta(days=day)).strftime("%Y-%m-%d ")
        return prefix + _TIME_OF_DAY[rest]


@dataclass(frozen=True)
class Reference:
    """The reference data the demo's rows point to, as the target database holds it."""

    departments: dict[str, tuple[str, str]]  # code -> (Chinese name, phone given on referral)
    fee_prices: dict[str, int | None]  # fee item code -> price in fen (None: quoted on site)
    shifts: dict[str, tuple[int, int]]  # shift code -> (start, end) in seconds after midnight
    # department -> its technicians' (id, name), the roster (data/technicians.toml)
    technicians: dict[str, tuple[tuple[int, str], ...]] = field(default_factory=dict)
    # fee item code -> (department, name_zh, name_en, unit_zh, unit_en, note): lines as quoted
    fee_items: dict[str, tuple[str, str, str, str, str, str]] = field(default_factory=dict)

    def department(self, code: str) -> tuple[str, str]:
        return self.departments.get(code) or (code, "")


@dataclass
class DayRows:
    """The rows of one day of contacts, before they are written.

    Day steps (:data:`csdesk.demo.generator.DAY_STEPS`) see them all and add
    rows of their own tables with :meth:`add`.
    """

    day: date
    midnight: int
    days_ago: int
    ymd: str
    contacts: list[dict] = field(default_factory=list)
    orders: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    complaints: list[dict] = field(default_factory=list)
    escalations: list[dict] = field(default_factory=list)
    callbacks: list[dict] = field(default_factory=list)
    refused: list[dict] = field(default_factory=list)
    extra: dict[str, list[dict]] = field(default_factory=dict)

    def add(self, table: str, row: dict) -> None:
        self.extra.setdefault(table, []).append(row)

    def tables(self) -> Iterator[tuple[str, list[dict]]]:
        yield from (("workorder", self.orders), ("complaint", self.complaints), ("contact", self.contacts),
                    ("workorderevent", self.events), ("escalation", self.escalations),
                    ("callback", self.callbacks), ("refusedvisit", self.refused))
        yield from self.extra.items()


def _models_by_table() -> dict[str, type]:
    import csdesk.store.models as m

    return {obj.__table__.name: obj for obj in vars(m).values()
            if isinstance(obj, type) and getattr(obj, "__table__", None) is not None
            and hasattr(obj, "model_fields")}


class _Defaults(dict):
    """Table name -> the model's default values (None where the default is a factory or absent)."""

    def __init__(self, models: dict[str, type]):
        super().__init__()
        self.models = models

    def __missing__(self, table: str) -> dict:
        from pydantic_core import PydanticUndefined

        out = {}
        for name, info in self.models[table].model_fields.items():
            default = info.default
            if default is PydanticUndefined or callable(default):
                default = None
            out[name] = default
        self[table] = out
        return out


class Run:
    """One generation run: pools, id counters, row buffers.

    The same arguments give the same rows, in whichever process the run goes.
    """

    def __init__(self, n_contacts: int, seed: int | None, now: datetime,
                 progress: Callable[[str], None] | None, *, dialect, next_ids: dict[str, int],
                 counters: dict[str, int], reference: Reference, sink):
        self.n = n_contacts
        self.dialect = dialect
        self.sink = sink
        self.ref = reference
        self.counters = dict(counters)  # number sequences, reserved here under the write lock
        self.reserved: dict[str, int] = {}
        self.next_id = dict(next_ids)
        self.rng = random.Random(seed)
        r = self.rng.random
        # Cheap draws for the hot loop (random.choice/randint cost ~1 µs each).
        self.pick = lambda seq: seq[int(r() * len(seq))]
        self.ri = lambda low, high: low + int(r() * (high - low + 1))
        self.rr = lambda n: int(r() * n)
        self.seed = seed
        self.now_dt = now.astimezone(UTC).replace(microsecond=0)
        self.now = int(self.now_dt.timestamp())
        self.tz = local_tz()
        self.ts = Timestamps().stored
        self.progress = progress or (lambda _msg: None)
        self.counts: dict[str, int] = {}
        self.models = _models_by_table()
        self.defaults = _Defaults(self.models)
        self._sql: dict[str, tuple[str, Callable]] = {}
        self.day_steps: tuple = ()  # csdesk.demo.generator.DAY_STEPS
        self.kept: dict[str, Any] = {}  # what a step keeps for a later one (by the later step's name)
        # The desk's opening hours: from the day shift's start to the night shift's end.
        opens, _e = reference.shifts["day"]
        start, closes = reference.shifts["night"]
        self.desk_hours = (opens, closes + 86400 if closes <= start else closes)
        # Set by csdesk.demo.people and used by every later step:
        self.agents: dict[str, int] = {}  # staff number -> agent id
        self.left_at: dict[str, int] = {}  # staff number -> when they left
        self.hired_at: dict[str, int] = {}  # staff number -> midnight of the hire date
        self.hire_date: dict[str, date] = {}  # staff number -> hire date
        self.complained_at: dict[str, tuple[datetime, ...]] = {}  # staff number -> complaints against them
        self.customers: Any = None  # csdesk.demo.people.Customers
        self.name_pool: list[str] = []  # customer names
        self.buildings = 0
        self.n_cust = 0
        # Set by csdesk.demo.contacts:
        self.day: DayRows | None = None  # the day being made
        self.refused_units: set[int] = set()  # customers on the refused-visit list
        self.last_order: dict[int, tuple[int, str]] = {}  # customer id -> (id, number) of the last order

    # ----------------------------------------------------------------- time

    def local_day(self, epoch: int) -> date:
        return datetime.fromtimestamp(epoch, self.tz).date()

    def midnight(self, day: date) -> int:
        return int(datetime.combine(day, dtime(0), tzinfo=self.tz).timestamp())

    def shift_of(self, epoch: int, midnight: int) -> str:
        """``"night"`` from the night shift's start to midnight, else ``"day"``."""
        return "night" if epoch - midnight >= self.ref.shifts["night"][0] else "day"

    # ----------------------------------------------------------------- draws

    def choice_w(self, values_cum):
        values, cum = values_cum
        return values[bisect.bisect(cum, self.rng.random() * cum[-1])]

    # ----------------------------------------------------------------- ids, numbers, rows

    def ids(self, table: str, count: int = 1) -> int:
        """Reserve ``count`` ids of ``table`` (a table some step declares); the first one."""
        first = self.next_id[table]
        self.next_id[table] = first + count
        return first

    def reserve(self, key: str, count: int) -> int:
        """Reserve ``count`` values of sequence ``key`` (as :func:`csdesk.store.numbers.next_value`
        does; the load holds the write lock, and the final values are stored at the end)."""
        first = self.counters.get(key, 0) + 1
        self.counters[key] = self.reserved[key] = first + count - 1
        return first

    def row(self, table: str, **values) -> dict:
        r = dict(self.defaults[table])
        r.update(values)
        return r

    def write(self, table: str, rows: list[dict]) -> None:
        """executemany of the table's compiled Core insert; values already in stored form."""
        if not rows:
            return
        compiled = self._sql.get(table)
        if compiled is None:
            # The table's Core insert() over all its columns, compiled once; rows go to the
            # DBAPI's executemany as tuples in column order (positional binding is twice
            # as fast as binding dicts by name).
            tbl = self.models[table].__table__
            stmt = insert(tbl).values({c.name: bindparam(c.name) for c in tbl.columns})
            compiled = stmt.compile(dialect=self.dialect)
            compiled = self._sql[table] = (str(compiled), itemgetter(*compiled.positiontup))
        sql, as_tuple = compiled
        self.sink.emit(sql, [as_tuple(r) for r in rows])
        self.counts[table] = self.counts.get(table, 0) + len(rows)


# --------------------------------------------------------------------------- contacts


@dataclass(slots=True)
class ContactInfo:
    """What the follow-ups of a contact need to know of it."""

    cid: int
    number: str
    e: int  # received, epoch seconds
    ended: int
    staff_no: str
    agent_id: int
    cust_id: int | None
    cname: str
    phone: str
    ukey: str
    caddr: str
    topic: Topic
    urgency: str
    summary: str
    spec: dict  # the coverage or scenario override ({} for most)
    short: str
    ctx: dict


def aligned(options: tuple[str, ...], summaries: tuple[str, ...], index: int, rng: random.Random) -> str:
    """The text written for summary ``index`` when the lists run in parallel; else any."""
    return options[index] if len(options) == len(summaries) else options[int(rng.random() * len(options))]
