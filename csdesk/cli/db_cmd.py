"""``csdesk db upgrade|check``."""


import typer

from csdesk.cli.common import DbOption, fail, open_db, resolve_db, where
from csdesk.i18n import _


def register(app: typer.Typer) -> None:
    db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
    app.add_typer(db_app, name="db")

    @db_app.command("upgrade")
    def upgrade_(ctx: typer.Context, db: DbOption = None) -> None:
        """Apply migrations to an existing database ('csdesk init' creates one)."""
        from csdesk.store.engine import schema_info

        engine = open_db(ctx, db)
        info = schema_info(engine)
        engine.dispose()
        typer.echo(_("Database {path} is at schema revision {revision}.").format(
            path=where(engine), revision=info.revision))

    @db_app.command("check")
    def check(ctx: typer.Context, db: DbOption = None) -> None:
        """Print the schema revision and row counts (reads only: nothing is written, no lock is taken)."""
        from rich.console import Console
        from rich.table import Table

        from csdesk.store.engine import (
            DatabaseProblem,
            SchemaState,
            inspect_target,
            open_readonly,
            refuse_unusable,
            resolve_target,
            row_counts,
        )

        try:
            target = resolve_target(resolve_db(ctx, db))
            info = inspect_target(target, write=False)
        except DatabaseProblem as exc:
            fail(str(exc))
        if info.state in (SchemaState.MISSING, SchemaState.EMPTY):
            fail(_("there is no csdesk database at {path}; check the path ('csdesk init' creates a database)")
                 .format(path=target.shown))
        try:
            refuse_unusable(target, info)
        except DatabaseProblem as exc:
            fail(str(exc))
        typer.echo(_("Database: {path}").format(path=target.path))
        typer.echo(_("Schema revision: {revision} (this csdesk: {head}, {state})").format(
            revision=info.revision, head=info.head, state=info.state.value))
        try:
            engine = open_readonly(target)
            counts = row_counts(engine)
            engine.dispose()
        except DatabaseProblem as exc:
            fail(str(exc))
        except Exception as exc:  # damaged beyond the header: one line
            fail(_("{path} cannot be read: {error}").format(path=target.shown, error=str(exc).splitlines()[0]))
        table = Table(_("Table"), _("Rows"))
        for name, count in counts.items():
            table.add_row(name, f"{count:,}")
        Console().print(table)
