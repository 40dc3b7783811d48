"""Matching by rank of lifetime (seed 004, Eq. 2), against its plain definition."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from toposeg.losses import topo_loss
from toposeg.persistence import match_diagrams


def _eq2(predicted: np.ndarray, target: np.ndarray) -> float:
    """Seed 004, Eq. 2, written out: sort both diagrams by lifetime (longest first, ties by
    position), pair them in that order; leftover dots pay their distance to the diagonal."""
    p = sorted(range(len(predicted)), key=lambda i: (-abs(predicted[i][0] - predicted[i][1]), i))
    t = sorted(range(len(target)), key=lambda j: (-abs(target[j][0] - target[j][1]), j))
    cost = 0.0
    for i, j in zip(p, t):
        cost += (predicted[i][0] - target[j][0]) ** 2 + (predicted[i][1] - target[j][1]) ** 2
    for i in p[len(t):]:
        cost += (predicted[i][0] - predicted[i][1]) ** 2 / 2
    for j in t[len(p):]:
        cost += (target[j][0] - target[j][1]) ** 2 / 2
    return cost


def test_rank_is_not_the_optimal_matching():
    predicted = np.array([[1.0, 0.5], [0.5, 0.1]])
    target = np.array([[0.5, 0.0], [1.0, 0.6]])
    rank = match_diagrams(predicted, target, method="rank")
    assert rank.pairs.tolist() == [[0, 0], [1, 1]]
    assert rank.cost == pytest.approx(1.0)
    assert match_diagrams(predicted, target, method="hungarian").cost == pytest.approx(0.02)


def test_rank_cost_equals_eq2_on_random_diagrams():
    rng = np.random.default_rng(4)
    for _ in range(200):
        predicted = np.sort(rng.random((rng.integers(0, 8), 2)), axis=1)[:, ::-1]
        target = np.sort(rng.random((rng.integers(0, 8), 2)), axis=1)[:, ::-1]
        if rng.random() < 0.3:
            target = np.tile([1.0, 0.0], (len(target), 1))  # a binary target: ties everywhere
        matching = match_diagrams(predicted, target, method="rank")
        assert matching.cost == pytest.approx(_eq2(predicted, target), abs=1e-12)
        assert sorted(matching.pairs[matching.pairs[:, 0] >= 0, 0].tolist()) == list(range(len(predicted)))


def test_topo_loss_with_rank_matching_pulls_dots_to_their_ranked_partners():
    # Prediction with two holes of lifetimes 0.8 and 0.3 against a target with one hole: the
    # longer hole goes to (1, 0), the shorter to the diagonal.
    prob = torch.full((1, 1, 7, 7), 0.9, dtype=torch.float64)
    prob[0, 0, 2, 2] = 0.1  # hole 1: born 0.9, dies 0.1
    prob[0, 0, 4, 4] = 0.6  # hole 2: born 0.9, dies 0.6
    target = torch.ones(1, 1, 7, 7, dtype=torch.float64)
    target[0, 0, 2, 2] = 0.0
    prob.requires_grad_()
    loss = topo_loss(prob, target, patch="whole", frame=False, matching="rank")
    # (0.9 - 1)^2 + (0.1 - 0)^2 for hole 1, (0.9 - 0.6)^2 / 2 for hole 2
    assert loss.item() == pytest.approx(0.01 + 0.01 + 0.045)
    loss.backward()
    assert prob.grad[0, 0, 2, 2].item() == pytest.approx(0.2)
    assert prob.grad[0, 0, 4, 4].item() == pytest.approx(2 * (0.6 - 0.75))
