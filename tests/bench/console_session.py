"""The console as the benchmarks drive it: logged in through the form, and RSS after a stretch of work.

Kept apart from ``bench_log.py`` so that the process measuring memory imports
nothing but this and the console (``python -c``): a script of benchmarks run as
``__main__`` is compiled afresh and would add a megabyte or two to the figure.
"""

from __future__ import annotations


async def log_in(app, pilot) -> None:
    """Log agent 1001 in through the login form, as a person does (argon2 and all),
    and let the warm-up finish (the agent logs in, then presses F2 a moment later)."""
    from textual.widgets import Input

    while app.engine is None or app.screen.query_one("#login-button").disabled:
        await pilot.pause(0.05)
    app.screen.query_one("#staff-no", Input).value = "1001"
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
