"""Atomic file writes: a temp file in the target's directory, renamed into place.

A process killed at any point leaves either the old file, the complete new one, or a
``*.tmp-*`` file that no reader trusts (readers only open final names).
"""

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from amt.core.disk import writing

TMP_MARKER = ".tmp-"


def _file_mode() -> int:
    """0666 less the process umask: the mode ``open()`` would give a new file."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


_FILE_MODE = _file_mode()


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success rename it onto ``path``.

    ``suffix`` keeps the extension on the temp name for writers that infer the format
    from it (soundfile, numpy's ``savez``). A full disk is an AmtError naming ``path``,
    and the temp file is gone.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.name}{TMP_MARKER}", suffix=suffix or target.suffix, dir=target.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    os.chmod(tmp, _FILE_MODE)  # mkstemp makes 0600; final files get the usual mode
    try:
        with writing(target):
            yield tmp
            os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    write_bytes(path, text.encode("utf-8"))


def remove_stale_temps(directory: str | os.PathLike) -> int:
    """Delete temp files left by killed writers under ``directory``; return how many."""
    removed = 0
    for tmp in Path(directory).rglob(f"*{TMP_MARKER}*"):
        if tmp.is_file():
            tmp.unlink()
            removed += 1
    return removed
