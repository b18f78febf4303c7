"""Benchmark of return visits and complaints on the demo database (run on demand).

    csdesk demo --contacts 1000000 --no-tui --db /tmp/demo1m-c.db
    python tests/bench/bench_visits.py --db /tmp/demo1m-c.db

Measures, as medians (and p95), through the services:
- the month's draw over a whole month of completed repair orders (the last
  complete month in the database), each run in a write transaction that is
  rolled back, so the database is left as it was and runs repeat;
- the month's coverage figures right after that draw (in the same transaction);
- each complaints view (open, mine, overdue, closed this month, all) and the
  search kinds (number, phone, last four, unit, name, initials, words), from
  query to rows, as the supervisor sees them.

Budgets: draw <= 1 s, coverage <= 200 ms, each complaints view <= 20 ms.
Exit status 1 if a budget is missed.  Also prints each view's query plan.

Each line also gives the process's CPU time (``time.process_time``) of the
same runs: on a machine shared with other work the wall clock can be several
times the CPU time; the CPU time is what the desk's own console would need.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

DRAW_BUDGET_MS = 1000.0
COVERAGE_BUDGET_MS = 200.0
VIEW_BUDGET_MS = 20.0


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def report(label: str, values: list[float], budget: float, cpu: list[float] | None = None) -> bool:
    med = statistics.median(values)
    ok = med <= budget
    cpu_text = f"   cpu {statistics.median(cpu):8.2f} ms" if cpu else ""
    print(f"  {label:<34} n={len(values):>3}  median {med:8.2f} ms   p95 {pct(values, 0.95):8.2f} ms{cpu_text}"
          f"   budget {budget:6.0f} ms  {'ok' if ok else 'OVER'}")
    return ok


def timed(fn, wall: list[float], cpu: list[float]):
    c0, t0 = time.process_time(), time.perf_counter()
    result = fn()
    wall.append((time.perf_counter() - t0) * 1000)
    cpu.append((time.process_time() - c0) * 1000)
    return result


class Rollback(Exception):
    pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="/tmp/demo1m-c.db")
    parser.add_argument("--draws", type=int, default=5)
    parser.add_argument("--views", type=int, default=30, help="runs per complaints view and search")
    parser.add_argument("--month", default=None, help="the month to draw (default: the last complete one)")
    args = parser.parse_args()
    if not Path(args.db).exists():
        print(f"no database at {args.db}: run `csdesk demo --contacts 1000000 --no-tui --db {args.db}` first")
        return 2

    from datetime import timedelta

    from csdesk.clock import now
    from csdesk.services import complaints as cs
    from csdesk.services import visits as vs
    from csdesk.services.accounts import get_agent
    from csdesk.services.database import open_database, read_session, write_session

    engine = open_database(args.db)
    with read_session(engine) as session:
        supervisor = get_agent(session, "2001")
        month = args.month or vs.month_of(vs.month_bounds(vs.month_of(now()))[0] - timedelta(days=1))
        if vs.get_draw(session, month) is not None:
            print(f"{month} is drawn in this database already: pass another --month")
            return 2
    ok = True
    print(f"return visits: the draw of {month} (rolled back after each run); load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    draws, draws_cpu, covers, covers_cpu = [], [], [], []
    info = coverage = None
    for _ in range(args.draws):
        try:
            with write_session(engine) as session:
                info = timed(lambda s=session: vs.draw(s, supervisor, month, seed=20261130), draws, draws_cpu)
                for _ in range(3):
                    coverage = timed(lambda s=session: vs.coverage(s, month), covers, covers_cpu)
                raise Rollback
        except Rollback:
            pass
    print(f"  {info.population:,} completed repair orders; {info.picked:,} visits: every order of the four kinds "
          f"({', '.join(f'{k} {n:,}' for k, n in sorted(info.kinds.items()))}) and {info.sampled:,} of "
          f"{info.rest:,} others at random")
    ok &= report("draw", draws, DRAW_BUDGET_MS, draws_cpu)
    ok &= report("coverage figures", covers, COVERAGE_BUDGET_MS, covers_cpu)
    print(f"  coverage: drawn {coverage.drawn:,}, open {coverage.open:,}, overdue {coverage.overdue:,}")

    print("complaints views (as supervisor 2001)")
    with read_session(engine) as session:
        total = session.connection().exec_driver_sql("SELECT count(*) FROM complaint").scalar_one()
        number = session.connection().exec_driver_sql(
            "SELECT number FROM complaint ORDER BY id DESC LIMIT 1").scalar_one()
        phone = session.connection().exec_driver_sql(
            "SELECT contact_phone FROM complaint WHERE length(contact_phone) = 11 ORDER BY id DESC LIMIT 1").scalar()
        unit = session.connection().exec_driver_sql(
            "SELECT unit_key FROM complaint WHERE unit_key != '' ORDER BY id DESC LIMIT 1").scalar()
        name = session.connection().exec_driver_sql(
            "SELECT customer_name FROM complaint WHERE customer_name != '' ORDER BY id DESC LIMIT 1").scalar()
        print(f"  {total:,} complaints")
        cases = [(view, "") for view in cs.VIEWS]
        cases += [("all", number), ("all", phone or "13800138000"), ("all", (phone or "5678")[-4:]),
                  ("all", unit or "3-2-1201"), ("all", name or "张"), ("open", "zs"), ("all", "电梯"),
                  ("all", "漏水 维修")]
        for view, search in cases:
            cs.list_complaints(session, supervisor, view, search=search)  # warm
            times, cpu = [], []
            for _ in range(args.views):
                found = timed(lambda v=view, q=search: cs.list_complaints(session, supervisor, v, search=q),
                              times, cpu)
            label = f"{view}" + (f" / {search}" if search else "") + f" ({len(found.rows)} of {found.total:,})"
            ok &= report(label, times, VIEW_BUDGET_MS, cpu)
        for view in cs.VIEWS:
            print(f"  plan {view}: " + " | ".join(cs.explain(session, view, supervisor)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
