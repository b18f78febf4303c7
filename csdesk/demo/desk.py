"""The desk's own records: the handover notebook of the last 14 days (with the
customers and call-backs passed on, kept day by day) and each agent's problem log."""

from __future__ import annotations

from datetime import timedelta

from csdesk.demo.people import on_duty
from csdesk.demo.run import DayRows, Run
from csdesk.demo.shape import DAYS, SCENARIO_AGENT, SCENARIO_HANDOVER, STAFF, SUPERVISOR
from csdesk.demo.texts import (
    A_CUSTOMER,
    AWAITING_VISIT,
    HANDOVER_CALLBACK,
    HANDOVER_CALLBACK_STATE,
    HANDOVER_CUSTOMER,
    HANDOVER_ORDER_STATE,
    HANDOVER_OTHER,
    HANDOVER_PROSPECT,
    HANDOVER_PROSPECT_STATE,
    HANDOVER_REMARKS,
    HANDOVER_REVIEWED,
    PROBLEMS,
    PUBLIC_AREA,
)
from csdesk.domain import HandoverItemKind, HandoverStatus, OrderStatus, Role
from csdesk.i18n import _

HANDOVER_DAYS = 14  # handovers written on each of the last 14 days
_KEEP_DAYS = 20  # days whose open matters are kept for the handovers
_SUBMITTED, _ACKNOWLEDGED = HandoverStatus.SUBMITTED.value, HandoverStatus.ACKNOWLEDGED.value
_SETTLED = (OrderStatus.CLOSED.value, OrderStatus.CANCELLED.value)


def keep_for_handover(run: Run, rows: DayRows) -> None:
    """Day step: a recent day's unsettled orders and open call-backs, for that day's handovers."""
    if rows.days_ago > _KEEP_DAYS:
        return
    orders = rows.orders
    pick = [o for o in orders if o["status"] not in _SETTLED][:6] or orders[:3]
    cbs = [c for c in rows.callbacks if c["done_at"] is None][:4]
    run.kept.setdefault("handover", {})[rows.day] = (pick, cbs)


def _order_state(status: str) -> str:
    state = OrderStatus(status).zh
    return state + AWAITING_VISIT if status == OrderStatus.DONE else state


def make_handovers(run: Run) -> None:
    """Two handovers a day (day to night, night to the next day), items, remarks, reviews."""
    rng = run.rng
    now = run.now
    pool = run.kept.get("handover", {})
    today = run.local_day(now)
    handovers, items, remarks = [], [], []
    hdef, idef, rdef = run.defaults["handover"], run.defaults["handoveritem"], run.defaults["handoverremark"]
    day_start, day_end = run.ref.shifts["day"]
    night_start, night_end = run.ref.shifts["night"]
    if night_end <= night_start:
        night_end += 86400
    night_agent, day_agent = SCENARIO_HANDOVER
    for k in range(HANDOVER_DAYS, 0, -1):
        day = today - timedelta(days=k)
        midnight = run.midnight(day)
        next_midnight = run.midnight(day + timedelta(days=1))
        day_duty = on_duty(run, "day", k, midnight + 12 * 3600) or [SCENARIO_AGENT]
        night_duty = on_duty(run, "night", k, midnight + 20 * 3600) or [night_agent]
        next_day_duty = on_duty(run, "day", k - 1, next_midnight + 12 * 3600) or [SCENARIO_AGENT]
        # Written shortly before the shift ends, acknowledged when the next one starts.
        for shift, frm, to, written, ack_at in (
                ("day", run.pick(day_duty), run.pick(night_duty), midnight + day_end - 20 * 60,
                 midnight + night_start + run.ri(60, 600)),
                ("night", run.pick(night_duty), run.pick(next_day_duty), midnight + night_end - 15 * 60,
                 next_midnight + day_start + run.ri(60, 900))):
            last = k == 1 and shift == "night"
            if last:
                frm, to = night_agent, day_agent
            hid = run.ids("handover")
            submitted = written + run.ri(300, 900)
            h = {**hdef, "id": hid, "shift_code": shift, "shift_date": day.isoformat(),
                 "from_agent_id": run.agents[frm], "to_agent_id": run.agents[to],
                 "notes": run.pick(HANDOVER_OTHER).format(b=run.ri(1, run.buildings)),
                 "written_at": run.ts(written), "submitted_at": run.ts(submitted)}
            if last or ack_at > now:
                h["status"] = _SUBMITTED
            else:
                h.update(status=_ACKNOWLEDGED, acknowledged_at=run.ts(ack_at), acknowledged_by_id=run.agents[to])
                if shift == "night":
                    h.update(reviewed_at=run.ts(ack_at + run.ri(600, 3600)), reviewed_by_id=run.agents[SUPERVISOR])
            handovers.append(h)
            orders, cbs = pool.get(day, ([], []))
            acked = h["acknowledged_at"]
            sort = 0
            for o in orders[:3]:
                items.append({**idef, "id": run.ids("handoveritem"), "handover_id": hid,
                              "kind": HandoverItemKind.CUSTOMER.value,
                              "text": HANDOVER_CUSTOMER.format(who=o["customer_name"] or o["unit_key"] or PUBLIC_AREA,
                                                               what=o["description"][:40]),
                              "state": HANDOVER_ORDER_STATE.format(number=o["number"], state=_order_state(o["status"])),
                              "customer_id": o["customer_id"], "work_order_id": o["id"], "sort": sort,
                              "acknowledged_at": acked})
                sort += 1
            for cb in cbs[:2]:
                items.append({**idef, "id": run.ids("handoveritem"), "handover_id": hid,
                              "kind": HandoverItemKind.PRIORITY.value,
                              "text": HANDOVER_CALLBACK.format(who=cb["customer_name"] or A_CUSTOMER,
                                                               what=cb["note"][:40]),
                              "state": HANDOVER_CALLBACK_STATE, "customer_id": cb["customer_id"],
                              "callback_id": cb["id"], "sort": sort, "acknowledged_at": acked})
                sort += 1
            if rng.random() < 0.6 or last:
                items.append({**idef, "id": run.ids("handoveritem"), "handover_id": hid,
                              "kind": HandoverItemKind.PROSPECT.value,
                              "text": HANDOVER_PROSPECT.format(name=run.pick(run.name_pool)),
                              "state": HANDOVER_PROSPECT_STATE, "sort": sort, "acknowledged_at": acked})
                sort += 1
            items.append({**idef, "id": run.ids("handoveritem"), "handover_id": hid,
                          "kind": HandoverItemKind.OTHER.value, "text": h["notes"], "sort": sort,
                          "acknowledged_at": acked})
            if h["status"] == _ACKNOWLEDGED and rng.random() < 0.25:
                remarks.append({**rdef, "id": run.ids("handoverremark"), "handover_id": hid,
                                "at": run.ts(ack_at + run.ri(1800, 4 * 3600)),
                                "agent_id": run.agents[run.pick((to, SUPERVISOR))],
                                "text": run.pick(HANDOVER_REMARKS)})
    if not remarks and handovers:
        acked_ones = [h for h in handovers if h["status"] == _ACKNOWLEDGED]
        if acked_ones:
            remarks.append({**rdef, "id": run.ids("handoverremark"), "handover_id": acked_ones[-1]["id"],
                            "at": acked_ones[-1]["acknowledged_at"], "agent_id": run.agents[SUPERVISOR],
                            "text": HANDOVER_REVIEWED})
    run.write("handover", handovers)
    run.write("handoveritem", items)
    run.write("handoverremark", remarks)


def make_problem_logs(run: Run) -> None:
    """Four to nine problem-log lines per agent over the 90 days (while employed)."""
    rows = []
    for s in STAFF:
        if s.role != Role.AGENT:
            continue
        start = max(run.hired_at[s.staff_no], run.now - DAYS * 86400)
        end = run.left_at.get(s.staff_no, run.now)
        for _n in range(run.ri(4, 9)):
            kind, words = run.pick(PROBLEMS)
            rows.append({**run.defaults["problemlog"], "agent_id": run.agents[s.staff_no],
                         "at": run.ts(run.ri(start, end)), "kind": kind, "text": words})
    rows.sort(key=lambda r: r["at"])
    first = run.ids("problemlog", len(rows))
    for i, r in enumerate(rows):
        r["id"] = first + i
    run.write("problemlog", rows)
    run.progress(_("handovers and problem logs written"))
