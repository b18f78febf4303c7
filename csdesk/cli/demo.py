"""``csdesk demo``: a database full of realistic demo data, then the console.

Demo data lives in its own database (``csdesk-demo.db`` beside the real one)
unless ``--db``/``CSDESK_DB`` names one.  It is never written into a database
that holds real records.  Run again, it reopens the demo data it made;
``--reset`` makes it afresh.  Heavy modules (sqlmodel, Faker, pypinyin) are
imported inside the command only.
"""


from typing import Annotated

import typer

from csdesk.cli import parse
from csdesk.cli.common import DbOption, fail, settings, state
from csdesk.i18n import _


def _where(engine) -> str:
    return str(engine.url.database)


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        ctx: typer.Context,
        contacts: Annotated[str | None, typer.Option(
            "--contacts", metavar="N", help="Contacts in the register over the last 90 days (default 3000).")] = None,
        no_tui: Annotated[bool, typer.Option("--no-tui", help="Fill the database, do not open the console.")] = False,
        reset: Annotated[bool, typer.Option("--reset", help="Throw the demo data away and generate it again.")] = False,
        seed: Annotated[str | None, typer.Option(
            "--seed", metavar="N", help="Random seed, for the same data every time.")] = None,
        db: DbOption = None,
    ) -> None:
        """Fill a demo database with realistic data and open the console on it."""
        from csdesk import demo as demo_data

        count = parse.whole_number(contacts, "--contacts", demo_data.MIN_CONTACTS, demo_data.MAX_CONTACTS,
                                   default=demo_data.DEFAULT_CONTACTS)
        seed_value = None if seed is None else parse.whole_number(seed, "--seed", 0, 2**63 - 1)

        from csdesk.paths import demo_db_path
        from csdesk.store.engine import (
            DatabaseProblem,
            SchemaState,
            inspect_target,
            open_database,
            open_readonly,
            refuse_unusable,
            resolve_target,
        )

        settings(ctx)  # the configuration is checked (and its time zone installed) first
        target_value = db or state(ctx).db or str(demo_db_path())
        try:
            target = resolve_target(target_value)
            info = inspect_target(target)
        except DatabaseProblem as exc:
            fail(str(exc))
        if info.state is SchemaState.FOREIGN:
            fail(_("{where} is not a csdesk database; demo data is not written into it").format(
                where=target.shown))
        try:
            refuse_unusable(target, info)
        except DatabaseProblem as exc:
            fail(str(exc))

        generate = True
        if info.state is not SchemaState.MISSING:
            # Looked at read-only: demo never writes into real records.
            engine = open_readonly(target)
            try:
                found = demo_data.inspect_database(engine)
            finally:
                engine.dispose()
            if found.kind == "real":
                fail(_("{where} holds real records ({agents} accounts, {contacts} contacts); demo never writes "
                       "into it. Leave out --db and CSDESK_DB to use the demo database.").format(
                    where=target.shown, agents=found.agents, contacts=found.contacts))
            generate = found.kind == "empty" or found.kind == "demo_incomplete" or reset
            if found.kind == "demo_incomplete" and not reset:
                typer.echo(_("The demo data there was never finished; generating it again."))
            if found.kind in ("demo", "demo_incomplete") and generate:
                try:
                    demo_data.reset_database(engine)
                except OSError as exc:
                    fail(_("cannot remove the old demo data: {error}").format(error=exc))

        try:
            engine = open_database(target_value, create=True)
        except DatabaseProblem as exc:
            fail(str(exc))
        where = _where(engine)
        if generate:
            typer.echo(_("Generating demo data ({n} contacts) in {where} …").format(n=count, where=where))

            def progress(message: str) -> None:
                typer.echo(f"  … {message}", err=True)

            try:
                summary = demo_data.generate(engine, count, seed=seed_value,
                                             progress=progress if count >= 50_000 else None)
            except demo_data.DemoError as exc:
                fail(str(exc))
            except Exception as exc:  # disk full, locked database …: one line, no traceback
                fail(_("demo data could not be written: {error}").format(error=exc))
            counts = summary.counts
            typer.echo(_("Generated {contacts} contacts, {orders} work orders, {customers} customers "
                         "and {callbacks} call-backs in {seconds:.1f} s.").format(
                contacts=counts.get("contact", 0), orders=counts.get("workorder", 0),
                customers=counts.get("customer", 0), callbacks=counts.get("callback", 0),
                seconds=summary.seconds))
        else:
            typer.echo(_("Reopened the demo data made earlier ({contacts} contacts); --reset generates it "
                         "again.").format(contacts=found.contacts))
        engine.dispose()

        from csdesk.domain import Role

        typer.echo(_("Demo database: {where}").format(where=where))
        typer.echo(_("Demo accounts (password: {password}):").format(password=demo_data.DEMO_PASSWORD))
        for staff_no, role in demo_data.DEMO_ACCOUNTS:
            typer.echo(f"  {staff_no}  {Role(role).label}")
        if no_tui:
            return
        from csdesk.cli import launch_console

        launch_console(db=target_value, demo=True)
