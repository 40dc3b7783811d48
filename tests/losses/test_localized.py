"""Localized PH loss (seed 003): height functions, gudhi oracle, gradients, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tests.reference.diagram_loss import gudhi_diagram_loss
from toposeg.losses import LocalizedPHLoss, height_function, localized_ph_loss

HEIGHTS = ["random_linear", "fixed_linear", "point", "square", "none"]


def _maps(shape, seed):
    rng = np.random.default_rng(seed)
    target = rng.random(shape) * 6
    prediction = target + rng.normal(0, 1.5, shape)
    return torch.tensor(prediction)[None, None], torch.tensor(target)[None, None]


@pytest.mark.parametrize("height", HEIGHTS)
@pytest.mark.parametrize("shape", [(9, 13), (4, 5, 6)])
def test_height_functions_span_zero_to_scale(height, shape):
    g = height_function(shape, height=height, scale=3.0, generator=np.random.default_rng(0))
    assert g.shape == shape and g.min() >= 0
    if height == "none":
        assert not g.any()
    elif height == "point":
        assert g.max() <= 3.0 and g.min() < 3.0 / np.sqrt(len(shape))
    else:
        assert g.min() == pytest.approx(0.0, abs=1e-12) and g.max() == pytest.approx(3.0)


def test_height_functions_shapes():
    # linear: constant along the direction's normal, so rank one after removing the mean
    g = height_function((20, 30), height="random_linear", generator=np.random.default_rng(1))
    differences = np.diff(g, axis=0)
    assert np.allclose(differences, differences[0, 0])
    # point: distance to q, smallest at q, the same at equal distances
    g = height_function((21, 21), height="point", generator=torch.Generator().manual_seed(2))
    q = np.unravel_index(np.argmin(g), g.shape)
    yy, xx = np.mgrid[:21, :21]
    np.testing.assert_allclose(
        np.argsort(g.ravel(), kind="stable")[0], np.ravel_multi_index(q, g.shape)
    )
    assert g[q] <= g[tuple(np.clip(np.array(q) + 1, 0, 20))]
    # square: symmetric about the window centre
    g = height_function((15, 15), height="square", generator=np.random.default_rng(3))
    np.testing.assert_allclose(g, g[::-1, ::-1], atol=1e-12)
    # fixed: along the diagonal
    g = height_function((3, 3), height="fixed_linear", scale=4.0)
    np.testing.assert_allclose(g, [[0, 1, 2], [1, 2, 3], [2, 3, 4]])
    assert yy.shape == xx.shape  # grids used above


def test_random_heights_are_redrawn_and_reproducible():
    first = height_function((8, 8), generator=torch.Generator().manual_seed(5))
    again = height_function((8, 8), generator=torch.Generator().manual_seed(5))
    np.testing.assert_array_equal(first, again)
    generator = np.random.default_rng(6)
    assert not np.array_equal(
        height_function((8, 8), generator=generator), height_function((8, 8), generator=generator)
    )
    prediction, target = _maps((24, 24), 0)
    module = LocalizedPHLoss(window=12, seed=1)
    values = {round(module(prediction, target).item(), 12) for _ in range(4)}
    assert len(values) > 1
    assert LocalizedPHLoss(window=12, seed=1)(prediction, target).item() == pytest.approx(
        LocalizedPHLoss(window=12, seed=1)(prediction, target).item()
    )


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("height", ["none", "fixed_linear", "square"])
def test_value_matches_gudhi(seed, height):
    shape = (10, 12) if seed % 2 else (5, 6, 4)
    prediction, target = _maps(shape, seed)
    dims = (0, 1) if seed % 3 == 0 else (1,)
    generator_seed = 10 + seed
    loss = localized_ph_loss(
        prediction,
        target,
        height=height,
        window=None,
        dims=dims,
        generator=np.random.default_rng(generator_seed),
    )
    scale = float(target.max())
    g = height_function(
        shape, height=height, scale=scale, generator=np.random.default_rng(generator_seed)
    )
    p, t = prediction[0, 0].numpy(), target[0, 0].numpy()
    low = min(p.min(), t.min())
    high = max(p.max(), t.max()) + g.max()
    expected = gudhi_diagram_loss(p + g, t + g, dims=dims, superlevel=False, frame=low, end=high)
    assert loss.item() == pytest.approx(expected, rel=1e-9)


def test_windows_are_tiles_with_one_height_function():
    prediction, target = _maps((16, 10), 3)
    p, t = prediction[0, 0].numpy(), target[0, 0].numpy()
    loss = localized_ph_loss(
        prediction, target, height="fixed_linear", window=(6, 10), height_scale=2.0
    )
    g = height_function((6, 10), height="fixed_linear", scale=2.0)
    low, high = min(p.min(), t.min()), max(p.max(), t.max()) + 2.0
    expected = sum(
        gudhi_diagram_loss(
            p[r : r + 6] + g, t[r : r + 6] + g, dims=(1,), superlevel=False, frame=low, end=high
        )
        for r in (0, 6, 10)
    )
    assert loss.item() == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("height", HEIGHTS)
def test_identical_maps_cost_nothing(height):
    _, target = _maps((20, 20), 1)
    # zero up to rounding: the height is added to both maps, then subtracted from the goals
    assert localized_ph_loss(target, target, height=height, window=8, dims=(0, 1)).item() < 1e-24


@pytest.mark.parametrize(
    "shape, options",
    [
        ((1, 1, 8, 8), dict(height="fixed_linear", window=None)),
        ((1, 1, 9, 9), dict(height="point", window=5, dims=(0, 1))),
        ((1, 2, 8, 6), dict(height="square", window=4)),
        ((1, 1, 4, 4, 4), dict(height="random_linear", window=None, dims=(1, 2))),
    ],
)
def test_gradcheck(shape, options):
    generator = torch.Generator().manual_seed(sum(shape))
    target = torch.rand(*shape, generator=generator, dtype=torch.float64) * 5
    prediction = (
        target + torch.rand(*shape, generator=generator, dtype=torch.float64)
    ).requires_grad_()

    def function(p):
        return localized_ph_loss(p, target, generator=torch.Generator().manual_seed(0), **options)

    assert function(prediction).item() > 0
    assert torch.autograd.gradcheck(function, (prediction,), eps=1e-6, atol=1e-7)


def test_reductions_and_float32():
    rng = np.random.default_rng(4)
    target = torch.tensor(rng.random((2, 3, 12, 12)) * 4, dtype=torch.float32)
    prediction = (
        target + torch.tensor(rng.random((2, 3, 12, 12)), dtype=torch.float32)
    ).requires_grad_()
    options = dict(height="fixed_linear", window=6)
    per_image = localized_ph_loss(prediction, target, reduction="none", **options)
    assert per_image.shape == (2, 3) and per_image.dtype == torch.float32
    torch.testing.assert_close(
        localized_ph_loss(prediction, target, reduction="sum", **options), per_image.sum()
    )
    loss = LocalizedPHLoss(**options)(prediction, target)
    torch.testing.assert_close(loss, per_image.mean())
    loss.backward()
    assert torch.isfinite(prediction.grad).all() and prediction.grad.abs().sum() > 0


def test_bad_input():
    prediction, target = _maps((8, 8), 0)
    with pytest.raises(ValueError, match="target_dist must have the prediction's shape"):
        localized_ph_loss(prediction, target[..., :7])
    with pytest.raises(ValueError, match="pred_dist is an empty batch"):
        localized_ph_loss(torch.zeros(0, 1, 8, 8), torch.zeros(0, 1, 8, 8))
    nan = prediction.clone()
    nan[0, 0, 1, 1] = float("nan")
    with pytest.raises(ValueError, match="pred_dist contains NaN"):
        localized_ph_loss(nan, target)
    with pytest.raises(ValueError, match="target_dist contains infinite"):
        localized_ph_loss(prediction, target + float("inf"))
    with pytest.raises(TypeError, match="pred_dist must be a floating-point tensor"):
        localized_ph_loss(prediction.long(), target)
    with pytest.raises(ValueError, match="height must be one of"):
        localized_ph_loss(prediction, target, height="cubic")
    with pytest.raises(ValueError, match="height_scale must be"):
        localized_ph_loss(prediction, target, height_scale=-1.0)
    with pytest.raises(ValueError, match="patch_size must be"):
        localized_ph_loss(prediction, target, window=0)
    with pytest.raises(ValueError, match="dims must be distinct"):
        localized_ph_loss(prediction, target, dims=(1, 1))
