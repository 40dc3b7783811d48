"""Smoothing, border modification, interpolation and the whole preprocessing: values, the
border rule, agreement with gudhi, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from tests.reference.gudhi_oracle import gudhi_pairs
from toposeg import cubical_persistence
from toposeg.preprocess import (
    PreprocessOptions,
    border_band,
    interpolate_background,
    modify_border,
    smooth,
    topological_preprocess,
)


def test_smooth_is_the_uniform_filter():
    image = np.random.default_rng(0).random((9, 11))
    padded = np.pad(image, 2, mode="symmetric")
    brute = np.array([[padded[i:i + 5, j:j + 5].mean() for j in range(11)] for i in range(9)])
    np.testing.assert_allclose(smooth(image, 5), brute)
    np.testing.assert_array_equal(smooth(image, 1), image)


@pytest.mark.parametrize("objects", ["dark", "bright"])
@pytest.mark.parametrize("connectivity", [1, 2])
@pytest.mark.parametrize("width", [1, 2, 4])
def test_no_finite_birth_pixel_within_the_border_band(objects, connectivity, width):
    rng = np.random.default_rng(width)
    for _ in range(10):
        image = modify_border(rng.random((20, 17)), width, objects=objects)
        result = cubical_persistence(image, superlevel=objects == "bright", connectivity=connectivity)
        band = border_band(image.shape, width).ravel()
        assert not band[result.critical_pixels(0)[:, 0]].any()
        assert band[result.essential(0).pixels].all()  # the band is the class that never dies


def test_border_band_in_3d():
    image = np.random.default_rng(1).random((8, 9, 10))
    modified = modify_border(image, 2, objects="bright")
    band = border_band(image.shape, 2)
    assert band.sum() == image.size - 4 * 5 * 6
    assert (modified[band] == image.max()).all()
    np.testing.assert_array_equal(modified[~band], image[~band])
    result = cubical_persistence(modified, superlevel=True)
    assert not band.ravel()[result.critical_pixels(0)[:, 0]].any()


@pytest.mark.parametrize("objects", ["dark", "bright"])
@pytest.mark.parametrize("connectivity", [1, 2])
def test_diagrams_of_modified_images_agree_with_gudhi(objects, connectivity):
    rng = np.random.default_rng(11)
    for _ in range(15):
        image = modify_border(smooth(rng.random((24, 24)), 3), 2, objects=objects)
        bright = objects == "bright"
        ours = cubical_persistence(image, superlevel=bright, connectivity=connectivity)
        theirs = gudhi_pairs(image, superlevel=bright, connectivity=connectivity)
        for d in (0, 1):
            expected = np.array(sorted(map(tuple, image.ravel()[theirs[d]].reshape(-1, 2)))).reshape(-1, 2)
            got = np.array(sorted(map(tuple, ours.diagram(d)))).reshape(-1, 2)
            np.testing.assert_array_equal(got, expected)
            # the critical pixels carry the diagram's values
            np.testing.assert_array_equal(image.ravel()[ours.critical_pixels(d)], ours.diagram(d))


def test_interpolation_keeps_objects_and_fills_between_their_values():
    rng = np.random.default_rng(2)
    image = rng.random((30, 30))
    labels = np.zeros((30, 30), dtype=np.int32)
    labels[5:10, 5:10] = 1
    labels[20:25, 18:28] = 2
    filled = interpolate_background(image, labels)
    np.testing.assert_array_equal(filled[labels > 0], image[labels > 0])
    outline = (labels > 0) & ndimage.binary_dilation(labels == 0)
    between = filled[labels == 0]
    assert image[outline].min() <= between.min() and between.max() <= image[outline].max()


def test_interpolation_brute_force_with_all_outline_pixels():
    rng = np.random.default_rng(3)
    image = rng.random((12, 12))
    labels = np.zeros((12, 12), dtype=np.int32)
    labels[2:4, 2:4] = 1
    labels[8:9, 7:10] = 3
    sources = np.argwhere(labels > 0)  # every object pixel is on the outline here
    filled = interpolate_background(image, labels, power=3.0)
    for p in np.argwhere(labels == 0):
        weights = ((sources - p) ** 2).sum(axis=1) ** -1.5
        expected = (weights * image[tuple(sources.T)]).sum() / weights.sum()
        assert filled[tuple(p)] == pytest.approx(expected)


def test_preprocess_keeps_bright_spots_and_flattens_noise():
    rng = np.random.default_rng(0)
    image = rng.random((64, 64)) * 0.2
    centres = [(15, 15), (15, 45), (45, 20), (48, 48)]
    for y, x in centres:
        image[y - 3:y + 4, x - 3:x + 4] += 1.0
    result = topological_preprocess(image, objects="bright")
    assert result.count == 4 and result.labels.max() == 4
    for y, x in centres:
        assert result.labels[y, x] > 0
    assert result.image.shape == image.shape and result.image.dtype == np.float64
    background = result.labels == 0
    assert result.image[background].std() < result.modified[background].std()
    for array in (result.image, result.modified, result.labels):
        assert not array.flags.writeable
    dark = topological_preprocess(1.0 - image, objects="dark")
    np.testing.assert_array_equal(dark.labels > 0, result.labels > 0)


def test_preprocess_3d():
    rng = np.random.default_rng(0)
    image = rng.random((24, 24, 24)) * 0.2
    image[6:10, 6:10, 6:10] += 1.0
    image[14:19, 12:18, 13:18] += 1.0
    result = topological_preprocess(image, objects="bright")
    assert result.count == 2 and result.image.shape == image.shape


def test_preprocess_does_not_modify_its_input():
    image = np.random.default_rng(0).random((16, 16))
    copy = image.copy()
    topological_preprocess(image, objects="bright")
    np.testing.assert_array_equal(image, copy)


def test_a_given_threshold_is_used():
    image = np.random.default_rng(0).random((32, 32))
    result = topological_preprocess(image, threshold=0.01, smoothing=1, border=0)
    assert result.threshold == 0.01
    assert result.count == (result.persistence.persistence(0) > 0.01).sum()


@pytest.mark.parametrize(
    ("image", "options", "error", "message"),
    [
        (np.full((8, 8), np.nan), {}, ValueError, "image contains NaN"),
        (np.ones((8, 8)), {}, ValueError, "image is constant"),
        (np.zeros((3, 3, 3, 3)), {}, ValueError, "image must be 2D or 3D"),
        (np.zeros((0, 4)), {}, ValueError, "image is empty"),
        ([[0.0, 1.0]], {}, TypeError, "image must be a NumPy array"),
        (np.eye(8), {"threshold": 5.0}, ValueError, "threshold 5.0 leaves no object"),
        (np.eye(8), {"border": 4}, ValueError, "width=4 leaves no interior"),
        (np.eye(8), {"objects": "cells"}, ValueError, "objects must be 'dark' or 'bright'"),
        (np.eye(8), {"smoothing": 0}, ValueError, "smoothing must be an integer >= 1"),
        (np.eye(8), {"threshold": -1.0}, ValueError, "threshold must be finite and >= 0"),
        (np.eye(8), {"connectivity": 3}, ValueError, "connectivity must be 1"),
    ],
)
def test_bad_input(image, options, error, message):
    with pytest.raises(error, match=message):
        topological_preprocess(image, **options)


def test_options_text_round_trip_and_errors():
    options = PreprocessOptions.from_text("objects=bright, smoothing=5, threshold=0.25")
    assert options == PreprocessOptions(objects="bright", smoothing=5, threshold=0.25)
    assert PreprocessOptions.from_text(options.to_text()) == options
    assert PreprocessOptions.from_text("default") == PreprocessOptions()
    with pytest.raises(ValueError, match="expected KEY=VALUE with KEY one of objects"):
        PreprocessOptions.from_text("colour=red")
    with pytest.raises(ValueError, match="border must be an integer >= 0"):
        PreprocessOptions.from_text("border=-1")
