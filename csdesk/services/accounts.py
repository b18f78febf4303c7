"""Accounts: staff numbers, roles, argon2 password hashes."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlmodel import Session, func, select

from csdesk.clock import now
from csdesk.domain import Role
from csdesk.domain.actor import Actor
from csdesk.i18n import _
from csdesk.store.models import Agent

STAFF_NO = re.compile(r"^[0-9A-Za-z]{2,16}$")
MIN_PASSWORD = 4


class AccountError(ValueError):
    """A user error about accounts; the message is for the user."""


AgentInfo = Actor
"""An account as plain data: the :class:`~csdesk.domain.actor.Actor` the services take."""


def info(agent: Agent) -> AgentInfo:
    return Actor(agent.id, agent.staff_no, Role(agent.role), agent.name, agent.active, agent.hire_date)


_hasher = None


def _ph():
    global _hasher
    if _hasher is None:
        from argon2 import PasswordHasher

        _hasher = PasswordHasher()
    return _hasher


def hash_password(password: str) -> str:
    return _ph().hash(password)


def _validate(staff_no: str, name: str, password: str) -> None:
    if not STAFF_NO.match(staff_no or ""):
        raise AccountError(_("A staff number is 2 to 16 letters or digits."))
    if not (name or "").strip():
        raise AccountError(_("Enter the agent's name."))
    if len(name) > 32:
        raise AccountError(_("A name has at most 32 characters."))
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(_("A password has at least {n} characters.").format(n=MIN_PASSWORD))


def count_agents(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Agent)).one()


def add_agent(session: Session, staff_no: str, name: str, password: str, role: Role | str = Role.AGENT,
              hire_date: date | None = None) -> AgentInfo:
    staff_no = (staff_no or "").strip()
    _validate(staff_no, name, password)
    role = Role.parse(role) if isinstance(role, str) else role
    if session.exec(select(Agent).where(Agent.staff_no == staff_no)).first():
        raise AccountError(_("Staff number {staff_no} is already taken.").format(staff_no=staff_no))
    agent = Agent(staff_no=staff_no, name=name.strip(), role=role.value,
                  password_hash=hash_password(password), hire_date=hire_date or now().date(),
                  password_changed_at=now())
    session.add(agent)
    session.flush()
    return info(agent)


def list_agents(session: Session) -> list[AgentInfo]:
    return [info(a) for a in session.exec(select(Agent).order_by(Agent.staff_no))]


def get_agent(session: Session, staff_no: str) -> AgentInfo | None:
    agent = session.exec(select(Agent).where(Agent.staff_no == staff_no)).first()
    return info(agent) if agent else None


def _require(session: Session, staff_no: str) -> Agent:
    agent = session.exec(select(Agent).where(Agent.staff_no == staff_no)).first()
    if agent is None:
        raise AccountError(_("No agent with staff number {staff_no}.").format(staff_no=staff_no))
    return agent


def set_password(session: Session, staff_no: str, password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(_("A password has at least {n} characters.").format(n=MIN_PASSWORD))
    agent = _require(session, staff_no)
    agent.password_hash = hash_password(password)
    agent.password_changed_at = now()


def set_active(session: Session, staff_no: str, active: bool) -> AgentInfo:
    agent = _require(session, staff_no)
    agent.active = active
    return info(agent)


class LoginFailed(Exception):
    """Login refused; the message is for the screen and does not say which part was wrong."""


def authenticate(session: Session, staff_no: str, password: str) -> AgentInfo:
    from argon2.exceptions import InvalidHashError, VerificationError

    agent = session.exec(select(Agent).where(Agent.staff_no == (staff_no or "").strip())).first()
    if agent is None:
        _ph().hash("spend the same time as a real check")
        raise LoginFailed(_("Wrong staff number or password."))
    try:
        _ph().verify(agent.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        raise LoginFailed(_("Wrong staff number or password.")) from None
    if not agent.active:
        raise LoginFailed(_("This account is deactivated; ask a manager."))
    if _ph().check_needs_rehash(agent.password_hash):
        agent.password_hash = hash_password(password)
    return info(agent)


def password_age(session: Session, staff_no: str) -> timedelta | None:
    agent = _require(session, staff_no)
    return now() - agent.password_changed_at if agent.password_changed_at else None
