"""``csdesk init``: create the database and the first manager account."""


from typing import Annotated

import typer

from csdesk.cli.common import DbOption, fail, open_db, where
from csdesk.cli.localise import prompt_twice
from csdesk.i18n import _


def register(app: typer.Typer) -> None:
    @app.command("init")
    def init(
        ctx: typer.Context,
        db: DbOption = None,
        staff_no: Annotated[str | None, typer.Option("--staff-no", help="Staff number of the first manager.")] = None,
        name: Annotated[str | None, typer.Option("--name", help="Name of the first manager.")] = None,
        password: Annotated[str | None, typer.Option("--password", help="Password (prompted when omitted).")] = None,
    ) -> None:
        """Create the database and the first manager account."""
        from csdesk.domain import Role
        from csdesk.services.accounts import AccountError, add_agent, count_agents
        from csdesk.store.engine import read_session, write_session

        engine = open_db(ctx, db, create=True)
        with read_session(engine) as session:
            if count_agents(session):
                typer.echo(_("The database is ready at {path}; it already has accounts.").format(path=where(engine)))
                return
        try:
            staff_no = staff_no or typer.prompt(_("Staff number of the first manager"))
            name = name or typer.prompt(_("Name"))
            password = password or prompt_twice(_("Password"))
        except typer.Abort:
            fail(_("no manager account created"))
        try:
            with write_session(engine) as session:
                agent = add_agent(session, None, staff_no, name, password, Role.MANAGER)
        except AccountError as exc:
            fail(str(exc))
        typer.echo(_("Created the database at {path} and manager {staff_no} {name}.").format(
            path=where(engine), staff_no=agent.staff_no, name=agent.name))
