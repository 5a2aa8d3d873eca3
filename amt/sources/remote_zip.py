"""Single members of a remote zip archive, fetched with HTTP range requests.

MAESTRO is one 101 GB zip; a subset needs a few GB of it. The central directory is read
through a seekable range-request file (the standard ``zipfile`` parses it, ZIP64
included); each member's compressed bytes are then fetched into ``<member>.part`` in a
download folder, resuming from the bytes already there, inflated and checked against the
CRC-32 and size of the central directory. A verified member is kept in the download
folder, so a re-run (or another subset) does not fetch it again.

Plain ``urllib`` rather than fsspec: one synchronous streaming request per member, with
explicit retries, and no event loop.
"""

import contextlib
import http.client
import io
import logging
import struct
import time
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath
from typing import TypeVar

from tqdm import tqdm

from amt.core.atomic import atomic_path
from amt.core.errors import AmtError

log = logging.getLogger(__name__)

RETRIES = 5
BACKOFF_S = 1.0  # doubled after each failed attempt
TIMEOUT_S = 30.0  # of silence on a socket, not of a whole transfer
STALLED_ATTEMPTS = 2
CHUNK = 1 << 20
TRANSIENT_HTTP = {408, 429, 500, 502, 503, 504}
LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, ..., file name length, extra field length
LOCAL_SIGNATURE = b"PK\x03\x04"
COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)

T = TypeVar("T")


class RemoteZipStore:
    """The members of the zip archive at ``url``; fetched members live under ``downloads``."""

    def __init__(self, url: str, downloads: Path):
        self.url = url
        self.where = url
        self.downloads = Path(downloads)
        reader = RangeReader(url, _with_retries(url, lambda: _content_length(url)))
        try:
            infos = zipfile.ZipFile(reader).infolist()
        except zipfile.BadZipFile as error:
            raise AmtError(f"{url}: not a zip archive ({error}); check data.maestro.url") from None
        self._infos = {info.filename: info for info in infos if not info.is_dir()}

    def names(self) -> list[str]:
        return sorted(self._infos)

    @contextlib.contextmanager
    def member_file(self, name: str) -> Iterator[Path]:
        """The verified member, fetched first unless an earlier run kept it."""
        info = self._infos[name]
        if ".." in PurePosixPath(name).parts or PurePosixPath(name).is_absolute():
            raise AmtError(f"{self.url}: refusing member {name!r} that points outside the download folder")
        target = self.downloads / name
        if not target.exists():
            part = target.with_name(target.name + ".part")
            self._download(info, part)
            self._inflate(info, part, target)
        yield target

    def _download(self, info: zipfile.ZipInfo, part: Path) -> None:
        """Fetch the member's compressed bytes into ``part``, resuming after interruptions."""
        if info.compress_type not in COMPRESSIONS:
            raise AmtError(
                f"{self.url}: member {info.filename} uses unsupported compression {info.compress_type}"
            )
        part.parent.mkdir(parents=True, exist_ok=True)
        part.touch()
        total, have = info.compress_size, part.stat().st_size
        if have > total:
            part.write_bytes(b"")
            have = 0
        if have == total:
            return
        start = self._data_offset(info)
        with tqdm(
            total=total,
            initial=have,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            desc=Path(info.filename).name,
        ) as bar:

            def attempt() -> None:
                have = part.stat().st_size
                if have < total:
                    with (
                        _open_range(self.url, start + have, start + total) as response,
                        open(part, "ab") as out,
                    ):
                        for chunk in iter(lambda: response.read(CHUNK), b""):
                            out.write(chunk)
                            bar.update(len(chunk))
                if part.stat().st_size < total:
                    raise ConnectionError(f"connection closed at byte {part.stat().st_size} of {total}")

            _with_retries(self.url, attempt, progress=lambda: part.stat().st_size)

    def _data_offset(self, info: zipfile.ZipInfo) -> int:
        """Where the member's compressed bytes start: after its local header."""
        header = read_range(self.url, info.header_offset, info.header_offset + LOCAL_HEADER.size)
        signature, name_length, extra_length = LOCAL_HEADER.unpack(header)
        if signature != LOCAL_SIGNATURE:
            raise AmtError(f"{self.url}: member {info.filename} has no local header; the archive is corrupt")
        return info.header_offset + LOCAL_HEADER.size + name_length + extra_length

    def _inflate(self, info: zipfile.ZipInfo, part: Path, target: Path) -> None:
        """Decompress ``part`` into ``target`` atomically; a CRC or size mismatch drops ``part``."""
        try:
            with atomic_path(target) as tmp:
                crc, size = _decompress(part, tmp, info.compress_type)
                if (crc, size) != (info.CRC, info.file_size):
                    raise ValueError(
                        f"CRC-32 {crc:08x} and size {size}, expected {info.CRC:08x} and {info.file_size}"
                    )
        except (zlib.error, ValueError) as error:
            part.unlink(missing_ok=True)
            raise AmtError(
                f"{self.url}: member {info.filename} is corrupt ({error}); re-run to download it again"
            ) from None
        part.unlink()


def _decompress(source: Path, target: Path, compression: int) -> tuple[int, int]:
    """Inflate (or copy, for stored members) ``source`` into ``target``; return CRC-32 and size."""
    crc, size = 0, 0
    with open(source, "rb") as src, open(target, "wb") as dst:
        for data in _inflated_chunks(src, compression):
            crc, size = zlib.crc32(data, crc), size + len(data)
            dst.write(data)
    return crc, size


def _inflated_chunks(src: io.BufferedReader, compression: int) -> Iterator[bytes]:
    inflater = zlib.decompressobj(-zlib.MAX_WBITS) if compression == zipfile.ZIP_DEFLATED else None
    for chunk in iter(lambda: src.read(CHUNK), b""):
        yield inflater.decompress(chunk) if inflater else chunk
    if inflater:
        yield inflater.flush()


class RangeReader(io.RawIOBase):
    """A read-only, seekable file over HTTP range requests (what ``zipfile`` needs)."""

    def __init__(self, url: str, size: int):
        self.url, self.size, self.position = url, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence]
        self.position = max(0, base + offset)
        return self.position

    def read(self, size: int = -1) -> bytes:
        end = self.size if size is None or size < 0 else min(self.size, self.position + size)
        if end <= self.position:
            return b""
        data = read_range(self.url, self.position, end)
        self.position = end
        return data

    def readall(self) -> bytes:
        return self.read()

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def read_range(url: str, start: int, end: int) -> bytes:
    """Bytes ``start`` to ``end`` (exclusive) of ``url``, with retries."""

    def attempt() -> bytes:
        with _open_range(url, start, end) as response:
            data = response.read()
        if len(data) != end - start:
            raise ConnectionError(f"got {len(data)} of {end - start} bytes")
        return data

    return _with_retries(url, attempt)


def _open_range(url: str, start: int, end: int) -> http.client.HTTPResponse:
    request = urllib.request.Request(url, headers={"Range": f"bytes={start}-{end - 1}"})
    response = urllib.request.urlopen(request, timeout=TIMEOUT_S)
    if response.status != 206:
        response.close()
        raise AmtError(
            f"{url}: the server ignores HTTP range requests; set data.maestro.archive to a local copy"
        )
    return response


def _content_length(url: str) -> int:
    with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=TIMEOUT_S) as response:
        length = response.headers.get("Content-Length")
    if length is None:
        raise AmtError(f"{url}: the server does not report the archive's size; set data.maestro.archive")
    return int(length)


def _with_retries(url: str, action: Callable[[], T], progress: Callable[[], int] = lambda: 0) -> T:
    """Run ``action``, retrying transient network failures with exponential backoff.

    Each retry is announced. A server that accepts the connection but sends nothing is
    given up on after STALLED_ATTEMPTS silent timeouts in a row (``progress``, a count of
    bytes received so far, tells a slow transfer from a silent one).
    """
    stalls, received = 0, progress()
    for attempt in range(1, RETRIES + 1):
        try:
            return action()
        except urllib.error.HTTPError as error:
            if error.code not in TRANSIENT_HTTP:
                raise AmtError(f"{url}: HTTP {error.code} {error.reason}; check data.maestro.url") from None
            failure: Exception = error
        except (OSError, http.client.HTTPException) as error:
            failure = error
        moved, received = progress() != received, progress()
        stalls = 0 if moved or not _timed_out(failure) else stalls + 1
        if stalls >= STALLED_ATTEMPTS:
            raise AmtError(
                f"{url}: the server sent nothing for {stalls} x {TIMEOUT_S:g} s; "
                "check the address and the network, then re-run (it resumes)"
            )
        if attempt < RETRIES:
            wait = BACKOFF_S * 2 ** (attempt - 1)
            log.warning("attempt %d of %d failed (%s); retrying in %.0f s", attempt, RETRIES, failure, wait)
            time.sleep(wait)
    raise AmtError(
        f"{url}: download failed after {RETRIES} attempts ({failure}); "
        "check the network and re-run (it resumes)"
    )


def _timed_out(error: Exception) -> bool:
    """Whether ``error`` is a socket timeout, bare or wrapped by urllib."""
    return isinstance(error, TimeoutError) or isinstance(getattr(error, "reason", None), TimeoutError)
