"""Accounts: argon2 hashes, roles, new staff, deactivation, refusals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from csdesk.domain import Role
from csdesk.domain.errors import Refused
from csdesk.services.accounts import (
    AccountError,
    LoginFailed,
    add_agent,
    authenticate,
    list_agents,
    set_active,
    set_password,
    set_role,
    unlock_account,
)
from csdesk.store.engine import read_session, write_session
from csdesk.store.models import Agent, AuditLog


def test_passwords_are_argon2_hashes_never_plain(engine, agents):
    with read_session(engine) as session:
        stored = session.exec(select(Agent).where(Agent.staff_no == "1001")).one().password_hash
    assert stored.startswith("$argon2")
    assert "demo" not in stored


def test_authenticate_right_wrong_and_deactivated(engine, agents):
    with write_session(engine) as session:
        assert authenticate(session, "1001", "demo").name == "张敏"
        with pytest.raises(LoginFailed, match="Wrong staff number or password"):
            authenticate(session, "1001", "nope")
        with pytest.raises(LoginFailed, match="Wrong staff number or password"):
            authenticate(session, "4040", "demo")
    with write_session(engine) as session:
        set_active(session, agents["9001"], "1001", False)
    with write_session(engine) as session, pytest.raises(LoginFailed, match="deactivated"):
        authenticate(session, "1001", "demo")


def test_password_change_own_or_by_a_manager(engine, agents):
    with write_session(engine) as session:
        set_password(session, agents["1001"], "1001", "n3w-secret")
    with write_session(engine) as session:
        authenticate(session, "1001", "n3w-secret")
        with pytest.raises(LoginFailed):
            authenticate(session, "1001", "demo")
    with pytest.raises(Refused, match="may not manage accounts"), write_session(engine) as session:
        set_password(session, agents["1001"], "2001", "someone-else")
    with write_session(engine) as session:
        set_password(session, agents["9001"], "2001", "reset-by-manager")
        authenticate(session, "2001", "reset-by-manager")


@pytest.mark.parametrize("staff_no,name,password,message", [
    ("", "某人", "secret-pw", "staff number"),
    ("10 01", "某人", "secret-pw", "staff number"),
    ("1002", "", "secret-pw", "name"),
    ("1002", "某人", "abc", "at least 8"),
    ("1002", "某人", "1234567", "at least 8"),
    ("1002", "某人", "        ", "at least 8"),
    ("1001", "某人", "secret-pw", "already taken"),
])
def test_bad_accounts_are_refused_with_a_message(engine, agents, staff_no, name, password, message):
    with pytest.raises(AccountError, match=message), write_session(engine) as session:
        add_agent(session, agents["9001"], staff_no, name, password)
    with read_session(engine) as session:
        assert len(list_agents(session)) == 3


def test_only_a_manager_adds_accounts_and_the_first_one_is_a_manager(engine, agents, empty_db_path):
    for who in ("1001", "2001"):
        with pytest.raises(Refused), write_session(engine) as session:
            add_agent(session, agents[who], "1002", "某人", "secret-pw")
    with pytest.raises(AccountError, match="manager adds"), write_session(engine) as session:
        add_agent(session, None, "1002", "某人", "secret-pw")
    from csdesk.store.engine import open_database

    fresh = open_database(str(empty_db_path))
    with pytest.raises(AccountError, match="first account"), write_session(fresh) as session:
        add_agent(session, None, "1002", "某人", "secret-pw", Role.AGENT)
    with write_session(fresh) as session:
        first = add_agent(session, None, "9001", "王芳", "secret-pw", Role.MANAGER)
    with read_session(fresh) as session:
        row = session.exec(select(AuditLog).where(AuditLog.entity == "agent")).one()
    assert (row.action, row.staff_no, row.entity_id) == ("create", "9001", first.id)
    assert '"password_hash": [null, "***"]' in row.changes and "argon2" not in row.changes
    fresh.dispose()


def test_the_last_active_manager_stays(engine, agents):
    with pytest.raises(AccountError, match="last active manager"), write_session(engine) as session:
        set_active(session, agents["9001"], "9001", False)
    with pytest.raises(AccountError, match="last active manager"), write_session(engine) as session:
        set_role(session, agents["9001"], "9001", Role.AGENT)
    with write_session(engine) as session:
        add_agent(session, agents["9001"], "9002", "赵敏", "secret-pw", Role.MANAGER)
        set_active(session, agents["9001"], "9001", False)
        assert set_active(session, agents["9001"], "9001", True).active


def test_five_failures_lock_the_account_for_fifteen_minutes(engine, agents):
    from csdesk.clock import FakeClock, local, set_clock

    clock = FakeClock(local(2026, 11, 29, 10, 0))
    set_clock(clock)
    try:
        for _n in range(5):
            with write_session(engine) as session, pytest.raises(LoginFailed, match="Wrong staff number"):
                authenticate(session, "1001", "guess")
        # locked: a guesser still hears "wrong", the right password hears why
        with write_session(engine) as session, pytest.raises(LoginFailed, match="Wrong staff number"):
            authenticate(session, "1001", "guess")
        with write_session(engine) as session, pytest.raises(LoginFailed, match="locked .* until 10:15"):
            authenticate(session, "1001", "demo")
        clock.advance(minutes=15)
        with write_session(engine) as session:
            assert authenticate(session, "1001", "demo").staff_no == "1001"
        # a manager lifts a lock at once
        for _n in range(5):
            with write_session(engine) as session, pytest.raises(LoginFailed):
                authenticate(session, "2001", "guess")
        with write_session(engine) as session:
            unlock_account(session, agents["9001"], "2001")
            assert authenticate(session, "2001", "demo").staff_no == "2001"
    finally:
        set_clock(None)
    with read_session(engine) as session:
        actions = [r.action for r in session.exec(select(AuditLog).where(AuditLog.entity == "agent")
                                                  .order_by(AuditLog.id))]
    assert actions.count("login_failed") == 12 and actions.count("account_locked") == 2
    assert actions.count("login") == 2 and actions.count("unlock") == 1


def test_roles_and_new_staff(engine, agents):
    assert agents["2001"].is_supervisor and agents["9001"].is_supervisor and not agents["1001"].is_supervisor
    with write_session(engine) as session:
        veteran = add_agent(session, agents["9001"], "1009", "老员工", "secret-pw", Role.AGENT,
                            date.today() - timedelta(days=800))
        new = add_agent(session, agents["9001"], "1010", "新员工", "secret-pw", Role.AGENT)
    assert new.is_new_staff(date.today())
    assert not veteran.is_new_staff(date.today())
    assert Role.parse("客服主管") is Role.SUPERVISOR and Role.parse("Manager") is Role.MANAGER
