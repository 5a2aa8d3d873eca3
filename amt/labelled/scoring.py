"""One labelled recording transcribed and scored as the evaluate stage scores a test piece:
notes from the streaming transcriber, frames from its probabilities, mir_eval against the MIDI."""

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from amt.core.constants import SUSTAIN_CC
from amt.core.notes import load_midi, notes_to_midi, read_midi_notes, write_midi
from amt.inference.metrics import score_piece
from amt.labelled.pairs import LabelledSet, Pair
from amt.transcription.transcriber import Transcriber


@dataclass
class Scored:
    """A scored recording: its metrics, how many notes each side holds, and whether the
    reference offsets were extended by a sustain pedal in its MIDI."""

    pair: Pair
    scores: dict[str, float]
    reference_notes: int
    estimated_notes: int
    pedal_extended: bool

    def row(self) -> dict:
        return {
            "id": self.pair.id,
            "audio": self.pair.audio,
            "midi": self.pair.midi,
            "reference_notes": self.reference_notes,
            "estimated_notes": self.estimated_notes,
            "pedal_extended": self.pedal_extended,
            **self.scores,
        }


def has_sustain_pedal(midi_path: Path) -> bool:
    """Whether any track of a MIDI file moves the sustain pedal (CC64)."""
    midi = load_midi(midi_path)
    return any(cc.number == SUSTAIN_CC for track in midi.instruments for cc in track.control_changes)


def score_pair(transcriber: Transcriber, labelled: LabelledSet, pair: Pair, midi_out: Path) -> Scored:
    """Transcribe ``pair``'s audio, write the decoded notes to ``midi_out`` and score them;
    a bad file is an AmtError naming it."""
    with (
        labelled.files(pair) as (audio, midi),
        tempfile.TemporaryDirectory(prefix="amt-evaluate-") as scratch,
    ):
        reference = read_midi_notes(midi)
        pedal = has_sustain_pedal(midi)
        notes = transcriber.transcribe(audio, Path(scratch) / "rolls.npz")
        with np.load(Path(scratch) / "rolls.npz") as rolls:
            frames = rolls["frame"] > transcriber.thresholds.frame
    write_midi(midi_out, notes_to_midi(notes))
    return Scored(pair, score_piece(reference, notes, frames), len(reference), len(notes), pedal)
