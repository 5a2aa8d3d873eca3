"""What a training run uses: the ``train`` section (validated by amt.config) resolved on this
machine: the device and precision, the number of processes, segments cut to whole hops."""

import logging
import os
from dataclasses import dataclass, fields

from amt.config import Config
from amt.config.models import ModelSizes
from amt.config.train import AUTO, TrainConfig
from amt.core.constants import HOP_LENGTH
from amt.core.device import Placement, placement
from amt.core.errors import AmtError

log = logging.getLogger(__name__)

LOSS_POINTS = 200  # at most about this many logged loss points per run


def _processes(value: int | str, where: Placement, batch_size: int) -> int:
    """``train.processes``; ``auto`` is 2 on a CPU with 2 or more cores (and an even batch), else 1."""
    if value == AUTO:
        cpu = where.device.type == "cpu" and (os.cpu_count() or 1) >= 2
        return 2 if cpu and batch_size % 2 == 0 else 1
    if value > 1 and where.device.type != "cpu":
        raise AmtError(
            f"params.yaml: train.processes {value} needs the CPU; use 1 or auto with {where.device.type}"
        )
    return value


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

    @property
    def log_every(self) -> int:
        return max(1, self.steps // LOSS_POINTS)
