"""Betti error: hand cases, an independent count per window, protocols and seeds."""

import numpy as np
import pytest
from scipy import ndimage

from tests.reference.homology import betti_numbers_brute_force
from toposeg.metrics import betti_error, betti_numbers, betti_windows


def independent_betti(mask, connectivity):
    """Betti numbers from scikit-image: components by labelling, the top number by labelling
    the padded background, the middle one (3D) from the Euler characteristic."""
    from skimage.measure import euler_number, label

    ndim = mask.ndim
    b0 = label(mask, connectivity=connectivity).max() if mask.any() else 0
    background = 1 if connectivity == ndim else ndim
    top = label(np.pad(~mask, 1, constant_values=True), connectivity=background).max() - 1
    if ndim == 2:
        return (int(b0), int(top))
    chi = euler_number(mask, connectivity=connectivity)
    return (int(b0), int(b0 + top - chi), int(top))


def independent_error(pred, gt, windows, connectivity):
    diffs = [
        np.abs(np.subtract(independent_betti(pred[w], connectivity), independent_betti(gt[w], connectivity)))
        for w in windows
    ]
    return tuple(np.mean(diffs, axis=0))


def test_betti_numbers_is_the_core_function():
    from toposeg import betti_numbers as core

    assert betti_numbers is core


@pytest.mark.parametrize("connectivity", ["one", "full"])
@pytest.mark.parametrize("shape", [(40, 37), (12, 11, 10)])
def test_every_protocol_matches_an_independent_count(shape, connectivity):
    rng = np.random.default_rng(7)
    conn = 1 if connectivity == "one" else len(shape)
    gt = ndimage.gaussian_filter(rng.random(shape), 1.0) > 0.5
    pred = gt ^ (rng.random(shape) < 0.03)
    size = 16 if len(shape) == 2 else 6
    for protocol in ("global", "tiles", "patches"):
        result = betti_error(pred, gt, protocol=protocol, patch_size=size, patches=25, seed=3,
                             connectivity=conn)
        windows = betti_windows(shape, protocol=protocol, patch_size=size, patches=25, seed=3)
        assert result.windows == len(windows)
        assert result.per_dimension == pytest.approx(independent_error(pred, gt, windows, conn))


def test_independent_count_agrees_with_brute_force_homology():
    # The oracle above is itself checked against boundary-matrix ranks over Z/2.
    rng = np.random.default_rng(11)
    for shape in ((6, 7), (4, 4, 3)):
        for conn in (1, len(shape)):
            for _ in range(10):
                mask = rng.random(shape) < 0.55
                assert independent_betti(mask, conn) == betti_numbers_brute_force(mask, conn)


def test_hand_cases():
    ring = np.zeros((7, 7), dtype=bool)
    ring[1:6, 1:6] = True
    ring[2:5, 2:5] = False
    filled = ring.copy()
    filled[2:5, 2:5] = True
    broken = ring.copy()
    broken[1, 3] = False  # the ring is cut: one component, no hole
    two = np.zeros((7, 7), dtype=bool)
    two[1, 1] = two[5, 5] = True
    assert betti_error(filled, ring, protocol="global").per_dimension == (0.0, 1.0)
    assert betti_error(broken, ring, protocol="global").per_dimension == (0.0, 1.0)
    assert betti_error(two, ring, protocol="global").per_dimension == (1.0, 1.0)
    # 4-connected: the diagonal pair is two components, 8-connected it is one.
    diagonal = np.eye(2, dtype=bool)
    single = np.array([[1, 0], [0, 0]], dtype=bool)
    assert betti_error(diagonal, single, protocol="global").per_dimension == (1.0, 0.0)
    assert betti_error(diagonal, single, protocol="global", connectivity=2).per_dimension == (0.0, 0.0)
    cube = np.ones((3, 3, 3), dtype=bool)
    hollow = cube.copy()
    hollow[1, 1, 1] = False
    assert betti_error(hollow, cube, protocol="global").per_dimension == (0.0, 0.0, 1.0)


@pytest.mark.parametrize("shape", [(64, 50), (20, 18, 16)])
def test_prediction_equal_to_gt_has_zero_error_under_every_protocol(shape):
    rng = np.random.default_rng(1)
    gt = rng.random(shape) < 0.5
    for conn in (1, len(shape)):
        for protocol in ("global", "tiles", "patches"):
            result = betti_error(gt.copy(), gt, protocol=protocol, patch_size=9, patches=40,
                                 connectivity=conn)
            assert result.per_dimension == (0.0,) * len(shape)


def test_patch_sampling_is_reproducible_by_seed():
    shape = (300, 200)
    first = betti_windows(shape, patch_size=64, patches=50, seed=5)
    assert first == betti_windows(shape, patch_size=64, patches=50, seed=5)
    assert first != betti_windows(shape, patch_size=64, patches=50, seed=6)
    for window in first:
        assert all(s.start >= 0 and s.stop <= n and s.stop - s.start == 64 for s, n in zip(window, shape))
    rng = np.random.default_rng(0)
    gt = rng.random(shape) < 0.5
    pred = rng.random(shape) < 0.5
    a = betti_error(pred, gt, patches=30, seed=9)
    assert a == betti_error(pred, gt, patches=30, seed=9)
    assert a != betti_error(pred, gt, patches=30, seed=10)


def test_tiles_cover_every_pixel_once():
    for shape, size in (((100, 70), 32), ((10, 9, 8), (4, 5, 8))):
        cover = np.zeros(shape, dtype=int)
        for window in betti_windows(shape, protocol="tiles", patch_size=size):
            cover[window] += 1
        assert (cover == 1).all()


def test_patch_larger_than_image_is_cut_to_it():
    windows = betti_windows((10, 20), patch_size=64, patches=3)
    assert windows == [(slice(0, 10), slice(0, 20))] * 3


def test_bad_options_are_rejected():
    mask = np.zeros((8, 8), dtype=bool)
    with pytest.raises(ValueError, match="protocol must be"):
        betti_error(mask, mask, protocol="random")
    with pytest.raises(ValueError, match="patch_size must be"):
        betti_error(mask, mask, patch_size=0)
    with pytest.raises(ValueError, match="patch_size must be"):
        betti_error(mask, mask, patch_size=(4, 4, 4))
    with pytest.raises(ValueError, match="patches must be >= 1"):
        betti_error(mask, mask, patches=0)
    with pytest.raises(TypeError, match="seed must be an integer"):
        betti_error(mask, mask, seed=1.5)
    with pytest.raises(ValueError, match="connectivity must be 1"):
        betti_error(mask, mask, connectivity=3)
    with pytest.raises(ValueError, match="pred and gt must have the same shape"):
        betti_error(mask, mask[:4])
