"""Morse masks, warping critical pixels and component terms of stacks, against their definitions."""

from __future__ import annotations

import numpy as np
import pytest

from toposeg.digital import critical_mask
from toposeg.morse import morse_skeleton, watershed_boundaries
from toposeg.structures import (
    check_morse_options,
    component_terms,
    height_function,
    morse_mask_pixels,
    warping_critical_pixels,
)


def test_morse_mask_of_a_stack_is_the_union_of_each_maps_structures():
    rng = np.random.default_rng(0)
    maps = rng.random((3, 12, 10))
    pixels = morse_mask_pixels(maps, eps=0.1, workers=2)
    expected = np.stack(
        [morse_skeleton(m, eps=0.1) | watershed_boundaries(m, eps=0.1) for m in maps]
    )
    np.testing.assert_array_equal(pixels.index, np.flatnonzero(expected))
    np.testing.assert_array_equal(pixels.group, np.flatnonzero(expected) // 120)


def test_morse_options_are_checked_with_named_errors():
    with pytest.raises(ValueError, match="eps must be >= 0"):
        check_morse_options(-1.0, "both", 1)
    with pytest.raises(ValueError, match="skeleton S1 is defined for connectivity=1 only"):
        check_morse_options(0.1, "both", 2)


def test_warping_critical_pixels_of_a_stack_are_each_pairs_critical_mask():
    rng = np.random.default_rng(1)
    predicted = rng.random((4, 9, 9)) > 0.5
    truth = rng.random((4, 9, 9)) > 0.5
    pixels = warping_critical_pixels(predicted, truth, workers=2)
    expected = np.stack([critical_mask(p, t) for p, t in zip(predicted, truth)])
    np.testing.assert_array_equal(pixels.index, np.flatnonzero(expected))
    np.testing.assert_array_equal(pixels.group, np.flatnonzero(expected) // 81)


def test_component_terms_leave_the_most_persistent_components():
    # three blobs: peaks 0.9 (pixel 8), 0.4 (pixel 12) and 0.6 (pixel 40) on a floor of 0.1
    m = np.full((1, 7, 7), 0.1)
    m[0, 1, 1], m[0, 1, 5], m[0, 5, 5] = 0.9, 0.4, 0.6
    flat = m.ravel()
    one = component_terms(m, keep=1)
    assert sorted(one.first.tolist()) == [12, 40]
    assert (flat[one.second] == 0.1).all() and one.group.tolist() == [0, 0]
    two = component_terms(m, keep=2)
    assert two.first.tolist() == [12]  # the weakest blob only
    none = component_terms(m, keep=0)
    assert sorted(none.first.tolist()) == [8, 12, 40]
    assert none.second[none.first == 8].tolist() == [-1]  # the essential class dies at the end


def test_height_functions_span_their_scale_and_draw_from_the_generator():
    first = height_function((8, 6), height="random_linear", scale=3.0, rng=np.random.default_rng(2))
    again = height_function((8, 6), height="random_linear", scale=3.0, rng=np.random.default_rng(2))
    np.testing.assert_array_equal(first, again)
    assert first.min() == 0.0 and first.max() == pytest.approx(3.0)
