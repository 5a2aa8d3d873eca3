"""Max-pooling over frequency that is cheap on the CPU.

``nn.MaxPool2d((1, 2))`` on the CPU in NCHW layout is a measurable share of an onf training
step (docs/benchmarks.md): its generic kernel finds and stores an int64 index per output. Pairs of
neighbouring bins are compared directly here, and backward routes the gradient with a
boolean mask (``python -m benchmarks.layers`` measures both).
The values and gradients are those of ``nn.MaxPool2d((1, 2))`` (ties go to the first of
the pair, an odd last bin is dropped).
"""

import torch
from torch import nn


class _PairMax(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        width = x.shape[-1] // 2 * 2
        first, second = x[..., 0:width:2], x[..., 1:width:2]
        first_wins = first >= second
        ctx.save_for_backward(first_wins)
        ctx.input_shape = x.shape
        return torch.where(first_wins, first, second)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        (first_wins,) = ctx.saved_tensors
        width = ctx.input_shape[-1] // 2 * 2
        grad_input = grad.new_zeros(ctx.input_shape)
        grad_input[..., 0:width:2] = grad * first_wins
        grad_input[..., 1:width:2] = grad * ~first_wins
        return grad_input


class FrequencyMaxPool(nn.Module):
    """Halve the last axis by the maximum of each pair of neighbours (``nn.MaxPool2d((1, 2))``)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _PairMax.apply(x)
