"""How much faster crnn and onf learn with ``models.lstm_skip`` than without it.

For each model, with the skip off and on, it trains ``steps`` steps from the same seed
on ``data/cache`` with params.yaml's settings, set up as the train stage does, then
prints the mean losses of the last 100 steps and the validation note F1 of the first
10 validation pieces at the thresholds tuned on them. One process, so the training
times are comparable.

Run from the repository root after ``dvc repro cache``:
``.venv/bin/python -m benchmarks.skip [steps] [model ...]`` (default 300 crnn onf).
"""

import sys
import time

import numpy as np
import torch

from amt.config import Config
from amt.config.params import load_params
from amt.core.constants import CACHE_DIR
from amt.inference.evaluation import transcribe_split, tune_thresholds
from amt.training.batches import batches
from amt.training.run import Run
from amt.training.settings import TrainSettings

VALIDATION_PIECES = 10
LOSS_WINDOW = 100


def train(params: dict, model_name: str, skip: bool, steps: int) -> tuple:
    """A model trained from scratch, its settings, the losses of its last steps and the time taken.

    ``amt.training.run.Run`` sets it up exactly as the train stage does (seed, label-rate
    biases, segment order); only MLflow, validation and checkpoints are left out.
    """
    models = params["models"] | {"lstm_skip": skip}
    train = params["train"] | {"steps": steps}
    run_params = params | {"model": model_name, "models": models, "train": train}
    config = Config.from_params(run_params)
    settings = TrainSettings.from_config(config)
    run = Run(config, settings, CACHE_DIR)
    start = time.perf_counter()
    losses = [run.trainer.step(batch) for batch in batches(run.dataset, settings, 0)][-LOSS_WINDOW:]
    return run.trainer.model.eval(), settings, losses, time.perf_counter() - start


def validation_note_f1(model: torch.nn.Module, params: dict, settings: TrainSettings) -> tuple:
    """Thresholds tuned on the first validation pieces, and the note F1 they give there."""
    where, evaluate = settings.placement, Config.from_params(params).evaluate
    with torch.no_grad(), where.autocast():
        transcribed = transcribe_split(
            model, CACHE_DIR, "validation", evaluate, where.device, VALIDATION_PIECES
        )
        pieces = list(transcribed)
    return tune_thresholds(pieces, evaluate.threshold_grid)


def run(params: dict, model_name: str, skip: bool, steps: int) -> str:
    """Train and validate one model; its losses, note F1 and training time as one line."""
    model, settings, losses, seconds = train(params, model_name, skip, steps)
    thresholds, note_f1 = validation_note_f1(model, params, settings)
    onset, frame = (np.mean([row[f"{name}_loss"] for row in losses]) for name in ("onset", "frame"))
    return (
        f"{model_name:6}{str(skip):>6}{onset:12.4f}{frame:12.4f}{note_f1:10.3f}"
        f"   {thresholds.onset}/{thresholds.frame}{seconds:9.0f} s"
    )


def main(steps: int = 300, *models: str) -> None:
    params = load_params()
    train = params["train"]
    segments = f"batch {train['batch_size']} x {train['sequence_length']} samples"
    print(f"{steps} steps, {segments}, seed {train['seed']}")
    print(
        f"losses: mean of the last {LOSS_WINDOW} steps; note F1: first {VALIDATION_PIECES} validation pieces"
    )
    print(f"{'model':6}{'skip':>6}{'onset loss':>12}{'frame loss':>12}{'note F1':>10}   thresholds  train")
    for model_name in models or ("crnn", "onf"):
        for skip in (False, True):
            print(run(params, model_name, skip, steps), flush=True)


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:2]), *sys.argv[2:])
