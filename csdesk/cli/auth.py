"""Who is running a command: the CLI acts as an authenticated agent.

Commands that show full numbers, export, read the audit log or change
accounts ask for the staff password (a prompt, or ``CSDESK_PASSWORD`` for
scripts), and everything the CLI writes is audited under that agent.  The
staff number comes from ``--as`` (``--agent`` where that is not a filter) or
``CSDESK_AGENT``.  For a local SQLite file the operating-system owner of the
file remains the real security boundary: whoever can read the file can read
the data; these checks keep honest people honest and leave a trace.
"""


import os
from typing import Annotated

import typer

from csdesk.cli.common import fail
from csdesk.i18n import _

AsOption = Annotated[str | None, typer.Option(
    "--as", "--agent", envvar="CSDESK_AGENT", help="Your staff number (or CSDESK_AGENT).")]
AsOnlyOption = Annotated[str | None, typer.Option(
    "--as", envvar="CSDESK_AGENT", help="Your staff number (or CSDESK_AGENT).")]


def _need(staff_no: str | None) -> str:
    staff_no = (staff_no or "").strip()
    if not staff_no:
        fail(_("give your staff number: --as STAFFNO (or CSDESK_AGENT)"))
    return staff_no


def identified(engine, staff_no: str | None):
    """The active account named by ``staff_no`` (no password): for acts any agent may do unattended,
    such as recording a contact from a phone system."""
    from csdesk.services.accounts import get_agent
    from csdesk.services.database import read_session

    staff_no = _need(staff_no)
    with read_session(engine) as session:
        actor = get_agent(session, staff_no)
    if actor is None or not actor.active:
        fail(_("no active agent with staff number {staff_no}").format(staff_no=staff_no))
    return actor


def authenticated(engine, staff_no: str | None, *, purpose: str = "cli"):
    """The account named by ``staff_no``, after its password (prompted, or ``CSDESK_PASSWORD``).

    The attempt is recorded whatever its result, and five failures lock the account as at the console.
    """
    from csdesk.services.accounts import LoginFailed, authenticate
    from csdesk.services.database import write_session

    staff_no = _need(staff_no)
    password = os.environ.get("CSDESK_PASSWORD")
    if password is None:  # asked whether or not the account exists: the prompt tells a guesser nothing
        try:
            password = typer.prompt(_("Password for {staff_no}").format(staff_no=staff_no), hide_input=True,
                                    err=True)  # on stderr: stdout carries only the data (--format)
        except typer.Abort:
            fail(_("no password given"))
    failure = None
    with write_session(engine) as session:
        try:
            actor = authenticate(session, staff_no, password, purpose=purpose)
        except LoginFailed as exc:
            failure = str(exc)  # the failed attempt is committed with the session
    if failure is not None:
        fail(failure)
    return actor
