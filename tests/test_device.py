import pytest
import torch

from amt.core import device
from amt.core.device import Placement, placement, resolve_device, resolve_precision
from amt.core.errors import AmtError


@pytest.fixture
def no_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


@pytest.fixture
def gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)


def test_auto_picks_cuda_when_present_and_the_cpu_otherwise(no_gpu, monkeypatch):
    assert resolve_device("auto") == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("cuda")


def test_cuda_requested_without_a_gpu_is_an_error(no_gpu):
    with pytest.raises(AmtError, match="train.device is cuda but no CUDA GPU is available"):
        resolve_device("cuda")
    with pytest.raises(AmtError, match="train.device 'tpu' is not one of auto, cpu, cuda"):
        resolve_device("tpu")


def test_automatic_precision_on_the_cpu_follows_bf16_support(monkeypatch):
    cpu = torch.device("cpu")
    monkeypatch.setattr(device, "cpu_supports_bf16", lambda: True)
    assert resolve_precision("auto", cpu) == torch.bfloat16
    monkeypatch.setattr(device, "cpu_supports_bf16", lambda: False)
    assert resolve_precision("auto", cpu) is None
    assert resolve_precision("fp32", cpu) is None
    with pytest.raises(AmtError, match="bf16 is not supported on this cpu"):
        resolve_precision("bf16", cpu)


def test_fp16_needs_cuda_and_old_gpus_get_fp16(gpu, monkeypatch):
    with pytest.raises(AmtError, match="fp16 needs a CUDA device"):
        resolve_precision("fp16", torch.device("cpu"))
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: False)
    assert resolve_precision("auto", torch.device("cuda")) == torch.float16
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)
    assert resolve_precision("auto", torch.device("cuda")) == torch.bfloat16
    with pytest.raises(AmtError, match="train.precision 'fp64' is not one of"):
        resolve_precision("fp64", torch.device("cuda"))


def test_the_placement_runs_the_forward_pass_at_its_precision(no_gpu):
    linear = torch.nn.Linear(4, 4)
    with Placement(torch.device("cpu"), torch.bfloat16).autocast():
        assert linear(torch.ones(1, 4)).dtype == torch.bfloat16
    with Placement(torch.device("cpu"), None).autocast():
        assert linear(torch.ones(1, 4)).dtype == torch.float32
    assert str(placement("cpu", "fp32")) == "cpu/fp32"


def test_only_fp16_scales_the_loss():
    assert not Placement(torch.device("cpu"), torch.bfloat16).grad_scaler().is_enabled()
    assert not Placement(torch.device("cpu"), None).grad_scaler().is_enabled()
    assert Placement(torch.device("cpu"), torch.float16).grad_scaler().is_enabled()
