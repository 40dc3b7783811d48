"""dmt_loss / DMTLoss: values, gradients, shapes, batches, classes and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from toposeg.data import curvilinear_likelihood
from toposeg.losses import DMTLoss, dmt_loss
from toposeg.morse import morse_skeleton, watershed_boundaries


def _bce(p, t):
    return -(t * np.log(p) + (1 - t) * np.log(1 - p))


def _open(likelihood):
    """A likelihood squeezed into (0, 1), where the cross-entropy is finite."""
    return 0.02 + 0.96 * likelihood.astype(np.float64)


def _ridge():
    """The 3x7 ridge whose skeleton at eps = 0.2 is row 1, columns 1..5 (worked by hand in
    tests/morse/test_skeleton.py)."""
    prob = np.full((3, 7), 0.1)
    prob[1] = [0.1, 0.9, 0.7, 0.5, 0.7, 0.8, 0.1]
    target = np.zeros((3, 7))
    target[1, 1:6] = 1.0
    target[0, 3] = 1.0
    return prob, target


def test_value_on_a_hand_worked_case():
    prob, target = _ridge()
    mask = np.zeros((3, 7), dtype=bool)
    mask[1, 1:6] = True
    bce = _bce(prob, target)
    expected = bce.mean() + 3.0 * bce[mask].sum() / bce.size
    found = dmt_loss(torch.tensor(prob)[None, None], torch.tensor(target)[None, None], eps=0.2,
                     beta=3.0, structures="skeleton")
    assert found.dtype == torch.float64 and found.shape == ()
    np.testing.assert_allclose(found.item(), expected, rtol=1e-12)
    # above the saddle's persistence (0.3) the mask is empty: plain cross-entropy
    found = dmt_loss(torch.tensor(prob)[None, None], torch.tensor(target)[None, None], eps=0.35,
                     beta=3.0, structures="skeleton")
    np.testing.assert_allclose(found.item(), bce.mean(), rtol=1e-12)


@pytest.mark.parametrize("structures", ["both", "skeleton", "watershed"])
def test_value_is_bce_plus_beta_times_bce_on_the_mask(structures):
    rng = np.random.default_rng(0)
    prob = np.stack([_open(curvilinear_likelihood((40, 40), seed=s)) for s in range(2)])[:, None]
    target = (rng.random(prob.shape) > 0.7).astype(np.float64)
    found = dmt_loss(torch.tensor(prob), torch.tensor(target), eps=0.05, beta=2.0,
                     structures=structures, reduction="none")
    assert found.shape == (2, 1)
    for b in range(2):
        mask = np.zeros((40, 40), dtype=bool)
        if structures != "watershed":
            mask |= morse_skeleton(prob[b, 0], eps=0.05)
        if structures != "skeleton":
            mask |= watershed_boundaries(prob[b, 0], eps=0.05)
        assert mask.any()
        bce = _bce(prob[b, 0], target[b, 0])
        np.testing.assert_allclose(found[b, 0].item(), bce.mean() + 2.0 * bce[mask].sum() / bce.size, rtol=1e-10)


def test_gradient_is_the_cross_entropy_gradient_weighted_on_the_mask():
    prob = _open(curvilinear_likelihood((32, 32), seed=3))
    target = (np.random.default_rng(1).random((32, 32)) > 0.5).astype(np.float64)
    p = torch.tensor(prob)[None, None].requires_grad_(True)
    dmt_loss(p, torch.tensor(target)[None, None], eps=0.1, beta=3.0).backward()
    mask = morse_skeleton(prob, eps=0.1) | watershed_boundaries(prob, eps=0.1)
    expected = (prob - target) / (prob * (1 - prob)) * (1 + 3.0 * mask) / prob.size
    np.testing.assert_allclose(p.grad[0, 0].numpy(), expected, rtol=1e-10)
    assert mask.any() and (~mask).any()


def test_gradcheck():
    rng = np.random.default_rng(2)
    prob = torch.tensor(0.1 + 0.8 * rng.random((2, 2, 5, 6)), requires_grad=True)
    target = torch.tensor((rng.random((2, 2, 5, 6)) > 0.5).astype(np.float64))
    # no persistence value lies near eps, so the mask stays put under gradcheck's steps
    assert torch.autograd.gradcheck(lambda p: dmt_loss(p, target, eps=0.123, beta=1.5), (prob,))


def test_multiclass_is_one_vs_rest():
    rng = np.random.default_rng(3)
    logits = torch.tensor(rng.standard_normal((2, 3, 24, 24)))
    prob = torch.softmax(logits, dim=1)
    labels = torch.tensor(rng.integers(0, 3, size=(2, 24, 24)))
    found = dmt_loss(prob, labels, eps=0.1, reduction="none")
    assert found.shape == (2, 3)
    for c in range(3):
        one = dmt_loss(prob[:, c : c + 1], (labels == c).long(), eps=0.1, reduction="none")
        torch.testing.assert_close(found[:, c : c + 1], one)
    torch.testing.assert_close(dmt_loss(prob, labels, eps=0.1), found.mean())
    torch.testing.assert_close(dmt_loss(prob, labels, eps=0.1, reduction="sum"), found.sum())


def test_3d_and_float32():
    prob = torch.tensor(curvilinear_likelihood((8, 20, 20), seed=4))[None, None]
    target = (prob > 0.5).float()
    value = dmt_loss(prob, target, eps=0.2)
    assert value.dtype == torch.float32 and torch.isfinite(value)
    plain = torch.nn.functional.binary_cross_entropy(prob, target)
    assert value > plain


def test_structures_are_computed_on_the_prediction_only():
    """The mask depends on the prediction, not on the target: changing the target changes the
    value only through the cross-entropies on a fixed set of pixels."""
    prob, target = _ridge()
    p = torch.tensor(prob)[None, None].requires_grad_(True)
    for t in (target, 1 - target):
        p.grad = None
        dmt_loss(p, torch.tensor(t)[None, None], eps=0.2, beta=3.0, structures="skeleton").backward()
        weight = p.grad[0, 0].numpy() * prob.size * prob * (1 - prob) / (prob - t)
        np.testing.assert_allclose(weight[1, 1:6], 4.0)
        weight[1, 1:6] = 1.0
        np.testing.assert_allclose(weight, 1.0)


def test_beta_zero_is_binary_cross_entropy():
    prob = torch.rand(2, 1, 16, 16, dtype=torch.float64)
    target = (torch.rand(2, 1, 16, 16) > 0.5).double()
    torch.testing.assert_close(
        dmt_loss(prob, target, eps=0.1, beta=0.0),
        torch.nn.functional.binary_cross_entropy(prob, target),
    )


def test_module_equals_function_and_does_not_modify_inputs():
    prob = torch.rand(2, 2, 12, 12)
    target = torch.rand(2, 2, 12, 12).round()
    copy = prob.clone()
    module = DMTLoss(eps=0.1, beta=2.0, structures="watershed", connectivity=2, reduction="sum")
    torch.testing.assert_close(
        module(prob, target),
        dmt_loss(prob, target, eps=0.1, beta=2.0, structures="watershed", connectivity=2, reduction="sum"),
    )
    torch.testing.assert_close(prob, copy)
    assert "eps=0.1" in repr(module)


def test_loss_stays_on_the_prediction_device_and_dtype():
    prob = torch.rand(1, 1, 10, 10, dtype=torch.float64, device="cpu", requires_grad=True)
    value = dmt_loss(prob, torch.zeros(1, 10, 10, dtype=torch.long), eps=0.1)
    assert value.device == prob.device and value.dtype == prob.dtype and value.requires_grad


@pytest.mark.parametrize(
    ("prob", "target", "kwargs", "error", "match"),
    [
        (torch.full((1, 1, 4, 4), float("nan")), torch.zeros(1, 1, 4, 4), {"eps": 0.1}, ValueError, "contains NaN"),
        (torch.randn(1, 1, 4, 4) * 5, torch.zeros(1, 1, 4, 4), {"eps": 0.1}, ValueError, r"in \[0, 1\]"),
        (torch.rand(1, 1, 4, 4), torch.zeros(1, 1, 4, 4), {"eps": -0.1}, ValueError, "eps must be >= 0"),
        (torch.rand(1, 1, 4, 4), torch.zeros(1, 1, 4, 4), {"eps": float("nan")}, ValueError, "eps must be >= 0"),
        (torch.rand(1, 1, 4, 4), torch.zeros(1, 1, 4, 4), {"eps": 0.1, "beta": -1}, ValueError, "beta must be"),
        (torch.rand(1, 1, 4, 4), torch.zeros(1, 1, 4, 4), {"eps": "a"}, TypeError, "eps must be a real"),
        (torch.rand(1, 1, 4, 4), torch.zeros(1, 1, 4, 4), {"eps": 0.1, "structures": "s3"}, ValueError, "structures must be"),
        (torch.rand(1, 1, 4, 4), torch.zeros(1, 1, 4, 4), {"eps": 0.1, "connectivity": 2}, ValueError, "connectivity=1 only"),
        (torch.rand(1, 1, 4, 4), torch.zeros(1, 1, 4, 4), {"eps": 0.1, "structures": "watershed", "connectivity": 3},
         ValueError, "connectivity must be 1 or 2"),
        (torch.rand(1, 1, 4, 4), torch.zeros(1, 1, 5, 4), {"eps": 0.1}, ValueError, "target must have"),
        (torch.rand(4, 4), torch.zeros(4, 4), {"eps": 0.1}, ValueError, "prob must have shape"),
        (torch.rand(1, 1, 4, 4), torch.zeros(1, 1, 4, 4), {"eps": 0.1, "reduction": "max"}, ValueError, "reduction must be"),
    ],
)
def test_bad_input(prob, target, kwargs, error, match):
    with pytest.raises(error, match=match):
        dmt_loss(prob, target, **kwargs)


def test_module_rejects_bad_options_at_construction():
    with pytest.raises(ValueError, match="eps must be >= 0"):
        DMTLoss(eps=-1)
    with pytest.raises(ValueError, match="reduction must be"):
        DMTLoss(eps=0.1, reduction="avg")
