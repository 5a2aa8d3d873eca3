"""Error analysis of one run's transcriptions against the reference notes (numpy/pandas only).

Estimated notes are matched to reference notes as the note metrics do (same pitch, onset
within 50 ms, mir_eval's matching). Each reference note becomes a row of a ``ref`` table
and each estimated note a row of an ``est`` table, with a ``hit`` flag, local polyphony
and, for the notes that were not matched, an error type:

false positives (first that applies): ``repeated-note split`` (a reference note of the
same pitch is still sounding: the model struck it again), ``octave``, ``fifth/twelfth``,
``other harmonic`` (the 5th or 7th partial of a sounding reference note), ``semitone``
(a neighbour key), ``other``;

misses (first that applies): ``re-struck merged`` (an estimate of the same pitch that
began earlier is still sounding: two strikes became one note), ``short note``,
``quiet note``, ``dense chord``, ``other``.
"""

from collections.abc import Iterable
from dataclasses import dataclass

import mir_eval
import numpy as np
import pandas as pd
import pretty_midi

from amt.core.constants import MAX_MIDI, MIN_MIDI
from amt.core.notes import OFFSET, ONSET, PITCH, VELOCITY
from amt.inference.metrics import ONSET_TOLERANCE

OCTAVES = (12, 24, 36)
FIFTHS = (7, 19, 31)
OTHER_HARMONICS = (28, 34)
SHORT_SECONDS = 0.1
QUIET_VELOCITY = 40
DENSE_POLYPHONY = 5
BLOCK = 512  # notes compared at once with the notes around them

FALSE_POSITIVE_TYPES = (
    "repeated-note split",
    "octave",
    "fifth/twelfth",
    "other harmonic",
    "semitone",
    "other",
)
MISS_TYPES = ("re-struck merged", "short note", "quiet note", "dense chord", "other")

DURATION_BINS = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0, np.inf)
VELOCITY_BINS = (0, 32, 48, 64, 80, 96, 128)
POLYPHONY_BINS = (0, 1, 2, 3, 4, 6, 8, np.inf)


@dataclass
class RunAnalysis:
    """Per-note tables of every analysed piece of one run."""

    ref: pd.DataFrame
    est: pd.DataFrame


def match_notes(ref: np.ndarray, est: np.ndarray) -> np.ndarray:
    """(ref index, est index) pairs of matched notes, as mir_eval's onset-only note metric."""
    if not len(ref) or not len(est):
        return np.zeros((0, 2), int)
    pairs = mir_eval.transcription.match_notes(
        ref[:, [ONSET, OFFSET]],
        mir_eval.util.midi_to_hz(ref[:, PITCH]),
        est[:, [ONSET, OFFSET]],
        mir_eval.util.midi_to_hz(est[:, PITCH]),
        onset_tolerance=ONSET_TOLERANCE,
        offset_ratio=None,
    )
    return np.asarray(pairs, int).reshape(-1, 2)


def polyphony(notes: np.ndarray) -> np.ndarray:
    """For each note, how many notes of the list (itself included) sound at its onset."""
    onsets, offsets = np.sort(notes[:, ONSET]), np.sort(notes[:, OFFSET])
    started = np.searchsorted(onsets, notes[:, ONSET] + ONSET_TOLERANCE, side="right")
    ended = np.searchsorted(offsets, notes[:, ONSET], side="right")
    return started - ended


def related_sounding(notes: np.ndarray, others: np.ndarray, relations: list) -> np.ndarray:
    """[len(relations), len(notes)]: whether some note of ``others`` sounding at the note's
    onset (onset tolerance included) stands in each relation to it.

    A relation is called with (pitch interval |a - b|, the other note began more than the
    onset tolerance earlier), both [notes, others]. Notes go in blocks against the other
    notes that overlap the block, so memory stays small on long pieces.
    """
    found = np.zeros((len(relations), len(notes)), bool)
    for start in range(0, len(notes), BLOCK):
        block = notes[start : start + BLOCK]
        times = block[:, ONSET]
        near = others[(others[:, ONSET] <= times.max() + ONSET_TOLERANCE) & (others[:, OFFSET] > times.min())]
        sounding = (near[None, :, ONSET] <= times[:, None] + ONSET_TOLERANCE) & (
            near[None, :, OFFSET] > times[:, None]
        )
        interval = np.abs(block[:, None, PITCH] - near[None, :, PITCH])
        earlier = near[None, :, ONSET] < times[:, None] - ONSET_TOLERANCE
        for row, relation in enumerate(relations):
            found[row, start : start + len(block)] = (sounding & relation(interval, earlier)).any(axis=1)
    return found


def false_positive_types(ref: np.ndarray, est: np.ndarray) -> np.ndarray:
    """Type (FALSE_POSITIVE_TYPES) of each note of ``est``, read as a false positive against ``ref``."""
    relations = [
        lambda interval, earlier: (interval == 0) & earlier,
        lambda interval, _: np.isin(interval, OCTAVES),
        lambda interval, _: np.isin(interval, FIFTHS),
        lambda interval, _: np.isin(interval, OTHER_HARMONICS),
        lambda interval, _: interval == 1,
    ]
    return _first_type(list(related_sounding(est, ref, relations)), FALSE_POSITIVE_TYPES)


def miss_types(ref: np.ndarray, est: np.ndarray) -> np.ndarray:
    """Type (MISS_TYPES) of each note of ``ref``, read as a miss against ``est``."""
    (merged,) = related_sounding(ref, est, [lambda interval, earlier: (interval == 0) & earlier])
    tests = [
        merged,
        ref[:, OFFSET] - ref[:, ONSET] < SHORT_SECONDS,
        ref[:, VELOCITY] < QUIET_VELOCITY,
        polyphony(ref) >= DENSE_POLYPHONY,
    ]
    return _first_type(tests, MISS_TYPES)


def note_tables(piece: str, ref: np.ndarray, est: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``ref`` and ``est`` note tables of one piece (see the module docstring)."""
    ref, est = _notes(ref), _notes(est)
    pairs = match_notes(ref, est)
    ref_table, est_table = _table(piece, ref), _table(piece, est)
    ref_table.loc[pairs[:, 0], "hit"] = True
    est_table.loc[pairs[:, 1], "hit"] = True
    ref_table["onset_error"] = np.nan
    ref_table["offset_error"] = np.nan
    ref_table.loc[pairs[:, 0], "onset_error"] = est[pairs[:, 1], ONSET] - ref[pairs[:, 0], ONSET]
    ref_table.loc[pairs[:, 0], "offset_error"] = est[pairs[:, 1], OFFSET] - ref[pairs[:, 0], OFFSET]
    ref_table["error"] = np.where(ref_table["hit"], "", miss_types(ref, est))
    est_table["error"] = np.where(est_table["hit"], "", false_positive_types(ref, est))
    return ref_table, est_table


def analyse(pieces: Iterable[tuple[str, np.ndarray, np.ndarray]]) -> RunAnalysis:
    """Note tables of every (piece id, reference notes, estimated notes)."""
    tables = [note_tables(*piece) for piece in pieces]
    if not tables:
        raise ValueError("analyse needs at least one piece")
    return RunAnalysis(
        pd.concat([r for r, _ in tables], ignore_index=True),
        pd.concat([e for _, e in tables], ignore_index=True),
    )


def scores(ref_hits: pd.Series, est_hits: pd.Series) -> pd.Series:
    """Precision, recall and F1 of hit flags (0 where undefined, as amt.inference.metrics)."""
    hits = ref_hits.sum()
    precision = hits / len(est_hits) if len(est_hits) else 0.0
    recall = hits / len(ref_hits) if len(ref_hits) else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return pd.Series(
        {
            "references": len(ref_hits),
            "estimates": len(est_hits),
            "precision": precision,
            "recall": recall,
            "f1": f1,
        }
    )


def per_pitch(analysis: RunAnalysis) -> pd.DataFrame:
    """Note scores per MIDI pitch, every key of the piano (rows without notes score 0)."""
    return _grouped(analysis, "pitch", pd.Index(range(MIN_MIDI, MAX_MIDI + 1), name="pitch"))


def per_register(analysis: RunAnalysis) -> pd.DataFrame:
    """Note scores per octave of the keyboard counted from each A (A0-G#1, ..., A7-C8)."""
    lows = range(MIN_MIDI, MAX_MIDI + 1, 12)
    names = pd.Index([register_name(low) for low in lows], name="register")
    banded = RunAnalysis(*(_with_register(table) for table in (analysis.ref, analysis.est)))
    return _grouped(banded, "register", names)


def register_name(pitch: int) -> str:
    """The octave ``pitch`` falls in, counted from an A: "A2-G#3"."""
    low = MIN_MIDI + (pitch - MIN_MIDI) // 12 * 12
    names = (pretty_midi.note_number_to_name(key) for key in (low, min(low + 11, MAX_MIDI)))
    return "-".join(names)


def _with_register(table: pd.DataFrame) -> pd.DataFrame:
    return table.assign(register=[register_name(pitch) for pitch in table["pitch"]])


def per_piece(analysis: RunAnalysis) -> pd.DataFrame:
    """Note scores per test piece, worst first."""
    pieces = pd.Index(sorted(set(analysis.ref["piece"]) | set(analysis.est["piece"])), name="piece")
    return _grouped(analysis, "piece", pieces).sort_values("f1")


def rate_by(table: pd.DataFrame, column: str, bins: tuple) -> pd.DataFrame:
    """Share of hits (recall for ``ref``, precision for ``est``) per bin of ``column`` (NaN if empty)."""
    binned = pd.cut(table[column], list(bins), right=False)
    grouped = table.groupby(binned, observed=False)["hit"]
    return pd.DataFrame({"notes": grouped.size(), "rate": grouped.mean()})


def error_counts(table: pd.DataFrame, types: tuple[str, ...]) -> pd.Series:
    """How many unmatched notes of each type, in ``types`` order."""
    return table.loc[~table["hit"], "error"].value_counts().reindex(list(types), fill_value=0)


def _grouped(analysis: RunAnalysis, column: str, index: pd.Index) -> pd.DataFrame:
    ref_groups = dict(tuple(analysis.ref.groupby(column)["hit"]))
    est_groups = dict(tuple(analysis.est.groupby(column)["hit"]))
    empty = pd.Series([], dtype=bool)
    rows = [scores(ref_groups.get(key, empty), est_groups.get(key, empty)) for key in index]
    return pd.DataFrame(rows, index=index).astype({"references": int, "estimates": int})


def _first_type(tests: list[np.ndarray], types: tuple[str, ...]) -> np.ndarray:
    if not len(tests[0]):
        return np.array([], dtype=object)
    return np.select(tests, types[:-1], default=types[-1]).astype(object)


def _notes(notes: np.ndarray) -> np.ndarray:
    return np.asarray(notes, dtype=np.float64).reshape(-1, 4)


def _table(piece: str, notes: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "piece": piece,
            "onset": notes[:, ONSET],
            "offset": notes[:, OFFSET],
            "pitch": notes[:, PITCH].astype(int),
            "velocity": notes[:, VELOCITY],
            "duration": notes[:, OFFSET] - notes[:, ONSET],
            "polyphony": polyphony(notes),
            "hit": False,
        }
    )
