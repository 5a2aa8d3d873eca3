"""An ``.npz`` written while its large arrays arrive block by block.

``np.savez`` needs every array whole. Here each streamed array (a [T, 88] probability roll)
goes, block of rows by block of rows, to an anonymous temporary file beside the target; the
archive is then assembled from those files in numpy's own npz layout (a zip of ``.npy``
members, deflated as ``np.savez_compressed`` does) and renamed into place. Nothing the
size of a roll is held in memory, and an interrupted run leaves no file behind.
"""

import shutil
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

import numpy as np

from amt.core.atomic import atomic_path
from amt.core.disk import writing

COPY_BYTES = 1 << 22


class StreamedNpz:
    """The archive ``path``: arrays ``streamed`` ([rows, columns] of ``dtype``) arrive through
    ``append``; ``write`` adds the small whole arrays and writes it."""

    def __init__(self, path: Path, streamed: Sequence[str], columns: int, dtype: type = np.float32):
        self.path, self.columns, self.dtype = Path(path), columns, np.dtype(dtype)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # closed (and so deleted) by close(); unlinked from the start, so even kill -9 leaves none
        self.files = {name: tempfile.TemporaryFile(dir=self.path.parent) for name in streamed}  # noqa: SIM115
        self.rows = dict.fromkeys(streamed, 0)

    def append(self, blocks: Mapping[str, np.ndarray]) -> None:
        """The next rows of each streamed array."""
        for name, block in blocks.items():
            if block.ndim != 2 or block.shape[1] != self.columns:
                raise ValueError(f"{name}: expected [rows, {self.columns}] blocks, got {block.shape}")
            with writing(self.path):
                self.files[name].write(np.ascontiguousarray(block, self.dtype).tobytes())
            self.rows[name] += len(block)

    def write(self, **whole: np.ndarray) -> None:
        """Write the archive atomically: the ``whole`` arrays, then every streamed one."""
        with (
            atomic_path(self.path, suffix=".npz") as tmp,
            zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive,
        ):
            for name, array in whole.items():
                with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                    np.lib.format.write_array(member, np.asanyarray(array))
            for name, handle in self.files.items():
                with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                    np.lib.format.write_array_header_1_0(member, self._header(name))
                    handle.seek(0)
                    shutil.copyfileobj(handle, member, COPY_BYTES)

    def _header(self, name: str) -> dict:
        shape = (self.rows[name], self.columns)
        return {"descr": np.lib.format.dtype_to_descr(self.dtype), "fortran_order": False, "shape": shape}

    def close(self) -> None:
        for handle in self.files.values():
            handle.close()

    def __enter__(self) -> "StreamedNpz":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
