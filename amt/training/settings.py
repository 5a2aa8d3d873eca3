"""What a training run uses: the ``train`` section (validated by amt.config) resolved on this
machine: the device and precision, the number of processes, segments cut to whole hops."""

import logging
import os
from dataclasses import dataclass, fields, replace

import torch

from amt.config import Config
from amt.config.models import ModelSizes
from amt.config.train import AUTO, TrainConfig
from amt.core.constants import HOP_LENGTH
from amt.core.device import Placement, placement
from amt.core.errors import AmtError

log = logging.getLogger(__name__)

LOSS_POINTS = 200  # at most about this many logged loss points per run


def _processes(value: int | str, where: Placement, batch_size: int) -> int:
    """``train.processes``; ``auto`` is every GPU on CUDA, 2 on a CPU with 2 or more cores, so
    long as the batch splits evenly over them; else 1."""
    if where.device.type == "cuda":
        gpus = torch.cuda.device_count()
        if value != AUTO and value > gpus:
            raise AmtError(f"params.yaml: train.processes {value} needs a GPU each; this machine has {gpus}")
        wanted = gpus if value == AUTO else value
    else:
        wanted = min(2, os.cpu_count() or 1) if value == AUTO else value
    return wanted if value != AUTO or batch_size % wanted == 0 else 1


def _whole_hops(value: int) -> int:
    """``train.sequence_length`` rounded down to the hop, with a warning when that changes it."""
    rounded = value - value % HOP_LENGTH
    if rounded != value:
        log.warning(
            "params.yaml: train.sequence_length %d rounded down to %d, a multiple of the hop", value, rounded
        )
    return rounded


@dataclass(frozen=True)
class TrainSettings(TrainConfig):
    """``train`` resolved for this machine, with the model and its sizes."""

    model: str
    sizes: ModelSizes
    placement: Placement

    @classmethod
    def from_config(cls, config: Config) -> "TrainSettings":
        train = config.train
        where = placement(train.device, train.precision)
        values = {field.name: getattr(train, field.name) for field in fields(TrainConfig)}
        values |= {
            "sequence_length": _whole_hops(train.sequence_length),
            "processes": _processes(train.processes, where, train.batch_size),
        }
        return cls(**values, model=config.model, sizes=config.models, placement=where)

    def launched_as(self, size: int) -> "TrainSettings":
        """These settings in a process that torchrun started among ``size``: the launcher's
        processes, not ``train.processes``."""
        if self.batch_size % size:
            raise AmtError(
                f"params.yaml: train.batch_size {self.batch_size} must be a multiple of the "
                f"{size} processes torchrun started"
            )
        return replace(self, processes=size)

    @property
    def log_every(self) -> int:
        return max(1, self.steps // LOSS_POINTS)
