"""Soft clDice against an explicit-loop reference, hand cases, gradients, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tests.reference.soft_skeleton import reference_cldice_loss, reference_soft_skeleton
from toposeg.losses import CLDiceLoss, cldice_loss, soft_skeleton


def test_skeleton_of_a_thick_bar_and_a_slab_is_their_middle():
    bar = torch.zeros(1, 1, 9, 12)
    bar[0, 0, 2:7, :] = 1.0  # 5 pixels thick: two erosions reach the middle row
    skeleton = soft_skeleton(bar, iterations=3)[0, 0]
    assert torch.equal(skeleton[4, 2:10], torch.ones(8))
    assert skeleton[:4].sum() == 0 and skeleton[5:].sum() == 0
    slab = torch.zeros(1, 1, 7, 6, 6)
    slab[0, 0, 2:5] = 1.0
    skeleton = soft_skeleton(slab, iterations=2)[0, 0]
    assert torch.equal(skeleton[3, 1:5, 1:5], torch.ones(4, 4))
    assert skeleton[:3].sum() == 0 and skeleton[4:].sum() == 0


@pytest.mark.parametrize("seed", range(6))
def test_matches_the_explicit_reference(seed):
    rng = np.random.default_rng(seed)
    shape = (11, 9) if seed % 2 else (5, 6, 4)
    prediction = rng.random(shape)
    target = (rng.random(shape) > 0.6).astype(float)
    iterations = 1 + seed % 3
    np.testing.assert_allclose(
        soft_skeleton(torch.tensor(prediction)[None, None], iterations=iterations)[0, 0].numpy(),
        reference_soft_skeleton(prediction, iterations),
        atol=1e-12,
    )
    value = cldice_loss(
        torch.tensor(prediction)[None, None],
        torch.tensor(target)[None, None],
        iterations=iterations,
    )
    assert value.item() == pytest.approx(
        reference_cldice_loss(prediction, target, iterations, 1.0), rel=1e-12
    )


def test_hand_worked_values():
    target = torch.zeros(1, 1, 9, 9)
    target[0, 0, 4, :] = 1.0
    assert cldice_loss(target, target).item() == 0.0
    broken = target.clone()
    broken[0, 0, 4, 3:6] = 0.0
    # A one-pixel line is its own skeleton: Tprec = 7/7, Tsens = 7/10.
    assert cldice_loss(broken, target).item() == pytest.approx(1 - 2 * 0.7 / 1.7)
    assert cldice_loss(broken, target, smooth=0.0).item() == pytest.approx(
        1 - 2 * (6 / 9) / (1 + 6 / 9)
    )


@pytest.mark.parametrize("shape", [(1, 2, 6, 6), (1, 1, 4, 4, 4)])
def test_gradcheck(shape):
    generator = torch.Generator().manual_seed(0)
    prob = (
        0.05 + 0.9 * torch.rand(*shape, generator=generator, dtype=torch.float64)
    ).requires_grad_()
    target = (torch.rand(*shape, generator=generator, dtype=torch.float64) > 0.5).double()
    assert torch.autograd.gradcheck(
        lambda p: cldice_loss(p, target, iterations=2), (prob,), eps=1e-6, atol=1e-7
    )


def test_labels_reductions_and_module():
    rng = np.random.default_rng(1)
    prob = torch.softmax(torch.tensor(rng.normal(size=(2, 3, 10, 10))), dim=1)
    labels = torch.tensor(rng.integers(0, 3, (2, 10, 10)))
    per_image = cldice_loss(prob, labels, reduction="none")
    assert per_image.shape == (2, 3)
    one = cldice_loss(prob[1:, 2:], (labels[1:] == 2).double()[:, None])
    assert one.item() == pytest.approx(per_image[1, 2].item())
    torch.testing.assert_close(cldice_loss(prob, labels, reduction="sum"), per_image.sum())
    torch.testing.assert_close(CLDiceLoss()(prob, labels), per_image.mean())


def test_bad_input():
    prob = torch.rand(1, 1, 8, 8)
    with pytest.raises(ValueError, match="prob must hold probabilities"):
        cldice_loss(prob - 1, prob)
    with pytest.raises(ValueError, match="target must have the prediction's shape"):
        cldice_loss(prob, torch.zeros(1, 1, 8, 7))
    with pytest.raises(ValueError, match="prob is an empty batch"):
        cldice_loss(torch.zeros(0, 1, 8, 8), torch.zeros(0, 1, 8, 8))
    with pytest.raises(ValueError, match="prob contains NaN"):
        cldice_loss(torch.full((1, 1, 4, 4), float("nan")), torch.zeros(1, 1, 4, 4))
    with pytest.raises(ValueError, match="iterations must be"):
        cldice_loss(prob, prob, iterations=-1)
    with pytest.raises(ValueError, match="smooth must be"):
        cldice_loss(prob, prob, smooth=-1.0)
