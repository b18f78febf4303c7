"""Accounts: staff numbers, roles, argon2 password hashes, logins.

- Only a manager adds, changes or deactivates accounts (the very first account,
  the first manager, is made on an empty database by whoever sets it up).
- The last active manager cannot be deactivated or demoted.
- Passwords have at least 8 characters.
- Five failed logins in a row lock the account for 15 minutes (recorded);
  a manager can lift the lock.  An unknown staff number and a wrong password
  get the same message; a locked account says so only to someone who gave its
  right password, so the lock tells a guesser nothing.
- Every login, failed login, lock and account change is in the audit log.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlmodel import Session, func, select

from csdesk.clock import now
from csdesk.domain import Role
from csdesk.domain.actor import Actor
from csdesk.domain.errors import DeskError
from csdesk.domain.policy import Act, require
from csdesk.i18n import _
from csdesk.services.audit import Action, acting, record
from csdesk.store.models import Agent

STAFF_NO = re.compile(r"^[0-9A-Za-z]{2,16}$")
MIN_PASSWORD = 8
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)


class AccountError(DeskError):
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


def check_password(password: str) -> None:
    """A new password: at least 8 characters, not only spaces."""
    if len(password or "") < MIN_PASSWORD or not (password or "").strip():
        raise AccountError(_("A password has at least {n} characters.").format(n=MIN_PASSWORD))


def check_account_fields(staff_no: str, name: str) -> None:
    """Staff number and name of a new account (checked before anything is asked)."""
    if not STAFF_NO.match((staff_no or "").strip()):
        raise AccountError(_("A staff number is 2 to 16 letters or digits."))
    if not (name or "").strip():
        raise AccountError(_("Enter the agent's name."))
    if len(name) > 32:
        raise AccountError(_("A name has at most 32 characters."))


def _validate(staff_no: str, name: str, password: str) -> None:
    if not STAFF_NO.match(staff_no or ""):
        raise AccountError(_("A staff number is 2 to 16 letters or digits."))
    if not (name or "").strip():
        raise AccountError(_("Enter the agent's name."))
    if len(name) > 32:
        raise AccountError(_("A name has at most 32 characters."))
    check_password(password)


def count_agents(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Agent)).one()


def add_agent(session: Session, actor: Actor | None, staff_no: str, name: str, password: str,
              role: Role | str = Role.AGENT, hire_date: date | None = None) -> Actor:
    """A new account.  ``actor`` is the manager adding it; None only for the first account,
    which must be a manager."""
    staff_no = (staff_no or "").strip()
    role = Role.parse(role) if isinstance(role, str) else role
    if actor is None:
        if count_agents(session):
            raise AccountError(_("Accounts exist already: a manager adds the next ones."))
        if role is not Role.MANAGER:
            raise AccountError(_("The first account is a manager's."))
    else:
        require(actor, Act.MANAGE_ACCOUNTS)
    _validate(staff_no, name, password)
    if session.exec(select(Agent).where(Agent.staff_no == staff_no)).first():
        raise AccountError(_("Staff number {staff_no} is already taken.").format(staff_no=staff_no))
    # the first manager's account is recorded as made by themselves
    acting(session, actor or Actor(None, staff_no, role, name.strip()))
    agent = Agent(staff_no=staff_no, name=name.strip(), role=role.value,
                  password_hash=hash_password(password), hire_date=hire_date or now().date(),
                  password_changed_at=now(), created_at=now())
    session.add(agent)
    session.flush()
    return info(agent)


def list_agents(session: Session) -> list[Actor]:
    return [info(a) for a in session.exec(select(Agent).order_by(Agent.staff_no))]


def get_agent(session: Session, staff_no: str) -> Actor | None:
    agent = session.exec(select(Agent).where(Agent.staff_no == (staff_no or "").strip())).first()
    return info(agent) if agent else None


def _require(session: Session, staff_no: str) -> Agent:
    agent = session.exec(select(Agent).where(Agent.staff_no == (staff_no or "").strip())).first()
    if agent is None:
        raise AccountError(_("No agent with staff number {staff_no}.").format(staff_no=staff_no))
    return agent


def require_account(session: Session, staff_no: str) -> Actor:
    """The account of ``staff_no`` or a one-line error (checked before asking for a password)."""
    return info(_require(session, staff_no))


def _active_managers(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Agent).where(
        Agent.role == Role.MANAGER.value, Agent.active)).one()


def set_password(session: Session, actor: Actor, staff_no: str, password: str) -> None:
    """A new password: one's own, or (a manager) anyone's."""
    agent = _require(session, staff_no)
    if agent.id != actor.id:
        require(actor, Act.MANAGE_ACCOUNTS)
    check_password(password)
    acting(session, actor)
    agent.password_hash = hash_password(password)
    agent.password_changed_at = now()
    session.flush()


def set_active(session: Session, actor: Actor, staff_no: str, active: bool) -> Actor:
    """Deactivate (records stay) or reactivate an account; the last active manager stays."""
    require(actor, Act.MANAGE_ACCOUNTS)
    agent = _require(session, staff_no)
    if not active and agent.active and agent.role == Role.MANAGER.value and _active_managers(session) <= 1:
        raise AccountError(_("{staff_no} is the last active manager; add another manager first.").format(
            staff_no=agent.staff_no))
    acting(session, actor)
    agent.active = active
    session.flush()
    return info(agent)


def set_role(session: Session, actor: Actor, staff_no: str, role: Role | str) -> Actor:
    require(actor, Act.MANAGE_ACCOUNTS)
    role = Role.parse(role) if isinstance(role, str) else role
    agent = _require(session, staff_no)
    if (agent.role == Role.MANAGER.value and role is not Role.MANAGER and agent.active
            and _active_managers(session) <= 1):
        raise AccountError(_("{staff_no} is the last active manager; add another manager first.").format(
            staff_no=agent.staff_no))
    acting(session, actor)
    agent.role = role.value
    session.flush()
    return info(agent)


def unlock_account(session: Session, actor: Actor, staff_no: str) -> Actor:
    """A manager lifts the lock after failed logins."""
    require(actor, Act.UNLOCK_ACCOUNT)
    agent = _require(session, staff_no)
    acting(session, actor)
    agent.failed_logins = 0
    agent.locked_until = None
    record(session, actor, Action.UNLOCK, "agent", agent.id, detail="account lock lifted")
    session.flush()
    return info(agent)


class LoginFailed(DeskError):
    """Login refused; the message is for the screen and does not say which part was wrong."""


def authenticate(session: Session, staff_no: str, password: str, *, purpose: str = "login") -> Actor:
    """Check a staff number and password; record the attempt.

    Use a write session and catch :class:`LoginFailed` *inside* it, so that the
    record of a failed attempt (and the lock after five) is committed.

    ``purpose``: what the check is for (``login``, ``unlock`` of the screen, ``cli``), kept in the audit row.
    """
    from argon2.exceptions import InvalidHashError, VerificationError

    at = now()
    typed = (staff_no or "").strip()[:16]
    agent = session.exec(select(Agent).where(Agent.staff_no == typed)).first()
    if agent is None:
        _ph().hash("spend the same time as a real check")
        record(session, None, Action.LOGIN_FAILED, "agent", None, detail=f"{purpose}: unknown staff number {typed!r}")
        raise LoginFailed(_("Wrong staff number or password."))
    who = info(agent)
    try:
        _ph().verify(agent.password_hash, password or "")
        right = True
    except (VerificationError, InvalidHashError):
        right = False
    locked = agent.locked_until is not None and agent.locked_until > at
    if not right:
        agent.failed_logins = (agent.failed_logins or 0) + 1
        record(session, who, Action.LOGIN_FAILED, "agent", agent.id,
               detail=f"{purpose}: wrong password ({agent.failed_logins} in a row)")
        if agent.failed_logins >= MAX_FAILED_LOGINS and not locked:
            agent.locked_until = at + LOCKOUT
            record(session, who, Action.ACCOUNT_LOCKED, "agent", agent.id,
                   detail=f"{MAX_FAILED_LOGINS} failed logins in a row: locked until {agent.locked_until.isoformat()}")
        session.flush()
        raise LoginFailed(_("Wrong staff number or password."))
    if locked:
        from csdesk.clock import fmt

        record(session, who, Action.LOGIN_FAILED, "agent", agent.id, detail=f"{purpose}: account locked")
        session.flush()
        raise LoginFailed(_("This account is locked after {n} failed logins until {when}; a manager can lift it.")
                          .format(n=MAX_FAILED_LOGINS, when=fmt(agent.locked_until, "%H:%M")))
    if not agent.active:
        record(session, who, Action.LOGIN_FAILED, "agent", agent.id, detail=f"{purpose}: account deactivated")
        session.flush()
        raise LoginFailed(_("This account is deactivated; ask a manager."))
    agent.failed_logins = 0
    agent.locked_until = None
    if _ph().check_needs_rehash(agent.password_hash):
        agent.password_hash = hash_password(password)
    record(session, who, Action.UNLOCK if purpose == "unlock" else Action.LOGIN, "agent", agent.id, detail=purpose)
    session.flush()
    return who


def lock_screen(session: Session, actor: Actor, reason: str = "") -> None:
    """The console's screen was locked (Ctrl+L or idle): recorded."""
    record(session, actor, Action.LOCK, "agent", actor.id, detail=reason)


def password_age(session: Session, staff_no: str) -> timedelta | None:
    agent = _require(session, staff_no)
    return now() - agent.password_changed_at if agent.password_changed_at else None
