"""morse_skeleton (S1) against the slow reference, the persistence engine and gudhi."""

from __future__ import annotations

import numpy as np
import pytest

from tests.reference.gudhi_oracle import gudhi_pairs
from tests.reference.morse import skeleton_reference
from toposeg import cubical_persistence
from toposeg.morse import morse_skeleton
from toposeg.morse._pairs import edge_pairs

EPS = (0.0, 0.05, 0.2, 0.5)


def random_image(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Floats, heavy ties (quarters), float32, or smooth-ish: the cases the order must handle."""
    kind = rng.integers(4)
    if kind == 0:
        return rng.integers(0, 5, size=shape) / 4.0
    if kind == 1:
        return rng.random(shape, dtype=np.float32)
    if kind == 2:
        image = rng.random(shape)
        return (image + np.roll(image, 1, axis=0)) / 2
    return rng.random(shape)


@pytest.mark.parametrize("chunk", range(4))
def test_matches_reference_2d(chunk):
    rng = np.random.default_rng(100 + chunk)
    for _ in range(40):
        image = random_image(rng, tuple(rng.integers(1, 9, size=2)))
        for eps in EPS:
            expected = skeleton_reference(image, eps)
            np.testing.assert_array_equal(morse_skeleton(image, eps=eps), expected, err_msg=f"{image!r} eps={eps}")


@pytest.mark.parametrize("chunk", range(2))
def test_matches_reference_3d(chunk):
    rng = np.random.default_rng(200 + chunk)
    for _ in range(15):
        image = random_image(rng, tuple(rng.integers(1, 5, size=3)))
        for eps in EPS:
            expected = skeleton_reference(image, eps)
            np.testing.assert_array_equal(morse_skeleton(image, eps=eps), expected, err_msg=f"{image!r} eps={eps}")


def _sorted(values):
    return np.sort(np.asarray(values, dtype=np.float64))


@pytest.mark.parametrize("shape", [(40, 37), (9, 11, 8)])
@pytest.mark.parametrize("kind", ["float", "ties"])
def test_persistence_matches_engine(shape, kind):
    """Merges are the engine's dimension-0 pairs, loops its dimension-1 pairs (superlevel,
    connectivity 1)."""
    rng = np.random.default_rng(7)
    for _ in range(5):
        image = rng.random(shape) if kind == "float" else rng.integers(0, 6, size=shape) / 5.0
        pairs = edge_pairs(image, superlevel=True, connectivity=1)
        result = cubical_persistence(image)
        np.testing.assert_array_equal(_sorted(pairs.merge_pers[pairs.merge_pers > 0]), _sorted(result.persistence(0)))
        np.testing.assert_array_equal(_sorted(pairs.loop_pers), _sorted(result.persistence(1)))
        # the dying maxima are the birth pixels of the engine's dimension-0 pairs (untied)
        if kind == "float":
            births = np.sort(result.critical_pixels(0)[:, 0])
            dying = pairs.grid.to_image(pairs.merge_dying[pairs.merge_pers > 0])
            np.testing.assert_array_equal(np.sort(dying), births)


def test_persistence_matches_gudhi():
    rng = np.random.default_rng(8)
    for shape in [(12, 15), (5, 6, 7)]:
        image = rng.random(shape)
        flat = image.ravel()
        expected = gudhi_pairs(image, superlevel=True, connectivity=1)
        pairs = edge_pairs(image, superlevel=True, connectivity=1)
        for found, dim in ((pairs.merge_pers[pairs.merge_pers > 0], 0), (pairs.loop_pers, 1)):
            gudhi = np.abs(flat[expected[dim][:, 0]] - flat[expected[dim][:, 1]])
            np.testing.assert_allclose(_sorted(found), _sorted(gudhi))


def test_hand_worked_ridge_through_a_saddle():
    f = np.full((3, 7), 0.1)
    f[1] = [0.1, 0.9, 0.7, 0.5, 0.7, 0.8, 0.1]
    expected = np.zeros((3, 7), dtype=bool)
    expected[1, 1:6] = True
    np.testing.assert_array_equal(morse_skeleton(f, eps=0.3), expected)  # persistence 0.3 >= 0.3
    assert not morse_skeleton(f, eps=0.31).any()


def test_hand_worked_ring_closes_a_loop():
    """A bright ring around a dark centre: the loop's closing edge sits at the ring's weakest
    pixel and its 1-stable manifold is the whole ring; the loop lives from 0.6 to 0.1."""
    f = np.full((7, 7), 0.05)
    f[1:6, 1:6] = 0.9
    f[2:5, 2:5] = 0.1
    f[1, 3] = 0.6  # weakest point of the ring
    f[5, 3] = 0.95  # the maximum
    ring = (f > 0.5)
    np.testing.assert_array_equal(morse_skeleton(f, eps=0.4), ring)
    assert not morse_skeleton(f, eps=0.51).any()


def test_monotone_in_eps():
    rng = np.random.default_rng(3)
    for shape in [(30, 30), (8, 9, 10)]:
        image = rng.random(shape)
        previous = morse_skeleton(image, eps=0.0)
        for eps in np.linspace(0.01, 1.0, 25):
            current = morse_skeleton(image, eps=eps)
            assert not (current & ~previous).any(), eps
            previous = current


@pytest.mark.parametrize("shape", [(25, 31), (7, 6, 9)])
def test_above_the_largest_persistence_only_the_essential_structure_is_left(shape):
    """The essential class (the global maximum) has no 1-stable manifold: S1 becomes empty."""
    image = np.random.default_rng(4).random(shape)
    pairs = edge_pairs(image, superlevel=True, connectivity=1)
    top = max(pairs.merge_pers.max(), pairs.loop_pers.max(initial=0.0))
    assert morse_skeleton(image, eps=top).any()
    assert not morse_skeleton(image, eps=np.nextafter(top, 2.0)).any()
    assert not morse_skeleton(image, eps=np.inf).any()


@pytest.mark.parametrize(
    "image",
    [np.zeros((5, 5)), np.ones((1, 1)), np.full((3, 4, 5), 0.5), np.arange(6.0).reshape(1, 6) / 6],
    ids=["constant", "one-pixel", "constant-3d", "monotone-line"],
)
def test_degenerate_inputs_have_no_skeleton(image):
    assert not morse_skeleton(image, eps=0.0).any()


def test_binary_input_and_dtypes():
    mask = np.zeros((7, 7), dtype=bool)
    mask[3, 1:3] = mask[3, 4:6] = True
    # two components of a binary image merge at value 0 (persistence 1); on the flat
    # background the merge edge is the first in index order, and the skeleton reaches both
    expected = morse_skeleton(mask.astype(np.float64), eps=0.5)
    assert expected[3, 1:3].any() and expected[3, 4:6].any()
    for dtype in (bool, np.uint8, np.int64, np.float32):
        np.testing.assert_array_equal(morse_skeleton(mask.astype(dtype), eps=0.5), expected)


def test_input_is_not_modified():
    image = np.random.default_rng(5).random((20, 20)).astype(np.float32)
    copy = image.copy()
    morse_skeleton(image, eps=0.1)
    np.testing.assert_array_equal(image, copy)


@pytest.mark.parametrize(
    ("likelihood", "kwargs", "error", "match"),
    [
        (np.array([[0.1, np.nan]]), {"eps": 0.1}, ValueError, "likelihood contains NaN"),
        (np.array([[0.1, np.inf]]), {"eps": 0.1}, ValueError, "likelihood contains infinite"),
        (np.zeros((4, 4)), {"eps": -0.1}, ValueError, "eps must be a persistence threshold >= 0"),
        (np.zeros((4, 4)), {"eps": float("nan")}, ValueError, "eps must be"),
        (np.zeros((4, 4)), {"eps": True}, TypeError, "eps must be a real number"),
        (np.zeros((4, 4)), {"eps": "0.1"}, TypeError, "eps must be a real number"),
        (np.full((4, 4), 200, dtype=np.uint8), {"eps": 0.1}, ValueError, "holds integers in"),
        (np.zeros(4), {"eps": 0.1}, ValueError, "likelihood must be 2D or 3D"),
        (np.zeros((2, 2, 2, 2)), {"eps": 0.1}, ValueError, "likelihood must be 2D or 3D"),
        (np.zeros((0, 3)), {"eps": 0.1}, ValueError, "likelihood is empty"),
        ([[0.1, 0.2]], {"eps": 0.1}, TypeError, "likelihood must be a NumPy array"),
        (np.zeros((4, 4)), {"eps": 0.1, "connectivity": 2}, ValueError, "supports connectivity=1"),
    ],
)
def test_bad_input(likelihood, kwargs, error, match):
    with pytest.raises(error, match=match):
        morse_skeleton(likelihood, **kwargs)


@pytest.mark.slow
def test_matches_reference_on_many_inputs():
    """The default tests' comparison, on 1,000 more images (run by make test-all)."""
    rng = np.random.default_rng(300)
    for i in range(1000):
        ndim = 2 if i % 4 else 3
        image = random_image(rng, tuple(rng.integers(1, 10 if ndim == 2 else 5, size=ndim)))
        for eps in EPS:
            np.testing.assert_array_equal(morse_skeleton(image, eps=eps), skeleton_reference(image, eps))
