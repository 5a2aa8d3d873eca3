"""Audio I/O: any common file in, 16 kHz mono float32 out; FLAC and checksums out."""

import hashlib
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
import torchaudio.functional as AF

from amt.atomic import atomic_path
from amt.constants import SAMPLE_RATE
from amt.errors import AmtError

AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".mp3", ".aif", ".aiff")


def resample(audio: np.ndarray, rate: int, target: int = SAMPLE_RATE) -> np.ndarray:
    """Resample mono float audio from ``rate`` to ``target`` Hz with torchaudio."""
    if rate == target:
        return audio.astype(np.float32, copy=False)
    tensor = torch.from_numpy(np.ascontiguousarray(audio, dtype=np.float32))
    return AF.resample(tensor, rate, target).numpy()


def load_audio(path: str | Path, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Read an audio file as mono float32 at ``sample_rate``.

    Channels are averaged; a file that cannot be decoded or holds no samples is an
    AmtError naming the file.
    """
    path = Path(path)
    if not path.is_file():
        raise AmtError(f"{path}: audio file not found")
    try:
        audio, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError) as error:
        raise AmtError(f"{path}: cannot read audio ({error}); use wav, flac, ogg or mp3") from None
    if audio.size == 0:
        raise AmtError(f"{path}: audio file holds no samples")
    return resample(audio.mean(axis=1), rate, sample_rate)


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
