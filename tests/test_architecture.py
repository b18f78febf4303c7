"""The layering holds (import-linter contracts in pyproject.toml) and ruff is clean.

Both run here so that the suite, and with it ``.ci/run``, fails on a screen
that imports the store or a domain module that reaches for the database.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _tool(name: str) -> str:
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else (shutil.which(name) or name)


def test_import_contracts_are_kept():
    result = subprocess.run([_tool("lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "broken" in result.stdout and " 0 broken" in result.stdout


def test_ruff_finds_nothing():
    result = subprocess.run([_tool("ruff"), "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_the_domain_imports_nothing_heavy():
    """The pure domain stays importable without SQLAlchemy, Textual or Rich."""
    code = ("import sys; import csdesk.domain, csdesk.domain.rules, csdesk.domain.shifts, csdesk.domain.policy; "
            "bad = [m for m in ('sqlalchemy', 'sqlmodel', 'textual', 'rich', 'typer') if m in sys.modules]; "
            "print(bad); raise SystemExit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
