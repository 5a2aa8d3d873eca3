"""How many steps the main job gives each model, so that it ends within its budget here.

Each model's full steps and decay interval are its schedule in params.yaml
(``train.schedules``), sized by measurement on the sizing machine, a 2-core AMD EPYC
without AVX-512 (so fp32; docs/main-job.md). A slower machine would stretch the job
past its budget, so before training the main job times a few onf steps here, compares
them with the same measurement on the sizing machine and, if this machine is slower than
the budget allows, scales every model's steps and learning-rate decay interval by one
factor (the schedule keeps its shape). A machine as fast or faster keeps the full steps.
"""

import json
import math
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torch.utils.data import DataLoader

from amt.config import Config
from amt.config.train import AUTO
from amt.core import atomic
from amt.core.errors import AmtError
from amt.models import MODELS, build_model
from amt.training.batches import batches, training_segments
from amt.training.settings import TrainSettings
from amt.training.trainer import Trainer

BUDGET_SECONDS = 60 * 60
MARGIN_SECONDS = 3 * 60  # for the noise of a shared machine
# The sizing machine's main job at 64af1af (2026-11-27), which sized itself to the schedules:
# its four trainings proper took 2357 s (500 / 4.16 + 1400 / 14.28 + 500 / 3.22 + 6500 / 3.28
# steps/s, two processes), the rest of the experiments (evaluation, validation, DVC) and the
# report 452 s; its one onf step of `seconds_per_step` (batch 8 x 20480 samples, one process,
# fp32) 0.305 s.
SIZED_TRAINING_SECONDS = 2357.0
SIZED_OTHER_SECONDS = 452.0
SIZED_SECONDS_PER_STEP = 0.305
# Scoring all four models on one minute of real recordings (amt evaluate, after each
# experiment), in the sizing machine's seconds: measured on the 2-core AVX-512 machine
# (docs/experiments/2026-12-04-real-recordings.md) and scaled by its training speed ratio.
SIZED_SECONDS_PER_REAL_MINUTE = 7.5
MEASURED_MODEL = "onf"
MAIN_JOB_FILE = "runs/main_job.json"  # where the main job keeps its sizing (load_or_size)
SCALE_STEP = 0.05  # scales are whole multiples of this, so re-measuring rarely changes them
MIN_STEPS = 100
WARMUP_STEPS = 3


@dataclass(frozen=True)
class Sizing:
    """The main job's steps on this machine, and why."""

    speed: float  # this machine's training speed relative to the sizing machine's
    scale: float  # applied to every model's steps and decay interval
    steps: dict[str, tuple[int, int]]  # model -> (steps, decay interval)

    def to_json(self) -> dict[str, Any]:
        return {
            "speed": self.speed,
            "scale": self.scale,
            "steps": {m: list(s) for m, s in self.steps.items()},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Sizing":
        steps = {model: (int(pair[0]), int(pair[1])) for model, pair in data["steps"].items()}
        return cls(float(data["speed"]), float(data["scale"]), steps)


def scale_for(speed: float, elapsed_seconds: float, extra_seconds: float = 0.0) -> float:
    """The largest scale (at most 1) at which the rest of the job fits the budget at ``speed``.

    ``elapsed_seconds``: what the job has used so far (setup, corpus, cache); ``extra_seconds``:
    work it will do beyond the sized job's, in the sizing machine's seconds (real recordings).
    """
    remaining = BUDGET_SECONDS - MARGIN_SECONDS - elapsed_seconds
    fits = (remaining * speed - SIZED_OTHER_SECONDS - extra_seconds) / SIZED_TRAINING_SECONDS
    return max(SCALE_STEP, min(1.0, math.floor(fits / SCALE_STEP + 1e-9) * SCALE_STEP))


def full_steps(config: Config) -> dict[str, tuple[int, int]]:
    """model -> (steps, decay interval) of every model's schedule in ``config``
    (``train.schedules``, whatever ``train.steps`` says)."""
    own = {"train.steps": AUTO, "train.lr_decay_steps": AUTO}
    trains = {model: config.with_overrides(own | {"model": model}).train for model in MODELS}
    return {model: (train.steps, train.lr_decay_steps) for model, train in trains.items()}


def scaled(full: Mapping[str, tuple[int, int]], scale: float) -> dict[str, tuple[int, int]]:
    """Every model's (steps, decay interval) times ``scale``; steps in hundreds, as checkpoints come."""
    if scale == 1.0:
        return dict(full)
    return {
        model: (max(MIN_STEPS, int(round(steps * scale, -2))), max(1, round(decay * scale)))
        for model, (steps, decay) in full.items()
    }


def step_loop(config: Config, cache_dir: str | Path, steps: int) -> tuple[Trainer, DataLoader]:
    """A new Trainer for the config's model and settings, and ``steps`` batches of the cache's training split.

    For timing training steps outside a run (here and in benchmarks/): one process, no
    tracking, checkpoints or output-bias initialisation.
    """
    settings = TrainSettings.from_config(config.with_overrides({"train.steps": steps}))
    dataset = training_segments(cache_dir, settings)
    return Trainer(build_model(settings.model, settings.sizes), settings), batches(dataset, settings, 0)


def seconds_per_step(config: Config, cache_dir: str | Path, steps: int = 20) -> float:
    """Median wall time of one onf training step here (params' batch, segment length, precision).

    One process on every thread torch has, after WARMUP_STEPS (the first steps of a new
    process run slower); data loading included.
    """
    trainer, loader = step_loop(
        config.with_overrides({"model": MEASURED_MODEL}), cache_dir, steps + WARMUP_STEPS
    )
    times = []
    clock = time.perf_counter()
    for batch in loader:
        trainer.step(batch)
        times.append(time.perf_counter() - clock)
        clock = time.perf_counter()
    return statistics.median(times[WARMUP_STEPS:])


def size(
    seconds: float, elapsed_seconds: float, full: Mapping[str, tuple[int, int]], extra_seconds: float = 0.0
) -> Sizing:
    """The main job's steps for a machine whose onf step takes ``seconds``."""
    speed = SIZED_SECONDS_PER_STEP / seconds
    scale = scale_for(speed, elapsed_seconds, extra_seconds)
    return Sizing(speed, scale, scaled(full, scale))


def load_or_size(
    path: str | Path,
    elapsed_seconds: float,
    full: Mapping[str, tuple[int, int]],
    measure: Callable[[], float],
    extra_seconds: float = 0.0,
) -> tuple[Sizing, bool]:
    """The sizing an earlier run saved at ``path``, else a new one from ``measure()`` saved there.

    Kept so that re-running the main job asks DVC for the same experiments (which it
    then restores instead of training again). Also returns whether it was reused.
    """
    path = Path(path)
    if path.is_file():
        try:
            return Sizing.from_json(json.loads(path.read_text())), True
        except (ValueError, KeyError, TypeError, IndexError) as error:
            raise AmtError(f"{path}: not a sizing amt wrote ({error}); delete it to size again") from error
    sizing = size(measure(), elapsed_seconds, full, extra_seconds)
    atomic.write_text(path, json.dumps(sizing.to_json(), indent=1) + "\n")
    return sizing, False
