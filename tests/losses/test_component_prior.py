"""Component prior (thesis Eq. 4.5): hand case, gudhi oracle, gradients, zero-loss property."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tests.reference.diagram_loss import gudhi_diagrams
from toposeg import betti_numbers
from toposeg.losses import ComponentPrior, component_prior


def test_hand_worked_saddle():
    # A blob at (1, 1) = 0.7 reaches the main blob (0.95 at (3, 3)) over (2, 1) = 0.4 and
    # (3, 1), (3, 2) = 0.5, 0.55; every other path is lower, so the saddle is (2, 1). The
    # background has no other local maximum. Loss (0.7 - 0.4)**2, gradient +-2 * 0.3.
    mask = torch.tensor(
        [
            [0.01, 0.02, 0.03, 0.04, 0.05],
            [0.06, 0.70, 0.07, 0.08, 0.09],
            [0.11, 0.40, 0.12, 0.13, 0.14],
            [0.15, 0.50, 0.55, 0.95, 0.16],
            [0.17, 0.18, 0.19, 0.20, 0.185],
        ],
        dtype=torch.float64,
    )[None, None].requires_grad_()
    loss = component_prior(mask)
    loss.backward()
    assert loss.item() == pytest.approx(0.3**2)
    expected = torch.zeros_like(mask)
    expected[0, 0, 1, 1], expected[0, 0, 2, 1] = 0.6, -0.6
    torch.testing.assert_close(mask.grad, expected)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("keep", [0, 1, 2, 4])
def test_value_matches_gudhi_diagram(seed, keep):
    rng = np.random.default_rng(seed)
    shape = (8, 9) if seed % 2 else (4, 5, 3)
    mask = rng.random(shape)
    # gudhi's dimension-0 diagram, the essential component dying at 0; all but the `keep`
    # most persistent dots count (b - d)**2.
    dots = gudhi_diagrams(mask, superlevel=True, frame=None, end=0.0)[0]
    persistence = np.sort(dots[:, 0] - dots[:, 1])[::-1]
    expected = float((persistence[keep:] ** 2).sum())
    value = component_prior(torch.tensor(mask)[None, None], keep=keep).item()
    assert value == pytest.approx(expected, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("shape", [(1, 1, 6, 6), (2, 2, 5, 4), (1, 1, 4, 3, 4)])
@pytest.mark.parametrize("keep", [0, 1, 3])
def test_gradcheck(shape, keep):
    generator = torch.Generator().manual_seed(sum(shape) + keep)
    mask = (
        0.05 + 0.9 * torch.rand(*shape, generator=generator, dtype=torch.float64)
    ).requires_grad_()
    assert component_prior(mask, keep=keep).item() > 0
    assert torch.autograd.gradcheck(
        lambda m: component_prior(m, keep=keep), (mask,), eps=1e-6, atol=1e-7
    )


@pytest.mark.parametrize("seed", range(6))
def test_zero_prior_leaves_at_most_keep_components(seed):
    rng = np.random.default_rng(seed)
    keep = 1 + seed % 2
    mask = torch.tensor(rng.random((1, 1, 12, 12)))
    start = betti_numbers(mask[0, 0].numpy() >= 0.5)[0]
    for _ in range(300):
        mask.requires_grad_()
        loss = component_prior(mask, keep=keep)
        if loss.item() < 1e-24:
            break
        (grad,) = torch.autograd.grad(loss, mask)
        mask = (mask.detach() - 0.25 * grad).clamp(0, 1)
    assert loss.item() < 1e-24
    assert start > keep
    assert betti_numbers(mask.detach()[0, 0].numpy() >= 0.5)[0] <= keep


def test_one_component_costs_nothing_and_reductions():
    blob = torch.zeros(2, 3, 9, 9)
    blob[:, :, 2:6, 3:7] = 0.8
    assert component_prior(blob).item() == 0.0
    rng = np.random.default_rng(0)
    mask = torch.tensor(rng.random((2, 3, 9, 9)))
    per_image = component_prior(mask, reduction="none")
    assert per_image.shape == (2, 3)
    for b in range(2):
        for c in range(3):
            assert per_image[b, c].item() == pytest.approx(
                component_prior(mask[b : b + 1, c : c + 1]).item()
            )
    torch.testing.assert_close(component_prior(mask, reduction="sum"), per_image.sum())
    torch.testing.assert_close(ComponentPrior(keep=1)(mask), per_image.mean())


def test_bad_input():
    with pytest.raises(ValueError, match="mask_prob must hold probabilities"):
        component_prior(torch.randn(1, 1, 8, 8) * 5)
    with pytest.raises(ValueError, match="mask_prob is an empty batch"):
        component_prior(torch.zeros(0, 1, 8, 8))
    with pytest.raises(ValueError, match="mask_prob contains NaN"):
        component_prior(torch.full((1, 1, 4, 4), float("nan")))
    with pytest.raises(ValueError, match="mask_prob must have shape"):
        component_prior(torch.rand(8, 8))
    with pytest.raises(ValueError, match="keep must be a non-negative integer"):
        component_prior(torch.rand(1, 1, 8, 8), keep=-1)
