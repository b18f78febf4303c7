"""Real-terminal tests: the console in a pseudo-terminal, typed at key by key at human speed.

Pilot tests that set values are fast and good for logic, but blind to the
terminal: keys that queue up while the console is busy, focus that moves a
moment too late, a form that changes shape under the typist.  These tests run
the real console (``python -c "from csdesk.launch import main; main()" --db …``)
in a pty with pexpect, read what it prints into a pyte screen, type as a person
does (50–150 ms per key, Chinese as UTF-8, named keys as an xterm sends them),
often with the machine kept busy, and then check the screen and the database.

The harness (``tests/terminal/harness.py``)
-------------------------------------------
- ``Desk``: a database (a copy of the suite's template: agents 1001 / 2001 /
  9001, password ``demo``) and a home with the XDG config and data dirs.
  ``desk.db`` is a read-only sqlite3 look into it while consoles run
  (``rows``, ``one``, ``value``, ``wait_for_row``, ``contacts``, ``drafts``);
  ``with desk.locked():`` holds it so that a console started meanwhile cannot
  open it yet (the login screen "before the database is open", made certain).
- ``Console(desk, size=(120, 40), lang="en")``: ``start()``, ``screen_text()``,
  ``wait_for_text(text)``, ``wait_for(predicate)``, ``wait_for_gone``,
  ``stays_absent(text, window)`` (for what must not happen);
  ``type(text, per_key=0.08)``, ``press("tab", "ctrl+s", "f2")``,
  ``play(["13800138000", ENTER, "厨房漏水", TAB, "2", CTRL_S], per_key)``,
  ``type_burst(...)`` (one write); ``typed`` says when each key of the last
  ``play`` was sent; ``kill()`` (SIGKILL), ``close()`` (Ctrl+Q), ``restart()``.
  Desk steps: ``login(staff_no, password)`` by typing, ``goto("f2")``,
  ``intake_ready()``, ``reset_intake()``.
- ``play(..., hiccups=[TAB])``: at each such key the console is frozen
  (SIGSTOP) from just before the key until the next key is typed, one key
  interval: what a loaded machine does at random moments, made deterministic.
  Typing goes on at the same pace meanwhile, so the keys queue up in the
  terminal as they do when the console is slow to run.
- ``CpuBurner``: one ``while True: pass`` process per core, same priority as
  the console (fixtures ``burner``, not started, and ``busy``, started).

Waiting is polling (``wait_for*`` poll the screen or the database every 20-50 ms
with a timeout); the only sleeps are the pacing between keystrokes, which is
what is under test, and ``holds(predicate, window)``, which watches for
something that must not happen (a prompt, a draft deleted) for a short window.  The harness answers Textual's query for synchronized
output and shows only complete frames, so a half-drawn screen is never read.
Escape is kept apart from the next key by Textual's ESCDELAY (100 ms), as a
person's keys are; otherwise an xterm's ESC + key is one Alt+key.

Fixtures (``tests/terminal/conftest.py``)
-----------------------------------------
- ``desk``: one per module; ``fresh_desk``: one per test.
- ``console``: one console per module, logged in as agent 1001 by typing, on
  intake; ``intake``: that console with an empty intake form (use this one).
- ``open_console(desk=None, size=…, lang=…, login=…)``: consoles of one test,
  closed at its end (for restarts, kills, two consoles, other sizes).
- ``seed_caller(desk, phone, name, building, unit, room)``: a known caller.

Writing a test for a screen
---------------------------
Use ``intake`` (or ``console`` and ``goto``) so one console serves the module;
type with ``play`` at ``HUMAN_SPEEDS``; wait for what a person would look at
before going on (the card, the status line); then read the row back with
``desk.db`` and compare it field by field.  Known bugs are written as tests that
should pass, marked ``xfail(strict=True, reason="issue N: …")``: when the bug is
fixed they fail as XPASS, and the marker goes.

Run them alone with ``python -m pytest tests/terminal -n 2``.  The figures of
the CPU burner (login to intake idle and busy) come from
``python -m tests.terminal.measure``.
"""
