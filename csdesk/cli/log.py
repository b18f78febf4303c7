"""``csdesk log``: search and export the call/visit register from scripts.

Who is asking: ``--agent STAFFNO`` (or ``CSDESK_AGENT``) names the account
whose role decides whether phone numbers are shown in full.  Phones are
masked unless ``--full`` is given *and* that account is a supervisor or
manager; ``--full`` for anyone else is refused.  The CLI asks no password:
whoever can run it can read the database file itself, so the role check guards
against accidents and leaves a trace (every full-number search or export is
written to the audit log under that account), it is not a security boundary.
"""


from dataclasses import dataclass
from datetime import date
from typing import Annotated

import typer

from csdesk.cli.common import DbOption, fail, read_db
from csdesk.cli.output import Column, FormatOption, emit
from csdesk.i18n import N_, _

# csdesk.cli.parse and csdesk.domain.text are imported inside the commands (``--help`` stays light)

FromOption = Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD, local time).")]
ToOption = Annotated[str | None, typer.Option("--to", help="Last day, included (YYYY-MM-DD).")]
ChannelOption = Annotated[str | None, typer.Option("--channel", help="phone, walk_in, online, email, outbound, patrol (or 来电 …).")]
CategoryOption = Annotated[str | None, typer.Option("--category", help="Category code or name (repair, 报修 …); includes its sub-types.")]
UrgencyOption = Annotated[str | None, typer.Option("--urgency", help="normal, urgent, critical.")]
OutcomeOption = Annotated[str | None, typer.Option("--outcome", help="resolved, work_order, referred, promised, escalated.")]
ByOption = Annotated[str | None, typer.Option("--by", help="Only contacts taken by this staff number.")]
OpenOption = Annotated[bool, typer.Option("--open", help="Only contacts still open.")]
AgentOption = Annotated[str | None, typer.Option("--agent", "--as", envvar="CSDESK_AGENT",
                                                 help="Your staff number, for --full and exports (its password is "
                                                      "asked, or CSDESK_PASSWORD).")]
FullOption = Annotated[bool, typer.Option("--full", help="Show full phone numbers (supervisors and managers).")]

STAFF_NO_LIMIT = 32


@dataclass(frozen=True)
class Filters:
    """The filters that need no database, parsed (before the database is opened)."""

    search: str = ""
    first: date | None = None
    last: date | None = None
    channel: str | None = None
    urgency: str | None = None
    outcome: str | None = None


def _value(enum_cls, value: str | None, option: str) -> str | None:
    from csdesk.cli import parse

    member = parse.choice(enum_cls, value, option)
    return member.value if member is not None else None


def parse_filters(*, search: str = "", date_from: str | None = None, date_to: str | None = None,
                  channel: str | None = None, urgency: str | None = None, outcome: str | None = None,
                  search_option: str = "QUERY") -> Filters:
    """The options that need no database, or a one-line error."""
    from csdesk.cli import parse
    from csdesk.domain import Channel, Outcome, Urgency
    from csdesk.services.register import SEARCH_LIMIT

    first, last = parse.day_range(date_from, date_to)
    return Filters(search=parse.text(search, search_option, limit=SEARCH_LIMIT), first=first, last=last,
                   channel=_value(Channel, channel, "--channel"), urgency=_value(Urgency, urgency, "--urgency"),
                   outcome=_value(Outcome, outcome, "--outcome"))


def build_query(session, filters: Filters, *, category: str | None = None, by: str | None = None,
                open_only: bool = False):
    """A register Query from the parsed filters and the options the database resolves, or a one-line error."""
    from csdesk.cli import parse
    from csdesk.domain.text import quote_input
    from csdesk.services import register as reg
    from csdesk.services.reference import categories

    start = reg.days_range(filters.first, filters.first)[0] if filters.first else None
    end = reg.days_range(filters.last, filters.last)[1] if filters.last else None
    cat_code = None
    if category is not None:
        wanted = parse.text(category, "--category", limit=64)
        for c in categories(session):
            if wanted in (c.code, c.name_zh) or wanted.lower() == c.name_en.lower():
                cat_code = c.code
                break
        if cat_code is None:
            fail(_('--category: unknown category "{value}"').format(value=quote_input(category)))
    agent_id = None
    agent_label = ""
    if by is not None:
        staff_no = parse.text(by, "--by", kind="name", limit=STAFF_NO_LIMIT)
        found = reg.find_agent(session, staff_no) if staff_no else None
        if found is None:
            fail(_('--by: no account with staff number "{staff_no}"').format(staff_no=quote_input(by)))
        agent_id, agent_label = found.id, found.staff_no
    return reg.Query(start=start, end=end, period="custom" if (start or end) else "",
                     channel=filters.channel, category=cat_code, urgency=filters.urgency, outcome=filters.outcome,
                     agent_id=agent_id, agent_label=agent_label, open_only=open_only, search=filters.search)


def _viewer(engine, staff_no: str | None, full: bool, *, export: bool = False):
    """Who is asking, and whether they see full numbers.

    A masked search needs nobody; full numbers (``--full``) and exports need the
    staff password of the account named by ``--agent``/``--as`` (``CSDESK_AGENT``,
    ``CSDESK_PASSWORD`` for scripts), and full numbers need a supervisor or manager.
    """
    from csdesk.cli import parse
    from csdesk.cli.auth import authenticated
    from csdesk.domain.policy import Act, may

    wanted = parse.text(staff_no, "--agent", kind="name", limit=STAFF_NO_LIMIT) if staff_no else None
    if not (full or export):
        return None, False
    if not wanted:
        fail(_("--full needs --agent STAFFNO of a supervisor or manager") if full
             else _("give your staff number: --as STAFFNO (or CSDESK_AGENT)"))
    agent = authenticated(engine, wanted)
    if full and not may(agent, Act.SEE_FULL_PHONE):
        fail(_("--full: account {staff_no} ({role}) may not see full phone numbers").format(
            staff_no=agent.staff_no, role=agent.role.label))
    return agent, bool(full)


def _audit(engine, agent, action: str, detail: str, *, rows: int = 0, full_phones: bool = False, q=None,
           fmt: str = "", target: str = "") -> None:
    """Commit the audit row of a full-number listing or an export in its own transaction (raises if
    it cannot): an export is published only after this returns (see ``export`` below)."""
    from csdesk.services import register as reg
    from csdesk.services.database import write_session

    with write_session(engine) as session:
        if action == "export":
            reg.record_export(session, agent, q, rows, fmt, target, full_phones=full_phones)
        else:
            reg.record_full_phones(session, agent, detail, rows)


SEARCH_COLUMNS = (
    Column("received", N_("Received")),
    Column("number", N_("Number"), fixed=True),
    Column("channel", N_("Channel")),
    Column("customer", N_("Customer")),
    Column("phone", N_("Phone"), fixed=True),
    Column("unit", N_("Unit")),
    Column("category", N_("Category")),
    Column("urgency", N_("Urgency")),
    Column("summary", N_("Summary"), cut=60),
    Column("outcome", N_("Outcome")),
    Column("agent", N_("Agent"), fixed=True),
    Column("order", N_("Order"), fixed=True),
)


def register(app: typer.Typer) -> None:
    log = typer.Typer(name="log", help="The call/visit register: search and export.",
                      no_args_is_help=True, rich_markup_mode=None)
    app.add_typer(log, name="log")

    @log.command("search")
    def search(
        ctx: typer.Context,
        query: Annotated[str, typer.Argument(help="Phone, last 4 digits, name, pinyin initials, unit (3-2-1201) or words.")] = "",
        db: DbOption = None,
        date_from: FromOption = None,
        date_to: ToOption = None,
        channel: ChannelOption = None,
        category: CategoryOption = None,
        urgency: UrgencyOption = None,
        outcome: OutcomeOption = None,
        by: ByOption = None,
        open_only: OpenOption = False,
        limit: Annotated[str | None, typer.Option("--limit", metavar="N", help="Rows to print, newest first (1 to 10000, default 50).")] = None,
        agent: AgentOption = None,
        full: FullOption = False,
        fmt_name: FormatOption = None,
    ) -> None:
        """Search the register and print the newest matches (a table on a terminal, TSV when piped)."""
        from csdesk.cli import parse
        from csdesk.clock import fmt
        from csdesk.services import register as reg
        from csdesk.store.engine import read_session

        rows_wanted = parse.whole_number(limit, "--limit", 1, 10_000, default=50)
        filters = parse_filters(search=query, date_from=date_from, date_to=date_to, channel=channel,
                                urgency=urgency, outcome=outcome)
        engine = read_db(ctx, db)
        viewer, full_phones = _viewer(engine, agent, full)
        with read_session(engine) as session:
            q = build_query(session, filters, category=category, by=by, open_only=open_only)
            page = reg.page_after(session, q, None, limit=rows_wanted, full_phones=full_phones)
            total = reg.count(session, q) if page.rows else 0
            cats = reg._category_names(session)
        if full_phones:
            _audit(engine, viewer, "full_phones", f"log search {q.search!r}", rows=len(page.rows))
        rows = ((fmt(r.received_at, "%Y-%m-%d %H:%M:%S"), r.number, reg._label("Channel", r.channel),
                 r.customer_name, r.phone, r.unit, cats.get(r.category, r.category),
                 reg._label("Urgency", r.urgency), r.summary, reg._label("Outcome", r.outcome),
                 r.agent_staff_no, r.work_order_number or r.complaint_number) for r in page.rows)
        columns = [Column(c.key, _(c.header), c.fixed, c.cut) for c in SEARCH_COLUMNS]
        emit(rows, columns, fmt_name,
             title=_("Register: {what}").format(what=reg.describe(q, cats) or _("all contacts")),
             note=_("{shown} of {total} matching contacts shown, newest first.").format(
                 shown=f"{len(page.rows):,}", total=f"{total:,}"))

    @log.command("export")
    def export(
        ctx: typer.Context,
        output: Annotated[str | None, typer.Option(
            "-o", "--output", metavar="FILE",
            help="File to write (.csv or .xlsx); default: a dated file in your documents folder.")] = None,
        db: DbOption = None,
        date_from: FromOption = None,
        date_to: ToOption = None,
        channel: ChannelOption = None,
        category: CategoryOption = None,
        urgency: UrgencyOption = None,
        outcome: OutcomeOption = None,
        by: ByOption = None,
        open_only: OpenOption = False,
        search_text: Annotated[str, typer.Option("--search", help="Search text, as in the search box.")] = "",
        fmt_name: Annotated[str | None, typer.Option("--format", help="csv or xlsx (default: from the file name).")] = None,
        agent: AgentOption = None,
        full: FullOption = False,
    ) -> None:
        """Export the register (a filter of it) to CSV (UTF-8 with BOM) or XLSX.

        The file appears under its name only once the export is recorded in the audit log.
        """
        from csdesk.cli import parse
        from csdesk.domain.text import printable, quote_input
        from csdesk.services import export as ex
        from csdesk.services import register as reg
        from csdesk.store.engine import read_session

        fmt_text = parse.text(fmt_name, "--format", kind="name", limit=16) if fmt_name is not None else None
        if output is None:  # the user's documents (or downloads) folder, never the working directory
            from csdesk.clock import now, to_local

            try:
                named = ex.guess_format("", fmt_text) if fmt_text else "xlsx"
            except ValueError as exc:
                fail(str(exc))
            target = ex.default_path(to_local(now()).strftime("register-%Y%m%d-%H%M"), named)
        else:
            target = parse.path(output, "--output")
        try:
            fmt = ex.guess_format(target, fmt_text)
        except ValueError as exc:
            fail(str(exc))
        filters = parse_filters(search=search_text, date_from=date_from, date_to=date_to, channel=channel,
                                urgency=urgency, outcome=outcome, search_option="--search")
        shown = quote_input(str(target), 80, tail=True)
        try:
            folder_ok = target.parent.is_dir()
        except OSError:
            folder_ok = False
        if not folder_ok:
            fail(_('the folder "{folder}" does not exist').format(folder=quote_input(str(target.parent), 80, tail=True)))
        engine = read_db(ctx, db)
        viewer, full_phones = _viewer(engine, agent, full, export=True)
        try:
            with ex.StagedExport(target, fmt) as staged:  # the .part goes if anything below fails
                with read_session(engine) as session:
                    q = build_query(session, filters, category=category, by=by, open_only=open_only)
                    result = staged.write(reg.export_headers(),
                                          reg.export_rows(session, q, full_phones=full_phones),
                                          title=_("Register"), widths=reg.export_widths())
                # published only when the audit row is committed
                try:
                    _audit(engine, viewer, "export", "", rows=result.rows, full_phones=full_phones, q=q,
                           fmt=str(fmt), target=str(target))
                except Exception as exc:
                    fail(_("nothing exported: the export could not be recorded in the audit log ({error})").format(
                        error=quote_input(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, 120)))
        except OSError as exc:
            fail(_('cannot write "{path}": {error}').format(path=shown, error=exc.strerror or exc))
        typer.echo(_("Exported {n} rows to {path}").format(n=result.rows, path=printable(str(target))))
