"""Simulated proofreading: orders, monotone fixes, the oracle reaches the best mask first."""

import numpy as np
import pytest
import torch
from scipy import ndimage

from tests.morse._render import grid_graph, render_graph
from toposeg.data import membranes_2d
from toposeg.metrics import voi
from toposeg.morse import morse_branches, watershed_boundaries
from toposeg.proofread import ORDERS, inspection_order, simulate_proofreading
from toposeg.uncertainty import (
    ThresholdDistribution,
    boundary_confirmation,
    branch_confirmation,
    inclusion_probability,
)


@pytest.fixture(scope="module")
def problem():
    shape = (96, 96)
    nodes, edges = grid_graph(shape, 3, margin=14, seed=3)
    rendered = render_graph(shape, nodes, edges, gaps=3, seed=3, noise=0.08)
    f = rendered.likelihood
    target = ndimage.binary_dilation(rendered.centreline)
    branches = morse_branches(f)
    d = ThresholdDistribution(torch.tensor([np.log(0.08 / 0.92)]), torch.tensor([0.8]))
    q = inclusion_probability(branches, d)
    y = branch_confirmation(branches, target)
    return f, target, branches, q, y


def test_orders_are_permutations_with_the_stated_keys(problem):
    f, target, branches, q, y = problem
    n = len(branches)
    pixel = np.random.default_rng(0).random(f.shape)
    orders = {name: inspection_order(name, branches, probability=q, pixel_uncertainty=pixel, eps=0.1,
                                     wrong=(q >= 0.5) != (y >= 0.5)) for name in ORDERS}
    for order in orders.values():
        assert sorted(order.tolist()) == list(range(n))
    u = 1 - np.abs(2 * q - 1)
    assert np.all(np.diff(u[orders["structure"]]) <= 0)
    assert np.all(np.diff(np.abs(branches.persistence - 0.1)[orders["persistence"]]) >= 0)
    means = [pixel.ravel()[branches.branch(int(b))].mean() for b in orders["pixel"]]
    assert np.all(np.diff(means) <= 1e-12)
    with pytest.raises(ValueError, match="order must be one of"):
        inspection_order("size", branches)
    with pytest.raises(ValueError, match="needs probability"):
        inspection_order("structure", branches)
    with pytest.raises(ValueError, match="needs probability"):
        inspection_order("expected", branches)
    # expected pixels corrected, by hand: P(the median structure has b wrong) times b's size
    expected = [min(q[b], 1 - q[b]) * branches.branch(int(b)).size for b in orders["expected"]]
    assert np.all(np.diff(expected) <= 1e-12)
    assert expected[0] > 0


def test_expected_order_on_a_hand_worked_case(problem):
    branches = problem[2]
    sizes = np.diff(branches.offsets)
    q = np.zeros(len(branches))  # every branch certainly dropped: nothing to gain, ties by index
    small, large = int(np.argmin(sizes)), int(np.argmax(sizes))
    q[small], q[large] = 0.5, 0.9  # a coin flip on the smallest, 10 % on the largest
    order = inspection_order("expected", branches, probability=q).tolist()
    first = sorted([small, large], key=lambda b: -min(q[b], 1 - q[b]) * sizes[b])
    assert order[:2] == first
    assert order[2:] == [b for b in range(len(branches)) if b not in (small, large)]


def test_curves_start_equal_and_the_oracle_fixes_everything_first(problem):
    f, target, branches, q, y = problem
    wrong = ((q >= 0.5) != (y >= 0.5)).sum()
    curves = {name: simulate_proofreading(f, target, branches, q, name, confirmed=y, eps=0.1,
                                          pixel_uncertainty=np.abs(f - 0.5), steps=10) for name in ORDERS}
    starts = {c.voi[0] for c in curves.values()}
    assert len(starts) == 1
    for c in curves.values():
        assert np.all(np.diff(c.fixes) >= 0) and c.fixes[-1] == wrong
        assert c.voi[-1] == pytest.approx(curves["oracle"].voi[-1])
    oracle = curves["oracle"]
    assert oracle.fixes[np.searchsorted(oracle.inspections, wrong)] == wrong
    assert oracle.voi_area() <= min(c.voi_area() for c in curves.values()) + 1e-12
    # the first point is the VOI of the median structure's segmentation
    assert curves["random"].voi[0] == pytest.approx(oracle.voi[0])
    assert voi(target, target).total == 0.0


def test_regions_background_scores_the_regions_between_the_structure(problem):
    """For membranes the curves compare the cells: the first point is the background VOI of the
    components of ``f >= 0.5`` that the median structure's branches touch, built here by hand."""
    f, target, branches, q, y = problem
    labels, _ = ndimage.label(f >= 0.5)
    touched = {int(labels.ravel()[p]) for b in np.flatnonzero(q >= 0.5) for p in branches.branch(int(b))}
    start = np.isin(labels, sorted(touched - {0}))
    curve = simulate_proofreading(f, target, branches, q, "random", confirmed=y, steps=4, regions="background")
    assert curve.voi[0] == pytest.approx(voi(start, target, regions="background").total)
    foreground = simulate_proofreading(f, target, branches, q, "random", confirmed=y, steps=4)
    assert curve.voi[0] != pytest.approx(foreground.voi[0])


def test_membranes_rejecting_a_boundary_merges_the_cells_accepting_one_splits_them():
    """S2 by hand: one boundary between two basins. Kept but not in the ground truth, it is
    rejected and the two cells merge; dropped but drawn in the ground truth, accepting it splits
    the cell in two."""
    i, j = np.mgrid[:5, :7]
    f = np.minimum(np.hypot(i - 2, j), np.hypot(i - 2, j - 6.2))
    f /= f.max()
    branches = morse_branches(f, structure="watershed")
    assert len(branches) == 1
    wall = np.zeros(f.shape, bool)
    wall.ravel()[branches.branch(0)] = True
    assert ndimage.label(~wall)[1] == 2
    no_wall = np.zeros(f.shape, bool)
    rejected = simulate_proofreading(f, no_wall, branches, np.array([0.9]), "random", confirmed=np.array([0.0]),
                                     steps=1, regions="background")
    assert rejected.voi[0] == pytest.approx(voi(wall, no_wall, regions="background").total) and rejected.voi[0] > 0
    assert rejected.voi[-1] == 0.0 and rejected.fixes.tolist() == [0, 1]
    accepted = simulate_proofreading(f, wall, branches, np.array([0.1]), "random", confirmed=np.array([1.0]),
                                     steps=1, regions="background")
    assert accepted.voi[0] == pytest.approx(voi(no_wall, wall, regions="background").total) and accepted.voi[0] > 0
    assert accepted.voi[-1] == 0.0


def test_membranes_start_at_the_watershed_of_the_median_and_end_at_the_confirmed_boundaries():
    sample = membranes_2d((96, 96), seed=4)
    rng = np.random.default_rng(4)
    f = ndimage.gaussian_filter(sample.mask.astype(float), 1.5) + 0.05 * rng.random(sample.mask.shape)
    f = (f - f.min()) / (f.max() - f.min())
    branches = morse_branches(f, structure="watershed")
    median = 0.05
    d = ThresholdDistribution(torch.tensor([np.log(median / (1 - median))]), torch.tensor([0.8]))
    q = inclusion_probability(branches, d)
    y = boundary_confirmation(branches, sample.mask)
    wrong = (q >= 0.5) != (y >= 0.5)
    assert 0 < wrong.sum() < len(branches)
    confirmed = np.zeros(f.shape, bool)
    confirmed.ravel()[np.concatenate([branches.branch(int(b)) for b in np.flatnonzero(y >= 0.5)])] = True
    start = voi(watershed_boundaries(f, eps=median), sample.mask, regions="background").total
    end = voi(confirmed, sample.mask, regions="background").total
    curves = {name: simulate_proofreading(f, sample.mask, branches, q, name, confirmed=y, eps=median, steps=8,
                                          pixel_uncertainty=np.abs(f - 0.5), regions="background")
              for name in ORDERS}
    for c in curves.values():
        assert c.voi[0] == pytest.approx(start) and c.voi[-1] == pytest.approx(end)
        assert c.fixes[-1] == wrong.sum()
    assert end < start
    assert curves["oracle"].voi_area() <= min(c.voi_area() for c in curves.values())


def test_a_given_order_is_followed_and_checked(problem):
    f, target, branches, q, y = problem
    n = len(branches)
    named = simulate_proofreading(f, target, branches, q, "persistence", confirmed=y, eps=0.1, steps=5)
    ranking = inspection_order("persistence", branches, eps=0.1)
    given = simulate_proofreading(f, target, branches, q, ranking, confirmed=y, steps=5)
    assert given.order == "given"
    np.testing.assert_array_equal(given.voi, named.voi)
    for bad in (ranking[:-1], np.zeros(n, int), ranking.astype(float)):
        with pytest.raises(ValueError, match="permutation"):
            simulate_proofreading(f, target, branches, q, bad, confirmed=y)
