"""The console's one error policy for thread workers.

Every ``@work`` in ``screens/`` runs with ``exit_on_error=False``: a worker that
raises does not take the console down.  Textual then posts
``Worker.StateChanged(ERROR)`` to the node that started the worker (a screen,
or the App); :class:`WorkerErrors` (mixed into every screen that runs
workers) hands it to the App's single handler, ``CsdeskApp.worker_failed``,
which

- writes the full traceback to the console's log file (:func:`log_path`:
  ``console.log`` in the user log directory, rotating, created 0600, folder 0700;
  ``CSDESK_LOG_FILE`` names another file);
- makes one line for the agent (:func:`one_line`): a :class:`DeskError` says
  its own message, anything else a short generic line naming the log;
- gives that line to the screen's :meth:`WorkerErrors.worker_error`, which shows
  it on the screen's status line and puts the screen back into a usable state
  (a save that failed can be tried again).  Nothing typed in a form is touched.

Workers still catch the errors they *expect* and turn them into a message at a
field (an invalid intake, a wrong password); everything else is left to this
policy.  Nothing here runs at import time; the log file is opened on the first
failure.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from textual.worker import Worker, WorkerState

from csdesk.i18n import _

if TYPE_CHECKING:
    from logging.handlers import RotatingFileHandler

LOG_ENV = "CSDESK_LOG_FILE"
LOG_NAME = "console.log"
LOG_MAX_BYTES = 1_000_000
LOG_BACKUPS = 3
LOGGER_NAME = "csdesk.console"


def log_path() -> Path:
    """Where worker failures are written: ``$CSDESK_LOG_FILE``, or ``console.log`` in the
    user log directory (platformdirs; on Linux ``~/.local/state/csdesk/log/``)."""
    named = os.environ.get(LOG_ENV)
    if named:
        return Path(named).expanduser()
    from platformdirs import user_log_path

    return user_log_path("csdesk", appauthor=False) / LOG_NAME


_handler: RotatingFileHandler | None = None


def _private_handler(path: Path) -> RotatingFileHandler:
    """A rotating handler whose files (the log and each new one after a rotation) are created 0600."""
    from logging.handlers import RotatingFileHandler

    class PrivateRotatingFileHandler(RotatingFileHandler):
        def _open(self):  # logging's own hook for opening the stream (stdlib, stable since 2.x)
            fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)

    if not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handler = PrivateRotatingFileHandler(path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS,
                                         encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    return handler


def _logger(path: Path) -> logging.Logger:
    """The console's logger, writing to ``path`` (re-pointed when the path changes, as in tests)."""
    global _handler
    logger = logging.getLogger(LOGGER_NAME)
    logger.propagate = False  # never onto the terminal the console is drawing
    logger.setLevel(logging.INFO)
    if _handler is None or Path(_handler.baseFilename) != path.absolute():
        if _handler is not None:
            logger.removeHandler(_handler)
            _handler.close()
        _handler = _private_handler(path)
        logger.addHandler(_handler)
    return logger


def record(error: BaseException, what: str) -> Path | None:
    """Write ``error`` with its traceback to the log; the log's path, or None when it cannot be written."""
    path = log_path()
    try:
        _logger(path).error("%s failed", what, exc_info=(type(error), error, error.__traceback__))
    except OSError:
        return None
    return path


def _shown_path(path: Path) -> str:
    try:
        return "~/" + str(path.relative_to(Path.home()))
    except ValueError:
        return str(path)


def one_line(error: BaseException, log: Path | None) -> str:
    """What the agent reads: a desk error's own message, or a short line that names the log."""
    from csdesk.domain.errors import DeskError

    if isinstance(error, DeskError):
        text = str(error).strip().splitlines()
        if text:
            return text[0]
    kind = type(error).__name__
    if log is None:
        return _("Something went wrong ({kind}); the log could not be written.").format(kind=kind)
    return _("Something went wrong ({kind}). Details: {log}").format(kind=kind, log=_shown_path(log))


def describe(worker: Worker) -> str:
    """The worker in the log: its group, its function and the node that ran it."""
    node = worker.node
    return f"worker {worker.group}/{worker.name} on {type(node).__name__}"


class WorkerErrors:
    """Mixed into every screen that runs thread workers: a failed worker goes to the App's one
    policy (``CsdeskApp.worker_failed``), which logs it and calls :meth:`worker_error` here."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            handler = getattr(self.app, "worker_failed", None)  # type: ignore[attr-defined]
            if handler is not None:
                handler(event.worker)

    def worker_error(self, worker: Worker, line: str) -> None:
        """Show ``line`` and make the screen usable again; screens with a status line override it."""
        self.app.notify(line, severity="error", markup=False, timeout=10)  # type: ignore[attr-defined]
