"""``evaluate``: decoding thresholds (or the grid they are tuned on) and the inference chunks."""

from dataclasses import dataclass

from amt.config.reader import Reader, threshold, threshold_grid

HEADS = ("onset", "frame")


@dataclass(frozen=True)
class EvaluateConfig:
    """``evaluate``, from params.yaml or from the params a model file was trained with."""

    tune_thresholds: bool
    threshold_grid: list[float]
    onset_threshold: float
    frame_threshold: float
    chunk_seconds: float
    overlap_seconds: float

    @classmethod
    def read(cls, read: Reader) -> "EvaluateConfig":
        key = f"{read.source}: evaluate."
        chunk = read.number("evaluate.chunk_seconds", lambda v: v > 0, "a number of seconds > 0")
        overlap = read.number(
            "evaluate.overlap_seconds",
            lambda v: 0 <= v < chunk,
            "a number of seconds >= 0, below chunk_seconds",
        )
        return cls(
            tune_thresholds=read.flag("evaluate.tune_thresholds", False),
            threshold_grid=threshold_grid(
                read.value("evaluate.threshold_grid", [0.5]), f"{key}threshold_grid"
            ),
            onset_threshold=threshold(read.value("evaluate.onset_threshold"), f"{key}onset_threshold"),
            frame_threshold=threshold(read.value("evaluate.frame_threshold"), f"{key}frame_threshold"),
            chunk_seconds=chunk,
            overlap_seconds=overlap,
        )
