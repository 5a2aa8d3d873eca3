"""Onset and frame probability rolls to a note list, the Onsets and Frames way, at
thresholds checked by ``amt.config.reader.threshold`` wherever they come from (params, a
model file, a thresholds file, a flag).

A note starts on the rising edge of the thresholded onset roll (consecutive onset
frames merge into one onset) and lasts while its onset or frame probability stays above
threshold. It ends at the first frame where both are below, or where a new onset of the
same pitch starts (a re-strike), or at the end of the roll. Onset and offset times are
the centres of the start and end frames, which inverts ``amt.core.notes.notes_to_rolls``.
"""

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from amt.config.evaluate import EvaluateConfig
from amt.core.constants import MIN_MIDI, N_KEYS, frame_to_time
from amt.core.notes import VELOCITY, make_notes
from amt.inference.velocity import velocities_from_bands

# Decoded notes carry this velocity when no velocity roll is given; `amt transcribe`
# replaces it with amt.inference.velocity.estimate_velocities.
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
    decoder = NoteDecoder(onset_threshold, frame_threshold)
    decoder.push(onset_prob, frame_prob)
    start_frames, end_frames, keys = decoder.finish()
    if velocity is None:
        velocities = np.full(len(keys), DEFAULT_VELOCITY, np.float64)
    else:
        scaled = np.rint(velocity[start_frames, keys] * MAX_VELOCITY)
        velocities = np.clip(scaled, 1, MAX_VELOCITY)
    return frames_to_notes(start_frames, end_frames, keys, velocities)


def frames_to_notes(
    start_frames: np.ndarray, end_frames: np.ndarray, keys: np.ndarray, velocities: np.ndarray
) -> np.ndarray:
    """A note array from start and end frames, key indices (0..87) and velocities."""
    return make_notes(
        np.column_stack([frame_to_time(start_frames), frame_to_time(end_frames), keys + MIN_MIDI, velocities])
    )


class NoteDecoder:
    """``decode_notes`` over consecutive blocks of the rolls: it holds only the notes that
    are still sounding, so a recording of any length decodes as its probabilities arrive."""

    def __init__(self, onset_threshold: float, frame_threshold: float):
        self.onset_threshold, self.frame_threshold = onset_threshold, frame_threshold
        self.frames = 0  # consumed so far
        self.last_onset = np.zeros(N_KEYS, bool)
        self.sounding = np.full(N_KEYS, -1)  # start frame of the note sounding in each key, or -1
        self.ended: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def push(self, onset_prob: np.ndarray, frame_prob: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Decode the next [n, 88] block; return the (frame, key) of every onset in it."""
        onset = onset_prob > self.onset_threshold
        starts = onset & ~np.vstack([self.last_onset[None], onset[:-1]])
        stops = ~(onset | (frame_prob > self.frame_threshold)) | starts
        held = np.flatnonzero(self.sounding >= 0)
        self._end(self.sounding[held], held, _next_stops(stops, np.full(len(held), -1), held), len(onset))
        start_frames, keys = np.nonzero(starts)
        start_frames = start_frames + self.frames
        self._end(start_frames, keys, _next_stops(stops, start_frames - self.frames, keys), len(onset))
        self.frames += len(onset)
        if len(onset):
            self.last_onset = onset[-1]
        return start_frames, keys

    def finish(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Start frames, end frames and keys of every note, ordered by start then key; notes
        still sounding end with the rolls."""
        held = np.flatnonzero(self.sounding >= 0)
        self.ended.append((self.sounding[held], np.full(len(held), self.frames), held))
        starts, ends, keys = (np.concatenate(parts).astype(int) for parts in zip(*self.ended, strict=True))
        order = np.lexsort((keys, starts))
        return starts[order], ends[order], keys[order]

    def _end(self, start_frames: np.ndarray, keys: np.ndarray, stops: np.ndarray, length: int) -> None:
        """Keep notes whose stop (``stops``, in this block) came as ended; the others sound on."""
        done = stops < length
        self.ended.append((start_frames[done], stops[done] + self.frames, keys[done]))
        self.sounding[keys[done]] = -1
        self.sounding[keys[~done]] = start_frames[~done]  # at most one per key: a later onset is a stop


@dataclass
class Thresholds:
    onset: float
    frame: float

    @classmethod
    def from_config(cls, evaluate: EvaluateConfig) -> "Thresholds":
        """The ``onset_threshold`` and ``frame_threshold`` of the ``evaluate`` settings."""
        return cls(evaluate.onset_threshold, evaluate.frame_threshold)


def decoded(probs: Mapping[str, np.ndarray], thresholds: Thresholds) -> np.ndarray:
    """Notes decoded from onset and frame probabilities at ``thresholds``."""
    return decode_notes(probs["onset"], probs["frame"], thresholds.onset, thresholds.frame)


def notes_from(probs: Mapping[str, np.ndarray], bands: np.ndarray, thresholds: Thresholds) -> np.ndarray:
    """Decoded notes with velocities estimated from the onset strength in the audio's
    ``amt.inference.velocity.band_power``."""
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
