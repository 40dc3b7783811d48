"""JCT: junction precision, recall and F1 from the number of branches at matched junctions
(Bastani et al. 2018, as used in seed 003)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

from toposeg.metrics._checks import check_pair, check_tolerance
from toposeg.metrics._skeleton import resolve_skeleton
from toposeg.metrics._skeleton_graph import skeleton_graph

__all__ = ["JunctionScore", "junction_f1"]


@dataclass(frozen=True)
class JunctionScore:
    """Junction scores; higher is better, ``NaN`` where undefined (see :func:`junction_f1`).

    Attributes
    ----------
    precision : float
        Mean over predicted junctions of the fraction of their branches found at the matched
        ground-truth junction (0 if unmatched).
    recall : float
        Mean over ground-truth junctions of the fraction of their branches found at the
        matched predicted junction (0 if unmatched).
    f1 : float
        Harmonic mean of precision and recall: the JCT of seed 003.
    """

    precision: float
    recall: float
    f1: float

    def as_dict(self) -> dict[str, float]:
        """The fields by name, for tables."""
        return asdict(self)


def junction_f1(
    pred: np.ndarray,
    gt: np.ndarray,
    *,
    tolerance: float = 5.0,
    pred_skeleton: np.ndarray | None = None,
    gt_skeleton: np.ndarray | None = None,
) -> JunctionScore:
    """Junction score (JCT) of the skeleton graphs of two masks, 2D or 3D.

    Parameters
    ----------
    pred, gt : (M, N[, P]) ndarray of bool or 0/1
        Binary masks of one shape; their skeletons are turned into graphs with skan.
    tolerance : float
        Junctions farther apart than this (centre to centre, in pixels) cannot match.
    pred_skeleton, gt_skeleton : ndarray of bool, optional
        Precomputed skeletons (``skimage.morphology.skeletonize`` of the masks).

    Returns
    -------
    JunctionScore

    Notes
    -----
    A junction is a cluster of adjacent skeleton pixels of degree >= 3 (8/26-connected
    skeletons); its degree is the number of branches leaving it. Ground-truth and predicted
    junctions are matched one to one within ``tolerance``, minimising the total distance
    (Hungarian algorithm). A matched pair with degrees :math:`d_G, d_P` contributes
    :math:`\\min(d_G, d_P)/d_G` to the recall and :math:`\\min(d_G, d_P)/d_P` to the
    precision ("the number of roads intersecting at each junction", seed 003). RoadTracer's
    original score also compares the directions of the branches; this one compares counts.

    Precision is ``NaN`` without predicted junctions, recall without ground-truth junctions;
    F1 is 1.0 when neither has junctions, 0.0 when exactly one has none.

    Examples
    --------
    >>> import numpy as np
    >>> gt = np.zeros((9, 9), dtype=bool); gt[4, 1:8] = True; gt[1:8, 4] = True   # a cross
    >>> pred = gt.copy(); pred[5:8, 4] = False                                     # a T
    >>> score = junction_f1(pred, gt)                               # 3 of 4 branches found
    >>> score.precision, score.recall, round(score.f1, 4)
    (1.0, 0.75, 0.8571)
    """
    pred, gt = check_pair(pred, gt)
    tolerance = check_tolerance(tolerance)
    pred_graph = skeleton_graph(resolve_skeleton(pred_skeleton, pred, "pred_skeleton"))
    gt_graph = skeleton_graph(resolve_skeleton(gt_skeleton, gt, "gt_skeleton"))
    pred_degree, gt_degree = pred_graph.junction_degree, gt_graph.junction_degree
    pred_found = np.zeros(len(pred_degree))
    gt_found = np.zeros(len(gt_degree))
    if len(pred_degree) and len(gt_degree):
        distance = cdist(gt_graph.junction_centres(), pred_graph.junction_centres())
        allowed = distance <= tolerance * (1 + 1e-9) + 1e-9
        # A forbidden pair costs more than any set of allowed ones: matches are maximised first.
        forbidden = (min(distance.shape) + 1) * (tolerance + 1)
        cost = np.where(allowed, distance, forbidden)
        rows, cols = linear_sum_assignment(cost)
        keep = allowed[rows, cols]
        rows, cols = rows[keep], cols[keep]
        shared = np.minimum(gt_degree[rows], pred_degree[cols])
        gt_found[rows] = shared / gt_degree[rows]
        pred_found[cols] = shared / pred_degree[cols]
    nan = float("nan")
    precision = float(pred_found.mean()) if len(pred_found) else nan
    recall = float(gt_found.mean()) if len(gt_found) else nan
    if len(pred_found) == 0 and len(gt_found) == 0:
        f1 = 1.0
    elif len(pred_found) == 0 or len(gt_found) == 0 or precision + recall == 0:
        f1 = 0.0
    else:
        f1 = 2.0 * precision * recall / (precision + recall)
    return JunctionScore(precision=precision, recall=recall, f1=f1)
