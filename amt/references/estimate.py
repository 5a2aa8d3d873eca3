"""A reference system as amt evaluate's estimator: its MIDI kept as it wrote it, its notes read
back as the references are (pedal-extended where it wrote a sustain pedal), frames from its notes."""

from pathlib import Path

from amt.core.audio import audio_seconds
from amt.core.constants import SAMPLE_RATE, n_frames
from amt.core.notes import midi_notes, notes_to_rolls
from amt.labelled.scoring import Estimate, Estimator
from amt.references.systems import System


def reference_estimator(system: System) -> Estimator:
    """Notes and frame roll of ``system``'s transcription, at the project's hop."""

    def estimate(audio: Path, _scratch: Path) -> Estimate:
        midi = system.transcribe(audio)
        notes = midi_notes(midi)
        frames = n_frames(round(audio_seconds(audio) * SAMPLE_RATE))
        return Estimate(notes, notes_to_rolls(notes, frames)["frame"] > 0, midi)

    return estimate
