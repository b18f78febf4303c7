"""Messages the screens post back from thread workers."""

from __future__ import annotations

from typing import Any

from textual.message import Message


class DatabaseReady(Message):
    def __init__(self, engine: Any, has_accounts: bool, shifts: list) -> None:
        super().__init__()
        self.engine = engine
        self.has_accounts = has_accounts
        self.shifts = shifts


class DatabaseFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class LoginResult(Message):
    def __init__(self, agent: Any | None, error: str = "") -> None:
        super().__init__()
        self.agent = agent
        self.error = error
