"""On likelihoods rendered from a known graph, S1 recovers the graph and bridges its gaps."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from tests.morse._render import grid_graph, render_graph
from toposeg.morse import morse_skeleton, watershed_boundaries


def _within(mask: np.ndarray, reference: np.ndarray, distance: float) -> float:
    """Fraction of the pixels of ``mask`` within ``distance`` px of ``reference``."""
    return float((ndimage.distance_transform_edt(~reference)[mask] <= distance).mean())


@pytest.mark.parametrize("seed", range(6))
def test_skeleton_recovers_the_graph(seed):
    shape = (160, 160)
    nodes, edges = grid_graph(shape, 3, margin=20, seed=seed)
    rendered = render_graph(shape, nodes, edges, gaps=3, seed=seed)
    skeleton = morse_skeleton(rendered.likelihood, eps=0.2)
    recall = _within(rendered.centreline, skeleton, 2)
    precision = _within(skeleton, rendered.centreline, 2)
    assert recall >= 0.95, recall
    assert precision >= 0.90, precision
    # the graph has 9 faces, each a loop: exactly one 8-connected skeleton with 9 holes
    _, n = ndimage.label(skeleton, structure=np.ones((3, 3)))
    assert n == 1
    _, n_holes = ndimage.label(~skeleton)  # 4-connected background pieces: outside + faces
    assert n_holes == 10
    # too low a threshold lets noise in; too high one drops the gapped loops
    assert _within(morse_skeleton(rendered.likelihood, eps=0.05), rendered.centreline, 2) < 0.9


@pytest.mark.parametrize("seed", range(6))
def test_gaps_are_bridged_by_ridges_through_the_saddle(seed):
    shape = (160, 160)
    nodes, edges = grid_graph(shape, 3, margin=20, seed=seed)
    rendered = render_graph(shape, nodes, edges, gaps=3, seed=seed)
    skeleton = morse_skeleton(rendered.likelihood, eps=0.2)
    near = ndimage.distance_transform_edt(~skeleton) <= 1
    for rows, cols in rendered.gaps:
        assert near[rows, cols].all()  # the skeleton runs through the whole gap
        assert rendered.likelihood[rows, cols].max() < 0.6  # and the gap is weak


def test_a_broken_line_is_joined_through_its_gap():
    """Two bright segments with a faint gap: the 1-stable manifold of the gap's saddle runs from
    one segment's maximum through the gap to the other's; at a threshold above the saddle's
    persistence it is gone."""
    rng = np.random.default_rng(0)
    canvas = np.zeros((40, 100))
    canvas[20, 10:90] = 1.0
    line = ndimage.gaussian_filter(canvas, 1.5)
    line /= line.max()
    weak = np.ones_like(line)
    weak[:, 45:55] = 0.3
    likelihood = 0.05 + 0.9 * line * ndimage.gaussian_filter(weak, 1.0)
    likelihood += 0.01 * ndimage.gaussian_filter(rng.standard_normal(line.shape), 1.0)
    skeleton = morse_skeleton(likelihood, eps=0.3)
    assert skeleton[19:22, 45:55].any(axis=0).all()  # through the gap
    _, n = ndimage.label(skeleton, structure=np.ones((3, 3)))
    assert n == 1 and skeleton[:, :45].any() and skeleton[:, 55:].any()
    assert not morse_skeleton(likelihood, eps=0.7).any()


def test_watershed_closes_broken_membranes():
    """Cells whose walls have weak stretches: the boundaries at a suitable eps close every cell,
    weak stretches included, while thresholding the likelihood at 0.5 merges cells."""
    shape = (160, 160)
    nodes, edges = grid_graph(shape, 3, margin=14, seed=9)
    rendered = render_graph(shape, nodes, edges, gaps=4, seed=9, gap_depth=0.3)
    boundaries = watershed_boundaries(rendered.likelihood, eps=0.2)
    assert _within(rendered.centreline, boundaries, 2) >= 0.95
    _, regions = ndimage.label(~boundaries)
    _, thresholded = ndimage.label(rendered.likelihood < 0.5)
    assert regions == 10 and thresholded < 10  # 9 cells and the outside
