"""A full disk as one line: the file that could not be written and the space left where it goes."""

import contextlib
import errno
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from amt.core.errors import AmtError

NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})


def is_disk_full(error: BaseException) -> bool:
    """Whether ``error`` says the disk (or the user's quota) is full."""
    return isinstance(error, OSError) and error.errno in NO_SPACE


def free_mib(path: str | Path) -> float:
    """MiB free on the file system that holds ``path`` (or its nearest existing folder)."""
    place = Path(path).absolute()
    while not place.exists() and place != place.parent:
        place = place.parent
    return shutil.disk_usage(place).free / 2**20


def unwritable(folder: str | Path) -> str | None:
    """Why ``folder`` takes no new file (the system's words), or None when it does."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        return error.strerror
    return None


def disk_full(path: str | Path, needed_bytes: int | None = None) -> AmtError:
    """The one-line error for a write to ``path`` that found the disk full."""
    needed = f"; it needs about {needed_bytes / 2**20:.0f} MiB" if needed_bytes else ""
    return AmtError(
        f"{path}: no space left on the device ({free_mib(path):.0f} MiB free there{needed}); "
        "nothing half-written was kept: free some space and run again"
    )


@contextlib.contextmanager
def writing(path: str | Path) -> Iterator[None]:
    """Turn a full disk met in the block into ``disk_full(path)``; other errors pass."""
    try:
        yield
    except OSError as error:
        if is_disk_full(error):
            raise disk_full(path) from None
        raise
