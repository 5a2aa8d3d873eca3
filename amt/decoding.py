"""Onset and frame probability rolls to a note list, the Onsets and Frames way, at
thresholds that are checked here wherever they come from (params, a file, a flag).

A note starts on the rising edge of the thresholded onset roll (consecutive onset
frames merge into one onset) and lasts while its onset or frame probability stays above
threshold. It ends at the first frame where both are below, or where a new onset of the
same pitch starts (a re-strike), or at the end of the roll. Onset and offset times are
the centres of the start and end frames, which inverts ``amt.notes.notes_to_rolls``.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from amt.constants import HEADS, MIN_MIDI, N_KEYS, frame_to_time
from amt.errors import AmtError
from amt.notes import VELOCITY, make_notes
from amt.velocity import velocities_from_bands

# Decoded notes carry this velocity when no velocity roll is given; `amt transcribe`
# replaces it with amt.velocity.estimate_velocities.
DEFAULT_VELOCITY = 64
MAX_VELOCITY = 127


def decode_notes(
    onset_prob: np.ndarray,
    frame_prob: np.ndarray,
    onset_threshold: float,
    frame_threshold: float,
    velocity: np.ndarray | None = None,
) -> np.ndarray:
    """Note array (N, 4) in seconds from [T, 88] onset and frame probabilities.

    ``velocity``, when given, is a [T, 88] roll in 0..1 (a velocity head's output, i.e.
    MIDI velocity / 127); each note takes ``round(127 * v)`` at its onset frame, kept
    within 1..127. Without it every note gets DEFAULT_VELOCITY.
    """
    _check_rolls(onset_prob, frame_prob, velocity)
    onset = onset_prob > onset_threshold
    starts = onset & ~np.vstack([np.zeros((1, N_KEYS), bool), onset[:-1]])
    stops = ~(onset | (frame_prob > frame_threshold)) | starts
    start_frames, keys = np.nonzero(starts)
    end_frames = _next_stops(stops, start_frames, keys)
    if velocity is None:
        velocities = np.full(len(keys), DEFAULT_VELOCITY, np.float64)
    else:
        scaled = np.rint(velocity[start_frames, keys] * MAX_VELOCITY)
        velocities = np.clip(scaled, 1, MAX_VELOCITY)
    return make_notes(
        np.column_stack([frame_to_time(start_frames), frame_to_time(end_frames), keys + MIN_MIDI, velocities])
    )


def threshold(value: Any, name: str) -> float:
    """A decoding threshold: a number strictly between 0 and 1 (NaN and strings are refused).

    ``name`` says where the value came from: a params key, a file's key or a flag.
    """
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise AmtError(f"{name} must be a number between 0 and 1 (both excluded), got {value!r}")
    return float(value)


def threshold_grid(values: Any, name: str = "params.yaml: evaluate.threshold_grid") -> list[float]:
    """The thresholds tried when tuning: a non-empty list of valid thresholds."""
    if not isinstance(values, list) or not values:
        raise AmtError(f"{name} must be a non-empty list of numbers between 0 and 1, got {values!r}")
    return [threshold(value, f"{name} entry") for value in values]


@dataclass
class Thresholds:
    onset: float
    frame: float

    @classmethod
    def from_settings(
        cls, settings: Mapping[str, Any], source: str = "params.yaml: evaluate."
    ) -> "Thresholds":
        """The ``onset_threshold`` and ``frame_threshold`` of ``settings``, checked; an error
        names the key after ``source``."""
        return cls(
            *(threshold(settings.get(f"{head}_threshold"), f"{source}{head}_threshold") for head in HEADS)
        )


def decoded(probs: Mapping[str, np.ndarray], thresholds: Thresholds) -> np.ndarray:
    """Notes decoded from onset and frame probabilities at ``thresholds``."""
    return decode_notes(probs["onset"], probs["frame"], thresholds.onset, thresholds.frame)


def notes_from(probs: Mapping[str, np.ndarray], bands: np.ndarray, thresholds: Thresholds) -> np.ndarray:
    """Decoded notes with velocities estimated from the onset strength in the audio's
    ``amt.velocity.band_power``."""
    notes = decoded(probs, thresholds)
    notes[:, VELOCITY] = velocities_from_bands(notes, bands)
    return notes


def _next_stops(stops: np.ndarray, start_frames: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """For each (start frame, key), the first stop frame after it in that key (T if none).

    The roll is laid out key by key with a stop sentinel after each key's last frame, so
    one searchsorted over the flat stop positions finds every end without crossing keys.
    """
    frames = len(stops)
    with_sentinel = np.hstack([stops.T, np.ones((N_KEYS, 1), bool)])
    stop_positions = np.flatnonzero(with_sentinel)
    key_base = keys * (frames + 1)
    following = np.searchsorted(stop_positions, key_base + start_frames, side="right")
    return stop_positions[following] - key_base


def _check_rolls(onset_prob: np.ndarray, frame_prob: np.ndarray, velocity: np.ndarray | None) -> None:
    """Raise ValueError unless the rolls are matching [T, 88] arrays."""
    shapes = [roll.shape for roll in (onset_prob, frame_prob, velocity) if roll is not None]
    if onset_prob.ndim != 2 or onset_prob.shape[1] != N_KEYS or len(set(shapes)) != 1:
        raise ValueError(f"decode_notes needs matching [T, {N_KEYS}] rolls, got shapes {shapes}")
