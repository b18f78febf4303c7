"""Complaints (客诉处理跟踪表): each complaint's tracking record worked to where it is now.

A complaint is filed as intake files it (:func:`csdesk.services.intake.record_contact`): made
when the call began, escalated to the supervisor queue when the contact was saved, its reply due
half a working day later by the regular shift's hours (:func:`csdesk.domain.shifts.reply_deadline`,
as :func:`csdesk.services.complaints.after_filed` sets it).  A few were taken on paper and entered
later by a supervisor, field for field (:func:`csdesk.services.complaints.file_complaint`: the
first handler as the paper names them, a partial number); some of those came from engineering
about an order.  A return visit that found a problem files one too (``complaint_source`` in the
contact's override, from :mod:`csdesk.demo.visits`).

Then the supervisor on shift works it, each step an event with who and when: takes it on (which
acknowledges its escalation), adds the order it concerns when the customer named one, writes the
plan, calls the customer (the first call is the reply), records the response, and closes it once
the customer accepts (the contact closes with it).  Some are slow: past the deadline with no
reply, the timer sends them to the manager once (``escalate_overdue``), and the manager (or the
close) acknowledges that.  Staff complained about are agents (by staff number) and technicians
(by the roster's name, as the services match them: ``Run.technician``); complaints about a technician and about an order reach the
return-visit draws (:mod:`csdesk.demo.visits`).
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

from csdesk.demo import visits
from csdesk.demo.run import ContactInfo, DayRows, Run
from csdesk.demo.shape import (
    COMPLAINED_TECHNICIANS,
    COMPLAINT_DESK_FIRST,
    COMPLAINT_DESK_SHARE,
    COMPLAINT_NOT_ACCEPTED_SHARE,
    COMPLAINT_SLOW_SHARE,
    MANAGER,
    ORDER_DEPARTMENT,
    STAFF_BY_NO,
    SUPERVISOR_ON,
)
from csdesk.demo.texts import (
    COMPLAINT_ACK_NOTES,
    COMPLAINT_CALLS,
    COMPLAINT_CLOSE_NOTES,
    COMPLAINT_FOLLOW_UP_CALLS,
    COMPLAINT_NOT_ACCEPTED,
    COMPLAINT_OVERDUE,
    COMPLAINT_PLANS,
    COMPLAINT_RESPONSES,
    ESCALATION_REASONS,
    MANAGER_ACK_NOTES,
    NO_SUPERVISOR_YET,
    PAPER_HANDLERS,
    PAPER_REASONS,
)
from csdesk.domain import ComplaintSource, ComplaintStatus, EscalationReason, StaffKind
from csdesk.domain.actor import SYSTEM
from csdesk.domain.rules import COMPLAINT_REPLY_WORKING_HOURS
from csdesk.domain.shifts import add_working_time

_INTAKE, _DESK, _ORDER = ComplaintSource.INTAKE.value, ComplaintSource.DESK.value, ComplaintSource.ORDER.value
_ESCALATED, _IN_HAND, _CLOSED = (ComplaintStatus.ESCALATED.value, ComplaintStatus.IN_HAND.value,
                                 ComplaintStatus.CLOSED.value)
_COMPLAINT = EscalationReason.COMPLAINT.value
_M, _H = 60, 3600
_ACCEPTED = tuple(r for r in COMPLAINT_RESPONSES if r != COMPLAINT_NOT_ACCEPTED)
_TICK = visits.TICK


def _first(item: tuple) -> int:
    return item[0]


class ComplaintState:
    def __init__(self, run: Run):
        self.rng = rng = random.Random(f"{run.seed}/complaints") if run.seed is not None else random.Random()
        r = rng.random
        self.ri = lambda low, high: low + int(r() * (high - low + 1))  # as Run's cheap draws
        self.pick = lambda seq: seq[int(r() * len(seq))]
        self.regular = run.ref.regular
        self.reply_within = timedelta(hours=COMPLAINT_REPLY_WORKING_HOURS)
        self.source_names = {s.value: s.zh for s in ComplaintSource}
        self.overdue: list[tuple[dict, dict, int, str]] = []  # (escalation, complaint, minutes late, owner)
        self.complained_technicians = run.complained_technicians()
        self.desk_wanted = list(COMPLAINT_DESK_FIRST)  # sources of paper records the demo must show


def _state(run: Run) -> ComplaintState:
    st = run.kept.get("complaints")
    if st is None:
        st = run.kept["complaints"] = ComplaintState(run)
    return st


# --------------------------------------------------------------------------- hours


def _window(run: Run, staff_no: str) -> tuple[int, int]:
    start, end = run.ref.shifts[STAFF_BY_NO[staff_no].shift]
    return start, end + 86400 if end <= start else end


def _supervisor_at(run: Run, at: int) -> tuple[str, int]:
    """The supervisor on shift at ``at`` (or, outside every shift, the next one to start) and when."""
    midnight = run.midnight_of(at)
    for _k in range(3):
        best = None
        for shift, staff_no in SUPERVISOR_ON.items():
            start, end = run.ref.shifts[shift]
            end = end + 86400 if end <= start else end
            lo, hi = midnight + start, midnight + end
            if lo <= at < hi:
                return staff_no, at
            if at < lo and (best is None or lo < best[1]):
                best = (staff_no, lo)
        if best is not None:
            return best[0], best[1] + 5 * _M
        midnight = at = run.midnight_of(midnight + 26 * _H)
    return SUPERVISOR_ON["day"], at


def _in_shift(run: Run, staff_no: str, at: int, st: ComplaintState) -> int:
    """``at``, or the start of ``staff_no``'s next shift (plus a little) when it falls outside theirs
    (staying up to an hour late on a complaint)."""
    start, end = _window(run, staff_no)
    end += _H
    midnight = run.midnight_of(at)
    for _k in range(3):
        if at < midnight + start:
            return midnight + start + st.ri(5 * _M, 40 * _M)
        if at < midnight + end:
            return at
        midnight = run.midnight_of(midnight + 26 * _H)
    return at


# --------------------------------------------------------------------------- the record


def make_complaint(run: Run, info: ContactInfo, order: dict | None = None) -> dict:
    """The complaint tracking record of contact ``info``, its escalations and events; ``order``: the
    work order the contact opened, if it did.

    Returns the row, whose ``number`` is set later (with the day's numbers), whose ``_closed``
    says when the complaint was closed (its contact closes then) and whose ``_contact`` holds what
    the contact looks like when the complaint was entered at the desk.
    """
    st = _state(run)
    rng = st.rng
    spec = info.spec
    now = run.now
    day_rows = run.day
    cpid = run.ids("complaint")
    source = spec.get("complaint_source", _INTAKE)
    complained = info.e
    cust = run.customers
    ci = info.cust_id - cust.id[0] if info.cust_id is not None else None
    phone = info.phone or (cust.phones[ci][0] if ci is not None else "")
    reason = st.pick(ESCALATION_REASONS[:3])
    last = run.last_order.get(info.cust_id) if info.cust_id is not None else None
    desk = source == _INTAKE and not spec and order is None and info.cust_id is not None and (
        rng.random() < COMPLAINT_DESK_SHARE or (st.desk_wanted and (last is not None or st.desk_wanted[0] == _DESK)))
    cp = {**run.defaults["complaint"],
          "id": cpid, "number": None, "customer_id": info.cust_id, "customer_name": info.cname,
          "contact_phone": phone, "complained_at": run.ts(complained), "about": info.summary,
          "order_ref": "", "work_order_id": order["id"] if order is not None else None, "contact_id": info.cid,
          "first_handler_id": info.agent_id, "first_handler_staff_no": info.staff_no, "first_handler_name": "",
          "escalation_reason": reason, "source": source, "unit_key": info.ukey, "_closed": None}
    if "complaint_order" in spec:  # a return visit's problem: the visit's order (csdesk.services.complaints.after_filed)
        cp["work_order_id"], cp["order_ref"] = spec["complaint_order"]
    events: list[tuple[int, str, str, str, str]] = []  # (at, kind, staff_no, note, changes)

    # -- filed: at the end of the call, or entered later from a paper record
    if desk:
        entered_by, entered = _supervisor_at(run, complained + st.ri(20 * _M, 4 * _H))
        desk = entered <= now - 30 * _M  # a paper record not entered yet is not in csdesk
    if desk:
        wanted = st.desk_wanted.pop(0) if st.desk_wanted else None
        escalated = min(complained + st.ri(5 * _M, 30 * _M), entered - 60)  # as the paper says
        actor = entered_by
        from_order = last is not None and (wanted == _ORDER if wanted else rng.random() < 0.5)
        source = _ORDER if from_order else _DESK
        if from_order:
            cp.update(work_order_id=last[0], order_ref=last[1])
        reason = st.pick(PAPER_REASONS[1:] if from_order else PAPER_REASONS[:1])
        if wanted == _DESK or rng.random() < 0.5:  # named on the paper, not an account
            cp.update(first_handler_id=None, first_handler_staff_no="", first_handler_name=st.pick(PAPER_HANDLERS))
        if (wanted or rng.random() < 0.5) and phone:  # the paper has the last digits only
            cp["contact_phone"] = f"…{phone[-4:]}"
        cp.update(source=source, escalation_reason=reason)
        who = cp["first_handler_staff_no"] or actor
        cp["_contact"] = {"ended_at": run.ts(complained), "duration_s": None, "category": "complaint",
                          "subtype": "", "urgency": "normal", "outcome": "escalated", "handling": "", "result": "",
                          "created_at": run.ts(entered), "agent_id": run.agents[who], "agent_staff_no": who,
                          "phone": phone if cp["contact_phone"] == phone else "", "escalation_reason": reason}
        if from_order:
            cp["_contact"]["work_order_id"] = last[0]
            visits.order_tied(run, last[0], info.cust_id, entered)
        available = entered
    else:
        escalated = min(info.ended, now)  # saved: intake files it and its escalation
        actor = info.staff_no
        available = escalated
    if order is not None:
        visits.order_tied(run, order["id"], info.cust_id, escalated)
    if "complaint_order" in spec:
        visits.order_tied(run, spec["complaint_order"][0], info.cust_id, escalated)
    # half a working day of the regular shift (csdesk.domain.shifts.reply_deadline's second half: its
    # "due soon" is not stored)
    due = int(add_working_time(datetime.fromtimestamp(complained, UTC), st.reply_within, st.regular,
                               run.tz).timestamp())
    cp.update(escalated_at=run.ts(escalated), due_at=run.ts(due))
    events.append((complained, "created", actor, st.source_names[source], ""))
    events.append((escalated, "escalated", actor, reason, ""))
    esc = {**run.defaults["escalation"], "id": run.ids("escalation"), "reason": _COMPLAINT,
           "summary": f"{reason} · {info.summary.split(chr(10), 1)[0][:120]}"[:200], "contact_id": info.cid,
           "work_order_id": cp["work_order_id"], "complaint_id": cpid, "customer_id": info.cust_id,
           "created_at": run.ts(escalated), "created_by_id": run.agents[actor]}
    day_rows.escalations.append(esc)

    # -- the staff complained about
    _about_staff(run, st, info, cp, last, complained, available)

    # -- worked: taken, the order named, the plan, calls, the response, closed
    status = spec.get("complaint_status")
    never_taken = spec.get("ack") is False or status == _ESCALATED
    owner, take = (actor, available + st.ri(1 * _M, 10 * _M)) if desk else \
        _supervisor_at(run, available + st.ri(2 * _M, 40 * _M))
    if "complaint_owner" in spec:
        owner = spec["complaint_owner"]
    if status == _IN_HAND:
        take = max(available + 60, min(take, now - 20 * _M))
    steps: list[tuple[int, str, str, str]] = []  # (at, kind, note, changes) by the owner
    t = take
    steps.append((t, "taken", "", ""))
    if last is not None and info.topic.key == "quality" and cp["work_order_id"] is None and not desk:
        # the customer's order, found in the records and added to the tracking record
        t += st.ri(3 * _M, 15 * _M)
        changes = json.dumps({"order_ref": ["", last[1]], "work_order_id": [None, str(last[0])]}, ensure_ascii=False)
        steps.append((t, "amended", "order_ref, work_order_id", changes))
    t = _in_shift(run, owner, t + st.ri(5 * _M, 45 * _M), st)
    plan = st.pick(COMPLAINT_PLANS)
    steps.append((t, "plan", plan, ""))
    slow = spec.get("replied") is False or (spec.get("replied") is None and rng.random() < COMPLAINT_SLOW_SHARE)
    t = _in_shift(run, owner, t + st.ri(5 * _M, 120 * _M), st)
    if slow:
        t = _in_shift(run, owner, max(t, due + st.ri(10 * _M, 5 * _H)), st)
        if spec.get("replied") is False:
            t = max(t, now + _H)
    steps.append((t, "call", st.pick(COMPLAINT_CALLS), ""))
    if spec.get("replied") is True:
        steps = [(min(at, now - 5 * _M + k), kind, note, ch) for k, (at, kind, note, ch) in enumerate(steps)]
        t = steps[-1][0]
    accepted = rng.random() >= COMPLAINT_NOT_ACCEPTED_SHARE
    if rng.random() < 0.6:  # the customer answers on that call
        t += st.ri(2 * _M, 10 * _M)
    else:
        t = _in_shift(run, owner, t + st.ri(2 * _H, 30 * _H), st)
        steps.append((t, "call", st.pick(COMPLAINT_FOLLOW_UP_CALLS), ""))
        t += st.ri(2 * _M, 10 * _M)
    steps.append((t, "response", st.pick(_ACCEPTED) if accepted else COMPLAINT_NOT_ACCEPTED, ""))
    close = None
    if not accepted and (complained < now - 10 * 86400 or rng.random() < 0.5):  # talked round later
        t = _in_shift(run, owner, t + st.ri(20 * _H, 72 * _H), st)
        steps.append((t, "call", st.pick(COMPLAINT_FOLLOW_UP_CALLS), ""))
        t += st.ri(2 * _M, 10 * _M)
        steps.append((t, "response", st.pick(_ACCEPTED), ""))
        accepted = True
    if accepted:
        close = _in_shift(run, owner, t + st.ri(10 * _M, 8 * _H), st)
        steps.append((close, "closed", st.pick(COMPLAINT_CLOSE_NOTES), ""))
    if status == _CLOSED and steps[-1][0] > now - 60:  # the scenario's: closed by now
        first, span = steps[0][0], steps[-1][0] - steps[0][0]
        room = max(60, now - 60 - first)
        steps = [(first + (at - first) * room // max(1, span), kind, note, ch) for at, kind, note, ch in steps]
        if steps[-1][1] != "closed":
            steps.append((now - 60, "closed", "", ""))
        close = steps[-1][0]
    if status == _IN_HAND or never_taken:
        steps = [s for s in steps if s[1] != "closed"]
        close = None
    if never_taken:
        steps = []

    # -- what has happened by now
    happened = [s for s in steps if s[0] <= now]
    replied = next((at for at, kind, _n, _c in happened if kind in ("call", "response", "closed")), None)
    tick = (due // _TICK + 1) * _TICK  # the first tick after the deadline
    sup_id = run.agents[owner]
    if happened:
        cp.update(supervisor_id=sup_id, owned_at=run.ts(take), status=_IN_HAND)
        esc.update(acknowledged_at=run.ts(take), acknowledged_by_id=sup_id,
                   note=st.pick(COMPLAINT_ACK_NOTES) if rng.random() < 0.5 else "")
    else:
        cp["status"] = _ESCALATED
    for at, kind, note, changes in happened:
        if kind == "plan":
            cp["plan"] = note
        elif kind == "call":
            cp["calls"] += 1
        elif kind == "response":
            cp["customer_response"] = note
        elif kind == "amended":
            cp.update(work_order_id=last[0], order_ref=last[1])
            visits.order_tied(run, last[0], info.cust_id, at)
        events.append((at, kind, owner, note, changes))
    if replied is not None:
        cp["replied_at"] = run.ts(replied)
    if close is not None and close <= now:
        cp.update(status=_CLOSED, closed_at=run.ts(close), _closed=close)
    # -- past the deadline with no reply: to the manager, once (csdesk tick)
    if tick <= now and (replied is None or replied > tick):
        owner_then = owner if happened and take <= tick else ""
        cp["overdue_escalated_at"] = run.ts(tick)
        events.append((tick, "overdue", SYSTEM.staff_no, "", ""))
        to_manager = {**run.defaults["escalation"], "id": run.ids("escalation"), "reason": _COMPLAINT,
                      "summary": "", "contact_id": info.cid, "work_order_id": cp["work_order_id"],
                      "complaint_id": cpid, "customer_id": info.cust_id, "created_at": run.ts(tick),
                      "created_by_id": SYSTEM.id, "to_role": "manager"}
        mgr = _in_shift(run, MANAGER, tick + st.ri(20 * _M, 5 * _H), st)
        acked = mgr <= now - 86400 and (close is not None or (rng.random() < 0.6 and not spec))
        if acked and (close is None or mgr < close):  # the last day's, and a few more, wait in her queue
            to_manager.update(acknowledged_at=run.ts(mgr), acknowledged_by_id=run.agents[MANAGER],
                              note=st.pick(MANAGER_ACK_NOTES))
        elif close is not None and close <= now:  # closing the complaint acknowledges what is still open
            to_manager.update(acknowledged_at=run.ts(close), acknowledged_by_id=sup_id)
        day_rows.escalations.append(to_manager)
        st.overdue.append((to_manager, cp, (tick - due) // 60, owner_then))
    events.sort(key=_first)
    first_id = run.ids("complaintevent", len(events))
    ts, agents, add = run.ts, run.agents, day_rows.extra.setdefault("complaintevent", []).append
    for k, (at, kind, staff_no, note, changes) in enumerate(events):  # every column of ComplaintEvent
        add({"id": first_id + k, "complaint_id": cpid, "at": ts(at), "agent_id": agents.get(staff_no),
             "staff_no": staff_no, "kind": kind, "note": note, "changes": changes})
    day_rows.complaints.append(cp)
    return cp


def _about_staff(run: Run, st: ComplaintState, info: ContactInfo, cp: dict, last, complained: int,
                 known: int) -> None:
    """The staff member complained about, when the complaint names one: an agent by staff number,
    a technician by name (the customer's last order's, or the one they name)."""
    topic, si = info.topic.key, info.ctx.get("si")
    if info.spec.get("about_technician"):  # a return visit's (the visited order's technician) or the scenario's
        name = run.technician(ORDER_DEPARTMENT, info.spec["about_technician"])
        cp.update(about_staff_kind=StaffKind.TECHNICIAN.value, about_staff_name=name)
        visits.technician_complained(run, name, complained, known)
        return
    if "summary" in info.spec:
        return
    if topic == "service" and si == 0:  # "投诉客服{staff}…": the agent quoted
        staff_no = info.ctx["staff"]
        cp.update(about_staff_kind=StaffKind.AGENT.value, about_agent_id=run.agents[staff_no],
                  about_staff_name=f"{staff_no} {STAFF_BY_NO[staff_no].name}")
        return
    if (topic == "service" and si == 2) or (topic == "quality" and si == 0):  # the technician of the repair
        name = visits.last_technician(run, info.cust_id) if topic == "quality" else ""
        if topic == "service":
            name = run.technician(ORDER_DEPARTMENT, st.pick(COMPLAINED_TECHNICIANS))
        if name in st.complained_technicians:  # others are not named: the quality is blamed, not a person
            cp.update(about_staff_kind=StaffKind.TECHNICIAN.value, about_staff_name=name)
            visits.technician_complained(run, name, complained, known)


def name_overdue(run: Run, rows: DayRows) -> None:
    """Day step: the manager's escalations of the day's complaints, worded once their numbers are known."""
    st = _state(run)
    for esc, cp, minutes, owner in st.overdue:
        what = (cp["about"] or "").split("\n", 1)[0][:80]
        esc["summary"] = COMPLAINT_OVERDUE.format(number=cp["number"], minutes=minutes,
                                                  owner=owner or NO_SUPERVISOR_YET, what=what)[:200]
    st.overdue = []
