"""A pianist's performance of a ``Score``: tempo, timing, dynamics and sustain pedal.

Everything is drawn from the ``rng`` passed in, so a performance is a pure function of
its score and seed. Ranges are those of human playing: rubato of several per cent per
phrase, onset scatter of a few milliseconds, phrase-long crescendi and diminuendi over the
whole 1-127 velocity range, and legato pedalling that changes just after each harmony.
"""

from dataclasses import dataclass

import numpy as np

from amt.core.notes import OFFSET, ONSET, PITCH, VELOCITY
from amt.sources.synth.score import Score, playable

TEMPO_RANGE = (0.8, 1.25)  # overall speed relative to the written tempo
RUBATO = 0.07  # spread (log) of each phrase's tempo around the overall speed
RITARDANDO = 0.15  # largest slowing at a phrase end
JITTER_MS = (2.0, 10.0)  # per-piece spread of onset timing
LEVEL_RANGE = (24.0, 100.0)  # a piece's overall dynamic, pp .. ff in MIDI velocity
PHRASE_SWING = 12.0  # spread of a phrase's start and end dynamic around the piece's
MELODY_BOOST = (3.0, 10.0)  # the top voice of a chord sounds above the others
NOTE_SPREAD = (3.0, 7.0)  # per-note velocity scatter
ARTICULATION = (0.45, 1.0)  # share of the written duration the key stays down
CHORD_WINDOW = 0.03  # seconds: onsets this close form one chord
PEDAL_LIFT = (0.01, 0.06)  # the pedal comes up this long after a new harmony is struck...
PEDAL_CATCH = (0.06, 0.16)  # ...and goes down again this much later
PEDAL_BLUR = 0.12  # chance of holding the pedal through a harmony change
DRY_PHRASE = 0.15  # chance of playing a phrase of a pedalled piece without pedal
RELEASE_TAIL = 1.0  # seconds of audio kept after the last release


@dataclass(frozen=True)
class Performance:
    """Performed notes (amt.core.notes layout, velocity 1-127) and sustain-pedal intervals."""

    notes: np.ndarray
    pedal: list[tuple[float, float]]

    @property
    def end(self) -> float:
        ends = [*self.notes[:, OFFSET], *(end for _, end in self.pedal)]
        return float(max(ends, default=0.0))


def perform(score: Score, rng: np.random.Generator, pedal: bool, max_seconds: float) -> Performance:
    """Play ``score`` (with the sustain pedal if ``pedal``) and cut it to ``max_seconds``."""
    warp = _tempo_warp(score, rng)
    notes = score.notes.copy()
    jitter = rng.normal(0.0, rng.uniform(*JITTER_MS) / 1000.0, len(notes))
    notes[:, ONSET] = np.maximum(warp(score.notes[:, ONSET]) + jitter, 0.0)
    notes[:, OFFSET] = notes[:, ONSET] + _articulated(score, warp, rng)
    notes[:, VELOCITY] = _dynamics(notes, warp(score.phrases), score.notes[:, VELOCITY], rng)
    intervals = _pedalling(warp(score.changes), warp(score.phrases), warp(score.end), rng) if pedal else []
    return cut(Performance(playable(notes), intervals), max_seconds)


def cut(performance: Performance, max_seconds: float) -> Performance:
    """Keep what starts before ``max_seconds`` (less a release tail where the piece ends earlier)."""
    notes = performance.notes[performance.notes[:, ONSET] < max_seconds - 0.1].copy()
    notes[:, OFFSET] = np.minimum(notes[:, OFFSET], max_seconds)
    pedal = [(start, min(end, max_seconds)) for start, end in performance.pedal if start < max_seconds - 0.1]
    return Performance(notes, pedal)


def duration(performance: Performance, max_seconds: float) -> float:
    """Seconds of audio for a performance: its last release plus a decay tail, at most ``max_seconds``."""
    return min(max_seconds, performance.end + RELEASE_TAIL)


def _tempo_warp(score: Score, rng: np.random.Generator):
    """Map written seconds to performed seconds: an overall tempo with rubato and phrase-end ritardandi."""
    end = max(score.end, 1e-3)
    starts = np.unique(np.clip(np.append(score.phrases, 0.0), 0.0, end))
    overall = np.exp(rng.uniform(*np.log(TEMPO_RANGE)))
    speeds = overall * np.exp(rng.normal(0.0, RUBATO, len(starts)))
    phrase_ends = np.append(starts[1:], end)
    knots = np.concatenate([starts, np.maximum(phrase_ends - 0.4, starts)])
    values = np.concatenate([speeds, speeds * (1.0 - rng.uniform(0.0, RITARDANDO, len(starts)))])
    order = np.argsort(knots, kind="stable")
    grid = np.linspace(0.0, end + 1.0, int((end + 1.0) / 0.005) + 2)
    speed = np.interp(grid, knots[order], values[order])
    elapsed = np.concatenate([[0.0], np.cumsum(np.diff(grid) / speed[:-1])])

    def warp(times: np.ndarray) -> np.ndarray:
        times = np.asarray(times, dtype=np.float64)
        slope = elapsed[-1] - elapsed[-2]
        beyond = np.maximum(times - grid[-1], 0.0) * slope / (grid[-1] - grid[-2])
        return np.interp(times, grid, elapsed) + beyond

    return warp


def _articulated(score: Score, warp, rng: np.random.Generator) -> np.ndarray:
    """Performed key-down time of each note: its warped written length times the phrase's articulation."""
    phrase = _phrase_index(score.notes[:, ONSET], score.phrases)
    share = rng.uniform(*ARTICULATION, len(score.phrases) + 1)[phrase]
    written = warp(score.notes[:, OFFSET]) - warp(score.notes[:, ONSET])
    return written * share


def _phrase_index(times: np.ndarray, phrases: np.ndarray) -> np.ndarray:
    return np.searchsorted(np.sort(phrases), times, side="right")


def _dynamics(
    notes: np.ndarray, phrases: np.ndarray, accents: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Velocities: the piece's level, a dynamic arc per phrase, voicing, written accents and scatter."""
    level = rng.uniform(*LEVEL_RANGE)
    bounds = np.concatenate([[0.0], np.sort(phrases), [notes[:, ONSET].max(initial=0.0) + 1.0]])
    bounds = np.unique(bounds)
    arc_start = level + rng.normal(0.0, PHRASE_SWING, len(bounds))
    arc_end = level + rng.normal(0.0, PHRASE_SWING, len(bounds))
    index = np.clip(np.searchsorted(bounds, notes[:, ONSET], side="right") - 1, 0, len(bounds) - 2)
    position = (notes[:, ONSET] - bounds[index]) / (bounds[index + 1] - bounds[index])
    arc = arc_start[index] + (arc_end[index] - arc_start[index]) * position
    voicing = _top_voice(notes) * rng.uniform(*MELODY_BOOST)
    scatter = rng.normal(0.0, rng.uniform(*NOTE_SPREAD), len(notes))
    return np.clip(np.round(arc + voicing + accents + scatter), 1, 127)


def _top_voice(notes: np.ndarray) -> np.ndarray:
    """1.0 for the highest note of each chord (onsets within CHORD_WINDOW), else 0.0."""
    order = np.argsort(notes[:, ONSET], kind="stable")
    chord = np.cumsum(np.diff(notes[order, ONSET], prepend=-1.0) > CHORD_WINDOW)
    top = np.zeros(len(notes))
    for index in np.unique(chord):
        members = order[chord == index]
        top[members[np.argmax(notes[members, PITCH])]] = 1.0
    return top


def _pedalling(
    changes: np.ndarray, phrases: np.ndarray, end: float, rng: np.random.Generator
) -> list[tuple[float, float]]:
    """Legato pedalling: up just after each harmony change, down again a moment later.

    Phrases are pedalled or (sometimes) dry; within a pedalled phrase the pedal is held
    from shortly after one harmony change until just after the next, occasionally through
    a change (a blurred, impressionist pedal).
    """
    bounds = np.unique(np.concatenate([[0.0], phrases, [end]]))
    intervals = []
    for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
        if rng.random() < DRY_PHRASE:
            continue
        inside = changes[(changes >= start) & (changes < stop)]
        points = np.unique(np.concatenate([[start], inside]))
        points = points[np.append(True, rng.random(len(points) - 1) >= PEDAL_BLUR)]
        lifts = np.append(
            points[1:] + rng.uniform(*PEDAL_LIFT, len(points) - 1), stop + rng.uniform(*PEDAL_LIFT)
        )
        downs = points + rng.uniform(*PEDAL_LIFT, len(points)) + rng.uniform(*PEDAL_CATCH, len(points))
        intervals += [
            (float(down), float(up)) for down, up in zip(downs, lifts, strict=True) if up - down > 0.1
        ]
    return _disjoint(intervals)


def _disjoint(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Sorted, non-overlapping pedal intervals (a pedal cannot go down while it is down)."""
    merged: list[tuple[float, float]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
