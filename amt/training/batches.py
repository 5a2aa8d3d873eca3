"""What the trainer is fed: batches of segments in a fixed order; the training split's label rates."""

import signal
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader

from amt.data.cache import pieces, read_piece
from amt.data.dataset import SegmentDataset
from amt.training import parallel
from amt.training.settings import TrainSettings
from amt.training.trainer import OUTPUTS


def label_rates(cache_dir: str | Path) -> dict[str, float]:
    """Share of (frame, key) cells holding an onset / a sounding note in the training split."""
    totals, cells = dict.fromkeys(OUTPUTS, 0), 0
    for file in pieces(cache_dir, "train")["file"]:
        data = read_piece(Path(cache_dir) / file, OUTPUTS)
        for name in OUTPUTS:
            totals[name] += int(np.count_nonzero(data[name]))
        cells += data["frame"].size
    return {f"{name}_rate": totals[name] / cells for name in OUTPUTS}


def training_segments(cache_dir: str | Path, settings: TrainSettings) -> SegmentDataset:
    """The training split's segments for a run of ``settings``: every item its steps draw."""
    size = settings.steps * settings.batch_size
    return SegmentDataset(
        cache_dir, "train", settings.sequence_length, settings.seed, size, settings.augment.mix
    )


def _ignore_sigint(_worker: int) -> None:
    """DataLoader workers leave Ctrl-C to the main process, which stops cleanly."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def batches(
    dataset: SegmentDataset, settings: TrainSettings, start: int, group: parallel.Group = parallel.SINGLE
) -> DataLoader:
    """Batches from step ``start`` on: items ``start * batch_size`` onwards, in order; each
    process of ``group`` takes its share of every batch."""
    size, share = settings.batch_size, settings.batch_size // group.size
    items = (
        step * size + group.rank * share + i for step in range(start, settings.steps) for i in range(share)
    )
    return DataLoader(
        dataset,
        batch_size=share,
        sampler=list(items),
        num_workers=settings.workers,
        worker_init_fn=_ignore_sigint if settings.workers else None,
        generator=torch.Generator().manual_seed(settings.seed),
        pin_memory=settings.placement.device.type == "cuda",
    )
