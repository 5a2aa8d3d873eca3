"""Models by name: the one registry that params.yaml's ``model`` and checkpoints look up."""

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from amt.config.models import ModelSizes
from amt.core.errors import AmtError
from amt.models.architectures import Baseline, Crnn, Lstm, OnsetsAndFrames
from amt.models.base import TranscriptionModel

MODELS: dict[str, type[TranscriptionModel]] = {
    "baseline": Baseline,
    "lstm": Lstm,
    "crnn": Crnn,
    "onf": OnsetsAndFrames,
}


def build_model(name: str, sizes: ModelSizes | Mapping[str, Any]) -> TranscriptionModel:
    """A freshly initialised model ``name`` with ``sizes`` (params.yaml's ``models`` section).

    ``build_model(model.config["name"], model.config)`` rebuilds the same architecture.
    """
    if name not in MODELS:
        raise AmtError(f"params.yaml: unknown model {name!r}; choose one of {', '.join(MODELS)}")
    sizes = sizes if isinstance(sizes, ModelSizes) else ModelSizes.from_mapping(sizes)
    config = {"name": name, **asdict(sizes)}
    return MODELS[name](config)
