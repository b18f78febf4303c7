"""The desk's timer: what must happen when time passes, whoever is at a console.

``csdesk tick`` (for cron) and every console (on a timer) run :func:`run_tick`;
each step is idempotent, so several consoles and cron together do each thing
once: an overdue order escalates once, an overdue complaint goes to the
manager once, a drawn month takes the orders completed since, a return
visit enters its owner's queue on its day, and handover items not
acknowledged 30 minutes after their shift started go to the supervisor once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from csdesk.clock import now
from csdesk.domain.actor import SYSTEM
from csdesk.services.handover import escalate_unacknowledged
from csdesk.services.orders import escalate_overdue


@dataclass(frozen=True)
class TickResult:
    at: datetime
    overdue_orders: tuple[int, ...] = ()
    overdue_complaints: tuple[int, ...] = ()
    visits_added: int = 0
    visits_queued: int = 0
    unacknowledged_handovers: tuple[int, ...] = ()

    @property
    def anything(self) -> bool:
        return bool(self.overdue_orders or self.overdue_complaints or self.visits_added or self.visits_queued
                    or self.unacknowledged_handovers)


def run_tick(session: Session, *, at: datetime | None = None) -> TickResult:
    """Run every timed rule once, in the caller's write session."""
    from csdesk.services import complaints, visits

    at = at or now()
    orders = tuple(escalate_overdue(session, at=at, actor=SYSTEM))
    late = tuple(complaints.escalate_overdue(session, at=at, actor=SYSTEM))
    added = visits.top_up_all(session, at=at, actor=SYSTEM)
    queued = visits.queue_due(session, at=at, actor=SYSTEM)
    handovers = tuple(escalate_unacknowledged(session, at=at, actor=SYSTEM))
    return TickResult(at, orders, late, added, queued, handovers)
