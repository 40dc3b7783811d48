"""watershed_boundaries (S2) against Algorithm 1 line by line, the sublevel forest, and the
persistence engine."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from tests.morse.test_skeleton import EPS, random_image
from tests.reference.morse import (
    merge_persistence,
    watershed_forest_reference,
    watershed_reference,
)
from toposeg import cubical_persistence
from toposeg.morse import watershed_boundaries
from toposeg.morse._pairs import edge_pairs


@pytest.mark.parametrize("ndim", [2, 3])
@pytest.mark.parametrize("connectivity", ["face", "full"])
def test_matches_algorithm_1_and_the_forest(ndim, connectivity):
    rng = np.random.default_rng(10 * ndim + len(connectivity))
    c = 1 if connectivity == "face" else ndim
    for _ in range(40 if ndim == 2 else 15):
        shape = tuple(rng.integers(1, 9 if ndim == 2 else 5, size=ndim))
        image = random_image(rng, shape)
        for eps in EPS:
            found = watershed_boundaries(image, eps=eps, connectivity=c)
            np.testing.assert_array_equal(found, watershed_reference(image, eps, c), err_msg=f"{image!r} {eps}")
            np.testing.assert_array_equal(found, watershed_forest_reference(image, eps, c))


@pytest.mark.parametrize("shape", [(35, 41), (8, 9, 10)])
@pytest.mark.parametrize("connectivity", ["face", "full"])
def test_persistence_matches_engine(shape, connectivity):
    rng = np.random.default_rng(11)
    c = 1 if connectivity == "face" else len(shape)
    for image in (rng.random(shape), rng.integers(0, 6, size=shape) / 5.0):
        pairs = edge_pairs(image, superlevel=False, connectivity=c)
        expected = cubical_persistence(image, superlevel=False, connectivity=c).persistence(0)
        np.testing.assert_array_equal(np.sort(pairs.merge_pers[pairs.merge_pers > 0]), np.sort(expected))


def test_persistence_matches_the_reduction():
    rng = np.random.default_rng(12)
    image = rng.random((6, 7))
    pairs = edge_pairs(image, superlevel=False, connectivity=2)
    found = np.sort(pairs.merge_pers[pairs.merge_pers > 0])
    np.testing.assert_allclose(found, merge_persistence(image, superlevel=False, full=True))


def test_hand_worked_wall_with_a_gap():
    f = np.array([[0.0, 0.125, 1.0, 0.375, 0.25],
                  [0.125, 0.125, 0.75, 0.375, 0.375],
                  [0.125, 0.125, 1.0, 0.375, 0.375]])
    expected = np.zeros(f.shape, dtype=bool)
    expected[:, 2:4] = True  # both pixels of every edge between the basins
    np.testing.assert_array_equal(watershed_boundaries(f, eps=0.5), expected)  # 0.75 - 0.25
    assert not watershed_boundaries(f, eps=0.51).any()


def test_eps_zero_keeps_every_basin_of_positive_persistence():
    """Algorithm 1 as printed would make every pixel a basin at eps = 0 (its joining edge has
    persistence 0 >= 0); edges of persistence zero always merge instead."""
    f = np.array([[0.0, 0.5, 0.5, 0.5, 0.0]])
    # the plateau joins the first basin; its last pixel meets the second one (persistence 0.5)
    np.testing.assert_array_equal(watershed_boundaries(f, eps=0.0), [[False, False, False, True, True]])


def test_sheets_in_3d():
    """Two dark slabs separated by a bright, noisy sheet with a weak patch: the boundary is a
    sheet that cuts the volume in two, weak patch included."""
    rng = np.random.default_rng(13)
    volume = 0.1 + 0.05 * rng.random((12, 14, 16))
    volume[:, :, 7] = 0.8 + 0.05 * rng.random((12, 14))
    volume[4:7, 5:8, 7] = 0.4  # a hole in the membrane's likelihood
    volume[:, :, :7] -= 0.05  # the left basin is deeper
    boundary = watershed_boundaries(volume, eps=0.2)
    assert boundary[:, :, 7].all()
    _, n_parts = ndimage.label(~boundary)  # 6-connected
    assert n_parts == 2
    assert not watershed_boundaries(volume, eps=0.5).any()


def test_monotone_in_eps():
    rng = np.random.default_rng(14)
    for shape in [(30, 30), (8, 9, 10)]:
        image = rng.random(shape)
        previous = watershed_boundaries(image, eps=0.0)
        for eps in np.linspace(0.01, 1.0, 25):
            current = watershed_boundaries(image, eps=eps)
            assert not (current & ~previous).any(), eps
            previous = current


def test_above_the_largest_persistence_there_is_one_basin():
    image = np.random.default_rng(15).random((30, 20))
    top = edge_pairs(image, superlevel=False, connectivity=1).merge_pers.max()
    assert watershed_boundaries(image, eps=top).any()
    assert not watershed_boundaries(image, eps=np.nextafter(top, 2.0)).any()


def test_input_is_not_modified():
    image = np.random.default_rng(16).random((20, 20))
    copy = image.copy()
    watershed_boundaries(image, eps=0.1, connectivity=2)
    np.testing.assert_array_equal(image, copy)


@pytest.mark.parametrize(
    ("likelihood", "kwargs", "error", "match"),
    [
        (np.array([[0.1, np.nan]]), {"eps": 0.1}, ValueError, "likelihood contains NaN"),
        (np.zeros((4, 4)), {"eps": -1.0}, ValueError, "eps must be a persistence threshold >= 0"),
        (np.full((4, 4), 3, dtype=np.int32), {"eps": 0.1}, ValueError, "holds integers in"),
        (np.zeros((4, 4)), {"eps": 0.1, "connectivity": 3}, ValueError, "connectivity must be 1"),
        (np.zeros((4, 4)), {"eps": None}, TypeError, "eps must be a real number"),
    ],
)
def test_bad_input(likelihood, kwargs, error, match):
    with pytest.raises(error, match=match):
        watershed_boundaries(likelihood, **kwargs)


@pytest.mark.slow
def test_matches_algorithm_1_on_many_inputs():
    """The default tests' comparison, on 1,000 more images (run by make test-all)."""
    rng = np.random.default_rng(301)
    for i in range(1000):
        ndim = 2 if i % 4 else 3
        image = random_image(rng, tuple(rng.integers(1, 10 if ndim == 2 else 5, size=ndim)))
        for connectivity in (1, ndim):
            for eps in EPS:
                found = watershed_boundaries(image, eps=eps, connectivity=connectivity)
                np.testing.assert_array_equal(found, watershed_reference(image, eps, connectivity))
