"""Datasets over the pianoroll cache.

Only a small index (file, length) per piece is held in memory; each item opens its
piece's npz, so memory does not grow with the corpus.
"""

from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from amt.config.augment import Draw
from amt.core.audio import from_int16
from amt.core.constants import HOP_LENGTH
from amt.core.errors import AmtError
from amt.data.cache import pieces, read_piece

LABELS = ("onset", "offset", "frame")
ARRAYS = ("audio", *LABELS, "velocity")


def _labels(data, start: int, stop: int, frames: int) -> dict[str, torch.Tensor]:
    """Label rolls of frames [start, stop) as float tensors, zero-padded to ``frames``."""
    items = {name: data[name][start:stop] for name in (*LABELS, "velocity")}
    items = {name: np.pad(roll, ((0, frames - len(roll)), (0, 0))) for name, roll in items.items()}
    tensors = {name: torch.from_numpy(items[name].astype(np.float32)) for name in LABELS}
    tensors["velocity"] = torch.from_numpy(items["velocity"].astype(np.float32) / 127.0)
    return tensors


class SegmentDataset(Dataset):
    """Random hop-aligned training segments of ``sequence_length`` samples.

    Item ``i`` is drawn from a generator seeded by ``(seed, i)``: the stream is
    reproducible and a resumed training continues it exactly. Pieces are chosen in
    proportion to their length; a piece shorter than a segment is zero-padded (silence,
    no notes). An item holds ``audio`` [L] and ``onset``/``offset``/``frame``/``velocity``
    rolls [L // 512 + 1, 88], frame t of the labels centred on sample t * 512.

    With ``mix`` (``train.augment.mix``), an item is with probability ``mix.p`` the sum of
    two segments, the second at a gain drawn from [``mix.low``, ``mix.high``] dB, with the
    union of their notes: music denser than the pieces play (docs/training.md).
    """

    def __init__(
        self,
        cache_dir: str | Path,
        split: str,
        sequence_length: int,
        seed: int,
        size: int,
        mix: Draw | None = None,
    ):
        if sequence_length < HOP_LENGTH or sequence_length % HOP_LENGTH:
            raise AmtError(
                f"params.yaml: train.sequence_length {sequence_length} "
                f"must be a positive multiple of {HOP_LENGTH}"
            )
        self.cache_dir = Path(cache_dir)
        self.table = pieces(cache_dir, split)
        if sequence_length > self.table["samples"].max():
            raise AmtError(
                f"params.yaml: train.sequence_length {sequence_length} is longer than every {split} piece "
                f"(longest {self.table['samples'].max()} samples); lower it"
            )
        self.sequence_length, self.seed, self.size, self.mix = sequence_length, seed, size, mix
        starts = np.maximum(1, (self.table["samples"].to_numpy() - sequence_length) // HOP_LENGTH + 1)
        self.weights = starts / starts.sum()

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        rng = np.random.default_rng((self.seed, index))
        item = self._segment(rng)
        if self.mix is not None and rng.random() < self.mix.p:
            gain = 10 ** (rng.uniform(self.mix.low, self.mix.high) / 20)
            item = _mixed(item, self._segment(rng), gain)
        return item

    def _segment(self, rng: np.random.Generator) -> dict[str, torch.Tensor]:
        """A segment of a piece chosen in proportion to its length, from a random frame."""
        row = self.table.iloc[rng.choice(len(self.table), p=self.weights)]
        last_start = max(0, (row["samples"] - self.sequence_length) // HOP_LENGTH)
        first_frame = int(rng.integers(0, last_start + 1))
        start = first_frame * HOP_LENGTH
        frames = self.sequence_length // HOP_LENGTH + 1
        data = read_piece(self.cache_dir / row["file"], ARRAYS)
        audio = from_int16(data["audio"][start : start + self.sequence_length])
        labels = _labels(data, first_frame, first_frame + frames, frames)
        audio = np.pad(audio, (0, self.sequence_length - len(audio)))
        return {"audio": torch.from_numpy(audio), **labels}


def _mixed(first: dict[str, torch.Tensor], second: dict[str, torch.Tensor], gain: float) -> dict:
    """``second``'s audio added to ``first``'s at ``gain``; each label roll the larger of the two."""
    labels = {name: torch.maximum(first[name], second[name]) for name in (*LABELS, "velocity")}
    return {"audio": first["audio"] + gain * second["audio"], **labels}


class PieceDataset(Dataset):
    """Whole pieces of one split, for evaluation: audio, label rolls and the note list."""

    def __init__(self, cache_dir: str | Path, split: str):
        self.cache_dir = Path(cache_dir)
        self.table = pieces(cache_dir, split)

    def __len__(self) -> int:
        return len(self.table)

    def __getitem__(self, index: int) -> dict:
        row = self.table.iloc[index]
        data = read_piece(self.cache_dir / row["file"], (*ARRAYS, "notes"))
        audio = from_int16(data["audio"])
        labels = _labels(data, 0, int(row["frames"]), int(row["frames"]))
        return {"id": row["id"], "audio": torch.from_numpy(audio), "notes": data["notes"], **labels}
