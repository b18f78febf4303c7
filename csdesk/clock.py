"""Time for the desk: aware UTC inside, local time on screen.

The local zone is the configured one (``timezone`` in the settings,
``CSDESK_TIMEZONE``) or the machine's own.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache


def _system_now() -> datetime:
    return datetime.now(UTC)


_source: Callable[[], datetime] = _system_now


def now() -> datetime:
    """The current time, aware, in UTC, to the second (from the installed clock)."""
    return _source().astimezone(UTC).replace(microsecond=0)


def set_clock(source: Callable[[], datetime] | None) -> None:
    """Install a clock (a function returning an aware datetime); None puts the system clock back.

    Tests and ``csdesk tick --at`` use it: deadlines, escalations and reminders
    then follow that clock, and nothing needs to sleep.
    """
    global _source
    _source = source or _system_now


class FakeClock:
    """A clock that stands still until moved: ``clock.advance(minutes=5)``."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self.at = self.at + (delta or timedelta(**kwargs))
        return self.at

    def set(self, at: datetime) -> None:
        self.at = at


@lru_cache(maxsize=4)
def _zone(name: str | None) -> tzinfo:
    if name:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name)
    return datetime.now().astimezone().tzinfo  # type: ignore[return-value]


def local_tz() -> tzinfo:
    return _zone(os.environ.get("CSDESK_TIMEZONE") or None)


def to_local(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(local_tz())


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """An aware datetime for a wall-clock time at the desk."""
    return datetime(year, month, day, hour, minute, second, tzinfo=local_tz())


def fmt(value: datetime | None, pattern: str = "%Y-%m-%d %H:%M:%S") -> str:
    """Format a stored time in local time; empty for None."""
    v = to_local(value)
    return v.strftime(pattern) if v else ""
