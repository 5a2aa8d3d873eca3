"""Transcribing the user's recordings: audio files in; MIDI, probabilities and a
re-synthesised wav out, one file at a time so that one bad file stops nothing else.

A recording is read, resampled, transcribed, decoded and written block by block
(``amt.core.audio.audio_blocks``, ``amt.inference.chunks.audio_chunks``,
``amt.inference.decoding.NoteDecoder``, ``amt.inference.velocity.OnsetStrengths``,
``amt.transcription.npz_stream``): memory holds about one chunk of audio and the note
list, whatever the recording's length. Where the outputs go is ``amt.transcription.outputs``'
choice; the wav is ``amt.transcription.resynth``'s.
"""

import json
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from amt.config.evaluate import EvaluateConfig
from amt.config.reader import threshold
from amt.core.audio import audio_blocks, audio_seconds
from amt.core.constants import HEADS, N_KEYS, SAMPLE_RATE, frame_to_time, n_frames
from amt.core.device import Placement
from amt.core.errors import AmtError
from amt.core.notes import notes_to_midi, write_midi
from amt.inference.chunks import audio_chunks, chunk_frames, predict_chunks
from amt.inference.decoding import NoteDecoder, Thresholds, frames_to_notes
from amt.inference.velocity import OnsetStrengths, band_power, velocities_from_strengths
from amt.models.checkpoint import load_model_file
from amt.transcription.npz_stream import StreamedNpz
from amt.transcription.outputs import Outputs

log = logging.getLogger(__name__)

SILENCE_PEAK = 1e-4  # a peak below this (-80 dBFS) holds nothing to transcribe
SILENT_START_SECONDS = 300.0  # a recording silent this long from its start is given up on
PROGRESS = "{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s [{elapsed}<{remaining}]"


@dataclass
class Transcriber:
    """A loaded model with the settings it transcribes with."""

    model: Any
    settings: EvaluateConfig
    thresholds: Thresholds
    where: Placement

    @classmethod
    def load(cls, model_path: str | Path, where: Placement) -> "Transcriber":
        """The model file's model, with its training run's evaluate settings."""
        loaded = load_model_file(model_path, where.device)
        return cls(loaded.model, loaded.evaluate, Thresholds.from_config(loaded.evaluate), where)

    def transcribe(self, path: Path, rolls_path: Path) -> np.ndarray:
        """Transcribe a recording block by block; write its probabilities and notes to the
        ``.npz`` ``rolls_path`` and return the notes (with estimated velocities)."""
        frames = chunk_frames(self.settings.chunk_seconds, self.settings.overlap_seconds)
        levels = Levels(path)
        decoder = NoteDecoder(self.thresholds.onset, self.thresholds.frame)
        strengths = OnsetStrengths()
        blocks = (levels.check(block) for block in audio_blocks(path))
        with (
            StreamedNpz(rolls_path, HEADS, N_KEYS) as rolls,
            tqdm(
                total=_frame_count(path),
                unit_scale=frame_to_time(1),
                desc=path.name,
                leave=False,
                bar_format=PROGRESS,
            ) as bar,
        ):
            for chunk, audio, probs in predict_chunks(
                self.model, audio_chunks(blocks, *frames), self.where.device, autocast=self.where.autocast
            ):
                rolls.append(probs)
                kept = band_power(audio)[:, chunk.keep_from - chunk.start : chunk.keep_to - chunk.start]
                strengths.push(kept, *decoder.push(probs["onset"], probs["frame"]))
                bar.update(chunk.keep_to - chunk.keep_from)
            levels.check_whole()
            starts, ends, keys = decoder.finish()
            notes = frames_to_notes(starts, ends, keys, velocities_from_strengths(strengths.finish()[2]))
            rolls.write(notes=notes)
        return notes


def _frame_count(path: Path) -> int:
    """The frames of a recording, from its header: what the progress bar counts, in whole
    frames (shown as seconds), so that it ends at its total exactly."""
    return n_frames(math.ceil(audio_seconds(path) * SAMPLE_RATE))


class Levels:
    """Checks on a recording's samples as they stream past: finite, present, not silent."""

    def __init__(self, path: Path):
        self.path, self.samples, self.peak = path, 0, 0.0

    def check(self, block: np.ndarray) -> np.ndarray:
        if not np.isfinite(block).all():
            raise AmtError(f"{self.path}: audio holds NaN or infinite samples")
        self.samples += len(block)
        self.peak = max(self.peak, float(np.abs(block).max(initial=0.0)))
        if self.peak < SILENCE_PEAK and self.samples >= SILENT_START_SECONDS * SAMPLE_RATE:
            raise AmtError(
                f"{self.path}: audio is silent for its first {SILENT_START_SECONDS:.0f} s "
                "(peak below -80 dBFS); nothing to transcribe"
            )
        return block

    def check_whole(self) -> None:
        if not self.samples:
            raise AmtError(f"{self.path}: audio file holds no samples")
        if self.peak < SILENCE_PEAK:
            raise AmtError(f"{self.path}: audio is silent (peak below -80 dBFS); nothing to transcribe")


def with_flags(base: Thresholds, onset: float | None, frame: float | None) -> Thresholds:
    """``base`` with the thresholds the command-line flags set (None: not set)."""
    return Thresholds(base.onset if onset is None else onset, base.frame if frame is None else frame)


def read_thresholds(path: Path) -> Thresholds:
    """Onset and frame thresholds from a JSON file such as the evaluate stage's metrics/eval.json."""
    try:
        values = json.loads(path.read_text())
    except OSError as error:
        raise AmtError(f"{path}: cannot read thresholds ({error.strerror})") from None
    except json.JSONDecodeError as error:
        raise AmtError(f"{path}: not valid JSON ({error.msg} at line {error.lineno})") from None
    if not isinstance(values, dict) or not {"onset_threshold", "frame_threshold"} <= values.keys():
        raise AmtError(f"{path}: needs numeric onset_threshold and frame_threshold (as in metrics/eval.json)")
    return Thresholds(
        *(threshold(values[f"{head}_threshold"], f"{path}: {head}_threshold") for head in HEADS)
    )


def transcribe_file(
    transcriber: Transcriber,
    path: Path,
    outputs: Outputs,
    render: Callable[[Path, Path], None] | None,
) -> list[Path]:
    """Write the MIDI, the probabilities and (with ``render``) the re-synthesised wav of one
    recording to ``outputs`` (only the wav when ``outputs.wav_only``); return the files written."""
    written = []
    if not outputs.wav_only:
        notes = transcriber.transcribe(path, outputs.rolls)
        write_midi(outputs.midi, notes_to_midi(notes))
        written = [outputs.midi, outputs.rolls]
    if render is None:
        return written
    render(outputs.midi, outputs.wav)
    return [*written, outputs.wav]


def transcribe_files(
    transcriber: Transcriber,
    plan: Mapping[Path, Outputs],
    render: Callable[[Path, Path], None] | None,
) -> int:
    """Transcribe every planned file, reporting each success or one-line failure; return the failures."""
    failures = 0
    for path, outputs in plan.items():
        try:
            written = transcribe_file(transcriber, Path(path), outputs, render)
        except AmtError as error:
            failures += 1
            log.error("%s", error)
            continue
        log.info("%s: wrote %s", path, ", ".join(str(p) for p in written))
    return failures
