"""Time for the desk: aware UTC inside, local time on screen.

The local zone is the configured one or the machine's own: loading the
settings (:func:`csdesk.config.load_settings`: ``timezone`` in the configuration,
``CSDESK_TIMEZONE`` over it) installs it with :func:`set_zone`; before that, or
without settings, ``CSDESK_TIMEZONE`` is read directly.
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


def zone_named(name: str) -> tzinfo:
    """The IANA zone ``name`` (``Asia/Shanghai``); ValueError with a one-line reason if there is none."""
    from zoneinfo import ZoneInfo

    try:
        return ZoneInfo(name)
    except (KeyError, ValueError, OSError):
        from csdesk.i18n import _

        raise ValueError(_("{name!r} is not a known time zone (an IANA name such as Asia/Shanghai)").format(
            name=name[:40])) from None


@lru_cache(maxsize=4)
def _zone(name: str | None) -> tzinfo:
    if name:
        return zone_named(name)
    return datetime.now().astimezone().tzinfo  # type: ignore[return-value]


_UNSET = object()
_installed: object = _UNSET  # the zone the settings chose (a name or None: the machine's), once loaded


def set_zone(name: str | None | object = _UNSET) -> None:
    """Install the desk's zone (an IANA name; None: the machine's own).  ``set_zone()``
    forgets it, and ``CSDESK_TIMEZONE`` is read again (tests)."""
    global _installed
    if isinstance(name, str):
        zone_named(name)  # refuse an unknown zone now, not at the first time shown
    _installed = name


def local_tz() -> tzinfo:
    name = _installed if _installed is not _UNSET else os.environ.get("CSDESK_TIMEZONE") or None
    return _zone(name)  # type: ignore[arg-type]


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
