"""TLTS: the fraction of sampled paths whose length is right, too long or too short
(Wegner et al. 2013)."""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from toposeg.metrics._checks import check_count, check_pair, check_tolerance
from toposeg.metrics._skeleton import resolve_skeleton
from toposeg.metrics._skeleton_graph import skeleton_graph

__all__ = ["TLTS", "tlts"]


@dataclass(frozen=True)
class TLTS:
    """Fractions of the compared paths in each class; they add up to 1 (``NaN`` if none).

    Attributes
    ----------
    correct : float
        Path length in the prediction within ``slack`` of the ground truth: the TLTS score.
    too_long, too_short : float
        Relative length difference above ``slack`` / below ``-slack``.
    infeasible : float
        An end point has no match in the prediction, or the prediction has no path.
    paths : int
        Number of paths compared.
    """

    correct: float
    too_long: float
    too_short: float
    infeasible: float
    paths: int

    def as_dict(self) -> dict[str, float]:
        """The four fractions by name, for tables."""
        return {
            "correct": self.correct,
            "too_long": self.too_long,
            "too_short": self.too_short,
            "infeasible": self.infeasible,
        }


def tlts(
    pred: np.ndarray,
    gt: np.ndarray,
    *,
    tolerance: float = 5.0,
    pairs: int = 1000,
    seed: int = 0,
    slack: float = 0.05,
    pred_skeleton: np.ndarray | None = None,
    gt_skeleton: np.ndarray | None = None,
) -> TLTS:
    """Too-long/too-short statistics of shortest paths between random pairs of GT points.

    Parameters
    ----------
    pred, gt : (M, N[, P]) ndarray of bool or 0/1
        Binary masks of one shape; their skeletons are turned into graphs with skan.
    tolerance : float
        A ground-truth point is matched to the nearest predicted skeleton pixel within this
        distance (``<=``), in pixels.
    pairs : int
        Number of point pairs. They are drawn uniformly among the unordered pairs of distinct
        ground-truth skeleton pixels joined by a path (with replacement, from
        ``numpy.random.default_rng(seed)``); when there are no more such pairs than ``pairs``,
        every pair is used once instead.
    seed : int
        Seed of the sampling.
    slack : float
        Relative tolerance on the path length (seed 003 and Wegner et al.: 5%).
    pred_skeleton, gt_skeleton : ndarray of bool, optional
        Precomputed skeletons (``skimage.morphology.skeletonize`` of the masks).

    Returns
    -------
    TLTS

    Notes
    -----
    For a pair with ground-truth path length :math:`L` and predicted length :math:`L'`
    between the matched points, :math:`r = (L' - L) / L` classifies it as correct
    (:math:`|r| \\leq` ``slack``), too long or too short; a missing match or path makes it
    infeasible. Lengths are measured along the 8/26-connected skeletons. The ground truth
    drives the sampling: without a pair of connected GT pixels every fraction is ``NaN``.

    Examples
    --------
    >>> import numpy as np
    >>> gt = np.zeros((5, 12), dtype=bool); gt[2, 1:11] = True        # 10 pixels, 45 pairs
    >>> pred = gt.copy(); pred[2, 5] = False                          # cut after 4 pixels
    >>> result = tlts(pred, gt, tolerance=0.5)
    >>> n = result.paths
    >>> n, round(result.correct * n), round(result.infeasible * n)   # 6 + 10 pairs survive
    (45, 16, 29)
    """
    pred, gt = check_pair(pred, gt)
    tolerance = check_tolerance(tolerance)
    count = check_count(pairs, "pairs")
    slack = check_tolerance(slack, "slack")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an integer, got {seed!r}")
    gt_skeleton = resolve_skeleton(gt_skeleton, gt, "gt_skeleton")
    gt_graph = skeleton_graph(gt_skeleton)
    first, second = _sample_pairs(gt_skeleton, gt_graph.coordinates, count, seed)
    if len(first) == 0:
        nan = float("nan")
        return TLTS(correct=nan, too_long=nan, too_short=nan, infeasible=nan, paths=0)
    pred_graph = skeleton_graph(resolve_skeleton(pred_skeleton, pred, "pred_skeleton"))
    length = gt_graph.pair_lengths(first, second)
    match = pred_graph.nearest(gt_graph.coordinates, tolerance)
    found = (match[first] >= 0) & (match[second] >= 0)
    other = np.full(len(first), np.inf)
    other[found] = pred_graph.pair_lengths(match[first[found]], match[second[found]])
    feasible = np.isfinite(other)
    ratio = np.where(feasible, (other - length) / length, 0.0)
    paths = len(first)
    return TLTS(
        correct=int(np.count_nonzero(feasible & (np.abs(ratio) <= slack))) / paths,
        too_long=int(np.count_nonzero(feasible & (ratio > slack))) / paths,
        too_short=int(np.count_nonzero(feasible & (ratio < -slack))) / paths,
        infeasible=int(np.count_nonzero(~feasible)) / paths,
        paths=int(paths),
    )


def _sample_pairs(
    skeleton: np.ndarray, coordinates: np.ndarray, count: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Pixel numbers (first, second) of pairs of distinct pixels in one skeleton component."""
    labels = ndimage.label(skeleton, structure=np.ones((3,) * skeleton.ndim, dtype=bool))[0]
    component = labels[tuple(coordinates.T)]
    order = np.argsort(component, kind="stable")
    sizes = np.bincount(component, minlength=1)[1:].astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    pair_counts = sizes * (sizes - 1) // 2
    total = int(pair_counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if total <= count:
        firsts, seconds = [], []
        for size, offset in zip(sizes, offsets):
            i, j = np.triu_indices(int(size), 1)
            firsts.append(order[offset + i])
            seconds.append(order[offset + j])
        return np.concatenate(firsts), np.concatenate(seconds)
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(sizes), size=count, p=pair_counts / total)
    size = sizes[chosen]
    i = rng.integers(0, size)
    j = rng.integers(0, size - 1)
    j = j + (j >= i)
    return order[offsets[chosen] + i], order[offsets[chosen] + j]
