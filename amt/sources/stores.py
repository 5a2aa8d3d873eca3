"""Where a source's files come from: a directory or a local zip archive, file by file.

A store lists its file names (POSIX paths relative to its root) and lends each one as
a local path for the length of a ``with`` block. Errors raised inside that block name
the file as the user knows it (``archive.zip:member``), not a temporary copy.
"""

import contextlib
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from amt.core.errors import AmtError


class Store(Protocol):
    """A collection of named files: a directory, a local zip or a remote zip."""

    where: str

    def names(self) -> list[str]: ...

    def member_file(self, name: str) -> contextlib.AbstractContextManager[Path]: ...


class DirectoryStore:
    """The files under a directory."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.where = str(self.root)

    def names(self) -> list[str]:
        return sorted(p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file())

    @contextlib.contextmanager
    def member_file(self, name: str) -> Iterator[Path]:
        yield self.root / name


class ZipStore:
    """The members of a local zip archive, extracted one at a time to a temporary file."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.where = str(self.path)
        try:
            with zipfile.ZipFile(self.path) as archive:
                self._names = sorted(info.filename for info in archive.infolist() if not info.is_dir())
        except (zipfile.BadZipFile, OSError) as error:
            raise AmtError(f"{self.path}: cannot read the zip archive ({error})") from None

    def names(self) -> list[str]:
        return list(self._names)

    @contextlib.contextmanager
    def member_file(self, name: str) -> Iterator[Path]:
        shown = f"{self.path}:{name}"
        with tempfile.TemporaryDirectory(prefix="amt-zip-") as scratch:
            target = Path(scratch) / Path(name).name
            try:
                with (
                    zipfile.ZipFile(self.path) as archive,
                    archive.open(name) as src,
                    open(target, "wb") as dst,
                ):
                    shutil.copyfileobj(src, dst, 1 << 20)
            except (zipfile.BadZipFile, zlib.error, EOFError) as error:
                raise AmtError(f"{shown}: corrupt zip member ({error}); re-download the archive") from None
            with renamed_errors(target, shown):
                yield target


@contextlib.contextmanager
def renamed_errors(path: Path, shown: str) -> Iterator[None]:
    """Re-raise AmtErrors that mention ``path`` so that they name ``shown`` instead."""
    try:
        yield
    except AmtError as error:
        raise AmtError(str(error).replace(str(path), shown)) from None


def open_store(path: str | Path, parameter: str) -> Store:
    """A directory or a zip file as a store; a missing path is an AmtError naming ``parameter``,
    what the user set it with (``params.yaml data.local.path``, ``amt evaluate's PATH``)."""
    path = Path(path)
    if path.is_dir():
        return DirectoryStore(path)
    if path.is_file():
        return ZipStore(path)
    raise AmtError(f"{path}: not found; set {parameter} to a directory or a zip file")
