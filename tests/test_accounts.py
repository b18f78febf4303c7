"""Accounts: argon2 hashes, roles, new staff, deactivation, refusals."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from csdesk.domain import Role
from csdesk.services.accounts import (
    AccountError,
    LoginFailed,
    add_agent,
    authenticate,
    list_agents,
    set_active,
    set_password,
)
from csdesk.store.engine import read_session, write_session
from csdesk.store.models import Agent


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
        set_active(session, "1001", False)
    with write_session(engine) as session, pytest.raises(LoginFailed, match="deactivated"):
        authenticate(session, "1001", "demo")


def test_password_change(engine, agents):
    with write_session(engine) as session:
        set_password(session, "1001", "n3w-secret")
    with write_session(engine) as session:
        authenticate(session, "1001", "n3w-secret")
        with pytest.raises(LoginFailed):
            authenticate(session, "1001", "demo")


@pytest.mark.parametrize("staff_no,name,password,message", [
    ("", "某人", "secret", "staff number"),
    ("10 01", "某人", "secret", "staff number"),
    ("1002", "", "secret", "name"),
    ("1002", "某人", "abc", "at least"),
    ("1001", "某人", "secret", "already taken"),
])
def test_bad_accounts_are_refused_with_a_message(engine, agents, staff_no, name, password, message):
    with pytest.raises(AccountError, match=message), write_session(engine) as session:
        add_agent(session, staff_no, name, password)
    with read_session(engine) as session:
        assert len(list_agents(session)) == 3


def test_roles_and_new_staff(engine, agents):
    assert agents["2001"].is_supervisor and agents["9001"].is_supervisor and not agents["1001"].is_supervisor
    with write_session(engine) as session:
        veteran = add_agent(session, "1009", "老员工", "secret", Role.AGENT, date.today() - timedelta(days=800))
    assert agents["1001"].is_new_staff(date.today())
    assert not veteran.is_new_staff(date.today())
    assert Role.parse("客服主管") is Role.SUPERVISOR and Role.parse("Manager") is Role.MANAGER
