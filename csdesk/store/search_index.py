"""The register's search index: one FTS5 table that finds contacts by text, name,
pinyin initials and filter values, in time order, without touching ``contact``.

Design (numbers in ``tests/bench/bench_log.py``)
- ``contact_fts`` is a *contentless* FTS5 table (``content=''``) with the
  ``unicode61`` tokenizer and four columns:

  ``body``      summary, handling steps, result, address
  ``name``      the customer's name as said on the call
  ``initials``  pinyin initials (``zs`` for 张三)
  ``tags``      one token per filter value: channel, category (and its parent),
                urgency, outcome, status, agent — so filters combine inside FTS5

- Chinese has no spaces, and the trigram tokenizer cannot find two-character
  words (漏水, 电梯, 停电).  So the text is *prepared* before FTS5 sees it: each
  run of CJK characters becomes its overlapping bigrams plus its last single
  character (``电梯坏了`` -> ``电梯 梯坏 坏了 了``).  A query of n >= 2 CJK
  characters is the phrase of its n-1 bigrams; a single character is the
  prefix query ``"电"*`` (it starts a bigram or ends a run).  Latin words and
  numbers are kept whole and matched as whole words.
- The FTS rowid is not the contact id but the *negated time key*:
  key = ``(seconds since 2000-01-01 UTC << 32) | contact.id`` and
  rowid = ``-key``.  Ascending rowid is therefore the register's order, newest
  first, by (received_at, id): FTS5 returns the newest matches first and stops
  after a page, whatever the number of matches; a date range is a rowid range;
  keyset paging is ``rowid > -key``; ``contact.id = (-rowid) & 0xFFFFFFFF``.
  Negated because FTS5 (3.40) can skip through a long doclist with its doclist
  index only when reading in ascending rowid order: a word AND a filter tag
  (``"王伟" AND catrepair``, 250,000 rows in the tag) took 28 ms newest-first
  in descending order and 0.6 ms in ascending order.
- The index follows every insert, update and delete of ``contact`` through
  triggers that call ``csdesk_fts_text``/``csdesk_fts_tags``, Python functions
  registered on every connection csdesk opens (:func:`register_functions`,
  called from ``csdesk.store.engine._sqlite_pragmas``).  A connection without them (the
  ``sqlite3`` shell) can read everything but cannot write contacts: it fails
  loudly instead of letting the index drift.
- Bulk loads (the demo database) use :func:`bulk_loading`: the triggers are
  dropped inside the caller's transaction and the index is filled with one
  ``INSERT … SELECT`` on exit.

Query strings are never pasted from input: :func:`fts_query` extracts words
and CJK runs and emits only double-quoted phrases, so quotes, ``*``, ``NEAR``,
``AND``, ``%`` or SQL fragments are ordinary characters that simply find
nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

FTS_TABLE = "contact_fts"
KEY_EPOCH = 946684800  # 2000-01-01T00:00:00Z
ID_BITS = 32
ID_MASK = (1 << ID_BITS) - 1
MAX_QUERY_TERMS = 16  # more words than that are not a search, they are a paste

# Ideographs (incl. extensions and compatibility), kana, hangul: runs of these are bigrammed.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_TERM = re.compile(f"([{_CJK}]+)|([^\\W_{_CJK}]+)")
_NON_ALNUM = re.compile(r"[^0-9A-Za-z]+")


# --------------------------------------------------------------------------- text preparation


def _bigrams(match: re.Match) -> str:
    run = match.group()
    if len(run) == 1:
        return f" {run} "
    return " " + " ".join([run[i:i + 2] for i in range(len(run) - 1)]) + f" {run[-1]} "


def prepare(text: str | None) -> str:
    """Text as the index stores it: CJK runs as bigrams (+ last character), the rest as is."""
    if not text:
        return ""
    return _CJK_RUN.sub(_bigrams, text)


# A desk repeats itself (addresses, result lines, handling steps), and a bulk load
# repeats itself more: preparing each distinct part once saves a fifth of the
# index's CPU time.  CJK runs never span the newline, so joining prepared parts
# equals preparing the joined text.
_prepare_part = lru_cache(maxsize=65536)(prepare)


def fts_text(*parts: str | None) -> str:
    """SQL function ``csdesk_fts_text(a, b, …)``: the prepared concatenation."""
    return "\n".join(_prepare_part(p) for p in parts if p)


def tag(kind: str, value: object) -> str:
    """A filter token, e.g. ``tag('cat', 'repair.water')`` -> ``catrepairwater``."""
    return kind + _NON_ALNUM.sub("", str(value)).lower()


@lru_cache(maxsize=16384)
def fts_tags(channel, category, urgency, outcome, status, agent_id, subtype=None) -> str:
    """SQL function ``csdesk_fts_tags(…)``: the filter tokens of one contact.

    A contact is found under its category, the category's parent (``repair``
    for ``repair.water``) and its sub-type (intake stores ``repair`` +
    ``repair.water``), so picking a category or a sub-type both work.
    """
    out = [tag("ch", channel or ""), tag("cat", category or ""), tag("urg", urgency or ""),
           tag("out", outcome or ""), tag("st", status or ""), tag("ag", agent_id or 0)]
    for code in (category, subtype):
        if code and "." in code:
            out.append(tag("cat", code.split(".", 1)[0]))
    if subtype and subtype != category:
        out.append(tag("cat", subtype))
    return " ".join(dict.fromkeys(out))


def register_functions(dbapi_connection) -> None:
    """Register the index's SQL functions on a DB-API (sqlite3) connection."""
    create = dbapi_connection.create_function
    create("csdesk_fts_text", -1, fts_text, deterministic=True)
    create("csdesk_fts_tags", -1, fts_tags, deterministic=True)


# --------------------------------------------------------------------------- time keys


def key_sql(received: str = "received_at", ident: str = "id") -> str:
    """SQL for the time key of a contact row."""
    return (f"(((CAST(strftime('%s', {received}) AS INTEGER) - {KEY_EPOCH}) << {ID_BITS}) | {ident})")


def time_key(received_at, contact_id: int) -> int:
    """The time key of (received_at, id); ``received_at`` aware (or naive UTC)."""
    from datetime import UTC

    if received_at.tzinfo is None:
        received_at = received_at.replace(tzinfo=UTC)
    seconds = int(received_at.timestamp()) - KEY_EPOCH
    return (seconds << ID_BITS) | contact_id


def time_floor(moment) -> int:
    """The smallest key of a contact received at or after ``moment``."""
    from datetime import UTC

    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    import math

    return (math.ceil(moment.timestamp()) - KEY_EPOCH) << ID_BITS


# --------------------------------------------------------------------------- queries


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def terms(text: str) -> list[tuple[str, str]]:
    """The search terms in ``text``: ("cjk", run) or ("word", word), at most MAX_QUERY_TERMS."""
    out: list[tuple[str, str]] = []
    for m in _TERM.finditer(text or ""):
        cjk, word = m.groups()
        out.append(("cjk", cjk) if cjk else ("word", word.lower()))
        if len(out) >= MAX_QUERY_TERMS:
            break
    return out


def phrase(kind: str, value: str) -> str:
    """One term as an FTS5 phrase (always quoted)."""
    if kind == "cjk":
        if len(value) == 1:
            return _quote(value) + "*"
        # a run of n characters: the phrase of its n-1 overlapping bigrams
        grams = [value[i:i + 2] for i in range(len(value) - 1)]
        return _quote(" ".join(grams))
    # Latin words and numbers match whole tokens: a prefix query ("leak"*) makes
    # FTS5 (3.40) merge the whole doclist before the first row, 12 ms for a word
    # in 10 % of a million rows, while a token query streams newest-first (~2 ms).
    return _quote(value)


def fts_query(text: str, columns: str = "{body name}") -> str | None:
    """An FTS5 query matching every term of ``text`` in ``columns``; None if no term."""
    parts = [f"{columns} : {phrase(k, v)}" for k, v in terms(text)]
    if not parts:
        return None
    return " AND ".join(parts)


# --------------------------------------------------------------------------- schema

_TEXT_ARGS = "{p}.summary, {p}.handling, {p}.result, {p}.address"
_TAG_ARGS = "{p}.channel, {p}.category, {p}.urgency, {p}.outcome, {p}.status, {p}.agent_id, {p}.subtype"
_WATCHED = ("received_at, summary, handling, result, address, subtype, customer_name, "
            "name_initials, channel, category, urgency, outcome, status, agent_id")


def _values(p: str) -> str:
    return (f"-{key_sql(p + '.received_at', p + '.id')}, "
            f"csdesk_fts_text({_TEXT_ARGS.format(p=p)}), csdesk_fts_text({p}.customer_name), "
            f"{p}.name_initials, csdesk_fts_tags({_TAG_ARGS.format(p=p)})")


def fts_schema(fts: str, table: str, values, watched: str, newest_first: str) -> tuple[str, dict[str, str], str]:
    """The DDL of a contentless search index ``fts`` kept in step with ``table``: the CREATE
    statement, the three triggers by name and the bulk ``POPULATE`` statement.  ``values(alias)``
    is the SQL of (rowid, body, name, initials, tags) for a row; ``newest_first`` orders the
    table's rows newest first (ascending rowids, see ``POPULATE`` below).  The work orders'
    index (:mod:`csdesk.store.order_index`) is built by it too."""
    create = (f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5("
              "body, name, initials, tags, content='', tokenize='unicode61 remove_diacritics 2')")
    columns = f"{fts}(rowid, body, name, initials, tags)"
    delete = f"INSERT INTO {fts}({fts}, rowid, body, name, initials, tags) VALUES ('delete', {values('old')});"
    insert = f"INSERT INTO {columns} VALUES ({values('new')});"
    triggers = {
        f"{table}_fts_ai": f"CREATE TRIGGER {table}_fts_ai AFTER INSERT ON {table} BEGIN\n  {insert}\nEND",
        f"{table}_fts_ad": f"CREATE TRIGGER {table}_fts_ad AFTER DELETE ON {table} BEGIN\n  {delete}\nEND",
        f"{table}_fts_au": (f"CREATE TRIGGER {table}_fts_au AFTER UPDATE OF {watched} ON {table} BEGIN\n"
                            f"  {delete}\n  {insert}\nEND"),
    }
    populate = (f"INSERT INTO {columns} SELECT {values('t')} FROM {table} AS t WHERE t.id > :after "
                f"ORDER BY {newest_first.format(p='t')}")
    return create, triggers, populate


# Rows go in ascending rowid order, i.e. newest first: FTS5 flushes its pending
# terms to a new segment whenever a rowid is smaller than the previous one, so
# oldest-first (descending rowids) would write one segment per contact.
CREATE_TABLE, TRIGGERS, POPULATE = fts_schema(FTS_TABLE, "contact", _values, _WATCHED,
                                              "{p}.received_at DESC, {p}.id DESC")


def _exec(conn, sql: str, params: dict | None = None):
    """Run SQL on a SQLAlchemy Connection or a DB-API connection."""
    if hasattr(conn, "exec_driver_sql"):
        return conn.exec_driver_sql(sql, params or {}) if params else conn.exec_driver_sql(sql)
    return conn.execute(sql, params or {})


def _ensure_functions(conn) -> None:
    """Register the SQL functions unless this connection has them already (every
    csdesk connection does): re-registering fails while statements are open."""
    dbapi = conn
    if hasattr(conn, "connection"):  # SQLAlchemy Connection
        dbapi = conn.connection.driver_connection
    try:
        dbapi.execute("SELECT csdesk_fts_text('a'), csdesk_fts_tags('', '', '', '', '', 0)").fetchone()
        return
    except Exception:
        pass
    register_functions(dbapi)


def create(conn) -> None:
    """Create the index and its triggers and fill it from the existing contacts."""
    _ensure_functions(conn)
    _exec(conn, CREATE_TABLE)
    _populate(conn, 0)
    create_triggers(conn)


def drop(conn) -> None:
    drop_triggers(conn)
    _exec(conn, f"DROP TABLE IF EXISTS {FTS_TABLE}")


def create_triggers(conn) -> None:
    for name, sql in TRIGGERS.items():
        _exec(conn, f"DROP TRIGGER IF EXISTS {name}")
        _exec(conn, sql)


def drop_triggers(conn) -> None:
    for name in TRIGGERS:
        _exec(conn, f"DROP TRIGGER IF EXISTS {name}")


def _populate(conn, after: int, optimize: bool = True) -> None:
    """Index the contacts with ids above ``after`` in one statement.

    Incremental merging is switched off while the rows go in and one
    'optimize' merges everything at the end: 35 % less time than letting FTS5
    merge as it goes (100,000 demo contacts: 12.4 s instead of 18.8 s on a
    busy 2-core machine).
    """
    _exec(conn, f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('automerge', 0)")
    try:
        _exec(conn, POPULATE.replace(":after", str(int(after))))
        if optimize:
            _exec(conn, f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")
    finally:
        _exec(conn, f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('automerge', 4)")


def rebuild(conn) -> None:
    """Refill the whole index from ``contact`` and recreate its triggers (repair after
    a foreign write, or after a change of what is indexed)."""
    _ensure_functions(conn)
    _exec(conn, f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('delete-all')")
    _populate(conn, 0)
    create_triggers(conn)


@contextmanager
def bulk_loading(connection, *, optimize: bool = True) -> Iterator[None]:
    """Suspend per-row index maintenance while contacts are bulk-inserted.

    ``connection`` is a SQLAlchemy Connection inside a transaction (a DB-API
    sqlite3 connection works too).  Contacts inserted inside the block must have
    ids greater than every id present before it (plain inserts do).  On a
    normal exit the new contacts are indexed with one ``INSERT … SELECT``, the
    index is merged, and the triggers are restored — all in the caller's
    transaction, so a rollback leaves everything as it was.

    ``optimize=False`` skips the final merge into one segment (about 1 s per
    100,000 indexed contacts, and it rewrites the whole index each time): for
    a load done in several steps, pass it on all but the last.
    """
    _ensure_functions(connection)
    row = _exec(connection, "SELECT coalesce(max(id), 0) FROM contact").fetchone()
    before = row[0]
    drop_triggers(connection)
    try:
        yield
        _populate(connection, before, optimize)
    finally:
        create_triggers(connection)
