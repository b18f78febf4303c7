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
    """``--db``/``CSDESK_DB`` as a SQLAlchemy URL string (a path becomes a ``sqlite:///`` URL,
    percent-quoted as SQLAlchemy reads it; a URL is passed through).  Opening goes through
    :func:`csdesk.store.dbfile.resolve_target`, which checks what it is given."""
    from urllib.parse import quote

    if value is None or str(value) == "":
        value = default_db_path()
    text = str(value)
    if "://" in text:
        return text
    path = os.path.abspath(os.path.expanduser(text))
    return "sqlite:///" + quote(path, safe="/ ")


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL string (as :func:`db_url` or SQLAlchemy render it)."""
    from urllib.parse import unquote

    for prefix in ("sqlite:///", "sqlite+pysqlite:///"):
        if url.startswith(prefix):
            database = unquote(url[len(prefix):].split("?", 1)[0])
            return Path(database) if database and database != ":memory:" else None
    return None


# --------------------------------------------------------------------------- private files

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def make_private_dir(folder: Path) -> None:
    """Make ``folder`` and any missing parents 0700 (whatever the umask); existing ones are left as they are."""
    missing = []
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    for candidate in reversed(missing):
        try:
            os.mkdir(candidate, PRIVATE_DIR)
        except FileExistsError:
            continue
        os.chmod(candidate, PRIVATE_DIR)


def create_private_file(path: Path) -> None:
    """Create an empty file readable and writable by its owner only (0600, whatever the umask);
    FileExistsError if there is one."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0), PRIVATE_FILE)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, PRIVATE_FILE)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    """Make a rename or link in ``folder`` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def private_umask() -> int:
    """Make every file this process creates private from now on (umask 077): the
    database's -wal and -shm, exports, backups, logs.  Returns the old umask."""
    return os.umask(0o077)
