"""The console as the benchmarks drive it: logged in through the form, and RSS after a stretch of work.

Kept apart from ``bench_log.py`` so that the process measuring memory imports
nothing but this and the console (``python -c``): a script of benchmarks run as
``__main__`` is compiled afresh and would add a megabyte or two to the figure.
"""

from __future__ import annotations

import asyncio
import time


class Frames:
    """Timestamps of the frames the compositor produces (headless: not written out)."""

    def __init__(self, app, probe) -> None:
        self.probe = probe  # called at each frame; returns a value worth recording
        self.seen: list[tuple[float, object]] = []
        original = app._display

        def display(screen, renderable):
            if renderable is not None:
                self.seen.append((time.perf_counter(), probe()))
            return original(screen, renderable)

        app._display = display

    def first_after(self, t0: float, predicate) -> float | None:
        for at, value in self.seen:
            if at >= t0 and predicate(value):
                return (at - t0) * 1000
        return None


async def wait_frame(frames: Frames, t0: float, predicate, timeout: float = 10.0) -> float:
    """Milliseconds from ``t0`` to the first frame whose probe satisfies ``predicate``."""
    deadline = time.perf_counter() + timeout
    while True:
        got = frames.first_after(t0, predicate)
        if got is not None:
            return got
        if time.perf_counter() > deadline:
            raise TimeoutError("no such frame")
        await asyncio.sleep(0.001)


async def log_in(app, pilot, staff_no: str = "1001") -> None:
    """Log an agent in through the login form, as a person does (argon2 and all),
    and let the warm-up finish (the agent logs in, then presses an F-key a moment later)."""
    from textual.widgets import Input

    while app.engine is None or app.screen.query_one("#login-button").disabled:
        await pilot.pause(0.05)
    app.screen.query_one("#staff-no", Input).value = staff_no
    password = app.screen.query_one("#password", Input)
    password.value = "demo"
    password.focus()
    await pilot.press("enter")
    while not app.warm_up_done:
        await pilot.pause(0.05)
    await pilot.pause(1.5)  # the heap is settled (gc.freeze) a second after the warm-up


def rss() -> float:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) / 1024 for line in fh if line.startswith("VmRSS:"))


async def memory(which: str, path: str) -> float:
    """RSS of the console on the overview (``home``), or after a stretch of work in the register (``log``)."""
    from screens.app import CsdeskApp
    from screens.log import LogScreen

    app = CsdeskApp(db=path, screen="home")
    async with app.run_test(size=(140, 42)) as pilot:
        await log_in(app, pilot)
        if which == "home":
            await pilot.pause(3)
            return rss()
        app.switch_mode("log")
        while not (isinstance(app.screen, LogScreen) and app.screen.total is not None):
            await pilot.pause(0.05)
        # a stretch of a shift: 40 page-downs (13 page loads), three searches, back to all
        for _ in range(40):
            await pilot.press("pagedown")
            await pilot.pause(0.05)
        search = app.screen.query_one("#log-search")
        for typed in ("电梯", "lx", ""):
            search.value = typed
            search.focus()
            await pilot.press("enter")
            await pilot.pause(0.5)
        app.screen.query_one("#log-table").focus()
        for _ in range(10):
            await pilot.press("pagedown")
            await pilot.pause(0.05)
        await pilot.pause(2.5)  # a couple of live-refresh polls
        return rss()
