"""``csdesk agent add|list|passwd|role|deactivate|reactivate|unlock``.

Changing accounts is a manager's act: the manager names themselves with
``--as`` (or ``CSDESK_AGENT``) and gives their password (prompted, or
``CSDESK_PASSWORD``); every change is audited under them.  ``agent passwd``
changes one's own password, or (a manager) anyone's.
"""


from typing import Annotated

import typer

from csdesk.cli.auth import AsOnlyOption, authenticated
from csdesk.cli.common import DbOption, fail, open_db
from csdesk.cli.localise import prompt_twice
from csdesk.cli.output import FormatOption
from csdesk.i18n import _

StaffNoArgument = Annotated[str, typer.Argument(help="Staff number (工号).")]


def _new_password(password: str | None) -> str:
    from csdesk.services.accounts import AccountError, check_password

    if password is None:
        try:
            password = prompt_twice(_("New password"))
        except typer.Abort:
            fail(_("no password given"))
    try:
        check_password(password)
    except AccountError as exc:
        fail(str(exc))
    return password


def _account_or_fail(engine, staff_no: str):
    from csdesk.cli import parse
    from csdesk.services.accounts import AccountError, require_account
    from csdesk.services.database import read_session

    staff_no = parse.text(staff_no, _("staff number"), kind="name", limit=16)
    with read_session(engine) as session:
        try:
            return require_account(session, staff_no)
        except AccountError as exc:
            fail(str(exc))


def _change(engine, actor, change, *args):
    """Run an account change in one transaction; refusals and errors are one line."""
    from csdesk.domain.errors import DeskError
    from csdesk.services.database import write_session

    try:
        with write_session(engine) as session:
            return change(session, actor, *args)
    except DeskError as exc:
        fail(str(exc))


def register(app: typer.Typer) -> None:
    agent_app = typer.Typer(help="Manage agent accounts.", no_args_is_help=True)
    app.add_typer(agent_app, name="agent")

    @agent_app.command("add")
    def add(
        ctx: typer.Context,
        staff_no: StaffNoArgument,
        name: Annotated[str, typer.Option("--name", help="Full name.")],
        role: Annotated[str, typer.Option("--role", help="agent, supervisor or manager.")] = "agent",
        password: Annotated[str | None, typer.Option("--password", help="Password (prompted when omitted).")] = None,
        hire_date: Annotated[str | None, typer.Option("--hire-date", help="YYYY-MM-DD (default: today).")] = None,
        as_: AsOnlyOption = None,
        db: DbOption = None,
    ) -> None:
        """Add an account (a manager's act)."""
        from csdesk.cli import parse
        from csdesk.domain import Role
        from csdesk.services.accounts import AccountError, add_agent, check_account_fields

        staff_no = parse.text(staff_no, _("staff number"), kind="name", limit=16)
        name = parse.text(name, "--name", kind="name", limit=32)
        parsed_role = parse.choice(Role, role, "--role")
        hired = parse.day(hire_date, "--hire-date")
        try:
            check_account_fields(staff_no, name)
        except AccountError as exc:
            fail(str(exc))
        engine = open_db(ctx, db)
        actor = authenticated(engine, as_)
        password = _new_password(password)
        agent = _change(engine, actor, add_agent, staff_no, name, password, parsed_role, hired)
        typer.echo(_("Added {role} {staff_no} {name}.").format(
            role=agent.role.label, staff_no=agent.staff_no, name=agent.name))

    @agent_app.command("list")
    def list_(ctx: typer.Context, db: DbOption = None, fmt_name: FormatOption = None) -> None:
        """List accounts (a table on a terminal, TSV when piped)."""
        from csdesk.services.accounts import list_agents
        from csdesk.services.database import read_session

        engine = open_db(ctx, db)
        with read_session(engine) as session:
            agents = list_agents(session)
        from csdesk.cli.output import Column, emit

        rows = ((a.staff_no, a.name, a.role.label, _("yes") if a.active else _("no"),
                 a.hire_date.isoformat() if a.hire_date else "") for a in agents)
        emit(rows, [Column("staff_no", _("Staff no."), fixed=True), Column("name", _("Name")),
                    Column("role", _("Role")), Column("active", _("Active")), Column("hired", _("Hired"))],
             fmt_name)

    @agent_app.command("passwd")
    def passwd(
        ctx: typer.Context,
        staff_no: StaffNoArgument,
        password: Annotated[str | None, typer.Option("--password", help="New password (prompted when omitted).")] = None,
        as_: AsOnlyOption = None,
        db: DbOption = None,
    ) -> None:
        """Change a password: your own, or (a manager) anyone's."""
        from csdesk.services.accounts import set_password

        engine = open_db(ctx, db)
        target = _account_or_fail(engine, staff_no)  # checked before any prompt
        actor = authenticated(engine, as_ or target.staff_no)
        password = _new_password(password)
        _change(engine, actor, set_password, target.staff_no, password)
        typer.echo(_("Password changed for {staff_no}.").format(staff_no=target.staff_no))

    @agent_app.command("role")
    def role_(
        ctx: typer.Context,
        staff_no: StaffNoArgument,
        role: Annotated[str, typer.Argument(help="agent, supervisor or manager.")],
        as_: AsOnlyOption = None,
        db: DbOption = None,
    ) -> None:
        """Change an account's role (a manager's act)."""
        from csdesk.cli import parse
        from csdesk.domain import Role
        from csdesk.services.accounts import set_role

        parsed = parse.choice(Role, role, "ROLE")
        engine = open_db(ctx, db)
        target = _account_or_fail(engine, staff_no)
        actor = authenticated(engine, as_)
        agent = _change(engine, actor, set_role, target.staff_no, parsed)
        typer.echo(_("{staff_no} is now {role}.").format(staff_no=agent.staff_no, role=agent.role.label))

    def _set_active(ctx: typer.Context, staff_no: str, as_: str | None, db: str | None, active: bool) -> None:
        from csdesk.services.accounts import set_active

        engine = open_db(ctx, db)
        target = _account_or_fail(engine, staff_no)
        actor = authenticated(engine, as_)
        _change(engine, actor, set_active, target.staff_no, active)
        message = _("Reactivated {staff_no}.") if active else _("Deactivated {staff_no}.")
        typer.echo(message.format(staff_no=target.staff_no))

    @agent_app.command("deactivate")
    def deactivate(ctx: typer.Context, staff_no: StaffNoArgument, as_: AsOnlyOption = None,
                   db: DbOption = None) -> None:
        """Deactivate an account (its records stay; a manager's act)."""
        _set_active(ctx, staff_no, as_, db, False)

    @agent_app.command("reactivate")
    def reactivate(ctx: typer.Context, staff_no: StaffNoArgument, as_: AsOnlyOption = None,
                   db: DbOption = None) -> None:
        """Reactivate a deactivated account (a manager's act)."""
        _set_active(ctx, staff_no, as_, db, True)

    @agent_app.command("unlock")
    def unlock(ctx: typer.Context, staff_no: StaffNoArgument, as_: AsOnlyOption = None,
               db: DbOption = None) -> None:
        """Lift the lock after five failed logins (a manager's act)."""
        from csdesk.services.accounts import unlock_account

        engine = open_db(ctx, db)
        target = _account_or_fail(engine, staff_no)
        actor = authenticated(engine, as_)
        _change(engine, actor, unlock_account, target.staff_no)
        typer.echo(_("Unlocked {staff_no}.").format(staff_no=target.staff_no))
