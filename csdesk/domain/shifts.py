"""Shift arithmetic: which shift a moment falls in, its window, the reminder
before its end, the shift that follows, and working hours for reply deadlines.

Shift times are wall-clock times at the desk ("09:00"); an end at or before the
start crosses midnight (a night shift 22:00-07:00 that began on the 21st ends
on the 22nd).  Functions take aware datetimes and the desk's zone; nothing
here reads the clock.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from csdesk.domain.rules import COMPLAINT_REPLY_WORKING_HOURS, DUE_SOON_SHARE, HANDOVER_CHECK_BEFORE_END

_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_hhmm(text: str) -> time:
    """``"09:00"`` -> 09:00; ValueError for anything else."""
    m = _HHMM.match((text or "").strip())
    if not m:
        raise ValueError(f"not a time of day (HH:MM): {text!r}")
    return time(int(m.group(1)), int(m.group(2)))


@dataclass(frozen=True)
class ShiftHours:
    """A shift's code and hours (names are presentation: see the reference service)."""

    code: str
    start: time
    end: time

    @classmethod
    def of(cls, code: str, start: str, end: str) -> "ShiftHours":
        return cls(code, parse_hhmm(start), parse_hhmm(end))

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start

    def length(self) -> timedelta:
        start = timedelta(hours=self.start.hour, minutes=self.start.minute)
        end = timedelta(hours=self.end.hour, minutes=self.end.minute)
        return end - start + (timedelta(days=1) if self.crosses_midnight else timedelta(0))


@dataclass(frozen=True)
class ShiftWindow:
    """One occurrence of a shift: the shift, the day it began, its start and end."""

    shift: ShiftHours
    day: date
    start: datetime
    end: datetime

    def contains(self, at: datetime) -> bool:
        return self.start <= at < self.end

    def reminder_at(self, before: timedelta = HANDOVER_CHECK_BEFORE_END) -> datetime:
        """When to remind the agent to update every open matter: 30 minutes before the end."""
        return self.end - before


def _at(day: date, t: time, tz: tzinfo) -> datetime:
    # fold=0 and normalising through UTC give a real instant on DST days
    return datetime.combine(day, t, tzinfo=tz)


def window(shift: ShiftHours, day: date, tz: tzinfo) -> ShiftWindow:
    """The occurrence of ``shift`` that begins on ``day``."""
    start = _at(day, shift.start, tz)
    end = _at(day + timedelta(days=1) if shift.crosses_midnight else day, shift.end, tz)
    return ShiftWindow(shift, day, start, end)


def shift_at(shifts: Sequence[ShiftHours], at: datetime, tz: tzinfo,
             prefer: str | None = None) -> ShiftWindow | None:
    """The shift occurrence ``at`` falls in (the ``prefer``-red code first, then the listed order).

    A moment after midnight inside a shift that crossed it belongs to the
    occurrence that began the day before.
    """
    local = at.astimezone(tz)
    ordered = sorted(shifts, key=lambda s: s.code != prefer) if prefer else list(shifts)
    for shift in ordered:
        for day in (local.date(), local.date() - timedelta(days=1)):
            w = window(shift, day, tz)
            if w.contains(at):
                return w
    return None


def next_window(shifts: Sequence[ShiftHours], current: ShiftWindow, tz: tzinfo) -> ShiftWindow | None:
    """The shift that takes over from ``current``: the next one to start at or after its end.

    Shifts with the same hours as ``current`` (day and regular) are not its
    successors; the handover is addressed to the next *different* shift.
    """
    best: ShiftWindow | None = None
    for shift in shifts:
        if (shift.start, shift.end) == (current.shift.start, current.shift.end):
            continue
        for offset in range(0, 3):
            w = window(shift, current.day + timedelta(days=offset), tz)
            if w.start >= current.end - timedelta(minutes=1) and (best is None or w.start < best.start):
                best = w
                break
    if best is None:  # a single shift: the same shift tomorrow
        best = window(current.shift, current.day + timedelta(days=1), tz)
    return best


def previous_window(shifts: Sequence[ShiftHours], current: ShiftWindow, tz: tzinfo) -> ShiftWindow | None:
    """The shift that hands over to ``current``: the latest to end at or before its start."""
    best: ShiftWindow | None = None
    for shift in shifts:
        if (shift.start, shift.end) == (current.shift.start, current.shift.end):
            continue
        for offset in range(0, 3):
            w = window(shift, current.day - timedelta(days=offset), tz)
            if w.end <= current.start + timedelta(minutes=1) and (best is None or w.end > best.end):
                best = w
                break
    if best is None:
        best = window(current.shift, current.day - timedelta(days=1), tz)
    return best


# --------------------------------------------------------------------------- working hours

WORKDAYS = frozenset(range(5))  # Monday to Friday


def add_working_time(start: datetime, amount: timedelta, hours: ShiftHours, tz: tzinfo,
                     workdays: frozenset[int] = WORKDAYS) -> datetime:
    """``start`` plus ``amount`` counted only in the working hours of ``hours`` on ``workdays``.

    A complaint at 17:30 with half a working day (4.5 h) of 09:00-18:00 is due
    at 13:00 the next working day; one made at night counts from 09:00.
    """
    if hours.crosses_midnight:
        raise ValueError("working hours must not cross midnight")
    left = amount
    local = start.astimezone(tz)
    day = local.date()
    for _ in range(3660):  # ten years of days at most: a bad configuration never loops forever
        if day.weekday() in workdays:
            open_at, close_at = _at(day, hours.start, tz), _at(day, hours.end, tz)
            begin = max(open_at, start)
            if begin < close_at:
                available = close_at - begin
                if left <= available:
                    return begin + left
                left -= available
        day += timedelta(days=1)
    raise ValueError("no working hours in the next ten years")


def reply_deadline(start: datetime, hours: ShiftHours, tz: tzinfo,
                   workdays: frozenset[int] = WORKDAYS) -> tuple[datetime, datetime]:
    """A complaint's reply deadline and the moment it becomes "due soon" (80 % of the time gone),
    both counted in the working hours of ``hours`` (the regular shift): half a working day."""
    amount = timedelta(hours=COMPLAINT_REPLY_WORKING_HOURS)
    return (add_working_time(start, amount * DUE_SOON_SHARE, hours, tz, workdays),
            add_working_time(start, amount, hours, tz, workdays))
