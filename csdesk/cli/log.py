"""``csdesk log``: search and export the call/visit register from scripts.

Who is asking: ``--agent STAFFNO`` (or ``CSDESK_AGENT``) names the account
whose role decides whether phone numbers are shown in full.  Phones are
masked unless ``--full`` is given *and* that account is a supervisor or
manager; ``--full`` for anyone else is refused.  The CLI asks no password:
whoever can run it can read the database file itself, so the role check guards
against accidents and leaves a trace (every full-number search or export is
written to the audit log under that account), it is not a security boundary.
"""


from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from csdesk.cli.common import DbOption, fail, read_db
from csdesk.i18n import _

FromOption = Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD, local time).")]
ToOption = Annotated[str | None, typer.Option("--to", help="Last day, included (YYYY-MM-DD).")]
ChannelOption = Annotated[str | None, typer.Option("--channel", help="phone, walk_in, online, email, outbound, patrol (or 来电 …).")]
CategoryOption = Annotated[str | None, typer.Option("--category", help="Category code or name (repair, 报修 …); includes its sub-types.")]
UrgencyOption = Annotated[str | None, typer.Option("--urgency", help="normal, urgent, critical.")]
OutcomeOption = Annotated[str | None, typer.Option("--outcome", help="resolved, work_order, referred, promised, escalated.")]
ByOption = Annotated[str | None, typer.Option("--by", help="Only contacts taken by this staff number.")]
OpenOption = Annotated[bool, typer.Option("--open", help="Only contacts still open.")]
AgentOption = Annotated[str | None, typer.Option("--agent", envvar="CSDESK_AGENT",
                                                 help="Your staff number (its role decides whether --full is allowed).")]
FullOption = Annotated[bool, typer.Option("--full", help="Show full phone numbers (supervisors and managers).")]


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        fail(_("{option}: not a date {value!r}; use YYYY-MM-DD").format(option=option, value=value))


def _enum(enum_cls, value: str | None, option: str) -> str | None:
    if value is None:
        return None
    try:
        return enum_cls.parse(value).value
    except ValueError as exc:
        fail(f"{option}: {exc}")


def build_query(session, *, search: str = "", date_from: str | None = None, date_to: str | None = None,
                channel: str | None = None, category: str | None = None, urgency: str | None = None,
                outcome: str | None = None, by: str | None = None, open_only: bool = False):
    """A register Query from CLI options, or a one-line error."""
    from csdesk.domain import Channel, Outcome, Urgency
    from csdesk.services import register as reg
    from csdesk.services.reference import categories

    first, last = _date(date_from, "--from"), _date(date_to, "--to")
    start = end = None
    if first and last and last < first:
        fail(_("--to {last} is before --from {first}").format(last=last, first=first))
    if first or last:
        start, end = reg.days_range(first or date(1970, 1, 1), last or date(9999, 12, 30))
        if not first:
            start = None
        if not last:
            end = None
    cat_code = None
    if category is not None:
        wanted = category.strip()
        for c in categories(session):
            if wanted in (c.code, c.name_zh) or wanted.lower() == c.name_en.lower():
                cat_code = c.code
                break
        if cat_code is None:
            fail(_("--category: unknown category {value!r}").format(value=category))
    agent_id = None
    agent_label = ""
    if by is not None:
        found = reg.find_agent(session, by.strip())
        if found is None:
            fail(_("--by: no account with staff number {staff_no!r}").format(staff_no=by))
        agent_id, agent_label = found.id, found.staff_no
    return reg.Query(start=start, end=end, period="custom" if (start or end) else "",
                     channel=_enum(Channel, channel, "--channel"), category=cat_code,
                     urgency=_enum(Urgency, urgency, "--urgency"), outcome=_enum(Outcome, outcome, "--outcome"),
                     agent_id=agent_id, agent_label=agent_label, open_only=open_only, search=search or "")


def _viewer(session, staff_no: str | None, full: bool):
    """The account asking, and whether it may see full numbers; refuses --full otherwise."""
    from sqlmodel import select

    from csdesk.services.accounts import info
    from csdesk.store.models import Agent

    agent = None
    if staff_no:
        row = session.exec(select(Agent).where(Agent.staff_no == staff_no.strip())).first()
        if row is None or not row.active:
            fail(_("--agent: no active account with staff number {staff_no!r}").format(staff_no=staff_no))
        agent = info(row)
    if full:
        if agent is None:
            fail(_("--full needs --agent STAFFNO of a supervisor or manager"))
        if not agent.is_supervisor:
            fail(_("--full: account {staff_no} ({role}) may not see full phone numbers").format(
                staff_no=agent.staff_no, role=agent.role.label))
    return agent, bool(full and agent is not None and agent.is_supervisor)


def _audit(engine, agent, action: str, detail: str) -> None:
    from csdesk.clock import now
    from csdesk.store.engine import write_session
    from csdesk.store.models import AuditLog

    with write_session(engine) as session:
        session.add(AuditLog(at=now(), agent_id=agent.id if agent else None, action=action,
                             entity="contact", detail=detail))


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
        limit: Annotated[int, typer.Option("--limit", min=1, max=10000, help="Rows to print (newest first).")] = 50,
        agent: AgentOption = None,
        full: FullOption = False,
    ) -> None:
        """Search the register and print the newest matches as a table."""
        from rich.console import Console
        from rich.table import Table

        from csdesk.clock import fmt
        from csdesk.services import register as reg
        from csdesk.store.engine import read_session

        engine = read_db(ctx, db)
        with read_session(engine) as session:
            q = build_query(session, search=query, date_from=date_from, date_to=date_to, channel=channel,
                            category=category, urgency=urgency, outcome=outcome, by=by, open_only=open_only)
            viewer, full_phones = _viewer(session, agent, full)
            page = reg.page_after(session, q, None, limit=limit, full_phones=full_phones)
            total = reg.count(session, q) if page.rows else 0
            cats = reg._category_names(session)
        if full_phones:
            _audit(engine, viewer, "reveal_phone_cli", f"log search {query!r}: {len(page.rows)} rows")
        console = Console()
        if not page.rows:
            console.print(_("Nothing found."))
            return
        table = Table(title=_("Register: {what}").format(what=reg.describe(q, cats) or _("all contacts")))
        for col, keep in ((_("Received"), True), (_("Number"), True), (_("Channel"), False),
                          (_("Customer"), True), (_("Phone"), True), (_("Unit"), True), (_("Category"), False),
                          (_("Urgency"), False), (_("Summary"), False), (_("Outcome"), False),
                          (_("Agent"), True), (_("Order"), True)):
            table.add_column(col, no_wrap=keep, overflow="ellipsis" if not keep else "fold")
        for r in page.rows:
            table.add_row(fmt(r.received_at, "%Y-%m-%d %H:%M"), r.number, reg._label("Channel", r.channel),
                          r.customer_name, r.phone, r.unit, cats.get(r.category, r.category),
                          reg._label("Urgency", r.urgency), r.summary[:60], reg._label("Outcome", r.outcome),
                          r.agent_staff_no, r.work_order_number or r.complaint_number)
        console.print(table)
        console.print(_("{shown} of {total} matching contacts shown, newest first.").format(
            shown=f"{len(page.rows):,}", total=f"{total:,}"))

    @log.command("export")
    def export(
        ctx: typer.Context,
        output: Annotated[Path, typer.Option("-o", "--output", help="File to write (.csv or .xlsx).")],
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
        """Export the register (a filter of it) to CSV (UTF-8 with BOM) or XLSX."""
        from csdesk.services import export as ex
        from csdesk.services import register as reg
        from csdesk.store.engine import read_session

        try:
            fmt = ex.guess_format(output, fmt_name)
        except ValueError as exc:
            fail(str(exc))
        if not output.parent.exists():
            fail(_("the folder {folder} does not exist").format(folder=output.parent))
        engine = read_db(ctx, db)
        with read_session(engine) as session:
            q = build_query(session, search=search_text, date_from=date_from, date_to=date_to, channel=channel,
                            category=category, urgency=urgency, outcome=outcome, by=by, open_only=open_only)
            viewer, full_phones = _viewer(session, agent, full)
            try:
                result = ex.write(output, reg.export_headers(), reg.export_rows(session, q, full_phones=full_phones),
                                  fmt=fmt, title=_("Register"))
            except OSError as exc:
                fail(_("cannot write {path}: {error}").format(path=output, error=exc.strerror or exc))
        _audit(engine, viewer, "export_register",
               f"{result.rows} rows {fmt} {output} full={full_phones} {reg.describe(q)}")
        typer.echo(_("Exported {n} rows to {path}").format(n=result.rows, path=output))
