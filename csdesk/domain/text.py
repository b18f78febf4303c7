"""Text helpers for search keys: pinyin initials, unit keys, FTS-safe terms."""

from __future__ import annotations

import re

_UNIT_RE = re.compile(r"^\s*(\d{1,3}[A-Za-z]?)\s*[-－—栋幢号楼#]\s*(\d{1,2})\s*[-－—单元]*\s*(\d{2,5})\s*室?\s*$")


def pinyin_initials(name: str) -> str:
    """``张三`` -> ``zs``; Latin letters are kept (lower case), other characters dropped.

    Imports pypinyin on first use (half a second): call it off the UI thread.
    """
    if not name:
        return ""
    from pypinyin import Style, lazy_pinyin

    out = []
    for part in lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default"):
        for ch in part.lower():
            if "a" <= ch <= "z":
                out.append(ch)
    return "".join(out)


def unit_key(building: str = "", unit: str = "", room: str = "") -> str:
    """The normalised building-unit-room key, ``3-2-1201``; empty if no room."""
    parts = [p.strip() for p in (building, unit, room)]
    if not any(parts):
        return ""
    return "-".join(p for p in parts if p)


def parse_unit(value: str) -> tuple[str, str, str] | None:
    """``3-2-1201``, ``3栋2单元1201``, ``3#2-1201`` -> (``3``, ``2``, ``1201``); None if not a unit."""
    m = _UNIT_RE.match(value or "")
    if not m:
        return None
    return m.group(1).upper(), m.group(2), m.group(3)


def clean_text(value: str, limit: int) -> str:
    """Trim and normalise newlines; refuse (ValueError) text over ``limit`` characters."""
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > limit:
        raise ValueError(f"{len(text)} > {limit}")
    return text
