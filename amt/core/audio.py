"""Audio I/O: any common file in (whole or block by block), 16 kHz mono float32 out; FLAC
and checksums out."""

import contextlib
import hashlib
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
import torchaudio.functional as AF

from amt.core.atomic import atomic_path
from amt.core.constants import SAMPLE_RATE
from amt.core.errors import AmtError

AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".mp3", ".aif", ".aiff")
BLOCK_SECONDS = 10.0  # of the file's own audio, read at a time
RESAMPLE_CONTEXT = 4096  # input samples around each resampled core: more than the sinc kernel's reach


def resample(audio: np.ndarray, rate: int, target: int = SAMPLE_RATE) -> np.ndarray:
    """Resample mono float audio from ``rate`` to ``target`` Hz with torchaudio."""
    if rate == target:
        return audio.astype(np.float32, copy=False)
    tensor = torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32))
    return AF.resample(tensor, rate, target).numpy()


class BlockResampler:
    """torchaudio's resampling of a whole signal, fed and returned block by block.

    The signal is resampled in cores whose length is a multiple of the input period (the
    rate's share after dividing out the common divisor), each with RESAMPLE_CONTEXT
    samples of real signal around it, so every output sample sees what it would see in
    the whole signal; the first and last see the same zeros.
    """

    def __init__(self, rate: int, target: int = SAMPLE_RATE):
        self.rate, self.target = rate, target
        self.period = rate // math.gcd(rate, target)
        self.context = self.period * (math.ceil(RESAMPLE_CONTEXT / self.period) + 1)
        self.history = np.zeros(self.context, np.float32)
        self.pending = np.zeros(0, np.float32)

    def push(self, block: np.ndarray) -> np.ndarray:
        """Resampled audio for ``block`` and what came before it, as far as it is settled."""
        if self.rate == self.target:
            return block.astype(np.float32, copy=False)
        self.pending = np.concatenate([self.pending, block.astype(np.float32, copy=False)])
        core = (len(self.pending) - self.context) // self.period * self.period
        if core <= 0:
            return np.zeros(0, np.float32)
        out = self._resample(self.pending[: core + self.context], core)
        self.history = np.concatenate([self.history, self.pending[:core]])[-self.context :]
        self.pending = self.pending[core:]
        return out

    def flush(self) -> np.ndarray:
        """The rest of the signal, once its last block has been pushed."""
        if self.rate == self.target:
            return np.zeros(0, np.float32)
        tail = np.concatenate([self.pending, np.zeros(self.context, np.float32)])
        return self._resample(tail, len(self.pending))

    def _resample(self, following: np.ndarray, core: int) -> np.ndarray:
        """The output of the ``core`` samples at the start of ``following`` (after the history)."""
        out = resample(np.concatenate([self.history, following]), self.rate, self.target)
        first = self.context * self.target // self.rate
        return out[first : first + math.ceil(core * self.target / self.rate)]


def audio_blocks(
    path: str | Path, sample_rate: int = SAMPLE_RATE, block_seconds: float = BLOCK_SECONDS
) -> Iterator[np.ndarray]:
    """An audio file as consecutive blocks of mono float32 at ``sample_rate`` (channels
    averaged), read, mixed and resampled one block at a time, so that memory does not
    grow with the recording's length. A file that cannot be opened or decoded is an
    AmtError naming it; the blocks may be empty.
    """
    path = Path(path)
    with _open_sound(path) as sound:
        resampler = BlockResampler(sound.samplerate, sample_rate)
        blocks = sound.blocks(max(1, int(block_seconds * sound.samplerate)), dtype="float32", always_2d=True)
        try:
            for block in blocks:
                yield resampler.push(block.mean(axis=1))
        except (sf.LibsndfileError, RuntimeError) as error:
            raise AmtError(f"{path}: cannot decode audio ({error})") from None
        yield resampler.flush()


@contextlib.contextmanager
def _open_sound(path: Path) -> Iterator[sf.SoundFile]:
    if path.exists() and not (path.is_file() or path.is_dir()):  # a FIFO's open() waits for a writer
        raise AmtError(f"{path}: not a regular file (a FIFO, socket or device); give an audio file")
    try:
        with open(path, "rb"):  # the system's own words for a missing or unreadable file
            pass
    except FileNotFoundError:
        raise AmtError(f"{path}: audio file not found") from None
    except OSError as error:  # a folder, no permission, ...
        raise AmtError(f"{path}: cannot open audio file ({error.strerror})") from None
    try:
        # by name, not through a Python file object: libsndfile would read that through cffi
        # callbacks, which swallow a Ctrl-C that arrives while they run
        sound = sf.SoundFile(str(path))
    except (sf.LibsndfileError, RuntimeError, TypeError) as error:
        raise AmtError(f"{path}: cannot read audio ({error}); use wav, flac, ogg or mp3") from None
    with sound:
        yield sound


def audio_seconds(path: str | Path) -> float:
    """A recording's length in seconds, from its header."""
    with _open_sound(Path(path)) as sound:
        return sound.frames / sound.samplerate


def load_audio(path: str | Path, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Read an audio file as mono float32 at ``sample_rate``.

    Channels are averaged; a file that cannot be decoded or holds no samples is an
    AmtError naming the file.
    """
    audio = np.concatenate(list(audio_blocks(path, sample_rate)))
    if audio.size == 0:
        raise AmtError(f"{path}: audio file holds no samples")
    return audio


def save_flac(path: str | Path, audio: np.ndarray, sample_rate: int = SAMPLE_RATE) -> None:
    """Write mono float audio in [-1, 1] as 16-bit FLAC, atomically."""
    with atomic_path(path, suffix=".flac") as tmp:
        sf.write(str(tmp), np.clip(audio, -1.0, 1.0), sample_rate, subtype="PCM_16", format="FLAC")


def to_int16(audio: np.ndarray) -> np.ndarray:
    """Float audio in [-1, 1] to int16 PCM (clipped)."""
    return np.round(np.clip(audio, -1.0, 1.0) * 32767.0).astype(np.int16)


def from_int16(audio: np.ndarray) -> np.ndarray:
    """int16 PCM to float32 in [-1, 1]."""
    return audio.astype(np.float32) / 32767.0


def sha256(path: str | Path, chunk_size: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()
