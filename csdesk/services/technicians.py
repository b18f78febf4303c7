"""The technicians' roster: who a work order can be given to, per department.

The roster is reference data (``data/technicians.toml``), kept by the manager:
the database follows the file at every start (:mod:`csdesk.store.refdata`).
:func:`add_technician` and :func:`remove_technician` edit the manager's copy of
the file in the config directory (made from the shipped one on the first
change) and sync the database at once, so the file stays the truth.  A
technician removed from the file stays on old orders, inactive.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from csdesk.clock import now
from csdesk.domain.actor import Actor
from csdesk.domain.errors import Conflict, Invalid, NotFound
from csdesk.domain.policy import Act, require
from csdesk.domain.rules import is_new_staff
from csdesk.i18n import _
from csdesk.services.audit import Action, acting, record
from csdesk.store.models import Department, Technician

FILE = "technicians.toml"
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


@dataclass(frozen=True)
class TechnicianInfo:
    id: int
    code: str
    name: str
    phone: str
    department_code: str
    hire_date: date | None
    skills: str
    active: bool

    def is_new(self, on: date | None = None) -> bool:
        """In their first three months ("new staff": their orders always get a return visit)."""
        return is_new_staff(self.hire_date, on or now().date())


def _info(t: Technician) -> TechnicianInfo:
    return TechnicianInfo(t.id, t.code, t.name, t.phone, t.department_code, t.hire_date, t.skills, t.active)


def roster(session: Session, department: str | None = None, *, include_inactive: bool = False) -> list[TechnicianInfo]:
    """The technicians (of ``department``, if given), in the file's order."""
    stmt = select(Technician)
    if department:
        stmt = stmt.where(Technician.department_code == department)
    if not include_inactive:
        stmt = stmt.where(col(Technician.active))
    return [_info(t) for t in session.exec(stmt.order_by(Technician.sort, Technician.id))]


def get_technician(session: Session, technician_id: int) -> TechnicianInfo | None:
    t = session.get(Technician, technician_id)
    return _info(t) if t is not None else None


def find_technician(session: Session, value: str, department: str | None = None) -> TechnicianInfo | None:
    """By code or by name (within ``department`` when given); active ones only."""
    value = (value or "").strip()
    if not value:
        return None
    for t in roster(session, department):
        if value.lower() == t.code.lower() or value == t.name:
            return t
    return None


# --------------------------------------------------------------------------- the manager's file


def _entries() -> list[dict]:
    from csdesk.store.refdata import load_toml

    return [dict(t) for t in load_toml(FILE).get("technician", [])]


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return json.dumps(str(value), ensure_ascii=False)  # a valid TOML basic string


def _write(entries: list[dict]) -> None:
    from csdesk.paths import config_dir

    lines = ["# The technicians' roster, kept by the manager (written by `csdesk technician`).",
             "# Edit freely: the database follows this file at every start.", ""]
    for entry in entries:
        lines.append("[[technician]]")
        for key in ("code", "name", "phone", "department", "hire_date", "skills"):
            if entry.get(key) not in (None, ""):
                lines.append(f"{key} = {_toml_value(entry[key])}")
        lines.append("")
    target = config_dir() / FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text("\n".join(lines), encoding="utf-8")
    tmp.replace(target)


def _resync(session: Session) -> None:
    from csdesk.store.refdata import seed_reference_data

    seed_reference_data(session)
    session.flush()


def add_technician(session: Session, actor: Actor, *, code: str, name: str, department: str, phone: str = "",
                   hire_date: date | None = None, skills: str = "") -> TechnicianInfo:
    """Add a technician to the roster (the manager's file, then the database)."""
    require(actor, Act.MANAGE_REFERENCE)
    acting(session, actor)
    errors = {}
    code, name, phone, skills = code.strip(), name.strip(), phone.strip(), skills.strip()
    if not _CODE.match(code):
        errors["code"] = _("A code of letters, digits, - and _ (at most 32).")
    if not name or len(name) > 32:
        errors["name"] = _("Give the name (at most 32 characters).")
    if session.exec(select(Department).where(Department.code == department, col(Department.active))).first() is None:
        errors["department"] = _("Unknown department {value!r}.").format(value=department)
    if phone:
        from csdesk.domain.phones import PhoneError, parse_phone

        try:
            phone = parse_phone(phone).number
        except PhoneError as exc:
            errors["phone"] = str(exc)
    if errors:
        raise Invalid(errors)
    entries = _entries()
    if any(e.get("code", "").lower() == code.lower() for e in entries):
        raise Conflict(_("Technician {code} is on the roster already.").format(code=code))
    entries.append({"code": code, "name": name, "phone": phone, "department": department,
                    "hire_date": hire_date, "skills": skills})
    _write(entries)
    _resync(session)
    tech = session.exec(select(Technician).where(Technician.code == code)).one()
    record(session, actor, Action.REFERENCE, "technician", tech.id, detail=f"add {code} {name} {department}")
    return _info(tech)


def remove_technician(session: Session, actor: Actor, code: str) -> TechnicianInfo:
    """Take a technician off the roster: out of the manager's file, inactive in the database."""
    require(actor, Act.MANAGE_REFERENCE)
    acting(session, actor)
    entries = _entries()
    kept = [e for e in entries if e.get("code", "").lower() != code.strip().lower()]
    if len(kept) == len(entries):
        raise NotFound(_("No technician {code} on the roster.").format(code=code))
    _write(kept)
    _resync(session)
    tech = session.exec(select(Technician).where(Technician.code == code.strip())).first()
    if tech is None:  # the code's case differed from the file's
        tech = next(t for t in session.exec(select(Technician)) if t.code.lower() == code.strip().lower())
    record(session, actor, Action.REFERENCE, "technician", tech.id, detail=f"deactivate {tech.code} {tech.name}")
    return _info(tech)
