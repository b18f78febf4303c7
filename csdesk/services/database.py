"""The database as screens and the CLI use it: open it, then read or write in a session.

The engine, its pragmas and transactions live in :mod:`csdesk.store.engine`;
this module is the door the presentation layers go through (they never import
:mod:`csdesk.store`: no SQL outside the store and the services).
"""

from __future__ import annotations

from csdesk.store.engine import (  # noqa: F401  (the door)
    CONSOLE_CACHE_KIB,
    DatabaseProblem,
    open_database,
    read_session,
    write_session,
)
