"""What rows to make, in what order: the steps of a run.

A step is a function of the :class:`~csdesk.demo.run.Run` and the tables it
writes.  :data:`STEPS` run once each, in order; :data:`DAY_STEPS` run at the
end of every day of contacts, over that day's rows
(:class:`~csdesk.demo.run.DayRows`), before they are written.  The loader
(:mod:`csdesk.demo.loader`) learns from here which tables to take ids for and
whose indexes to park during a big load.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from csdesk.demo.contacts import make_contacts
from csdesk.demo.desk import keep_for_handover, make_handovers, make_problem_logs
from csdesk.demo.order_details import add_order_details
from csdesk.demo.people import make_agents, make_customers
from csdesk.demo.run import Run


@dataclass(frozen=True)
class Step:
    """One kind of demo rows: the function that makes them and the tables it writes to."""

    make: Callable  # (run) for STEPS, (run, day_rows) for DAY_STEPS
    tables: tuple[str, ...] = ()  # every table it writes (run.ids hands out ids of these only)
    bulky: tuple[str, ...] = ()  # those with a row per contact or more: indexes rebuilt once after a big load


STEPS: tuple[Step, ...] = (
    Step(make_agents, ("agent",)),
    Step(make_customers, ("customer", "customerphone")),
    Step(make_contacts, ("contact", "workorder", "workorderevent", "complaint", "escalation", "callback",
                         "refusedvisit"),
         bulky=("contact", "workorder", "workorderevent", "callback", "escalation")),
    Step(make_handovers, ("handover", "handoveritem", "handoverremark", "escalation")),
    Step(make_problem_logs, ("problemlog",)),
)

DAY_STEPS: tuple[Step, ...] = (
    Step(keep_for_handover),  # writes nothing: keeps open matters for make_handovers
    # F3's columns of the day's orders, their fee lines and the overdue explanations
    Step(add_order_details, ("workorderfee", "workorderevent"), bulky=("workorderfee",)),
)


def tables() -> tuple[str, ...]:
    """Every table the steps write, once each."""
    return tuple(dict.fromkeys(t for step in (*STEPS, *DAY_STEPS) for t in step.tables))


def bulky_tables() -> tuple[str, ...]:
    return tuple(dict.fromkeys(t for step in (*STEPS, *DAY_STEPS) for t in step.bulky))


def generate_rows(run: Run) -> None:
    """Run every step; rows go to ``run.sink``."""
    run.day_steps = DAY_STEPS
    for step in STEPS:
        step.make(run)
        run.sink.flush()
