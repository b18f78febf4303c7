"""What follows a contact: call-backs (and what came of them) and escalations to the
supervisor.  Complaints are :mod:`csdesk.demo.complaints`; return visits, their call-backs and the
refused-visit list are :mod:`csdesk.demo.visits`."""

from __future__ import annotations

from csdesk.demo.run import ContactInfo, Run
from csdesk.demo.shape import (
    CALL_RESULTS,
    STAND_IN,
    SUPERVISOR_ON,
    VISIT_RESULT_WEIGHTS,
    weighted,
)
from csdesk.demo.texts import (
    CALLBACK_BUSY,
    CALLBACK_DONE_NOTES,
    CALLBACK_NO_ANSWER,
    CALLBACK_NOTES,
    ESCALATION_ACK_NOTES,
    RETRY_NOTE,
    VISIT_NOTES,
)
from csdesk.domain import CallbackKind, CallbackResult
from csdesk.domain.rules import MAX_CALL_ATTEMPTS, RETRY_AFTER, callback_result_choices

PROMISED_REPLY, REFERRAL_CHECK, LOW_SCORE, RETURN_VISIT, RETRY = (k.value for k in CallbackKind)
_DONE, _BUSY = CallbackResult.DONE.value, CallbackResult.BUSY.value
_RETRY_S = int(RETRY_AFTER.total_seconds())
# Referral checks: what came of them, among the results the domain allows the kind.
_VISIT_RESULTS = {REFERRAL_CHECK: weighted((r, w) for r, w in VISIT_RESULT_WEIGHTS
                                           if r in callback_result_choices(REFERRAL_CHECK))}


def make_callback_chain(run: Run, info: ContactInfo, kind: str, due: int, *, work_order_id=None,
                        complaint_id=None, note: str = "", attempt: int = 1, created: int | None = None) -> int | None:
    """A call-back and what came of it (a busy customer is tried again an hour later, up to the
    domain's :data:`~csdesk.domain.rules.MAX_CALL_ATTEMPTS`); returns when the matter was settled (or
    None).  Return visits are :mod:`csdesk.demo.visits`'s."""
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
    created = min(info.ended, now) if created is None else created  # a retry: when the call before it ended
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
    cb["attempts"] = attempt - 1  # a retry carries the calls made before it
    if open_wanted or done_at > now:
        if "attempts" in spec and spec.get("callback") == kind:
            cb["attempts"] = spec["attempts"]
        return None
    if attempt == 1 and spec.get("call_result"):
        res = spec["call_result"]
    elif kind in _VISIT_RESULTS:
        res = run.choice_w(_VISIT_RESULTS[kind])
    else:
        res = run.choice_w(CALL_RESULTS)
    cb.update(done_at=run.ts(done_at), done_by_id=aid, result=res, attempts=attempt)
    if res == _DONE:
        run.pick(VISIT_NOTES)  # drawn whatever the kind, as the seeds' data always had it
        cb["result_note"] = CALLBACK_DONE_NOTES[kind]
        return done_at
    cb["result_note"] = CALLBACK_BUSY if res == _BUSY else CALLBACK_NO_ANSWER
    retry_due = done_at + _RETRY_S  # csdesk.services.callbacks.close_callback
    if spec.get("callback") == RETRY and "due_in" in spec:
        retry_due = now + spec["due_in"]
    if attempt >= MAX_CALL_ATTEMPTS:  # closed unreached
        return done_at
    return make_callback_chain(run, info, RETRY, retry_due, work_order_id=work_order_id,
                               complaint_id=complaint_id, note=RETRY_NOTE, attempt=attempt + 1, created=done_at)


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
