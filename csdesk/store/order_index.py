"""The work orders' search index: one FTS5 table that finds orders by text, name,
pinyin initials and the list's view values, newest first, without touching ``workorder``.

It is the register's design (:mod:`csdesk.store.search_index`) applied to
``workorder``, and uses that module's text preparation (CJK bigrams), query
building and time keys rather than repeating them:

- ``workorder_fts`` is contentless (``content=''``), ``unicode61``, with four
  columns: ``body`` (what is to be done, the result, the address, the
  technician), ``name`` (the customer's name), ``initials`` (pinyin initials)
  and ``tags`` (one token per view value: ``st<status>``, ``dep<department>``,
  ``ag<owner id>``, ``urg<urgency>``, ``open1`` for an open order, ``esc1`` for
  one escalated as overdue).
- The FTS rowid is the negated time key of (created_at, id), so ascending rowid
  is newest first and paging is a rowid range, as in the register.
- Triggers keep it in step with every insert, update and delete of ``workorder``
  through the SQL functions the register registers on every connection
  (``csdesk_fts_text``).  Tags are built in SQL from codes made of letters,
  digits and ``_ - .``, exactly as :func:`csdesk.store.search_index.tag` builds
  them in Python (``tests/test_order_list.py`` checks they agree).
- Bulk loads (the demo) use :func:`bulk_loading`: triggers off, one
  ``INSERT … SELECT`` at the end, in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from csdesk.store import search_index as si
from csdesk.store.models import OPEN_ORDER_SQL

FTS_TABLE = "workorder_fts"


def _code(expr: str) -> str:
    """SQL for a code as a tag token: lower case, without ``_ - .`` and spaces (see si.tag)."""
    return f"replace(replace(replace(replace(lower({expr}), '_', ''), '-', ''), '.', ''), ' ', '')"


def _tags(p: str) -> str:
    return (f"'st' || {_code(p + '.status')} || ' dep' || {_code(p + '.department')} || "
            f"' ag' || coalesce({p}.owner_id, 0) || ' urg' || {_code(p + '.urgency')} || "
            f"CASE WHEN {p}.{OPEN_ORDER_SQL} THEN ' open1' ELSE '' END || "
            f"CASE WHEN {p}.overdue_escalated_at IS NOT NULL THEN ' esc1' ELSE '' END")


def _values(p: str) -> str:
    return (f"-{si.key_sql(p + '.created_at', p + '.id')}, "
            f"csdesk_fts_text({p}.description, {p}.result, {p}.address, {p}.assignee), "
            f"csdesk_fts_text({p}.customer_name), {p}.name_initials, {_tags(p)}")


_WATCHED = ("created_at, description, result, address, assignee, customer_name, name_initials, "
            "status, department, owner_id, urgency, overdue_escalated_at")

# newest first: ascending rowids (see csdesk.store.search_index)
CREATE_TABLE, TRIGGERS, POPULATE = si.fts_schema(FTS_TABLE, "workorder", _values, _WATCHED,
                                                 "{p}.created_at DESC, {p}.id DESC")


def tags_sql_for_test(alias: str = "w") -> str:
    """The tags expression (for the test that compares it with :func:`csdesk.store.search_index.tag`)."""
    return _tags(alias)


def create(conn) -> None:
    """Create the index and its triggers, and fill it from the existing orders."""
    si._ensure_functions(conn)
    si._exec(conn, CREATE_TABLE)
    _populate(conn, 0)
    create_triggers(conn)


def drop(conn) -> None:
    drop_triggers(conn)
    si._exec(conn, f"DROP TABLE IF EXISTS {FTS_TABLE}")


def create_triggers(conn) -> None:
    for name, sql in TRIGGERS.items():
        si._exec(conn, f"DROP TRIGGER IF EXISTS {name}")
        si._exec(conn, sql)


def drop_triggers(conn) -> None:
    for name in TRIGGERS:
        si._exec(conn, f"DROP TRIGGER IF EXISTS {name}")


def _populate(conn, after: int, optimize: bool = True) -> None:
    si._exec(conn, f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('automerge', 0)")
    try:
        si._exec(conn, POPULATE.replace(":after", str(int(after))))
        if optimize:
            si._exec(conn, f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")
    finally:
        si._exec(conn, f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('automerge', 4)")


def rebuild(conn) -> None:
    """Refill the whole index from ``workorder`` and recreate its triggers."""
    si._ensure_functions(conn)
    si._exec(conn, f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('delete-all')")
    _populate(conn, 0)
    create_triggers(conn)


@contextmanager
def bulk_loading(connection, *, optimize: bool = True) -> Iterator[None]:
    """Suspend per-row index maintenance while orders are bulk-inserted (as
    :func:`csdesk.store.search_index.bulk_loading` does for contacts).

    Orders inserted inside the block must have ids above every id present
    before it, and must not be updated inside it (an update would need the
    triggers); on a normal exit they are indexed with one ``INSERT … SELECT``.
    """
    si._ensure_functions(connection)
    before = si._exec(connection, "SELECT coalesce(max(id), 0) FROM workorder").fetchone()[0]
    drop_triggers(connection)
    try:
        yield
        _populate(connection, before, optimize)
    finally:
        create_triggers(connection)
