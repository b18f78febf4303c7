"""My queue: the call-backs an agent owes and the escalations waiting for a supervisor.

- An agent's queue: their open call-backs (and those owned by nobody), nearest
  due first, and the escalations they raised that no supervisor has taken yet.
- A supervisor's queue also holds every unacknowledged escalation;
  acknowledging one records who and when.
- Closing a call-back records its result: busy or no answer -> one more try
  later (a ``retry`` call-back); refused -> the refused-visit list.

All lookups use ``ix_callback_queue (agent_id, done_at, due_at)`` and
``ix_escalation_open (acknowledged_at, created_at)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from csdesk.clock import now as utcnow
from csdesk.domain import CallbackKind, CallbackResult, ContactStatus, EscalationReason, Outcome
from csdesk.domain.actor import Actor
from csdesk.domain.errors import Conflict, Invalid, NotFound
from csdesk.domain.policy import Act, may, require
from csdesk.domain.rules import MAX_CALL_ATTEMPTS, RETRY_AFTER, callback_result_choices, visit_retry_at
from csdesk.i18n import _
from csdesk.services.audit import acting
from csdesk.store.models import Agent, Callback, Contact, Customer, Escalation, RefusedVisit

QUEUE_LIMIT = 200


class QueueError(Conflict):
    """A queue action that cannot be done; the message is for the user."""


@dataclass(frozen=True)
class QueueItem:
    kind: str  # "callback" or "escalation"
    id: int
    due_at: datetime  # call-backs: when due; escalations: when raised
    title: str  # the call-back kind or escalation reason, as a label
    customer_id: int | None
    customer_name: str
    phone: str
    note: str
    contact_id: int | None = None
    contact_number: str = ""
    callback_kind: str = ""
    attempts: int = 0
    escalation_reason: str = ""
    raised_by: str = ""  # staff number of the agent who raised the escalation
    mine: bool = True

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.id}"

    def seconds_left(self, at: datetime | None = None) -> int:
        return int((self.due_at - (at or utcnow())).total_seconds())


@dataclass(frozen=True)
class CallbackInfo:
    id: int
    kind: str
    due_at: datetime
    agent_id: int | None
    customer_id: int | None
    customer_name: str
    phone: str
    contact_id: int | None
    work_order_id: int | None
    note: str
    done_at: datetime | None
    result: str
    attempts: int
    visit_id: int | None = None  # a return visit's call (or its retry)

    @property
    def is_return_visit(self) -> bool:
        return self.visit_id is not None or self.kind == CallbackKind.RETURN_VISIT.value


@dataclass(frozen=True)
class ClosedCallback:
    id: int
    result: str
    retry_id: int | None = None
    retry_due_at: datetime | None = None
    refused_visit_id: int | None = None


@dataclass(frozen=True)
class AcknowledgedEscalation:
    id: int
    acknowledged_at: datetime
    acknowledged_by_id: int
    acknowledged_by: str


def _info(cb: Callback) -> CallbackInfo:
    return CallbackInfo(cb.id, cb.kind, cb.due_at, cb.agent_id, cb.customer_id, cb.customer_name, cb.phone,
                        cb.contact_id, cb.work_order_id, cb.note, cb.done_at, cb.result, cb.attempts, cb.visit_id)


def _label(enum, value: str) -> str:
    try:
        return enum(value).label
    except ValueError:
        return value


def my_queue(session: Session, agent: Actor, *, limit: int = QUEUE_LIMIT) -> list[QueueItem]:
    """The agent's open call-backs and the escalations they should see, nearest due first."""
    items: list[QueueItem] = []
    for owner in (agent.id, None):
        where = Callback.agent_id == owner if owner is not None else col(Callback.agent_id).is_(None)
        rows = session.exec(select(Callback).where(where, col(Callback.done_at).is_(None))
                            .order_by(Callback.due_at).limit(limit)).all()
        numbers = _contact_numbers(session, {r.contact_id for r in rows if r.contact_id})
        for cb in rows:
            items.append(QueueItem("callback", cb.id, cb.due_at, _label(CallbackKind, cb.kind), cb.customer_id,
                                   cb.customer_name, cb.phone, cb.note, cb.contact_id,
                                   numbers.get(cb.contact_id, ""), callback_kind=cb.kind, attempts=cb.attempts,
                                   mine=owner is not None))
    supervisor = may(agent, Act.ACK_ESCALATION)
    stmt = (select(Escalation).where(col(Escalation.acknowledged_at).is_(None))
            .order_by(Escalation.created_at).limit(limit))
    if not supervisor:
        stmt = stmt.where(Escalation.created_by_id == agent.id)
    elif not agent.is_manager:  # an overdue complaint goes to the manager
        stmt = stmt.where(Escalation.to_role != "manager")
    escalations = session.exec(stmt).all()
    if escalations:
        numbers = _contact_numbers(session, {e.contact_id for e in escalations if e.contact_id})
        people = _customers(session, {e.customer_id for e in escalations if e.customer_id})
        staff = _staff(session, {e.created_by_id for e in escalations if e.created_by_id})
        for e in escalations:
            name, phone = people.get(e.customer_id, ("", ""))
            title = _("complaint reply overdue") if e.to_role == "manager" else _label(EscalationReason, e.reason)
            items.append(QueueItem("escalation", e.id, e.created_at, title,
                                   e.customer_id, name, phone, e.summary, e.contact_id,
                                   numbers.get(e.contact_id, ""), escalation_reason=e.reason,
                                   raised_by=staff.get(e.created_by_id, ""),
                                   mine=e.created_by_id == agent.id))
    items.sort(key=lambda i: (i.due_at, i.kind, i.id))
    return items[:limit]


def _contact_numbers(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {i: n for i, n in session.exec(select(Contact.id, Contact.number).where(col(Contact.id).in_(ids)))}


def _customers(session: Session, ids: set[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    out = {}
    rows = session.exec(select(Contact.customer_id, Contact.customer_name, Contact.phone)
                        .where(col(Contact.customer_id).in_(ids))
                        .order_by(col(Contact.received_at).desc()).limit(len(ids) * 3)).all()
    for cid, name, phone in rows:
        out.setdefault(cid, (name, phone))
    for c in session.exec(select(Customer).where(col(Customer.id).in_(ids - set(out)))):
        out[c.id] = (c.name, "")
    return out


def _staff(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {i: s for i, s in session.exec(select(Agent.id, Agent.staff_no).where(col(Agent.id).in_(ids)))}


def get_callback(session: Session, callback_id: int) -> CallbackInfo | None:
    cb = session.get(Callback, callback_id)
    return _info(cb) if cb else None


def add_callback(session: Session, agent: Actor, kind: CallbackKind | str, due_at: datetime, *,
                 customer_id: int | None = None, customer_name: str = "", phone: str = "",
                 contact_id: int | None = None, work_order_id: int | None = None, note: str = "",
                 owner_id: int | None = -1, at: datetime | None = None) -> CallbackInfo:
    """A call-back owed to a customer (owner: the agent unless ``owner_id`` says otherwise)."""
    require(agent, Act.RECORD)
    at = at or utcnow()
    acting(session, agent, at)
    cb = Callback(kind=CallbackKind.parse(str(kind)).value, due_at=due_at,
                  agent_id=agent.id if owner_id == -1 else owner_id, customer_id=customer_id,
                  customer_name=customer_name, phone=phone, contact_id=contact_id, work_order_id=work_order_id,
                  note=note, created_at=at, created_by_id=agent.id)
    session.add(cb)
    session.flush()
    return _info(cb)


def close_callback(session: Session, callback_id: int, agent: Actor, result: CallbackResult | str, *,
                   note: str = "", contact_id: int | None = None, at: datetime | None = None,
                   unit_key: str = "") -> ClosedCallback:
    """Record the result of a call-back (inside the caller's write transaction)."""

    at = at or utcnow()
    result = result if isinstance(result, CallbackResult) else CallbackResult.parse(result)
    cb = session.get(Callback, callback_id)
    if cb is None:
        raise NotFound(_("That call-back no longer exists."))
    require(agent, Act.HANDLE_OWN, owner_id=cb.agent_id)
    acting(session, agent, at)
    if cb.done_at is not None:
        raise QueueError(_("That call-back was already closed at {when}.").format(
            when=cb.done_at.astimezone().strftime("%H:%M")))
    if result not in callback_result_choices(CallbackKind.RETURN_VISIT if _info(cb).is_return_visit else cb.kind):
        raise Invalid({"callback_result": _("“Refused” is an answer to a return visit only.")})
    cb.done_at = at
    cb.done_by_id = agent.id
    cb.result = result.value
    cb.result_note = note
    cb.attempts = (cb.attempts or 0) + 1
    retry_id = retry_due = refused_id = None
    if result in (CallbackResult.BUSY, CallbackResult.NO_ANSWER) and cb.attempts < MAX_CALL_ATTEMPTS:
        retry = Callback(kind=CallbackKind.RETRY.value, due_at=_retry_due(session, cb, at),
                         agent_id=cb.agent_id or agent.id,
                         customer_id=cb.customer_id, customer_name=cb.customer_name, phone=cb.phone,
                         contact_id=cb.contact_id, work_order_id=cb.work_order_id, complaint_id=cb.complaint_id,
                         note=cb.note, created_at=at, created_by_id=agent.id, attempts=cb.attempts,
                         visit_id=cb.visit_id)
        session.add(retry)
        session.flush()
        retry_id, retry_due = retry.id, retry.due_at
    elif result is CallbackResult.REFUSED:
        if not unit_key and cb.customer_id:
            customer = session.get(Customer, cb.customer_id)
            unit_key = customer.unit_key if customer else ""
        refused = RefusedVisit(customer_id=cb.customer_id, unit_key=unit_key, phone=cb.phone,
                               reason=note or result.label, recorded_at=at, recorded_by_id=agent.id,
                               customer_name=cb.customer_name)
        session.add(refused)
        session.flush()
        refused_id = refused.id
    if contact_id is not None:
        _register_row(session, contact_id, result, cb.attempts, retry_due, at)
    if result is CallbackResult.DONE:
        _close_what_it_promised(session, cb, at)
    if cb.kind == CallbackKind.RETRY.value:
        _close_earlier_tries(session, cb, at)
    if cb.visit_id is not None:
        from csdesk.services.visits import callback_closed

        callback_closed(session, cb, result, agent, at, contact_id=contact_id, retry_id=retry_id,
                        refused_id=refused_id)
    session.flush()
    return ClosedCallback(cb.id, result.value, retry_id, retry_due, refused_id)


def _retry_due(session: Session, cb: Callback, at: datetime) -> datetime:
    """When the busy customer is tried again: a return visit's retry by the visit rule (later the
    same day within the regular shift's hours, else the next morning); other call-backs an hour on."""
    if cb.visit_id is None:
        return at + RETRY_AFTER
    from csdesk.clock import local_tz
    from csdesk.services.complaints import regular_hours

    hours = regular_hours(session)
    return visit_retry_at(at.astimezone(local_tz()), hours.start, hours.end)


def _register_row(session: Session, contact_id: int, result: CallbackResult, attempts: int,
                  retry_due: datetime | None, at: datetime) -> None:
    """The register's row of the call says what happened: a call that did not reach the customer
    is not "resolved".  Busy (or no answer) with a retry to come: promised and open, the retry's time
    in its result; not reached after the last try, or refused: closed with no outcome and that result."""
    if result is CallbackResult.DONE:
        return
    contact = session.get(Contact, contact_id)
    if contact is None:
        return
    from csdesk.clock import fmt

    if retry_due is not None:
        contact.outcome = Outcome.PROMISED.value
        contact.status = ContactStatus.OPEN.value
        contact.closed_at = None
        text = (_("Customer busy, retry at {when}.") if result is CallbackResult.BUSY
                else _("No answer, retry at {when}.")).format(when=fmt(retry_due, "%m-%d %H:%M"))
    else:
        contact.outcome = ""  # nobody was reached: nothing was resolved, promised or opened
        contact.status = ContactStatus.CLOSED.value
        contact.closed_at = at
        if result is CallbackResult.REFUSED:
            text = _("Refused the return visit: on the refused-visit list.")
        else:
            text = _("Not reached after {n} calls.").format(n=attempts)
    contact.result = text
    session.flush()


def _close_what_it_promised(session: Session, cb: Callback, at: datetime) -> None:
    """The customer had the reply that was promised (or the check that the referral solved it): the
    contact that promised it closes.  A contact that opened an order stays with its order."""
    if cb.contact_id is None or cb.kind not in (CallbackKind.PROMISED_REPLY.value, CallbackKind.REFERRAL_CHECK.value,
                                                CallbackKind.RETRY.value):
        return
    origin = session.get(Contact, cb.contact_id)
    if (origin is not None and origin.status == ContactStatus.OPEN.value and origin.work_order_id is None
            and origin.outcome in (Outcome.PROMISED.value, Outcome.REFERRED.value)):
        origin.status = ContactStatus.CLOSED.value
        origin.closed_at = at


def _close_earlier_tries(session: Session, cb: Callback, at: datetime) -> None:
    """The retry was made: the register rows of the earlier busy tries (open until it) close."""
    if cb.visit_id is None and cb.contact_id is None and cb.customer_id is None:
        return  # nothing to tell its earlier tries by
    same = (Callback.visit_id == cb.visit_id if cb.visit_id is not None
            else (Callback.contact_id == cb.contact_id) if cb.contact_id is not None
            else (Callback.customer_id == cb.customer_id))
    earlier = select(Callback.id).where(same, Callback.id != cb.id, col(Callback.done_at).is_not(None),
                                        col(Callback.result).in_((CallbackResult.BUSY.value,
                                                                  CallbackResult.NO_ANSWER.value)))
    for contact in session.exec(select(Contact).where(col(Contact.parent_callback_id).in_(earlier),
                                                      Contact.status == ContactStatus.OPEN.value,
                                                      Contact.outcome == Outcome.PROMISED.value)):
        contact.status = ContactStatus.CLOSED.value
        contact.closed_at = at


def acknowledge_escalation(session: Session, escalation_id: int, agent: Actor, note: str = "",
                           at: datetime | None = None) -> AcknowledgedEscalation:
    """A supervisor takes an escalation: who and when are recorded."""
    at = at or utcnow()
    require(agent, Act.ACK_ESCALATION)
    acting(session, agent, at)
    esc = session.get(Escalation, escalation_id)
    if esc is None:
        raise NotFound(_("That escalation no longer exists."))
    if esc.acknowledged_at is not None:
        raise QueueError(_("That escalation was already acknowledged."))
    esc.acknowledged_at = at
    esc.acknowledged_by_id = agent.id
    if note:
        esc.note = note
    if esc.complaint_id is not None and esc.reason == EscalationReason.COMPLAINT.value and esc.to_role != "manager":
        # acknowledging a complaint's escalation is taking the complaint on (and the other way round)
        from csdesk.services.complaints import take_on
        from csdesk.store.models import Complaint

        complaint = session.get(Complaint, esc.complaint_id)
        if complaint is not None and complaint.supervisor_id is None:
            take_on(session, complaint, agent, at, from_queue=True)
    session.flush()
    return AcknowledgedEscalation(esc.id, at, agent.id, agent.staff_no)
