"""The ``csdesk`` command (Typer).

``csdesk`` alone opens the console; subcommands serve scripts and the manager.
Only the console imports Textual, and only when it is launched: ``--help``,
``db check``, ``intake`` and exports stay light.  The CLI modules do not use
``from __future__ import annotations``: Typer would then ``eval`` every
annotation string when it builds the commands, 20 ms of every invocation.  User errors print one line on
stderr and exit non-zero, never a traceback.
"""


from typing import Annotated

import typer

from csdesk.cli import common
from csdesk.cli.common import DbOption, fail
from csdesk.i18n import _
from csdesk.launch import SCREENS, apply_language, launch_console, open_console  # noqa: F401  (launch_console: demo)

app = typer.Typer(
    name="csdesk",
    help="csdesk: the front-desk console of a service centre.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)



@app.callback(invoke_without_command=True)
def console(
    ctx: typer.Context,
    db: DbOption = None,
    agent: Annotated[str | None, typer.Option("--agent", help="Staff number to prefill at login.")] = None,
    screen: Annotated[str | None, typer.Option("--screen", help="Screen to open: intake, log, orders, handover.")] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="Caller ID: open intake with this caller recognised.")] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="Language: zh_CN or en.")] = None,
) -> None:
    """Open the console (the default when no command is given)."""
    apply_language(lang)
    ctx.obj = common.CliState(db=db, lang=lang)
    if ctx.invoked_subcommand is not None:
        return
    if screen is not None and screen not in SCREENS:
        fail(_("unknown screen {screen!r}; choose one of: {choices}").format(
            screen=screen, choices=", ".join(SCREENS)))
    open_console({"db": db, "agent": agent, "screen": screen, "phone": phone, "lang": lang})


def _register_subcommands() -> None:
    from csdesk.cli import (
        accounts_cmd,
        audit_cmd,
        backup_cmd,
        db_cmd,
        demo,
        handover_cmd,
        init_cmd,
        intake,
        log,
        orders_cmd,
        tick_cmd,
    )

    for module in (init_cmd, accounts_cmd, db_cmd, backup_cmd, demo, intake, log, orders_cmd, audit_cmd, tick_cmd,
                   handover_cmd):
        module.register(app)
    _register_complaints_and_visits()


def _register_complaints_and_visits() -> None:
    from csdesk.cli import complaints_cmd, visits_cmd

    for module in (complaints_cmd, visits_cmd):
        module.register(app)


_register_subcommands()


def main() -> None:
    """Entry point of the Typer app (``csdesk.launch.main`` calls it for everything but a plain launch)."""
    app()
