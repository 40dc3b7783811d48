"""mark_objects against the line-by-line transcription of Algorithm 1 (tests/reference)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.reference.object_marking import mark_objects_reference
from toposeg import cubical_persistence
from toposeg.preprocess import lifetime_gap_threshold, mark_objects, modify_border, smooth


def _reference(image, result, alpha, bright, connectivity):
    return mark_objects_reference(image, result.critical_pixels(0), result.persistence(0), alpha,
                                  bright=bright, connectivity=connectivity)


def _random_image(rng, case):
    """Random 2D images of several kinds: noise, smoothed noise, small integers (many ties),
    border-modified."""
    shape = tuple(rng.integers(4, 18, size=2))
    kind = case % 4
    if kind == 0:
        return rng.random(shape)
    if kind == 1:
        return smooth(rng.random(shape), 3)
    if kind == 2:
        return rng.integers(0, 5, size=shape).astype(np.float64)
    return modify_border(rng.random(shape), 1, objects="bright" if case % 8 == 3 else "dark")


@pytest.mark.parametrize("bright", [False, True], ids=["dark", "bright"])
@pytest.mark.parametrize("connectivity", [1, 2])
def test_equals_algorithm_1_on_random_images(bright, connectivity):
    rng = np.random.default_rng(16 + 2 * connectivity + bright)
    marked = 0
    for case in range(60):  # 4 x 60 = 240 images
        image = _random_image(rng, case)
        result = cubical_persistence(image, superlevel=bright, connectivity=connectivity)
        lifetimes = result.persistence(0)
        # thresholds: the gap rule, none (every finite pair), and a quantile
        for alpha in (lifetime_gap_threshold(lifetimes).threshold, 0.0,
                      float(np.quantile(lifetimes, 0.5)) if lifetimes.size else 0.0):
            objects = "bright" if bright else "dark"
            got = mark_objects(image, result, threshold=alpha, objects=objects, connectivity=connectivity)
            expected = _reference(image, result, alpha, bright, connectivity)
            np.testing.assert_array_equal(got, expected, err_msg=f"case {case}, alpha {alpha}")
            marked += int(got.max())
    assert marked > 500  # the comparison is about objects, not empty label images


def test_equals_algorithm_1_in_3d():
    rng = np.random.default_rng(3)
    for case in range(12):
        image = rng.random(tuple(rng.integers(3, 8, size=3)))
        if case % 3 == 0:
            image = np.round(image * 4)
        bright, connectivity = bool(case % 2), (1, 3)[case % 4 // 2]
        result = cubical_persistence(image, superlevel=bright, connectivity=connectivity)
        got = mark_objects(image, result, threshold=0.0, objects="bright" if bright else "dark",
                           connectivity=connectivity)
        np.testing.assert_array_equal(got, _reference(image, result, 0.0, bright, connectivity))


def test_nested_objects_are_cut_where_a_significant_one_joins():
    # A deep well (0) and a shallower one (2) meet at 5; the deep one dies at 9, meeting the
    # global minimum (-1, the class that never dies) in the corner.
    image = np.array([[-1, 9, 9, 9, 9, 9, 9],
                      [9, 0, 1, 5, 3, 2, 9],
                      [9, 9, 9, 9, 9, 9, 8]], dtype=float)
    image = np.pad(image, ((0, 1), (0, 0)), constant_values=9.0)
    labels = mark_objects(image, threshold=1.0)
    # the shallow well (born 2, dies 5) is object 1: pixels below 5 around it
    assert labels[1].tolist() == [0, 2, 2, 0, 1, 1, 0]
    # the deep well dies at 9: without the cut it would hold the shallow one too; it is cut back
    # to before the death pixel of the shallow one (5), so the objects are disjoint
    assert (labels > 0).sum() == 4


def test_labels_are_disjoint_and_contain_their_birth_pixels():
    rng = np.random.default_rng(7)
    image = smooth(rng.random((40, 40)), 3)
    result = cubical_persistence(image, superlevel=False)
    labels = mark_objects(image, result, threshold=0.0)
    pixels = result.critical_pixels(0)
    assert labels.max() == len(pixels)
    assert set(labels.ravel()[pixels[:, 0]].tolist()) == set(range(1, len(pixels) + 1))
    assert (labels.ravel()[pixels[:, 1]] == 0).all()  # a death pixel is in no object


def test_threshold_above_every_lifetime_marks_nothing():
    image = np.random.default_rng(0).random((10, 10))
    assert not mark_objects(image, threshold=10.0).any()


def test_input_is_not_modified():
    image = np.random.default_rng(1).random((8, 8))
    copy = image.copy()
    mark_objects(image, threshold=0.0, objects="bright")
    np.testing.assert_array_equal(image, copy)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"threshold": -1.0}, ValueError, "threshold must be >= 0"),
        ({"threshold": float("nan")}, ValueError, "threshold must be a finite number"),
        ({"threshold": 0.1, "objects": "cells"}, ValueError, "objects must be 'dark' or 'bright'"),
        ({"threshold": 0.1, "connectivity": 3}, ValueError, "connectivity must be 1"),
    ],
)
def test_bad_options(kwargs, error, message):
    with pytest.raises(error, match=message):
        mark_objects(np.random.default_rng(0).random((6, 6)), **kwargs)


def test_bad_images_and_mismatched_persistence():
    with pytest.raises(ValueError, match="image contains NaN"):
        mark_objects(np.array([[0.0, np.nan], [1.0, 2.0]]), threshold=0.1)
    with pytest.raises(ValueError, match="image must be 2D or 3D, got a 4D"):
        mark_objects(np.zeros((2, 2, 2, 2)), threshold=0.1)
    image = np.random.default_rng(0).random((6, 6))
    with pytest.raises(ValueError, match="persistence does not belong to image"):
        mark_objects(image, cubical_persistence(image, superlevel=True), threshold=0.1, objects="dark")
    with pytest.raises(TypeError, match="persistence must be a PersistenceResult"):
        mark_objects(image, "diagram", threshold=0.1)
