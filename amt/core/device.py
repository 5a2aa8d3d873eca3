"""Where the model runs: a torch device and an autocast precision, from params.yaml's words.

``auto`` picks CUDA when it is present and the CPU otherwise. Automatic precision is
bfloat16 wherever the hardware does it natively (CUDA since Ampere, CPUs with oneDNN's
bf16 kernels; how much faster: docs/benchmarks.md, ``python -m benchmarks.train``),
float16 on older GPUs (with a gradient scaler), fp32 otherwise.
"""

import contextlib
from dataclasses import dataclass

import torch

from amt.core.errors import AmtError

DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
DTYPES = {"fp32": None, "bf16": torch.bfloat16, "fp16": torch.float16}
DEVICE_KEY = "params.yaml: train.device"


@dataclass(frozen=True)
class Placement:
    """A device and the autocast dtype to run under it (None: plain fp32)."""

    device: torch.device
    dtype: torch.dtype | None

    @property
    def precision(self) -> str:
        """The params.yaml word for ``dtype``: fp32, bf16 or fp16."""
        return next(word for word, dtype in DTYPES.items() if dtype == self.dtype)

    def autocast(self) -> contextlib.AbstractContextManager:
        """Context that runs the forward pass at this precision."""
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.dtype)

    def grad_scaler(self) -> torch.amp.GradScaler:
        """A loss scaler, enabled only for fp16 (bf16 has fp32's exponent range)."""
        return torch.amp.GradScaler(self.device.type, enabled=self.dtype == torch.float16)

    def __str__(self) -> str:
        return f"{self.device.type}/{self.precision}"


def cpu_supports_bf16() -> bool:
    """Whether this CPU has oneDNN bfloat16 kernels (AVX-512 BW/VL/DQ or newer)."""
    return torch.backends.mkldnn.is_available() and bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


def resolve_device(name: str, key: str = DEVICE_KEY) -> torch.device:
    """``auto``, ``cpu`` or ``cuda`` as a torch device; CUDA asked for but absent is an AmtError
    naming ``key``, where the word came from (a params key or a command-line flag)."""
    if name not in DEVICES:
        raise AmtError(f"{key} {name!r} is not one of {', '.join(DEVICES)}")
    if name == "cuda" and not torch.cuda.is_available():
        raise AmtError(f"{key} is cuda but no CUDA GPU is available; use auto or cpu")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)


def resolve_precision(name: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype for precision ``name`` on ``device`` (None for fp32)."""
    if name not in PRECISIONS:
        raise AmtError(f"params.yaml: train.precision {name!r} is not one of {', '.join(PRECISIONS)}")
    cuda = device.type == "cuda"
    bf16 = torch.cuda.is_bf16_supported() if cuda else cpu_supports_bf16()
    if name == "auto":
        name = "bf16" if bf16 else "fp16" if cuda else "fp32"
    if name == "fp16" and not cuda:
        raise AmtError("params.yaml: train.precision fp16 needs a CUDA device; use bf16, fp32 or auto")
    if name == "bf16" and not bf16:
        raise AmtError(f"params.yaml: train.precision bf16 is not supported on this {device.type}; use auto")
    return DTYPES[name]


def placement(device: str = "auto", precision: str = "auto", device_key: str = DEVICE_KEY) -> Placement:
    """Resolve params.yaml's ``train.device`` and ``train.precision`` together; errors about
    the device name ``device_key``."""
    resolved = resolve_device(device, device_key)
    return Placement(resolved, resolve_precision(precision, resolved))
