"""Shared pieces of the CLI: options, the configuration, the database, one-line user errors.

Opening the database (each a one-line error, never a traceback, the file untouched):

- :func:`read_db`: an existing, current database for a command that only reads
  (``log search``, ``log export``): nothing is written on opening, no write lock;
- :func:`open_db`: an existing database for a command that writes: migrated if
  it is older, reference data brought in step with the data files;
- ``open_db(..., create=True)``: the same, making the database if there is none
  (``init`` only: a mistyped path elsewhere creates nothing).
"""


from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, NoReturn

import typer

from csdesk.i18n import _


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"csdesk: {message}", err=True)
    raise typer.Exit(code)


DbOption = Annotated[
    str | None,
    typer.Option("--db", envvar="CSDESK_DB", help="Database file (default: the user data directory)."),
]


@dataclass
class CliState:
    db: str | None = None
    lang: str | None = None
    settings: Any = None


def state(ctx: typer.Context) -> CliState:
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj


def settings(ctx: typer.Context) -> Any:
    """The checked settings (loaded once per command; installs the configured time zone)."""
    st = state(ctx)
    if st.settings is None:
        from csdesk.config import ConfigProblem, load_settings

        try:
            st.settings = load_settings()
        except ConfigProblem as exc:
            fail(str(exc))
    return st.settings


def resolve_db(ctx: typer.Context, db: str | None) -> str | None:
    """The database named by the subcommand's ``--db``, else the top-level one, else config
    (None: the default).  The configuration is checked on the way, whatever names the database."""
    configured = settings(ctx).db
    return db or state(ctx).db or configured


def _opening(ctx: typer.Context, db: str | None, opener: Callable[[str | None], Any]):
    from csdesk.domain.errors import DeskError

    value = resolve_db(ctx, db)
    try:
        return opener(value)
    except DeskError as exc:  # DatabaseProblem: what is wrong, with the path as typed
        fail(str(exc))
    except Exception as exc:  # the database could not be opened at all
        from csdesk.store.dbfile import shown_path

        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        fail(_("cannot open the database {path}: {error}").format(
            path=shown_path(str(value or _("(default)"))), error=first))


def open_db(ctx: typer.Context, db: str | None = None, *, create: bool = False):
    """An engine for a csdesk database ready to write to (``create``: make it if missing), or a one-line error."""
    from csdesk.store.engine import open_database

    return _opening(ctx, db, lambda value: open_database(value, create=create))


def read_db(ctx: typer.Context, db: str | None = None):
    """An engine for reading an existing csdesk database, opened without writing anything, or a one-line error."""
    from csdesk.store.engine import open_for_reading

    return _opening(ctx, db, open_for_reading)


def where(engine) -> str:
    """The database file of ``engine``, for messages (a plain path, not a URL)."""
    return str(engine.url.database)
