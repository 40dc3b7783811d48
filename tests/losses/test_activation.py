"""The activation options every loss takes (sigmoid=, softmax=, include_background=)."""

from __future__ import annotations

import pytest
import torch

from toposeg.losses import (
    betti_matching_loss,
    cldice_loss,
    component_prior,
    dice_loss,
    dmt_loss,
    dmt_term,
    topo_loss,
    warping_loss,
)
from toposeg.losses.activation import activate

LOSSES = {
    "topo": lambda p, t, **k: topo_loss(p, t, patch="whole", **k),
    "cldice": lambda p, t, **k: cldice_loss(p, t, **k),
    "dmt": lambda p, t, **k: dmt_loss(p, t, eps=0.2, **k),
    "warping": lambda p, t, **k: warping_loss(p, t, **k),
    "component_prior": lambda p, t, **k: component_prior(p, **k),
    "dmt_term": lambda p, t, **k: dmt_term(p, t, eps=0.2, **k),
    "dice": lambda p, t, **k: dice_loss(p, t, **k),
    "betti_matching": lambda p, t, **k: betti_matching_loss(p, t, **k),
}


def _logits(channels: int = 1) -> torch.Tensor:
    generator = torch.Generator().manual_seed(0)
    return 3 * torch.randn(2, channels, 16, 16, generator=generator, dtype=torch.float64)


def _labels() -> torch.Tensor:
    labels = torch.zeros(2, 16, 16, dtype=torch.long)
    labels[:, 4:12, 4:12] = 1
    labels[:, 6:10, 6:10] = 0
    labels[:, 14, 1:15] = 2
    return labels


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_logits_without_an_activation_are_refused(name):
    with pytest.raises(ValueError, match=r"pass sigmoid=True or softmax=True to give logits"):
        LOSSES[name](_logits(), (_labels() == 1).long())


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_sigmoid_equals_the_loss_of_the_sigmoid(name):
    logits = _logits().requires_grad_()
    target = (_labels() == 1).long()
    value = LOSSES[name](logits, target, sigmoid=True)
    expected = LOSSES[name](torch.sigmoid(logits.detach()), target)
    torch.testing.assert_close(value.detach(), expected)
    value.backward()
    assert logits.grad is not None and torch.isfinite(logits.grad).all()


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_softmax_without_background_equals_the_foreground_channels(name):
    logits = _logits(3)
    prob = torch.softmax(logits, dim=1)
    labels = _labels()
    value = LOSSES[name](logits, labels, softmax=True, include_background=False, reduction="none")
    one_hot = torch.nn.functional.one_hot(labels, 3).movedim(-1, 1).double()
    expected = LOSSES[name](prob[:, 1:], one_hot[:, 1:], reduction="none")
    assert value.shape == (2, 2)
    torch.testing.assert_close(value, expected)


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        (dict(sigmoid=True, softmax=True), ValueError, "exclusive: choose one activation"),
        (dict(sigmoid=1), TypeError, "sigmoid must be True or False"),
        (dict(softmax=True), ValueError, "softmax=True needs at least 2 channels"),
        (dict(include_background=False), ValueError, "include_background=False needs at least 2"),
    ],
)
def test_bad_activation_options_are_named(options, error, message):
    with pytest.raises(error, match=message):
        activate(_logits(1).sigmoid(), **options)


def test_activation_refuses_nan_logits():
    logits = _logits()
    logits[0, 0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="prob contains NaN"):
        activate(logits, sigmoid=True)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_bfloat16_autocast_keeps_gradients(name):
    """A network layer under CPU autocast gives bfloat16 probabilities: the loss is computed in
    float32 and the gradient reaches the layer (tests/losses/test_cuda.py does it on CUDA)."""
    logits = _logits().float()
    weight = torch.ones(1, 1, 1, 1, requires_grad=True)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        prob = torch.sigmoid(torch.nn.functional.conv2d(logits, weight))
        assert prob.dtype == torch.bfloat16
        value = LOSSES[name](prob, (_labels() == 1).long())
    value.backward()
    assert value.dtype == torch.float32 and torch.isfinite(value)
    assert weight.grad is not None and torch.isfinite(weight.grad).all() and weight.grad.abs() > 0
