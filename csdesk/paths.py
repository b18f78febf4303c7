"""Where things live: the live database in the user data directory (platformdirs),
the configuration in the user config directory, reference data in the package."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "csdesk"


def data_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def config_dir() -> Path:
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False)


def config_file() -> Path:
    return Path(os.environ.get("CSDESK_CONFIG") or (config_dir() / "config.toml"))


def default_db_path() -> Path:
    return data_dir() / "csdesk.db"


def demo_db_path() -> Path:
    return data_dir() / "csdesk-demo.db"


def reference_data_dir() -> Path:
    """The shipped reference data: ``csdesk/_data`` in a wheel, ``data/`` in a checkout."""
    here = Path(__file__).resolve().parent
    installed = here / "_data"
    if installed.is_dir():
        return installed
    return here.parent / "data"


def db_url(value: str | os.PathLike | None) -> str:
    """Turn ``--db``/``CSDESK_DB`` into a SQLAlchemy URL: a path becomes SQLite,
    a full URL (``postgresql+psycopg://…``) is passed through."""
    if value is None or str(value) == "":
        value = default_db_path()
    text = str(value)
    if "://" in text:
        return text
    path = Path(text).expanduser().resolve()
    return f"sqlite:///{path}"


def sqlite_path(url: str) -> Path | None:
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url[len("sqlite:///"):])
    return None
