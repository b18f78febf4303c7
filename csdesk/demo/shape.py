"""The shape of the demo data: sizes, the desk's staff, how often things happen,
and the contacts that are always there (coverage and today's scenario).

Plain data.  Keys are the domain's enums (:mod:`csdesk.domain`); weights are
relative.  :func:`weighted` turns ``(value, weight)`` pairs into the form the
generator draws from (enum members become their plain string values, so rows
hold ``str`` and pickle small).
"""

from __future__ import annotations

from enum import Enum
from itertools import accumulate
from typing import NamedTuple

from csdesk.demo.texts import TOPICS
from csdesk.domain import (
    CallbackKind,
    CallbackResult,
    Channel,
    ComplaintStatus,
    OrderStatus,
    Outcome,
    Role,
    Urgency,
)

DEMO_PASSWORD = "demo"
DEFAULT_CONTACTS = 3000
MIN_CONTACTS = 60  # the scenario and one contact per channel, topic, urgency and outcome fit
MAX_CONTACTS = 5_000_000
DAYS = 90  # the register covers the last 90 days


def weighted(pairs) -> tuple[tuple, tuple[float, ...]]:
    """``(value, weight)`` pairs -> (values, cumulative weights) for :meth:`Run.choice_w`."""
    pairs = tuple(pairs)
    values = tuple(v.value if isinstance(v, Enum) else v for v, _w in pairs)
    return values, tuple(accumulate(w for _v, w in pairs))


# --------------------------------------------------------------------------- the desk's staff


class Staff(NamedTuple):
    staff_no: str
    name: str
    role: str  # a Role value
    shift: str  # a shift code of shifts.toml: "day" or "night"
    rota: int  # offset of the two days off in the week
    hired: int  # days ago
    left: int | None = None  # days ago; the account is deactivated
    complained: int | None = None  # days ago a complaint was made against them


STAFF: tuple[Staff, ...] = (
    Staff("1001", "张敏", Role.AGENT.value, "day", 0, 900),
    Staff("1002", "刘洋", Role.AGENT.value, "day", 2, 700),
    Staff("1003", "陈静", Role.AGENT.value, "night", 0, 500),
    # complained about shortly before the 90 days: within the return-visit window all along
    Staff("1004", "杨帆", Role.AGENT.value, "night", 3, 400, complained=DAYS + 30),
    Staff("1005", "赵丽", Role.AGENT.value, "day", 4, 300),
    Staff("1006", "黄磊", Role.AGENT.value, "day", 1, 30),  # new staff
    Staff("1007", "周婷", Role.AGENT.value, "day", 3, 800, left=45),  # left: deactivated
    Staff("2001", "李强", Role.SUPERVISOR.value, "day", 0, 1500),
    Staff("2002", "孙悦", Role.SUPERVISOR.value, "night", 0, 1200),
    Staff("9001", "王芳", Role.MANAGER.value, "day", 0, 2000),
)
STAFF_BY_NO = {s.staff_no: s for s in STAFF}
#: (staff number, role) of the accounts printed by ``csdesk demo``.
DEMO_ACCOUNTS = tuple((no, STAFF_BY_NO[no].role) for no in ("1001", "2001", "9001"))
COMPLAINED_ABOUT = "1004"  # the agent service complaints are about
STAND_IN = "1002"  # takes the call-backs of staff who left
SCENARIO_AGENT = "1001"  # whose queues the scenario fills; takes an extra share of calls
SUPERVISOR = "2001"  # draws the return visits, reviews handovers, lifts refused-list entries
MANAGER = "9001"  # overdue complaints go to the manager
SCENARIO_HANDOVER = ("1003", "1001")  # last night's handover, waiting for 1001 to acknowledge it
SUPERVISOR_ON = {s.shift: s.staff_no for s in STAFF if s.role == Role.SUPERVISOR}  # by shift
COMPLAINED_STAFF_NOS = ("1002", "1004", "1005", "1004")  # quoted in service complaints
# The technicians complaints name, as the demo's texts call them (the roster's engineering technician
# of that surname: Run.technician); their orders are visited for six months after
# (csdesk.domain.rules.mandatory_visit_reasons).
COMPLAINED_TECHNICIANS = ("刘师傅",)

# Departments when a topic names none: referrals go to after-sales, work orders to engineering.
REFERRAL_DEPARTMENT = "after_sales"
ORDER_DEPARTMENT = "engineering"
IDENTITY_CHECKS = ("last4", "order_name")  # how an information change was verified

# --------------------------------------------------------------------------- how often

# Hour-of-day weights (local time) of a desk open 09:00-23:00.
HOUR_WEIGHTS = (0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.8, 2.5, 7, 9, 8.5,
                5.5, 6, 8, 8.5, 8, 7, 5.5, 6, 6, 4.5, 3, 1.2)
CHANNEL_WEIGHTS = ((Channel.PHONE, 55), (Channel.WALK_IN, 15), (Channel.ONLINE, 18), (Channel.EMAIL, 4),
                   (Channel.OUTBOUND, 5), (Channel.PATROL, 3))
OUT_OF_HOURS_CHANNELS = ((Channel.ONLINE, 70), (Channel.EMAIL, 15), (Channel.PATROL, 15))
CHANNEL_DETAILS = (("app", 40), ("mini_program", 25), ("web", 15), ("wechat", 15), ("weibo", 5))  # online
SATISFACTION = ((5, 55), (4, 28), (3, 10), (2, 5), (1, 2))
# A topic's urgency weights say which topics can be urgent; a desk sees few such calls.
URGENCY_DAMPING = {Urgency.NORMAL: 1.0, Urgency.URGENT: 0.3, Urgency.CRITICAL: 0.25}
SCENARIO_AGENT_SHARE = 0.1  # of the calls of a shift agent 1001 is on

CHANNEL_CUM = weighted(CHANNEL_WEIGHTS)
OUT_OF_HOURS_CUM = weighted(OUT_OF_HOURS_CHANNELS)
DETAIL_CUM = weighted(CHANNEL_DETAILS)
SAT_CUM = weighted(SATISFACTION)
# What came of a return visit or referral check (a referral check cannot be "refused":
# csdesk.domain.rules.callback_result_choices), and of the other call-backs.
VISIT_RESULT_WEIGHTS = ((CallbackResult.DONE, 84), (CallbackResult.BUSY, 8), (CallbackResult.NO_ANSWER, 5),
                        (CallbackResult.REFUSED, 3))
CALL_RESULTS = weighted(((CallbackResult.DONE, 94), (CallbackResult.NO_ANSWER, 6)))
# Return visits (csdesk.demo.visits): what the first call and the retry find, what a problem leads to.
VISIT_FIRST_CALL = (("satisfied", 80), ("problem", 7), ("busy", 6), ("no_answer", 4), ("refused", 3))
VISIT_RETRY_CALL = (("satisfied", 60), ("problem", 5), ("busy", 15), ("no_answer", 15), ("refused", 5))
VISIT_PROBLEM_FOLLOW_UP = (("order", 50), ("complaint", 25), ("none", 25))
VISIT_UNDONE_SHARE = 0.012  # visits nobody called: still in the queue, overdue
# The first visits of the last drawn month play these out, so that every outcome is there to see.
VISIT_FORCED = (("problem:order",), ("problem:complaint",), ("problem:none",), ("busy", "satisfied"),
                ("no_answer", "busy"), ("refused",), ("busy", "problem:order"))
# Complaints (csdesk.demo.complaints): how they are worked.
COMPLAINT_DESK_SHARE = 0.05  # taken on paper and entered later by the supervisor (half of them from engineering)
COMPLAINT_DESK_FIRST = ("desk", "order")  # the first complaints that can be: one of each source
COMPLAINT_SLOW_SHARE = 0.07  # first call to the customer after the reply deadline: the manager hears of it
COMPLAINT_NOT_ACCEPTED_SHARE = 0.08  # the customer does not accept the plan at first
# Where a work order has got to, by its age (older than 3 days / 1-3 days / today).
_S = OrderStatus
ORDERS_OLD = weighted(((_S.CLOSED, 88), (_S.CANCELLED, 6), (_S.DONE, 2.5), (_S.ON_HOLD, 2), (_S.IN_PROGRESS, 1),
                       (_S.DISPATCHED, 0.5)))
ORDERS_RECENT = weighted(((_S.CLOSED, 40), (_S.DONE, 25), (_S.IN_PROGRESS, 12), (_S.ON_HOLD, 8), (_S.DISPATCHED, 8),
                          (_S.CANCELLED, 5), (_S.OPEN, 2)))
ORDERS_TODAY = weighted(((_S.OPEN, 20), (_S.DISPATCHED, 25), (_S.IN_PROGRESS, 25), (_S.DONE, 15), (_S.ON_HOLD, 7),
                         (_S.CANCELLED, 5), (_S.CLOSED, 3)))

# --------------------------------------------------------------------------- contacts that are always there

# Coverage: one contact at least for every channel, topic (so every category and
# sub-type), urgency and outcome, whatever the random draw.
COVERAGE: tuple[dict, ...] = (
    *({"channel": ch.value} for ch, _w in CHANNEL_WEIGHTS),
    *({"topic": t.key} for t in TOPICS),
    *({"urgency": u.value} for u in Urgency),
    *({"outcome": o.value} for o in Outcome),
    {"topic": "quality", "outcome": Outcome.WORK_ORDER.value},  # a complaint that opened a repair order
)

# Today's desk: recent matters that fill agent 1001's queues and the supervisor's,
# and put a work order in every state.  "ago" is seconds before now; the other
# keys fix what would otherwise be drawn (see csdesk.demo.contacts).
_M, _H = 60, 3600
_P, _W, _O = Channel.PHONE.value, Channel.WALK_IN.value, Channel.ONLINE.value
_NORMAL, _URGENT, _CRITICAL = (u.value for u in Urgency)
_WO, _ESC, _PROM = Outcome.WORK_ORDER.value, Outcome.ESCALATED.value, Outcome.PROMISED.value
_CB = CallbackKind
_C = ComplaintStatus
SCENARIO: tuple[dict, ...] = (
    {"ago": 15 * _M, "agent": "1001", "topic": "leak", "channel": _P, "urgency": _NORMAL,
     "outcome": _WO, "order_status": _S.OPEN.value},
    {"ago": 50 * _M, "agent": "1001", "topic": "elevator", "channel": _P, "urgency": _CRITICAL,
     "outcome": _WO, "order_status": _S.DISPATCHED.value, "ack": False,
     "summary": "3栋2单元电梯卡在12楼，有人被困"},
    {"ago": 200 * _M, "agent": "1001", "topic": "power", "channel": _P, "urgency": _URGENT,
     "outcome": _WO, "order_status": _S.IN_PROGRESS.value, "ack": False},
    {"ago": 27 * _H, "agent": "1001", "topic": "leak", "channel": _W, "urgency": _NORMAL,
     "outcome": _WO, "order_status": _S.IN_PROGRESS.value, "ack": False},
    {"ago": 26 * _H, "agent": "1001", "topic": "door", "channel": _P, "urgency": _NORMAL,
     "outcome": _WO, "order_status": _S.ON_HOLD.value},
    # a paid order done: it waits for its return visit (this month is not drawn yet)
    {"ago": 28 * _H, "agent": "1001", "topic": "fixture", "channel": _P, "urgency": _NORMAL,
     "outcome": _WO, "order_status": _S.DONE.value, "paid": True, "done_ago": 20 * _H, "satisfaction": 5},
    {"ago": 6 * _H, "agent": "1001", "topic": "leak", "channel": _P, "urgency": _NORMAL,
     "outcome": _WO, "order_status": _S.DONE.value, "done_ago": 90 * _M, "satisfaction": 2,
     "callback": _CB.LOW_SCORE.value},
    {"ago": 20 * _H, "agent": "1001", "topic": "door", "channel": _O, "urgency": _NORMAL,
     "outcome": _WO, "order_status": _S.CANCELLED.value},
    {"ago": 50 * _H, "agent": "1001", "topic": "network", "channel": _P, "urgency": _NORMAL,
     "outcome": _WO, "order_status": _S.CLOSED.value, "done_ago": 40 * _H},
    {"ago": 40 * _M, "agent": "1001", "topic": "fees", "channel": _P, "urgency": _NORMAL,
     "outcome": _PROM, "callback": _CB.PROMISED_REPLY.value},
    {"ago": 100 * _M, "agent": "1001", "topic": "delivery", "channel": _O, "urgency": _NORMAL,
     "outcome": _PROM, "callback": _CB.PROMISED_REPLY.value},
    {"ago": 22 * _H, "agent": "1001", "topic": "delivery", "channel": _P, "urgency": _NORMAL,
     "outcome": Outcome.REFERRED.value, "callback": _CB.REFERRAL_CHECK.value, "due_in": 90 * _M},
    # a promised reply that found nobody in: its retry is due soon
    {"ago": 30 * _H, "agent": "1001", "topic": "fees", "channel": _P, "urgency": _NORMAL,
     "outcome": _PROM, "call_result": CallbackResult.NO_ANSWER.value, "callback": _CB.RETRY.value,
     "due_in": 2 * _H},
    # complaints: one waiting for a supervisor, one closed, one in 2001's hands (replied), one not
    # replied to past its deadline (with the manager), and one the supervisor took without a call yet
    {"ago": 35 * _M, "agent": "1001", "topic": "service", "channel": _P, "urgency": _URGENT,
     "outcome": _ESC, "complaint_status": _C.ESCALATED.value, "ack": False},
    {"ago": 29 * _H, "agent": "1001", "topic": "service", "channel": _P, "urgency": _NORMAL,
     "outcome": _ESC, "complaint_status": _C.CLOSED.value},
    {"ago": 3 * _H, "agent": "1001", "topic": "quality", "channel": _P, "urgency": _NORMAL,
     "outcome": _ESC, "complaint_status": _C.IN_HAND.value, "complaint_owner": "2001", "replied": True},
    {"ago": 74 * _H, "agent": "1002", "topic": "complaint_general", "channel": _W, "urgency": _NORMAL,
     "outcome": _ESC, "complaint_status": _C.IN_HAND.value, "complaint_owner": "2001", "replied": False},
    {"ago": 70 * _M, "agent": "1001", "topic": "noise", "channel": _P, "urgency": _NORMAL,
     "outcome": _ESC, "complaint_status": _C.IN_HAND.value, "complaint_owner": "2001", "replied": False},
    # a complaint about a technician (closed): that technician's orders are visited for six months
    {"ago": 5 * 24 * _H, "agent": "1001", "topic": "service", "channel": _P, "urgency": _NORMAL,
     "outcome": _ESC, "complaint_status": _C.CLOSED.value, "about_technician": COMPLAINED_TECHNICIANS[0],
     "summary": "投诉维修师傅上门迟到两小时还不道歉"},
    {"ago": 4 * _H, "agent": "1001", "topic": "elevator", "channel": _P, "urgency": _NORMAL,
     "outcome": _ESC, "ack": True, "summary": "2栋1单元电梯本周第三次停运，业主要求主管给说法"},
    {"ago": 10 * _M, "agent": "1001", "topic": "leak", "channel": _P, "urgency": _CRITICAL,
     "outcome": _ESC, "ack": False, "summary": "楼上大量漏水，水顺着电灯往下流，担心漏电"},
)
