"""One labelled recording transcribed and scored as the evaluate stage scores a test piece:
notes and a frame roll from an estimator (a model's streaming transcriber, or a reference
system), mir_eval against the MIDI."""

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pretty_midi

from amt.core.constants import SUSTAIN_CC
from amt.core.notes import load_midi, notes_to_midi, read_midi_notes, write_midi
from amt.inference.metrics import score_piece
from amt.labelled.pairs import LabelledSet, Pair
from amt.transcription.transcriber import Transcriber


@dataclass
class Estimate:
    """What a transcriber made of one recording: its notes, its frame roll ([frames, 88]
    booleans at the project's hop) and the MIDI file to keep of it."""

    notes: np.ndarray
    frames: np.ndarray
    midi: pretty_midi.PrettyMIDI


Estimator = Callable[[Path, Path], Estimate]  # (audio file, scratch folder) -> Estimate


def model_estimator(transcriber: Transcriber) -> Estimator:
    """A model's estimate: the streaming transcriber's notes, frames where its frame
    probability passes the frame threshold."""

    def estimate(audio: Path, scratch: Path) -> Estimate:
        notes = transcriber.transcribe(audio, scratch / "rolls.npz")
        with np.load(scratch / "rolls.npz") as rolls:
            frames = rolls["frame"] > transcriber.thresholds.frame
        return Estimate(notes, frames, notes_to_midi(notes))

    return estimate


@dataclass
class Scored:
    """A scored recording: its metrics, the reference and estimated notes, and whether the
    reference offsets were extended by a sustain pedal in its MIDI."""

    pair: Pair
    scores: dict[str, float]
    reference: np.ndarray
    estimated: np.ndarray
    pedal_extended: bool

    def row(self) -> dict:
        return {
            "id": self.pair.id,
            "audio": self.pair.audio,
            "midi": self.pair.midi,
            "reference_notes": len(self.reference),
            "estimated_notes": len(self.estimated),
            "pedal_extended": self.pedal_extended,
            **self.scores,
        }


def has_sustain_pedal(midi_path: Path) -> bool:
    """Whether any track of a MIDI file moves the sustain pedal (CC64)."""
    midi = load_midi(midi_path)
    return any(cc.number == SUSTAIN_CC for track in midi.instruments for cc in track.control_changes)


def score_pair(estimate: Estimator, labelled: LabelledSet, pair: Pair, midi_out: Path) -> Scored:
    """Transcribe ``pair``'s audio, write the estimate's MIDI to ``midi_out`` and score its
    notes; a bad file is an AmtError naming it."""
    with (
        labelled.files(pair) as (audio, midi),
        tempfile.TemporaryDirectory(prefix="amt-evaluate-") as scratch,
    ):
        reference = read_midi_notes(midi)
        pedal = has_sustain_pedal(midi)
        estimated = estimate(audio, Path(scratch))
    write_midi(midi_out, estimated.midi)
    scores = score_piece(reference, estimated.notes, estimated.frames)
    return Scored(pair, scores, reference, estimated.notes, pedal)
