"""``train``: the training run, with ``steps`` and ``lr_decay_steps`` resolved for the model."""

from dataclasses import dataclass

from amt.config.augment import AugmentConfig
from amt.config.reader import Reader, is_whole
from amt.core.constants import HOP_LENGTH, N_FFT
from amt.core.errors import AmtError

AUTO = "auto"
DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
# The STFT reflect-pads n_fft // 2 samples at each edge and needs more audio than that.
MIN_SEQUENCE_LENGTH = (N_FFT // 2 // HOP_LENGTH + 1) * HOP_LENGTH


@dataclass(frozen=True)
class TrainConfig:
    """``train``. ``steps`` and ``lr_decay_steps`` are numbers: a model's own from
    ``train.schedules`` when params.yaml says ``auto``. ``processes`` may stay ``auto``: how
    many is decided on the machine (amt.training.settings)."""

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
    precision: str
    device: str
    workers: int
    processes: int | str
    augment: AugmentConfig

    @classmethod
    def read(cls, read: Reader, model: str) -> "TrainConfig":
        key = "train."
        for name in read.value(key + "schedules", None) or {}:
            read.integer(f"{key}schedules.{name}.steps", 0)
            read.integer(f"{key}schedules.{name}.lr_decay_steps", 1)
        batch_size = read.integer(key + "batch_size", 1)
        return cls(
            steps=_scheduled(read, model, "steps", 0),
            sequence_length=_sequence_length(read),
            batch_size=batch_size,
            learning_rate=read.number(key + "learning_rate", lambda v: v > 0, "a number > 0"),
            lr_decay_steps=_scheduled(read, model, "lr_decay_steps", 1),
            lr_decay_rate=read.number(key + "lr_decay_rate", lambda v: 0 < v <= 1, "a number in (0, 1]"),
            weight_decay=read.number(key + "weight_decay", lambda v: v >= 0, "a number >= 0"),
            clip_grad_norm=read.number(
                key + "clip_grad_norm", lambda v: v > 0, "a number > 0", optional=True
            ),
            ema_decay=read.number(
                key + "ema_decay", lambda v: 0 < v < 1, "a number in (0, 1)", optional=True
            ),
            validation_interval=read.integer(key + "validation_interval", 1, optional=True),
            checkpoint_interval=read.integer(key + "checkpoint_interval", 1, optional=True),
            seed=read.integer(key + "seed", 0),
            precision=read.choice(key + "precision", PRECISIONS),
            device=read.choice(key + "device", DEVICES),
            workers=read.integer(key + "workers", 0),
            processes=_processes(read, batch_size),
            augment=AugmentConfig.read(read),
        )


def _scheduled(read: Reader, model: str, name: str, low: int) -> int:
    """``train.<name>``: a whole number, or ``auto`` for the model's own in ``train.schedules``."""
    key = f"train.{name}"
    value = read.value(key)
    if value == AUTO:
        return read.integer(f"train.schedules.{model}.{name}", low)
    if not is_whole(value) or value < low:
        raise read.fail(key, f"auto or an integer >= {low}", value)
    return value


def _sequence_length(read: Reader) -> int:
    """``train.sequence_length``: long enough for the STFT (the trainer rounds it to the hop)."""
    value = read.integer("train.sequence_length", 1)
    if value < MIN_SEQUENCE_LENGTH:
        hops = f"{MIN_SEQUENCE_LENGTH // HOP_LENGTH} hops of {HOP_LENGTH}"
        raise read.fail("train.sequence_length", f"at least {MIN_SEQUENCE_LENGTH} samples ({hops})", value)
    return value


def _processes(read: Reader, batch_size: int) -> int | str:
    value = read.value("train.processes")
    if value == AUTO:
        return AUTO
    if not is_whole(value) or value < 1:
        raise read.fail("train.processes", "auto or an integer >= 1", value)
    if batch_size % value:
        raise AmtError(
            f"{read.source}: train.batch_size {batch_size} must be a multiple of train.processes {value}"
        )
    return value
