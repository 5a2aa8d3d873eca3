"""The homework's GPU settings through amt's real training path: steps per second per model.

``python -m benchmarks.gpu [--steps 300] [--device cuda] [model ...]`` trains each model
(default: all four) for ``--steps`` steps with params.yaml plus the GPU profile
(profiles/gpu.yaml, what the main job trains on a GPU) by calling ``amt.training.run.train``
as the train stage does: DataLoader workers, autocast, checkpoints and MLflow logging (into
a scratch store) included. Then it
transcribes the validation split on the same device. It prints steps/s (the homework's
reference on a 2020 GPU: 6.3 for onf, 9.2 for the baseline), audio seconds trained and
transcribed per wall second, and the peak GPU memory.

Run from the repository root after ``dvc repro cache`` (it reads ``data/cache``).
"""

import argparse
import tempfile
import time
from pathlib import Path

import torch

from amt.config import Config
from amt.config.params import load_params, with_overrides
from amt.core.constants import CACHE_DIR, SAMPLE_RATE
from amt.core.device import placement
from amt.inference.evaluation import evaluate_split
from amt.models import MODELS
from amt.models.checkpoint import load_model_file
from amt.profiles import load_profile
from amt.training.run import train

# The GPU main job's settings (the homework's sizes and learning-rate schedule).
GPU_OVERRIDES = load_profile("gpu")


def run_params(model: str, steps: int, device: str, scratch: Path) -> dict:
    """params.yaml with the GPU profile, shortened to ``steps``, logging into ``scratch``."""
    overrides = GPU_OVERRIDES | {
        "model": model,
        "train.steps": steps,
        "train.device": device,
        "tracking.uri": f"sqlite:///{scratch / 'mlflow.db'}",
    }
    return with_overrides(load_params(), overrides)


def validation_speed(model_file: Path, params: dict) -> tuple[float, float]:
    """Audio seconds of the validation split transcribed per wall second (as the evaluate stage
    does it: same device, same autocast), and its note F1."""
    config = Config.from_params(params)
    where = placement(config.train.device, config.train.precision)
    model = load_model_file(model_file, where.device).model
    start = time.perf_counter()
    with where.autocast():
        metrics, _, pieces = evaluate_split(model, CACHE_DIR, "validation", config.evaluate, where.device)
    audio_seconds = sum(len(piece.audio) for piece in pieces) / SAMPLE_RATE
    return audio_seconds / (time.perf_counter() - start), metrics["note_f1"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", default=list(MODELS))
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--device", default="cuda")
    args = parser.parse_args()
    if args.device == "cuda" and torch.cuda.is_available():
        print(f"{torch.cuda.get_device_name()}, torch {torch.__version__}")
    for model in args.models:
        with tempfile.TemporaryDirectory() as scratch:
            scratch = Path(scratch)
            params = run_params(model, args.steps, args.device, scratch)
            if args.device == "cuda":
                torch.cuda.reset_peak_memory_stats()
            model_file = scratch / "model.pt"
            summary = train(Config.from_params(params), CACHE_DIR, model_file, scratch / "last.pt").summary
            memory = ""
            if args.device == "cuda":
                memory = f", peak GPU memory {torch.cuda.max_memory_allocated() / 2**30:.1f} GiB"
            speed, note_f1 = validation_speed(model_file, params)
        print(
            f"{model:>8}: {summary['steps_per_second']:.2f} steps/s, "
            f"{summary['audio_seconds_per_second']:.0f} audio s/s trained{memory}; "
            f"validation transcribed at {speed:.0f} audio s/s, note F1 {note_f1:.3f} "
            f"after {args.steps} steps",
            flush=True,
        )


if __name__ == "__main__":
    main()
