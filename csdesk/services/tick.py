"""The desk's timer: what must happen when time passes, whoever is at a console.

``csdesk tick`` (for cron) and every console (on a timer) run :func:`run_tick`;
each step is idempotent, so several consoles and cron together do each thing
once: an overdue order escalates once; handover items not acknowledged 30
minutes after their shift started escalate to the supervisor once.
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
    unacknowledged_handovers: tuple[int, ...] = ()

    @property
    def anything(self) -> bool:
        return bool(self.overdue_orders or self.unacknowledged_handovers)


def run_tick(session: Session, *, at: datetime | None = None) -> TickResult:
    """Run every timed rule once, in the caller's write session."""
    at = at or now()
    return TickResult(at, tuple(escalate_overdue(session, at=at, actor=SYSTEM)),
                      tuple(escalate_unacknowledged(session, at=at, actor=SYSTEM)))
