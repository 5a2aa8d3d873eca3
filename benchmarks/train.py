"""Training throughput on this machine, in audio seconds processed per wall second.

For each model (params.yaml's sizes, batch size and sequence length) it times a few
steps of amt's loop (segments read from the cache, ``amt.training.run.Trainer``) in fp32
and in bf16 autocast (where the CPU has bf16 kernels), and of a naive loop in the
homework's style: the whole training split held in RAM as float tensors, fp32,
gradients clipped after the optimiser step.
All in one process, so the ratios are comparable.

Run from the repository root: ``.venv/bin/python -m benchmarks.train [steps] [model ...]``.
It uses ``data/cache`` when present, otherwise a small generated cache.
"""

import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

from amt.config import Config
from amt.config.params import load_params
from amt.core.audio import from_int16
from amt.core.constants import CACHE_DIR, HOP_LENGTH, SAMPLE_RATE
from amt.core.device import placement
from amt.core.metadata import write_metadata
from amt.data.cache import build_cache, pieces
from amt.models import MODELS, build_model
from amt.models.dropout import ByteDropout
from amt.models.pooling import FrequencyMaxPool
from amt.training.settings import TrainSettings
from amt.training.sizing import step_loop
from amt.training.trainer import OUTPUTS
from tests.conftest import write_piece

WARMUP_STEPS = 1


class InMemorySegments(Dataset):
    """The homework's dataset: every training piece (long enough) decoded to float tensors up front."""

    def __init__(self, cache_dir: Path, sequence_length: int, size: int) -> None:
        self.pieces = []
        for file in pieces(cache_dir, "train")["file"]:
            with np.load(cache_dir / file) as data:
                if len(data["audio"]) < sequence_length:
                    continue
                rolls = {name: torch.from_numpy(data[name].astype(np.float32)) for name in OUTPUTS}
                self.pieces.append({"audio": torch.from_numpy(from_int16(data["audio"])), **rolls})
        self.sequence_length, self.size = sequence_length, size

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        piece = self.pieces[torch.randint(len(self.pieces), ()).item()]
        frames = self.sequence_length // HOP_LENGTH + 1
        start = torch.randint(len(piece["frame"]) - frames + 1, ()).item()
        audio = piece["audio"][start * HOP_LENGTH : start * HOP_LENGTH + self.sequence_length]
        return {"audio": audio, **{name: piece[name][start : start + frames] for name in OUTPUTS}}


def naive_step(model: torch.nn.Module, optimizer: torch.optim.Optimizer, clip: float) -> Callable:
    def step(batch: dict[str, torch.Tensor]) -> None:
        logits = model(batch["audio"])
        loss = sum(F.binary_cross_entropy_with_logits(logits[name], batch[name]) for name in OUTPUTS)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)  # after the step: no effect

    return step


def seconds_per_step(loops: dict[str, tuple[Callable, Iterable]], steps: int) -> dict[str, float]:
    """Median wall time of a step (data loading included) of each loop, after a warm-up.

    The loops take turns step by step and the median is kept, so that other processes
    on a shared machine slow all of them alike and spoil few measurements.
    """
    iterators = {name: (step, iter(loader)) for name, (step, loader) in loops.items()}
    for step, iterator in iterators.values():
        for _ in range(WARMUP_STEPS):
            step(next(iterator))
    times: dict[str, list[float]] = {name: [] for name in loops}
    for _ in range(steps):
        for name, (step, iterator) in iterators.items():
            start = time.perf_counter()
            step(next(iterator))
            times[name].append(time.perf_counter() - start)
    return {name: float(np.median(values)) for name, values in times.items()}


def settings_for(params: dict, model: str, steps: int) -> TrainSettings:
    train = params["train"] | {"steps": steps + WARMUP_STEPS, "precision": "fp32", "device": "cpu"}
    return TrainSettings.from_config(Config.from_params(params | {"model": model, "train": train}))


def torch_layers(model: torch.nn.Module) -> torch.nn.Module:
    """``model`` with nn.Dropout and nn.MaxPool2d((1, 2)) in place of amt's CPU-friendly layers (in place)."""
    for parent in model.modules():
        for name, child in parent.named_children():
            if isinstance(child, ByteDropout):
                setattr(parent, name, torch.nn.Dropout(child.p))
            elif isinstance(child, FrequencyMaxPool):
                setattr(parent, name, torch.nn.MaxPool2d((1, 2)))
    return model


def amt_loop(
    params: dict, cache_dir: Path, model: str, precision: str, steps: int, own_layers: bool = True
) -> tuple:
    """amt's step and batches at ``precision`` (with torch's dropout and pooling if not ``own_layers``)."""
    train = params["train"] | {"precision": precision, "device": "cpu"}
    config = Config.from_params(params | {"model": model, "train": train})
    trainer, loader = step_loop(config, cache_dir, steps + WARMUP_STEPS)
    if not own_layers:
        torch_layers(trainer.model)
    return trainer.step, loader


def naive_loop(params: dict, cache_dir: Path, model: str, steps: int) -> tuple:
    """The homework-style step and batches (Adam, fp32, clipping after the step)."""
    settings = settings_for(params, model, steps)
    dataset = InMemorySegments(
        cache_dir, settings.sequence_length, (steps + WARMUP_STEPS) * settings.batch_size
    )
    network = torch_layers(build_model(model, settings.sizes)).train()
    optimizer = torch.optim.Adam(network.parameters(), lr=settings.learning_rate)
    loader = DataLoader(dataset, batch_size=settings.batch_size, shuffle=True)
    return naive_step(network, optimizer, settings.clip_grad_norm or 3.0), loader


def generated_cache(directory: Path, pieces_count: int = 4, seconds: float = 20.0) -> Path:
    """A small cache of random tone pieces, for machines without ``data/cache``."""
    rng = np.random.default_rng(0)
    rows = []
    for index in range(pieces_count):
        onsets = np.sort(rng.uniform(0, seconds - 1, 120))
        notes = [(t, t + rng.uniform(0.1, 1.0), rng.integers(21, 109), rng.integers(30, 110)) for t in onsets]
        rows.append(write_piece(directory / "raw", "train", f"p{index}", notes, seconds))
    for split in ("validation", "test"):
        rows.append(write_piece(directory / "raw", split, split, [(0.5, 1.0, 60, 80)], 2.0))
    write_metadata(directory / "raw", rows)
    build_cache(directory / "raw", directory / "cache", workers=1)
    return directory / "cache"


def main(steps: int = 4, *models: str) -> None:
    params = load_params()
    with tempfile.TemporaryDirectory() as scratch:
        cache_dir = Path(CACHE_DIR) if Path(CACHE_DIR).exists() else generated_cache(Path(scratch))
        train = params["train"]
        audio_per_step = train["batch_size"] * train["sequence_length"] / SAMPLE_RATE
        print(f"cache {cache_dir}, batch {train['batch_size']} x {train['sequence_length']} samples")
        print(f"{steps} steps per loop, loops taking turns, median; {torch.get_num_threads()} threads")
        fastest = placement("cpu").precision  # bf16 where the CPU has the kernels, else fp32
        precisions = tuple(dict.fromkeys(("fp32", fastest)))
        if len(precisions) == 1:
            print("no bf16 column: this CPU has no oneDNN bf16 kernels (amt trains in fp32 here)")
        print("audio seconds per wall second:")
        header = "".join(f"{'amt ' + p:>12}" for p in precisions)
        print(f"{'model':10}{'naive fp32':>12}{header}{precisions[-1] + '/naive':>12}")
        for model in models or tuple(MODELS):
            loops = {"naive": naive_loop(params, cache_dir, model, steps)}
            loops |= {p: amt_loop(params, cache_dir, model, p, steps) for p in precisions}
            speeds = [audio_per_step / seconds for seconds in seconds_per_step(loops, steps).values()]
            row = "".join(f"{speed:12.2f}" for speed in speeds)
            print(f"{model:10}{row}{speeds[-1] / speeds[0]:11.2f}x", flush=True)


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:2]), *sys.argv[2:])
