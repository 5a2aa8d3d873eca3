"""Transcribing the user's recordings: audio files in; MIDI, probabilities and a
re-synthesised wav out, one file at a time so that one bad file stops nothing else.

A recording is read, resampled and transcribed block by block (``amt.audio.audio_blocks``,
``amt.inference.audio_chunks``): what is held grows only with the probability rolls that
the ``.npz`` keeps, not with the audio. Outputs are named after the whole input file name
(``take1.flac`` -> ``take1.flac.mid``), so inputs that differ only in their extension stay
apart; every output name is checked against the inputs and the other outputs before any
work starts.
"""

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from amt.atomic import atomic_path
from amt.audio import audio_blocks, audio_seconds
from amt.checkpoint import load_checkpoint, model_from_checkpoint
from amt.constants import HEADS, SAMPLE_RATE, frame_to_time, n_frames
from amt.decoding import Thresholds, notes_from
from amt.device import Placement
from amt.errors import AmtError
from amt.inference import audio_chunks, chunk_frames, predict_chunks
from amt.notes import notes_to_midi, write_midi
from amt.velocity import band_power

SILENCE_PEAK = 1e-4  # a peak below this (-80 dBFS) holds nothing to transcribe
OUTPUT_SUFFIXES = (".mid", ".npz", ".resynth.wav")
RESYNTH_RATE = 16000
PROGRESS = "{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total:.0f} s [{elapsed}<{remaining}]"
RESYNTH_GAIN = 0.3  # FluidSynth's master gain: loud enough, and dense chords do not clip


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
        return cls(model, settings, Thresholds.from_settings(settings, f"{model_path}: evaluate."), where)

    def transcribe(self, path: Path) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Probabilities and decoded notes (with estimated velocities) of a recording."""
        frames = chunk_frames(self.settings["chunk_seconds"], self.settings["overlap_seconds"])
        levels = Levels(path)
        rolls: dict[str, list[np.ndarray]] = {head: [] for head in HEADS}
        bands = []
        blocks = (levels.check(block) for block in audio_blocks(path))
        with (
            tqdm(total=_frames_seconds(path), desc=path.name, leave=False, bar_format=PROGRESS) as bar,
            self.where.autocast(),
        ):
            for chunk, audio, probs in predict_chunks(
                self.model, audio_chunks(blocks, *frames), self.where.device
            ):
                for head in HEADS:
                    rolls[head].append(probs[head])
                kept = slice(chunk.keep_from - chunk.start, chunk.keep_to - chunk.start)
                bands.append(band_power(audio)[:, kept])
                bar.update(frame_to_time(chunk.keep_to - chunk.keep_from))
        levels.check_whole()
        probs = {head: np.concatenate(parts) for head, parts in rolls.items()}
        return probs, notes_from(probs, np.concatenate(bands, axis=1), self.thresholds)


def _frames_seconds(path: Path) -> float:
    """The time the frames of a recording span: what the progress bar counts."""
    return frame_to_time(n_frames(math.ceil(audio_seconds(path) * SAMPLE_RATE)))


class Levels:
    """Checks on a recording's samples as they stream past: finite, present, not silent."""

    def __init__(self, path: Path):
        self.path, self.samples, self.peak = path, 0, 0.0

    def check(self, block: np.ndarray) -> np.ndarray:
        if not np.isfinite(block).all():
            raise AmtError(f"{self.path}: audio holds NaN or infinite samples")
        self.samples += len(block)
        self.peak = max(self.peak, float(np.abs(block).max(initial=0.0)))
        return block

    def check_whole(self) -> None:
        if not self.samples:
            raise AmtError(f"{self.path}: audio file holds no samples")
        if self.peak < SILENCE_PEAK:
            raise AmtError(f"{self.path}: audio is silent (peak below -80 dBFS); nothing to transcribe")


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
    return Thresholds.from_settings(values, source=f"{path}: ")


def output_paths(path: Path, out_dir: Path) -> list[Path]:
    """Where the outputs of ``path`` go: its whole file name plus each of OUTPUT_SUFFIXES."""
    return [out_dir / f"{path.name}{suffix}" for suffix in OUTPUT_SUFFIXES]


def plan_outputs(paths: Sequence[Path], out_dir: Path, existing: str) -> dict[Path, list[Path]]:
    """The outputs of each input that is to be transcribed, checked before any work.

    Two inputs that would write the same file, or an output that is an input, are an
    AmtError. Outputs left by an earlier run are an AmtError too when ``existing`` is
    ``refuse``; ``skip`` leaves those inputs out, ``overwrite`` replaces them.
    """
    inputs = {_identity(path): path for path in paths}
    writers: dict[Path, Path] = {}
    plan = {}
    for path in paths:
        outputs = output_paths(path, out_dir)
        for output in outputs:
            if output in writers:
                raise AmtError(
                    f"{writers[output]} and {path} would both write {output}; "
                    "transcribe inputs of the same name into different --out folders"
                )
            writers[output] = path
            if _identity(output) in inputs:
                raise AmtError(f"{output} is an input; amt never writes over an input, choose another --out")
        done = [output for output in outputs if output.exists()]
        if done and existing == "refuse":
            raise AmtError(
                f"{done[0]} exists (an earlier run?); pass --overwrite to replace such outputs "
                "or --skip-existing to leave their inputs out"
            )
        if not (done and existing == "skip"):
            plan[path] = outputs
    return plan


def _identity(path: Path) -> Path:
    """A path with links and ``..`` resolved, so that two names of one file compare equal."""
    return Path(os.path.realpath(path))


def check_out_dir(out_dir: Path) -> None:
    """The output folder exists or can be made, and takes files; else one line, before any work."""
    if out_dir.exists() and not out_dir.is_dir():
        raise AmtError(f"--out {out_dir}: is a file, not a folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out_dir):
            pass
    except OSError as error:
        raise AmtError(f"--out {out_dir}: cannot write there ({error.strerror})") from None


def resynthesiser() -> tuple[Callable[[Path, Path], None] | None, str]:
    """A function that renders a MIDI file to a wav with the FluidSynth program and pretty_midi's
    General MIDI SoundFont, or None and the reason it cannot."""
    program = shutil.which("fluidsynth")
    soundfont = resources.files("pretty_midi") / "TimGM6mb.sf2"
    if program is None:
        return None, "the fluidsynth program is not installed (Debian: apt-get install fluidsynth)"
    if not soundfont.is_file():
        return None, f"pretty_midi's SoundFont {soundfont} is missing"

    def render(midi: Path, wav: Path) -> None:
        command = [program, "-ni", "-q", "-g", str(RESYNTH_GAIN), "-r", str(RESYNTH_RATE)]
        command += ["-O", "s16", "-T", "wav", "-F", str(wav), str(soundfont), str(midi)]
        result = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if result.returncode != 0 or not wav.stat().st_size:
            reason = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
            raise AmtError(f"{midi}: FluidSynth could not render it ({reason[0]})")

    return render, ""


def transcribe_file(
    transcriber: Transcriber,
    path: Path,
    outputs: Sequence[Path],
    render: Callable[[Path, Path], None] | None,
) -> list[Path]:
    """Write the MIDI, the probabilities and (with ``render``) the re-synthesised wav of one
    recording to ``outputs``; return the files written."""
    probs, notes = transcriber.transcribe(path)
    midi, rolls, wav = outputs
    write_midi(midi, notes_to_midi(notes))
    with atomic_path(rolls, suffix=".npz") as tmp:
        np.savez_compressed(tmp, notes=notes, **probs)
    if render is None:
        return [midi, rolls]
    with atomic_path(wav, suffix=".wav") as tmp:
        render(midi, tmp)
    return [midi, rolls, wav]


def transcribe_files(
    transcriber: Transcriber,
    plan: Mapping[Path, Sequence[Path]],
    render: Callable[[Path, Path], None] | None,
    report: Callable[..., None] = print,
) -> int:
    """Transcribe every planned file, reporting each success or one-line failure; return the failures."""
    failures = 0
    for path, outputs in plan.items():
        try:
            written = transcribe_file(transcriber, Path(path), outputs, render)
        except AmtError as error:
            failures += 1
            report(f"error: {error}", file=sys.stderr)
            continue
        report(f"{path}: wrote {', '.join(str(p) for p in written)}")
    return failures
