"""Reference data (categories, departments, shifts, fee schedule) from ``data/``.

The TOML files are the source of truth: on every open of the database, rows
missing from a table are added and existing rows (matched by code) take the
names from the files.  Rows no longer in the files are kept but deactivated,
so old records still resolve their labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from csdesk.clock import local_tz, now
from csdesk.domain.shifts import ShiftHours, shift_at
from csdesk.i18n import current_language
from csdesk.store.models import Category, Department, FeeItem, Shift
from csdesk.store.refdata import seed_reference_data  # noqa: F401  (re-exported for callers)


@dataclass(frozen=True)
class RefItem:
    """A reference row as plain data, with the name in the current language."""

    code: str
    name: str
    name_zh: str
    name_en: str
    parent_code: str | None = None
    department_code: str | None = None
    phone: str = ""


def _name(row) -> str:
    return row.name_zh if current_language() == "zh_CN" else row.name_en


def categories(session: Session) -> list[RefItem]:
    rows = session.exec(select(Category).where(Category.active).order_by(Category.sort))
    return [RefItem(r.code, _name(r), r.name_zh, r.name_en, r.parent_code, r.department_code)
            for r in rows]


def departments(session: Session) -> list[RefItem]:
    rows = session.exec(select(Department).where(Department.active).order_by(Department.sort))
    return [RefItem(r.code, _name(r), r.name_zh, r.name_en, phone=r.phone) for r in rows]


@dataclass(frozen=True)
class ShiftInfo:
    code: str
    name: str
    start: str
    end: str


def shifts(session: Session) -> list[ShiftInfo]:
    rows = session.exec(select(Shift).order_by(Shift.sort))
    return [ShiftInfo(r.code, _name(r), r.start, r.end) for r in rows]


def shift_hours(all_shifts: list[ShiftInfo]) -> list[ShiftHours]:
    return [ShiftHours.of(s.code, s.start, s.end) for s in all_shifts]


def current_shift(all_shifts: list[ShiftInfo], at: datetime | None = None) -> ShiftInfo | None:
    """The shift the desk is in at ``at`` (default now), in the desk's zone; the first listed wins."""
    found = shift_at(shift_hours(all_shifts), at or now(), local_tz())
    if found is None:
        return None
    return next(s for s in all_shifts if s.code == found.shift.code)


@dataclass(frozen=True)
class FeeInfo:
    code: str
    name: str
    price_fen: int | None
    unit: str
    department_code: str | None
    note: str


def fee_schedule(session: Session) -> list[FeeInfo]:
    rows = session.exec(select(FeeItem).where(FeeItem.active).order_by(FeeItem.id))
    zh = current_language() == "zh_CN"
    return [FeeInfo(r.code, _name(r), r.price_fen, r.unit_zh if zh else r.unit_en,
                    r.department_code, r.note) for r in rows]
