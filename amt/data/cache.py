"""The pianoroll cache: one ``.npz`` per piece, plus a manifest that indexes them.

Each ``<cache>/<split>/<id>.npz`` holds ``audio`` (int16, 16 kHz mono), the ``frame``,
``onset``, ``offset`` and ``velocity`` rolls (uint8, frames x 88, see amt.core.notes), the
pedal-extended ``notes`` (float64, N x 4) and the ``sample_rate``/``hop_length`` it was
made with. ``manifest.json`` lists every piece with its sizes (the npz's bytes among
them, so that a truncated file is named before anything reads it); its hash is the data
fingerprint that tracking records.
"""

import hashlib
import json
import os
import zipfile
import zlib
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from amt.core import atomic
from amt.core.audio import to_int16
from amt.core.checks import load_pair
from amt.core.constants import HOP_LENGTH, SAMPLE_RATE, n_frames
from amt.core.errors import AmtError
from amt.core.metadata import read_metadata
from amt.core.notes import OFFSET, notes_to_rolls
from amt.core.processes import die_with

MANIFEST_FILE = "manifest.json"
REBUILD = "rebuild the cache (dvc repro -f cache)"


def cache_piece(audio_path: Path, midi_path: Path, out_path: Path) -> dict:
    """Write the npz of one piece atomically; return its manifest entry (without id/split)."""
    audio, notes = load_pair(audio_path, midi_path)
    notes[:, OFFSET] = np.minimum(notes[:, OFFSET], len(audio) / SAMPLE_RATE)
    rolls = notes_to_rolls(notes, n_frames(len(audio)))
    with atomic.atomic_path(out_path, suffix=".npz") as tmp:
        np.savez(
            tmp, audio=to_int16(audio), notes=notes, sample_rate=SAMPLE_RATE, hop_length=HOP_LENGTH, **rolls
        )
    return {
        "samples": len(audio),
        "frames": n_frames(len(audio)),
        "notes": len(notes),
        "bytes": out_path.stat().st_size,
    }


def _cache_row(job: tuple[Path, dict, Path]) -> dict:
    raw_dir, row, cache_dir = job
    file = f"{row['split']}/{row['id']}.npz"
    entry = cache_piece(raw_dir / row["audio_filename"], raw_dir / row["midi_filename"], cache_dir / file)
    source = {key: row[key] for key in ("audio_sha256", "midi_sha256")}
    return {"id": row["id"], "split": row["split"], "file": file, **entry, **source}


def build_cache(raw_dir: str | Path, cache_dir: str | Path, workers: int = 2) -> Path:
    """Cache every piece of the raw layout in ``raw_dir``; return the manifest path."""
    raw_dir, cache_dir = Path(raw_dir), Path(cache_dir)
    table = read_metadata(raw_dir)
    (cache_dir / MANIFEST_FILE).unlink(missing_ok=True)  # an unfinished rebuild leaves no index to trust
    jobs = [(raw_dir, row, cache_dir) for row in table.to_dict("records")]
    pool = ProcessPoolExecutor(max_workers=max(1, workers), initializer=die_with, initargs=(os.getpid(),))
    try:
        entries = list(tqdm(pool.map(_cache_row, jobs), total=len(jobs), desc="cache", unit="piece"))
    finally:
        pool.shutdown(cancel_futures=True)  # after an error, the pieces not started are not made
    manifest = {"sample_rate": SAMPLE_RATE, "hop_length": HOP_LENGTH, "pieces": entries}
    path = cache_dir / MANIFEST_FILE
    atomic.write_text(path, json.dumps(manifest, indent=1))
    return path


def read_manifest(cache_dir: str | Path) -> dict:
    """The cache manifest, checked against this code's audio settings."""
    path = Path(cache_dir) / MANIFEST_FILE
    if not path.exists():
        raise AmtError(f"{path}: not found; build the cache first (dvc repro cache)")
    manifest = json.loads(path.read_text())
    settings = (manifest.get("sample_rate"), manifest.get("hop_length"))
    if settings != (SAMPLE_RATE, HOP_LENGTH):
        raise AmtError(
            f"{path}: cache made at {settings[0]} Hz / hop {settings[1]}, but the models expect "
            f"{SAMPLE_RATE} Hz / hop {HOP_LENGTH}; rebuild it (dvc repro -f cache)"
        )
    return manifest


def pieces(cache_dir: str | Path, split: str) -> pd.DataFrame:
    """Manifest rows of one split (id, file, samples, frames, notes, bytes, checksums), after
    checking that each file is there at the size the manifest records."""
    table = pd.DataFrame(read_manifest(cache_dir)["pieces"])
    chosen = table[table["split"] == split].reset_index(drop=True)
    if chosen.empty:
        raise AmtError(f"{Path(cache_dir) / MANIFEST_FILE}: the {split} split has no pieces")
    if "bytes" not in chosen:
        raise AmtError(f"{Path(cache_dir) / MANIFEST_FILE}: made by an older amt (no file sizes); {REBUILD}")
    for file, size in zip(chosen["file"], chosen["bytes"], strict=True):
        _check_size(Path(cache_dir) / file, size)
    return chosen


def _check_size(path: Path, size: int) -> None:
    try:
        actual = path.stat().st_size
    except OSError as error:
        raise AmtError(f"{path}: cache file unreadable ({error.strerror}); {REBUILD}") from None
    if actual != size:
        raise AmtError(f"{path}: cache file is damaged ({actual} bytes, the manifest says {size}); {REBUILD}")


def read_piece(path: str | Path, names: Iterable[str]) -> dict[str, np.ndarray]:
    """The arrays ``names`` of a cached piece; a damaged file is an AmtError naming it."""
    try:
        with np.load(path) as data:
            return {name: data[name] for name in names}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise AmtError(f"{path}: cache file is damaged ({reason}); {REBUILD}") from None


def fingerprint(cache_dir: str | Path) -> str:
    """Short hash of the manifest: equal fingerprints mean the same pieces and labels."""
    text = (Path(cache_dir) / MANIFEST_FILE).read_bytes()
    return hashlib.sha256(text).hexdigest()[:12]
