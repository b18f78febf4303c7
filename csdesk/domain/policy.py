"""Who may do what: the one place that decides.

Agents record and handle their own work; supervisors also reassign, change
deadlines, acknowledge escalations, work complaints, review handovers and see
full numbers; managers also manage accounts and reference data.  Services call
:func:`require` before they act; screens and the CLI may ask :func:`may` to
offer only what is allowed, but the service decides.
"""

from __future__ import annotations

from enum import StrEnum

from csdesk.domain.actor import Actor
from csdesk.domain.errors import Refused
from csdesk.domain.vocab import Role
from csdesk.i18n import N_, _


class Act(StrEnum):
    RECORD = "record"  # take a contact, open an order, write a handover, a problem log entry
    HANDLE_OWN = "handle_own"  # move one's own order, close one's own call-back
    HANDLE_ANY = "handle_any"  # the same on someone else's matter
    REASSIGN = "reassign"
    CHANGE_DEADLINE = "change_deadline"
    ACK_ESCALATION = "ack_escalation"
    WORK_COMPLAINT = "work_complaint"
    REVIEW_HANDOVER = "review_handover"
    SEE_FULL_PHONE = "see_full_phone"
    REVEAL_PHONE = "reveal_phone"  # one number, deliberately, audited
    EXPORT = "export"
    PRINT = "print"
    DRAW_VISITS = "draw_visits"
    LIFT_REFUSAL = "lift_refusal"
    READ_AUDIT = "read_audit"
    MANAGE_ACCOUNTS = "manage_accounts"
    MANAGE_REFERENCE = "manage_reference"
    UNLOCK_ACCOUNT = "unlock_account"


_AGENT = frozenset({Act.RECORD, Act.HANDLE_OWN, Act.REVEAL_PHONE, Act.EXPORT, Act.PRINT})
_SUPERVISOR = _AGENT | {Act.HANDLE_ANY, Act.REASSIGN, Act.CHANGE_DEADLINE, Act.ACK_ESCALATION,
                        Act.WORK_COMPLAINT, Act.REVIEW_HANDOVER, Act.SEE_FULL_PHONE, Act.DRAW_VISITS,
                        Act.LIFT_REFUSAL, Act.READ_AUDIT}
_MANAGER = _SUPERVISOR | {Act.MANAGE_ACCOUNTS, Act.MANAGE_REFERENCE, Act.UNLOCK_ACCOUNT}

ALLOWED: dict[Role, frozenset[Act]] = {
    Role.AGENT: _AGENT,
    Role.SUPERVISOR: frozenset(_SUPERVISOR),
    Role.MANAGER: frozenset(_MANAGER),
}

_WHAT: dict[Act, str] = {
    Act.RECORD: N_("record contacts and orders"),
    Act.HANDLE_OWN: N_("handle this matter"),
    Act.HANDLE_ANY: N_("handle another agent's matter"),
    Act.REASSIGN: N_("reassign matters"),
    Act.CHANGE_DEADLINE: N_("change a deadline"),
    Act.ACK_ESCALATION: N_("acknowledge escalations"),
    Act.WORK_COMPLAINT: N_("work complaints"),
    Act.REVIEW_HANDOVER: N_("review handovers"),
    Act.SEE_FULL_PHONE: N_("see full phone numbers"),
    Act.REVEAL_PHONE: N_("reveal a phone number"),
    Act.EXPORT: N_("export records"),
    Act.PRINT: N_("print records"),
    Act.DRAW_VISITS: N_("draw the month's return visits"),
    Act.LIFT_REFUSAL: N_("lift a refused-visit entry"),
    Act.READ_AUDIT: N_("read the audit log"),
    Act.MANAGE_ACCOUNTS: N_("manage accounts"),
    Act.MANAGE_REFERENCE: N_("change reference data"),
    Act.UNLOCK_ACCOUNT: N_("unlock an account"),
}


def may(actor: Actor | None, act: Act, *, owner_id: int | None = None) -> bool:
    """Whether ``actor`` may do ``act`` (on a matter owned by ``owner_id``, if given).

    Handling a matter owned by someone else needs :attr:`Act.HANDLE_ANY`; a
    matter owned by nobody (a pool) is anyone's to handle.
    """
    if actor is None or not actor.active:
        return False
    allowed = ALLOWED[actor.role]
    if act is Act.HANDLE_OWN and owner_id is not None and owner_id != actor.id:
        return Act.HANDLE_ANY in allowed
    return act in allowed


def require(actor: Actor | None, act: Act, *, owner_id: int | None = None) -> None:
    """Raise :class:`Refused` unless ``actor`` may do ``act``."""
    if may(actor, act, owner_id=owner_id):
        return
    if actor is None:
        raise Refused(_("Log in first."))
    if not actor.active:
        raise Refused(_("Account {staff_no} is deactivated.").format(staff_no=actor.staff_no))
    what = _(_WHAT[Act.HANDLE_ANY if act is Act.HANDLE_OWN else act])
    raise Refused(_("{role} {staff_no} may not {what}.").format(
        role=actor.role.label, staff_no=actor.staff_no, what=what))
