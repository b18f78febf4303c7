"""What F3 shows of the day's work orders beyond their history (a day step).

- the technician from the department's roster (``data/technicians.toml``, read
  from the target database): the demo's own technician names map to the roster
  by name, by surname (刘师傅 -> 刘德明), else to one of the department's people,
  and the order's events and overdue escalation say the same name;
- the call's time (``received_at``, the 5-minute rule counts from it) and the
  customer's pinyin initials (the order search finds them);
- the fee lines of paid orders, priced from the schedule: the order's item,
  sometimes with a second of the same department; the quote, the customer
  told (most of the time), and the fee charged of a done order;
- the print count of dispatched orders (their slip was printed once);
- the owner's explanation of an overdue order (most within the hour, some
  late, some still owed) and the supervisor's acknowledgement once the
  escalation was acknowledged.

Its draws come from a random source of its own, seeded from the run's seed and
the day: the rest of the demo's data stays as a seed gives it.
"""

from __future__ import annotations

import random
import zlib
from datetime import UTC, datetime

from csdesk.demo.run import DayRows, Run
from csdesk.demo.texts import CATCH_UP_PLANS, EXPLANATION_ACK_NOTES, OVERDUE_EXPLANATIONS
from csdesk.domain import EscalationReason
from csdesk.domain.rules import OVERDUE_EXPLAIN_WITHIN

_HOUR = int(OVERDUE_EXPLAIN_WITHIN.total_seconds())
_OVERDUE = EscalationReason.OVERDUE.value
_PER_UNIT = frozenset({"个", "台", "盏", "扇", "米", "处", "件", "张", "把"})


def _epoch(stored: str | None) -> int | None:
    if not stored:
        return None
    return int(datetime.fromisoformat(stored).replace(tzinfo=UTC).timestamp())


def _technician(roster: tuple[tuple[int, str], ...], name: str, rng: random.Random) -> tuple[int, str] | None:
    if not roster:
        return None
    for tech in roster:
        if tech[1] == name:
            return tech
    if name.endswith("师傅"):
        for tech in roster:
            if tech[1][:1] == name[:1]:
                return tech
    return roster[rng.randrange(len(roster))]


def add_order_details(run: Run, rows: DayRows) -> None:
    """Fill the F3 columns of the day's orders and add their fee lines (a day step)."""
    if not rows.orders:
        return
    rng = random.Random(zlib.crc32(f"{run.seed}|{run.now}|{rows.ymd}|orders".encode()))
    ref = run.ref
    now = run.now
    contacts = {c["id"]: c for c in rows.contacts}
    events: dict[int, list[dict]] = {}
    for ev in rows.events:
        events.setdefault(ev["work_order_id"], []).append(ev)
    escalations = {e["work_order_id"]: e for e in rows.escalations
                   if e.get("work_order_id") is not None and e["reason"] == _OVERDUE}
    fee_def = run.defaults["workorderfee"]
    ev_def = run.defaults["workorderevent"]
    by_department: dict[str, list[str]] = {}
    for code, item in ref.fee_items.items():
        by_department.setdefault(item[0], []).append(code)
    for wo in rows.orders:
        contact = contacts.get(wo.get("contact_id"))
        if contact is not None:
            wo["received_at"] = contact["received_at"]
            if contact["customer_name"] == wo["customer_name"]:
                wo["name_initials"] = contact["name_initials"]
        old = wo.get("assignee") or ""
        if old:
            tech = _technician(ref.technicians.get(wo["department"], ()), old, rng)
            if tech is not None and tech[1] != old:
                for ev in events.get(wo["id"], ()):
                    if old in ev["note"]:
                        ev["note"] = ev["note"].replace(old, tech[1])
                esc = escalations.get(wo["id"])
                if esc is not None and old in esc["summary"]:
                    esc["summary"] = esc["summary"].replace(old, tech[1])
                wo["assignee"] = tech[1]
                if wo.get("completed_by") == old:
                    wo["completed_by"] = tech[1]
            if tech is not None:
                wo["technician_id"] = tech[0]
        if wo.get("dispatched_at"):
            wo["print_count"] = 1
            wo["printed_at"] = wo["dispatched_at"]
        if wo["paid"] and wo.get("fee_item_code") in ref.fee_items:
            _fee_lines(run, rows, wo, rng, by_department, fee_def)
        if wo.get("overdue_escalated_at"):
            _explanation(run, rows, wo, rng, now, escalations.get(wo["id"]), ev_def)


def _fee_lines(run: Run, rows: DayRows, wo: dict, rng: random.Random, by_department: dict[str, list[str]],
               fee_def: dict) -> None:
    ref = run.ref
    first = wo["fee_item_code"]
    codes = [first]
    same = [c for c in by_department.get(ref.fee_items[first][0], []) if c != first]
    if same and rng.random() < 0.25:
        codes.append(same[rng.randrange(len(same))])
    total, inspected = 0, 0
    for sort, code in enumerate(codes):
        _dep, name_zh, name_en, unit_zh, unit_en, note = ref.fee_items[code]
        price = ref.fee_prices.get(code)
        qty = rng.choice((1, 1, 1, 2, 3)) if unit_zh in _PER_UNIT and price is not None else 1
        if price is None:
            inspected += 1
        else:
            total += price * qty
        rows.add("workorderfee", {**fee_def, "id": run.ids("workorderfee"), "work_order_id": wo["id"],
                                  "code": code, "name_zh": name_zh, "name_en": name_en, "unit_zh": unit_zh,
                                  "unit_en": unit_en, "price_fen": price, "quantity": qty, "note": note,
                                  "sort": sort})
    wo["quoted_fee_fen"] = total if total or not inspected else None
    wo["price_told"] = rng.random() < 0.93
    if wo.get("completed_at"):  # the fee charged: the quote, and what the technician priced on site
        wo["fee_charged_fen"] = total + sum(rng.randint(3, 30) * 1000 for _ in range(inspected))


def _explanation(run: Run, rows: DayRows, wo: dict, rng: random.Random, now: int, esc: dict | None,
                 ev_def: dict) -> None:
    escalated = _epoch(wo["overdue_escalated_at"])
    if escalated is None:
        return
    draw = rng.random()
    if now - escalated < _HOUR:
        if draw > 0.4:
            return  # still owed, within the hour
        at = escalated + rng.randint(300, max(301, now - escalated))
    elif draw < 0.70:
        at = escalated + rng.randint(600, _HOUR - 60)  # on time
    elif draw < 0.85:
        at = escalated + rng.randint(_HOUR + 600, 3 * _HOUR)  # late
    else:
        return  # never explained: owed since the hour was up
    if at > now:
        return
    owner = wo["owner_id"]
    staff = next((no for no, aid in run.agents.items() if aid == owner), "")
    why, plan = OVERDUE_EXPLANATIONS[rng.randrange(len(OVERDUE_EXPLANATIONS))], \
        CATCH_UP_PLANS[rng.randrange(len(CATCH_UP_PLANS))]
    wo.update(explanation=why, catch_up_plan=plan, explained_at=run.ts(at), explained_by_id=owner)
    late = "（逾期：超过 1 小时）" if at - escalated > _HOUR else ""
    rows.events.append({**ev_def, "id": run.ids("workorderevent"), "work_order_id": wo["id"], "at": run.ts(at),
                        "agent_id": owner, "staff_no": staff, "kind": "explanation",
                        "note": f"已说明{late}：{why} / {plan}"})
    acked = _epoch(esc.get("acknowledged_at")) if esc is not None else None
    if acked is None or rng.random() > 0.8:
        return  # waiting for the supervisor
    ack_at = max(at, acked) + rng.randint(120, 1800)
    if ack_at > now:
        return
    sup = esc["acknowledged_by_id"]
    sup_staff = next((no for no, aid in run.agents.items() if aid == sup), "")
    note = EXPLANATION_ACK_NOTES[rng.randrange(len(EXPLANATION_ACK_NOTES))]
    wo.update(explanation_ack_at=run.ts(ack_at), explanation_ack_by_id=sup)
    rows.events.append({**ev_def, "id": run.ids("workorderevent"), "work_order_id": wo["id"], "at": run.ts(ack_at),
                        "agent_id": sup, "staff_no": sup_staff, "kind": "acknowledged",
                        "note": f"主管已确认超时说明：{note}"})
