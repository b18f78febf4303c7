"""The handover's console-wide duties after login (installed by ``CsdeskApp.logged_in``).

- An unacknowledged handover addressed to the agent's shift opens first: the
  console switches to F4's incoming view when one waits.
- 30 minutes before the shift ends (shift times from the shift table, the
  night shift included), the console reminds the agent once, on whichever
  screen they are, to update every unclosed order and call-back, saying how
  many have no update this shift; F4's ``k`` shows the list again at any time.

The timer asks no database until the reminder is due: when is computed from
the shift table the console already holds.
"""

from __future__ import annotations

from typing import Any

from csdesk.i18n import _

CHECK_EVERY = 20.0  # seconds between looks at the clock


def after_login(app: Any) -> None:
    app.handover_pending = None
    app.handover_reminded = set()
    app.handover_keys_at_login = app.keys_seen
    if "handover" not in app.modes_ready:
        return
    if not getattr(app, "start_view", None):  # ``csdesk handover review`` opens on the review instead
        app.run_worker(lambda: _find_pending(app), thread=True, exit_on_error=False, group="handover-login")
    if getattr(app, "handover_timer", None) is None:  # once per console, whoever logs in later
        app.handover_timer = app.set_interval(CHECK_EVERY, lambda: check_reminder(app))
    check_reminder(app)


def _find_pending(app: Any) -> None:
    from csdesk.services.handover import pending_for

    agent = app.agent
    if agent is None:
        return
    with app.db_read() as session:
        pending = pending_for(session, agent)
    if pending:
        app.call_from_thread(_open_pending, app, agent, pending)


def _open_pending(app: Any, agent: Any, pending: list) -> None:
    if app.agent is not agent:  # logged out (or someone else logged in) meanwhile
        return
    if app.keys_seen != app.handover_keys_at_login:  # the agent has moved on: say so, never take the console away
        app.notify(_("{n} handover pages for your shift wait to be acknowledged: F4, then i.").format(n=len(pending)),
                   title=_("Handover"), timeout=12)
        return
    app.handover_pending = pending
    app.handover_pending_keys = app.keys_seen
    app.notify(_("{n} handover pages for your shift wait to be acknowledged, item by item.").format(n=len(pending)),
               title=_("Handover"), timeout=8)
    if app.current_mode != "handover":
        app.switch_mode("handover")
    else:
        app.screen.on_screen_resume()


def take_pending(app: Any) -> bool:
    """Whether F4 should turn to the incoming pages now: they were found at login and the agent has
    pressed no key since (a late turn would take the screen from under the agent's hands)."""
    pending = getattr(app, "handover_pending", None)
    app.handover_pending = None
    return bool(pending) and app.keys_seen == getattr(app, "handover_pending_keys", None)


def check_reminder(app: Any) -> None:
    """Announce the 30-minute check once per shift occurrence, when it is due."""
    if app.agent is None or not app.shifts:
        return
    from csdesk.clock import now
    from csdesk.services.handover import reminder_time

    at = now()
    found = reminder_time(app.shifts, at)
    if found is None:
        return
    remind_at, start, code = found
    key = (code, start)
    if at < remind_at or key in app.handover_reminded:
        return
    app.handover_reminded.add(key)
    agent = app.agent
    app.run_worker(lambda: _remind(app, agent), thread=True, exit_on_error=False, group="handover-reminder")


def _remind(app: Any, agent: Any) -> None:
    from csdesk.clock import fmt
    from csdesk.services.handover import reminder

    with app.db_read() as session:
        found = reminder(session, agent)
    if found is None:
        return
    message = _("The shift ends at {end}: update every unclosed order and call-back. {n} of {total} have no update "
                "this shift. F4, then k, lists them.").format(end=fmt(found.end_at, "%H:%M"), n=len(found.stale),
                                                               total=found.open_matters)
    app.call_from_thread(app.notify, message, title=_("30-minute check"), severity="warning" if found.stale
                         else "information", timeout=30)
