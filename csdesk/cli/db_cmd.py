"""``csdesk db upgrade|check``."""


import typer

from csdesk.cli.common import DbOption, fail, open_db, resolve_db, where
from csdesk.cli.output import Column, FormatOption, emit
from csdesk.i18n import N_, _

# what ``db check`` says of a database's schema (SchemaState values)
STATES = {
    "current": N_("up to date"), "behind": N_("older: run “csdesk db upgrade”"),
    "newer": N_("newer than this csdesk"), "foreign": N_("not a csdesk database"),
    "missing": N_("no file"), "empty": N_("empty"),
}
# what each table holds, for the row counts of ``db check`` (the table's name is shown beside it)
TABLES = {
    "agent": N_("Accounts"), "auditlog": N_("Audit log"), "callback": N_("Call-backs"),
    "category": N_("Categories"), "complaint": N_("Complaints"), "complaintevent": N_("Complaint steps"),
    "contact": N_("Register (calls and visits)"), "counter": N_("Number counters"), "customer": N_("Customers"),
    "customerphone": N_("Customers' phones"), "department": N_("Departments"), "draft": N_("Drafts"),
    "escalation": N_("Escalations"), "feeitem": N_("Fee schedule"), "handover": N_("Handover pages"),
    "handoveritem": N_("Handover items"), "handoverpass": N_("Handover acknowledgements"),
    "handoverremark": N_("Handover remarks"), "meta": N_("Settings"), "problemlog": N_("Problem log"),
    "refusedvisit": N_("Refused-visit list"), "returnvisit": N_("Return visits"), "shift": N_("Shifts"),
    "technician": N_("Technicians"), "visitdraw": N_("Return-visit draws"), "workorder": N_("Work orders"),
    "workorderevent": N_("Work-order timeline"), "workorderfee": N_("Work-order fees"),
}


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
    def check(ctx: typer.Context, db: DbOption = None, fmt_name: FormatOption = None) -> None:
        """Print the schema revision and row counts (reads only: nothing is written, no lock is taken)."""

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
        from csdesk.cli.output import resolve

        machine = resolve(fmt_name) != "table"  # the data alone on stdout; the revision goes to stderr
        typer.echo(_("Database: {path}").format(path=target.path), err=machine)
        typer.echo(_("Schema revision: {revision} (this csdesk: {head}, {state})").format(
            revision=info.revision, head=info.head, state=_(STATES.get(info.state.value, info.state.value))),
            err=machine)
        try:
            engine = open_readonly(target)
            counts = row_counts(engine)
            engine.dispose()
        except DatabaseProblem as exc:
            fail(str(exc))
        except Exception as exc:  # damaged beyond the header: one line
            fail(_("{path} cannot be read: {error}").format(path=target.shown, error=str(exc).splitlines()[0]))
        emit(((_(TABLES[name]) if name in TABLES else "", name, count) for name, count in counts.items()),
             [Column("records", _("Records")), Column("table", _("Table"), fixed=True),
              Column("rows", _("Rows"), fixed=True)], fmt_name)
