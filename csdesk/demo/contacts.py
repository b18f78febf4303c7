"""The register: 90 days of contacts, day by day, and what each one led to.

Each day's contacts are drawn at desk hours (:data:`csdesk.demo.shape.HOUR_WEIGHTS`);
coverage overrides and today's scenario fix some of them.  A contact's outcome
makes its follow-ups: a work order (:mod:`csdesk.demo.orders`), a call-back, a
complaint or an escalation (:mod:`csdesk.demo.followups`).  At the end of each
day the day steps run over its rows (:class:`csdesk.demo.run.DayRows`), then
the rows are written.
"""

from __future__ import annotations

import bisect
import math
from datetime import date, datetime, timedelta
from itertools import accumulate

from csdesk.demo import complaints, followups, orders
from csdesk.demo.people import on_duty
from csdesk.demo.run import ContactInfo, DayRows, Run, aligned
from csdesk.demo.shape import (
    CHANNEL_CUM,
    COMPLAINED_STAFF_NOS,
    COVERAGE,
    DAYS,
    DETAIL_CUM,
    HOUR_WEIGHTS,
    IDENTITY_CHECKS,
    OUT_OF_HOURS_CUM,
    REFERRAL_DEPARTMENT,
    SAT_CUM,
    SCENARIO,
    SCENARIO_AGENT,
    SCENARIO_AGENT_SHARE,
    STAFF_BY_NO,
    SUPERVISOR,
    URGENCY_DAMPING,
    weighted,
)
from csdesk.demo.texts import (
    BUILDING_SHORT,
    COURIERS,
    ESCALATED_CRITICAL,
    ESCALATED_URGENT,
    ESCALATION_REASONS,
    IDENTITY_FAILED,
    OUTCOME_RESULTS,
    TECHNICIANS,
    TIMES_OF_DAY,
    TOPIC_BY_KEY,
    TOPICS,
)
from csdesk.domain import Channel, ContactStatus, EscalationReason, Outcome, Urgency
from csdesk.domain.rules import (
    PROMISED_REPLY_DEFAULT,
    REFERRAL_CHECK_AFTER,
    allowed_outcomes,
    escalation_reason,
)
from csdesk.i18n import _

_PROMISED_S = int(PROMISED_REPLY_DEFAULT.total_seconds())
_ESCALATION_REASONS: dict[tuple[str, str, str], EscalationReason | None] = {}  # the rule, memoised
_UNKNOWN = object()
_URGENCY_KEYS = tuple(u.value for u in Urgency)
# Per topic: (urgency weights, outcome weights) in the form Run.choice_w draws from.
_TOPIC_CUM = {t.key: (weighted(zip(Urgency, (w * URGENCY_DAMPING[u] for u, w in zip(Urgency, t.urgency,
                                                                                     strict=True)),
                                   strict=True)),
                      weighted((o, w) for o, w in t.outcomes.items() if o in allowed_outcomes(t.category)))
             for t in TOPICS}
# Handling steps, numbered one per line, per topic.
_HANDLING = {t.key: tuple("\n".join(f"{i}. {step}" for i, step in enumerate(steps, 1)) for steps in t.handling)
             for t in TOPICS}
_GENERAL = [t for t in TOPICS if not t.channel]  # the everyday topics, on any everyday channel
_GENERAL_CUM = (tuple(_GENERAL), tuple(accumulate(t.weight for t in _GENERAL)))
_BY_CHANNEL = {ch.value: [t for t in TOPICS if t.channel == ch] for ch in (Channel.PATROL, Channel.OUTBOUND)}
# Plain strings for the hot loop: an enum member costs ~0.1 µs to look up, its .value ~0.3 µs.
_PHONE, _WALK_IN, _ONLINE, _OUTBOUND = (Channel.PHONE.value, Channel.WALK_IN.value, Channel.ONLINE.value,
                                        Channel.OUTBOUND.value)
_TALK = (_PHONE, _OUTBOUND)
_RATED = (_PHONE, _ONLINE, _WALK_IN)  # where a customer is asked for a score
_RESOLVED, _WORK_ORDER, _REFERRED, _PROMISED, _ESCALATED = (o.value for o in Outcome)
_CRITICAL = Urgency.CRITICAL.value
_CLOSED, _OPEN = ContactStatus.CLOSED.value, ContactStatus.OPEN.value
_COMPLAINT = EscalationReason.COMPLAINT


# --------------------------------------------------------------------------- the days


def make_contacts(run: Run) -> None:
    """Every day's contacts in time order, with all they led to."""
    plan = plan_days(run)
    # Slots: (time, override).  Coverage overrides go to random daytime slots; the
    # scenario adds recent matters for agent 1001 and the supervisor.
    slots: list[list[tuple[int, dict | None]]] = []
    for _d, midnight, count in plan:
        slots.append([(e, None) for e in slot_times(run, midnight, count)])
    for (di, si), override in zip(pick_daytime_slots(run, plan, slots, len(COVERAGE)), COVERAGE, strict=False):
        slots[di][si] = (slots[di][si][0], override)
    day_index = {d: i for i, (d, _m, _c) in enumerate(plan)}
    for spec in SCENARIO:
        e = run.now - spec["ago"]
        slots[day_index.get(run.local_day(e), len(plan) - 1)].append((e, spec))
    # Slots a later step may give to a contact it needs on a day (a return visit's call: run.calls).
    run.kept["free_slots"] = {d: sum(1 for _e, s in day_slots if s is None)
                              for (d, _m, _c), day_slots in zip(plan, slots, strict=True)}
    total = 0
    step = max(1, len(plan) // 10)
    for di, ((day, midnight, _count), day_slots) in enumerate(zip(plan, slots, strict=True)):
        day_slots.sort(key=lambda s: s[0])
        make_day(run, day, midnight, len(plan) - 1 - di, day_slots)
        total += len(day_slots)
        run.sink.mark(total)
        if run.n >= 50_000 and (di + 1) % step == 0:
            run.progress(_("{n} contacts written").format(n=total))


def plan_days(run: Run) -> list[tuple[date, int, int]]:
    """(local day, its midnight, random contacts that day) for the last 90 days."""
    today = run.local_day(run.now)
    days = [today - timedelta(days=k) for k in range(DAYS - 1, -1, -1)]
    cum_hours = list(accumulate(HOUR_WEIGHTS))
    weights = []
    for d in days:
        w = 0.8 if d.weekday() >= 5 else 1.0
        w *= 1.0 + 0.15 * math.sin(d.toordinal() / 3.0)
        if d == today:
            now_local = datetime.fromtimestamp(run.now, run.tz)
            h = now_local.hour
            w *= ((cum_hours[h - 1] if h else 0) + HOUR_WEIGHTS[h] * now_local.minute / 60) / cum_hours[-1]
        weights.append(w)
    n = run.n - len(SCENARIO)
    total = sum(weights)
    raw = [n * w / total for w in weights]
    counts = [int(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in order[: n - sum(counts)]:
        counts[i] += 1
    return [(d, run.midnight(d), c) for d, c in zip(days, counts, strict=True)]


def slot_times(run: Run, midnight: int, count: int) -> list[int]:
    """``count`` moments of the day at desk hours, none later than a minute ago."""
    rng = run.rng
    hours, cum = range(24), list(accumulate(HOUR_WEIGHTS))
    out = []
    limit = run.now - 60
    for _n in range(count):
        for _try in range(50):
            h = hours[bisect.bisect(cum, rng.random() * cum[-1])]
            e = midnight + h * 3600 + run.rr(3600)
            if e <= limit:
                break
        else:
            e = max(midnight, limit - run.rr(3600))
        out.append(e)
    return out


def pick_daytime_slots(run: Run, plan, slots, count: int) -> list[tuple[int, int]]:
    """``count`` distinct random slots in opening hours (09-22), spread over the days."""
    rng = run.rng
    everything = [(di, si) for di, day_slots in enumerate(slots) for si in range(len(day_slots))] \
        if sum(len(s) for s in slots) < 20 * count else None
    picked: set[tuple[int, int]] = set()
    for _try in range(200 * count):
        if len(picked) == count:
            break
        if everything is not None:
            di, si = run.pick(everything)
        else:
            di = run.rr(len(slots))
            if not slots[di]:
                continue
            si = run.rr(len(slots[di]))
        hour = (slots[di][si][0] - plan[di][1]) // 3600
        if 9 <= hour < 22:
            picked.add((di, si))
    if len(picked) < count and everything is not None:  # few slots: take any
        rest = [p for p in everything if p not in picked]
        picked.update(rng.sample(rest, min(len(rest), count - len(picked))))
    return sorted(picked)


# --------------------------------------------------------------------------- one day


def make_day(run: Run, day: date, midnight: int, days_ago: int, day_slots) -> None:
    """One day's contacts (``day_slots``: (time, override) in time order) and all they led to."""
    rng = run.rng
    ymd = day.strftime("%Y%m%d")
    calls = run.calls.pop(day, None)
    if calls:  # contacts other steps need today take the place of drawn ones
        free = [k for k, (_e, s) in enumerate(day_slots) if s is None]
        for call, k in zip(calls, rng.sample(free, len(calls)), strict=True):
            day_slots[k] = call
        day_slots.sort(key=lambda s: s[0])
    n = len(day_slots)
    first_ct = run.reserve(f"CT{ymd}", n) if n else 0
    first_cid = run.ids("contact", n)
    rows = run.day = DayRows(day, midnight, days_ago, ymd)
    contacts = rows.contacts
    wo_rows, cp_rows = [], []  # (row) needing a number
    ch_cum, ooh_cum, detail_cum = CHANNEL_CUM, OUT_OF_HOURS_CUM, DETAIL_CUM
    general, gen_cum, by_channel = _GENERAL, _GENERAL_CUM, _BY_CHANNEL
    cust = run.customers
    opens, closes = run.desk_hours
    night_from = run.ref.shifts["night"][0]
    duty_cache = run.kept.setdefault("duty", {})
    contact_defaults = run.defaults["contact"]
    reasons = _ESCALATION_REASONS
    for k, (e, spec) in enumerate(day_slots):
        spec = spec or {}
        since_midnight = e - midnight
        # -- topic and channel
        topic = TOPIC_BY_KEY[spec["topic"]] if "topic" in spec else None
        if topic is None and "outcome" in spec:
            topic = run.pick([t for t in general if spec["outcome"] in t.outcomes])
        if topic is None and "urgency" in spec:
            ui = _URGENCY_KEYS.index(spec["urgency"])
            topic = run.pick([t for t in general if t.urgency[ui] > 0])
        channel = spec.get("channel")
        if topic is not None and topic.channel:
            channel = topic.channel.value
        if channel is None:
            if topic is None and not opens <= since_midnight < closes:
                channel = run.choice_w(ooh_cum)
            elif topic is not None:
                channel = run.choice_w(ch_cum)
                if channel in by_channel:  # a topic of its own channel was not drawn
                    channel = _PHONE
            else:
                channel = run.choice_w(ch_cum)
        if topic is None:
            if channel in by_channel:
                topic = run.pick(by_channel[channel])
            else:
                topic = run.choice_w(gen_cum)
        # -- agent: first-contact owner, by shift
        if "agent" in spec:
            staff_no = spec["agent"]
        else:
            shift = "night" if since_midnight >= night_from else "day"  # as run.shift_of
            duty = duty_cache.get((shift, days_ago))
            if duty is None:
                duty = duty_cache[(shift, days_ago)] = on_duty(run, shift, days_ago, midnight + 12 * 3600)
            staff_no = SCENARIO_AGENT if SCENARIO_AGENT in duty and rng.random() < SCENARIO_AGENT_SHARE \
                else run.pick(duty)
        agent_id = run.agents[staff_no]
        # -- customer
        if topic.anonymous:
            ci = None
        elif "customer" in spec:
            ci = spec["customer"]
        else:
            ci = run.rr(run.n_cust)
            if cust.created[ci] > e:
                ci = run.rr(max(1, cust.old))
        if ci is not None:
            cust_id, cname, cini, ukey, caddr = (cust.id[ci], cust.name[ci], cust.initials[ci],
                                                 cust.unit_key[ci], cust.address[ci])
            nums = cust.phones[ci]
            phone = nums[0] if len(nums) == 1 or rng.random() < 0.8 else nums[1]
            if channel == _ONLINE and rng.random() < 0.3:
                phone = ""
            short, b, u, room = cust.short[ci], cust.building[ci], cust.unit[ci], cust.room[ci]
        else:
            cust_id, cname, cini, ukey, caddr, phone = None, "", "", "", "", ""
            b = str(run.ri(1, run.buildings))
            u, room = str(run.ri(1, 3)), "101"
            short = BUILDING_SHORT.format(b=b)
        # -- urgency, outcome
        urg_cum, out_cum = _TOPIC_CUM[topic.key]
        urgency = spec.get("urgency") or run.choice_w(urg_cum)
        outcome = spec.get("outcome") or run.choice_w(out_cum)
        # -- texts
        fl = int(room[:-2]) if len(room) > 2 and room[:-2].isdigit() else run.ri(2, 30)
        ctx = Ctx(run, ymd, topic.department)
        ctx["addr"], ctx["b"], ctx["u"], ctx["fl"] = short, b, u, fl
        ctx["room"] = room
        si = run.rr(len(topic.summaries))
        ctx["si"] = si
        summary = spec.get("summary") or topic.summaries[si].format_map(ctx)
        handling = run.pick(_HANDLING[topic.key])
        if "{" in handling:
            handling = handling.format_map(ctx)
        if outcome == _RESOLVED:
            result = aligned(topic.resolved, topic.summaries, si, rng).format_map(ctx)
        else:
            result = run.pick(OUTCOME_RESULTS[outcome]).format_map(ctx)
        if channel in _TALK:
            duration = int(rng.lognormvariate(5.3, 0.6))
        elif channel == _WALK_IN:
            duration = int(rng.lognormvariate(6.2, 0.5))
        elif channel == _ONLINE:
            duration = int(rng.lognormvariate(6.0, 0.7))
        else:
            duration = None
        ended = e + duration if duration else e
        cid = first_cid + k
        number = f"CT{ymd}-{first_ct + k:04d}"
        ended_ts = run.ts(ended)
        c = {**contact_defaults,
             "id": cid, "number": number, "received_at": run.ts(e), "ended_at": ended_ts,
             "channel": channel,
             "channel_detail": run.choice_w(detail_cum) if channel == _ONLINE else "",
             "customer_id": cust_id, "customer_name": cname, "name_initials": cini, "phone": phone,
             "unit_key": ukey, "address": caddr, "category": topic.category, "subtype": topic.subtype,
             "urgency": urgency, "summary": summary, "handling": handling, "result": result,
             "outcome": outcome, "agent_id": agent_id, "agent_staff_no": staff_no,
             "duration_s": duration, "created_at": ended_ts}
        if topic.key == "info_change":
            ok = rng.random() < 0.95
            c["identity_verified"] = ok
            c["verified_by"] = run.pick(IDENTITY_CHECKS)
            if not ok:
                c["result"] = IDENTITY_FAILED
        if topic.key == "presales":
            c["converted"] = rng.random() < 0.35
        if "parent_callback" in spec:
            c["parent_callback_id"] = spec["parent_callback"]
        info = ContactInfo(cid, number, e, ended, staff_no, agent_id, cust_id, cname, phone, ukey, caddr,
                           topic, urgency, summary, spec, short, ctx)
        closed_at = ended
        wo = cp = None
        if outcome == _RESOLVED:
            if channel in _RATED and rng.random() < 0.5:
                c["satisfaction"] = run.choice_w(SAT_CUM)
        elif outcome == _WORK_ORDER:
            wo = orders.make_order(run, info)
            wo_rows.append(wo)
            c["work_order_id"] = wo["id"]
            closed_at = wo["_closed"]
        elif outcome == _REFERRED:
            dept = topic.department or REFERRAL_DEPARTMENT
            c["referred_department"] = dept
            c["referral_contact"] = "{} {}".format(*run.ref.department(dept))
            closed_at = followups.make_callback_chain(run, info, followups.REFERRAL_CHECK,
                                                      run.midnight(day + REFERRAL_CHECK_AFTER) + 10 * 3600
                                                      + run.rr(3 * 3600))
        elif outcome == _PROMISED:
            closed_at = followups.make_callback_chain(run, info, followups.PROMISED_REPLY, ended + _PROMISED_S)
        # -- to the supervisor: complaints, urgent and critical matters, and what the agent escalates
        key = (topic.category, urgency, outcome)
        reason = reasons.get(key, _UNKNOWN)
        if reason is _UNKNOWN:
            reason = reasons[key] = escalation_reason(topic.category, urgency, Outcome(outcome))
        if reason is _COMPLAINT:
            cp = complaints.make_complaint(run, info, wo)
            cp_rows.append(cp)
            c["complaint_id"] = cp["id"]
            c["escalation_reason"] = cp["escalation_reason"]
            c.update(cp.pop("_contact", ()))  # entered at the desk from a paper record
            closed_at = cp["_closed"]  # closing the complaint closes its contact
        elif reason is not None:
            if outcome == _ESCALATED:
                c["escalation_reason"] = run.pick(ESCALATION_REASONS[2:])
                closed_at = followups.make_escalation(run, info, reason.value, c["escalation_reason"],
                                                      ack=spec.get("ack"))
            else:
                c["escalation_reason"] = ESCALATED_CRITICAL if urgency == _CRITICAL else ESCALATED_URGENT
                followups.make_escalation(run, info, reason.value, c["escalation_reason"], ack=spec.get("ack"))
        if closed_at is not None and closed_at <= run.now:
            c["status"] = _CLOSED
            c["closed_at"] = run.ts(closed_at)
        else:
            c["status"] = _OPEN
        if "after" in spec:  # the step that asked for this contact links it
            spec["after"](run, info, c, wo, cp)
        contacts.append(c)
    # Numbers, allocated per local day in time order.
    if wo_rows:
        first = run.reserve(f"WO{ymd}", len(wo_rows))
        for i, wo in enumerate(wo_rows):
            wo["number"] = f"WO{ymd}-{first + i:04d}"
            if wo["customer_id"] is not None:
                run.last_order[wo["customer_id"]] = (wo["id"], wo["number"])
    if cp_rows:
        first = run.reserve(f"CP{ymd}", len(cp_rows))
        for i, cp in enumerate(cp_rows):
            cp["number"] = f"CP{ymd}-{first + i:04d}"
    for wo in rows.orders:
        del wo["_closed"]
    for cp in rows.complaints:
        del cp["_closed"]
    for day_step in run.day_steps:
        day_step.make(run, rows)
    for table, table_rows in rows.tables():
        run.write(table, table_rows)
    run.sink.flush()


# --------------------------------------------------------------------------- what a contact carries


class Ctx(dict):
    """Template values, drawn only when a template asks for them."""

    __slots__ = ("run", "ymd", "dept")

    def __init__(self, run: Run, ymd: str, dept: str):
        super().__init__()
        self.run, self.ymd, self.dept = run, ymd, dept or REFERRAL_DEPARTMENT

    def __missing__(self, key: str):
        r = self.run
        if key == "below":
            room = self["room"]
            value = f"{max(1, self['fl'] - 1)}{room[-2:]}"
        elif key == "courier":
            value = r.pick(COURIERS)
        elif key == "order":  # an order number as the customer quotes it: date + sequence
            value = f"{self.ymd[:6]}{r.ri(1, 28):02d}{r.ri(1, 999):03d}"
        elif key == "tech":
            value = r.pick(TECHNICIANS)
        elif key == "hm":
            value = r.pick(TIMES_OF_DAY)
        elif key == "staff":
            value = r.pick(COMPLAINED_STAFF_NOS)
        elif key == "old4":
            value = f"{r.rr(10000):04d}"
        elif key == "dept":
            value = r.ref.department(self.dept)[0]
        elif key == "dphone":
            value = r.ref.department(self.dept)[1]
        elif key == "sup":
            value = STAFF_BY_NO[SUPERVISOR].name
        else:
            raise KeyError(key)
        self[key] = value
        return value
