"""The transcription models: a registry of four architectures sharing a log-mel front end."""

from amt.models.base import (
    FRAME_BASE_RATE,
    ONSET_BASE_RATE,
    TranscriptionModel,
    count_parameters,
    init_output_biases,
)
from amt.models.registry import MODELS, build_model

__all__ = [
    "FRAME_BASE_RATE",
    "MODELS",
    "ONSET_BASE_RATE",
    "TranscriptionModel",
    "build_model",
    "count_parameters",
    "init_output_biases",
]
