"""The acoustic ConvStack of Kelz et al., as in the PyTorch Onsets-and-Frames re-implementation."""

import torch
from torch import nn

from amt.models.dropout import ByteDropout
from amt.models.pooling import FrequencyMaxPool


def conv_block(in_channels: int, out_channels: int) -> list[nn.Module]:
    """3x3 convolution (same padding), batch norm and ReLU."""
    return [nn.Conv2d(in_channels, out_channels, 3, padding=1), nn.BatchNorm2d(out_channels), nn.ReLU()]


def pool_block(dropout: float) -> list[nn.Module]:
    """Halve the frequency axis (never time: one output per frame) and drop out."""
    return [FrequencyMaxPool(), ByteDropout(dropout)]


class ConvStack(nn.Module):
    """Features ``[B, T, n_mels]`` -> ``[B, T, fc_unit]``, frame for frame.

    Three 3x3 conv layers (``cnn_unit``, ``cnn_unit``, ``2 * cnn_unit`` channels), each
    with batch norm and ReLU, max-pooling over frequency after the second and third,
    then a linear layer to ``fc_unit``; dropout after each pooling (``conv_dropout``) and
    after the linear layer (``fc_dropout``).
    """

    def __init__(
        self, n_mels: int, cnn_unit: int, fc_unit: int, conv_dropout: float, fc_dropout: float
    ) -> None:
        super().__init__()
        self.cnn = nn.Sequential(
            *conv_block(1, cnn_unit),
            *conv_block(cnn_unit, cnn_unit),
            *pool_block(conv_dropout),
            *conv_block(cnn_unit, 2 * cnn_unit),
            *pool_block(conv_dropout),
        )
        self.fc = nn.Sequential(nn.Linear(2 * cnn_unit * (n_mels // 4), fc_unit), ByteDropout(fc_dropout))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        maps = self.cnn(features.unsqueeze(1))  # [B, C, T, F]
        return self.fc(maps.transpose(1, 2).flatten(2))
