"""What every transcription model is: log-mel in front, onset and frame logits out."""

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from amt.models.features import LogMel

# Typical label base rates (share of frame x key cells holding an onset / a sounding
# note); training should pass the rates measured on its own data.
ONSET_BASE_RATE = 0.003
FRAME_BASE_RATE = 0.06


class TranscriptionModel(nn.Module, ABC):
    """Audio ``[B, N]`` float -> ``{"onset", "frame"}`` logits ``[B, N // 512 + 1, 88]``.

    ``config`` (a plain dict: ``name`` and the sizes) is all a checkpoint needs to
    rebuild the model with ``amt.models.build_model(config["name"], config)``.
    """

    def __init__(self, config: Mapping[str, Any]) -> None:
        super().__init__()
        self.config = dict(config)
        self.mel = LogMel()

    def forward(self, audio: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.transcribe(self.mel(audio))

    @abstractmethod
    def transcribe(self, mel: torch.Tensor) -> dict[str, torch.Tensor]:
        """Onset and frame logits from log-mel features ``[B, T, N_MELS]``."""

    @abstractmethod
    def output_layers(self) -> dict[str, nn.Linear]:
        """The final linear layer of each output, by output name."""


def init_output_biases(
    model: TranscriptionModel, onset_rate: float = ONSET_BASE_RATE, frame_rate: float = FRAME_BASE_RATE
) -> None:
    """Start each output at its label base rate: bias = logit(rate).

    An untrained head predicts 0.5 everywhere; with notes this sparse its first
    thousands of steps only learn to say "no note". Starting at the prior skips that.
    """
    rates = {"onset": onset_rate, "frame": frame_rate}
    with torch.no_grad():
        for name, layer in model.output_layers().items():
            layer.bias.fill_(torch.logit(torch.tensor(rates[name]), eps=1e-6).item())


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(parameter.numel() for parameter in model.parameters() if parameter.requires_grad)
