"""Checks every data source applies before a piece enters the raw layout.

Each failure is an AmtError of one line that names the file, raised before anything
of that piece is written.
"""

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from amt.core.audio import load_audio
from amt.core.constants import SAMPLE_RATE
from amt.core.errors import AmtError
from amt.core.notes import OFFSET, read_midi_notes

MAX_SHORTFALL_S = 1.0  # audio may end this much before the last note ...
MAX_SHORTFALL_SHARE = 0.1  # ... or this share of the MIDI's length, whichever is larger


def check_audio(audio: np.ndarray, where: str | Path) -> None:
    """Audio must hold finite samples and not be silent."""
    if not audio.size:
        raise AmtError(f"{where}: audio holds no samples")
    if not np.isfinite(audio).all():
        raise AmtError(f"{where}: audio holds NaN or infinite samples")
    if not np.abs(audio).max() > 0:
        raise AmtError(f"{where}: audio is silent")


def check_duration(
    audio_seconds: float, notes: np.ndarray, audio_where: str | Path, midi_where: str | Path
) -> None:
    """The audio must not end long before the MIDI's last note does (a mismatched or cut pair).

    The tolerance is generous (the larger of 1 s and 10 %) because a performer's final
    pedal release often comes after the recording's sound has died away.
    """
    midi_end = float(notes[:, OFFSET].max())
    if audio_seconds < midi_end - max(MAX_SHORTFALL_S, MAX_SHORTFALL_SHARE * midi_end):
        raise AmtError(
            f"{audio_where}: audio lasts {audio_seconds:.1f} s but {midi_where} plays until "
            f"{midi_end:.1f} s; pair each recording with its own MIDI"
        )


def load_pair(audio_path: Path, midi_path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read and check an audio/MIDI pair: 16 kHz mono audio and its pedal-extended notes."""
    audio = load_audio(audio_path)
    check_audio(audio, audio_path)
    notes = read_midi_notes(midi_path)
    check_duration(len(audio) / SAMPLE_RATE, notes, audio_path, midi_path)
    return audio, notes


def check_unique_ids(pieces: Iterable[tuple[str, str]], where: str | Path) -> None:
    """``pieces`` holds (piece id, file it comes from); two files with one id is an AmtError."""
    seen: dict[str, str] = {}
    for piece_id, origin in pieces:
        if piece_id in seen:
            raise AmtError(
                f"{where}: duplicate piece id {piece_id!r} ({seen[piece_id]} and {origin}); "
                "rename one of them"
            )
        seen[piece_id] = origin
