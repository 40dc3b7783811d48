"""Optimal matching of two persistence diagrams, with the diagonal, for squared distances."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

__all__ = ["DiagramMatching", "MatchingMethod", "diagonal_projection", "match_diagrams"]

MatchingMethod = Literal["auto", "corner", "hungarian", "rank"]


@dataclass(frozen=True, eq=False)
class DiagramMatching:
    """An optimal matching of a predicted diagram to a target diagram.

    Attributes
    ----------
    pairs : (n, 2) ndarray of int64
        One row ``(i, j)`` per matched couple, as in gudhi and persim: predicted dot ``i`` with
        target dot ``j``; ``j == -1`` sends predicted dot ``i`` to the diagonal and ``i == -1``
        target dot ``j``. Every dot of both diagrams appears exactly once.
    targets : (len(predicted), 2) ndarray of float64
        Where each predicted dot is sent: its target dot, or its orthogonal projection onto the
        diagonal.
    cost : float
        Total squared distance of the matching: the squared 2-Wasserstein distance between the
        diagrams (Euclidean ground metric), the loss of Hu et al. (2019), Eq. 2.
    """

    pairs: np.ndarray
    targets: np.ndarray
    cost: float

    def __post_init__(self) -> None:
        self.pairs.setflags(write=False)
        self.targets.setflags(write=False)


def diagonal_projection(points: np.ndarray) -> np.ndarray:
    """Orthogonal projections ``((b + d) / 2, (b + d) / 2)`` of dots ``(b, d)`` onto the diagonal.

    Examples
    --------
    >>> import numpy as np
    >>> diagonal_projection(np.array([[0.9, 0.1]]))
    array([[0.5, 0.5]])
    """
    middle = np.asarray(points, dtype=np.float64).reshape(-1, 2).mean(axis=1)
    return np.stack([middle, middle], axis=1)


def match_diagrams(
    predicted: np.ndarray,
    target: np.ndarray,
    *,
    method: MatchingMethod = "auto",
) -> DiagramMatching:
    """Match the dots of ``predicted`` to those of ``target`` or to the diagonal, minimising
    the total squared Euclidean distance.

    Parameters
    ----------
    predicted, target : (n, 2) and (m, 2) array_like of float
        Finite ``(birth, death)`` dots of one homology dimension.
    method : {"auto", "corner", "hungarian", "rank"}
        ``"rank"`` pairs the dots by rank of lifetime (seed 004, Eq. 2: the ``i``-th longest
        predicted dot with the ``i``-th longest target dot, the rest to the diagonal), which
        is not optimal in general. ``"corner"`` needs all target dots at one point (the diagram of a binary target, where
        every class lives from 1 to 0) and runs in O(n log n); ``"hungarian"`` solves the
        general assignment problem (for soft targets or distance maps) with
        :func:`scipy.optimize.linear_sum_assignment`; ``"auto"`` picks ``"corner"`` when it
        applies.

    Returns
    -------
    DiagramMatching
        The pairs, the point each predicted dot is sent to, and the total cost.

    Raises
    ------
    ValueError
        If a diagram is not an ``(n, 2)`` array of finite numbers, or ``method="corner"`` is
        asked for a target whose dots differ.

    Notes
    -----
    Leaving a dot ``p = (b, d)`` unmatched costs its squared distance to the diagonal,
    ``(b - d)**2 / 2``. With ``k`` target dots all at ``c``, a matching is fixed by the set
    ``S`` of predicted dots sent to ``c`` (``|S| <= k``) and costs a constant plus the sum over
    ``S`` of ``gain(p) = |p - c|**2 - diag(p) - diag(c)``; the corner method therefore sends to
    ``c`` the (at most ``k``) dots of most negative gain. This is the optimum of Eq. 2 of Hu
    et al. (2019); their description ("the k dots closest to the corner") can miss it when a
    dot near the diagonal is closer to the corner than a more persistent one. The Hungarian
    method solves the usual ``(n + m) x (n + m)`` problem in which each dot may also go to its
    own diagonal copy and diagonal copies match each other at no cost, restricted to the dots
    that have a partner closer than the two diagonals (``|p - q|**2 < diag(p) + diag(q)``):
    any other pair can be split at no loss, so the others go to the diagonal. Noise dots near
    the diagonal thus leave the problem, which stays small.

    Examples
    --------
    A hole that should be there and a noise dot that should not:

    >>> import numpy as np
    >>> m = match_diagrams(np.array([[0.8, 0.1], [0.45, 0.4]]), np.array([[1.0, 0.0]]))
    >>> m.pairs
    array([[ 0,  0],
           [ 1, -1]])
    >>> m.targets
    array([[1.   , 0.   ],
           [0.425, 0.425]])
    >>> round(m.cost, 5)
    0.05125
    """
    predicted = _check_diagram(predicted, "predicted")
    target = _check_diagram(target, "target")
    if method not in ("auto", "corner", "hungarian", "rank"):
        raise ValueError(f"method must be 'auto', 'corner', 'hungarian' or 'rank', got {method!r}")
    one_point = len(target) == 0 or bool(np.all(target == target[0]))
    if method == "corner" and not one_point:
        raise ValueError("method='corner' needs all target dots at one point (a binary target)")
    if method == "rank":
        chosen = _by_rank(predicted, target)
    elif len(target) == 0 or len(predicted) == 0:
        chosen = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    elif method == "hungarian" or not one_point:
        chosen = _hungarian(predicted, target)
    else:
        chosen = _corner(predicted, target[0], len(target))
    return _assemble(predicted, target, *chosen)


def _check_diagram(value: object, name: str) -> np.ndarray:
    array = np.asarray(value, dtype=np.float64)
    if array.size == 0:
        return np.empty((0, 2))
    if array.ndim != 2 or array.shape[1] != 2:
        raise ValueError(
            f"{name} must be an (n, 2) array of (birth, death) dots, got shape {array.shape}"
        )
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must hold finite values (essential classes are matched apart)")
    return array


def _to_diagonal(points: np.ndarray) -> np.ndarray:
    """Squared distances of dots to the diagonal."""
    return 0.5 * (points[:, 0] - points[:, 1]) ** 2


def _corner(predicted: np.ndarray, corner: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    gain = ((predicted - corner) ** 2).sum(axis=1) - _to_diagonal(predicted)
    gain -= 0.5 * (corner[0] - corner[1]) ** 2
    order = np.argsort(gain, kind="stable")[:k]
    rows = order[gain[order] < 0]
    return rows.astype(np.int64), np.arange(len(rows), dtype=np.int64)


def _by_rank(predicted: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ``i``-th longest-lived predicted dot with the ``i``-th longest-lived target dot
    (ties by index)."""
    rows = np.argsort(-np.abs(predicted[:, 0] - predicted[:, 1]), kind="stable")
    cols = np.argsort(-np.abs(target[:, 0] - target[:, 1]), kind="stable")
    k = min(len(rows), len(cols))
    return rows[:k].astype(np.int64), cols[:k].astype(np.int64)


def _hungarian(predicted: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pairwise = ((predicted[:, None, :] - target[None, :, :]) ** 2).sum(axis=2)
    to_diagonal_p, to_diagonal_t = _to_diagonal(predicted), _to_diagonal(target)
    # A pair costing at least as much as sending both dots to the diagonal can be split at no
    # loss, so dots without a cheaper partner go to the diagonal and leave the problem.
    useful = pairwise < to_diagonal_p[:, None] + to_diagonal_t[None, :]
    keep_rows = np.flatnonzero(useful.any(axis=1))
    keep_cols = np.flatnonzero(useful.any(axis=0))
    if len(keep_rows) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    solve = _sparse_assignment if len(keep_rows) + len(keep_cols) >= _SPARSE_FROM else _dense_assignment
    rows, cols = solve(
        pairwise[np.ix_(keep_rows, keep_cols)],
        useful[np.ix_(keep_rows, keep_cols)],
        to_diagonal_p[keep_rows],
        to_diagonal_t[keep_cols],
    )
    return keep_rows[rows].astype(np.int64), keep_cols[cols].astype(np.int64)


# From this many dots (both diagrams, after the filter above) the sparse solver is the faster.
_SPARSE_FROM = 100


def _dense_assignment(pairwise, useful, to_diagonal_p, to_diagonal_t):
    """The ``(n + m) x (m + n)`` assignment problem: each dot may go to its own diagonal copy,
    diagonal copies match each other at no cost. Returns the matched ``(rows, cols)``."""
    n, m = pairwise.shape
    cost = np.full((n + m, m + n), np.inf)
    cost[:n, :m] = pairwise
    cost[np.arange(n), m + np.arange(n)] = to_diagonal_p
    cost[n + np.arange(m), np.arange(m)] = to_diagonal_t
    cost[n:, m:] = 0.0
    rows, cols = linear_sum_assignment(cost)
    real = (rows < n) & (cols < m)
    return rows[real], cols[real]


def _sparse_assignment(pairwise, useful, to_diagonal_p, to_diagonal_t):
    """The same problem as a sparse bipartite graph: only useful pairs are edges, and the
    diagonal copies of a useful pair may match each other, which is all a matching of real
    pairs needs (:func:`scipy.sparse.csgraph.min_weight_full_bipartite_matching`)."""
    n, m = pairwise.shape
    i, j = np.nonzero(useful)
    rows = np.concatenate([i, np.arange(n), n + np.arange(m), n + j])
    cols = np.concatenate([j, m + np.arange(n), np.arange(m), m + i])
    weights = np.concatenate([pairwise[i, j], to_diagonal_p, to_diagonal_t, np.zeros(len(i))])
    # Every perfect matching has n + m edges, so a constant added to all weights changes no
    # choice; it keeps zero costs from reading as missing edges.
    graph = csr_matrix((weights + 1.0 + weights.max(), (rows, cols)), shape=(n + m, m + n))
    left, right = min_weight_full_bipartite_matching(graph)
    real = (left < n) & (right < m)
    return left[real], right[real]


def _assemble(
    predicted: np.ndarray, target: np.ndarray, rows: np.ndarray, cols: np.ndarray
) -> DiagramMatching:
    n, m = len(predicted), len(target)
    targets = diagonal_projection(predicted)
    targets[rows] = target[cols]
    lone_predicted = np.setdiff1d(np.arange(n), rows)
    lone_target = np.setdiff1d(np.arange(m), cols)
    pairs = np.concatenate(
        [
            np.stack([rows, cols], axis=1),
            np.stack([lone_predicted, np.full(len(lone_predicted), -1)], axis=1),
            np.stack([np.full(len(lone_target), -1), lone_target], axis=1),
        ]
    ).astype(np.int64)
    cost = float(((predicted - targets) ** 2).sum() + _to_diagonal(target[lone_target]).sum())
    return DiagramMatching(pairs=pairs, targets=targets, cost=cost)
