"""``csdesk audit list``: read the audit log (a supervisor's or manager's act, with their password)."""


from typing import Annotated

import typer

from csdesk.cli.auth import AsOnlyOption, authenticated
from csdesk.cli.common import DbOption, fail, open_db
from csdesk.cli.output import FormatOption
from csdesk.i18n import _

ENTITY_PREFIXES = {"CT": "contact", "WO": "workorder", "CP": "complaint"}


def _record(session, value: str) -> tuple[str, int | None]:
    """``workorder:12``, ``contact:7`` or a number people quote (``WO20261122-0007``)."""
    from csdesk.services.register import find_record_id

    text = value.strip()
    if ":" in text:
        entity, _sep, ident = text.partition(":")
        if not ident.strip().isdigit():
            fail(_("--record: use TABLE:ID (workorder:12) or a number such as WO20261122-0007"))
        return entity.strip().lower(), int(ident)
    entity = ENTITY_PREFIXES.get(text[:2].upper())
    if entity is None:
        fail(_("--record: use TABLE:ID (workorder:12) or a number such as WO20261122-0007"))
    found = find_record_id(session, entity, text.upper())
    if found is None:
        fail(_("--record: no record numbered {number}").format(number=text[:40]))
    return entity, found


def register(app: typer.Typer) -> None:
    audit_app = typer.Typer(help="The audit log: who did what, when.", no_args_is_help=True)
    app.add_typer(audit_app, name="audit")

    @audit_app.command("list")
    def list_(
        ctx: typer.Context,
        agent: Annotated[str | None, typer.Option("--agent", help="Only acts of this staff number.")] = None,
        record: Annotated[str | None, typer.Option("--record", help="Only this record: TABLE:ID or a number (WO…, CT…, CP…).")] = None,
        since: Annotated[str | None, typer.Option("--since", help="From this day on (YYYY-MM-DD, local time).")] = None,
        limit: Annotated[int, typer.Option("--limit", min=1, max=100000, help="Rows to print (newest first).")] = 100,
        fmt: FormatOption = None,
        as_: AsOnlyOption = None,
        db: DbOption = None,
    ) -> None:
        """Print the audit log, newest first (supervisors and managers)."""
        from datetime import datetime, time

        from csdesk.cli import parse
        from csdesk.cli.output import Column, emit
        from csdesk.clock import fmt as fmt_time
        from csdesk.clock import local_tz
        from csdesk.domain.errors import DeskError
        from csdesk.services.audit import entries
        from csdesk.services.database import read_session

        day = parse.day(since, "--since")
        start = datetime.combine(day, time(0), tzinfo=local_tz()) if day is not None else None
        engine = open_db(ctx, db)
        actor = authenticated(engine, as_)
        with read_session(engine) as session:
            entity = entity_id = None
            if record is not None:
                entity, entity_id = _record(session, record)
            try:
                rows = entries(session, actor, staff_no=agent, entity=entity, entity_id=entity_id, since=start,
                               limit=limit)
            except DeskError as exc:
                fail(str(exc))
        out = []
        for r in rows:
            changes = "; ".join(f"{k}: {v[0]!r} → {v[1]!r}" if isinstance(v, list) and len(v) == 2 else f"{k}: {v!r}"
                                for k, v in r.changes.items())
            where = f"{r.entity}:{r.entity_id}" if r.entity_id is not None else r.entity
            out.append((fmt_time(r.at), r.staff_no or "—", r.action, where, r.detail, changes))
        emit(out, [Column("at", _("Time"), fixed=True), Column("staff_no", _("Staff no."), fixed=True),
                   Column("action", _("Action")), Column("record", _("Record"), fixed=True),
                   Column("detail", _("Detail")), Column("changes", _("Changes"))], fmt, title=_("Audit log"))
