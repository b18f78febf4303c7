"""Reports: the desk's figures as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, func, select

from csdesk.clock import local_tz, now
from csdesk.store.models import Callback, Contact, Escalation, WorkOrder


@dataclass(frozen=True)
class DeskSummary:
    contacts_today: int
    my_contacts_today: int
    open_orders: int
    overdue_orders: int
    my_due_callbacks: int
    open_escalations: int


def start_of_local_day(at: datetime | None = None) -> datetime:
    local = (at or now()).astimezone(local_tz())
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def desk_summary(session: Session, agent_id: int) -> DeskSummary:
    t = now()
    day = start_of_local_day(t)
    open_states = ("open", "dispatched", "in_progress", "on_hold")

    def count(stmt) -> int:
        return session.exec(stmt).one()

    return DeskSummary(
        contacts_today=count(select(func.count()).select_from(Contact).where(Contact.received_at >= day)),
        my_contacts_today=count(select(func.count()).select_from(Contact).where(
            Contact.received_at >= day, Contact.agent_id == agent_id)),
        open_orders=count(select(func.count()).select_from(WorkOrder).where(WorkOrder.status.in_(open_states))),
        overdue_orders=count(select(func.count()).select_from(WorkOrder).where(
            WorkOrder.status.in_(open_states), WorkOrder.deadline_at < t)),
        my_due_callbacks=count(select(func.count()).select_from(Callback).where(
            Callback.agent_id == agent_id, Callback.done_at.is_(None), Callback.due_at < t + timedelta(hours=1))),
        open_escalations=count(select(func.count()).select_from(Escalation).where(Escalation.acknowledged_at.is_(None))),
    )
