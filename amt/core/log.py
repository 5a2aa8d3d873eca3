"""One log for the stages and the ``amt`` command: lines ``amt <command>: message`` on stderr.

Library modules log to ``logging.getLogger(__name__)`` (all under ``amt``) and never
print; ``configure`` is called once by whatever runs them (a DVC stage, the ``amt``
command). Lines go through ``tqdm.write`` so that they never break a progress bar.
"""

import logging
import os
import sys

from tqdm import tqdm

ROOT = "amt"
LEVELS = {-1: logging.WARNING, 0: logging.INFO, 1: logging.DEBUG}
_configured: list[tuple[str, int]] = []  # the last configure() call's arguments


class _Lines(logging.Formatter):
    """``amt <command>: message``; levels other than INFO say their name (``warning:``)."""

    def __init__(self, command: str) -> None:
        super().__init__()
        self.command = command

    def format(self, record: logging.LogRecord) -> str:
        level = "" if record.levelno == logging.INFO else f"{record.levelname.lower()}: "
        return f"amt {self.command}: {level}{record.getMessage()}"


class _AboveBars(logging.Handler):
    """Writes each line to stderr above any progress bar on screen."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            tqdm.write(self.format(record), file=sys.stderr)
        except Exception:  # logging must never raise into the work it reports on
            self.handleError(record)


def configure(command: str, verbosity: int = 0) -> None:
    """Show amt's log as ``amt <command>: ...`` lines: ``verbosity`` -1 (quiet) warnings and
    errors only, 0 also progress notes, 1 also debugging detail. A training process that a
    launcher started with a RANK other than 0 shows errors only: rank 0 speaks for the group."""
    handler = _AboveBars()
    handler.setFormatter(_Lines(command))
    logger = logging.getLogger(ROOT)
    logger.handlers[:] = [handler]
    follower = os.environ.get("RANK", "0") != "0"
    logger.setLevel(logging.ERROR if follower else LEVELS[max(-1, min(1, verbosity))])
    _configured[:] = [(command, verbosity)]


def inherit() -> tuple[str, int] | None:
    """This process's log settings, for ``configure(*settings)`` in a process it spawns (a
    spawned process starts with logging as Python leaves it: INFO lines lost)."""
    return _configured[0] if _configured else None
