"""Diagram matching against brute force and gudhi's Wasserstein distance."""

from __future__ import annotations

import gudhi.hera
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.reference.matching import brute_force_matching_cost
from toposeg.persistence.matching import diagonal_projection, match_diagrams


def _diagram(rng, n, *, superlevel=True):
    first = rng.random(n)
    second = first * rng.random(n)
    return np.stack([first, second] if superlevel else [second, first], axis=1)


def _check_matching(matching, predicted, target):
    """The pairs cover every dot once, the targets follow them, the cost adds up."""
    pairs = matching.pairs
    rows, cols = pairs[:, 0], pairs[:, 1]
    assert sorted(rows[rows >= 0].tolist()) == list(range(len(predicted)))
    assert sorted(cols[cols >= 0].tolist()) == list(range(len(target)))
    assert not np.any((rows < 0) & (cols < 0))
    expected = diagonal_projection(predicted)
    for i, j in pairs:
        if i >= 0 and j >= 0:
            expected[i] = target[j]
    np.testing.assert_allclose(matching.targets, expected)
    lone = [j for i, j in pairs if i < 0]
    cost = ((predicted - expected) ** 2).sum() + sum(
        0.5 * (target[j, 0] - target[j, 1]) ** 2 for j in lone
    )
    assert matching.cost == pytest.approx(cost, abs=1e-12)


@pytest.mark.parametrize("seed", range(60))
def test_both_methods_are_optimal_against_brute_force(seed):
    rng = np.random.default_rng(seed)
    n, m = rng.integers(0, 6), rng.integers(0, 4)
    predicted = _diagram(rng, n)
    soft = _diagram(rng, m)
    binary = np.tile([1.0, 0.0], (m, 1))
    for target in (soft, binary):
        best = brute_force_matching_cost(predicted, target)
        methods = ["hungarian"] + (["corner"] if target is binary else [])
        for method in methods:
            matching = match_diagrams(predicted, target, method=method)
            _check_matching(matching, predicted, target)
            assert matching.cost == pytest.approx(best, abs=1e-12), method


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("kind", ["soft", "binary", "sublevel"])
def test_cost_is_gudhi_squared_wasserstein(seed, kind):
    rng = np.random.default_rng(100 + seed)
    n, m = rng.integers(0, 40), rng.integers(0, 15)
    predicted = _diagram(rng, n, superlevel=kind != "sublevel")
    if kind == "binary":
        target = np.tile([1.0, 0.0], (m, 1))
    else:
        target = _diagram(rng, m, superlevel=kind != "sublevel")
    matching = match_diagrams(predicted, target)
    _check_matching(matching, predicted, target)
    expected = (
        gudhi.hera.wasserstein_distance(predicted, target, order=2, internal_p=2, delta=1e-10) ** 2
    )
    assert matching.cost == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_corner_matching_beats_the_k_closest_to_the_corner_rule():
    # The paper's description matches the k dots closest to the corner (1, 0). Here the dot
    # (0.65, 0.35), near the diagonal, is closer to the corner than (0.5, 0.0), yet matching
    # the latter is cheaper: 0.25 + 0.045 < 0.245 + 0.125.
    predicted = np.array([[0.5, 0.0], [0.65, 0.35]])
    target = np.array([[1.0, 0.0]])
    matching = match_diagrams(predicted, target, method="corner")
    assert matching.pairs.tolist() == [[0, 0], [1, -1]]
    assert matching.cost == pytest.approx(0.25 + 0.5 * 0.3**2)
    assert matching.cost == pytest.approx(brute_force_matching_cost(predicted, target))


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_properties(seed):
    rng = np.random.default_rng(seed)
    a = _diagram(rng, rng.integers(0, 12))
    b = _diagram(rng, rng.integers(0, 12))
    assert match_diagrams(a, a).cost == pytest.approx(0.0, abs=1e-12)
    assert match_diagrams(a, b).cost == pytest.approx(match_diagrams(b, a).cost, abs=1e-12)
    # shifting both diagrams along the diagonal changes nothing
    assert match_diagrams(a + 0.3, b + 0.3).cost == pytest.approx(
        match_diagrams(a, b).cost, abs=1e-12
    )


def test_empty_diagrams():
    empty = np.empty((0, 2))
    dots = np.array([[0.9, 0.1], [0.6, 0.5]])
    m = match_diagrams(empty, empty)
    assert m.pairs.shape == (0, 2) and m.targets.shape == (0, 2) and m.cost == 0.0
    m = match_diagrams(dots, empty)
    assert m.pairs.tolist() == [[0, -1], [1, -1]]
    assert m.cost == pytest.approx(0.5 * 0.8**2 + 0.5 * 0.1**2)
    m = match_diagrams(empty, dots)
    assert m.pairs.tolist() == [[-1, 0], [-1, 1]]
    assert m.cost == pytest.approx(0.5 * 0.8**2 + 0.5 * 0.1**2)


def test_result_is_read_only():
    m = match_diagrams(np.array([[0.9, 0.1]]), np.array([[1.0, 0.0]]))
    with pytest.raises(ValueError):
        m.targets[0, 0] = 2.0
    with pytest.raises(ValueError):
        m.pairs[0, 0] = 2


def test_bad_input():
    with pytest.raises(ValueError, match="predicted must be an"):
        match_diagrams(np.zeros((3, 3)), np.zeros((1, 2)))
    with pytest.raises(ValueError, match="target must hold finite"):
        match_diagrams(np.zeros((1, 2)), np.array([[1.0, np.inf]]))
    with pytest.raises(ValueError, match="method must be"):
        match_diagrams(np.zeros((1, 2)), np.zeros((1, 2)), method="greedy")
    with pytest.raises(ValueError, match="needs all target dots at one point"):
        match_diagrams(np.zeros((1, 2)), np.array([[1.0, 0.0], [0.9, 0.0]]), method="corner")


@pytest.mark.parametrize("seed", range(5))
def test_hungarian_with_many_noise_dots_near_the_diagonal(seed):
    # Most dots have no partner cheaper than the diagonal and leave the assignment problem;
    # the result must still be the optimum.
    rng = np.random.default_rng(seed)
    birth = rng.random(400)
    noise = np.stack([birth, birth + rng.random(400) * 0.02], axis=1)
    structure = _diagram(rng, 10, superlevel=False)
    predicted = np.concatenate([noise, structure + rng.normal(0, 0.05, structure.shape)])
    target = _diagram(rng, 12, superlevel=False)
    matching = match_diagrams(predicted, target, method="hungarian")
    _check_matching(matching, predicted, target)
    expected = gudhi.hera.wasserstein_distance(predicted, target, order=2, internal_p=2, delta=1e-10)
    assert matching.cost == pytest.approx(expected**2, rel=1e-9)


@pytest.mark.parametrize("seed", range(3))
def test_large_problems_are_solved_sparsely_and_stay_optimal(seed, monkeypatch):
    # Hundreds of dots with partners cheaper than the diagonal: the sparse solver's problem.
    # Its matching costs what the dense assignment and gudhi's Wasserstein distance say.
    from toposeg.persistence import matching as module

    rng = np.random.default_rng(seed)
    predicted, target = _diagram(rng, 300), _diagram(rng, 250)
    calls = []
    sparse = module._sparse_assignment
    monkeypatch.setattr(module, "_sparse_assignment", lambda *a: calls.append(1) or sparse(*a))
    matching = match_diagrams(predicted, target, method="hungarian")
    assert calls
    _check_matching(matching, predicted, target)
    expected = gudhi.hera.wasserstein_distance(predicted, target, order=2, internal_p=2, delta=1e-10)
    assert matching.cost == pytest.approx(expected**2, rel=1e-9)
    monkeypatch.setattr(module, "_SPARSE_FROM", 10**9)  # the dense assignment, same problem
    assert matching.cost == pytest.approx(match_diagrams(predicted, target).cost, rel=1e-12)
