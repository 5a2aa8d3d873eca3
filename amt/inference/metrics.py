"""Transcription metrics with mir_eval, under the flat names used everywhere.

Note metrics compare note lists (onsets within 50 ms and the same pitch; the offset
variant also needs the offset within 20 % of the reference duration or 50 ms, whichever
is larger). Frame metrics compare [T, 88] activity rolls frame by frame. A precision
whose estimate is empty, a recall whose reference is empty, and an F1 whose precision and
recall are both 0 are defined as 0, silently (mir_eval's own convention, minus its
warnings), so scores are never NaN.
"""

import contextlib
import warnings
from collections.abc import Iterator

import mir_eval
import numpy as np

from amt.core.constants import MIN_MIDI, N_KEYS, frame_to_time
from amt.core.notes import OFFSET, ONSET, PITCH, notes_to_rolls

METRIC_NAMES = (
    "frame_precision",
    "frame_recall",
    "frame_f1",
    "note_precision",
    "note_recall",
    "note_f1",
    "note_offset_precision",
    "note_offset_recall",
    "note_offset_f1",
)

ONSET_TOLERANCE = 0.05
OFFSET_RATIO = 0.2
OFFSET_MIN_TOLERANCE = 0.05


def note_metrics(ref_notes: np.ndarray, est_notes: np.ndarray) -> dict[str, float]:
    """Note precision/recall/F1, onset-only and with offsets, of two note arrays (N, 4)."""
    ref, est = _intervals_and_hz(ref_notes), _intervals_and_hz(est_notes)
    scores = {}
    for family, offset_ratio in (("note", None), ("note_offset", OFFSET_RATIO)):
        with _quiet_mir_eval():
            precision, recall, f1, _ = mir_eval.transcription.precision_recall_f1_overlap(
                *ref,
                *est,
                onset_tolerance=ONSET_TOLERANCE,
                offset_ratio=offset_ratio,
                offset_min_tolerance=OFFSET_MIN_TOLERANCE,
            )
        scores |= _named(family, precision, recall, f1)
    return scores


def frame_metrics(ref_roll: np.ndarray, est_roll: np.ndarray) -> dict[str, float]:
    """Frame precision/recall/F1 of two [T, 88] activity rolls (non-zero = key sounding)."""
    if ref_roll.shape != est_roll.shape or ref_roll.ndim != 2 or ref_roll.shape[1] != N_KEYS:
        raise ValueError(
            f"frame_metrics needs two [T, {N_KEYS}] rolls, got {ref_roll.shape}, {est_roll.shape}"
        )
    times = frame_to_time(np.arange(len(ref_roll)))
    with _quiet_mir_eval():
        precision, recall, *_ = mir_eval.multipitch.metrics(
            times, _roll_to_hz(ref_roll), times, _roll_to_hz(est_roll)
        )
    return _named("frame", precision, recall, mir_eval.util.f_measure(precision, recall))


def piece_frame_metrics(ref_notes: np.ndarray, est_frame_roll: np.ndarray) -> dict[str, float]:
    """Frame metrics of a piece's estimated roll against its notes' roll at the same length.

    ``ref_notes`` are the pedal-extended notes of the MIDI file.
    """
    return frame_metrics(notes_to_rolls(ref_notes, len(est_frame_roll))["frame"], est_frame_roll)


def score_piece(ref_notes: np.ndarray, est_notes: np.ndarray, est_frame_roll: np.ndarray) -> dict[str, float]:
    """Every metric of METRIC_NAMES for one piece (see ``piece_frame_metrics``)."""
    return piece_frame_metrics(ref_notes, est_frame_roll) | note_metrics(ref_notes, est_notes)


def mean_metrics(scores: list[dict[str, float]]) -> dict[str, float]:
    """Unweighted mean over pieces of each metric of METRIC_NAMES."""
    if not scores:
        raise ValueError("mean_metrics needs the scores of at least one piece")
    return {name: float(np.mean([piece[name] for piece in scores])) for name in METRIC_NAMES}


def _named(family: str, precision: float, recall: float, f1: float) -> dict[str, float]:
    return {
        f"{family}_precision": float(precision),
        f"{family}_recall": float(recall),
        f"{family}_f1": float(f1),
    }


def _intervals_and_hz(notes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """mir_eval's (intervals [N, 2], pitches in Hz) from a note array."""
    notes = np.asarray(notes, dtype=np.float64).reshape(-1, 4)
    return notes[:, [ONSET, OFFSET]], mir_eval.util.midi_to_hz(notes[:, PITCH])


def _roll_to_hz(roll: np.ndarray) -> list[np.ndarray]:
    """Per frame, the frequencies (Hz) of the keys active in a [T, 88] roll."""
    frames, keys = np.nonzero(roll)
    hz = mir_eval.util.midi_to_hz(keys + MIN_MIDI)
    return np.split(hz, np.cumsum(np.bincount(frames, minlength=len(roll)))[:-1])


@contextlib.contextmanager
def _quiet_mir_eval() -> Iterator[None]:
    """Hide mir_eval's warnings about empty references or estimates (scored 0, see above)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"mir_eval\.")
        yield
