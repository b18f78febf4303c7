"""Reading the shipped reference data (``data/*.toml``), with per-site overrides.

A file of the same name in the user config directory replaces the shipped one,
so a manager can change categories, departments, shifts, fees and on-screen
scripts without touching code.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from sqlmodel import Session, select

from csdesk.paths import config_dir, reference_data_dir
from csdesk.store.models import Category, Department, FeeItem, Shift, Technician


def data_file(name: str) -> Path:
    override = config_dir() / name
    if override.is_file():
        return override
    return reference_data_dir() / name


@lru_cache(maxsize=32)
def _load(path: str, mtime: float) -> dict:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def load_toml(name: str) -> dict:
    path = data_file(name)
    return _load(str(path), path.stat().st_mtime)


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
    from csdesk.domain.actor import SYSTEM

    session.info.setdefault("actor", SYSTEM)  # reference data follows the files: the desk's own act
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
    techs = [
        {"code": t["code"], "name": t["name"], "phone": str(t.get("phone", "")),
         "department_code": t["department"], "hire_date": t.get("hire_date"), "skills": t.get("skills", "")}
        for t in load_toml("technicians.toml").get("technician", [])
    ]
    _sync(session, Technician, techs)
