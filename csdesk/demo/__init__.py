"""Demo data: a service centre's last 90 days, generated into a demo database.

Plain Python (no Textual).  :func:`generate` fills a database that holds no
real records with realistic Chinese data: the demo accounts, customers with
phones and building-unit-room addresses, contacts across every channel,
category, urgency and outcome, work orders in every state with their history,
complaints worked at every stage, escalations, call-backs of every kind, each
past month's return-visit draw and its visits, the refused-visit list,
handovers and problem logs.  Recent matters are arranged so that agent
``1001``'s queues and the supervisor's queue are not empty.  The same seed and
``now`` give the same data, whichever process generates it.

The package:

- :mod:`~csdesk.demo.texts`: every Chinese phrase and name (topics with their
  summaries, handling steps and results; call-back notes, complaint plans …).
- :mod:`~csdesk.demo.shape`: sizes, the desk's staff, how often things happen
  (weights), the coverage and today's scenario.
- :mod:`~csdesk.demo.run`: :class:`~csdesk.demo.run.Run`, what every step
  shares: the random source, ids and number sequences, stored timestamps, row
  defaults, the reference data, the sink.
- the steps, one module per kind of record: :mod:`~csdesk.demo.people`
  (accounts, customers), :mod:`~csdesk.demo.contacts` (the register, day by
  day), :mod:`~csdesk.demo.orders` (work orders and their history, their
  technicians from the roster: ``Run.technician``),
  :mod:`~csdesk.demo.order_details` (F3's columns, fee lines, overdue
  explanations), :mod:`~csdesk.demo.followups` (call-backs, escalations),
  :mod:`~csdesk.demo.complaints` (tracking records worked step by step, the
  manager's overdue escalations), :mod:`~csdesk.demo.visits` (each past
  month's draw and top-ups, its visits called to their outcome, the
  refused-visit list), :mod:`~csdesk.demo.desk` (handovers, problem logs).
- :mod:`~csdesk.demo.generator`: the steps in order, with the tables each writes.
- :mod:`~csdesk.demo.loader`: the bulk loader (fast SQLite settings, parked
  indexes, the generating worker process and its pipe, the search index's bulk
  load) and :func:`generate`.
- :mod:`~csdesk.demo.state`: :func:`inspect_database`, :func:`reset_database`.

Rules, labels and reference data are not copied here: deadlines, the outcomes
a category allows, when and why a contact goes to the supervisor, the
low-score threshold and call-back time, the return-visit share and its four
mandatory kinds, the results a call-back may have, the call attempts, the
promised-reply and referral-check times and the 5-minute service record come
from :mod:`csdesk.domain.rules`; keys and Chinese labels from the enums of
:mod:`csdesk.domain`; department names and phones, fee prices and shift hours
from the target database's reference tables (seeded from ``data/*.toml``).

Extension points (a new kind of row is one function plus its table list):

- A kind of row made once per run (a technicians roster per department with
  hire dates, return-visit draws, handover pages): write ``make_x(run)`` that
  builds rows with ``run.row(table, …)`` or ``{**run.defaults[table], …}``,
  takes ids with ``run.ids(table, n)`` and numbers with ``run.reserve(key, n)``,
  draws with ``run.pick``/``run.ri``/``run.choice_w`` and writes with
  ``run.write(table, rows)``; add ``Step(make_x, ("table", …))`` to
  :data:`csdesk.demo.generator.STEPS` where its inputs exist (after
  ``make_agents`` for a roster, after ``make_contacts`` for draws over
  completed orders).  The loader reads the ids to start from and, for tables
  named in ``bulky=``, parks their indexes; nothing else needs to change.
- A kind of row hanging off each day's records (fee items on paid orders,
  complaint tracking steps): write ``make_x(run, rows)`` over the
  :class:`~csdesk.demo.run.DayRows` (``rows.orders``, ``rows.complaints`` …)
  that adds rows with ``rows.add(table, row)``, and add
  ``Step(make_x, ("table",))`` to :data:`csdesk.demo.generator.DAY_STEPS`.
  Day steps run before the day is written, so they may also fill in columns of
  the day's rows.
- State a later step needs (e.g. the roster, for orders to assign): keep it on
  ``run.kept[name]``, as :func:`csdesk.demo.desk.keep_for_handover` does.
- Phrases go to :mod:`~csdesk.demo.texts`, weights and fixed cases to
  :mod:`~csdesk.demo.shape`.

New draws change the data a seed gives from the point they are made on: add
them after the existing ones of a step (or in a new step at the end) to keep
the rest of the data as it was.
"""

from csdesk.demo.loader import PARALLEL_FROM, PARK_INDEXES_FROM, DemoSummary, generate
from csdesk.demo.shape import (
    DAYS,
    DEFAULT_CONTACTS,
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    MAX_CONTACTS,
    MIN_CONTACTS,
)
from csdesk.demo.state import DbState, DemoError, inspect_database, reset_database

__all__ = [
    "DAYS",
    "DEFAULT_CONTACTS",
    "DEMO_ACCOUNTS",
    "DEMO_PASSWORD",
    "MAX_CONTACTS",
    "MIN_CONTACTS",
    "PARALLEL_FROM",
    "PARK_INDEXES_FROM",
    "DbState",
    "DemoError",
    "DemoSummary",
    "generate",
    "inspect_database",
    "reset_database",
]
