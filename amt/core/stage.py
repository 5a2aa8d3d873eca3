"""What every stage entry point shares: load and validate params.yaml, run, turn AmtError into one line."""

import logging
import sys
from collections.abc import Callable

from amt.config import Config, load_config
from amt.core.errors import AmtError
from amt.core.log import configure

log = logging.getLogger(__name__)

INTERRUPTED_EXIT = 130


def run_stage(name: str, main: Callable[[Config], None]) -> None:
    """Call ``main(config)``; report user errors and Ctrl-C as one line and exit non-zero."""
    configure(name)
    try:
        main(load_config())
    except AmtError as error:
        log.error("%s", error)
        sys.exit(1)
    except KeyboardInterrupt:
        log.warning("interrupted; completed files are kept, re-run to finish")
        sys.exit(INTERRUPTED_EXIT)
