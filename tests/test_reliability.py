"""What the desk was told is saved stays saved: concurrent writers, and writers killed.

- 4 writer processes and 1 reader for 20 s on one database: contacts with work
  orders and promised call-backs (``record_contact``), call-backs closed
  (``close_callback``); searches, recognition, queues and figures read meanwhile.
  No error reaches a caller, no acknowledged write is lost, every number is
  unique and the numbers of each day have no gaps.
- A writer killed with SIGKILL at random moments, at least 100 times: every write
  it acknowledged is there, ``integrity_check`` is ok, numbers stay gap-free.

Each writer reports a write on a pipe after its commit and before the next one
(:mod:`tests.workers`).  The figures printed here are the README's
"Reliability" section.
"""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import time
from collections import defaultdict
from pathlib import Path

import pytest

from tests.workers import Zygote

WRITERS = ("1001", "2001", "9001", "1001")
SECONDS = 20.0
KILLS = 100
KILL_BUDGET_S = 60.0


def verify(db: Path, lines: list[str]) -> dict[str, int]:
    """Every acknowledged write is in the database, which is whole and numbered without gaps."""
    contacts, orders, callbacks, closed = set(), set(), set(), set()
    slowest = 0.0
    for line in lines:
        kind, *fields = line.split(" ")
        if kind in ("contact", "closed"):
            slowest = max(slowest, float(fields[-1]))
        if kind == "contact":
            contacts.add(fields[0])
            if fields[1] != "-":
                orders.add(fields[1])
            if fields[2] != "-":
                callbacks.add(int(fields[2]))
        elif kind == "closed":
            closed.add(int(fields[0]))
    from csdesk.store.engine import open_database

    open_database(str(db), create=False).dispose()  # csdesk opens it as it was left, checks and all
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        stored_contacts = [r[0] for r in con.execute("SELECT number FROM contact")]
        stored_orders = [r[0] for r in con.execute("SELECT number FROM workorder")]
        assert contacts <= set(stored_contacts), sorted(contacts - set(stored_contacts))[:5]
        assert orders <= set(stored_orders), sorted(orders - set(stored_orders))[:5]
        stored_callbacks = {r[0] for r in con.execute("SELECT id FROM callback")}
        assert callbacks <= stored_callbacks
        done = {r[0] for r in con.execute("SELECT id FROM callback WHERE done_at IS NOT NULL")}
        assert closed <= done
        # every work order belongs to its contact, and every contact routed to one has it
        assert con.execute("SELECT count(*) FROM contact WHERE outcome = 'work_order' AND work_order_id IS NULL"
                           ).fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM workorder w LEFT JOIN contact c ON c.id = w.contact_id "
                           "WHERE c.work_order_id IS NOT w.id").fetchone() == (0,)
    finally:
        con.close()
    for numbers in (stored_contacts, stored_orders):
        assert len(numbers) == len(set(numbers))
        by_day: dict[str, list[int]] = defaultdict(list)
        for number in numbers:
            m = re.fullmatch(r"([A-Z]+\d{8})-(\d+)", number)
            by_day[m.group(1)].append(int(m.group(2)))
        for day, seq in by_day.items():
            assert sorted(seq) == list(range(1, len(seq) + 1)), f"gaps in {day}"
    return {"acknowledged": len(contacts) + len(closed), "contacts": len(contacts), "work_orders": len(orders),
            "callbacks": len(callbacks), "closed_callbacks": len(closed), "stored_contacts": len(stored_contacts),
            "slowest_save_s": round(slowest, 2)}


@pytest.mark.slow
def test_four_writers_and_a_reader_for_twenty_seconds(db_path):
    writers, readers = Zygote("writer"), Zygote("reader")
    try:
        pids = [writers.go(db=str(db_path), seconds=SECONDS, staff_no=staff_no, seed=i)
                for i, staff_no in enumerate(WRITERS)]
        reader = readers.go(db=str(db_path), seconds=SECONDS)
        statuses = [writers.wait(pid) for pid in pids] + [readers.wait(reader)]
    finally:
        lines = writers.close() + readers.close()
    assert statuses == [0] * 5
    errors = [line for line in lines if line.startswith("error")]
    assert errors == []
    figures = verify(db_path, lines)
    (reads,) = [int(line.split()[1]) for line in lines if line.startswith("reads")]
    assert figures["contacts"] > 100 and reads > 100
    assert figures["stored_contacts"] == figures["contacts"]  # nothing stored that was not acknowledged
    print(f"\nRELIABILITY {len(WRITERS)} writers + 1 reader x {SECONDS:.0f} s: {figures}, reads {reads}, "
          f"errors 0, acknowledged writes lost 0")


@pytest.mark.slow
def test_a_writer_killed_at_random_moments_loses_nothing_it_acknowledged(db_path):
    rnd = random.Random()
    started = time.monotonic()
    zygote = Zygote("writer")
    kills = 0
    try:
        while kills < KILLS:
            pid = zygote.go(db=str(db_path), staff_no="1001", seed=kills)
            time.sleep(rnd.uniform(0.0, 0.4))
            os.kill(pid, signal.SIGKILL)
            status = zygote.wait(pid)
            assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status
            kills += 1
    finally:
        lines = zygote.close()
    elapsed = time.monotonic() - started
    assert [line for line in lines if line.startswith("error")] == []
    figures = verify(db_path, lines)
    # the writers got going, so kills fell between and inside writes (a quarter of the kills: on a machine
    # loaded 10 times over, a writer's start-up eats most of its short life)
    assert figures["acknowledged"] >= KILLS // 4
    assert elapsed < KILL_BUDGET_S, elapsed
    print(f"\nRELIABILITY writer killed {kills} times in {elapsed:.1f} s: {figures}, acknowledged writes lost 0")
