"""params.yaml, read and validated in one place into typed sections.

``load_config`` refuses unknown keys (with the nearest known one) and checks every value
against its rule before a stage does any work, so a bad value stops every stage the same
way: one line naming the file, the key and the rule. What only the machine can tell (is
there a GPU? is a SoundFont installed?) is checked where it is used, naming the key too.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from amt.config.data import DataConfig
from amt.config.evaluate import EvaluateConfig
from amt.config.models import MODEL_NAMES, ModelSizes
from amt.config.params import load_params, with_overrides
from amt.config.reader import PARAMS_FILE, Reader
from amt.config.references import read_references
from amt.config.train import TrainConfig
from amt.core.errors import AmtError

DEFAULT_URI = "sqlite:///mlflow.db"
DEFAULT_EXPERIMENT = "amt"


@dataclass(frozen=True)
class TrackingConfig:
    """``tracking``: the MLflow store (a URI) and the experiment runs are logged to."""

    uri: str
    experiment: str

    @classmethod
    def read(cls, read: Reader) -> "TrackingConfig":
        return cls(
            uri=read.text("tracking.uri", DEFAULT_URI, optional=True) or DEFAULT_URI,
            experiment=read.text("tracking.experiment", DEFAULT_EXPERIMENT),
        )


@dataclass(frozen=True)
class Config:
    """The whole of params.yaml, validated. ``raw`` is the mapping it came from: what MLflow
    logs and model files keep."""

    model: str
    data: DataConfig
    models: ModelSizes
    train: TrainConfig
    evaluate: EvaluateConfig
    tracking: TrackingConfig
    references: list[str]
    raw: dict[str, Any]

    @classmethod
    def from_params(cls, raw: Mapping[str, Any], source: str = PARAMS_FILE) -> "Config":
        """Validate ``raw`` (keys already known) section by section; errors name ``source``."""
        read = Reader(raw, source)
        model = read.value("model")
        if model not in MODEL_NAMES:
            raise AmtError(f"{source}: unknown model {model!r}; choose one of {', '.join(MODEL_NAMES)}")
        return cls(
            model=model,
            data=DataConfig.read(read),
            models=ModelSizes.from_mapping(read.value("models"), source),
            train=TrainConfig.read(read, model),
            evaluate=EvaluateConfig.read(read),
            tracking=TrackingConfig.read(read),
            references=read_references(read),
            raw=dict(raw),
        )

    def with_overrides(self, overrides: Mapping[str, Any]) -> "Config":
        """This config with dotted keys set, as ``dvc exp run -S key=value`` sets them."""
        return Config.from_params(with_overrides(self.raw, dict(overrides)))


def load_config(path: str | Path = PARAMS_FILE) -> Config:
    """The parameters file, read and validated."""
    return Config.from_params(load_params(path), str(path))
