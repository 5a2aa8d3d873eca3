"""Whole training runs with one process against data-parallel processes (``train.processes``).

Each run is ``amt.training.run.train`` itself at params.yaml's settings (no validation,
logging into a scratch MLflow store), so process start-up, the gradient all-reduce and
waiting for the slower process are all in the figure. Runs take turns, so slow spells of
a shared machine fall on both.

Run from the repository root: ``.venv/bin/python -m benchmarks.processes [steps] [model]
[rounds]`` (default 200 steps of onf, 2 rounds). It uses ``data/cache`` when present,
otherwise a small generated cache.
"""

import sys
import tempfile
from pathlib import Path

import torch

from amt.config import Config
from amt.config.params import load_params, with_overrides
from amt.core.constants import CACHE_DIR
from amt.training.run import train
from benchmarks.train import generated_cache

PROCESSES = (1, 2)


def steps_per_second(params: dict, cache_dir: Path, scratch: Path, processes: int) -> float:
    """``train.steps_per_second`` of one run of ``params`` with ``processes`` processes."""
    run_dir = Path(tempfile.mkdtemp(dir=scratch))
    overrides = {
        "train.processes": processes,
        "train.validation_interval": None,
        "tracking.uri": f"sqlite:///{scratch / 'mlflow.db'}",
    }
    result = train(
        Config.from_params(with_overrides(params, overrides)),
        cache_dir,
        run_dir / "model.pt",
        run_dir / "last.pt",
    )
    return result.summary["steps_per_second"]


def main(steps: int = 200, model: str = "onf", rounds: int = 2) -> None:
    params = with_overrides(load_params(), {"model": model, "train.steps": steps})
    with tempfile.TemporaryDirectory() as scratch:
        cache_dir = Path(CACHE_DIR) if Path(CACHE_DIR).exists() else generated_cache(Path(scratch))
        print(f"{model}, {steps} steps per run, {torch.get_num_threads()} threads in all, cache {cache_dir}")
        speeds: dict[int, list[float]] = {n: [] for n in PROCESSES}
        for _ in range(rounds):
            for processes in PROCESSES:
                speeds[processes].append(steps_per_second(params, cache_dir, Path(scratch), processes))
        for processes, values in speeds.items():
            shown = ", ".join(f"{value:.2f}" for value in values)
            print(f"{processes} process(es): {shown} steps/s (mean {sum(values) / len(values):.2f})")


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:2]), *sys.argv[2:3], *(int(arg) for arg in sys.argv[3:4]))
