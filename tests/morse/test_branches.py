"""morse_branches: slicing equals recomputation; branches are paths ending at maxima or on
more persistent branches."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import ndimage

from tests.morse.test_skeleton import random_image
from toposeg.data import curvilinear_likelihood
from toposeg.morse import (
    MorseBranches,
    morse_branches,
    morse_skeleton,
    watershed_boundaries,
)


def _thresholds(branches: MorseBranches) -> np.ndarray:
    """Every persistence value, values just above them, zero and infinity."""
    p = np.unique(branches.persistence)
    return np.concatenate([[0.0, np.inf], p, np.nextafter(p, np.inf)])


def _inputs():
    rng = np.random.default_rng(20)
    yield "curvilinear", curvilinear_likelihood((48, 48), seed=1)
    yield "noise", rng.random((40, 40))
    yield "ties", rng.integers(0, 5, size=(30, 30)) / 4.0
    yield "smooth", ndimage.gaussian_filter(rng.random((40, 40)), 1.5)
    yield "noise-3d", rng.random((8, 9, 10))
    yield "curvilinear-3d", curvilinear_likelihood((10, 24, 24), seed=2)


@pytest.mark.parametrize(("name", "image"), list(_inputs()), ids=[n for n, _ in _inputs()])
def test_slicing_equals_recomputation(name, image):
    skeleton = morse_branches(image)
    for eps in _thresholds(skeleton):
        np.testing.assert_array_equal(skeleton.mask(eps), morse_skeleton(image, eps=eps), err_msg=str(eps))
    for connectivity in (1, image.ndim):
        boundaries = morse_branches(image, structure="watershed", connectivity=connectivity)
        for eps in _thresholds(boundaries)[::3]:
            expected = watershed_boundaries(image, eps=eps, connectivity=connectivity)
            np.testing.assert_array_equal(boundaries.mask(eps), expected, err_msg=str(eps))


def test_slicing_equals_recomputation_on_many_small_inputs():
    rng = np.random.default_rng(21)
    for _ in range(60):
        ndim = int(rng.integers(2, 4))
        image = random_image(rng, tuple(rng.integers(1, 9 if ndim == 2 else 5, size=ndim)))
        skeleton = morse_branches(image)
        boundaries = morse_branches(image, structure="watershed")
        for eps in _thresholds(skeleton):
            np.testing.assert_array_equal(skeleton.mask(eps), morse_skeleton(image, eps=eps))
        for eps in _thresholds(boundaries):
            np.testing.assert_array_equal(boundaries.mask(eps), watershed_boundaries(image, eps=eps))


def _earlier(flat, a, b):
    return flat[a] > flat[b] or (flat[a] == flat[b] and a < b)


def _face_neighbours(index, shape):
    coords = np.array(np.unravel_index(index, shape))
    for axis in range(len(shape)):
        for step in (-1, 1):
            c = coords.copy()
            c[axis] += step
            if 0 <= c[axis] < shape[axis]:
                yield int(np.ravel_multi_index(tuple(c), shape))


def _adjacent(a, b, shape):
    return b in set(_face_neighbours(a, shape))


@pytest.mark.parametrize(("name", "image"), list(_inputs())[:5], ids=[n for n, _ in _inputs()][:5])
def test_skeleton_branches_are_paths_ending_at_maxima_or_on_other_branches(name, image):
    branches = morse_branches(image)
    flat = image.ravel()
    owner = np.full(flat.size, -1)
    for i in range(len(branches)):
        owner[branches.branch(i)] = i
    assert np.all(np.diff(branches.persistence) <= 0) and np.all(branches.persistence > 0)
    assert len(np.unique(branches.pixels)) == len(branches.pixels)  # disjoint
    ends = branches.ends()
    for i in range(len(branches)):
        path = branches.branch(i)
        assert len(path) > 0 and ends[i, 0] == path[0] and ends[i, 1] == path[-1]
        for a, b in itertools.pairwise(path):
            assert _adjacent(a, b, image.shape)  # face-adjacent, hence 8-connected
        first_from, last_to = branches.attachments[i]
        # the first pixel follows a pixel of a branch at least as persistent
        assert first_from >= 0 and branches.persistence[first_from] >= branches.persistence[i]
        assert any(owner[n] == first_from for n in _face_neighbours(path[0], image.shape))
        if last_to == -1:  # ends at a maximum: no face neighbour enters earlier
            assert not any(_earlier(flat, n, path[-1]) for n in _face_neighbours(path[-1], image.shape))
        else:
            assert branches.persistence[last_to] >= branches.persistence[i]
            assert any(owner[n] == last_to for n in _face_neighbours(path[-1], image.shape))
        u, v = branches.saddle[i]
        assert _adjacent(u, v, image.shape)


def test_skeleton_branch_ending_at_a_maximum_ends_at_its_highest_pixel():
    """A branch ending at the root of its tree ends at the tree's maximum."""
    image = curvilinear_likelihood((64, 64), seed=3)
    branches = morse_branches(image)
    flat = image.ravel()
    for i in range(len(branches)):
        path = branches.branch(i)
        if branches.attachments[i, 1] == -1:
            assert flat[path[-1]] == flat[path].max()


def test_watershed_branch_fields():
    image = np.random.default_rng(22).random((30, 30))
    branches = morse_branches(image, structure="watershed", connectivity=2)
    assert branches.structure == "watershed" and branches.connectivity == 2
    assert np.all(branches.attachments == -1) and not branches.closes_loop.any()
    with pytest.raises(ValueError, match="without ends"):
        branches.ends()
    assert len(np.unique(branches.pixels)) == len(branches.pixels)
    for i in range(len(branches)):
        pixels = branches.branch(i)
        assert np.all(np.diff(pixels) > 0)
        # the extremum is the shallower basin's minimum: persistence = saddle level - minimum
        u, v = branches.saddle[i]
        level = max(image.flat[u], image.flat[v])
        assert level - image.flat[branches.extremum[i]] == branches.persistence[i]


def test_result_is_immutable_and_slices_without_copying():
    branches = morse_branches(curvilinear_likelihood((40, 40), seed=4))
    for name in ("persistence", "saddle", "extremum", "closes_loop", "offsets", "pixels", "attachments"):
        with pytest.raises(ValueError):
            getattr(branches, name)[...] = 0
    with pytest.raises(AttributeError):
        branches.persistence = None
    eps = float(np.median(branches.persistence))
    view = branches.pixels_at(eps)
    assert np.shares_memory(view, branches.pixels)
    assert len(view) == branches.offsets[branches.count(eps)]
    assert branches.count(0.0) == len(branches) and branches.count(np.inf) == 0


def test_persistence_map_and_accessors():
    image = curvilinear_likelihood((40, 40), seed=5)
    branches = morse_branches(image)
    levels = branches.persistence_map()
    for eps in (0.0, 0.1, 0.3):
        np.testing.assert_array_equal(np.nan_to_num(levels, nan=-1.0) >= eps, branches.mask(eps))
    np.testing.assert_array_equal(branches.branch(-1), branches.branch(len(branches) - 1))
    with pytest.raises(IndexError):
        branches.branch(len(branches))
    with pytest.raises(TypeError):
        branches.branch(1.0)
    with pytest.raises(ValueError, match="eps must be"):
        branches.count(-0.5)
    assert "MorseBranches(skeleton" in repr(branches)


def test_empty_structure():
    branches = morse_branches(np.zeros((6, 6)))
    assert len(branches) == 0 and branches.pixels_at(0.0).size == 0 and not branches.mask(0.0).any()
    assert branches.ends().shape == (0, 2)
    assert "0 branches" in repr(branches)


def test_bad_structure():
    with pytest.raises(ValueError, match="structure must be 'skeleton' or 'watershed'"):
        morse_branches(np.zeros((4, 4)), structure="sheets")
    with pytest.raises(ValueError, match="supports connectivity=1"):
        morse_branches(np.zeros((4, 4)), connectivity=2)


@pytest.mark.slow
def test_slicing_equals_recomputation_on_many_inputs():
    """Every threshold of 300 more images up to 24x24 (run by make test-all)."""
    rng = np.random.default_rng(302)
    for i in range(300):
        ndim = 2 if i % 3 else 3
        image = random_image(rng, tuple(rng.integers(1, 25 if ndim == 2 else 8, size=ndim)))
        skeleton = morse_branches(image)
        for eps in _thresholds(skeleton):
            np.testing.assert_array_equal(skeleton.mask(eps), morse_skeleton(image, eps=eps))
        for connectivity in (1, ndim):
            boundaries = morse_branches(image, structure="watershed", connectivity=connectivity)
            for eps in _thresholds(boundaries):
                expected = watershed_boundaries(image, eps=eps, connectivity=connectivity)
                np.testing.assert_array_equal(boundaries.mask(eps), expected)
