"""Work orders: one per contact whose outcome is a work order, with its history.

How far an order got depends on its age (:data:`csdesk.demo.shape.ORDERS_OLD` …)
and on what has happened by now; every move is one the domain allows
(:data:`csdesk.domain.rules.ALLOWED_ORDER_TRANSITIONS`, checked by the tests).
Deadlines, the low-score call-back and the return-visit rules are the domain's.
"""

from __future__ import annotations

from datetime import timedelta

from csdesk.demo import followups, visits
from csdesk.demo.run import ContactInfo, Run, aligned
from csdesk.demo.shape import ORDER_DEPARTMENT, ORDERS_OLD, ORDERS_RECENT, ORDERS_TODAY, SAT_CUM
from csdesk.demo.texts import (
    CANCEL_REASONS,
    HOLD_REASONS,
    LOW_OPINIONS,
    LOW_SCORE_NOTE,
    NOT_DISPATCHED,
    OPINIONS,
    ORDER_CLOSED_CONFIRMED,
    ORDER_COMPLETED,
    ORDER_DISPATCHED,
    ORDER_DISPATCHED_TO,
    ORDER_OPENED,
    ORDER_OVERDUE,
    ORDER_RESULT_DEFAULT,
    ORDER_STARTED,
)
from csdesk.domain import EscalationReason, OrderStatus, Urgency
from csdesk.domain.rules import (
    DISPATCH_WITHIN,
    LOW_SCORE_CALLBACK,
    OPEN_ORDER_STATUSES,
    needs_low_score_callback,
    order_deadline,
)

_DEADLINE_S = {u.value: int(order_deadline(u).total_seconds()) for u in Urgency}
_LOW_SCORE_S = int(LOW_SCORE_CALLBACK.total_seconds())
_DISPATCH_S = int(DISPATCH_WITHIN.total_seconds())
_APPOINTMENT_HOURS = (9, 10, 14, 15, 16)
_OPEN, _DISPATCHED, _IN_PROGRESS, _DONE, _CLOSED, _ON_HOLD, _CANCELLED = (
    OrderStatus.OPEN.value, OrderStatus.DISPATCHED.value, OrderStatus.IN_PROGRESS.value, OrderStatus.DONE.value,
    OrderStatus.CLOSED.value, OrderStatus.ON_HOLD.value, OrderStatus.CANCELLED.value)
_CHAIN = (_OPEN, _DISPATCHED, _IN_PROGRESS, _DONE, _CLOSED)  # the straight way through
_NORMAL, _URGENT = Urgency.NORMAL.value, Urgency.URGENT.value
_STILL_OPEN = frozenset(s.value for s in OPEN_ORDER_STATUSES)
_OVERDUE = EscalationReason.OVERDUE.value


def make_order(run: Run, info: ContactInfo) -> dict:
    """The work order of contact ``info``, its events and, when overdue, its escalation.

    Returns the row, whose ``number`` is set later (numbers follow time order
    within the day) and whose ``_closed`` says when the matter was settled.
    """
    rng = run.rng
    spec = info.spec
    topic = info.topic
    now = run.now
    oid = run.ids("workorder")
    created = info.ended + run.ri(30, _DISPATCH_S - 60)  # the service record: within 5 minutes of the call
    if created > now:
        created = now - 1
    deadline = created + _DEADLINE_S[info.urgency]
    age = now - created
    target = spec.get("order_status")
    if target is None:
        target = run.choice_w(ORDERS_OLD if age > 3 * 86400 else ORDERS_RECENT if age > 86400
                              else ORDERS_TODAY)
    tech = run.technician(topic.department or ORDER_DEPARTMENT, info.ctx["tech"])  # from the roster
    staff, aid = info.staff_no, info.agent_id
    fast = info.urgency != _NORMAL
    dispatched = created + run.ri(60, _DISPATCH_S if fast else 2 * _DISPATCH_S)  # normal ones: some late
    started = dispatched + (run.ri(300, 1800) if fast else run.ri(600, 6 * 3600))
    if fast:
        completed = started + run.ri(15 * 60, 150 * 60 if info.urgency == _URGENT else 80 * 60)
    else:
        completed = started + int(rng.lognormvariate(8.6, 0.9))  # a few hours, some over a day
    if "done_ago" in spec:
        completed = now - spec["done_ago"]
        started = min(started, completed - 1800)
        dispatched = min(dispatched, started - 600)
    # What has happened by now decides how far the order got.
    chain = _CHAIN
    if target in chain:
        times = {_OPEN: created, _DISPATCHED: dispatched, _IN_PROGRESS: started, _DONE: completed}
        idx = chain.index(target)
        while idx > 0 and chain[idx] != _CLOSED and times[chain[idx]] > now:
            idx -= 1
        target = chain[idx] if not (chain[idx] == _CLOSED and completed > now) else _IN_PROGRESS
        if target == _IN_PROGRESS and started > now:
            target = _DISPATCHED if dispatched <= now else _OPEN
    paid = bool(topic.fees) and (spec.get("paid") or rng.random() < 0.28)
    fee_code = run.pick(topic.fees) if paid else ""
    price = run.ref.fee_prices.get(fee_code)
    department = topic.department or ORDER_DEPARTMENT
    dept_name = run.ref.department(department)[0]
    wo = {**run.defaults["workorder"],
          "id": oid, "number": None, "contact_id": info.cid, "customer_id": info.cust_id,
          "customer_name": info.cname, "phone": info.phone, "unit_key": info.ukey, "address": info.caddr,
          "description": info.summary, "category": topic.category, "subtype": topic.subtype,
          "urgency": info.urgency, "department": department,
          "deadline_at": run.ts(deadline), "paid": paid, "fee_item_code": fee_code,
          "quoted_fee_fen": price if paid else None, "status": target, "owner_id": aid,
          "created_by_id": aid, "created_at": run.ts(created), "_closed": None}
    if info.urgency == _NORMAL and rng.random() < 0.3:
        appt_day = run.local_day(created) + timedelta(days=1)
        wo["appointment_at"] = run.ts(run.midnight(appt_day) + run.pick(_APPOINTMENT_HOURS) * 3600)
    ev = run.day.events
    ev_def = run.defaults["workorderevent"]

    def event(at, frm, to, note, who=staff, who_id=aid):
        ev.append({**ev_def, "id": run.ids("workorderevent"), "work_order_id": oid, "at": run.ts(at),
                   "agent_id": who_id, "staff_no": who, "from_status": frm, "to_status": to, "note": note})

    event(created, "", _OPEN, ORDER_OPENED.format(number=info.number, dept=dept_name))
    last = _OPEN
    if target == _CANCELLED:
        at = min(now, created + run.ri(600, 20 * 3600))
        if rng.random() < 0.5 and dispatched < at:
            event(dispatched, _OPEN, _DISPATCHED, ORDER_DISPATCHED.format(tech=tech))
            last = _DISPATCHED
            wo["dispatched_at"] = run.ts(dispatched)
            wo["assignee"] = tech
        reason = run.pick(CANCEL_REASONS)
        event(at, last, _CANCELLED, reason)
        wo["cancel_reason"] = reason
        wo["closed_at"] = run.ts(at)
        wo["_closed"] = at
    elif target == _ON_HOLD:
        event(dispatched if dispatched <= now else created, _OPEN, _DISPATCHED, ORDER_DISPATCHED.format(tech=tech))
        wo["dispatched_at"] = run.ts(min(dispatched, now))
        wo["assignee"] = tech
        at = min(now, dispatched + run.ri(600, 8 * 3600))
        reason = run.pick(HOLD_REASONS)
        event(at, _DISPATCHED, _ON_HOLD, reason)
        wo["hold_reason"] = reason
    elif target != _OPEN:
        event(dispatched, _OPEN, _DISPATCHED, ORDER_DISPATCHED_TO.format(tech=tech, dept=dept_name))
        wo["dispatched_at"] = run.ts(dispatched)
        wo["assignee"] = tech
        wo["copies_printed"] = 3  # customer, engineering and file copies
        if target in (_IN_PROGRESS, _DONE, _CLOSED):
            event(started, _DISPATCHED, _IN_PROGRESS, ORDER_STARTED.format(tech=tech))
        if target in (_DONE, _CLOSED):
            complete_order(run, wo, info, completed, tech, event)
    overdue = wo["status"] in _STILL_OPEN and deadline < now
    if overdue:
        esc_at = deadline + run.ri(30, 300)
        if esc_at <= now:
            wo["overdue_escalated_at"] = run.ts(esc_at)
            followups.make_escalation(run, info, _OVERDUE,
                                      ORDER_OVERDUE.format(tech=tech or NOT_DISPATCHED), at=esc_at,
                                      work_order_id=oid, ack=spec.get("ack"))
    run.day.orders.append(wo)
    return wo


def complete_order(run: Run, wo: dict, info: ContactInfo, completed: int, tech: str, event) -> None:
    """Completion (result, materials, fee, opinion, satisfaction), the low-score call-back, and
    the close (after the return visit when the order is drawn for one: :mod:`csdesk.demo.visits`)."""
    rng = run.rng
    spec = info.spec
    topic = info.topic
    now = run.now
    result = aligned(topic.order_results or (ORDER_RESULT_DEFAULT,), topic.summaries, info.ctx["si"], rng)
    sat = spec.get("satisfaction") or run.choice_w(SAT_CUM)
    low = needs_low_score_callback(sat)
    wo.update(completed_at=run.ts(completed), result=result, materials=run.pick(topic.materials),
              customer_opinion=run.pick(LOW_OPINIONS if low else OPINIONS),
              signed=rng.random() < 0.92, satisfaction=sat, completed_by=tech)
    if wo["paid"]:
        price = wo["quoted_fee_fen"]
        wo["fee_charged_fen"] = price if price is not None else run.ri(10, 60) * 1000
    event(completed, _IN_PROGRESS, _DONE, ORDER_COMPLETED.format(result=result))
    if low:
        followups.make_callback_chain(run, info, followups.LOW_SCORE, completed + _LOW_SCORE_S,
                                      work_order_id=wo["id"], note=LOW_SCORE_NOTE.format(sat=sat))
    # Whether it waits for a return visit is the month's draw's (csdesk.demo.visits): the order
    # closes when the customer confirms the work, or after its visit; its contact closes at the
    # confirmation either way.
    confirmed, closed_at = visits.order_completed(run, wo, info, completed)
    if spec.get("order_status") == _DONE:
        confirmed = closed_at = None
    if closed_at is not None and closed_at <= now:
        wo["status"] = _CLOSED
        wo["closed_at"] = run.ts(closed_at)
        event(closed_at, _DONE, _CLOSED, ORDER_CLOSED_CONFIRMED)
    else:
        wo["status"] = _DONE
    wo["_closed"] = confirmed if confirmed is not None and confirmed <= now else None
