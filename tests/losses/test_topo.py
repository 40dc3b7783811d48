"""TopoLoss: hand-worked cases, gradients, Theorem 1, gudhi oracle, patches, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage

from tests.reference.diagram_loss import gudhi_diagram_loss
from toposeg import betti_numbers, cubical_persistence
from toposeg.losses import TopoLoss, topo_loss
from toposeg.losses._random import as_rng
from toposeg.structures.patches import patch_layout


def _image(rows):
    return torch.tensor(rows, dtype=torch.float64)[None, None]


# --- hand-worked 5x5 cases ------------------------------------------------------------------

BROKEN_RING = [
    [0, 0, 0, 0, 0],
    [0, 0.9, 0.3, 0.9, 0],
    [0, 0.9, 0, 0.9, 0],
    [0, 0.9, 0.9, 0.9, 0],
    [0, 0, 0, 0, 0],
]
RING = [[1.0 if v > 0 else 0.0 for v in row] for row in BROKEN_RING]
RING[1][2] = 1.0

SPURIOUS_BLOB = [
    [0, 0, 0, 0, 0],
    [0, 0.8, 0, 0, 0],
    [0, 0.2, 0, 0, 0],
    [0, 0.5, 0, 0, 0],
    [1, 1, 1, 1, 1],
]
BAR = [[0.0] * 5] * 4 + [[1.0] * 5]


@pytest.mark.parametrize("frame", [True, False])
def test_broken_ring_gradient_raises_the_saddle_and_nothing_else(frame):
    # The hole is born when the ring closes at the gap (0.3) and dies at the centre (0.0);
    # the target's hole is the dot (1, 0): loss (1 - 0.3)**2 + 0**2, gradient 2 (0.3 - 1).
    # With a frame, the frame's own loop is (1, 0) in both diagrams and costs nothing.
    prob = _image(BROKEN_RING).requires_grad_()
    loss = topo_loss(prob, _image(RING), patch="whole", frame=frame)
    loss.backward()
    assert loss.item() == pytest.approx(0.49)
    expected = torch.zeros_like(prob)
    expected[0, 0, 1, 2] = -1.4
    torch.testing.assert_close(prob.grad, expected)


@pytest.mark.parametrize("frame", [True, False])
def test_spurious_blob_gradient_lowers_its_peak_and_raises_its_saddle(frame):
    # The blob is born at 0.8 and joins the bar at the saddle 0.2 (the path 0.8-0.2-0.5-1);
    # the target has no such component, so the dot (0.8, 0.2) goes to the diagonal point
    # (0.5, 0.5): loss 0.3**2 + 0.3**2, gradient +0.6 at the peak and -0.6 at the saddle.
    prob = _image(SPURIOUS_BLOB).requires_grad_()
    loss = topo_loss(prob, _image(BAR), patch="whole", dims=(0,), frame=frame)
    loss.backward()
    assert loss.item() == pytest.approx(0.18)
    expected = torch.zeros_like(prob)
    expected[0, 0, 1, 1] = 0.6
    expected[0, 0, 2, 1] = -0.6
    torch.testing.assert_close(prob.grad, expected)
    # A blob leaves the holes alone: dimension 1 does not see it.
    assert (
        topo_loss(_image(SPURIOUS_BLOB), _image(BAR), patch="whole", dims=(1,), frame=frame).item()
        == 0.0
    )


@pytest.mark.parametrize("patch", ["whole", "tiles"])
def test_correct_prediction_has_zero_loss(patch):
    ring = _image(RING)
    assert topo_loss(ring, ring, patch=patch, patch_size=3, dims=(0, 1)).item() == 0.0
    # Topology, not geometry: a shifted, thicker ring costs nothing either.
    other = torch.zeros(1, 1, 7, 7, dtype=torch.float64)
    other[0, 0, 1:6, 1:5] = 1.0
    other[0, 0, 2:5, 2:4] = 0.0
    target = torch.nn.functional.pad(ring, (1, 1, 1, 1))
    assert topo_loss(other, target, patch="whole", dims=(0, 1)).item() == 0.0


# --- gradients --------------------------------------------------------------------------------


def _untied(shape, seed):
    generator = torch.Generator().manual_seed(seed)
    return (
        0.05 + 0.9 * torch.rand(*shape, generator=generator, dtype=torch.float64)
    ).requires_grad_()


@pytest.mark.parametrize(
    "shape, options",
    [
        ((1, 1, 7, 7), dict(patch="whole")),
        ((1, 1, 7, 7), dict(patch="whole", frame=False, dims=(0, 1))),
        ((2, 1, 8, 6), dict(patch="tiles", patch_size=4, dims=(0, 1))),
        ((1, 2, 7, 7), dict(patch="whole", connectivity=2)),
        ((1, 1, 4, 4, 4), dict(patch="whole", dims=(0, 1, 2))),
        ((1, 1, 5, 4, 4), dict(patch="tiles", patch_size=3)),
    ],
)
@pytest.mark.parametrize("soft_target", [False, True])
def test_gradcheck(shape, options, soft_target):
    prob = _untied(shape, seed=len(shape) + sum(shape))
    target = torch.rand(*shape, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    target = target if soft_target else (target > 0.5).double()
    function = lambda p: topo_loss(p, target, **options)
    assert function(prob).item() > 0
    assert torch.autograd.gradcheck(function, (prob,), eps=1e-6, atol=1e-7)


def test_gradcheck_random_patches_with_a_reseeded_generator():
    prob = _untied((2, 1, 9, 9), seed=3)
    target = (torch.rand(2, 9, 9, generator=torch.Generator().manual_seed(4)) > 0.5).long()

    def function(p):
        generator = torch.Generator().manual_seed(5)
        return topo_loss(
            p, target, patch="random", patch_size=5, num_patches=3, generator=generator
        )

    assert torch.autograd.gradcheck(function, (prob,), eps=1e-6, atol=1e-7)


def test_gradient_is_only_on_critical_pixels_of_the_prediction():
    prob = _untied((1, 1, 12, 12), seed=7)
    target = torch.zeros(1, 1, 12, 12, dtype=torch.float64)
    loss = topo_loss(prob, target, patch="whole", dims=(0, 1), frame=False)
    loss.backward()
    result = cubical_persistence(prob.detach()[0, 0].numpy())
    critical = set(result.critical_pixels(0).ravel()) | set(result.critical_pixels(1).ravel())
    critical |= set(result.essential(0).pixels)
    touched = set(torch.nonzero(prob.grad.reshape(-1)).ravel().tolist())
    assert touched and touched <= critical


# --- Theorem 1 --------------------------------------------------------------------------------


def _betti(mask, frame):
    return betti_numbers(np.pad(mask, 1, constant_values=True) if frame else mask)


def test_theorem_1_zero_loss_gives_the_target_betti_numbers():
    # Gradient descent on the pixel values with step 1/2 moves every critical value exactly
    # onto its match. Whenever it reaches zero loss, the thresholded prediction must have the
    # target's Betti numbers (it can stall above zero when a target class has no dot of the
    # prediction to move: no gradient).
    reached, fixed = 0, 0
    for seed in range(24):
        frame = bool(seed % 2)
        rng = np.random.default_rng(seed)
        n = int(rng.integers(6, 13))
        target = ndimage.uniform_filter(rng.random((n, n)), 3) > 0.5
        start = np.clip(0.6 * target + 0.2 + rng.normal(0, 0.25, (n, n)), 0, 1)
        goal = torch.tensor(target, dtype=torch.float64)[None, None]
        prob = torch.tensor(start)[None, None]
        for _ in range(600):
            prob.requires_grad_()
            loss = topo_loss(prob, goal, patch="whole", dims=(0, 1), frame=frame)
            (grad,) = torch.autograd.grad(loss, prob)
            if loss.item() < 1e-24 or not grad.any():
                break
            prob = (prob.detach() - 0.5 * grad).clamp(0, 1)
        if loss.item() < 1e-24:
            reached += 1
            fixed += _betti(start >= 0.5, frame) != _betti(target, frame)
            assert _betti(prob.detach()[0, 0].numpy() >= 0.5, frame) == _betti(target, frame), seed
    assert reached >= 20 and fixed >= 18  # the check is not vacuous


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.booleans())
def test_binary_prediction_has_zero_loss_exactly_when_betti_numbers_agree(seed, frame):
    rng = np.random.default_rng(seed)
    target = rng.random((7, 7)) > 0.5
    prediction = target.copy()
    flips = rng.integers(0, 3)
    prediction.flat[rng.choice(49, flips, replace=False)] ^= True
    loss = topo_loss(
        torch.tensor(prediction, dtype=torch.float64)[None, None],
        torch.tensor(target, dtype=torch.float64)[None, None],
        patch="whole",
        dims=(0, 1),
        frame=frame,
    ).item()
    assert (loss == 0.0) == (_betti(prediction, frame) == _betti(target, frame))


# --- against gudhi ---------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("frame", [True, False])
def test_loss_value_matches_gudhi_diagrams_and_wasserstein_distance(seed, frame):
    rng = np.random.default_rng(seed)
    shape = (9, 11) if seed % 2 else (5, 6, 4)
    prediction = rng.random(shape)
    target = rng.random(shape) if seed % 4 < 2 else (rng.random(shape) > 0.5).astype(float)
    dims = tuple(range(len(shape)))
    loss = topo_loss(
        torch.tensor(prediction)[None, None],
        torch.tensor(target)[None, None],
        patch="whole",
        dims=dims,
        frame=frame,
    )
    expected = gudhi_diagram_loss(
        prediction, target, dims=dims, superlevel=True, frame=1.0 if frame else None, end=0.0
    )
    assert loss.item() == pytest.approx(expected, rel=1e-9)


# --- patches ---------------------------------------------------------------------------------


def test_tile_loss_is_the_sum_of_whole_losses_of_the_tiles():
    rng = np.random.default_rng(0)
    prediction, target = rng.random((1, 1, 10, 7)), (rng.random((1, 1, 10, 7)) > 0.5) * 1.0
    tiled = topo_loss(
        torch.tensor(prediction), torch.tensor(target), patch="tiles", patch_size=(4, 7)
    )
    expected = sum(
        topo_loss(
            torch.tensor(prediction[..., r : r + 4, :]),
            torch.tensor(target[..., r : r + 4, :]),
            patch="whole",
        )
        for r in (0, 4, 6)
    )
    assert tiled.item() == pytest.approx(expected.item())


def test_random_patches_are_redrawn_every_call_and_reproducible():
    rng = np.random.default_rng(1)
    prob = torch.tensor(rng.random((2, 1, 40, 40)))
    target = torch.tensor(rng.random((2, 1, 40, 40)) > 0.5).double()
    options = dict(patch="random", patch_size=9, num_patches=4)
    module = TopoLoss(seed=3, **options)
    first, second = module(prob, target), module(prob, target)
    assert first.item() != second.item()
    again = TopoLoss(seed=3, **options)
    assert again(prob, target).item() == first.item()
    numpy_first = topo_loss(prob, target, generator=np.random.default_rng(8), **options)
    numpy_again = topo_loss(prob, target, generator=np.random.default_rng(8), **options)
    assert numpy_first.item() == numpy_again.item()
    layout = patch_layout(
        (40, 30),
        3,
        mode="random",
        size=(9, 9),
        count=50,
        rng=as_rng(torch.Generator().manual_seed(0)),
    )
    assert (
        layout.corners.min() == 0
        and layout.corners[:, 0].max() == 31
        and layout.corners[:, 1].max() == 21
    )
    assert layout.owner.tolist() == sorted([0, 1, 2] * 50)


def test_default_patch_counts_and_clipping():
    layout = patch_layout((130, 200), 1, mode="random", size=(65, 65), count=None, rng=as_rng(None))
    assert len(layout.owner) == 2 * 4  # as many as tiles
    small = torch.rand(1, 1, 20, 30)
    assert topo_loss(small, small > 0.5).ndim == 0  # 65x65 patches clipped to the image


# --- shapes, reductions, module ---------------------------------------------------------------


def test_multiclass_labels_reductions_and_module():
    rng = np.random.default_rng(2)
    prob = torch.softmax(torch.tensor(rng.normal(size=(2, 3, 16, 16))), dim=1)
    labels = torch.tensor(rng.integers(0, 3, (2, 16, 16)))
    options = dict(patch="tiles", patch_size=8, dims=(0, 1))
    per_image = topo_loss(prob, labels, reduction="none", **options)
    assert per_image.shape == (2, 3) and bool((per_image > 0).all())
    for c in range(3):
        alone = topo_loss(
            prob[:, c : c + 1], (labels == c).double()[:, None], reduction="none", **options
        )
        torch.testing.assert_close(alone[:, 0], per_image[:, c])
    torch.testing.assert_close(topo_loss(prob, labels, reduction="sum", **options), per_image.sum())
    torch.testing.assert_close(topo_loss(prob, labels, **options), per_image.mean())
    torch.testing.assert_close(TopoLoss(**options)(prob, labels), per_image.mean())


def test_float32_input_is_not_modified_and_loss_stays_on_its_device():
    prob = torch.rand(1, 1, 20, 20, requires_grad=True)
    before = prob.detach().clone()
    loss = topo_loss(prob, torch.zeros(1, 20, 20, dtype=torch.long), patch="whole")
    loss.backward()
    assert torch.equal(prob.detach(), before)
    assert loss.dtype == torch.float32 and loss.device == prob.device
    assert prob.grad is not None and torch.isfinite(prob.grad).all()


def test_bad_input():
    prob = torch.rand(2, 1, 8, 8)
    target = torch.zeros(2, 1, 8, 8)
    with pytest.raises(ValueError, match="prob must hold probabilities"):
        topo_loss(prob * 4 - 2, target)
    with pytest.raises(ValueError, match="target must have the prediction's shape"):
        topo_loss(prob, torch.zeros(2, 1, 8, 9))
    with pytest.raises(ValueError, match="prob is an empty batch"):
        topo_loss(torch.zeros(0, 1, 8, 8), torch.zeros(0, 1, 8, 8))
    nan = prob.clone()
    nan[0, 0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="prob contains NaN"):
        topo_loss(nan, target)
    with pytest.raises(ValueError, match="target contains NaN"):
        topo_loss(prob, nan)
    with pytest.raises(ValueError, match="prob must have shape"):
        topo_loss(torch.rand(8, 8), torch.zeros(8, 8))
    with pytest.raises(ValueError, match="dims must be distinct integers in 0..1"):
        topo_loss(prob, target, dims=(2,))
    with pytest.raises(ValueError, match="patch must be"):
        topo_loss(prob, target, patch="grid")
    with pytest.raises(ValueError, match="patch_size must be"):
        topo_loss(prob, target, patch_size=0)
    with pytest.raises(ValueError, match="num_patches must be"):
        topo_loss(prob, target, num_patches=0)
    with pytest.raises(TypeError, match="generator must be"):
        topo_loss(prob, target, generator=3)
    with pytest.raises(ValueError, match="connectivity must be 1"):
        topo_loss(prob, target, connectivity=3)
    with pytest.raises(ValueError, match="reduction must be"):
        topo_loss(prob, target, reduction="max")
    with pytest.raises(ValueError, match="matching must be"):
        topo_loss(prob, target, matching="greedy")
    with pytest.raises(ValueError, match="needs all target dots at one point"):
        topo_loss(prob, torch.rand(2, 1, 8, 8), matching="corner", patch="whole", dims=(0, 1))
    with pytest.raises(TypeError, match="frame must be True or False"):
        topo_loss(prob, target, frame=1.0)
