"""Configuration: TOML in the user config directory, CSDESK_ variables over it, bad values refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from csdesk.config import load_settings
from csdesk.paths import config_file, db_url, default_db_path, reference_data_dir


def write_config(text: str):
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_follow_the_handbook():
    s = load_settings()
    assert s.critical_deadline_minutes == 60 and s.promised_reply_minutes == 60
    assert s.callback_offer_seconds == 60 and s.db is None


def test_file_then_environment(monkeypatch):
    write_config('db = "/srv/desk.db"\ncritical_deadline_minutes = 30\nlang = "en"\n')
    s = load_settings()
    assert (s.db, s.critical_deadline_minutes, s.lang) == ("/srv/desk.db", 30, "en")
    monkeypatch.setenv("CSDESK_CRITICAL_DEADLINE_MINUTES", "45")
    monkeypatch.setenv("CSDESK_DB", "/tmp/other.db")
    s = load_settings()
    assert (s.db, s.critical_deadline_minutes) == ("/tmp/other.db", 45)


def test_bad_values_are_refused():
    write_config("critical_deadline_minutes = -3\n")
    with pytest.raises(ValidationError):
        load_settings()


def test_database_location(tmp_path):
    import os
    from pathlib import Path

    assert default_db_path() == Path(os.environ["XDG_DATA_HOME"]) / "csdesk" / "csdesk.db"
    assert db_url(str(tmp_path / "x.db")) == f"sqlite:///{tmp_path / 'x.db'}"
    assert db_url("postgresql+psycopg://desk@db/csdesk") == "postgresql+psycopg://desk@db/csdesk"
    assert (reference_data_dir() / "categories.toml").is_file()


def test_a_site_file_overrides_shipped_reference_data(engine):
    from csdesk.paths import config_dir
    from csdesk.services.reference import departments
    from csdesk.store.engine import read_session, upgrade

    config_dir().mkdir(parents=True, exist_ok=True)
    (config_dir() / "departments.toml").write_text(
        '[[department]]\ncode = "engineering"\nname_zh = "工程维修部"\nname_en = "Works"\nphone = "6601"\n',
        encoding="utf-8")
    upgrade(engine)
    with read_session(engine) as session:
        active = departments(session)
    assert [(d.code, d.name_zh, d.phone) for d in active] == [("engineering", "工程维修部", "6601")]
