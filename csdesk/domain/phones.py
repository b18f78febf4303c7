"""Phone numbers as the desk meets them: Chinese mobiles, landlines with area code
and extension, international numbers (phonenumbers).

Stored form: a Chinese number as its national digits (``13800138000``,
``01062345678``), anything else as E.164 (``+442079460000``); the extension
apart.  The last four digits are then always ``substr(phone, -4)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from csdesk.i18n import _

_SEPARATORS = re.compile(r"[\s\-()（）.·—]+")
_EXT = re.compile(r"(?:ext\.?|x|转|分机|#|,|，)\s*(\d{1,6})\s*$", re.IGNORECASE | re.ASCII)
_MOBILE = re.compile(r"^1[3-9]\d{9}$", re.ASCII)
_LANDLINE_EXT = re.compile(r"^(0\d{2,3})[\s\-]+(\d{7,8})[\s\-]+(\d{1,6})$", re.ASCII)
MAX_INPUT = 64  # characters: longer is not a phone number (and is not looked at)


class PhoneError(ValueError):
    """Not a phone number; the message says what is wrong, for the field."""


@dataclass(frozen=True)
class Phone:
    number: str  # stored form
    ext: str = ""
    kind: str = "mobile"  # mobile, landline, international

    @property
    def last4(self) -> str:
        return self.number[-4:]

    @property
    def display(self) -> str:
        n = self.number
        if self.kind == "mobile":
            text = f"{n[:3]} {n[3:7]} {n[7:]}"
        elif self.kind == "landline":
            area = 3 if n[:2] in ("01", "02") else 4
            text = f"{n[:area]}-{n[area:]}"
        else:
            text = n
        ext_label = _("ext.")
        return f"{text} {ext_label} {self.ext}" if self.ext else text


def mask(number: str) -> str:
    """``13800138000`` -> ``138****8000``; short or partial numbers keep only their last four."""
    if not number or number.startswith("…"):  # a part of a number, as the caller gave it: nothing more to hide
        return number or ""
    if len(number) >= 11:
        return number[:3] + "****" + number[-4:]
    if len(number) > 4:
        return "*" * (len(number) - 4) + number[-4:]
    return number


def parse_phone(raw: str) -> Phone:
    """Parse what the agent typed; raise :class:`PhoneError` with a message for the field."""
    from csdesk.domain.text import ascii_digits

    text = ascii_digits((raw or "").strip()).strip()  # full-width digits typed with an IME
    if not text:
        raise PhoneError(_("Enter a phone number."))
    if len(text) > MAX_INPUT:
        raise PhoneError(_("Not a phone number we recognise."))
    ext = ""
    dashed = _LANDLINE_EXT.match(text)
    if dashed:  # 010-62345678-123
        text, ext = dashed.group(1) + dashed.group(2), dashed.group(3)
    m = _EXT.search(text)
    if m and (len(_SEPARATORS.sub("", text[: m.start()])) >= 7):
        ext = m.group(1)
        text = text[: m.start()]
    compact = _SEPARATORS.sub("", text)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if compact.startswith("+86"):
        compact = compact[3:]
        if not compact.startswith("1"):
            compact = "0" + compact
    if compact.startswith("+"):
        import phonenumbers

        try:
            parsed = phonenumbers.parse(compact, None)
        except phonenumbers.NumberParseException:
            raise PhoneError(_("Not a valid international number.")) from None
        if not phonenumbers.is_valid_number(parsed):
            raise PhoneError(_("Not a valid international number."))
        return Phone(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), ext,
                     "international")
    if not (compact.isascii() and compact.isdigit()):
        raise PhoneError(_("A phone number has digits only (and an optional extension)."))
    if compact.startswith("1"):
        if _MOBILE.match(compact):
            return Phone(compact, ext, "mobile")
        raise PhoneError(_("A mobile number has 11 digits and starts with 1."))
    if compact.startswith("0"):
        import phonenumbers

        try:
            parsed = phonenumbers.parse(compact, "CN")
        except phonenumbers.NumberParseException:
            parsed = None
        if parsed is None or not phonenumbers.is_valid_number(parsed):
            raise PhoneError(_("Not a valid landline: area code and number, e.g. 010-62345678."))
        return Phone(compact, ext, "landline")
    if 7 <= len(compact) <= 8:
        raise PhoneError(_("Add the area code to a landline number, e.g. 010-62345678."))
    raise PhoneError(_("Not a phone number we recognise."))
