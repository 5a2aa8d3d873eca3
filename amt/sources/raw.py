"""Writing one piece into the raw layout: ``<split>/<id>.flac``, ``<split>/<id>.mid`` and its metadata row."""

from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from amt.core import atomic
from amt.core.audio import save_flac, sha256
from amt.core.checks import load_pair
from amt.core.constants import SAMPLE_RATE
from amt.sources.stores import Store


def write_piece(
    raw_dir: Path,
    *,
    piece_id: str,
    split: str,
    audio: np.ndarray,
    midi_bytes: bytes,
    source: str,
    composer: str = "",
    title: str = "",
    soundfont: str = "",
    preset: str = "",
) -> dict:
    """Write 16 kHz mono ``audio`` as FLAC and ``midi_bytes`` as-is, atomically; return the metadata row."""
    audio_filename, midi_filename = f"{split}/{piece_id}.flac", f"{split}/{piece_id}.mid"
    save_flac(raw_dir / audio_filename, audio)
    atomic.write_bytes(raw_dir / midi_filename, midi_bytes)
    return {
        "id": piece_id,
        "split": split,
        "composer": composer,
        "title": title,
        "source": source,
        "soundfont": soundfont,
        "preset": preset,
        "duration": round(len(audio) / SAMPLE_RATE, 3),
        "audio_filename": audio_filename,
        "midi_filename": midi_filename,
        "audio_sha256": sha256(raw_dir / audio_filename),
        "midi_sha256": sha256(raw_dir / midi_filename),
    }


def import_pair(raw_dir: Path, store: Store, audio_name: str, midi_name: str, **fields) -> dict:
    """Check the store's audio/MIDI pair, then write it as a piece (``fields`` as in write_piece)."""
    with store.member_file(audio_name) as audio_path, store.member_file(midi_name) as midi_path:
        audio, _ = load_pair(audio_path, midi_path)
        return write_piece(raw_dir, audio=audio, midi_bytes=midi_path.read_bytes(), **fields)


def import_table(raw_dir: Path, store: Store, pieces: pd.DataFrame, source: str) -> list[dict]:
    """``import_pair`` for every row of ``pieces`` (columns id, split, audio, midi, composer, title)."""
    return [
        import_pair(
            Path(raw_dir),
            store,
            piece.audio,
            piece.midi,
            piece_id=piece.id,
            split=piece.split,
            source=source,
            composer=piece.composer,
            title=piece.title,
        )
        for piece in tqdm(list(pieces.itertuples()), desc=f"{source} pieces", unit="piece")
    ]
