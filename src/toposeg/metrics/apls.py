"""APLS: average path length similarity of two road or vessel networks (Van Etten et al. 2018)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from toposeg.metrics._checks import check_pair, check_tolerance
from toposeg.metrics._skeleton import resolve_skeleton
from toposeg.metrics._skeleton_graph import SkeletonGraph, skeleton_graph

__all__ = ["APLS", "apls"]


@dataclass(frozen=True)
class APLS:
    """Average path length similarity; higher is better, 1 for identical networks.

    Attributes
    ----------
    score : float
        Harmonic mean of the two one-way scores (the SpaceNet symmetric APLS).
    gt_to_pred : float
        Paths between control points of the ground truth, compared with the prediction
        (penalises missing connections).
    pred_to_gt : float
        Paths between control points of the prediction, compared with the ground truth
        (penalises false connections).
    """

    score: float
    gt_to_pred: float
    pred_to_gt: float

    def as_dict(self) -> dict[str, float]:
        """The fields by name, for tables."""
        return asdict(self)


def apls(
    pred: np.ndarray,
    gt: np.ndarray,
    *,
    tolerance: float = 5.0,
    node_spacing: float = 50.0,
    min_path_length: float = 10.0,
    pred_skeleton: np.ndarray | None = None,
    gt_skeleton: np.ndarray | None = None,
) -> APLS:
    """Average path length similarity of the skeleton graphs of two masks, 2D or 3D.

    Parameters
    ----------
    pred, gt : (M, N[, P]) ndarray of bool or 0/1
        Binary masks of one shape; their skeletons are turned into graphs with skan.
    tolerance : float
        A control point is matched to the nearest pixel of the other skeleton if it lies within
        this distance (``<=``), in pixels; otherwise every path from it counts as missing.
    node_spacing : float
        Besides end points and junctions, control points are placed along every branch at
        this arc-length spacing (SpaceNet: 50 m); ``inf`` for none.
    min_path_length : float
        Paths shorter than this (in the graph they start from) are not compared (SpaceNet:
        10 m).
    pred_skeleton, gt_skeleton : ndarray of bool, optional
        Precomputed skeletons (``skimage.morphology.skeletonize`` of the masks).

    Returns
    -------
    APLS

    Notes
    -----
    One-way score from graph :math:`G` to graph :math:`H` (Van Etten et al. 2018): for every
    pair of control points :math:`a, b` of :math:`G` joined by a path of length
    :math:`L \\geq` ``min_path_length``, with :math:`a', b'` their matches in :math:`H` and
    :math:`L'` the shortest path length between them,

    .. math:: C = 1 - \\frac{1}{N} \\sum \\min\\left(1, \\frac{|L - L'|}{L}\\right),

    the term being 1 when :math:`a` or :math:`b` has no match or :math:`H` has no path. The
    score is the harmonic mean of the two one-way scores. Lengths are measured along the
    8/26-connected skeleton (steps of 1, sqrt 2, sqrt 3). Matching a control point to the
    nearest skeleton pixel plays the role of SpaceNet's node insertion on the nearest edge.

    A one-way score is ``NaN`` when its source graph has no pair to compare; the score is then
    the other one-way score, 1.0 if both masks are empty, or ``NaN``.

    Examples
    --------
    >>> import numpy as np
    >>> gt = np.zeros((5, 40), dtype=bool); gt[2, 0:31] = True       # a 30-pixel road
    >>> pred = gt.copy(); pred[2, 14:17] = False                      # cut in the middle
    >>> result = apls(pred, gt, node_spacing=np.inf)
    >>> result.gt_to_pred, result.pred_to_gt, result.score            # end to end: no path
    (0.0, 1.0, 0.0)
    """
    pred, gt = check_pair(pred, gt)
    tolerance = check_tolerance(tolerance)
    node_spacing = _check_spacing(node_spacing)
    min_path_length = check_tolerance(min_path_length, "min_path_length")
    pred_graph = skeleton_graph(resolve_skeleton(pred_skeleton, pred, "pred_skeleton"))
    gt_graph = skeleton_graph(resolve_skeleton(gt_skeleton, gt, "gt_skeleton"))
    options = (tolerance, node_spacing, min_path_length)
    gt_to_pred = _one_way(gt_graph, pred_graph, *options)
    pred_to_gt = _one_way(pred_graph, gt_graph, *options)
    one_way = [c for c in (gt_to_pred, pred_to_gt) if not np.isnan(c)]
    if len(one_way) == 2:
        score = 0.0 if min(one_way) == 0 else 2.0 / (1.0 / one_way[0] + 1.0 / one_way[1])
    elif len(one_way) == 1:
        score = one_way[0]
    else:
        score = 1.0 if pred_graph.size == gt_graph.size == 0 else float("nan")
    return APLS(score=score, gt_to_pred=gt_to_pred, pred_to_gt=pred_to_gt)


def _one_way(
    source: SkeletonGraph,
    target: SkeletonGraph,
    tolerance: float,
    node_spacing: float,
    min_path_length: float,
) -> float:
    nodes = source.control_points(node_spacing)
    first, second = _pairs_within_components(source.component[nodes])
    length = source.pair_lengths(nodes[first], nodes[second])
    compared = length >= min_path_length
    if not compared.any():
        return float("nan")
    first, second, length = first[compared], second[compared], length[compared]
    matches = target.nearest(source.coordinates[nodes], tolerance)
    other = np.full(len(length), np.inf)
    both = (matches[first] >= 0) & (matches[second] >= 0)
    other[both] = target.pair_lengths(matches[first[both]], matches[second[both]])
    terms = np.where(np.isfinite(other), np.minimum(1.0, np.abs(length - other) / length), 1.0)
    return float(1.0 - terms.mean())


def _pairs_within_components(component: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs i < j (into ``component``) of items in the same component."""
    order = np.argsort(component, kind="stable")
    starts = np.flatnonzero(np.diff(component[order], prepend=-1))
    firsts, seconds = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for members in np.split(order, starts[1:]):
        if len(members) > 1:
            i, j = np.triu_indices(len(members), 1)
            firsts.append(members[i])
            seconds.append(members[j])
    return np.concatenate(firsts), np.concatenate(seconds)


def _check_spacing(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"node_spacing must be a number, got {value!r}")
    if not value > 0:
        raise ValueError(f"node_spacing must be > 0 (inf for no intermediate points), got {value}")
    return float(value)
