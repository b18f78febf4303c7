"""``csdesk tick``: run the desk's timed rules once (for cron: ``* * * * * csdesk tick``).

Overdue work orders go to the supervisor queue once, whether or not a console is open.
"""


from typing import Annotated

import typer

from csdesk.cli.common import DbOption, fail, open_db
from csdesk.i18n import _


def register(app: typer.Typer) -> None:
    @app.command("tick")
    def tick(
        ctx: typer.Context,
        at: Annotated[str | None, typer.Option(
            "--at", help="Act as if it were this time (ISO 8601, local time if no zone); for tests and catching up.")] = None,
        db: DbOption = None,
    ) -> None:
        """Run the timed rules once: overdue orders and complaints, return visits due."""
        from datetime import datetime

        from csdesk.clock import local_tz
        from csdesk.services.database import write_session
        from csdesk.services.tick import run_tick

        when = None
        if at is not None:
            try:
                when = datetime.fromisoformat(at.strip())
            except ValueError:
                fail(_("--at: not a date and time {value!r}; use YYYY-MM-DDTHH:MM").format(value=at[:40]))
            if when.tzinfo is None:
                when = when.replace(tzinfo=local_tz())
        engine = open_db(ctx, db)
        with write_session(engine) as session:
            result = run_tick(session, at=when)
        typer.echo(_("Escalated {n} overdue orders.").format(n=len(result.overdue_orders)))
        if result.overdue_complaints or result.visits_added or result.visits_queued:
            typer.echo(_("Sent {n} overdue complaints to the manager; added {added} return visits to drawn months; "
                         "queued {queued} visits due.").format(n=len(result.overdue_complaints),
                                                               added=result.visits_added, queued=result.visits_queued))
        if result.unacknowledged_handovers:
            typer.echo(_("Escalated {n} handovers with items not acknowledged in time.").format(
                n=len(result.unacknowledged_handovers)))
