"""Correctness, completeness and quality of centerlines with a distance tolerance
(Wiedemann et al. 1998)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.spatial import cKDTree

from toposeg.metrics._checks import check_pair, check_tolerance
from toposeg.metrics._skeleton import resolve_skeleton

__all__ = ["CCQ", "ccq"]


@dataclass(frozen=True)
class CCQ:
    """Buffered centerline precision, recall and IoU; higher is better, ``NaN`` if undefined.

    Attributes
    ----------
    correctness : float
        Fraction of the predicted centerline within the tolerance of the true one.
    completeness : float
        Fraction of the true centerline within the tolerance of the predicted one.
    quality : float
        ``matched prediction / (prediction + unmatched truth)``.
    """

    correctness: float
    completeness: float
    quality: float

    def as_dict(self) -> dict[str, float]:
        """The fields by name, for tables."""
        return asdict(self)


def ccq(
    pred: np.ndarray,
    gt: np.ndarray,
    *,
    tolerance: float = 5.0,
    pred_skeleton: np.ndarray | None = None,
    gt_skeleton: np.ndarray | None = None,
) -> CCQ:
    """Correctness, completeness and quality of a curvilinear segmentation, 2D or 3D.

    Parameters
    ----------
    pred, gt : (M, N[, P]) ndarray of bool or 0/1
        Binary masks of one shape. Their skeletons are compared (already thin masks are
        unchanged by skeletonization).
    tolerance : float
        A centerline pixel is matched when the other centerline has a pixel within this
        Euclidean distance (``<=``), in pixels. Seed 003 uses 5.
    pred_skeleton, gt_skeleton : ndarray of bool, optional
        Precomputed skeletons (``skimage.morphology.skeletonize`` of the masks).

    Returns
    -------
    CCQ
        With :math:`S_P, S_G` the centerlines and :math:`m_P, m_G` their matched pixels:
        correctness :math:`= m_P / |S_P|`, completeness :math:`= m_G / |S_G|`, quality
        :math:`= m_P / (|S_P| + |S_G| - m_G)`. Lengths are pixel counts.

    Notes
    -----
    Skeletons are those of ``skimage.morphology.skeletonize`` (8/26-connected); no
    connectivity option applies. Empty prediction: correctness is ``NaN``; empty ground truth:
    completeness is ``NaN``; quality is 1.0 when both are empty and 0.0 when exactly one is.

    Examples
    --------
    >>> import numpy as np
    >>> gt = np.zeros((20, 40), dtype=bool); gt[5, 0:30] = True
    >>> pred = np.zeros_like(gt); pred[8, 5:40] = True      # shifted by 3 rows and 5 columns
    >>> score = ccq(pred, gt, tolerance=5)
    >>> (score.correctness, score.completeness, score.quality) == (29 / 35, 29 / 30, 29 / 36)
    True
    """
    pred, gt = check_pair(pred, gt)
    tolerance = check_tolerance(tolerance)
    pred_skeleton = resolve_skeleton(pred_skeleton, pred, "pred_skeleton")
    gt_skeleton = resolve_skeleton(gt_skeleton, gt, "gt_skeleton")
    pred_points = np.argwhere(pred_skeleton)
    gt_points = np.argwhere(gt_skeleton)
    if len(pred_points) == 0 or len(gt_points) == 0:
        nan = float("nan")
        return CCQ(
            correctness=nan if len(pred_points) == 0 else 0.0,
            completeness=nan if len(gt_points) == 0 else 0.0,
            quality=1.0 if len(pred_points) == len(gt_points) else 0.0,
        )
    matched_pred = int(np.count_nonzero(_within_tolerance(pred_points, gt_points, tolerance)))
    matched_gt = int(np.count_nonzero(_within_tolerance(gt_points, pred_points, tolerance)))
    return CCQ(
        correctness=matched_pred / len(pred_points),
        completeness=matched_gt / len(gt_points),
        quality=matched_pred / (len(pred_points) + len(gt_points) - matched_gt),
    )


def _within_tolerance(points: np.ndarray, reference: np.ndarray, tolerance: float) -> np.ndarray:
    """Boolean mask of the ``points`` (n, ndim) with a ``reference`` point at distance <= tolerance."""
    # The k-d tree bound is strict; widen it by a relative epsilon so that equality counts.
    bound = tolerance * (1 + 1e-9) + 1e-9
    distance, _ = cKDTree(reference).query(points, k=1, distance_upper_bound=bound)
    return np.isfinite(distance)
