"""Shared pieces of the CLI: options, the database, one-line user errors."""


from dataclasses import dataclass
from typing import Annotated, NoReturn

import typer

from csdesk.i18n import _


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"csdesk: {message}", err=True)
    raise typer.Exit(code)


DbOption = Annotated[
    str | None,
    typer.Option("--db", envvar="CSDESK_DB", help="Database file or SQLAlchemy URL (default: the user data directory)."),
]


@dataclass
class CliState:
    db: str | None = None
    lang: str | None = None


def state(ctx: typer.Context) -> CliState:
    root = ctx.find_root()
    return root.obj if isinstance(root.obj, CliState) else CliState()


def resolve_db(ctx: typer.Context, db: str | None) -> str | None:
    """The database named by the subcommand's ``--db``, else the top-level one, else config."""
    if db:
        return db
    if state(ctx).db:
        return state(ctx).db
    from csdesk.config import load_settings

    return load_settings().db


def open_db(ctx: typer.Context, db: str | None = None, *, create: bool = True):
    """An engine for a ready database, or a one-line error."""
    from csdesk.store.engine import DatabaseProblem, open_database

    url = resolve_db(ctx, db)
    try:
        return open_database(url)
    except DatabaseProblem as exc:
        fail(str(exc))
    except Exception as exc:  # the database could not be opened at all
        fail(_("cannot open the database: {error}").format(error=exc))
