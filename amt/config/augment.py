"""``train.augment``: augmentations drawn per training segment, each with a probability
``p`` and the range its amount is drawn from: the waveform ones (amt.training.augment
applies them) and ``mix``, a second segment added as the segment is read (amt.data.dataset)."""

from dataclasses import dataclass

from amt.config.reader import Reader, is_number
from amt.core.constants import SAMPLE_RATE
from amt.core.errors import AmtError

MIX = "mix"

# name -> (range key, lowest allowed, highest allowed, what the amount is)
AUGMENTATIONS = {
    "gain": ("db", -24.0, 24.0, "decibels"),
    "eq": ("db", -15.0, 15.0, "decibels of each of 3 bands"),
    "reverb": ("rt60", 0.05, 3.0, "seconds of reverberation time"),
    "compress": ("ratio", 1.0, 20.0, "compression ratio"),
    "noise": ("snr_db", 0.0, 80.0, "signal-to-noise decibels"),
    "pitch": ("semitones", -1.0, 1.0, "semitones"),
    "lowpass": ("hz", 500.0, SAMPLE_RATE / 2, "cut-off in Hz"),
    "highpass": ("hz", 20.0, 1000.0, "cut-off in Hz"),
    MIX: ("db", -24.0, 6.0, "decibels of the added segment against the first"),
}


@dataclass(frozen=True)
class Draw:
    """One augmentation: applied to a segment with probability ``p``, its amount uniform in [low, high]."""

    p: float
    low: float
    high: float


@dataclass(frozen=True)
class AugmentConfig:
    """Every augmentation by name; an absent one (or ``train.augment: null``) is off."""

    draws: dict[str, Draw]

    @property
    def active(self) -> bool:
        """Whether any waveform augmentation is on (``mix`` is not one)."""
        return any(draw.p > 0 for name, draw in self.draws.items() if name != MIX)

    @property
    def mix(self) -> Draw | None:
        """``mix`` when it is on, else None."""
        draw = self.draws.get(MIX)
        return draw if draw is not None and draw.p > 0 else None

    @classmethod
    def read(cls, read: Reader) -> "AugmentConfig":
        section = read.value("train.augment", None) or {}
        return cls({name: _draw(read, name) for name in AUGMENTATIONS if name in section})


def _draw(read: Reader, name: str) -> Draw:
    key = f"train.augment.{name}"
    range_key, lowest, highest, what = AUGMENTATIONS[name]
    p = read.share(f"{key}.p")
    bounds = read.value(f"{key}.{range_key}")
    fits = isinstance(bounds, list) and len(bounds) == 2 and all(map(is_number, bounds))
    if not fits or not lowest <= bounds[0] <= bounds[1] <= highest:
        raise AmtError(
            f"{read.source}: {key}.{range_key} must be [low, high] {what} with "
            f"{lowest:g} <= low <= high <= {highest:g}, got {bounds!r}"
        )
    return Draw(p, float(bounds[0]), float(bounds[1]))
