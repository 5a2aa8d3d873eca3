"""A piece as written, before a performer plays it: notes at nominal tempo plus structure.

Corpus excerpts and generated pieces both end in a ``Score``; ``performance`` turns it
into played notes. The note array has the amt.core.notes layout, but its velocity column holds
a written *accent* (velocity units added to the performer's dynamics, 0 = none).
"""

from dataclasses import dataclass

import numpy as np

from amt.core.constants import MAX_MIDI, MIN_MIDI
from amt.core.notes import OFFSET, ONSET, PITCH, VELOCITY, make_notes

MIN_DURATION = 0.03  # seconds: shorter notes are inaudible blips on a piano
UNISON_WINDOW = 0.03  # seconds: the same key struck twice this close is one key press


@dataclass(frozen=True)
class Score:
    """Written notes (seconds at nominal tempo), harmony changes and phrase starts."""

    notes: np.ndarray
    changes: np.ndarray
    phrases: np.ndarray
    title: str

    @property
    def end(self) -> float:
        return float(self.notes[:, OFFSET].max()) if len(self.notes) else 0.0


def fold_into_piano(pitches: np.ndarray) -> np.ndarray:
    """Move pitches outside MIDI 21-108 by whole octaves into the piano's range."""
    pitches = np.asarray(pitches, dtype=np.float64).copy()
    while (low := pitches < MIN_MIDI).any():
        pitches[low] += 12
    while (high := pitches > MAX_MIDI).any():
        pitches[high] -= 12
    return pitches


def playable(notes: np.ndarray) -> np.ndarray:
    """Notes one piano can play: one key press at a time per key, none too short.

    Two voices on the same key (unisons in a reduction, colliding hands) become one
    press: near-simultaneous strikes merge, otherwise a held note is released when its
    key is struck again. FluidSynth does the same, so labels match the audio.
    """
    notes = make_notes(notes)
    keep = np.ones(len(notes), dtype=bool)
    for pitch in np.unique(notes[:, PITCH]):
        rows = np.flatnonzero(notes[:, PITCH] == pitch)
        current = rows[0]
        for row in rows[1:]:
            if notes[row, ONSET] - notes[current, ONSET] < UNISON_WINDOW:
                notes[current, OFFSET] = max(notes[current, OFFSET], notes[row, OFFSET])
                notes[current, VELOCITY] = max(notes[current, VELOCITY], notes[row, VELOCITY])
                keep[row] = False
                continue
            notes[current, OFFSET] = min(notes[current, OFFSET], notes[row, ONSET])
            current = row
    notes = notes[keep]
    notes[:, OFFSET] = np.maximum(notes[:, OFFSET], notes[:, ONSET] + MIN_DURATION)
    return _release_before_restrike(notes)


def _release_before_restrike(notes: np.ndarray) -> np.ndarray:
    """Enforcing the minimum duration may push an offset past the key's next onset: drop those notes."""
    keep = np.ones(len(notes), dtype=bool)
    for pitch in np.unique(notes[:, PITCH]):
        rows = np.flatnonzero(notes[:, PITCH] == pitch)
        clash = notes[rows[:-1], OFFSET] > notes[rows[1:], ONSET] + 1e-9
        keep[rows[:-1][clash]] = False
    return notes[keep]
