"""Command-line arguments, read one way by every command.

Each function takes what the shell gave (a ``str`` or ``None``) and the
option's name, and returns the value or stops the command with one line on
stderr (``csdesk: --to: …``) and exit code 2.  A message quotes at most 40
characters of the input, escaped (:func:`csdesk.domain.text.quote_input`), so a
100 KB value, invalid UTF-8 (which Python hands over as surrogate escapes) or
an escape sequence never floods or drives the terminal.

- :func:`text`: any text option, through the input hygiene of
  :func:`csdesk.domain.text.clean_text` (``kind`` ``name``, ``line`` or
  ``block``) with a length limit;
- :func:`day` and :func:`day_range`: ``YYYY-MM-DD`` from 1900 to 2100;
- :func:`whole_number`: ``1000``, ``1_000`` or ``1,000`` within bounds;
- :func:`choice`: a vocabulary value by its stable key, English label or
  Chinese name (``--urgency urgent`` or ``--urgency 紧急``);
- :func:`path`: a file to write, checked for length and encoding.

Import cost: nothing beyond the standard library and ``csdesk.domain.text``.
"""


from datetime import date
from pathlib import Path

from csdesk.cli.common import fail
from csdesk.domain.text import TextError, TextKind, clean_text, quote_input
from csdesk.i18n import _

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2100, 12, 31)
MAX_PATH = 1024  # characters of a file name given on the command line


def text(value: str | None, option: str, *, kind: TextKind | str = TextKind.LINE, limit: int = 200,
         required: bool = False) -> str:
    """A text option through the input hygiene; ``None`` is ``""``."""
    try:
        cleaned = clean_text(value, limit, kind=kind)
    except TextError as exc:
        fail(f"{option}: {exc}")
    if required and not cleaned:
        fail(_("{option}: give a value").format(option=option))
    return cleaned


def day(value: str | None, option: str) -> date | None:
    """``YYYY-MM-DD`` between 1900-01-01 and 2100-12-31; ``None`` stays ``None``."""
    if value is None:
        return None
    cleaned = clean_text(value[:100], kind=TextKind.LINE, drop_unsafe=True)
    try:
        if len(value) > 40 or not cleaned.isascii():
            raise ValueError(value)
        parsed = date.fromisoformat(cleaned)
    except ValueError:
        fail(_('{option}: not a date "{value}"; use YYYY-MM-DD').format(option=option, value=quote_input(value)))
    if not FIRST_DAY <= parsed <= LAST_DAY:
        fail(_("{option}: {value} is outside the years {first}–{last}").format(
            option=option, value=parsed.isoformat(), first=FIRST_DAY.year, last=LAST_DAY.year))
    return parsed


def day_range(first: str | None, last: str | None, *, first_option: str = "--from",
              last_option: str = "--to") -> tuple[date | None, date | None]:
    """Two days, the second not before the first; either may be missing."""
    start, end = day(first, first_option), day(last, last_option)
    if start and end and end < start:
        fail(_("{last_option} {last} is before {first_option} {first}").format(
            last_option=last_option, last=end, first_option=first_option, first=start))
    return start, end


def whole_number(value: str | int | None, option: str, low: int, high: int, *, default: int | None = None) -> int:
    """A whole number from ``low`` to ``high``; ``None`` is ``default`` (if given)."""
    if value is None and default is not None:
        return default
    if isinstance(value, int):
        number = value
    else:
        raw = value or ""
        cleaned = clean_text(raw[:40], kind=TextKind.LINE, drop_unsafe=True).replace(",", "")
        try:
            number = int(cleaned) if len(raw) <= 40 and cleaned.isascii() else None
        except ValueError:
            number = None
    if number is None or not low <= number <= high:
        fail(_('{option}: give a whole number from {low} to {high}, not "{value}"').format(
            option=option, low=low, high=high, value=quote_input(value)))
    return number


def choice(enum_cls, value: str | None, option: str):
    """A member of a :class:`~csdesk.domain.vocab.LabelledEnum` by key, English label or Chinese name."""
    if value is None:
        return None
    cleaned = clean_text(value[:100], kind=TextKind.LINE, drop_unsafe=True)
    try:
        if len(value) > 64:
            raise ValueError(value)
        return enum_cls.parse(cleaned)
    except ValueError:
        fail(_('{option}: unknown value "{value}"; choose one of: {choices}').format(
            option=option, value=quote_input(value), choices=", ".join(m.value for m in enum_cls)))


def path(value: str | Path | None, option: str) -> Path | None:
    """A file name to write: valid text, not absurdly long."""
    if value is None:
        return None
    raw = str(value)
    if len(raw) > MAX_PATH:
        fail(_("{option}: a file name of at most {limit} characters, not {n}").format(
            option=option, limit=MAX_PATH, n=len(raw)))
    try:
        clean_text(raw, kind=TextKind.LINE)
    except TextError as exc:
        fail(f"{option}: {exc}")
    return Path(raw)
