"""``csdesk handover`` and ``csdesk problems``: the supervisor's morning review and the problem log.

- ``csdesk handover review``: the console, opened straight on the review (login first).
- ``csdesk handover show --date 2026-11-21 --shift night``: that shift's signed-off pages
  as a Rich document; ``--format md|html|pdf -o FILE`` writes a file instead.  A
  supervisor's act, with their password (``--as``, ``CSDESK_PASSWORD``); recorded.
- ``csdesk problems list --week``: the week's problem log and service tally (everyone's
  for a supervisor, one's own for an agent); ``csdesk problems add``: a quick entry.
"""


from datetime import date
from typing import Annotated

import typer

from csdesk.cli.auth import AsOnlyOption, authenticated, identified
from csdesk.cli.common import DbOption, fail, open_db, resolve_db
from csdesk.cli.output import FormatOption
from csdesk.i18n import _

DateOption = Annotated[str | None, typer.Option("--date", help="The day (YYYY-MM-DD, local time; default today).")]


def _day(value: str | None, option: str = "--date") -> date:
    """``--date``, read as every command reads a day; today (local) when not given."""
    from csdesk.cli import parse
    from csdesk.clock import local_tz, now

    return parse.day(value, option) or now().astimezone(local_tz()).date()


def _render(doc) -> None:
    """The document on the terminal (Rich); customers' words are never read as markup."""
    from rich.console import Console, Group
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text as RichText

    from csdesk.domain.text import printable
    from csdesk.services import handover_doc as hd

    def Text(value, **kw):  # stored words are shown, never obeyed: controls escaped, never markup
        return RichText(printable(value or "", keep="\n"), **kw)

    console = Console()
    console.print(Text(doc.title, style="bold"))
    if not doc.pages:
        console.print(_("No handover was signed off for this shift."))
        return
    for page in doc.pages:
        facts = Table.grid(padding=(0, 2))
        facts.add_column(style="bold")
        facts.add_column()
        for label, value in hd.page_facts(page):
            facts.add_row(label, Text(value))
        parts = [facts]
        for label, cells in hd.rows(page, doc.full_phones):
            table = Table(title=label, title_justify="left", expand=True, show_lines=True)
            for header in hd.headers():
                table.add_column(header, overflow="fold")
            for row in cells:
                table.add_row(*(Text(c) for c in row))
            parts.append(table)
        remarks = hd.remark_lines(page)
        if remarks:
            parts.append(Text(_("Remarks"), style="bold"))
            parts += [Text(line) for line in remarks]
        console.print(Panel(Group(*parts), title=Text(f"{page.author_staff_no} {page.author_name}")))


def _tally(summary, fmt) -> None:
    from csdesk.cli.output import Column, emit

    emit([(a.staff_no, a.name, a.problems, a.ideas, a.contacts, a.customers, a.converted) for a in summary.agents],
         [Column("staff_no", _("Staff no."), fixed=True), Column("name", _("Name")),
          Column("problems", _("Problems"), fixed=True, justify="right"),
          Column("ideas", _("Ideas"), fixed=True, justify="right"),
          Column("contacts", _("Contacts"), fixed=True, justify="right"),
          Column("customers", _("Customers"), fixed=True, justify="right"),
          Column("converted", _("Converted"), fixed=True, justify="right")],
         fmt, title=_("Week {first} – {last}").format(first=summary.first, last=summary.last))


def register(app: typer.Typer) -> None:
    handover = typer.Typer(help="The handover notebook: the supervisor's review, printed shifts.",
                           no_args_is_help=True, rich_markup_mode=None)
    app.add_typer(handover, name="handover")

    @handover.command("review")
    def review(
        ctx: typer.Context,
        db: DbOption = None,
        agent: Annotated[str | None, typer.Option("--agent", help="Staff number to prefill at login.")] = None,
    ) -> None:
        """Open the console straight on the handover review (log in as a supervisor)."""
        import os

        from csdesk.launch import launch_console

        launch_console(db=resolve_db(ctx, db) or os.environ.get("CSDESK_DB") or None, agent=agent,
                       screen="handover", view="review")

    @handover.command("show")
    def show(
        ctx: typer.Context,
        day: DateOption = None,
        shift: Annotated[str, typer.Option("--shift", help="Shift code: day, night, regular (or its name).")] = "night",
        fmt_name: Annotated[str | None, typer.Option("--format", help="md, html or pdf (needs -o).")] = None,
        output: Annotated[str | None, typer.Option("-o", "--output", help="File to write.")] = None,
        full: Annotated[bool, typer.Option("--full", help="Full phone numbers (supervisors).")] = False,
        as_: AsOnlyOption = None,
        db: DbOption = None,
    ) -> None:
        """Print one shift's handover pages (a supervisor's act, with the password)."""
        from csdesk.cli import parse
        from csdesk.domain.errors import DeskError
        from csdesk.services import handover as ho
        from csdesk.services import handover_doc as hd
        from csdesk.services.audit import Action, record
        from csdesk.services.database import read_session, write_session

        when = _day(day)
        output = parse.path(output, "--output")
        shift = parse.text(shift, "--shift", limit=32, required=True)
        if fmt_name is not None:
            fmt_name = fmt_name.strip().lower()
        if fmt_name is not None and fmt_name not in hd.FORMATS:
            fail(_("--format: choose one of: {choices}").format(choices=", ".join(hd.FORMATS)))
        if output is not None and fmt_name is None:
            fmt_name = output.suffix.lstrip(".").lower()
            if fmt_name == "markdown":
                fmt_name = "md"
            if fmt_name not in hd.FORMATS:
                fail(_("--format: choose one of: {choices}").format(choices=", ".join(hd.FORMATS)))
        if fmt_name is not None and output is None:
            fail(_("--format {fmt} needs -o FILE").format(fmt=fmt_name))
        if output is not None and not output.parent.exists():
            fail(_("the folder {folder} does not exist").format(folder=output.parent))
        engine = open_db(ctx, db)
        actor = authenticated(engine, as_)
        with read_session(engine) as session:
            choices = ho.shift_choices(session)
            code = next((c for c, name in choices if shift.strip() in (c, name) or shift.strip().lower() == name.lower()),
                        shift.strip())
            name = dict(choices).get(code, code)
            try:
                pages = ho.occurrence(session, actor, when, code)
            except DeskError as exc:
                fail(str(exc))
        doc = hd.Doc(hd.title(when, name), tuple(pages), full_phones=full and actor.is_supervisor)
        if output is None:
            _render(doc)
            return
        try:
            part = hd.write_part(doc, output, fmt_name)
        except OSError as exc:
            fail(_("cannot write {path}: {error}").format(path=output, error=exc.strerror or exc))
        try:  # published only once the export is recorded
            with write_session(engine) as session:
                record(session, actor, Action.EXPORT, "handover", pages[0].id if pages else None,
                       detail=f"handover {when} {code} {fmt_name} {output} pages={len(pages)} full={doc.full_phones}")
            part.replace(output)
        except Exception as exc:
            part.unlink(missing_ok=True)
            fail(_("nothing written: the export could not be recorded ({error})").format(
                error=str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__))
        from csdesk.domain.text import printable

        typer.echo(_("Wrote {n} handover pages to {path}").format(n=len(pages), path=printable(str(output))))

    problems = typer.Typer(help="The problem log (问题登记本) and the service tally (服务统计本).",
                           no_args_is_help=True, rich_markup_mode=None)
    app.add_typer(problems, name="problems")

    @problems.command("list")
    def list_(
        ctx: typer.Context,
        week: Annotated[bool, typer.Option("--week", help="The whole week (Monday to Sunday) holding --date.")] = False,
        day: DateOption = None,
        fmt: FormatOption = None,
        as_: AsOnlyOption = None,
        db: DbOption = None,
    ) -> None:
        """The problem log (everyone's for a supervisor); with --week, the week's tally per agent above it."""
        from csdesk.cli.output import Column, emit, resolve
        from csdesk.clock import local_tz
        from csdesk.services import problems as pr
        from csdesk.services.database import read_session

        when = _day(day)
        engine = open_db(ctx, db)
        actor = authenticated(engine, as_)
        with read_session(engine) as session:
            if week:
                summary = pr.weekly_summary(session, actor, when)
                first, last, entries = summary.first, summary.last, summary.entries
            else:
                summary = None
                first = last = when
                entries = tuple(pr.entries(session, actor, when, when))
        table = resolve(fmt) == "table"
        if summary is not None and table:
            _tally(summary, fmt)
        columns = [Column("at", _("Time"), fixed=True), Column("staff_no", _("Staff no."), fixed=True),
                   Column("name", _("Name")), Column("kind", _("Kind")), Column("text", _("Text"))]
        emit([(e.at.astimezone(local_tz()), e.staff_no, e.name, e.kind_label if table else e.kind, e.text)
              for e in entries], columns, fmt, title=_("Problem log"),
             empty=_("Nothing logged from {first} to {last}.").format(first=first, last=last))

    @problems.command("tally")
    def tally(
        ctx: typer.Context,
        day: DateOption = None,
        fmt: FormatOption = None,
        as_: AsOnlyOption = None,
        db: DbOption = None,
    ) -> None:
        """The service tally (服务统计本) of the week holding --date, per agent: problems, ideas, contacts,
        customers served and converted."""
        from csdesk.services import problems as pr
        from csdesk.services.database import read_session

        when = _day(day)
        engine = open_db(ctx, db)
        actor = authenticated(engine, as_)
        with read_session(engine) as session:
            summary = pr.weekly_summary(session, actor, when)
        _tally(summary, fmt)

    @problems.command("converted")
    def converted(
        ctx: typer.Context,
        number: Annotated[str, typer.Argument(help="The contact number (CT…) of the call with the prospect.")],
        undo: Annotated[bool, typer.Option("--not", help="Take it back: the prospect did not convert.")] = False,
        as_: AsOnlyOption = None,
        db: DbOption = None,
    ) -> None:
        """The service tally's quick entry: the prospect of this contact became a customer."""
        from csdesk.cli import parse
        from csdesk.domain.errors import DeskError
        from csdesk.services import problems as pr
        from csdesk.services.database import write_session

        number = parse.text(number, "NUMBER", limit=32, required=True)
        engine = open_db(ctx, db)
        actor = identified(engine, as_)
        try:
            with write_session(engine) as session:
                pr.mark_converted(session, actor, number, not undo)
        except DeskError as exc:
            fail(str(exc))
        typer.echo((_("Not counted as converted: {number}.") if undo else
                    _("Counted as converted: {number}.")).format(number=number.upper()))

    @problems.command("add")
    def add(
        ctx: typer.Context,
        words: Annotated[str, typer.Argument(help="The problem or idea, one line.")],
        kind: Annotated[str, typer.Option("--kind", help="problem or idea (问题 / 建议).")] = "problem",
        as_: AsOnlyOption = None,
        db: DbOption = None,
    ) -> None:
        """A quick entry in your problem log."""
        from csdesk.domain.errors import DeskError
        from csdesk.services import problems as pr
        from csdesk.services.database import write_session

        engine = open_db(ctx, db)
        actor = identified(engine, as_)
        try:
            with write_session(engine) as session:
                entry = pr.add_entry(session, actor, kind, words)
        except DeskError as exc:
            fail(str(exc))
        typer.echo(_("Logged {kind} #{id}.").format(kind=entry.kind_label, id=entry.id))
