"""The Morse overlay: colours where the structures are, grey elsewhere."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from toposeg.data import curvilinear_likelihood
from toposeg.morse import morse_skeleton, watershed_boundaries
from toposeg.viz.morse import (
    BOTH_COLOUR,
    BOUNDARY_COLOUR,
    SKELETON_COLOUR,
    morse_overlay,
    plot_morse_structures,
)


def test_overlay_colours():
    likelihood = curvilinear_likelihood((48, 48), seed=0)
    skeleton = morse_skeleton(likelihood, eps=0.1)
    boundaries = watershed_boundaries(likelihood, eps=0.1)
    rgb = morse_overlay(likelihood, skeleton, boundaries)
    assert rgb.shape == (48, 48, 3) and rgb.min() >= 0 and rgb.max() <= 1
    np.testing.assert_array_equal(rgb[skeleton & ~boundaries], np.tile(SKELETON_COLOUR, ((skeleton & ~boundaries).sum(), 1)))
    np.testing.assert_array_equal(rgb[boundaries & ~skeleton], np.tile(BOUNDARY_COLOUR, ((boundaries & ~skeleton).sum(), 1)))
    np.testing.assert_array_equal(rgb[skeleton & boundaries], np.tile(BOTH_COLOUR, ((skeleton & boundaries).sum(), 1)))
    rest = ~(skeleton | boundaries)
    grey = (likelihood - likelihood.min()) / (likelihood.max() - likelihood.min())
    for c in range(3):
        np.testing.assert_allclose(rgb[..., c][rest], grey[rest])


def test_plot_returns_axes_with_a_legend():
    likelihood = curvilinear_likelihood((32, 32), seed=1)
    ax = plot_morse_structures(likelihood, morse_skeleton(likelihood, eps=0.1),
                               watershed_boundaries(likelihood, eps=0.1), title="eps = 0.1")
    assert len(ax.get_legend().get_texts()) == 3 and ax.get_title() == "eps = 0.1"
    matplotlib.pyplot.close("all")


def test_constant_likelihood_and_bad_masks():
    assert not morse_overlay(np.ones((4, 4))).any()
    with pytest.raises(ValueError, match="must be 2D"):
        morse_overlay(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="skeleton must have the likelihood's shape"):
        morse_overlay(np.zeros((4, 4)), np.zeros((3, 4), dtype=bool))
    with pytest.raises(TypeError, match="boundaries must be a boolean mask"):
        morse_overlay(np.zeros((4, 4)), None, np.zeros((4, 4)))
