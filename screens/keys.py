"""The console's keys, handled one after another in the order they were typed.

Textual hands a key to the focused widget's message queue; if nothing there
takes it, it bubbles up through the queue of every parent to the App, and only
there do the non-priority bindings run: Tab moves to the next field, Enter on a
choice bar moves on, Escape answers a question.  Keys that reach the console
together (a busy machine gives it no CPU for a moment; a fast typist; a burst)
were each forwarded at once to the widget focused *then*, so the key after a Tab
went to the field the Tab was leaving: the Tab had not yet come back up to the
App to move the focus.  On a loaded desk machine that put "6" of a room number
into the entrance field and the first character of a summary into the address.

:class:`KeyLine` keeps the keys in a line.  A key is handed on (the App's
priority bindings first, then the focused widget, as Textual does) only once the
key before it is done with: taken by a widget (it called ``stop()``: an input
inserting a character, a choice bar taking a digit) or back at the App with its
bindings run.  Nothing else changes: the same widgets see the same keys in the
same way, only never before the key typed before them has had its effect on
the focus.  A key that is never finished (its widget went away on the way) holds
the line for at most :data:`HOLD_AT_MOST` seconds.  A binding can hold the line on
purpose until a result it waits for is back (:meth:`KeyLine.hold`).

What a key does through a *message* (an ``Input.Submitted`` that a screen then
answers by moving the focus) still happens later; screens whose keys move the
focus that way handle those keys as priority bindings instead (intake, login).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from textual import events

if TYPE_CHECKING:
    from textual.app import App

HOLD_AT_MOST = 5.0  # s a key may hold the ones behind it: a safety net (a busy machine can take seconds to run a key)


class LinedKey(events.Key):
    """A key in the line: says when it is done with (stopped by a widget, or finished at the App)."""

    __slots__ = ("_line", "_done", "held")

    def __init__(self, key: str, character: str | None, line: KeyLine) -> None:
        super().__init__(key, character)
        self._line = line
        self._done = False
        self.held = False  # its binding asked the keys behind it to wait (KeyLine.hold)
        # No sender: Textual stops a message one step early when its sender is the next parent up
        # (the App, for keys it forwards), and that stop() would read as "taken by the screen".
        self.set_sender(None)

    def stop(self, stop: bool = True) -> LinedKey:
        super().stop(stop)
        if stop:
            self.finish()
        return self

    def finish(self) -> None:
        if not self._done:
            self._done = True
            self._line.finished(self)


LinedKey.handler_name = events.Key.handler_name  # handled as any key: on_key, key_… methods, bindings


class KeyLine:
    """The App's line of keys (see the module's docstring).

    ``deliver(key)`` is the App's own handling of a key not yet forwarded
    (``App.on_event``: priority bindings, else forward to the focused widget).
    """

    def __init__(self, app: App, deliver: Callable[[events.Key], Awaitable[None]]) -> None:
        self.app = app
        self.deliver = deliver
        self.waiting: deque[events.Key] = deque()
        self.in_flight: LinedKey | None = None
        self.sent_at = 0.0
        self.delivered = 0  # keys handed on so far (screens compare it: "typed on since?")
        self.last_key_at = time.monotonic()  # when the last key came (the App waits for quiet moments)
        self._pumping = False
        self._watch = None

    async def arrive(self, event: events.Key) -> None:
        """A key from the terminal (or Pilot): handle it now, or after the keys before it."""
        self.last_key_at = time.monotonic()
        self.waiting.append(event)
        await self.pump()

    async def pump(self) -> None:
        if self._pumping:
            return
        self._pumping = True
        try:
            while self.waiting:
                if self.in_flight is not None:
                    if time.monotonic() - self.sent_at < HOLD_AT_MOST:
                        self._watch_later()
                        return
                    self.in_flight = None  # lost on the way: let the others go
                raw = self.waiting.popleft()
                key = LinedKey(raw.key, raw.character, self)
                self.in_flight = key
                self.sent_at = time.monotonic()
                self.delivered += 1
                await self.deliver(key)
                if not key.is_forwarded and not key.held:  # a priority binding took it
                    key.finish()
        finally:
            self._pumping = False

    def hold(self) -> Callable[[], None]:
        """Keep the keys typed after the one being handled waiting until the returned callable is called.

        A binding whose effect is known only once a worker is back (Enter on a caller's number
        chooses the caller, or goes on to a new caller's name) holds the line so that the keys
        typed after it land where that result puts the focus, whatever the machine's speed.  The
        line's safety net still lets them go after :data:`HOLD_AT_MOST` seconds."""
        key = self.in_flight
        if key is None:
            return lambda: None
        key.held = True
        self.sent_at = time.monotonic()
        return key.finish

    def finished(self, key: LinedKey) -> None:
        if key is self.in_flight:
            self.in_flight = None
            if self.waiting:
                self.app.call_later(self.pump)

    def at_app(self, event: events.Key) -> None:
        """A key has come back up to the App: done once the App's bindings have run."""
        if isinstance(event, LinedKey):
            self.app.call_next(event.finish)

    def _watch_later(self) -> None:
        if self._watch is None:
            self._watch = self.app.set_timer(HOLD_AT_MOST, self._watched)

    async def _watched(self) -> None:
        self._watch = None
        await self.pump()


def after_typing(screen, callback: Callable[[], object]) -> None:
    """Run ``callback`` once the keys already typed have landed in the focused field.

    The app runs a priority binding (Ctrl+S) the moment its key arrives, but it hands
    every other key to the focused widget's message queue: with keys typed ahead
    (a busy machine, a fast typist) the save would read the field before its last
    characters are in.  Queued behind them on the same widget, the callback runs after.
    """
    focused = screen.app.focused
    if focused is not None and focused.screen is screen:
        focused.call_later(callback)
    else:
        callback()
