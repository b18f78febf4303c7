"""The real-terminal harness: the console in a pseudo-terminal, its screen read by pyte.

See the package docstring (``tests/terminal/__init__.py``) for how to use it.
"""

from __future__ import annotations

import gettext
import os
import random
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pexpect
import pyte
from wcwidth import wcwidth

DEFAULT_SIZE = (120, 40)  # columns, rows
HUMAN_SPEEDS = (0.05, 0.08, 0.15)  # seconds per key: a fast, an ordinary and a slow typist
DEMO_PASSWORD = "demo"
LAUNCH = "from csdesk.launch import main; main()"
# Textual reads a lone ESC as the Escape key only when nothing follows within ESCDELAY
# (100 ms): sooner, ESC and the next key are one Alt+key, on a real xterm as here.
ESCAPE_GAP = 0.15
# Synchronized output (DEC mode 2026): Textual asks, a capable terminal says "supported
# (reset)", and Textual then brackets every frame with begin/end.
SYNC_QUERY = b"\x1b[?2026$p"
SYNC_SUPPORTED = b"\x1b[?2026;2$y"
SYNC_BEGIN = b"\x1b[?2026h"
SYNC_END = b"\x1b[?2026l"


# --------------------------------------------------------------------------- keys


@dataclass(frozen=True)
class Key:
    """A named key: what an xterm sends for it (``Key("tab")``, ``Key("ctrl+s")``, ``Key("f2")``)."""

    name: str

    @property
    def sequence(self) -> bytes:
        return key_sequence(self.name)


XTERM_KEYS: dict[str, str] = {
    "tab": "\t", "shift+tab": "\x1b[Z", "enter": "\r", "escape": "\x1b", "esc": "\x1b",
    "backspace": "\x7f", "space": " ", "delete": "\x1b[3~", "insert": "\x1b[2~",
    "up": "\x1b[A", "down": "\x1b[B", "right": "\x1b[C", "left": "\x1b[D",
    "home": "\x1b[H", "end": "\x1b[F", "pageup": "\x1b[5~", "pagedown": "\x1b[6~",
    "pgup": "\x1b[5~", "pgdn": "\x1b[6~",
    "f1": "\x1bOP", "f2": "\x1bOQ", "f3": "\x1bOR", "f4": "\x1bOS",
    "f5": "\x1b[15~", "f6": "\x1b[17~", "f7": "\x1b[18~", "f8": "\x1b[19~",
    "f9": "\x1b[20~", "f10": "\x1b[21~", "f11": "\x1b[23~", "f12": "\x1b[24~",
}


def key_sequence(name: str) -> bytes:
    """The bytes an xterm sends for a key name: ``tab``, ``shift+tab``, ``f5``, ``ctrl+s``, ``pagedown``…"""
    lowered = name.lower()
    if lowered in XTERM_KEYS:
        return XTERM_KEYS[lowered].encode()
    if lowered.startswith("ctrl+") and len(lowered) == 6 and "a" <= lowered[5] <= "z":
        return bytes([ord(lowered[5]) - ord("a") + 1])
    raise ValueError(f"no xterm sequence for key {name!r}")


@dataclass(frozen=True)
class Hiccup:
    """In :meth:`Console.play`: the console gets no CPU while the next ``keys`` keys are typed."""

    keys: int = 2


TAB, SHIFT_TAB, ENTER, ESC = Key("tab"), Key("shift+tab"), Key("enter"), Key("escape")
CTRL_S, CTRL_Q = Key("ctrl+s"), Key("ctrl+q")


def keystrokes(items: Iterable[str | Key | Hiccup]) -> list[bytes]:
    """One entry per keystroke: each character of a string (UTF-8), each Key (Hiccups take none)."""
    out: list[bytes] = []
    for item in items:
        if isinstance(item, Hiccup):
            continue
        if isinstance(item, Key):
            out.append(item.sequence)
        else:
            out.extend(ch.encode() for ch in item)
    return out


# --------------------------------------------------------------------------- where a console lives


@dataclass
class Desk:
    """A database and a home (XDG config and data dirs, working directory) for consoles."""

    home: Path
    db_path: Path
    timezone: str = "Asia/Shanghai"

    @classmethod
    def from_template(cls, home: Path, template: Path) -> Desk:
        home.mkdir(parents=True, exist_ok=True)
        db_path = home / "desk.db"
        for stale in (db_path, home / "desk.db-wal", home / "desk.db-shm"):
            stale.unlink(missing_ok=True)  # an old WAL would be replayed onto the copy
        shutil.copyfile(template, db_path)
        return cls(home, db_path)

    def env(self, lang: str = "en", extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("CSDESK_", "XDG_", "LC_", "TEXTUAL", "PYTEST_"))
               and k not in ("LANG", "LANGUAGE", "COLUMNS", "LINES", "TERM", "NO_COLOR")}
        locale = "zh_CN.UTF-8" if lang.startswith("zh") else "en_US.UTF-8"
        env.update({
            "TERM": "xterm-256color", "LANG": locale, "LC_ALL": locale, "CSDESK_LANG": lang,
            "HOME": str(self.home), "XDG_CONFIG_HOME": str(self.home / "config"),
            "XDG_DATA_HOME": str(self.home / "data"), "XDG_CACHE_HOME": str(self.home / "cache"),
            "CSDESK_CONFIG": str(self.home / "config" / "csdesk" / "config.toml"),
            "CSDESK_TIMEZONE": self.timezone, "PYTHONUNBUFFERED": "1",
        })
        env.update(extra or {})
        return env

    @property
    def db(self) -> DeskDB:
        return DeskDB(self.db_path)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the database so that nobody else can even read it (SQLite's exclusive locking
        mode) until the block ends: a console started meanwhile waits to open it.  Take it
        before any console has the database open (WAL readers keep a shared lock)."""
        conn = sqlite3.connect(self.db_path, isolation_level=None, timeout=10)
        try:
            conn.execute("PRAGMA locking_mode = EXCLUSIVE")
            conn.execute("BEGIN EXCLUSIVE")
            conn.execute("COMMIT")  # in exclusive locking mode the lock stays after the commit
            yield
        finally:
            conn.close()


class DeskDB:
    """Read-only look into a console's database while it runs (sqlite3, one connection per query)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def rows(self, sql: str, params: Iterable[Any] | dict = ()) -> list[dict[str, Any]]:
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=10)
        try:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute(sql, params)]
        finally:
            conn.close()

    def one(self, sql: str, params: Iterable[Any] | dict = ()) -> dict[str, Any] | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def value(self, sql: str, params: Iterable[Any] | dict = ()) -> Any:
        row = self.one(sql, params)
        return None if row is None else next(iter(row.values()))

    def wait_for_row(self, sql: str, params: Iterable[Any] | dict = (), timeout: float = 10.0,
                     where: Callable[[dict[str, Any]], bool] | None = None) -> dict[str, Any]:
        """Poll until the query returns a row (satisfying ``where``); return it."""
        deadline = time.monotonic() + timeout
        while True:
            for row in self.rows(sql, params):
                if where is None or where(row):
                    return row
            if time.monotonic() > deadline:
                raise AssertionError(f"no row for {sql!r} {params!r} within {timeout} s")
            time.sleep(0.05)

    def contacts(self) -> list[dict[str, Any]]:
        return self.rows("SELECT * FROM contact ORDER BY id")

    def last_contact(self) -> dict[str, Any] | None:
        return self.one("SELECT * FROM contact ORDER BY id DESC LIMIT 1")

    def drafts(self, staff_no: str = "1001") -> list[dict[str, Any]]:
        import json

        found = self.rows("SELECT d.* FROM draft d JOIN agent a ON a.id = d.agent_id WHERE a.staff_no = ?",
                          (staff_no,))
        for row in found:
            row["payload"] = json.loads(row["payload"])
        return found


def render_line(line: Any, columns: int) -> str:
    """One row of a pyte screen as text: a wide (CJK) character takes two cells, the
    second holding ``""``; a stub left behind when a wide character was overwritten
    shows as a blank, as on a terminal (pyte's own ``display`` fails on those)."""
    out: list[str] = []
    after_wide = False
    for x in range(columns):
        data = line[x].data
        if after_wide and data == "":
            after_wide = False
            continue
        if not data:
            out.append(" ")
            after_wide = False
            continue
        out.append(data)
        after_wide = wcwidth(data[0]) == 2
    return "".join(out).rstrip()


def holds(predicate: Callable[[], Any], window: float) -> bool:
    """Watch ``predicate()`` for ``window`` seconds: True if it held all along.

    For what must NOT happen (a prompt that must not appear, a draft that must not
    go): the window is an observation, not a wait for something, and the only
    place besides key pacing where a test spends time on purpose.  It ends at
    the first moment the predicate fails.
    """
    deadline = time.monotonic() + window
    while time.monotonic() < deadline:
        if not predicate():
            return False
        time.sleep(0.02)
    return bool(predicate())


# --------------------------------------------------------------------------- the console in a pty


class ConsoleExited(AssertionError):
    pass


class Console:
    """One ``csdesk`` console in a pseudo-terminal, its output read into a pyte screen.

    ``Console(desk, size=(100, 30)).start()``; ``type``/``press``/``play`` send keys as
    an xterm would, ``wait_for_text``/``wait_for`` poll the screen, ``kill``/``close`` end it.
    """

    def __init__(self, desk: Desk, size: tuple[int, int] = DEFAULT_SIZE, lang: str = "en",
                 args: Iterable[str] = (), env: dict[str, str] | None = None, name: str = "console",
                 synchronized_output: bool = True) -> None:
        self.desk = desk
        self.columns, self.lines = size
        self.lang = lang
        self.args = list(args)
        self.extra_env = env or {}
        self.name = name
        self.child: pexpect.spawn | None = None
        self.started_at = 0.0
        self._lock = threading.Lock()
        self._screen = pyte.Screen(self.columns, self.lines)
        self._stream = pyte.ByteStream(self._screen)
        self._reader: threading.Thread | None = None
        self._eof = threading.Event()
        self.received = 0  # bytes of output so far
        self.frames = 0  # screens published so far
        self.synchronized_output = synchronized_output
        self._shown: list[str] = [""] * self.lines
        self._cursor = (0, 0)
        self._escape_at = 0.0
        self.typed: list[tuple[float, bytes]] = []  # (monotonic time, keystroke) of the last play()
        from csdesk.i18n import _load_catalogue  # the console's own loader: never a stale .mo

        self._translation = _load_catalogue("zh_CN") if lang.startswith("zh") else gettext.NullTranslations()

    # ----------------------------------------------------------------- life
    def start(self) -> Console:
        argv = ["-c", LAUNCH, "--db", str(self.desk.db_path), *self.args]
        self.started_at = time.monotonic()
        self.child = pexpect.spawn(sys.executable, argv, env=self.desk.env(self.lang, self.extra_env),
                                   cwd=str(self.desk.home), dimensions=(self.lines, self.columns),
                                   echo=False, encoding=None)
        self._reader = threading.Thread(target=self._pump, name=f"pty-reader-{self.name}", daemon=True)
        self._reader.start()
        return self

    def _pump(self) -> None:
        """Feed everything the console prints into the pyte screen; publish whole frames.

        Like the terminals that support synchronized output (kitty, WezTerm, iTerm2,
        Windows Terminal, foot…), the harness answers Textual's query for it, and then
        shows a frame only once it is complete (between ``ESC[?2026h`` and ``ESC[?2026l``
        the screen is being drawn); so ``screen_text()`` never reads a half-drawn frame.
        """
        fd = self.child.child_fd
        tail = b""
        in_frame = False
        while True:
            try:
                ready, _, _ = select.select([fd], [], [], 0.2)
                if not ready:
                    if not self.alive():
                        break
                    continue
                data = os.read(fd, 65536)
            except (OSError, ValueError):
                break
            if not data:
                break
            window = tail + data
            query_at = window.rfind(SYNC_QUERY)
            if self.synchronized_output and query_at != -1 and query_at + len(SYNC_QUERY) > len(tail):
                try:  # a query not answered yet (one that ended inside the tail was)
                    os.write(fd, SYNC_SUPPORTED)
                except OSError:
                    pass
            begin, end = window.rfind(SYNC_BEGIN), window.rfind(SYNC_END)
            if begin != -1 or end != -1:
                in_frame = begin > end
            tail = window[-16:]
            with self._lock:
                self._stream.feed(data)
                self.received += len(data)
                if not in_frame:
                    self._publish()
        with self._lock:
            self._publish()
        self._eof.set()

    def _publish(self) -> None:
        screen = self._screen
        self._shown = [render_line(screen.buffer[y], screen.columns) for y in range(screen.lines)]
        self._cursor = (self._screen.cursor.x, self._screen.cursor.y)
        self.frames += 1

    @property
    def pid(self) -> int:
        return self.child.pid

    def alive(self) -> bool:
        try:
            return self.child is not None and self.child.isalive()
        except Exception:  # closed meanwhile
            return False

    def kill(self) -> None:
        """SIGKILL the console, as a closed terminal window or a crash would end it."""
        if self.alive():
            os.kill(self.child.pid, signal.SIGKILL)
        self._reap()

    def wait_exit(self, timeout: float = 10.0) -> bool:
        """Whether the console ended within ``timeout`` (polls)."""
        deadline = time.monotonic() + timeout
        while self.child is not None and self.child.isalive():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def close(self) -> None:
        """Quit cleanly (Ctrl+Q) and wait for the console to end; kill it if it does not within 5 s."""
        if self.child is None:
            return
        if self.child.isalive():
            try:
                self.send(key_sequence("ctrl+q"))
            except OSError:
                pass
            if not self.wait_exit(5.0):
                self.kill()
        self._reap()

    def _reap(self) -> None:
        if self.child is None:
            return
        self._eof.wait(2.0)
        try:
            self.child.close(force=True)
        except Exception:
            pass
        if self._reader is not None:
            self._reader.join(2.0)

    def restart(self) -> Console:
        """Kill the console and start it again on the same desk, with a blank screen."""
        self.kill()
        with self._lock:
            self._screen = pyte.Screen(self.columns, self.lines)
            self._stream = pyte.ByteStream(self._screen)
            self._shown = [""] * self.lines
        self._eof = threading.Event()
        return self.start()

    # ----------------------------------------------------------------- the screen
    def screen_text(self) -> str:
        """The screen as text (the last complete frame), lines joined by newlines."""
        with self._lock:
            return "\n".join(self._shown)

    def lines_text(self) -> list[str]:
        with self._lock:
            return list(self._shown)

    def cursor(self) -> tuple[int, int]:
        with self._lock:
            return self._cursor

    def tr(self, msgid: str) -> str:
        """A message as the console shows it in its language (the zh_CN catalogue or English)."""
        return self._translation.gettext(msgid)

    def has(self, text: str) -> bool:
        return text in self.screen_text()

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0, what: str = "") -> Any:
        """Poll ``predicate()`` until it is truthy; return its value.  Fails with the screen on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: not reached in {timeout} s: {what or predicate}\n"
                                     f"{self.dump()}")
            if not self.alive() and self._eof.is_set():
                value = predicate()
                if value:
                    return value
                raise ConsoleExited(f"{self.name} exited (status {self.exit_status()}) while waiting for "
                                    f"{what or predicate}\n{self.dump()}")
            time.sleep(0.02)

    def wait_for_text(self, text: str, timeout: float = 10.0) -> str:
        """Wait until ``text`` is on the screen; return the screen."""
        return self.wait_for(lambda: s if text in (s := self.screen_text()) else None, timeout, repr(text))

    def wait_for_any(self, *texts: str, timeout: float = 10.0) -> str:
        """Wait until one of ``texts`` is on the screen; return the one found."""
        def found():
            screen = self.screen_text()
            return next((t for t in texts if t in screen), None)
        return self.wait_for(found, timeout, " or ".join(map(repr, texts)))

    def wait_for_gone(self, text: str, timeout: float = 10.0) -> str:
        return self.wait_for(lambda: s if text not in (s := self.screen_text()) else None, timeout,
                             f"{text!r} gone")

    def stays_absent(self, text: str, window: float) -> bool:
        """Watch the screen for ``window`` seconds: True if ``text`` never showed."""
        return holds(lambda: text not in self.screen_text(), window)

    def exit_status(self) -> int | None:
        return None if self.child is None else self.child.exitstatus

    def dump(self) -> str:
        return f"--- {self.name} screen ({self.columns}x{self.lines}) ---\n{self.screen_text()}\n---"

    # ----------------------------------------------------------------- keys
    def send(self, data: bytes) -> None:
        """Write bytes to the console's terminal.  A lone Escape is kept apart from what
        follows by Textual's ESCDELAY, else the two would read as one Alt+key."""
        if self.child is None or not self.child.isalive():
            raise ConsoleExited(f"{self.name} is not running\n{self.dump()}")
        since_escape = time.monotonic() - self._escape_at
        if since_escape < ESCAPE_GAP:
            time.sleep(ESCAPE_GAP - since_escape)
        self.child.send(data)
        self._escape_at = time.monotonic() if data == b"\x1b" else 0.0

    def play(self, items: Iterable[str | Key | Hiccup], per_key: float = 0.08, jitter: float | None = None,
             seed: int | None = None, hiccups: Iterable[str | Key] = ()) -> float:
        """Type strings (one keystroke per character, UTF-8) and Keys one by one at human speed.

        ``per_key`` seconds between keystrokes, ± ``jitter`` (default a quarter of it).
        Sleeping between keys is the pacing under test, not a wait for a result.

        A busy machine at a chosen moment: a ``Hiccup(n)`` among the items freezes the
        console (SIGSTOP) while the next ``n`` keys are typed, at the same pace, so they
        wait in the terminal and reach it together, as when the console gets no CPU for
        a moment; ``hiccups=[TAB]`` puts a ``Hiccup(2)`` before every Tab (the Tab and the
        key after it).  Returns the monotonic time of the last keystroke.
        """
        rng = random.Random(seed)
        jitter = per_key / 4 if jitter is None else jitter
        strokes: list[bytes] = []
        frozen: list[bool] = []
        pending = 0
        stall_keys = set(keystrokes(hiccups))
        for item in items:
            if isinstance(item, Hiccup):
                pending = max(pending, item.keys)
                continue
            for stroke in keystrokes([item]):
                if stroke in stall_keys:
                    pending = max(pending, 2)
                strokes.append(stroke)
                frozen.append(pending > 0)
                pending = max(0, pending - 1)
        last = time.monotonic()
        is_frozen = False
        self.typed = []
        try:
            for i, stroke in enumerate(strokes):
                if frozen[i] and not is_frozen:
                    self.freeze()
                    is_frozen = True
                self.send(stroke)
                last = time.monotonic()
                self.typed.append((last, stroke))
                if is_frozen and not (i + 1 < len(strokes) and frozen[i + 1]):
                    self.thaw()
                    is_frozen = False
                if i + 1 < len(strokes):
                    gap = per_key + rng.uniform(-jitter, jitter) if jitter else per_key
                    time.sleep(max(0.0, gap))
        finally:
            if is_frozen:
                self.thaw()
        return last

    def resize(self, columns: int, lines: int) -> None:
        """The terminal's window resized, as a desk agent drags it: the console gets SIGWINCH."""
        with self._lock:
            self.columns, self.lines = columns, lines
            self._screen.resize(lines, columns)
            self._shown = [""] * lines
        self.child.setwinsize(lines, columns)

    def freeze(self) -> None:
        """Stop the console (SIGSTOP): the machine gives it no CPU; keys wait in the terminal."""
        os.kill(self.child.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        os.kill(self.child.pid, signal.SIGCONT)

    def type(self, text: str, per_key: float = 0.08, jitter: float | None = None) -> float:
        """Type ``text`` key by key (Chinese characters as UTF-8, one keystroke each)."""
        return self.play([text], per_key, jitter)

    def press(self, *names: str, per_key: float = 0.08) -> float:
        """Press named keys one after another: ``press("tab", "2", "ctrl+s")`` (single characters as typed)."""
        return self.play([Key(n) if len(n) > 1 else n for n in names], per_key, jitter=0)

    def type_burst(self, items: Iterable[str | Key] | str) -> float:
        """Send everything in one write, as a paste-free burst of keys (a barcode scanner, a fast typist)."""
        if isinstance(items, str):
            items = [items]
        self.send(b"".join(keystrokes(items)))
        return time.monotonic()

    # ----------------------------------------------------------------- the desk's common steps
    def wait_login_ready(self, timeout: float = 30.0) -> None:
        """The login screen with the database open (its status line says so)."""
        self.wait_for_text(self.tr("Log in with your staff number and password."), timeout)

    def login(self, staff_no: str = "1001", password: str = DEMO_PASSWORD, per_key: float = 0.08,
              wait_ready: bool = True, timeout: float = 30.0) -> None:
        """Log in by typing: staff number, Tab, password, Enter; wait for the first desk screen."""
        if wait_ready:
            self.wait_login_ready(timeout)
        self.play([staff_no, TAB, password, ENTER], per_key)
        self.wait_for_desk(staff_no, timeout)

    def wait_for_desk(self, staff_no: str = "1001", timeout: float = 30.0) -> None:
        """Wait until a desk screen's header names the agent logged in."""
        self.wait_for_text(f"{self.tr('Staff no.')} {staff_no}", timeout)

    def goto(self, fkey: str, marker: str | None = None, timeout: float = 10.0) -> None:
        """Press an F-key (``"f2"``) and wait for ``marker`` (default: the screen's title in the header)."""
        titles = {"f1": "Intake", "f2": "Visit log", "f3": "Work orders", "f4": "Handover", "f5": "Overview"}
        self.press(fkey)
        if marker is None and fkey.lower() in titles:
            marker = "csdesk · " + self.tr(titles[fkey.lower()])
        if marker:
            self.wait_for_text(marker, timeout)

    # intake
    def intake_ready(self, timeout: float = 20.0) -> None:
        """Intake with its categories and queue loaded (the form can be saved)."""
        self.wait_for_text("csdesk · " + self.tr("Intake"), timeout)
        self.wait_for_text(self.tr("Repair request"), timeout)
        self.wait_for_text(self.tr("My queue"), timeout)

    def reset_intake(self, timeout: float = 10.0) -> None:
        """Back to an empty intake form: answer a left-over question, F1, Escape (and Y when it
        asks whether to discard what is typed)."""
        discard_q = self.tr("Discard this intake? What was typed will be lost.")
        restore_q = self.tr("Restore it?")
        for _attempt in range(3):
            screen = self.screen_text()
            if discard_q in screen or restore_q in screen:
                question = discard_q if discard_q in screen else restore_q
                self.press("y" if question == discard_q else "n")
                self.wait_for_gone(question, timeout)
                continue
            break
        self.goto("f1")
        self.press("escape")
        found = self.wait_for(lambda: "ask" if discard_q in self.screen_text() else
                              "empty" if self.intake_is_empty() else None, timeout, "the intake form or a question")
        if found == "empty" and not holds(lambda: discard_q not in self.screen_text(), 0.5):
            found = "ask"  # the form only looked empty: Escape asks about what is in it
        if found == "ask":
            self.press("y")
            self.wait_for_gone(discard_q, timeout)
        self.wait_for(self.intake_is_empty, timeout, "an empty intake form")

    def intake_is_empty(self) -> bool:
        screen = self.screen_text()
        return self._phone_placeholder() in screen and self.tr("Identify") + ":" in screen

    def _phone_placeholder(self) -> str:
        return self.tr("number, last 4 digits, name or initials")[:12]  # as much as any width shows


# --------------------------------------------------------------------------- a busy machine


@dataclass
class CpuBurner:
    """Keeps every core busy with other processes (plain ``while True: pass``, same priority
    as the console) until stopped: the shared, loaded machine a desk really runs on."""

    processes: int = field(default_factory=lambda: os.cpu_count() or 2)
    _children: list[subprocess.Popen] = field(default_factory=list)

    def start(self) -> CpuBurner:
        if not self._children:
            self._children = [subprocess.Popen([sys.executable, "-c", "while True: pass"],
                                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                               stderr=subprocess.DEVNULL)
                              for _ in range(self.processes)]
        return self

    def stop(self) -> None:
        for child in self._children:
            child.kill()
        for child in self._children:
            child.wait()
        self._children = []

    @property
    def running(self) -> bool:
        return bool(self._children) and all(c.poll() is None for c in self._children)

    def cpu_seconds(self) -> float:
        """CPU time the burners have used so far (from /proc; 0 where there is none)."""
        total = 0.0
        ticks = os.sysconf("SC_CLK_TCK")
        for child in self._children:
            try:
                fields = Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / ticks
        return total

    def __enter__(self) -> CpuBurner:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
