"""params.yaml's ``model``, ``models`` and ``train`` sections, checked before any work.

Each bad value is an AmtError of one line naming the key and the rule it breaks.
"""

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from amt.core.constants import HOP_LENGTH, N_FFT
from amt.core.device import Placement, placement
from amt.core.errors import AmtError
from amt.core.params import get, is_whole

log = logging.getLogger(__name__)

AUTO = "auto"
LOSS_POINTS = 200  # at most about this many logged loss points per run
# The STFT reflect-pads n_fft // 2 samples at each edge and needs more audio than that.
MIN_SEQUENCE_LENGTH = (N_FFT // 2 // HOP_LENGTH + 1) * HOP_LENGTH


def _param(
    params: Mapping[str, Any], key: str, accept: Callable[[Any], bool], rule: str, optional: bool = False
) -> Any:
    """The number at ``key`` if ``accept`` holds for it (or it is null and ``optional``), else an AmtError."""
    value = get(params, key)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not accept(value):
        raise AmtError(f"params.yaml: {key} must be {rule}{' or null' if optional else ''}, got {value!r}")
    return value


def _integer(params: Mapping[str, Any], key: str, low: int, optional: bool = False) -> int | None:
    return _param(params, key, lambda v: is_whole(v) and v >= low, f"an integer >= {low}", optional)


def _scheduled(params: Mapping[str, Any], name: str, low: int) -> int:
    """``train.<name>`` (steps, lr_decay_steps): a whole number, or ``auto`` for the model's own
    in ``train.schedules.<model>``."""
    if get(params, f"train.{name}") == AUTO:
        return _integer(params, f"train.schedules.{get(params, 'model')}.{name}", low)
    return _param(params, f"train.{name}", lambda v: is_whole(v) and v >= low, f"auto or an integer >= {low}")


def schedule(params: Mapping[str, Any], model: str) -> tuple[int, int]:
    """The steps and learning-rate decay interval ``model`` trains with under ``params``."""
    with_model = {**params, "model": model}
    return _scheduled(with_model, "steps", 0), _scheduled(with_model, "lr_decay_steps", 1)


def _sequence_length(params: Mapping[str, Any]) -> int:
    """``train.sequence_length`` rounded down to the hop (with a warning), checked long enough."""
    value = _integer(params, "train.sequence_length", 1)
    if value < MIN_SEQUENCE_LENGTH:
        raise AmtError(
            f"params.yaml: train.sequence_length {value} is too short; the models need at least "
            f"{MIN_SEQUENCE_LENGTH} samples ({MIN_SEQUENCE_LENGTH // HOP_LENGTH} hops of {HOP_LENGTH})"
        )
    rounded = value - value % HOP_LENGTH
    if rounded != value:
        log.warning(
            "params.yaml: train.sequence_length %d rounded down to %d, a multiple of the hop", value, rounded
        )
    return rounded


def _processes(params: Mapping[str, Any], where: Placement, batch_size: int) -> int:
    """``train.processes``; ``auto`` is 2 on a CPU with 2 or more cores (and an even batch), else 1."""
    value = get(params, "train.processes")
    if value == AUTO:
        cpu = where.device.type == "cpu" and (os.cpu_count() or 1) >= 2
        return 2 if cpu and batch_size % 2 == 0 else 1
    if not is_whole(value) or value < 1:
        raise AmtError(f"params.yaml: train.processes must be auto or an integer >= 1, got {value!r}")
    if value > 1 and where.device.type != "cpu":
        raise AmtError(
            f"params.yaml: train.processes {value} needs the CPU; use 1 or auto with {where.device.type}"
        )
    if batch_size % value:
        raise AmtError(
            f"params.yaml: train.batch_size {batch_size} must be a multiple of train.processes {value}"
        )
    return value


@dataclass(frozen=True)
class TrainSettings:
    """params.yaml's ``model``, ``models`` and ``train`` sections, validated."""

    model: str
    sizes: dict[str, Any]
    steps: int
    sequence_length: int
    batch_size: int
    learning_rate: float
    lr_decay_steps: int
    lr_decay_rate: float
    weight_decay: float
    clip_grad_norm: float | None
    ema_decay: float | None
    validation_interval: int | None
    checkpoint_interval: int | None
    seed: int
    workers: int
    placement: Placement
    processes: int

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> "TrainSettings":
        decay_rate = _param(params, "train.lr_decay_rate", lambda v: 0 < v <= 1, "a number in (0, 1]")
        where = placement(get(params, "train.device"), get(params, "train.precision"))
        batch_size = _integer(params, "train.batch_size", 1)
        return cls(
            model=get(params, "model"),
            sizes=dict(get(params, "models")),
            steps=_scheduled(params, "steps", 0),
            sequence_length=_sequence_length(params),
            batch_size=batch_size,
            learning_rate=_param(params, "train.learning_rate", lambda v: v > 0, "a number > 0"),
            lr_decay_steps=_scheduled(params, "lr_decay_steps", 1),
            lr_decay_rate=decay_rate,
            weight_decay=_param(params, "train.weight_decay", lambda v: v >= 0, "a number >= 0"),
            clip_grad_norm=_param(params, "train.clip_grad_norm", lambda v: v > 0, "a number > 0", True),
            ema_decay=_param(params, "train.ema_decay", lambda v: 0 < v < 1, "a number in (0, 1)", True),
            validation_interval=_integer(params, "train.validation_interval", 1, optional=True),
            checkpoint_interval=_integer(params, "train.checkpoint_interval", 1, optional=True),
            seed=_integer(params, "train.seed", 0),
            workers=_integer(params, "train.workers", 0),
            placement=where,
            processes=_processes(params, where, batch_size),
        )

    @property
    def log_every(self) -> int:
        return max(1, self.steps // LOSS_POINTS)
