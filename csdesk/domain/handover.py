"""The handover notebook's rules (交接班记录本), as pure functions.

- Which shift occurrence a page is written for (the current shift, or the one
  that just ended: the night agent stays while a customer is still served) and
  which one it is addressed to (the next different shift, not a person).
- Which shift an agent receives for at login (the current one, or the next to
  start within the hour).
- How the compiled matters are grouped by urgency and ordered: "do first",
  overdue, due soon, waiting for the supervisor, the rest.
- Which acknowledged matters pass to the incoming agent: open orders and
  pending call-backs (return visits included) still owned by the page's
  author; escalations and complaints stay with the supervisor.  The
  first-contact owner (首问负责) is never lost: it is named on every passing.
- When unacknowledged items escalate: 30 minutes after the receiving shift
  starts, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum

from csdesk.domain.rules import HANDOVER_ACK_WITHIN, DueState, due_state, is_open_order
from csdesk.domain.shifts import ShiftHours, ShiftWindow, next_window, shift_at, window
from csdesk.i18n import N_, _

WRITE_GRACE = timedelta(hours=2)  # a page can still be written this long after its shift ended
RECEIVE_LEAD = timedelta(hours=1)  # an agent logging in this long before a shift receives for it
CALLBACK_DUE_SOON = timedelta(hours=1)  # a call-back due within the hour is "due soon"
INSTRUCTION_LIMIT = 1000
FREE_TEXT_LIMIT = 500
NOTE_LIMIT = 500


class Matter(StrEnum):
    """What a compiled item is about."""

    ORDER = "order"
    CALLBACK = "callback"
    ESCALATION = "escalation"
    COMPLAINT = "complaint"

    @property
    def label(self) -> str:
        return _(_MATTER_LABELS[self])


_MATTER_LABELS = {
    Matter.ORDER: N_("Work order"),
    Matter.CALLBACK: N_("call-back"),
    Matter.ESCALATION: N_("escalation"),
    Matter.COMPLAINT: N_("Complaint"),
}


class Group(StrEnum):
    """The urgency groups of a page, in the order they are shown."""

    DO_FIRST = "do_first"
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    SUPERVISOR = "supervisor"
    OPEN = "open"
    FREE = "free"

    @property
    def label(self) -> str:
        return _(_GROUP_LABELS[self])


_GROUP_LABELS = {
    Group.DO_FIRST: N_("Do first"),
    Group.OVERDUE: N_("Overdue"),
    Group.DUE_SOON: N_("Due soon"),
    Group.SUPERVISOR: N_("Waiting for the supervisor"),
    Group.OPEN: N_("Following up"),
    Group.FREE: N_("Customers, prospects and other notes"),
}
GROUP_ORDER = {g: i for i, g in enumerate(Group)}


class RemarkKind(StrEnum):
    NOTE = "note"  # the receiver's read-back on an item
    QUESTION = "question"  # the receiver's question on an item
    REMARK = "remark"  # a later remark (a supervisor's, anyone's)
    CORRECTION = "correction"  # the author's correction of frozen content

    @property
    def label(self) -> str:
        return _(_REMARK_LABELS[self])


_REMARK_LABELS = {
    RemarkKind.NOTE: N_("note"),
    RemarkKind.QUESTION: N_("question"),
    RemarkKind.REMARK: N_("remark"),
    RemarkKind.CORRECTION: N_("correction"),
}
URGENCY_RANK = {"critical": 0, "urgent": 1, "normal": 2, "": 3}


# --------------------------------------------------------------------------- windows


def writing_window(shifts: Sequence[ShiftHours], at: datetime, tz: tzinfo,
                   grace: timedelta = WRITE_GRACE) -> ShiftWindow | None:
    """The shift occurrence a page written at ``at`` is for: the current one, else one that ended
    less than ``grace`` ago (the latest), else None."""
    current = shift_at(shifts, at, tz)
    if current is not None:
        return current
    best = None
    local_day = at.astimezone(tz).date()
    for shift in shifts:
        for offset in (0, 1, 2):
            w = window(shift, local_day - timedelta(days=offset), tz)
            if w.end <= at < w.end + grace and (best is None or w.end > best.end):
                best = w
    return best


def addressed_to(shifts: Sequence[ShiftHours], written_for: ShiftWindow, tz: tzinfo) -> ShiftWindow:
    """The shift a page is handed to: the next different shift after the one it was written for."""
    nxt = next_window(shifts, written_for, tz)
    assert nxt is not None  # next_window always finds one (the same shift tomorrow at worst)
    return nxt


def receiving_windows(shifts: Sequence[ShiftHours], at: datetime, tz: tzinfo,
                      lead: timedelta = RECEIVE_LEAD) -> tuple[ShiftWindow | None, ShiftWindow | None]:
    """The shifts an agent at a console at ``at`` may be receiving for: the current one, and the
    next to start within ``lead`` (an agent who arrives early for it)."""
    current = shift_at(shifts, at, tz)
    upcoming = None
    local_day = at.astimezone(tz).date()
    for shift in shifts:
        for offset in (0, 1):
            w = window(shift, local_day + timedelta(days=offset), tz)
            if at < w.start <= at + lead and (upcoming is None or w.start < upcoming.start):
                upcoming = w
    if current is not None and upcoming is not None and upcoming.start == current.start:
        upcoming = None
    return current, upcoming


def escalates_at(to_start_at: datetime) -> datetime:
    """Items not acknowledged this long after the receiving shift starts go to the supervisor."""
    return to_start_at + HANDOVER_ACK_WITHIN


def acknowledgement_cutoff(at: datetime) -> datetime:
    """Pages addressed to shifts that started at or before this have had their 30 minutes."""
    return at - HANDOVER_ACK_WITHIN


def escalation_due(to_start_at: datetime | None, at: datetime, *, received: bool, signed: bool,
                   escalated: bool) -> bool:
    return (signed and not received and not escalated and to_start_at is not None
            and at >= escalates_at(to_start_at))


# --------------------------------------------------------------------------- groups


def group_of(matter: Matter | str, *, at: datetime, deadline_at: datetime | None = None,
             created_at: datetime | None = None, waiting_for_supervisor: bool = False) -> Group:
    """The urgency group of an open matter at ``at``.

    Called for every matter of a page (thousands at a busy desk): plain
    comparisons, no conversions.
    """
    if deadline_at is not None and at >= deadline_at:
        return Group.OVERDUE
    if matter == Matter.ORDER:
        if deadline_at is not None and created_at is not None and \
                due_state(created_at, deadline_at, at) is DueState.DUE_SOON:
            return Group.DUE_SOON
    elif matter == Matter.CALLBACK and deadline_at is not None and deadline_at - at <= CALLBACK_DUE_SOON:
        return Group.DUE_SOON
    if waiting_for_supervisor or matter == Matter.ESCALATION or matter == Matter.COMPLAINT:
        return Group.SUPERVISOR
    return Group.OPEN


def shown_group(group: Group | str, do_first: bool, free: bool = False) -> Group:
    """Where an item is shown: marked items lead the page, free items close it."""
    if do_first:
        return Group.DO_FIRST
    if free:
        return Group.FREE
    return Group(group) if group else Group.OPEN


_INF = float("inf")


def sort_key(group: Group | str, do_first: bool, free: bool, urgency: str, deadline_at: datetime | None,
             sort: int = 0) -> tuple:
    """Do first, then the urgency groups, then critical before urgent before normal, nearest deadline first."""
    shown = Group.DO_FIRST if do_first else (Group.FREE if free else (group or Group.OPEN))
    return (GROUP_ORDER[shown], URGENCY_RANK.get(urgency or "", 3),
            deadline_at.timestamp() if deadline_at is not None else _INF, sort)


# --------------------------------------------------------------------------- passing matters on


def passes_on(matter: Matter | str, *, still_open: bool, owner_id: int | None, author_id: int,
              receiver_id: int) -> bool:
    """Whether acknowledging an item passes its matter to the receiver's queue.

    Orders and call-backs (return visits included) pass while they are still
    open and still owned by the agent who handed them over; escalations and
    complaints belong to the supervisor and stay there; a matter someone else
    took meanwhile stays with them.
    """
    if Matter(matter) not in (Matter.ORDER, Matter.CALLBACK):
        return False
    return still_open and owner_id == author_id and receiver_id != author_id


def order_is_open(status: str) -> bool:
    try:
        return is_open_order(status)
    except ValueError:
        return False


def no_update_this_shift(last_update_at: datetime | None, window_start: datetime) -> bool:
    """The 30-minute check: a matter whose last update is before the shift began."""
    return last_update_at is None or last_update_at < window_start
