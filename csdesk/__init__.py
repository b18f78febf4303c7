"""csdesk: a terminal console for the front desk of a service centre.

This package is the domain: models, database, services, configuration, i18n
and the command line.  It never imports Textual (the CLI's lazy launch of the
console aside) and has no side effects at import time.
"""

__version__ = "0.1.0"
