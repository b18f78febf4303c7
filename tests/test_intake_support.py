"""Fast fixtures for the intake tests (no tests here).

Migrating a fresh database and hashing three passwords costs about half a
second per test; the intake tests instead copy one migrated database with the
demo roles, made once per session.  Importing ``db_path``, ``engine`` and
``agents`` from here into a test module overrides the conftest fixtures of
the same names for that module (``make_app`` then uses the copy too).
"""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import DEMO_PASSWORD


def _cheap_hasher():
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """Logins in these tests verify a cheap argon2 hash (the production parameters cost
    0.1-0.3 s a login, which only the account tests need to pay)."""
    import csdesk.services.accounts as accounts

    monkeypatch.setattr(accounts, "_hasher", _cheap_hasher())


@pytest.fixture(scope="session")
def intake_template(tmp_path_factory):
    import csdesk.services.accounts as accounts
    from csdesk.db import open_database, write_session
    from csdesk.domain import Role
    from csdesk.services.accounts import add_agent

    home = tmp_path_factory.mktemp("intake-template")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(accounts, "_hasher", _cheap_hasher())
        mp.setenv("XDG_CONFIG_HOME", str(home / "config"))
        mp.setenv("XDG_DATA_HOME", str(home / "data"))
        mp.setenv("CSDESK_CONFIG", str(home / "config" / "csdesk" / "config.toml"))
        path = home / "template.db"
        engine = open_database(str(path))
        with write_session(engine) as session:
            add_agent(session, "1001", "张敏", DEMO_PASSWORD, Role.AGENT)
            add_agent(session, "2001", "李强", DEMO_PASSWORD, Role.SUPERVISOR)
            add_agent(session, "9001", "王芳", DEMO_PASSWORD, Role.MANAGER)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
    return path


@pytest.fixture
def db_path(tmp_path, intake_template):
    path = tmp_path / "desk.db"
    shutil.copyfile(intake_template, path)
    return path


@pytest.fixture
def engine(db_path):
    from csdesk.db import make_engine

    engine = make_engine(str(db_path))
    yield engine
    engine.dispose()


@pytest.fixture
def agents(engine):
    from csdesk.db import read_session
    from csdesk.services.accounts import get_agent

    with read_session(engine) as session:
        return {staff_no: get_agent(session, staff_no) for staff_no in ("1001", "2001", "9001")}
