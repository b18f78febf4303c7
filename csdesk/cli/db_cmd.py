"""``csdesk db upgrade|check``."""


import typer

from csdesk.cli.common import DbOption, fail, resolve_db
from csdesk.i18n import _


def register(app: typer.Typer) -> None:
    db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
    app.add_typer(db_app, name="db")

    @db_app.command("upgrade")
    def upgrade_(ctx: typer.Context, db: DbOption = None) -> None:
        """Apply migrations (creates the database if it does not exist)."""
        from csdesk.store.engine import DatabaseProblem, make_engine, upgrade

        engine = make_engine(resolve_db(ctx, db))
        try:
            info = upgrade(engine)
        except DatabaseProblem as exc:
            fail(str(exc))
        typer.echo(_("Database {url} is at schema revision {revision}.").format(url=engine.url, revision=info.revision))

    @db_app.command("check")
    def check(ctx: typer.Context, db: DbOption = None) -> None:
        """Print the schema revision and row counts."""
        from rich.console import Console
        from rich.table import Table

        from csdesk.paths import db_url, sqlite_path
        from csdesk.store.engine import DatabaseProblem, SchemaState, make_engine, row_counts, schema_info

        url = db_url(resolve_db(ctx, db))
        path = sqlite_path(url)
        if path is not None and not path.exists():
            fail(_("no csdesk database at {path}; run 'csdesk init' or 'csdesk db upgrade'").format(path=path))
        engine = make_engine(url)
        try:
            info = schema_info(engine)
        except DatabaseProblem as exc:
            fail(str(exc))
        if info.state is SchemaState.EMPTY:
            fail(_("no csdesk database at {url}; run 'csdesk init' or 'csdesk db upgrade'").format(url=engine.url))
        typer.echo(_("Database: {url}").format(url=engine.url))
        typer.echo(_("Schema revision: {revision} (this csdesk: {head}, {state})").format(
            revision=info.revision, head=info.head, state=info.state.value))
        if info.state in (SchemaState.FOREIGN, SchemaState.NEWER):
            fail(_("this database cannot be used by this csdesk"))
        table = Table(_("Table"), _("Rows"))
        for name, count in row_counts(engine).items():
            table.add_row(name, f"{count:,}")
        Console().print(table)
