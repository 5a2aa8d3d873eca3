"""Child processes that never outlive their parent."""

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with(parent: int) -> None:
    """Have the kernel kill this process when ``parent`` dies (Linux only).

    Called first thing in a child (a pool initializer, a training process): a parent
    killed outright (kill -9) runs no clean-up, and a child blocked on a pipe would live on.
    """
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # it died before the request
            os._exit(1)
