"""Who is acting: every service that writes takes an :class:`Actor`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from csdesk.domain.rules import is_new_staff
from csdesk.domain.vocab import Role


@dataclass(frozen=True)
class Actor:
    """A logged-in person (or the console's own timer: :data:`SYSTEM`)."""

    id: int | None
    staff_no: str
    role: Role
    name: str = ""
    active: bool = True
    hire_date: date | None = None

    @property
    def is_supervisor(self) -> bool:
        """Supervisors and managers (a manager may do what a supervisor may)."""
        return self.role in (Role.SUPERVISOR, Role.MANAGER)

    @property
    def is_manager(self) -> bool:
        return self.role is Role.MANAGER

    @property
    def is_system(self) -> bool:
        return self.id is None

    def is_new_staff(self, on: date) -> bool:
        return is_new_staff(self.hire_date, on)


SYSTEM = Actor(None, "system", Role.MANAGER, "csdesk")
"""The desk's own automatic acts (overdue escalation by ``csdesk tick`` or a console's timer)."""
