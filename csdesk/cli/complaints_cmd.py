"""``csdesk complaint``: the complaint tracking record from scripts.

``list`` (views open, mine, overdue, closed this month, all; searched like the
register), ``show`` (the record in the handbook's layout: text, HTML, PDF or
JSON), ``export`` (CSV/XLSX), and the supervisor's steps ``take``, ``plan``,
``call``, ``respond``, ``close``, and ``about`` (the staff member complained about: a
technician picked from the roster, or an agent), each recorded with who and when (``--at``
enters a step after the fact).  The same rules as the console: complaints are
worked by supervisors, and every command asks for the staff password (a prompt
or ``CSDESK_PASSWORD``) of ``--as STAFFNO``.
"""


import sys
from pathlib import Path
from typing import Annotated

import typer

from csdesk.cli.auth import AsOnlyOption, authenticated
from csdesk.cli.common import DbOption, fail, open_db
from csdesk.cli.output import FormatOption, emit
from csdesk.i18n import _

AtOption = Annotated[str | None, typer.Option(
    "--at", help="When it happened, for a step entered after the fact (YYYY-MM-DD HH:MM[:SS], local time).")]
NumberArgument = Annotated[str, typer.Argument(help="The complaint's number (CP20261122-0003).")]
TextArgument = Annotated[str, typer.Argument(help="The text ('-' reads it from standard input).")]


def columns(pairs: list[tuple[str, str]]) -> list:
    """(key, header) pairs as the listing helper's columns."""
    from csdesk.cli.output import Column

    return [Column(key, header) for key, header in pairs]


def parse_at(value: str | None, option: str = "--at"):
    """A local date and time (``2023-10-28 10:15:00``), aware; None when not given."""
    if value is None:
        return None
    from datetime import datetime

    from csdesk.clock import local_tz
    from csdesk.domain.text import quote_input

    message = _('{option}: not a date and time "{value}"; use YYYY-MM-DD HH:MM').format(
        option=option, value=quote_input(value))
    try:
        when = datetime.fromisoformat(value.strip().replace("/", "-")) if len(value) <= 40 else None
    except ValueError:
        when = None
    if when is None or not 1900 <= when.year <= 2100:
        fail(message)
    return when if when.tzinfo else when.replace(tzinfo=local_tz())


def _text(value: str) -> str:
    """The text argument ('-': standard input), checked as the console would (the service cleans it)."""
    return sys.stdin.read() if value == "-" else value


def _run(engine, fn):
    """Run ``fn(session)`` in a write session; desk errors as one line."""
    from csdesk.domain.errors import DeskError, Invalid
    from csdesk.services.database import write_session

    try:
        with write_session(engine) as session:
            return fn(session)
    except Invalid as exc:
        fail("; ".join(f"{k.replace('_', '-')}: {v}" for k, v in exc.errors.items()).replace("\n", " "))
    except DeskError as exc:
        fail(str(exc))


def _complaint_id(session, number: str) -> int:
    from csdesk.services.complaints import find_id

    found = find_id(session, number)
    if found is None:
        fail(_("no complaint numbered {number}").format(number=number.strip()[:40]))
    return found


def register(app: typer.Typer) -> None:
    cp = typer.Typer(help="Complaints: the tracking record (客诉处理跟踪表) worked to its close.", no_args_is_help=True)
    app.add_typer(cp, name="complaint")

    @cp.command("list")
    def list_(
        ctx: typer.Context,
        view: Annotated[str, typer.Option("--view", help="open, mine, overdue, closed (this month) or all.")] = "open",
        search: Annotated[str, typer.Option("--search", help="Number, phone, last 4 digits, unit, name, initials or words.")] = "",
        limit: Annotated[int, typer.Option("--limit", min=1, max=10000, help="Rows to print.")] = 200,
        fmt: FormatOption = None,
        as_: AsOnlyOption = None,
        db: DbOption = None,
    ) -> None:
        """List the complaints of a view."""
        from csdesk.clock import fmt as fmt_time
        from csdesk.domain.errors import DeskError
        from csdesk.services import complaints as svc
        from csdesk.services.database import read_session

        engine = open_db(ctx, db)
        actor = authenticated(engine, as_)
        try:
            with read_session(engine) as session:
                found = svc.list_complaints(session, actor, view.strip().lower(), search=search, limit=limit)
        except DeskError as exc:
            fail(str(exc).replace("view: ", "--view: "))
        rows = [{"number": r.number, "status": _status(r.status), "complained_at": fmt_time(r.complained_at),
                 "customer": r.customer_name, "contact": r.contact, "about": r.about, "order": r.order_ref,
                 "supervisor": r.supervisor_staff_no, "due_at": fmt_time(r.due_at),
                 "due": _due(r), "calls": r.calls, "closed_at": fmt_time(r.closed_at)} for r in found.rows]
        cols = [("number", _("Number")), ("status", _("Status")), ("complained_at", _("Complained at")),
                   ("customer", _("Customer")), ("contact", _("Contact")), ("about", _("About")),
                   ("order", _("Order concerned")), ("supervisor", _("Supervisor")), ("due_at", _("Reply due")),
                   ("due", _("Deadline")), ("calls", _("Calls")), ("closed_at", _("Closed"))]
        emit(rows, columns(cols), fmt, title=_("Complaints: {view}").format(view=view),
             note=_("{shown} of {total} shown.").format(shown=len(rows), total=found.total) if rows else "")

    @cp.command("show")
    def show(
        ctx: typer.Context,
        number: NumberArgument,
        fmt: Annotated[str, typer.Option("--format", help="text, html, pdf or json.")] = "text",
        output: Annotated[Path | None, typer.Option("-o", "--output", help="File to write (needed for pdf).")] = None,
        as_: AsOnlyOption = None,
        db: DbOption = None,
    ) -> None:
        """Print one tracking record in the handbook's layout."""
        import json

        from csdesk.domain.text import quote_input
        from csdesk.services import complaint_print as cpr
        from csdesk.services import complaints as svc
        from csdesk.services.database import read_session

        if fmt.strip().lower() not in ("text", "html", "pdf", "json"):
            fail(_('--format: unknown format "{value}"; choose one of: {choices}').format(
                value=quote_input(fmt), choices="text, html, pdf, json"))
        fmt = fmt.strip().lower()
        if fmt == "pdf" and output is None:
            fail(_("--format pdf needs -o FILE"))
        if output is not None and not output.parent.exists():
            fail(_("the folder {folder} does not exist").format(folder=output.parent))
        engine = open_db(ctx, db)
        actor = authenticated(engine, as_)
        with read_session(engine) as session:
            record = svc.get_record(session, _complaint_id(session, number), actor)
        if fmt == "json":
            body = json.dumps({"number": record.number, **cpr.values(record),
                               "steps": [dict(zip(("at", "staff_no", "step", "note"), s, strict=True))
                                         for s in cpr.steps_of(record)]}, ensure_ascii=False, indent=1) + "\n"
        elif fmt == "text":
            body = cpr.as_text([record])
        elif fmt == "html":
            body = cpr.as_html([record])
        else:
            body = None
        try:
            if fmt == "pdf":
                cpr.as_pdf([record], output)
            elif output is not None:
                output.write_text(body, encoding="utf-8")
            else:
                sys.stdout.write(body)
        except OSError as exc:
            fail(_("cannot write {path}: {error}").format(path=output, error=exc.strerror or exc))
        if output is not None or fmt != "json":
            _run(engine, lambda s: svc.record_output(s, actor, [record.id], fmt, str(output or "-")))
        if output is not None:
            typer.echo(_("Wrote {path}").format(path=output))

    @cp.command("export")
    def export(
        ctx: typer.Context,
        output: Annotated[Path | None, typer.Option(
            "-o", "--output",
            help="File to write (.csv or .xlsx); default: a dated file in your documents folder.")] = None,
        view: Annotated[str, typer.Option("--view", help="open, mine, overdue, closed (this month) or all.")] = "all",
        search: Annotated[str, typer.Option("--search", help="As in the search box.")] = "",
        fmt_name: Annotated[str | None, typer.Option("--format", help="csv or xlsx (default: from the file name).")] = None,
        as_: AsOnlyOption = None,
        db: DbOption = None,
    ) -> None:
        """Export complaints in the handbook's layout, one row each, to CSV (UTF-8) or XLSX."""
        from csdesk.domain.errors import DeskError
        from csdesk.services import complaint_print as cpr
        from csdesk.services import complaints as svc
        from csdesk.services import export as ex
        from csdesk.services.database import read_session

        try:
            if output is None:  # the user's documents (or downloads) folder, never the working directory
                from csdesk.clock import now, to_local

                output = ex.default_path(to_local(now()).strftime("complaints-%Y%m%d-%H%M"),
                                         ex.guess_format("", fmt_name) if fmt_name else "xlsx")
            fmt = ex.guess_format(output, fmt_name)
        except ValueError as exc:
            fail(str(exc))
        if not output.parent.exists():
            fail(_("the folder {folder} does not exist").format(folder=output.parent))
        engine = open_db(ctx, db)
        actor = authenticated(engine, as_)
        try:
            with read_session(engine) as session:
                found = svc.list_complaints(session, actor, view.strip().lower(), search=search, limit=100_000,
                                            count=False)
                ids = [r.id for r in found.rows]
                records = [svc.get_record(session, i, actor) for i in ids]
                result = ex.write(output, cpr.export_headers(), cpr.export_rows(records), fmt=fmt,
                                  title=_("Complaints"),  # published once its audit row is committed
                                  audit=lambda r: _run(engine, lambda s: svc.record_output(s, actor, ids, fmt,
                                                                                           str(output))))
        except DeskError as exc:
            fail(str(exc))
        except OSError as exc:
            fail(_("cannot write {path}: {error}").format(path=output, error=exc.strerror or exc))
        typer.echo(_("Exported {n} rows to {path}").format(n=result.rows, path=output))

    def step(name: str, doc: str, fn_name: str, needs_text: bool = True) -> None:
        if needs_text:
            def command(ctx: typer.Context, number: NumberArgument, text: TextArgument, at: AtOption = None,
                        reassign: Annotated[bool, typer.Option("--reassign", help="Take it over from another supervisor.")] = False,
                        as_: AsOnlyOption = None, db: DbOption = None) -> None:
                _step(ctx, db, as_, number, fn_name, _text(text), at, reassign)
        else:
            def command(ctx: typer.Context, number: NumberArgument, at: AtOption = None,
                        note: Annotated[str, typer.Option("--note", help="A note on the close.")] = "",
                        reassign: Annotated[bool, typer.Option("--reassign", help="Take it over from another supervisor.")] = False,
                        as_: AsOnlyOption = None, db: DbOption = None) -> None:
                _step(ctx, db, as_, number, fn_name, note, at, reassign)
        command.__doc__ = doc
        cp.command(name)(command)

    @cp.command("about")
    def about(
        ctx: typer.Context,
        number: NumberArgument,
        who: Annotated[str, typer.Argument(help="A technician of the roster (code or name, see `csdesk technician list`) or an agent's staff number; '' for nobody.")],
        kind: Annotated[str, typer.Option("--kind", help="technician or agent (default: an agent if WHO is a staff number, else a technician of the roster).")] = "",
        as_: AsOnlyOption = None,
        db: DbOption = None,
    ) -> None:
        """Name the staff member the complaint is about (a technician is picked from the roster)."""
        from csdesk.services import complaints as svc

        engine = open_db(ctx, db)
        actor = authenticated(engine, as_)
        record = _run(engine, lambda session: svc.amend(session, actor, _complaint_id(session, number),
                                                        about_staff_kind=kind, about_staff=who))
        typer.echo(_("{number}: about {staff}.").format(
            number=record.number, staff=record.about_staff_name or _("nobody")))

    step("take", "Take the complaint on (acknowledges its escalation).", "take", needs_text=False)
    step("plan", "Write the supervisor's plan.", "write_plan")
    step("call", "Record a call to the customer (the first one is the reply).", "record_call")
    step("respond", "Record the customer's response.", "record_response")
    step("close", "Close the complaint (it needs its plan and the customer's response).", "close", needs_text=False)


def _step(ctx, db, as_, number: str, fn_name: str, text: str, at: str | None, reassign: bool) -> None:
    from csdesk.clock import fmt
    from csdesk.services import complaints as svc

    when = parse_at(at)
    engine = open_db(ctx, db)
    actor = authenticated(engine, as_)

    def act(session):
        cid = _complaint_id(session, number)
        fn = getattr(svc, fn_name)
        if fn_name == "take":
            return fn(session, actor, cid, at=when, reassign=reassign)
        if fn_name == "close":
            return fn(session, actor, cid, at=when, note=text, reassign=reassign)
        return fn(session, actor, cid, text, at=when, reassign=reassign)

    record = _run(engine, act)
    last = record.events[-1] if record.events else None
    typer.echo(_("{number}: {step} by {staff_no} at {when}; status {status}.").format(
        number=record.number, step=last.label if last else "", staff_no=actor.staff_no,
        when=fmt(last.at) if last else "", status=_status(record.status)))


def _status(value: str) -> str:
    from csdesk.domain import ComplaintStatus

    try:
        return ComplaintStatus(value).label
    except ValueError:
        return value


def _due(row) -> str:
    from csdesk.domain.rules import DueState

    state = row.due_state()
    return {DueState.OVERDUE: _("overdue"), DueState.DUE_SOON: _("due soon")}.get(state, "")
