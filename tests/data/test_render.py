"""The capsule rasteriser against a per-voxel brute force, and its connectivity threshold."""

import itertools

import numpy as np
import pytest
from scipy import ndimage

from toposeg.data._render import MIN_CONNECTED_RADIUS, rasterise_capsules


def brute_force_capsules(shape, starts, ends, r0, r1):
    """Inside test voxel by voxel, segment by segment (the definition, written plainly)."""
    mask = np.zeros(shape, dtype=bool)
    for index in itertools.product(*[range(s) for s in shape]):
        x = np.array(index, dtype=float)
        for a, b, ra, rb in zip(starts, ends, r0, r1, strict=True):
            axis = b - a
            t = 0.0 if axis @ axis == 0 else float(np.clip((x - a) @ axis / (axis @ axis), 0, 1))
            if np.linalg.norm(x - (a + t * axis)) <= ra + t * (rb - ra):
                mask[index] = True
                break
    return mask


@pytest.mark.parametrize("ndim", [2, 3])
def test_capsules_match_brute_force(ndim):
    rng = np.random.default_rng(ndim)
    shape = (14,) * ndim
    for _ in range(6):
        n = int(rng.integers(1, 6))
        starts = rng.uniform(-3, 17, (n, ndim))
        ends = starts + rng.normal(0, 5, (n, ndim))
        ends[0] = starts[0]  # a degenerate segment (a ball) too
        r0, r1 = rng.uniform(0.3, 3, n), rng.uniform(0.3, 3, n)
        mask, signal = rasterise_capsules(shape, starts, ends, r0, r1)
        np.testing.assert_array_equal(mask, brute_force_capsules(shape, starts, ends, r0, r1))
        # coverage is 1 deep inside, 0 far outside, and >= 0.5 exactly on the mask
        assert np.all(signal[mask] >= 0.5) and np.all(signal[~mask] < 0.5)


@pytest.mark.parametrize("ndim", [2, 3])
def test_min_radius_keeps_a_capsule_connected(ndim):
    rng = np.random.default_rng(10 + ndim)
    shape = (24,) * ndim
    for _ in range(60):
        start = rng.uniform(3, 20, ndim)
        end = rng.uniform(3, 20, ndim)
        mask, _ = rasterise_capsules(
            shape, start, end, MIN_CONNECTED_RADIUS[ndim], MIN_CONNECTED_RADIUS[ndim]
        )
        assert ndimage.label(mask)[1] == 1  # 4- / 6-connected


def test_thinner_capsules_can_break_apart():
    # a diagonal line of radius 0.6 keeps only the diagonal pixels: 8- but not 4-connected
    mask, _ = rasterise_capsules((10, 10), [1.0, 1.0], [8.0, 8.0], 0.6, 0.6)
    assert ndimage.label(mask)[1] == 8
    assert ndimage.label(mask, np.ones((3, 3)))[1] == 1
