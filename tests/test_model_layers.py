import pytest
import torch
from torch import nn

from amt.models.dropout import ByteDropout
from amt.models.pooling import FrequencyMaxPool


@pytest.mark.parametrize("width", [229, 114, 8])
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_frequency_max_pool_matches_max_pool_2d(width, dtype):
    torch.manual_seed(0)
    x = torch.randn(2, 3, 5, width).to(dtype)
    x[..., 1] = x[..., 0]  # a tie: the gradient goes to the first of the pair
    ours, theirs = x.clone().requires_grad_(), x.clone().requires_grad_()
    pooled, reference = FrequencyMaxPool()(ours), nn.MaxPool2d((1, 2))(theirs)
    assert torch.equal(pooled, reference)
    grad = torch.randn_like(reference)
    pooled.backward(grad)
    reference.backward(grad)
    assert torch.equal(ours.grad, theirs.grad)


@pytest.mark.parametrize("p", [0.25, 0.5])
def test_byte_dropout_drops_its_share_and_keeps_the_mean(p):
    torch.manual_seed(0)
    dropout = ByteDropout(p).train()
    x = torch.ones(200_000)
    y = dropout(x)
    dropped = (y == 0).float().mean().item()
    assert dropped == pytest.approx(p, abs=0.005)
    assert torch.allclose(y[y != 0], torch.tensor(1 / (1 - p)))
    assert y.mean().item() == pytest.approx(1.0, abs=0.01)
    assert not torch.equal(dropout(x), y)  # a fresh mask every call


def test_byte_dropout_masks_are_independent_across_neighbours():
    torch.manual_seed(0)
    kept = ByteDropout(0.25).train().keep_mask(torch.ones(400_000, dtype=torch.bfloat16)).float()
    both = (kept[0::2] * kept[1::2]).mean().item()
    assert both == pytest.approx(0.75**2, abs=0.005)


def test_byte_dropout_passes_gradients_through_kept_elements_only():
    torch.manual_seed(0)
    x = torch.randn(3, 64, requires_grad=True)
    y = ByteDropout(0.5).train()(x)
    y.sum().backward()
    assert torch.equal(x.grad == 0, y == 0)


def test_byte_dropout_is_the_identity_in_eval_mode_and_checks_its_rate():
    x = torch.randn(4, 8)
    assert torch.equal(ByteDropout(0.25).eval()(x), x)
    with pytest.raises(ValueError, match="1/256"):
        ByteDropout(0.3)
