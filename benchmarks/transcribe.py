"""Real-time factor of `amt transcribe` per model on this CPU.

``python -m benchmarks.transcribe [--minutes 5]`` renders a random piano recording with
FluidSynth to a FLAC, then times the whole transcription of it (reading, features, chunked
model, decoding, velocities) by each model at params.yaml's sizes and evaluate settings,
and prints compute seconds per audio second and the process's peak RSS. Weights are
untrained: the cost does not depend on them. benchmarks.memory measures memory against
length.
"""

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from amt.config import load_config
from amt.core.audio import save_flac
from amt.core.constants import SAMPLE_RATE
from amt.core.device import placement
from amt.core.notes import make_notes, notes_to_midi
from amt.inference.decoding import Thresholds
from amt.models import MODELS, build_model
from amt.transcription.transcriber import Transcriber


def random_recording(minutes: float, seed: int = 0) -> np.ndarray:
    """A few notes per second over the keyboard, rendered with pretty_midi's FluidSynth."""
    rng = np.random.default_rng(seed)
    count = int(minutes * 60 * 4)
    onsets = np.sort(rng.uniform(0, minutes * 60 - 1, count))
    rows = np.column_stack(
        [
            onsets,
            onsets + rng.uniform(0.1, 1.0, count),
            rng.integers(21, 109, count),
            rng.integers(20, 127, count),
        ]
    )
    audio = notes_to_midi(make_notes(rows)).fluidsynth(fs=SAMPLE_RATE)
    return (audio / np.abs(audio).max() * 0.9).astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=5.0)
    args = parser.parse_args()
    config = load_config()
    settings = config.evaluate
    where = placement(config.train.device, config.train.precision)
    audio = random_recording(args.minutes)
    seconds = len(audio) / SAMPLE_RATE
    print(f"{seconds / 60:.1f} min recording, {where}, {torch.get_num_threads()} threads")
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "recording.flac"
        save_flac(path, audio)
        for name in MODELS:
            model = build_model(name, config.models).to(where.device).eval()
            transcriber = Transcriber(model, settings, Thresholds.from_config(settings), where)
            start = time.perf_counter()
            transcriber.transcribe(path)
            elapsed = time.perf_counter() - start
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            factor = elapsed / seconds
            print(f"{name:>8}: real-time factor {factor:.3f} ({elapsed:.1f} s), peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
