"""What follows a contact: call-backs (and what came of them), escalations to the
supervisor, complaints and the refused-visit list."""

from __future__ import annotations

from csdesk.demo.run import ContactInfo, Run
from csdesk.demo.shape import (
    CALL_RESULTS,
    COMPLAINED_ABOUT,
    STAND_IN,
    SUPERVISOR,
    SUPERVISOR_ON,
    VISIT_RESULT_WEIGHTS,
    weighted,
)
from csdesk.demo.texts import (
    CALLBACK_BUSY,
    CALLBACK_DONE_NOTES,
    CALLBACK_NO_ANSWER,
    CALLBACK_NOTES,
    COMPLAINT_PLANS,
    COMPLAINT_RESPONSES,
    ESCALATION_ACK_NOTES,
    ESCALATION_REASONS,
    REFUSAL_REASONS,
    RETRY_NOTE,
    VISIT_NOTES,
)
from csdesk.domain import CallbackKind, CallbackResult, ComplaintStatus, EscalationReason
from csdesk.domain.rules import MAX_CALL_ATTEMPTS, callback_result_choices

PROMISED_REPLY, REFERRAL_CHECK, LOW_SCORE, RETURN_VISIT, RETRY = (k.value for k in CallbackKind)
_DONE, _BUSY, _REFUSED = CallbackResult.DONE.value, CallbackResult.BUSY.value, CallbackResult.REFUSED.value
_OPEN, _ESCALATED, _CLOSED = ComplaintStatus.OPEN.value, ComplaintStatus.ESCALATED.value, ComplaintStatus.CLOSED.value
_COMPLAINT = EscalationReason.COMPLAINT.value
# Visits and referral checks: what came of them, among the results the domain allows each kind.
_VISIT_RESULTS = {kind: weighted((r, w) for r, w in VISIT_RESULT_WEIGHTS if r in callback_result_choices(kind))
                  for kind in (RETURN_VISIT, REFERRAL_CHECK)}


def make_callback_chain(run: Run, info: ContactInfo, kind: str, due: int, *, work_order_id=None,
                        complaint_id=None, note: str = "", attempt: int = 1) -> int | None:
    """A call-back and what came of it (a busy customer is tried again, up to the domain's
    :data:`~csdesk.domain.rules.MAX_CALL_ATTEMPTS`); returns when the matter was settled (or None)."""
    rng = run.rng
    spec = info.spec
    now = run.now
    if spec.get("callback") == kind and "due_in" in spec:
        due = now + spec["due_in"]
    owner = info.staff_no
    if owner in run.left_at and due > run.left_at[owner]:
        owner = STAND_IN
    aid = run.agents[owner]
    template = CALLBACK_NOTES.get(kind)
    created = min(info.ended, now)
    cb = {**run.defaults["callback"], "id": run.ids("callback"), "kind": kind, "due_at": run.ts(due),
          "agent_id": aid, "customer_id": info.cust_id, "customer_name": info.cname, "phone": info.phone,
          "contact_id": info.cid, "work_order_id": work_order_id, "complaint_id": complaint_id,
          "note": template.format(summary=info.summary[:40]) if template else note,
          "created_at": run.ts(created), "created_by_id": info.agent_id}
    run.day.callbacks.append(cb)
    open_wanted = spec.get("callback") == kind and spec.get("open", True)
    done_at = due - run.ri(0, 50 * 60) if kind == PROMISED_REPLY else due + run.ri(0, 90 * 60)
    if kind == PROMISED_REPLY and rng.random() < 0.1:
        done_at = due + run.ri(5 * 60, 3 * 3600)  # a promise kept late
    done_at = max(done_at, created + 60)
    if open_wanted or done_at > now:
        if "attempts" in spec and spec.get("callback") == kind:
            cb["attempts"] = spec["attempts"]
        return None
    if kind == RETURN_VISIT and spec.get("visit_result"):
        res = spec["visit_result"]
    elif kind in _VISIT_RESULTS:
        res = run.choice_w(_VISIT_RESULTS[kind])
    else:
        res = run.choice_w(CALL_RESULTS)
    cb.update(done_at=run.ts(done_at), done_by_id=aid, result=res, attempts=1)
    if res == _DONE:
        visit_note = run.pick(VISIT_NOTES)  # drawn whatever the kind, as the seeds' data always had it
        cb["result_note"] = visit_note if kind == RETURN_VISIT else CALLBACK_DONE_NOTES[kind]
        return done_at
    if res == _REFUSED:
        cb["result_note"] = run.pick(REFUSAL_REASONS)
        if info.cust_id is not None and info.cust_id not in run.refused_units:
            run.refused_units.add(info.cust_id)
            run.day.refused.append({**run.defaults["refusedvisit"], "id": run.ids("refusedvisit"),
                                    "customer_id": info.cust_id, "unit_key": info.ukey, "phone": info.phone,
                                    "reason": cb["result_note"], "recorded_at": run.ts(done_at),
                                    "recorded_by_id": aid, "active": True})
        return done_at
    cb["result_note"] = CALLBACK_BUSY if res == _BUSY else CALLBACK_NO_ANSWER
    retry_due = done_at + run.ri(2 * 3600, 26 * 3600)
    if spec.get("callback") == RETRY and "due_in" in spec:
        retry_due = now + spec["due_in"]
    if attempt >= MAX_CALL_ATTEMPTS:  # closed unreached
        return done_at
    return make_callback_chain(run, info, RETRY, retry_due, work_order_id=work_order_id,
                               complaint_id=complaint_id, note=RETRY_NOTE, attempt=attempt + 1)


def make_escalation(run: Run, info: ContactInfo, reason: str, why: str, *, at: int | None = None,
                    work_order_id=None, complaint_id=None, ack=None) -> int | None:
    """An escalation to the supervisor on shift; returns when it was acknowledged (or None)."""
    rng = run.rng
    now = run.now
    at = min(now, info.ended + run.ri(20, 120)) if at is None else at
    sup = run.agents[SUPERVISOR_ON[run.shift_of(at, run.midnight(run.local_day(at)))]]
    row = {**run.defaults["escalation"], "id": run.ids("escalation"), "reason": reason,
           "summary": f"{info.short} {info.summary}"[:120] + f"（{why}）",
           "contact_id": info.cid, "work_order_id": work_order_id, "complaint_id": complaint_id,
           "customer_id": info.cust_id, "created_at": run.ts(at), "created_by_id": info.agent_id}
    ack_at = at + run.ri(120, 40 * 60)
    if ack is None:
        ack = ack_at <= now and (now - at > 6 * 3600 or rng.random() < 0.6)
    run.day.escalations.append(row)
    if ack and ack_at <= now:
        row.update(acknowledged_at=run.ts(ack_at), acknowledged_by_id=sup, note=run.pick(ESCALATION_ACK_NOTES))
        return ack_at
    return None


def make_complaint(run: Run, info: ContactInfo, order: dict | None = None) -> dict:
    """The complaint tracking record of contact ``info`` and its escalation; ``order``: the
    work order the contact opened, if it did.

    Returns the row, whose ``number`` is set later and whose ``_closed`` says
    when the complaint was closed.
    """
    rng = run.rng
    spec = info.spec
    now = run.now
    cpid = run.ids("complaint")
    escalated = info.ended + run.ri(60, 600)
    status = spec.get("complaint_status")
    if status is None:
        if escalated > now:
            status = _OPEN
        elif now - escalated > 12 * 3600:
            status = _CLOSED if rng.random() < 0.92 else _ESCALATED
        else:
            status = _CLOSED if rng.random() < 0.4 else _ESCALATED
    about_agent = None
    if info.topic.key == "service" and rng.random() < 0.5:
        about_agent = run.agents[COMPLAINED_ABOUT]
    last = run.last_order.get(info.cust_id) if info.cust_id is not None else None
    reason = run.pick(ESCALATION_REASONS[:3])
    phone = info.phone
    cp = {**run.defaults["complaint"],
          "id": cpid, "number": None, "customer_id": info.cust_id, "customer_name": info.cname,
          "contact_phone": phone if rng.random() < 0.8 else (f"…{phone[-4:]}" if phone else ""),
          "complained_at": run.ts(info.e), "about": info.summary,
          "order_ref": (last[1] if last and info.topic.key == "quality"
                        else info.ctx["order"] if info.topic.key == "service" and rng.random() < 0.5 else ""),
          "work_order_id": (order["id"] if order is not None
                            else last[0] if last and info.topic.key == "quality" else None),
          "contact_id": info.cid, "first_handler_id": info.agent_id,
          "first_handler_staff_no": info.staff_no, "about_agent_id": about_agent,
          "status": status, "_closed": None}
    if status != _OPEN:
        escalated = min(escalated, now)
        cp.update(escalated_at=run.ts(escalated), escalation_reason=reason, supervisor_id=run.agents[SUPERVISOR])
        ack = make_escalation(run, info, _COMPLAINT, reason, at=escalated, complaint_id=cpid,
                              ack=True if status == _CLOSED else spec.get("ack"))
        if ack is not None or status == _CLOSED:
            cp["plan"] = run.pick(COMPLAINT_PLANS)
    if status == _CLOSED:
        closed = min(now, escalated + run.ri(3600, 6 * 3600))
        cp.update(customer_response=run.pick(COMPLAINT_RESPONSES[:3]), closed_at=run.ts(closed))
        cp["_closed"] = closed
    run.day.complaints.append(cp)
    return cp
