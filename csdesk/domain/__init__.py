"""The desk's vocabulary and rules: pure functions and plain data, no I/O.

``csdesk.domain`` re-exports the vocabulary (:mod:`csdesk.domain.vocab`) so that
``from csdesk.domain import Urgency`` reads as it says.  The rules live in
:mod:`csdesk.domain.rules`, shift arithmetic in :mod:`csdesk.domain.shifts`,
who may do what in :mod:`csdesk.domain.policy`.
"""

from csdesk.domain.vocab import *  # noqa: F403
from csdesk.domain.vocab import LABELLED_MEMBERS, LABELS, LabelledEnum  # noqa: F401
