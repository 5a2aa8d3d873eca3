"""What every stage entry point shares: load params, run, turn AmtError into one line."""

import sys
from collections.abc import Callable
from typing import Any

from amt.core.errors import AmtError
from amt.core.params import load_params

INTERRUPTED_EXIT = 130


def run_stage(name: str, main: Callable[[dict[str, Any]], None]) -> None:
    """Call ``main(params)``; report user errors and Ctrl-C as one line and exit non-zero."""
    try:
        main(load_params())
    except AmtError as error:
        print(f"amt {name}: error: {error}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print(f"amt {name}: interrupted; completed files are kept, re-run to finish", file=sys.stderr)
        sys.exit(INTERRUPTED_EXIT)
