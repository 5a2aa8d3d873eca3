"""What training-time augmentation costs, for each model: a training step with
params.yaml's ``train.augment`` (``mix`` on), and with the waveform recipe of
``profiles/augment.yaml`` added, against the same step with augmentation off.

The two loops take turns step by step (``benchmarks.train.seconds_per_step``), at
params.yaml's batch, segment length and automatic precision, one process with every
thread, as the main job's sizing measures a step. Also the augmentation alone, every
augmentation applied to every segment (its worst case).

Run from the repository root: ``.venv/bin/python -m benchmarks.augment [steps] [model ...]``.
It uses ``data/cache`` when present, otherwise a small generated cache.
"""

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from amt.config import Config, load_config
from amt.config.augment import AugmentConfig, Draw
from amt.core.constants import CACHE_DIR
from amt.models import MODELS
from amt.profiles import load_profile
from amt.training.augment import Augmenter
from amt.training.sizing import step_loop
from benchmarks.train import generated_cache, seconds_per_step


def worst_case_ms(batch: int, length: int, repeats: int = 30) -> float:
    """Median milliseconds to augment one batch with every augmentation on every segment."""
    draws = recipe().train.augment.draws
    every = {name: Draw(1.0, draw.low, draw.high) for name, draw in draws.items()}
    augment = Augmenter(AugmentConfig(every), seed=0)
    audio = torch.randn(batch, length) * 0.1
    times = []
    for step in range(repeats):
        start = time.perf_counter()
        augment(audio, step)
        times.append(time.perf_counter() - start)
    return 1000 * float(np.median(times))


def recipe() -> Config:
    """params.yaml with the augmentation profile."""
    return load_config().with_overrides(load_profile("augment"))


def main(steps: int = 12, *models: str) -> None:
    config = load_config()
    train = recipe().train
    print(f"batch {train.batch_size} x {train.sequence_length} samples, {torch.get_num_threads()} threads")
    draws = train.augment.draws.items()
    print("augmentations:", ", ".join(f"{name} p={d.p:g} [{d.low:g}, {d.high:g}]" for name, d in draws))
    worst = worst_case_ms(train.batch_size, train.sequence_length)
    print(f"every waveform augmentation on every segment: {worst:.1f} ms a batch")
    variants = {"off": config.with_overrides({"train.augment": None}), "params": config, "profile": recipe()}
    with tempfile.TemporaryDirectory() as scratch:
        cache_dir = Path(CACHE_DIR) if Path(CACHE_DIR).exists() else generated_cache(Path(scratch))
        print(f"{'model':10}{'off ms':>10}{'params ms':>11}{'cost':>8}{'profile ms':>12}{'cost':>8}")
        for model in models or tuple(MODELS):
            loops = {
                name: _loop(variant.with_overrides({"model": model}), cache_dir, steps)
                for name, variant in variants.items()
            }
            off, default, profile = seconds_per_step(loops, steps).values()
            print(
                f"{model:10}{1000 * off:10.1f}{1000 * default:11.1f}{default / off - 1:8.1%}"
                f"{1000 * profile:12.1f}{profile / off - 1:8.1%}",
                flush=True,
            )


def _loop(config, cache_dir: Path, steps: int) -> tuple:
    trainer, loader = step_loop(config, cache_dir, steps + 1)
    return trainer.step, loader


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:2]), *sys.argv[2:])
