"""Transcribing the user's recordings: audio files in; MIDI, probabilities and a
re-synthesised wav out, one file at a time so that one bad file stops nothing else."""

import json
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from amt.atomic import atomic_path
from amt.audio import load_audio
from amt.checkpoint import load_checkpoint, model_from_checkpoint
from amt.constants import SAMPLE_RATE
from amt.device import Placement
from amt.errors import AmtError
from amt.evaluation import Thresholds, notes_from, probabilities
from amt.notes import notes_to_midi, write_midi
from amt.sources.checks import check_audio

SILENCE_PEAK = 1e-4  # a peak below this (-80 dBFS) holds nothing to transcribe


@dataclass
class Transcriber:
    """A loaded model with the settings it transcribes with."""

    model: Any
    settings: Mapping[str, Any]
    thresholds: Thresholds
    where: Placement

    @classmethod
    def load(cls, model_path: str | Path, where: Placement) -> "Transcriber":
        """The model file's model, with its training run's evaluate settings."""
        checkpoint = load_checkpoint(model_path)
        settings = checkpoint["params"]["evaluate"]
        model = model_from_checkpoint(checkpoint, where.device)
        return cls(model, settings, Thresholds.from_settings(settings), where)

    def notes(self, audio: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Probabilities and decoded notes (with estimated velocities) of a recording."""
        with self.where.autocast():
            probs = probabilities(self.model, audio, self.settings, self.where.device)
        return probs, notes_from(probs, audio, self.thresholds)


def read_thresholds(path: Path) -> Thresholds:
    """Onset and frame thresholds from a JSON file such as the evaluate stage's metrics/eval.json."""
    try:
        values = json.loads(path.read_text())
    except OSError as error:
        raise AmtError(f"{path}: cannot read thresholds ({error.strerror})") from None
    except json.JSONDecodeError as error:
        raise AmtError(f"{path}: not valid JSON ({error.msg} at line {error.lineno})") from None
    try:
        return Thresholds.from_settings(values)
    except (KeyError, TypeError, ValueError):
        raise AmtError(
            f"{path}: needs numeric onset_threshold and frame_threshold (as in metrics/eval.json)"
        ) from None


def read_recording(path: Path) -> np.ndarray:
    """16 kHz mono audio of a recording that is not silent."""
    audio = load_audio(path)
    check_audio(audio, path)
    if np.abs(audio).max() < SILENCE_PEAK:
        raise AmtError(f"{path}: audio is silent (peak below -80 dBFS); nothing to transcribe")
    return audio


def transcribe_file(
    transcriber: Transcriber, path: Path, out_dir: Path, render: Callable[[np.ndarray], np.ndarray]
) -> list[Path]:
    """Write ``<name>.mid``, ``<name>.npz`` and ``<name>.wav`` for one recording; return them."""
    audio = read_recording(path)
    probs, notes = transcriber.notes(audio)
    stem = out_dir / path.stem
    outputs = [stem.with_suffix(".mid"), stem.with_suffix(".npz"), stem.with_suffix(".wav")]
    write_midi(outputs[0], notes_to_midi(notes))
    with atomic_path(outputs[1], suffix=".npz") as tmp:
        np.savez_compressed(tmp, notes=notes, **probs)
    with atomic_path(outputs[2], suffix=".wav") as tmp:
        sf.write(str(tmp), render(notes), SAMPLE_RATE, subtype="PCM_16")
    return outputs


def transcribe_files(
    transcriber: Transcriber,
    paths: Sequence[Path],
    out_dir: Path,
    render: Callable[[np.ndarray], np.ndarray],
    report: Callable[..., None] = print,
) -> int:
    """Transcribe every file, reporting each success or one-line failure; return the failures."""
    failures = 0
    for path in paths:
        try:
            outputs = transcribe_file(transcriber, Path(path), out_dir, render)
        except AmtError as error:
            failures += 1
            report(f"error: {error}", file=sys.stderr)
            continue
        report(f"{path}: wrote {', '.join(str(p) for p in outputs)}")
    return failures
