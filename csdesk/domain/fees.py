"""Quoting paid work (有偿维修): the one place that adds up a quote.

The agent picks items from the fee schedule with the caller and tells the
price before the technician goes.  An item without a fixed price is "priced on
inspection": the customer is told so, and the total covers the fixed items
only.  The screen, the CLI and the slip all ask :func:`quote`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from csdesk.i18n import _

MAX_QUANTITY = 99
MAX_LINES = 20


@dataclass(frozen=True)
class QuoteLine:
    code: str
    name: str
    unit: str
    price_fen: int | None  # per unit; None: priced on inspection
    quantity: int = 1
    note: str = ""

    @property
    def on_inspection(self) -> bool:
        return self.price_fen is None

    @property
    def amount_fen(self) -> int | None:
        return None if self.price_fen is None else self.price_fen * self.quantity


@dataclass(frozen=True)
class Quote:
    lines: tuple[QuoteLine, ...]
    total_fen: int  # of the fixed-price lines
    on_inspection: int  # how many lines are priced on inspection

    @property
    def empty(self) -> bool:
        return not self.lines

    @property
    def complete(self) -> bool:
        """Every line has its price: the total is what the customer pays (materials aside)."""
        return bool(self.lines) and not self.on_inspection

    def text(self) -> str:
        """The quote in one line: ``¥150.00``, ``¥80.00 + 1 item priced on inspection``, ``priced on inspection``."""
        if not self.lines:
            return _("no items")
        if not self.on_inspection:
            return yuan(self.total_fen)
        if self.total_fen == 0 and self.on_inspection == len(self.lines):
            return _("price on inspection")
        return _("{total} + {n} priced on inspection").format(total=yuan(self.total_fen), n=self.on_inspection)


def quote(lines: Iterable[QuoteLine]) -> Quote:
    """Add up ``lines``: the fixed-price total and how many are priced on inspection."""
    lines = tuple(lines)
    total = sum(line.amount_fen or 0 for line in lines)
    return Quote(lines, total, sum(1 for line in lines if line.on_inspection))


def yuan(fen: int | None) -> str:
    """``15000`` -> ``¥150.00``; None -> ``""``."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}¥{whole:,}.{cents:02d}"


def parse_yuan(text: str) -> int | None:
    """``"150"``, ``"150.5"``, ``"¥1,200.00"`` -> fen; ``""`` -> None; ValueError otherwise."""
    raw = (text or "").strip().replace("¥", "").replace("￥", "").replace(",", "").replace("元", "").strip()
    if not raw:
        return None
    whole, _dot, frac = raw.partition(".")
    if not whole.isdigit() and not (whole == "" and frac):
        raise ValueError(_("Give an amount in yuan, e.g. 150 or 80.50."))
    if frac and (not frac.isdigit() or len(frac) > 2):
        raise ValueError(_("Give an amount in yuan, e.g. 150 or 80.50."))
    return int(whole or 0) * 100 + int((frac + "00")[:2])
