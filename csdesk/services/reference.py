"""Reference data (categories, departments, shifts, fee schedule) from ``data/``.

The TOML files are the source of truth: on every open of the database, rows
missing from a table are added and existing rows (matched by code) take the
names from the files.  Rows no longer in the files are kept but deactivated,
so old records still resolve their labels.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from csdesk.i18n import current_language
from csdesk.models import Category, Department, FeeItem, Shift
from csdesk.refdata import load_toml


def _sync(session: Session, model, rows: list[dict]) -> None:
    existing = {row.code: row for row in session.exec(select(model))}
    seen = set()
    for sort, values in enumerate(rows):
        values = {**values, "sort": sort} if "sort" in model.model_fields else values
        code = values["code"]
        seen.add(code)
        row = existing.get(code)
        if row is None:
            session.add(model(**values))
        else:
            for key, value in values.items():
                if getattr(row, key) != value:
                    setattr(row, key, value)
            if hasattr(row, "active") and not row.active:
                row.active = True
    for code, row in existing.items():
        if code not in seen and hasattr(row, "active") and row.active:
            row.active = False


def seed_reference_data(session: Session) -> None:
    cats = [
        {"code": c["code"], "parent_code": c.get("parent"), "name_zh": c["name_zh"],
         "name_en": c["name_en"], "department_code": c.get("department")}
        for c in load_toml("categories.toml")["category"]
    ]
    _sync(session, Category, cats)
    _sync(session, Department, load_toml("departments.toml")["department"])
    shifts = [{k: s[k] for k in ("code", "name_zh", "name_en", "start", "end")}
              for s in load_toml("shifts.toml")["shift"]]
    _sync(session, Shift, shifts)
    fees = [
        {"code": f["code"], "name_zh": f["name_zh"], "name_en": f["name_en"],
         "price_fen": round(f["price"] * 100) if "price" in f else None,
         "unit_zh": f.get("unit_zh", "次"), "unit_en": f.get("unit_en", "job"),
         "department_code": f.get("department"), "note": f.get("note", "")}
        for f in load_toml("fees.toml")["fee"]
    ]
    _sync(session, FeeItem, fees)


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


def current_shift(all_shifts: list[ShiftInfo], hhmm: str) -> ShiftInfo | None:
    """The shift whose hours contain the local time ``hhmm`` ("HH:MM"); the first listed wins."""
    for s in all_shifts:
        if s.start <= s.end:
            if s.start <= hhmm < s.end:
                return s
        elif hhmm >= s.start or hhmm < s.end:
            return s
    return None


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
