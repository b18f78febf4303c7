"""Benchmark: ``csdesk demo --contacts 1000000 --no-tui`` into a temporary database.

Run on demand (not collected by the default suite)::

    python tests/bench/bench_demo.py [--contacts N] [--keep] [--no-search-index]

Prints the wall time of the command, the database size and the row counts;
the issue's figure is "under 3 minutes" for a million contacts.
``--no-search-index`` measures the generator alone: it builds the schema
without the register's search index (migration 0001 only) and loads in-process.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LIMIT_S = 180.0


def _csdesk_command() -> list[str]:
    script = Path(sys.executable).with_name("csdesk")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from csdesk.cli import main; sys.argv[0] = 'csdesk'; main()"]


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def run_cli(db: Path, contacts: int) -> float:
    env = dict(os.environ, CSDESK_TIMEZONE=os.environ.get("CSDESK_TIMEZONE", "Asia/Shanghai"))
    started = time.perf_counter()
    subprocess.run([*_csdesk_command(), "demo", "--contacts", str(contacts), "--no-tui", "--db", str(db)],
                   check=True, env=env)
    return time.perf_counter() - started


def run_without_search_index(db: Path, contacts: int) -> float:
    os.environ.setdefault("CSDESK_TIMEZONE", "Asia/Shanghai")
    from alembic import command

    from csdesk import demo
    from csdesk.demo import loader as demo_loader
    from csdesk.services.reference import seed_reference_data
    from csdesk.store.engine import alembic_config, make_engine, write_session

    engine = make_engine(str(db))
    command.upgrade(alembic_config(engine), "0001")
    with write_session(engine) as session:
        seed_reference_data(session)
    demo_loader._search_index_loader = lambda: None  # the table is not there: nothing to maintain
    started = time.perf_counter()
    summary = demo.generate(engine, contacts, progress=lambda m: print("  …", m, flush=True))
    elapsed = time.perf_counter() - started
    print(f"generator alone: {summary.seconds:.1f} s")
    engine.dispose()
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the database and print where it is")
    parser.add_argument("--no-search-index", action="store_true",
                        help="schema without the search index; generator in-process")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="csdesk-bench-demo-"))
    db = tmp / "demo.db"
    try:
        if args.no_search_index:
            elapsed = run_without_search_index(db, args.contacts)
        else:
            elapsed = run_cli(db, args.contacts)
        size = _size(db)
        con = sqlite3.connect(db)
        rows = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("contact", "customer", "workorder", "workorderevent", "callback", "complaint")}
        con.close()
        label = "without search index" if args.no_search_index else "csdesk demo --no-tui"
        print(f"{label}: {args.contacts:,} contacts in {elapsed:.1f} s "
              f"({args.contacts / elapsed:,.0f} contacts/s); database {size / 2**20:,.0f} MiB")
        print("rows: " + ", ".join(f"{t} {n:,}" for t, n in rows.items()))
        if args.contacts >= 1_000_000:
            verdict = "OK" if elapsed < LIMIT_S else "OVER"
            print(f"limit {LIMIT_S:.0f} s for 1,000,000 contacts: {verdict}")
        if args.keep:
            print(f"kept: {db}")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
