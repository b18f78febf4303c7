"""``csdesk agent add|list|passwd|deactivate``."""


from datetime import date
from typing import Annotated

import typer

from csdesk.cli.common import DbOption, fail, open_db
from csdesk.i18n import _


def register(app: typer.Typer) -> None:
    agent_app = typer.Typer(help="Manage agent accounts.", no_args_is_help=True)
    app.add_typer(agent_app, name="agent")

    @agent_app.command("add")
    def add(
        ctx: typer.Context,
        staff_no: Annotated[str, typer.Argument(help="Staff number (工号).")],
        name: Annotated[str, typer.Option("--name", help="Full name.")],
        role: Annotated[str, typer.Option("--role", help="agent, supervisor or manager.")] = "agent",
        password: Annotated[str | None, typer.Option("--password", help="Password (prompted when omitted).")] = None,
        hire_date: Annotated[str | None, typer.Option("--hire-date", help="YYYY-MM-DD (default: today).")] = None,
        db: DbOption = None,
    ) -> None:
        """Add an account."""
        from csdesk.domain import Role
        from csdesk.services.accounts import AccountError, add_agent
        from csdesk.store.engine import write_session

        try:
            parsed_role = Role.parse(role)
            hired = date.fromisoformat(hire_date) if hire_date else None
        except ValueError as exc:
            fail(str(exc))
        if password is None:
            password = typer.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
        engine = open_db(ctx, db)
        try:
            with write_session(engine) as session:
                agent = add_agent(session, staff_no, name, password, parsed_role, hired)
        except AccountError as exc:
            fail(str(exc))
        typer.echo(_("Added {role} {staff_no} {name}.").format(
            role=agent.role.label, staff_no=agent.staff_no, name=agent.name))

    @agent_app.command("list")
    def list_(ctx: typer.Context, db: DbOption = None) -> None:
        """List accounts."""
        from rich.console import Console
        from rich.table import Table

        from csdesk.services.accounts import list_agents
        from csdesk.store.engine import read_session

        engine = open_db(ctx, db)
        with read_session(engine) as session:
            agents = list_agents(session)
        table = Table(_("Staff no."), _("Name"), _("Role"), _("Active"), _("Hired"))
        for a in agents:
            table.add_row(a.staff_no, a.name, a.role.label, _("yes") if a.active else _("no"),
                          a.hire_date.isoformat() if a.hire_date else "")
        Console().print(table)

    @agent_app.command("passwd")
    def passwd(
        ctx: typer.Context,
        staff_no: Annotated[str, typer.Argument(help="Staff number.")],
        password: Annotated[str | None, typer.Option("--password", help="New password (prompted when omitted).")] = None,
        db: DbOption = None,
    ) -> None:
        """Change an account's password."""
        from csdesk.services.accounts import AccountError, set_password
        from csdesk.store.engine import write_session

        if password is None:
            password = typer.prompt(_("New password"), hide_input=True, confirmation_prompt=True)
        engine = open_db(ctx, db)
        try:
            with write_session(engine) as session:
                set_password(session, staff_no, password)
        except AccountError as exc:
            fail(str(exc))
        typer.echo(_("Password changed for {staff_no}.").format(staff_no=staff_no))

    @agent_app.command("deactivate")
    def deactivate(
        ctx: typer.Context,
        staff_no: Annotated[str, typer.Argument(help="Staff number.")],
        db: DbOption = None,
    ) -> None:
        """Deactivate an account (its records stay)."""
        from csdesk.services.accounts import AccountError, set_active
        from csdesk.store.engine import write_session

        engine = open_db(ctx, db)
        try:
            with write_session(engine) as session:
                set_active(session, staff_no, False)
        except AccountError as exc:
            fail(str(exc))
        typer.echo(_("Deactivated {staff_no}.").format(staff_no=staff_no))
