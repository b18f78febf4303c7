"""Work orders (服务记录表 / 工单): opened with a number, a deadline and a first
event; every move checked against the lifecycle in :mod:`csdesk.domain.rules`
and kept as an event with who and when.

- :func:`open_order`: from an intake (:func:`csdesk.services.intake.record_contact`
  calls it) or directly.  The deadline comes from the urgency (normal 24 h,
  urgent 2 h, critical from configuration).
- :func:`move`: open → dispatched → in progress → done → closed, on hold and
  cancelled with a reason.  Time on hold does not count: resuming moves the
  deadline by the time held, recorded as an event.
- :func:`complete`: result, materials, fee, signature, opinion and a
  satisfaction of 1–5 (required); 1–3 creates a call-back within 2 hours owned
  by the agent who took the original call (first-contact ownership).
- :func:`escalate_overdue`: an order past its deadline goes to the supervisor
  queue once, whichever console is open or none (``csdesk tick``); the owner
  then owes an explanation and a catch-up plan within 1 hour
  (:func:`explain_overdue`), which the supervisor acknowledges
  (:func:`acknowledge_explanation`).
- :func:`update_order`: every field change (details, technician, appointment,
  fees, the deadline — a supervisor's, with a reason) is an event with the
  fields before and after; :func:`add_note` adds a note to the timeline.
- Closing: from done (after the return visit, or when none is due: the
  return-visit issue decides which; for now closing from done is allowed).
- :func:`order_detail`: the order with its fee lines, quote and timeline.

The F3 form's strings are checked by :mod:`csdesk.services.order_form`, the
list views by :mod:`csdesk.services.order_list`, the slip is
:mod:`csdesk.services.slip`.

Every function takes the acting :class:`~csdesk.domain.actor.Actor`; the
policy decides (an agent moves their own orders, a supervisor anyone's) and the
audit log records the write.
"""

from csdesk.services.orders.changes import (
    OrderChanges,
    acknowledge_explanation,
    add_note,
    change_deadline,
    explain_overdue,
    update_order,
)
from csdesk.services.orders.core import (
    APPOINTMENT_GRACE,
    CLOSED_STATUSES,
    DESCRIPTION_LIMIT,
    EXPLANATION_LIMIT,
    KEEP,
    NOTE_LIMIT,
    REASON_LIMIT,
    Completion,
    FeeRequest,
    OrderInfo,
    OrderSpec,
    _event,
    _load,
    acting,
    clean,
    complete,
    escalate_overdue,
    fee_text,
    get_order,
    move,
    open_order,
    quote_of,
)
from csdesk.services.orders.detail import (
    DispatchStats,
    EventLine,
    OrderDetail,
    dispatch_stats,
    may_change_deadline,
    order_detail,
)

__all__ = [
    "APPOINTMENT_GRACE", "CLOSED_STATUSES", "DESCRIPTION_LIMIT", "EXPLANATION_LIMIT", "KEEP", "NOTE_LIMIT",
    "REASON_LIMIT", "Completion", "DispatchStats", "EventLine", "FeeRequest", "OrderChanges", "OrderDetail",
    "OrderInfo", "OrderSpec", "_event", "_load", "acknowledge_explanation", "acting", "add_note", "clean",
    "change_deadline", "complete", "dispatch_stats", "escalate_overdue", "explain_overdue", "fee_text",
    "get_order", "may_change_deadline", "move", "open_order", "order_detail", "quote_of", "update_order",
]
