"""What every stage entry point shares: load and validate params.yaml, check the tracking
store when the stage uses it, run, turn AmtError (and a full disk) into one line."""

import logging
import os
import sys
from collections.abc import Callable

from amt.config import Config, load_config
from amt.core.disk import disk_full, is_disk_full
from amt.core.errors import AmtError
from amt.core.log import configure

log = logging.getLogger(__name__)

INTERRUPTED_EXIT = 130


def run_stage(name: str, main: Callable[[Config], None], tracked: bool = False) -> None:
    """Call ``main(config)`` (``tracked``: once the MLflow store is known to be usable, by
    the process that uses it: under torchrun rank 0); report user errors and Ctrl-C as one
    line and exit non-zero."""
    configure(name)
    try:
        config = load_config()
        if tracked and os.environ.get("RANK", "0") == "0":
            from amt.core.store import check_store  # MLflow loads in seconds: only stages that use it

            check_store(config.tracking)
        main(config)
    except AmtError as error:
        log.error("%s", error)
        sys.exit(1)
    except OSError as error:
        if not is_disk_full(error):
            raise
        log.error("%s", disk_full(error.filename or os.getcwd()))
        sys.exit(1)
    except KeyboardInterrupt:
        log.warning("interrupted; completed files are kept, re-run to finish")
        sys.exit(INTERRUPTED_EXIT)
