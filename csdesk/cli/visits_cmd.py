"""``csdesk visits``: the month's return-visit draw, its visits and coverage, the refused-visit list.

``draw --month 2026-11`` is a supervisor's act (once a month: a second draw is
refused and names the first); ``list`` and ``coverage`` read; ``refused``
shows the refused-visit list and ``lift`` takes an entry off it (a supervisor,
with a reason).  Every command asks for the staff password of ``--as STAFFNO``
(a prompt or ``CSDESK_PASSWORD``).
"""


from typing import Annotated

import typer

from csdesk.cli.auth import AsOnlyOption, authenticated
from csdesk.cli.common import DbOption, fail, open_db
from csdesk.cli.complaints_cmd import columns
from csdesk.cli.output import FormatOption, emit
from csdesk.i18n import _

MonthOption = Annotated[str | None, typer.Option("--month", help="The month, YYYY-MM (default: this month).")]


def _month(value: str | None) -> str:
    from csdesk.clock import now
    from csdesk.domain.errors import Invalid
    from csdesk.services.visits import month_of, parse_month

    if value is None:
        return month_of(now())
    try:
        return parse_month(value)
    except Invalid as exc:
        fail("--month: " + next(iter(exc.errors.values())))


def _fail_desk(exc) -> None:
    from csdesk.domain.errors import Invalid

    if isinstance(exc, Invalid):
        fail("; ".join(f"--{k.replace('_', '-')}: {v}" for k, v in exc.errors.items()))
    fail(str(exc))


def register(app: typer.Typer) -> None:
    visits = typer.Typer(help="Return visits: the month's draw, its visits, coverage and the refused-visit list.",
                         no_args_is_help=True)
    app.add_typer(visits, name="visits")

    @visits.command("draw")
    def draw(
        ctx: typer.Context,
        month: MonthOption = None,
        seed: Annotated[int | None, typer.Option("--seed", min=0, help="Draw with this seed (default: a random one, stored).")] = None,
        pool: Annotated[bool, typer.Option("--pool", help="Put the visits in a pool to assign, not in each order's owner's queue.")] = False,
        as_: AsOnlyOption = None,
        db: DbOption = None,
    ) -> None:
        """Draw the month's return visits (supervisors; once a month)."""
        from csdesk.domain.errors import DeskError
        from csdesk.services import visits as svc
        from csdesk.services.database import write_session

        month = _month(month)
        engine = open_db(ctx, db)
        actor = authenticated(engine, as_)
        try:
            with write_session(engine) as session:
                info = svc.draw(session, actor, month, seed=seed, pool=pool)
        except DeskError as exc:
            _fail_desk(exc)
        typer.echo(_("{month}: {orders} completed repair orders, {picked} visits drawn ({sampled} of {rest} at random, "
                     "the rest of the four kinds); seed {seed}.").format(
            month=info.month, orders=info.population, picked=info.picked, sampled=info.sampled, rest=info.rest,
            seed=info.seed))

    @visits.command("list")
    def list_(
        ctx: typer.Context,
        month: MonthOption = None,
        view: Annotated[str, typer.Option("--view", help="mine, due, overdue, done or all.")] = "due",
        limit: Annotated[int, typer.Option("--limit", min=1, max=100000, help="Rows to print.")] = 200,
        fmt: FormatOption = None,
        as_: AsOnlyOption = None,
        db: DbOption = None,
    ) -> None:
        """List the month's return visits."""
        from csdesk.clock import fmt as fmt_time
        from csdesk.domain import VisitStatus
        from csdesk.domain.errors import DeskError
        from csdesk.services import visits as svc
        from csdesk.services.database import read_session

        month = _month(month)
        engine = open_db(ctx, db)
        actor = authenticated(engine, as_)
        try:
            with read_session(engine) as session:
                rows = svc.list_visits(session, actor, view.strip().lower(), month=month, limit=limit)
        except DeskError as exc:
            _fail_desk(exc)
        out = [{"order": r.order_number, "customer": r.customer_name, "phone": r.phone, "unit": r.unit_key,
                "completed_at": fmt_time(r.completed_at), "why": svc.reasons_text(",".join(r.reasons)),
                "due_at": fmt_time(r.due_at, "%Y-%m-%d"), "owner": r.owner_staff_no or _("pool"),
                "status": VisitStatus(r.status).label, "retry_at": fmt_time(r.retry_at, "%Y-%m-%d %H:%M"),
                "attempts": r.attempts, "done_at": fmt_time(r.done_at),
                "note": r.note} for r in rows]
        emit(out, columns([("order", _("Order")), ("customer", _("Customer")), ("phone", _("Phone")), ("unit", _("Unit")),
                   ("completed_at", _("Completed")), ("why", _("Why")), ("due_at", _("Due")),
                   ("owner", _("Owner")), ("status", _("Status")), ("retry_at", _("Retry at")),
                   ("attempts", _("Calls")),
                   ("done_at", _("Done")), ("note", _("Note"))]), fmt,
             title=_("Return visits {month}: {view}").format(month=month, view=view))

    @visits.command("coverage")
    def coverage(
        ctx: typer.Context,
        month: MonthOption = None,
        fmt: FormatOption = None,
        as_: AsOnlyOption = None,
        db: DbOption = None,
    ) -> None:
        """The month's coverage: drawn, done, refused, unreached, overdue, and each of the four kinds."""
        from csdesk.services import visits as svc
        from csdesk.services.database import read_session

        month = _month(month)
        engine = open_db(ctx, db)
        authenticated(engine, as_)
        with read_session(engine) as session:
            c = svc.coverage(session, month)
        if c.drawn_at is None:
            fail(_("{month} has not been drawn.").format(month=month))
        rows = [{"figure": label, "value": value} for label, value in svc.coverage_lines(c)]
        emit(rows, columns([("figure", _("Figure")), ("value", _("Value"))]), fmt,
             title=_("Return-visit coverage {month}").format(month=month))

    @visits.command("refused")
    def refused(
        ctx: typer.Context,
        search: Annotated[str, typer.Option("--search", help="Name, unit, phone or its last 4 digits.")] = "",
        include_lifted: Annotated[bool, typer.Option("--all", help="Lifted entries too.")] = False,
        fmt: FormatOption = None,
        as_: AsOnlyOption = None,
        db: DbOption = None,
    ) -> None:
        """The refused-visit list (拒访客户清单)."""
        from csdesk.clock import fmt as fmt_time
        from csdesk.services import visits as svc
        from csdesk.services.database import read_session

        engine = open_db(ctx, db)
        actor = authenticated(engine, as_)
        with read_session(engine) as session:
            rows = svc.refused_list(session, actor, include_lifted=include_lifted, search=search)
        out = [{"id": r.id, "customer": r.customer_name, "unit": r.unit_key, "phone": r.phone, "reason": r.reason,
                "recorded_at": fmt_time(r.recorded_at), "by": r.recorded_by,
                "lifted": (f"{fmt_time(r.lifted_at)} {r.lifted_by} {r.lift_reason}" if r.lifted_at else "")}
               for r in rows]
        emit(out, columns([("id", _("No.")), ("customer", _("Customer")), ("unit", _("Unit")), ("phone", _("Phone")),
                           ("reason", _("Reason")), ("recorded_at", _("Recorded")), ("by", _("By")),
                           ("lifted", _("Lifted"))]), fmt, title=_("Refused-visit list"))

    @visits.command("lift")
    def lift(
        ctx: typer.Context,
        entry: Annotated[int, typer.Argument(help="The entry's number (from 'csdesk visits refused').")],
        reason: Annotated[str, typer.Option("--reason", help="Why the customer may be visited again.")],
        as_: AsOnlyOption = None,
        db: DbOption = None,
    ) -> None:
        """Lift an entry of the refused-visit list (supervisors; the reason is recorded)."""
        from csdesk.domain.errors import DeskError
        from csdesk.services import visits as svc
        from csdesk.services.database import write_session

        engine = open_db(ctx, db)
        actor = authenticated(engine, as_)
        try:
            with write_session(engine) as session:
                done = svc.lift(session, actor, entry, reason)
        except DeskError as exc:
            _fail_desk(exc)
        typer.echo(_("Lifted entry {id} ({who}): {reason}").format(id=done.id, who=done.customer_name or done.unit_key,
                                                                   reason=done.lift_reason))

