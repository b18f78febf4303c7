"""The desk's own records: the handover notebook of the last month (with the
customers and call-backs passed on, kept day by day) and each agent's problem log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from csdesk.demo.people import on_duty
from csdesk.demo.run import DayRows, Run
from csdesk.demo.shape import DAYS, SCENARIO_AGENT, SCENARIO_HANDOVER, STAFF, SUPERVISOR
from csdesk.demo.texts import (
    A_CUSTOMER,
    AWAITING_VISIT,
    HANDOVER_CORRECTIONS,
    HANDOVER_ESCALATED,
    HANDOVER_INSTRUCTIONS,
    HANDOVER_NOTES,
    HANDOVER_OTHER,
    HANDOVER_PROSPECT,
    HANDOVER_PROSPECT_STATE,
    HANDOVER_QUESTIONS,
    HANDOVER_REMARKS,
    HANDOVER_REVIEWED,
    PROBLEMS,
    PUBLIC_AREA,
)
from csdesk.domain import CallbackKind, EscalationReason, HandoverItemKind, HandoverStatus, OrderStatus, Role
from csdesk.domain.handover import Matter, group_of
from csdesk.i18n import _

HANDOVER_DAYS = 31  # a month of handovers, the last night's included
_KEEP_DAYS = 35  # days whose open matters are kept for the handovers
_HANDOVER = EscalationReason.HANDOVER.value
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


def _aware(stored: str | None) -> datetime | None:
    return datetime.fromisoformat(stored).replace(tzinfo=UTC) if stored else None


def _first_line(text: str, limit: int = 120) -> str:
    return (text or "").strip().split("\n", 1)[0][:limit]


def make_handovers(run: Run) -> None:
    """A month of the handover notebook: every shift's pages (one per agent who signed off; several on a
    busy day shift), addressed to the next shift, with the matters compiled as the console does (orders
    and call-backs with their state, deadline and urgency group), instructions and "do first" marks,
    prospects and other notes; acknowledged item by item by the next shift (who, when), sometimes late:
    then the page escalated to the supervisor 30 minutes into the shift; read-back notes and questions,
    the author's corrections, the supervisor's remarks and reviews (the night's most of all).  Last
    night's page waits for agent 1001 (the scenario).  Ownership passing is not simulated: the orders'
    owners stay as they were made."""
    rng = run.rng
    now = run.now
    pool = run.kept.get("handover", {})
    today = run.local_day(now)
    handovers, items, remarks, escalations = [], [], [], []
    hdef, idef, rdef = run.defaults["handover"], run.defaults["handoveritem"], run.defaults["handoverremark"]
    edef = run.defaults["escalation"]
    hours = {code: run.ref.shifts[code] for code in ("day", "night")}
    names = {"day": "白班", "night": "晚班"}
    night_agent, day_agent = SCENARIO_HANDOVER
    sup = run.agents[SUPERVISOR]
    for k in range(HANDOVER_DAYS, 0, -1):
        day = today - timedelta(days=k)
        midnight = run.midnight(day)
        next_midnight = run.midnight(day + timedelta(days=1))
        duty = {"day": on_duty(run, "day", k, midnight + 12 * 3600) or [SCENARIO_AGENT],
                "night": on_duty(run, "night", k, midnight + 20 * 3600) or [night_agent]}
        next_day_duty = on_duty(run, "day", k - 1, next_midnight + 12 * 3600) or [SCENARIO_AGENT]
        orders, cbs = pool.get(day, ([], []))
        for shift in ("day", "night"):
            start_s, end_s = hours[shift]
            start = midnight + start_s
            end = midnight + end_s + (86400 if end_s <= start_s else 0)
            if shift == "day":
                to_code, to_day, to_start = "night", day, midnight + hours["night"][0]
                receivers = duty["night"]
            else:
                to_code, to_day, to_start = "day", day + timedelta(days=1), next_midnight + hours["day"][0]
                receivers = next_day_duty
            last = k == 1 and shift == "night"
            authors = [night_agent] if last else list(dict.fromkeys(
                [run.pick(duty[shift])] + ([run.pick(duty[shift])] if shift == "day" and rng.random() < 0.5 else [])))
            for n_page, author in enumerate(authors):
                written = end - run.ri(20, 40) * 60
                submitted = min(written + run.ri(3, 12) * 60, now)
                hid = run.ids("handover")
                h = {**hdef, "id": hid, "shift_code": shift, "shift_date": day.isoformat(),
                     "from_agent_id": run.agents[author], "to_agent_id": None, "notes": "",
                     "status": _SUBMITTED, "written_at": run.ts(written), "submitted_at": run.ts(submitted),
                     "shift_start_at": run.ts(start), "shift_end_at": run.ts(end), "to_shift_code": to_code,
                     "to_shift_date": to_day.isoformat(), "to_start_at": run.ts(to_start)}
                at = datetime.fromtimestamp(submitted, UTC)
                page_items = []
                share = orders[n_page::len(authors)][:3]  # the agents of a shift carry different matters
                for o in share:
                    deadline, created = _aware(o["deadline_at"]), _aware(o["created_at"])
                    page_items.append({
                        "kind": HandoverItemKind.CUSTOMER.value, "matter": Matter.ORDER.value, "matter_id": o["id"],
                        "work_order_id": o["id"], "customer_id": o["customer_id"], "ref_number": o["number"] or "",
                        "customer_name": o["customer_name"] or "", "phone": o["phone"] or "",
                        "unit_key": o["unit_key"] or "", "urgency": o["urgency"],
                        "text": _first_line(o["description"]) or PUBLIC_AREA, "state": _order_state(o["status"]),
                        "urgency_group": group_of(Matter.ORDER, at=at, deadline_at=deadline,
                                                  created_at=created).value,
                        "deadline_at": o["deadline_at"], "last_update_at": o["created_at"],
                        "instruction": run.pick(HANDOVER_INSTRUCTIONS) if rng.random() < 0.7 else ""})
                for cb in cbs[n_page::len(authors)][:2]:
                    due = _aware(cb["due_at"])
                    page_items.append({
                        "kind": HandoverItemKind.CUSTOMER.value, "matter": Matter.CALLBACK.value,
                        "matter_id": cb["id"], "callback_id": cb["id"], "customer_id": cb["customer_id"],
                        "customer_name": cb["customer_name"] or A_CUSTOMER, "phone": cb["phone"] or "",
                        "text": _first_line(cb["note"], 60), "state": CallbackKind(cb["kind"]).zh,
                        "urgency_group": group_of(Matter.CALLBACK, at=at, deadline_at=due).value,
                        "deadline_at": cb["due_at"], "last_update_at": cb["created_at"],
                        "instruction": run.pick(HANDOVER_INSTRUCTIONS) if rng.random() < 0.5 else ""})
                if rng.random() < 0.5 or last:
                    name = run.pick(run.name_pool)
                    page_items.append({"kind": HandoverItemKind.PROSPECT.value, "customer_name": name,
                                       "phone": f"13{run.ri(0, 9)}{run.ri(10000000, 99999999)}",
                                       "text": HANDOVER_PROSPECT.format(name=name), "urgency_group": "free",
                                       "instruction": HANDOVER_PROSPECT_STATE})
                if n_page == 0 or not page_items:
                    page_items.append({"kind": HandoverItemKind.OTHER.value, "urgency_group": "free",
                                       "text": run.pick(HANDOVER_OTHER).format(b=run.ri(1, run.buildings))})
                if page_items and page_items[0].get("matter") and rng.random() < 0.6:
                    page_items[0]["do_first"] = True
                page_items.sort(key=lambda i: (not i.get("do_first"), i["urgency_group"] == "free"))
                # Received item by item by someone of the next shift; now and then one of them late.
                receiver = run.agents[day_agent if last else run.pick(receivers)]
                late = not last and rng.random() < 0.15 and page_items
                ack_times, t = [], to_start + run.ri(1, 8) * 60
                for _item in page_items:
                    t += run.ri(1, 4) * 60
                    ack_times.append(t)
                if late:
                    ack_times[-1] = to_start + run.ri(35, 90) * 60
                for sort, item in enumerate(page_items):
                    iid = run.ids("handoveritem")
                    acked = None if last or ack_times[sort] > now else ack_times[sort]
                    item.update({"id": iid, "handover_id": hid, "sort": sort,
                                 "acknowledged_at": run.ts(acked) if acked else None,
                                 "acknowledged_by_id": receiver if acked else None})
                    items.append({**idef, **item})
                    if acked and rng.random() < 0.12:
                        kind, words = ("question", run.pick(HANDOVER_QUESTIONS)) if rng.random() < 0.5 \
                            else ("note", run.pick(HANDOVER_NOTES))
                        remarks.append({**rdef, "id": run.ids("handoverremark"), "handover_id": hid, "item_id": iid,
                                        "kind": kind, "at": run.ts(acked), "agent_id": receiver, "text": words})
                escalate_at = to_start + 30 * 60
                if late and escalate_at <= now:
                    waiting = [i for i in items[-len(page_items):] if not i["acknowledged_at"]
                               or i["acknowledged_at"] > run.ts(escalate_at)]
                    for i in waiting:
                        i["escalated_at"] = run.ts(escalate_at)
                    h["escalated_at"] = run.ts(escalate_at)
                    esc_ack = escalate_at + run.ri(5, 40) * 60
                    escalations.append({**edef, "id": run.ids("escalation"), "reason": _HANDOVER,
                                        "summary": HANDOVER_ESCALATED.format(
                                            staff_no=author, day=day.strftime("%m-%d"), shift=names[shift],
                                            to=names[to_code], n=len(waiting)),
                                        "created_at": run.ts(escalate_at), "created_by_id": None,
                                        "handover_id": hid,
                                        "acknowledged_at": run.ts(esc_ack) if esc_ack <= now else None,
                                        "acknowledged_by_id": sup if esc_ack <= now else None})
                received = [i["acknowledged_at"] for i in items[-len(page_items):]] if page_items else []
                if received and all(received):
                    h.update(status=_ACKNOWLEDGED, acknowledged_at=max(received), acknowledged_by_id=receiver)
                    done = _aware(max(received)).timestamp()
                    if (shift == "night" and rng.random() < 0.85) or rng.random() < 0.25:
                        reviewed = done + run.ri(10, 90) * 60
                        if reviewed <= now:
                            h.update(reviewed_at=run.ts(reviewed), reviewed_by_id=sup)
                            if rng.random() < 0.35:
                                remarks.append({**rdef, "id": run.ids("handoverremark"), "handover_id": hid,
                                                "kind": "remark", "at": run.ts(reviewed), "agent_id": sup,
                                                "text": run.pick(HANDOVER_REMARKS)})
                if rng.random() < 0.06 and submitted + 1800 <= now:
                    remarks.append({**rdef, "id": run.ids("handoverremark"), "handover_id": hid, "kind": "correction",
                                    "at": run.ts(submitted + run.ri(10, 60) * 60), "agent_id": run.agents[author],
                                    "text": run.pick(HANDOVER_CORRECTIONS)})
                handovers.append(h)
    if not any(r["kind"] == "remark" for r in remarks) and handovers:
        acked_ones = [h for h in handovers if h["status"] == _ACKNOWLEDGED]
        if acked_ones:
            remarks.append({**rdef, "id": run.ids("handoverremark"), "handover_id": acked_ones[-1]["id"],
                            "kind": "remark", "at": acked_ones[-1]["acknowledged_at"], "agent_id": sup,
                            "text": HANDOVER_REVIEWED})
    remarks.sort(key=lambda r: r["id"])
    run.write("handover", handovers)
    run.write("handoveritem", items)
    run.write("handoverremark", remarks)
    run.write("escalation", escalations)


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
