"""amt's CPU-friendly dropout and frequency pooling against torch's own layers.

First each layer alone, forward and backward on the ConvStack's feature maps (bf16, or
fp32 on a CPU without bf16 kernels; batch 8 x 1.28 s at the default sizes); then whole
training steps at that precision of each ConvStack model
with torch's layers swapped back in against amt's (``benchmarks.train``'s loops, taking
turns, median). The values and the distribution of the masks are the same either way
(tests/test_model_layers.py).

Run from the repository root: ``.venv/bin/python -m benchmarks.layers [steps] [model ...]``
(default 20 steps of baseline, crnn and onf). It uses ``data/cache`` when present,
otherwise a small generated cache.
"""

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from amt.config.params import load_params
from amt.core.constants import CACHE_DIR, N_MELS, n_frames
from amt.core.device import placement
from amt.models.dropout import ByteDropout
from amt.models.pooling import FrequencyMaxPool
from benchmarks.train import amt_loop, generated_cache, seconds_per_step

LAYER_REPEATS = 20
CPU = placement("cpu")  # what amt trains in on this CPU: bf16 where it has the kernels, else fp32
PRECISION = CPU.precision


def milliseconds(layer: nn.Module, shape: tuple[int, ...]) -> float:
    """Median forward + backward time of ``layer`` on a random tensor of ``shape`` at PRECISION."""
    x = torch.randn(shape, dtype=CPU.dtype or torch.float32).relu().requires_grad_()
    times = []
    for _ in range(LAYER_REPEATS + 1):
        start = time.perf_counter()
        layer(x).sum().backward()
        times.append(time.perf_counter() - start)
    return 1000 * sorted(times[1:])[LAYER_REPEATS // 2]


def layer_table(batch: int, frames: int, channels: int) -> None:
    maps = (batch, channels, frames, N_MELS)
    pooled = (batch, channels, frames, N_MELS // 2)
    rows: list[tuple[str, tuple, Callable[[], nn.Module], Callable[[], nn.Module]]] = [
        ("pool (1, 2)", maps, lambda: nn.MaxPool2d((1, 2)), FrequencyMaxPool),
        ("dropout 0.25", pooled, lambda: nn.Dropout(0.25), lambda: ByteDropout(0.25)),
    ]
    print(f"one layer, forward + backward, {PRECISION}, median of {LAYER_REPEATS} (ms):")
    print(f"{'layer':14}{'shape':>22}{'torch':>9}{'amt':>9}")
    for name, shape, theirs, ours in rows:
        torch_ms, amt_ms = milliseconds(theirs().train(), shape), milliseconds(ours().train(), shape)
        print(f"{name:14}{str(list(shape)):>22}{torch_ms:9.2f}{amt_ms:9.2f}", flush=True)


def main(steps: int = 20, *models: str) -> None:
    params = load_params()
    train = params["train"]
    layer_table(train["batch_size"], n_frames(train["sequence_length"]), params["models"]["cnn_unit"])
    with tempfile.TemporaryDirectory() as scratch:
        cache_dir = Path(CACHE_DIR) if Path(CACHE_DIR).exists() else generated_cache(Path(scratch))
        threads = torch.get_num_threads()
        print(f"\n{PRECISION} training steps per second ({steps} steps per loop, {threads} threads):")
        print(f"{'model':10}{'torch layers':>14}{'amt layers':>12}{'speed-up':>10}")
        for model in models or ("baseline", "crnn", "onf"):
            loops = {own: amt_loop(params, cache_dir, model, PRECISION, steps, own) for own in (False, True)}
            seconds = seconds_per_step(loops, steps)
            theirs, ours = 1 / seconds[False], 1 / seconds[True]
            print(f"{model:10}{theirs:14.2f}{ours:12.2f}{ours / theirs:9.2f}x")


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:2]), *sys.argv[2:])
