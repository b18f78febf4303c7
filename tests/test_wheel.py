"""The wheel carries everything: build it, install it in a fresh venv, run it
from a directory outside the checkout."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_installs_and_runs_outside_the_checkout(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(ROOT)],
                   check=True, capture_output=True, text=True)
    wheel = next(dist.glob("csdesk-*.whl"))

    import zipfile

    names = set(zipfile.ZipFile(wheel).namelist())
    assert "screens/login.tcss" in names
    assert "csdesk/_data/categories.toml" in names
    assert "csdesk/store/migrations/versions/0001_initial_schema.py" in names
    assert "csdesk/locale/zh_CN/LC_MESSAGES/csdesk.mo" in names

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", str(wheel)], check=True, capture_output=True, text=True)

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {"PATH": f"{env_dir / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path / "home"),
           "XDG_DATA_HOME": str(tmp_path / "xdg-data"), "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
           "LANG": "C.UTF-8"}
    csdesk = str(env_dir / "bin" / "csdesk")
    helped = subprocess.run([csdesk, "--help"], cwd=outside, env=env, capture_output=True, text=True)
    assert helped.returncode == 0, helped.stderr
    assert "demo" in helped.stdout
    demo = subprocess.run([csdesk, "demo", "--no-tui", "--contacts", "60"], cwd=outside, env=env,
                          capture_output=True, text=True, timeout=300)
    assert demo.returncode == 0, demo.stderr
    assert "1001" in demo.stdout and "9001" in demo.stdout
    # the demo database went to the user data directory, not the current directory
    assert list((tmp_path / "xdg-data").rglob("*.db"))
    assert not list(outside.iterdir())
    # the installed package reads its own data and catalogue (Chinese by default on a C locale)
    check = subprocess.run([csdesk, "db", "check", "--db", str(next((tmp_path / "xdg-data").rglob("*.db")))],
                           cwd=outside, env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert "数据库" in check.stderr and "账号" in check.stdout  # piped: the rows as TSV, the revision on stderr
