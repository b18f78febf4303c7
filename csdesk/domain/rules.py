"""The desk's rules as pure functions: time limits, escalation, routing, the
work-order lifecycle, return visits.

Every rule the handbook states lives here once; services, screens and the CLI
ask these functions instead of repeating them.  Nothing here touches the
database, the clock or the terminal: what a rule needs is passed in.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import NamedTuple

from csdesk.domain.vocab import (
    CallbackKind,
    CallbackResult,
    EscalationReason,
    OrderStatus,
    Outcome,
    Urgency,
    VisitStatus,
)

# --------------------------------------------------------------------------- time limits

ORDER_DEADLINES: dict[Urgency, timedelta] = {
    Urgency.NORMAL: timedelta(hours=24),
    Urgency.URGENT: timedelta(hours=2),
    Urgency.CRITICAL: timedelta(hours=1),  # configurable: critical_deadline_minutes
}
PROMISED_REPLY_DEFAULT = timedelta(hours=1)
LOW_SCORE_CALLBACK = timedelta(hours=2)
LOW_SCORE_THRESHOLD = 3  # satisfaction 1-3 means a call-back
CALLBACK_OFFER_AFTER = timedelta(seconds=60)
OVERDUE_EXPLAIN_WITHIN = timedelta(hours=1)
DISPATCH_WITHIN = timedelta(minutes=5)  # the service record written and engineering told
DUE_SOON_SHARE = 0.8  # an order is "due soon" once 80 % of its time is gone
COMPLAINT_REPLY_WORKING_HOURS = 4.5  # half a working day of the regular shift (09:00-18:00)
RETURN_VISIT_SHARE = 0.30
NEW_STAFF_PERIOD = timedelta(days=90)  # "new staff": in their first 3 months
COMPLAINED_ABOUT_WINDOW = timedelta(days=183)  # a complaint against them in the last 6 months
REPEAT_WINDOW = timedelta(days=7)
HANDOVER_CHECK_BEFORE_END = timedelta(minutes=30)
HANDOVER_ACK_WITHIN = timedelta(minutes=30)
REFERRAL_CHECK_AFTER = timedelta(days=1)
RETRY_AFTER = timedelta(hours=1)
MAX_CALL_ATTEMPTS = 2  # a busy customer is tried once more, then the call-back is closed unreached


def order_deadline(urgency: Urgency | str, critical_minutes: int | None = None) -> timedelta:
    """How long an order of ``urgency`` may take: 24 h, 2 h, critical from configuration."""
    urgency = Urgency(urgency)
    if urgency is Urgency.CRITICAL and critical_minutes:
        return timedelta(minutes=critical_minutes)
    return ORDER_DEADLINES[urgency]


def due_soon_at(created_at: datetime, deadline_at: datetime) -> datetime:
    """When an order becomes "due soon": 80 % of its time gone."""
    return created_at + (deadline_at - created_at) * DUE_SOON_SHARE


class DueState(StrEnum):
    OK = "ok"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


def due_state(created_at: datetime, deadline_at: datetime, at: datetime) -> DueState:
    if at >= deadline_at:
        return DueState.OVERDUE
    if at >= due_soon_at(created_at, deadline_at):
        return DueState.DUE_SOON
    return DueState.OK


# --------------------------------------------------------------------------- categories, outcomes, routing


def top_category(code: str) -> str:
    """``repair.water`` -> ``repair``."""
    return (code or "").split(".", 1)[0]


def default_outcome(category: str) -> Outcome:
    """Repairs become work orders, complaints go to the supervisor, the rest is resolved on the call."""
    top = top_category(category)
    if top == "repair":
        return Outcome.WORK_ORDER
    if top == "complaint":
        return Outcome.ESCALATED
    return Outcome.RESOLVED


def allowed_outcomes(category: str) -> tuple[Outcome, ...]:
    """Agents do not settle complaints alone: a complaint is escalated (or becomes an order)."""
    if top_category(category) == "complaint":
        return (Outcome.ESCALATED, Outcome.WORK_ORDER)
    return tuple(Outcome)


def settle_outcome(category: str, outcome: Outcome | None) -> Outcome | None:
    """The outcome a contact gets: the chosen one unless the rules overrule it."""
    if outcome is None:
        return default_outcome(category) if category else None
    if outcome not in allowed_outcomes(category):
        return Outcome.ESCALATED
    return outcome


def escalation_reason(category: str, urgency: Urgency | str, outcome: Outcome | None) -> EscalationReason | None:
    """Why a contact goes to the supervisor at once, if it does.

    Complaints, urgent and critical matters always do; anything else only when
    the agent escalates it.
    """
    urgency = Urgency(urgency)
    if top_category(category) == "complaint":
        return EscalationReason.COMPLAINT
    if urgency is Urgency.CRITICAL:
        return EscalationReason.CRITICAL
    if urgency is Urgency.URGENT:
        return EscalationReason.URGENT
    if outcome is Outcome.ESCALATED:
        return EscalationReason.MANUAL
    return None


def escalates_by_itself(category: str, urgency: Urgency | str) -> bool:
    """True when the rules escalate the contact whatever outcome is chosen."""
    return escalation_reason(category, urgency, None) is not None


def needs_written_reason(category: str, urgency: Urgency | str, outcome: Outcome | None) -> bool:
    """An escalation the agent asks for needs a one-line reason; automatic ones carry their own."""
    return outcome is Outcome.ESCALATED and not escalates_by_itself(category, urgency)


def default_department(routing: Mapping[str, str | None], category: str) -> str:
    """The department a category routes to: the sub-type's, else its top category's, else none."""
    return routing.get(category) or routing.get(top_category(category)) or ""


def identity_proof_counts(found_by: str, how: str) -> bool:
    """Whether an answer proves the caller's identity for an information change.

    Proof is something the caller has not already said: a caller found by the last four
    digits of the number cannot prove it with those same four digits (the name on record
    or the full registered number still count).  ``found_by``: how the caller was found
    (``phone``, ``last4``, ``name``, …; "" unknown); ``how``: what the answer matched
    (``last4``, ``full_number``, ``order_name``)."""
    return bool(how) and not (how == "last4" and found_by == "last4")


def callback_result_choices(kind: CallbackKind | str | None) -> tuple[CallbackResult, ...]:
    """"Refused" is a return-visit answer only."""
    if kind is not None and CallbackKind(kind) is CallbackKind.RETURN_VISIT:
        return tuple(CallbackResult)
    return tuple(r for r in CallbackResult if r is not CallbackResult.REFUSED)


def needs_low_score_callback(satisfaction: int | None) -> bool:
    return satisfaction is not None and 1 <= satisfaction <= LOW_SCORE_THRESHOLD


# --------------------------------------------------------------------------- the work-order lifecycle

ALLOWED_ORDER_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.OPEN: frozenset({OrderStatus.DISPATCHED, OrderStatus.ON_HOLD, OrderStatus.CANCELLED}),
    OrderStatus.DISPATCHED: frozenset({OrderStatus.IN_PROGRESS, OrderStatus.ON_HOLD, OrderStatus.CANCELLED,
                                       OrderStatus.DONE}),
    OrderStatus.IN_PROGRESS: frozenset({OrderStatus.DONE, OrderStatus.ON_HOLD, OrderStatus.CANCELLED}),
    OrderStatus.ON_HOLD: frozenset({OrderStatus.DISPATCHED, OrderStatus.IN_PROGRESS, OrderStatus.CANCELLED}),
    OrderStatus.DONE: frozenset({OrderStatus.CLOSED}),  # a problem found later is a new, linked order
    OrderStatus.CLOSED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}
OPEN_ORDER_STATUSES: tuple[OrderStatus, ...] = (
    OrderStatus.OPEN, OrderStatus.DISPATCHED, OrderStatus.IN_PROGRESS, OrderStatus.ON_HOLD)
REASON_REQUIRED: frozenset[OrderStatus] = frozenset({OrderStatus.ON_HOLD, OrderStatus.CANCELLED})


def can_move(current: OrderStatus | str, target: OrderStatus | str) -> bool:
    return OrderStatus(target) in ALLOWED_ORDER_TRANSITIONS[OrderStatus(current)]


def next_statuses(current: OrderStatus | str) -> tuple[OrderStatus, ...]:
    """The moves open to an order, in lifecycle order."""
    allowed = ALLOWED_ORDER_TRANSITIONS[OrderStatus(current)]
    return tuple(s for s in OrderStatus if s in allowed)


def is_open_order(status: OrderStatus | str) -> bool:
    return OrderStatus(status) in OPEN_ORDER_STATUSES


def resumed_deadline(deadline_at: datetime, held_from: datetime, resumed_at: datetime) -> datetime:
    """Time on hold does not count against the deadline: it moves by the time held."""
    return deadline_at + max(resumed_at - held_from, timedelta(0))


def dispatch_late(received_at: datetime, dispatched_at: datetime | None, at: datetime) -> bool:
    """The 5-minute rule: an order not dispatched within 5 minutes of its call."""
    return (dispatched_at or at) - received_at > DISPATCH_WITHIN


class ExplanationState(StrEnum):
    """The owner's explanation of an overdue order: owed within 1 hour of the escalation."""

    NONE = "none"  # not escalated
    OWED = "owed"
    LATE = "late"  # owed, and the hour is gone
    GIVEN = "given"  # waiting for the supervisor
    ACKNOWLEDGED = "acknowledged"


def explanation_state(escalated_at: datetime | None, explained_at: datetime | None,
                      acknowledged_at: datetime | None, at: datetime) -> ExplanationState:
    if escalated_at is None:
        return ExplanationState.NONE
    if acknowledged_at is not None:
        return ExplanationState.ACKNOWLEDGED
    if explained_at is not None:
        return ExplanationState.GIVEN
    return ExplanationState.LATE if at > escalated_at + OVERDUE_EXPLAIN_WITHIN else ExplanationState.OWED


# --------------------------------------------------------------------------- return visits


class VisitReason(StrEnum):
    """Why an order is in the month's return-visit draw."""

    COMPLAINT = "complaint"  # tied to a complaint
    PAID = "paid"  # a paid service
    NEW_STAFF = "new_staff"  # done by a technician in their first 3 months
    COMPLAINED_STAFF = "complained_staff"  # done by staff complained about in the last 6 months
    SAMPLE = "sample"  # drawn at random (the 30 %)


MANDATORY_VISIT_REASONS: tuple[VisitReason, ...] = (
    VisitReason.COMPLAINT, VisitReason.PAID, VisitReason.NEW_STAFF, VisitReason.COMPLAINED_STAFF)


class CompletedOrder(NamedTuple):
    """What the return-visit rules need to know of a completed order.

    A named tuple (immutable, like a frozen dataclass): a month's draw builds ~100,000 of
    them, and a tuple is made ten times faster.
    """

    id: int
    completed_at: datetime
    has_complaint: bool = False
    paid: bool = False
    technician_hired: date | None = None
    technician_complained_at: Sequence[datetime] = ()  # ascending
    refused: bool = False  # the customer is on the refused-visit list


def is_new_staff(hired: date | None, on: date) -> bool:
    return hired is not None and timedelta(0) <= on - hired < NEW_STAFF_PERIOD


def mandatory_visit_reasons(order: CompletedOrder) -> tuple[VisitReason, ...]:
    """The four kinds that are always visited, those that apply to ``order``."""
    reasons = []
    if order.has_complaint:
        reasons.append(VisitReason.COMPLAINT)
    if order.paid:
        reasons.append(VisitReason.PAID)
    if order.technician_hired is not None and is_new_staff(order.technician_hired, order.completed_at.date()):
        reasons.append(VisitReason.NEW_STAFF)
    times = order.technician_complained_at  # ascending
    if times:
        first = bisect_left(times, order.completed_at - COMPLAINED_ABOUT_WINDOW)  # a busy technician has hundreds
        if first < len(times) and times[first] <= order.completed_at:
            reasons.append(VisitReason.COMPLAINED_STAFF)
    return tuple(reasons)


def sample_size(population: int, share: float = RETURN_VISIT_SHARE) -> int:
    """30 % of the orders, rounded half up (3 of 10, 1 of 2, 0 of 1 -> 1 of 2 …)."""
    return math.floor(population * share + 0.5)


def draw_visits(orders: Iterable[CompletedOrder], seed: int,
                share: float = RETURN_VISIT_SHARE) -> dict[int, tuple[VisitReason, ...]]:
    """The month's draw: every order of the four kinds, plus ``share`` of the rest at random.

    Customers on the refused-visit list are never drawn.  The same orders and
    seed always give the same draw.
    """
    return top_up_visits(orders, seed, share=share).picked


@dataclass(frozen=True)
class VisitTopUp:
    """What a draw (or a later addition to it) picked, and the running count of the rest."""

    picked: dict[int, tuple[VisitReason, ...]]
    rest: int  # orders of no mandatory kind seen so far (this batch and the ones before)
    sampled: int  # of those, drawn at random so far


def top_up_visits(orders: Iterable[CompletedOrder], seed: int, *, rest_before: int = 0, sampled_before: int = 0,
                  share: float = RETURN_VISIT_SHARE) -> VisitTopUp:
    """Add a batch of orders to a draw by the same rules: every order of the four kinds, and as many
    of the batch's rest at random as keep the whole draw at ``share`` of the rest (rounded).

    ``rest_before``/``sampled_before`` are the draw's counts so far; a first draw passes none and is
    :func:`draw_visits`.  Orders completed after the draw are added this way, batch by batch, and
    the running sample stays ``sample_size(rest)`` however the batches fall.
    """
    picked: dict[int, tuple[VisitReason, ...]] = {}
    rest: list[int] = []
    for order in sorted(orders, key=lambda o: o.id):
        if order.refused:
            continue
        reasons = mandatory_visit_reasons(order)
        if reasons:
            picked[order.id] = reasons
        else:
            rest.append(order.id)
    rest_total = rest_before + len(rest)
    wanted = min(len(rest), max(0, sample_size(rest_total, share) - sampled_before))
    rng = random.Random(seed)
    for order_id in rng.sample(rest, wanted):
        picked[order_id] = (VisitReason.SAMPLE,)
    return VisitTopUp(picked, rest_total, sampled_before + wanted)


def visit_due(completed_at_local: datetime) -> date:
    """A return visit happens the day after completion."""
    return completed_at_local.date() + timedelta(days=1)


def customer_reached(result: CallbackResult | None) -> bool:
    """Whether a contact reached the customer: any contact but a call-back answered busy, not at all, or
    refused.  Only a contact that reached someone needs a matter, files a complaint or escalates."""
    return result in (None, CallbackResult.DONE)


def visit_result_status(result: CallbackResult, attempts: int,
                        reached_outcome: Outcome | None = None) -> VisitStatus:
    """The state a return visit goes to when its call ends with ``result`` (``attempts`` calls so far).

    Reached: satisfied when the matter was settled on the call, else "a problem" (a new
    contact, and if needed a new order).  Busy or no answer: one more try, then not reached.
    Refused: the customer goes on the refused-visit list.
    """
    if result is CallbackResult.DONE:
        return VisitStatus.SATISFIED if reached_outcome in (None, Outcome.RESOLVED) else VisitStatus.PROBLEM
    if result is CallbackResult.REFUSED:
        return VisitStatus.REFUSED
    return VisitStatus.RETRY if attempts < MAX_CALL_ATTEMPTS else VisitStatus.UNREACHED


def visit_retry_at(at_local: datetime, opens: time, closes: time) -> datetime:
    """When a busy (or unanswering) customer of a return visit is tried once more.

    :data:`RETRY_AFTER` later when that is still within the desk's hours of the day
    (``opens``-``closes``, the regular shift); before opening, at opening the same day;
    after closing, at opening the next day.  ``at_local`` is aware, in the desk's zone.
    """
    retry = at_local + RETRY_AFTER
    day = at_local.date()
    if retry.date() == day and opens <= retry.time() <= closes:
        return retry
    if retry.date() == day and retry.time() < opens:
        return datetime.combine(day, opens, tzinfo=at_local.tzinfo)
    return datetime.combine(day + timedelta(days=1), opens, tzinfo=at_local.tzinfo)


VISIT_OPEN: tuple[VisitStatus, ...] = (VisitStatus.DUE, VisitStatus.RETRY)
VISIT_DONE: tuple[VisitStatus, ...] = (VisitStatus.SATISFIED, VisitStatus.PROBLEM)  # the customer was reached


# --------------------------------------------------------------------------- complaints


def complaint_due_state(due_soon_at: datetime, due_at: datetime, at: datetime) -> DueState:
    """Due soon and overdue "as for orders": the reply deadline's 80 % point and the deadline itself
    (both counted in working hours: :func:`csdesk.domain.shifts.reply_deadline`)."""
    if at >= due_at:
        return DueState.OVERDUE
    if at >= due_soon_at:
        return DueState.DUE_SOON
    return DueState.OK
