"""Worker processes for the reliability and restore tests.

``python -m tests.workers run NAME JSON`` runs one worker to its end;
``python -m tests.workers zygote NAME`` imports everything once and then forks a
worker per ``go JSON`` line on stdin (answering with its pid; ``wait PID``
answers with its exit status), so that a test can start, and SIGKILL, a hundred
workers in seconds.

A writer reports each acknowledged write on the file descriptor ``ack_fd``,
one line per write (what was written, and the seconds the save took) (``os.write`` of a short line is atomic on a pipe), *after*
its transaction committed and *before* it starts the next one: a write is
acknowledged exactly when the desk would have told the agent "saved".
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
import traceback

PHONES = [f"139{n:08d}" for n in range(40)]
NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄勇", "周杰", "吴霞"]
SUMMARIES = ["厨房水管漏水", "电梯异响", "停车月卡办理", "楼道灯不亮", "投诉噪音", "门禁卡失效", "空调不制冷"]


def warm() -> None:
    """Import and load what the workers use, once, before forking: a writer's and a reader's
    round on a scratch database (lazy imports, mapper set-up, cached statements, dictionaries),
    every connection closed again (none may cross a fork)."""
    import tempfile

    import csdesk.services.backup  # noqa: F401  (the restorer's)
    from csdesk.domain import Role
    from csdesk.services.accounts import add_agent
    from csdesk.store.engine import open_database, write_session

    with tempfile.TemporaryDirectory() as scratch:
        db = os.path.join(scratch, "warm.db")
        engine = open_database(db)
        with write_session(engine) as session:
            manager = add_agent(session, None, "9001", "王芳", "warm-up-only", Role.MANAGER)
            add_agent(session, manager, "2001", "李强", "warm-up-only", Role.SUPERVISOR)
            add_agent(session, manager, "1001", "张敏", "warm-up-only", Role.AGENT)
        engine.dispose()
        read, write = os.pipe()
        try:
            writer(db, write, seconds=0.3, seed=1)
            reader(db, write, seconds=0.1)
        finally:
            os.close(write)
            while os.read(read, 65536):
                pass
            os.close(read)


def _ack(fd: int, *fields: object) -> None:
    os.write(fd, (" ".join(str(f) for f in fields) + "\n").encode())


def writer(db: str, ack_fd: int, seconds: float = 1e9, staff_no: str = "1001", seed: int | None = None) -> None:
    """Record contacts (work orders, promised call-backs, resolved ones) and close the call-backs
    it promised, as fast as it can, reporting each acknowledged write."""
    from csdesk.services.accounts import get_agent
    from csdesk.services.callbacks import close_callback
    from csdesk.services.intake import IntakeForm, record_contact
    from csdesk.store.engine import make_engine, write_session

    rnd = random.Random(seed)
    engine = make_engine(db)
    with write_session(engine) as session:
        agent = get_agent(session, staff_no)
    promised: list[int] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        roll = rnd.random()
        began = time.monotonic()
        try:
            if roll < 0.15 and promised:
                cb = promised.pop(0)
                with write_session(engine) as session:
                    close_callback(session, cb, agent, "done", note="已回复")
                _ack(ack_fd, "closed", cb, f"{time.monotonic() - began:.3f}")
                continue
            outcome = "work_order" if roll < 0.55 else "promised" if roll < 0.8 else "resolved"
            form = IntakeForm(phone=rnd.choice(PHONES), name=rnd.choice(NAMES),
                              building=str(rnd.randint(1, 9)), unit=str(rnd.randint(1, 4)),
                              room=str(rnd.randint(101, 1802)),
                              category="repair" if outcome == "work_order" else "inquiry",
                              summary=rnd.choice(SUMMARIES), outcome=outcome)
            with write_session(engine) as session:
                saved = record_contact(session, form, agent)
            _ack(ack_fd, "contact", saved.number, saved.work_order_number or "-", saved.callback_id or "-",
                 f"{time.monotonic() - began:.3f}")
            if saved.callback_id:
                promised.append(saved.callback_id)
        except Exception as exc:  # an error that would reach the agent
            _ack(ack_fd, "error", f"after {time.monotonic() - began:.1f} s:", type(exc).__name__,
                 str(exc).replace("\n", " ")[:200])
    engine.dispose()


def reader(db: str, ack_fd: int, seconds: float = 20.0) -> None:
    """Search the register, recognise callers, read queues and figures, as consoles do."""
    from csdesk.services import register as reg
    from csdesk.services.accounts import get_agent
    from csdesk.services.callbacks import my_queue
    from csdesk.services.intake import recognise
    from csdesk.services.reports import desk_summary
    from csdesk.store.engine import make_engine, read_session

    rnd = random.Random(7)
    engine = make_engine(db)
    with read_session(engine) as session:
        agent = get_agent(session, "2001")
    reads = errors = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            with read_session(engine) as session:
                kind = reads % 4
                if kind == 0:
                    reg.page_after(session, reg.Query(search=rnd.choice(SUMMARIES)[:2]), None, limit=50)
                elif kind == 1:
                    recognise(session, rnd.choice(PHONES)[-4:])
                elif kind == 2:
                    my_queue(session, agent)
                else:
                    desk_summary(session, agent.id)
            reads += 1
        except Exception as exc:
            errors += 1
            _ack(ack_fd, "error", type(exc).__name__, str(exc).replace("\n", " ")[:200])
    _ack(ack_fd, "reads", reads, errors)
    engine.dispose()


def restorer(backup: str, db: str, ack_fd: int) -> None:
    from csdesk.services.backup import restore_database

    restore_database(backup, db)
    _ack(ack_fd, "restored")


WORKERS = {"writer": writer, "reader": reader, "restorer": restorer}


class Zygote:
    """The test's side: start a zygote for worker ``name``, fork workers, collect their reports."""

    def __init__(self, name: str) -> None:
        import subprocess
        import threading
        from pathlib import Path

        self.ack_read, self.ack_fd = os.pipe()
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.workers", "zygote", name],
                                     cwd=Path(__file__).resolve().parents[1], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, pass_fds=(self.ack_fd,))
        os.close(self.ack_fd)  # the zygote and its workers hold the write end now
        self._lines: list[str] = []
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()

    def _drain(self) -> None:
        pending = b""
        while chunk := os.read(self.ack_read, 65536):
            pending += chunk
            *done, pending = pending.split(b"\n")
            self._lines.extend(line.decode() for line in done)

    def go(self, **kwargs) -> int:
        self.proc.stdin.write("go " + json.dumps({**kwargs, "ack_fd": self.ack_fd}) + "\n")
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline())

    def wait(self, pid: int) -> int:
        self.proc.stdin.write(f"wait {pid}\n")
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline())

    def lines(self) -> list[str]:
        """The reports so far (complete lines only)."""
        return list(self._lines)

    def close(self) -> list[str]:
        """Stop the zygote; every report, once the last worker is gone."""
        self.proc.stdin.write("quit\n")
        self.proc.stdin.close()
        self.proc.wait(timeout=60)
        self._drainer.join(timeout=60)
        os.close(self.ack_read)
        return self.lines()


def zygote(name: str) -> None:
    warm()
    work = WORKERS[name]
    for line in sys.stdin:
        command, _, arg = line.strip().partition(" ")
        if command == "go":
            pid = os.fork()
            if pid == 0:
                code = 0
                try:
                    work(**json.loads(arg))
                except BaseException:
                    traceback.print_exc()
                    code = 1
                finally:
                    os._exit(code)
            print(pid, flush=True)
        elif command == "wait":
            print(os.waitpid(int(arg), 0)[1], flush=True)
        else:
            break


if __name__ == "__main__":
    if sys.argv[1] == "zygote":
        zygote(sys.argv[2])
    else:
        warm()
        WORKERS[sys.argv[2]](**json.loads(sys.argv[3]))
