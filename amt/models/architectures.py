"""The four architectures of the homework: baseline, lstm, crnn and onf."""

from abc import abstractmethod
from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from amt.config.models import ModelSizes
from amt.core.constants import N_KEYS, N_MELS
from amt.models.base import TranscriptionModel
from amt.models.convstack import ConvStack
from amt.models.recurrent import BiLSTM


def convs(sizes: ModelSizes) -> ConvStack:
    """A ConvStack on log-mel frames with ``sizes``' widths and dropout rates."""
    return ConvStack(N_MELS, sizes.cnn_unit, sizes.fc_unit, sizes.conv_dropout, sizes.fc_dropout)


def conv_stack(sizes: ModelSizes) -> nn.Sequential:
    """mel -> ConvStack -> linear 88 (the baseline's stacks, and onf's frame stack)."""
    return nn.Sequential(convs(sizes), nn.Linear(sizes.fc_unit, N_KEYS))


def lstm_stack(sizes: ModelSizes, in_features: int, learned_inputs: bool) -> nn.Sequential:
    """features -> BiLSTM -> linear 88; with ``models.lstm_skip``, learned features
    (a ConvStack's) also reach the linear layer (see recurrent.BiLSTM)."""
    skip = learned_inputs and sizes.lstm_skip
    lstm = BiLSTM(in_features, sizes.lstm_units, sizes.lstm_layers, sizes.lstm_input_norm, skip)
    return nn.Sequential(lstm, nn.Linear(lstm.out_features, N_KEYS))


def conv_lstm_stack(sizes: ModelSizes) -> nn.Sequential:
    """mel -> ConvStack -> BiLSTM -> linear 88 (crnn's stacks, and onf's onset stack)."""
    return nn.Sequential(convs(sizes), *lstm_stack(sizes, sizes.fc_unit, learned_inputs=True))


class TwoStacks(TranscriptionModel):
    """Independent onset and frame stacks of the same shape (baseline, lstm, crnn)."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        super().__init__(config)
        sizes = ModelSizes.from_mapping(config)
        self.onset_stack = self.make_stack(sizes)
        self.frame_stack = self.make_stack(sizes)

    @staticmethod
    @abstractmethod
    def make_stack(sizes: ModelSizes) -> nn.Sequential:
        """One stack, mel -> logits; each architecture defines its own."""

    def transcribe(self, mel: torch.Tensor) -> dict[str, torch.Tensor]:
        return {"onset": self.onset_stack(mel), "frame": self.frame_stack(mel)}

    def output_layers(self) -> dict[str, nn.Linear]:
        return {"onset": self.onset_stack[-1], "frame": self.frame_stack[-1]}


class Baseline(TwoStacks):
    """Kelz et al.'s CNN: ConvStack + linear, once for onsets and once for frames."""

    @staticmethod
    def make_stack(sizes: ModelSizes) -> nn.Sequential:
        return conv_stack(sizes)


class Lstm(TwoStacks):
    """A BiLSTM straight on the log-mel frames, once for onsets and once for frames."""

    @staticmethod
    def make_stack(sizes: ModelSizes) -> nn.Sequential:
        return lstm_stack(sizes, N_MELS, learned_inputs=False)


class Crnn(TwoStacks):
    """ConvStack + BiLSTM + linear, once for onsets and once for frames."""

    @staticmethod
    def make_stack(sizes: ModelSizes) -> nn.Sequential:
        return conv_lstm_stack(sizes)


class OnsetsAndFrames(TranscriptionModel):
    """Hawthorne et al.'s Onsets and Frames, without the velocity and offset heads.

    The frame prediction sees the onset probabilities with their gradient stopped, so
    the frame loss never trains the onset stack. The frame ConvStack's linear output
    goes into the combined BiLSTM as is (no sigmoid), beside the onset probabilities;
    with ``models.lstm_skip`` both also reach the final frame layer directly.
    """

    def __init__(self, config: Mapping[str, Any]) -> None:
        super().__init__(config)
        sizes = ModelSizes.from_mapping(config)
        self.onset_stack = conv_lstm_stack(sizes)
        self.frame_stack = conv_stack(sizes)
        self.combined_stack = lstm_stack(sizes, 2 * N_KEYS, learned_inputs=True)

    def transcribe(self, mel: torch.Tensor) -> dict[str, torch.Tensor]:
        onset = self.onset_stack(mel)
        combined = torch.cat([torch.sigmoid(onset).detach(), self.frame_stack(mel)], dim=-1)
        return {"onset": onset, "frame": self.combined_stack(combined)}

    def output_layers(self) -> dict[str, nn.Linear]:
        return {"onset": self.onset_stack[-1], "frame": self.combined_stack[-1]}
