"""Brute-force optimal matching of two small persistence diagrams (every partial injection)."""

from __future__ import annotations

import itertools

import numpy as np


def brute_force_matching_cost(predicted: np.ndarray, target: np.ndarray) -> float:
    """Least total squared distance over all matchings of ``predicted`` to ``target`` dots or
    the diagonal; unmatched target dots pay their squared distance to the diagonal."""
    predicted = np.asarray(predicted, dtype=np.float64).reshape(-1, 2)
    target = np.asarray(target, dtype=np.float64).reshape(-1, 2)
    n, m = len(predicted), len(target)

    def to_diagonal(p):
        return 0.5 * (p[0] - p[1]) ** 2

    best = np.inf
    # choice[i] = index of the target dot of predicted dot i, or -1 for the diagonal
    for choice in itertools.product(range(-1, m), repeat=n):
        used = [j for j in choice if j >= 0]
        if len(used) != len(set(used)):
            continue
        cost = sum(
            to_diagonal(predicted[i]) if j < 0 else float(((predicted[i] - target[j]) ** 2).sum())
            for i, j in enumerate(choice)
        )
        cost += sum(to_diagonal(target[j]) for j in range(m) if j not in used)
        best = min(best, cost)
    return float(best)
