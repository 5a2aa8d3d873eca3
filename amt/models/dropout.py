"""Dropout that is cheap on the CPU.

``nn.Dropout`` on the CPU draws one Mersenne-Twister number per element (``bernoulli_``):
with the ConvStack's feature maps that was a fifth of an onf training step on 2 cores.
Here every random 64-bit integer gives 8 random bytes and an element is dropped when its
byte falls below ``p * 256``: the same Bernoulli(1 - p) mask and 1 / (1 - p) scaling, for
rates that are whole multiples of 1/256 (``python -m benchmarks.layers`` measures it).
"""

import torch
from torch import nn

from amt.config.models import LEVELS, is_byte_rate


class ByteDropout(nn.Module):
    """``nn.Dropout(p)`` for ``p`` a multiple of 1/256, drawing a byte per element."""

    def __init__(self, p: float) -> None:
        super().__init__()
        if not is_byte_rate(p):
            raise ValueError(f"ByteDropout: p must be a multiple of 1/{LEVELS} in [0, 1), got {p!r}")
        self.p, self.cut = p, round(p * LEVELS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.cut == 0:
            return x
        return x * (self.keep_mask(x) * (1.0 / (1.0 - self.p)))

    def keep_mask(self, x: torch.Tensor) -> torch.Tensor:
        """1 where ``x`` is kept, 0 where dropped, in ``x``'s dtype and shape."""
        words = -(-x.numel() // 8)
        full = torch.iinfo(torch.int64)
        draws = torch.randint(full.min, full.max, (words,), dtype=torch.int64, device=x.device)
        bytes_ = draws.view(torch.uint8)[: x.numel()].view(x.shape)
        return (bytes_ >= self.cut).to(x.dtype)

    def extra_repr(self) -> str:
        return f"p={self.p}"
