"""The ``csdesk`` entry point, and the launch of the console.

``csdesk`` with console options only (``--db``, ``--agent``, ``--screen``,
``--phone``, ``--lang``) is what the desk runs many times a day, and its
start-up is a budget (the login screen painted within 1.3 × a bare Textual
app).  That plain launch is read here with :mod:`argparse` and goes straight to
the console; everything else (subcommands, ``--help``, anything argparse does
not take cleanly, such as a bad ``--screen``) goes to the Typer app in
:mod:`csdesk.cli`, which owns the command line, its help and its errors.
Building the Typer app costs about 40 ms that the plain launch does not need.
``tests/test_cli.py`` checks that both accept the same console options.
"""

from __future__ import annotations

import os
import sys

SCREENS = ("intake", "log", "orders", "handover")
CONSOLE_OPTIONS = ("--db", "--agent", "--screen", "--phone", "--lang")


def plain_console_launch(argv: list[str]) -> dict[str, str | None] | None:
    """The console options of ``argv`` if it is a plain, well-formed console launch; else None."""
    if argv and (not argv[0].startswith("--") or "--help" in argv):
        return None  # a subcommand or help: Typer's, without loading argparse first
    import argparse

    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False, exit_on_error=False)
    for option in CONSOLE_OPTIONS:
        parser.add_argument(option)
    try:
        known, rest = parser.parse_known_args(argv)
    except argparse.ArgumentError:
        return None
    if rest or (known.screen is not None and known.screen not in SCREENS):
        return None
    return vars(known)


def launch_console(*, db: str | None, agent: str | None = None, screen: str | None = None,
                   phone: str | None = None, demo: bool = False, view: str | None = None) -> None:
    """Run the Textual console (Textual is imported here, never by CLI-only commands).

    ``view``: what the start screen shows first (``review``: the handover review,
    for ``csdesk handover review``).
    """
    forced = os.environ.get("CSDESK_FORCE_TUI", "").lower() in ("1", "true", "yes", "on")
    if not (sys.stdin.isatty() and sys.stdout.isatty()) and not forced:
        from csdesk.i18n import _

        print("csdesk: " + _("the console needs a terminal; use --no-tui or a subcommand in scripts"),
              file=sys.stderr)
        raise SystemExit(2)
    problem = preflight(db)
    if problem is not None:
        print(f"csdesk: {problem}", file=sys.stderr)
        raise SystemExit(2)
    from screens.app import CsdeskApp

    app = CsdeskApp(db=db, agent=agent, screen=screen, phone=phone, demo=demo)
    app.start_view = view
    app.run()
    if app.return_code:
        raise SystemExit(app.return_code)


def preflight(db: str | None) -> str | None:
    """What the console refuses before Textual starts, as one line (None: go ahead).

    Cheap checks only, about 15 ms (no pydantic, no SQLAlchemy, not even SQLite):
    the configuration file is TOML and names a known time zone; the database named
    (``--db``, ``CSDESK_DB`` or ``db`` in the configuration) is a usable path to a
    SQLite file, or missing at the default location (the console's first start
    creates it there, nowhere else).  What needs SQLite (another program's
    database, a newer schema) is told on the login screen; values out of range
    are found behind it too, and the console then closes with the same one line.
    """
    from csdesk.config import check_config_file
    from csdesk.domain.errors import DeskError
    from csdesk.store.dbfile import check_file, resolve_target

    try:
        configured = check_config_file().get("db")
        target = resolve_target(db or (configured if isinstance(configured, str) else None))
        exists = check_file(target).exists
    except DeskError as exc:
        return str(exc)
    if not exists and not target.default:
        from csdesk.i18n import _

        return _("there is no csdesk database at {path}; check the path ('csdesk init' creates a database)").format(
            path=target.shown)
    return None


def apply_language(cli_lang: str | None) -> str:
    """Install the language decided by ``--lang``, then configuration, then the locale."""
    from csdesk.i18n import configured_language, resolve_language, set_language

    return set_language(resolve_language(cli_lang, configured_language()))


def open_console(options: dict[str, str | None]) -> None:
    """Set the language and open the console with the parsed console options."""
    apply_language(options.get("lang"))
    screen, phone = options.get("screen"), options.get("phone")
    if phone is not None and screen is None:
        screen = "intake"
    launch_console(db=options.get("db") or os.environ.get("CSDESK_DB") or None, agent=options.get("agent"),
                   screen=screen, phone=phone)


def main() -> None:
    from csdesk.paths import private_umask

    private_umask()  # the database, its -wal/-shm, backups, exports, logs: the owner's alone
    options = plain_console_launch(sys.argv[1:])
    if options is not None:
        open_console(options)
        return
    from csdesk.cli import main as cli_main

    cli_main()
