"""Time for the desk: aware UTC inside, local time on screen.

The local zone is the configured one (``timezone`` in the settings,
``CSDESK_TIMEZONE``) or the machine's own.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, tzinfo
from functools import lru_cache


def now() -> datetime:
    """The current time, aware, in UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0)


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
