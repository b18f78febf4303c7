"""Reading the shipped reference data (``data/*.toml``), with per-site overrides.

A file of the same name in the user config directory replaces the shipped one,
so a manager can change categories, departments, shifts, fees and on-screen
scripts without touching code.

The database follows the files: :func:`sync_reference_data` compares them with
the tables in a read transaction and writes, in its own short ``BEGIN
IMMEDIATE`` transaction, only when something changed.  Opening a database whose
reference data is current therefore takes no write lock.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from sqlmodel import Session, select

from csdesk.i18n import _
from csdesk.paths import config_dir, reference_data_dir
from csdesk.store.dbfile import DatabaseProblem
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
    try:
        return _load(str(path), path.stat().st_mtime)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DatabaseProblem(_("the reference data file {path} cannot be read: {error}").format(
            path=path, error=getattr(exc, "strerror", None) or exc)) from None


def _sync(session: Session, model, rows: list[dict], *, apply: bool = True) -> bool:
    """Make ``model``'s rows follow ``rows`` (``apply=False``: only tell whether they differ)."""
    existing = {row.code: row for row in session.exec(select(model))}
    seen = set()
    changed = False
    for sort, values in enumerate(rows):
        values = {**values, "sort": sort} if "sort" in model.model_fields else values
        code = values["code"]
        seen.add(code)
        row = existing.get(code)
        if row is None:
            changed = True
            if apply:
                session.add(model(**values))
            continue
        for key, value in values.items():
            if getattr(row, key) != value:
                changed = True
                if apply:
                    setattr(row, key, value)
        if hasattr(row, "active") and not row.active:
            changed = True
            if apply:
                row.active = True
    for code, row in existing.items():
        if code not in seen and hasattr(row, "active") and row.active:
            changed = True
            if apply:
                row.active = False
    return changed


def _rows() -> list[tuple[type, list[dict]]]:
    try:
        cats = [
            {"code": c["code"], "parent_code": c.get("parent"), "name_zh": c["name_zh"],
             "name_en": c["name_en"], "department_code": c.get("department")}
            for c in load_toml("categories.toml")["category"]
        ]
        departments = list(load_toml("departments.toml")["department"])
        shifts = [{k: s[k] for k in ("code", "name_zh", "name_en", "start", "end")}
                  for s in load_toml("shifts.toml")["shift"]]
        fees = [
            {"code": f["code"], "name_zh": f["name_zh"], "name_en": f["name_en"],
             "price_fen": round(f["price"] * 100) if "price" in f else None,
             "unit_zh": f.get("unit_zh", "次"), "unit_en": f.get("unit_en", "job"),
             "department_code": f.get("department"), "note": f.get("note", "")}
            for f in load_toml("fees.toml")["fee"]
        ]
        technicians = [
            {"code": t["code"], "name": t["name"], "phone": str(t.get("phone", "")),
             "department_code": t["department"], "hire_date": t.get("hire_date"), "skills": t.get("skills", "")}
            for t in load_toml("technicians.toml").get("technician", [])
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise DatabaseProblem(_("the reference data files are incomplete: {error} is missing or wrong").format(
            error=exc)) from None
    return [(Category, cats), (Department, departments), (Shift, shifts), (FeeItem, fees),
            (Technician, technicians)]


def _present(session: Session) -> list[tuple[type, list[dict]]]:
    """The reference tables this database has (one created by an older revision may predate a table:
    the technicians' roster came with the work orders' revision)."""
    from sqlalchemy import inspect

    tables = set(inspect(session.connection()).get_table_names())
    return [(model, rows) for model, rows in _rows() if model.__tablename__ in tables]


def reference_data_changed(session: Session) -> bool:
    """Whether the tables differ from the data files (reads only)."""
    return any([_sync(session, model, rows, apply=False) for model, rows in _present(session)])


def seed_reference_data(session: Session) -> bool:
    """Make the tables follow the data files, in the caller's write transaction; True if anything changed.

    Audited as the desk's own act (``system``) unless the session names someone.
    """
    from csdesk.domain.actor import SYSTEM

    session.info.setdefault("actor", SYSTEM)
    return any([_sync(session, model, rows) for model, rows in _present(session)])


def sync_reference_data(engine) -> bool:
    """Write the reference data only when the files changed, in its own short transaction."""
    from csdesk.store.engine import read_session, write_session

    with read_session(engine) as session:
        if not reference_data_changed(session):
            return False
    with write_session(engine) as session:
        return seed_reference_data(session)
