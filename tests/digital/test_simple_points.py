"""simple_point_map against oracles that flip the point and recompute the topology.

In 2D, equal Betti numbers before and after the flip characterise simple points. In 3D they do
not: flipping a point can destroy one tunnel and create another (about 0.2% of random 6/26
configurations). There the global check gives the direction "simple => same Betti numbers" for
every configuration, and each configuration where the Betti numbers agree but the map says
"not simple" is certified by the exact oracle, relative homology.
"""

import numpy as np
import pytest

from tests.reference.digital import (
    simple_by_betti,
    simple_by_components,
    simple_by_relative_homology,
    simple_by_topological_numbers,
)
from tests.reference.homology import betti_numbers_brute_force
from toposeg import betti_numbers
from toposeg.digital import simple_point_map


def _all_2d_configurations() -> np.ndarray:
    """Every 3x3 binary image: 256 neighbourhoods times both centre values."""
    bits = (np.arange(512)[:, None] >> np.arange(9)) & 1
    return bits.astype(bool).reshape(512, 3, 3)


def _centres(configs: np.ndarray, connectivity: int) -> np.ndarray:
    """simple_point_map at the centre of each isolated configuration, from one call on a
    grid of configurations separated by background."""
    count, shape = configs.shape[0], configs.shape[1:]
    cell = tuple(s + 1 for s in shape)
    grid = np.zeros((count * cell[0], *cell[1:]), dtype=bool)
    for k in range(count):
        grid[(slice(k * cell[0], k * cell[0] + shape[0]),) + tuple(slice(0, s) for s in shape[1:])] = configs[
            k
        ]
    simple = simple_point_map(grid, connectivity=connectivity)
    return simple[(slice(1, count * cell[0], cell[0]),) + (1,) * (len(shape) - 1)]


@pytest.mark.parametrize("connectivity", [1, 2])
def test_all_256_neighbourhoods_2d(connectivity):
    configs = _all_2d_configurations()
    actual = _centres(configs, connectivity)
    by_components = np.array([simple_by_components(c, connectivity) for c in configs])
    by_betti = simple_by_betti(configs, connectivity)
    flipped = configs.copy()
    flipped[:, 1, 1] ^= True
    by_homology = np.array(
        [
            betti_numbers_brute_force(np.pad(a, 1), connectivity)
            == betti_numbers_brute_force(np.pad(b, 1), connectivity)
            for a, b in zip(configs, flipped)
        ]
    )
    by_relative_homology = np.array([simple_by_relative_homology(c, connectivity) for c in configs])
    np.testing.assert_array_equal(actual, by_components)
    np.testing.assert_array_equal(actual, by_betti)
    np.testing.assert_array_equal(actual, by_homology)
    np.testing.assert_array_equal(actual, by_relative_homology)
    # the answer does not depend on the centre's own value
    centre_off = ~configs[:, 1, 1]
    np.testing.assert_array_equal(actual[centre_off], _centres(flipped[centre_off], connectivity))
    assert 0 < actual.sum() < len(actual)


@pytest.mark.parametrize("connectivity", [1, 2])
def test_2d_pairs_are_dual(connectivity):
    """A point is simple for the foreground with one pair iff it is simple for the
    background with the other pair."""
    configs = _all_2d_configurations()
    np.testing.assert_array_equal(_centres(configs, connectivity), _centres(~configs, 3 - connectivity))


def _random_cubes(count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    density = rng.uniform(0.1, 0.9, size=(count, 1, 1, 1))
    return rng.random((count, 3, 3, 3)) < density


def _check_against_global_betti_numbers(configs: np.ndarray, connectivity: int) -> int:
    """Assert simple => same Betti numbers, and certify every configuration where the Betti
    numbers agree but the map says not simple. Returns the number of those."""
    actual = _centres(configs, connectivity)
    same_betti = simple_by_betti(configs, connectivity)
    assert not (actual & ~same_betti).any(), "a simple point changed the Betti numbers"
    unexplained = [
        k
        for k in np.flatnonzero(same_betti & ~actual)
        if simple_by_relative_homology(configs[k], connectivity)
    ]
    assert not unexplained, configs[unexplained[0]].astype(int)
    return int((same_betti & ~actual).sum())


@pytest.mark.parametrize("connectivity", [1, 3])
def test_random_3d_configurations(connectivity):
    configs = _random_cubes(4000, seed=connectivity)
    _check_against_global_betti_numbers(configs, connectivity)
    actual = _centres(configs, connectivity)
    assert 0.1 < actual.mean() < 0.9
    np.testing.assert_array_equal(
        actual[:100], [simple_by_relative_homology(c, connectivity) for c in configs[:100]]
    )
    np.testing.assert_array_equal(
        actual[:500], [simple_by_topological_numbers(c, connectivity) for c in configs[:500]]
    )


@pytest.mark.slow
@pytest.mark.parametrize("connectivity", [1, 3])
def test_100k_random_3d_configurations(connectivity):
    """10^5 random configurations per adjacency pair against the global check (make test-all)."""
    for chunk in range(10):
        configs = _random_cubes(10_000, seed=100 * connectivity + chunk)
        _check_against_global_betti_numbers(configs, connectivity)
        actual = _centres(configs[:200], connectivity)
        np.testing.assert_array_equal(
            actual, [simple_by_relative_homology(c, connectivity) for c in configs[:200]]
        )


def test_betti_numbers_can_hide_a_change_of_topology():
    """A configuration found by the random test: removing the centre keeps the Betti numbers
    (1, 1, 0) but is not a simple deformation: one tunnel is cut and another closed."""
    config = np.array(
        [
            [[0, 1, 1], [1, 1, 1], [0, 1, 1]],
            [[0, 0, 1], [1, 1, 0], [1, 1, 1]],
            [[1, 1, 1], [0, 1, 0], [0, 0, 1]],
        ],
        dtype=bool,
    )
    removed = config.copy()
    removed[1, 1, 1] = False
    assert betti_numbers(config) == betti_numbers(removed) == (1, 1, 0)
    assert not simple_by_relative_homology(config, 1)
    assert not simple_point_map(config)[1, 1, 1]


@pytest.mark.parametrize("connectivity", [1, 2])
def test_whole_images_2d_against_global_betti_numbers(connectivity):
    """Flip every pixel of random images and recompute the Betti numbers of the whole image:
    in 2D they change exactly when the pixel is not simple."""
    rng = np.random.default_rng(7 + connectivity)
    for density in (0.3, 0.5, 0.7):
        for _ in range(6):
            mask = rng.random((6, 7)) < density
            simple = simple_point_map(mask, connectivity=connectivity)
            before = betti_numbers(mask, connectivity=connectivity)
            for index in np.ndindex(mask.shape):
                flipped = mask.copy()
                flipped[index] ^= True
                assert simple[index] == (betti_numbers(flipped, connectivity=connectivity) == before), (
                    mask,
                    index,
                )


@pytest.mark.parametrize("connectivity", [1, 3])
def test_whole_volumes_3d(connectivity):
    """In whole volumes: the map equals the definition on each voxel's own neighbourhood, and
    flipping a simple voxel never changes the Betti numbers of the volume."""
    rng = np.random.default_rng(11 + connectivity)
    for density in (0.3, 0.5, 0.7):
        mask = rng.random((4, 5, 4)) < density
        simple = simple_point_map(mask, connectivity=connectivity)
        padded = np.pad(mask, 1)
        before = betti_numbers(mask, connectivity=connectivity)
        for index in np.ndindex(mask.shape):
            patch = padded[tuple(slice(i, i + 3) for i in index)]
            assert simple[index] == simple_by_topological_numbers(patch, connectivity)
            if simple[index]:
                flipped = mask.copy()
                flipped[index] ^= True
                assert betti_numbers(flipped, connectivity=connectivity) == before


def test_isolated_pixel_and_one_pixel_hole_are_not_simple():
    """Regression: the published code judged an isolated pixel removable and a one-pixel hole
    fillable (it counted components with the centre and one adjacency for both sides)."""
    dot = np.zeros((3, 3), dtype=bool)
    dot[1, 1] = True
    assert not simple_point_map(dot)[1, 1]
    assert not simple_point_map(dot, connectivity=2)[1, 1]
    hole = np.pad(~dot, 1)
    assert not simple_point_map(hole)[2, 2]
    assert not simple_point_map(hole, connectivity=2)[2, 2]
    voxel = np.zeros((3, 3, 3), dtype=bool)
    voxel[1, 1, 1] = True
    assert not simple_point_map(voxel)[1, 1, 1]
    cavity = np.pad(~voxel, 1)
    assert not simple_point_map(cavity)[2, 2, 2]
    assert not simple_point_map(cavity, connectivity=3)[2, 2, 2]


def test_border_pixels_see_background_outside():
    full = np.ones((3, 4), dtype=bool)
    simple = simple_point_map(full)
    # corners of a filled rectangle can be removed; pixels in the middle of a side cannot
    # break the rectangle either (removing them leaves a dent), the centre cannot (a hole)
    assert simple[0, 0] and simple[2, 3] and simple[0, 1]
    assert not simple[1, 1] and not simple[1, 2]


def test_diagonal_pair_depends_on_connectivity():
    diagonal = np.zeros((4, 4), dtype=bool)
    diagonal[1, 1] = diagonal[2, 2] = True
    # with 4-connectivity the two pixels are two components: adding (1, 2) merges them
    assert not simple_point_map(diagonal, connectivity=1)[1, 2]
    # with 8-connectivity they are one component and (1, 2) is a harmless bump
    assert simple_point_map(diagonal, connectivity=2)[1, 2]


def test_input_is_not_modified_and_dtypes_agree():
    rng = np.random.default_rng(3)
    mask = (rng.random((8, 9)) < 0.5).astype(np.uint8)
    copy = mask.copy()
    out = simple_point_map(mask)
    np.testing.assert_array_equal(mask, copy)
    assert out.dtype == bool and out.shape == mask.shape
    np.testing.assert_array_equal(out, simple_point_map(mask.astype(bool)))
    np.testing.assert_array_equal(out, simple_point_map(mask.astype(np.float32)))


@pytest.mark.parametrize(
    ("mask", "kwargs", "error", "message"),
    [
        (np.array([[0, 2], [1, 0]]), {}, ValueError, "mask must be binary"),
        (np.array([[0.5, 1.0], [1.0, 0.0]]), {}, ValueError, "mask must be binary"),
        (np.array([[np.nan, 1.0], [1.0, 0.0]]), {}, ValueError, "mask contains NaN"),
        (np.zeros(5, dtype=bool), {}, ValueError, "mask must be 2D or 3D"),
        (np.zeros((0, 3), dtype=bool), {}, ValueError, "mask is empty"),
        ([[0, 1], [1, 0]], {}, TypeError, "mask must be a NumPy array"),
        (np.zeros((3, 3), dtype=bool), {"connectivity": 3}, ValueError, "connectivity must be 1"),
        (np.zeros((3, 3, 3), dtype=bool), {"connectivity": 2}, ValueError, "connectivity must be 1"),
    ],
)
def test_bad_input(mask, kwargs, error, message):
    with pytest.raises(error, match=message):
        simple_point_map(mask, **kwargs)
