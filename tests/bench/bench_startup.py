"""Start-up figures (run on demand: ``python tests/bench/bench_startup.py``).

1. From ``csdesk`` to the login screen painted in a real terminal (a pty),
   against the same measure for a bare Textual app, interleaved in one run.
   Target: median ≤ 1.3 × the bare app.
2. ``csdesk --help`` against ``python -c "import typer"``. Target ≤ 1.5 ×.

A paint is detected when the screen's text arrives on the terminal.
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE_APP = """
from textual.app import App
from textual.widgets import Static
class Bare(App):
    def compose(self):
        yield Static("BARE READY")
Bare().run()
"""


def time_to_paint(argv: list[str], marker: bytes, env: dict, timeout: float = 20.0) -> float:
    """Seconds from spawn until ``marker`` appears on the pty; the process is then killed."""
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # child
        os.execvpe(argv[0], argv, env)
    buf = b""
    try:
        while True:
            left = timeout - (time.perf_counter() - start)
            if left <= 0:
                raise TimeoutError(f"{argv} did not paint {marker!r}")
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    raise RuntimeError(f"{argv} exited before painting: {buf[-500:]!r}") from None
                buf += chunk
                if marker in buf:
                    return time.perf_counter() - start
    finally:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        os.close(fd)


def time_command(argv: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    csdesk = shutil.which("csdesk") or str(Path(sys.executable).with_name("csdesk"))
    tmp = Path(tempfile.mkdtemp(prefix="csdesk-bench-"))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40",
           "XDG_DATA_HOME": str(tmp / "data"), "XDG_CONFIG_HOME": str(tmp / "config"), "CSDESK_LANG": "en"}
    db = tmp / "bench.db"
    subprocess.run([csdesk, "init", "--db", str(db), "--staff-no", "9001", "--name", "Bench", "--password", "bench"],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    bare_script = tmp / "bare.py"
    bare_script.write_text(BARE_APP)

    bare, desk = [], []
    for _ in range(args.runs):
        bare.append(time_to_paint([sys.executable, str(bare_script)], b"BARE READY", env))
        desk.append(time_to_paint([csdesk, "--db", str(db)], b"Staff no.", env))
    b, d = statistics.median(bare), statistics.median(desk)
    print(f"start-up to first paint (median of {args.runs}, pty):")
    print(f"  bare Textual app      {b * 1000:7.0f} ms")
    print(f"  csdesk login screen   {d * 1000:7.0f} ms   ratio {d / b:.2f}  (target <= 1.30)")

    typer_times, help_times = [], []
    for _ in range(args.runs):
        typer_times.append(time_command([sys.executable, "-c", "import typer"], env))
        help_times.append(time_command([csdesk, "--help"], env))
    t, h = statistics.median(typer_times), statistics.median(help_times)
    print("CLI without Textual:")
    print(f"  python -c 'import typer' {t * 1000:7.0f} ms")
    print(f"  csdesk --help            {h * 1000:7.0f} ms   ratio {h / t:.2f}  (target <= 1.50)")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
