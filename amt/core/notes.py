"""Notes, the sustain pedal, MIDI files and label rolls.

A note list is a float64 array of shape (N, 4): onset seconds, offset seconds, MIDI
pitch, velocity (1-127), sorted by onset then pitch. The same pedal convention
(MAESTRO / Onsets and Frames) is applied for training labels and for evaluation.
"""

from pathlib import Path

import numpy as np
import pretty_midi

from amt.core.atomic import atomic_path
from amt.core.constants import MAX_MIDI, MIN_MIDI, N_KEYS, SUSTAIN_CC, SUSTAIN_THRESHOLD, time_to_frame
from amt.core.errors import AmtError

# music21 writes 10080 ticks per quarter: long pieces exceed pretty_midi's default guard.
pretty_midi.pretty_midi.MAX_TICK = 10**9

ONSET, OFFSET, PITCH, VELOCITY = range(4)
HEADER_BYTES = 14  # "MThd", its length, then the format as a big-endian 16-bit number
SEQUENCES_TYPE = 2


def make_notes(rows) -> np.ndarray:
    """Note array from (onset, offset, pitch, velocity) rows, sorted by onset then pitch."""
    notes = np.asarray(rows, dtype=np.float64).reshape(-1, 4)
    return notes[np.lexsort((notes[:, PITCH], notes[:, ONSET]))]


def sustain_intervals(control_changes, end_time: float) -> list[tuple[float, float]]:
    """Intervals (start, end) during which the sustain pedal (CC64 >= 64) is down."""
    intervals, down_since = [], None
    for cc in sorted(control_changes, key=lambda c: c.time):
        if cc.number != SUSTAIN_CC:
            continue
        if cc.value >= SUSTAIN_THRESHOLD and down_since is None:
            down_since = cc.time
        elif cc.value < SUSTAIN_THRESHOLD and down_since is not None:
            intervals.append((down_since, cc.time))
            down_since = None
    if down_since is not None:
        intervals.append((down_since, max(end_time, down_since)))
    return intervals


def apply_sustain(notes: np.ndarray, pedal: list[tuple[float, float]]) -> np.ndarray:
    """Extend offsets that fall while the pedal is down, as MAESTRO and Onsets and Frames do.

    A note released with the pedal down lasts until the pedal is released, or until the
    same key is struck again, whichever comes first. Re-struck notes stay separate.
    """
    notes = make_notes(notes)
    if not len(pedal) or not len(notes):
        return notes
    starts = np.array([start for start, _ in pedal])
    ends = np.array([end for _, end in pedal])
    index = np.searchsorted(starts, notes[:, OFFSET], side="right") - 1
    held = (index >= 0) & (notes[:, OFFSET] < ends[np.maximum(index, 0)])
    extended = np.where(held, ends[np.maximum(index, 0)], notes[:, OFFSET])
    for pitch in np.unique(notes[:, PITCH]):
        rows = np.flatnonzero(notes[:, PITCH] == pitch)
        next_onsets = np.append(notes[rows[1:], ONSET], np.inf)
        extended[rows] = np.maximum(notes[rows, OFFSET], np.minimum(extended[rows], next_onsets))
    notes[:, OFFSET] = extended
    return notes


def load_midi(path: str | Path) -> pretty_midi.PrettyMIDI:
    """Parse a MIDI file, or fail with one line naming it.

    A type-2 file holds independent sequences that each start at time 0; pretty_midi would
    stack them as if played together, so it is refused.
    """
    try:
        with open(path, "rb") as handle:
            header = handle.read(HEADER_BYTES)
    except FileNotFoundError:
        raise AmtError(f"{path}: MIDI file not found") from None
    except OSError as error:
        raise AmtError(f"{path}: cannot read MIDI ({error.strerror})") from None
    if len(header) == HEADER_BYTES and header[:4] == b"MThd" and header[9] == SEQUENCES_TYPE:
        raise AmtError(
            f"{path}: a type-2 MIDI file (independent sequences) cannot be read as one performance; "
            "save it as type 0 or 1"
        )
    try:
        return pretty_midi.PrettyMIDI(str(path))
    except Exception as error:  # mido and pretty_midi raise many types for corrupt files
        raise AmtError(f"{path}: cannot parse MIDI ({error})") from None


def midi_notes(midi: pretty_midi.PrettyMIDI) -> np.ndarray:
    """Pedal-extended piano-range notes of every non-drum track of ``midi``."""
    lists = []
    end = midi.get_end_time()
    for instrument in midi.instruments:
        if instrument.is_drum:
            continue
        rows = [(n.start, n.end, n.pitch, n.velocity) for n in instrument.notes if n.end > n.start]
        pedal = sustain_intervals(instrument.control_changes, end)
        lists.append(apply_sustain(np.asarray(rows, dtype=np.float64).reshape(-1, 4), pedal))
    notes = make_notes(np.concatenate(lists) if lists else [])
    in_range = (notes[:, PITCH] >= MIN_MIDI) & (notes[:, PITCH] <= MAX_MIDI)
    return notes[in_range]


def read_midi_notes(path: str | Path) -> np.ndarray:
    """Pedal-extended piano notes of a MIDI file; no such notes is an AmtError."""
    notes = midi_notes(load_midi(path))
    if not len(notes):
        raise AmtError(f"{path}: MIDI holds no piano notes (pitches {MIN_MIDI}-{MAX_MIDI})")
    return notes


def notes_to_midi(
    notes: np.ndarray, pedal: list[tuple[float, float]] = (), program: int = 0
) -> pretty_midi.PrettyMIDI:
    """A one-track PrettyMIDI holding ``notes`` and, optionally, sustain-pedal intervals."""
    midi = pretty_midi.PrettyMIDI()
    piano = pretty_midi.Instrument(program=program, name="Piano")
    for onset, offset, pitch, velocity in notes:
        vel = int(np.clip(round(velocity), 1, 127))
        piano.notes.append(pretty_midi.Note(vel, int(pitch), float(onset), float(offset)))
    for start, end in pedal:
        piano.control_changes.append(pretty_midi.ControlChange(SUSTAIN_CC, 127, float(start)))
        piano.control_changes.append(pretty_midi.ControlChange(SUSTAIN_CC, 0, float(end)))
    midi.instruments.append(piano)
    return midi


def write_midi(path: str | Path, midi: pretty_midi.PrettyMIDI) -> None:
    """Write a MIDI file atomically."""
    with atomic_path(path, suffix=".mid") as tmp:
        midi.write(str(tmp))


def notes_to_rolls(notes: np.ndarray, frames: int) -> dict[str, np.ndarray]:
    """Frame, onset, offset and velocity rolls (frames x 88, uint8) for a note list.

    Onset and offset mark the frame nearest to the event; a note is active from its
    onset frame up to (not including) its offset frame, and for at least one frame.
    The velocity roll holds the note's velocity over its active frames.
    """
    rolls = {name: np.zeros((frames, N_KEYS), np.uint8) for name in ("frame", "onset", "offset", "velocity")}
    for onset, offset, pitch, velocity in notes:
        key = int(pitch) - MIN_MIDI
        start = time_to_frame(onset)
        if start >= frames:
            continue
        stop = max(time_to_frame(offset), start + 1)
        rolls["onset"][start, key] = 1
        rolls["frame"][start:stop, key] = 1
        rolls["velocity"][start:stop, key] = int(velocity)
        if stop < frames:
            rolls["offset"][stop, key] = 1
    return rolls
