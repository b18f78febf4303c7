"""Reading the shipped reference data (``data/*.toml``), with per-site overrides.

A file of the same name in the user config directory replaces the shipped one,
so a manager can change categories, departments, shifts, fees and on-screen
scripts without touching code.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from csdesk.paths import config_dir, reference_data_dir


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
    return _load(str(path), path.stat().st_mtime)
