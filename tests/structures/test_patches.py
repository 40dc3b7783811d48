"""Patch layouts: tiles, whole images, random patches from a NumPy generator."""

from __future__ import annotations

import numpy as np
import pytest

from toposeg.structures.patches import extract_patches, patch_layout


def test_tiles_cover_the_image_and_the_last_ones_end_at_the_border():
    layout = patch_layout((10, 7), 2, mode="tiles", size=(4, 7), count=None)
    assert layout.corners.tolist() == [[0, 0], [4, 0], [6, 0]] * 2
    assert layout.owner.tolist() == [0, 0, 0, 1, 1, 1]


def test_random_patches_come_from_the_numpy_generator_passed_in():
    first = patch_layout((40, 30), 3, mode="random", size=(9, 9), count=50, rng=np.random.default_rng(4))
    again = patch_layout((40, 30), 3, mode="random", size=(9, 9), count=50, rng=np.random.default_rng(4))
    np.testing.assert_array_equal(first.corners, again.corners)
    assert first.corners[:, 0].max() <= 31 and first.corners[:, 1].max() <= 21
    assert first.corners.min() >= 0


def test_patches_and_flat_indices_agree_with_slicing():
    images = np.arange(2 * 6 * 5, dtype=np.float64).reshape(2, 6, 5)
    layout = patch_layout((6, 5), 2, mode="random", size=(3, 2), count=4, rng=np.random.default_rng(0))
    patches = extract_patches(images, layout)
    local = np.arange(6).repeat(len(layout.owner))
    patch = np.tile(np.arange(len(layout.owner)), 6)
    index = layout.to_image_index(local, patch)
    np.testing.assert_array_equal(images.ravel()[index], patches.reshape(len(patches), -1)[patch, local])
    assert layout.to_image_index(np.array([-1]), np.array([0])).tolist() == [-1]


def test_whole_layout_is_one_patch_per_image_and_bad_modes_are_named():
    layout = patch_layout((6, 5), 3, mode="whole", size=(6, 5), count=None)
    assert layout.owner.tolist() == [0, 1, 2] and not layout.corners.any()
    with pytest.raises(ValueError, match="patch must be 'whole', 'tiles' or 'random', got 'grid'"):
        patch_layout((6, 5), 1, mode="grid", size=(3, 3), count=None)
