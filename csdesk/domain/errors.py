"""The errors the desk's people see: one line each, never a traceback.

Screens show ``str(error)`` on the status line; the CLI prints it after
``csdesk:`` on stderr and exits non-zero.
"""

from __future__ import annotations


class DeskError(Exception):
    """A user error: the message is for the person at the desk."""


class Refused(DeskError):
    """The policy does not let this person do this (``csdesk.domain.policy``)."""


class NotFound(DeskError):
    """The record asked for does not exist (any more)."""


class Conflict(DeskError):
    """The record changed under the request (already closed, moved on by someone else …)."""


class Invalid(DeskError):
    """Input that cannot be saved; ``errors`` maps field names to a message for the field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(dict.fromkeys(errors.values())))  # the messages: field keys are not words for the desk
        self.errors = errors
