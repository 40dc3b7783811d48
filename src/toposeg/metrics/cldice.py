"""clDice: the harmonic mean of topology precision and topology sensitivity (Shit et al. 2021)."""

from __future__ import annotations

import numpy as np

from toposeg.metrics._checks import check_pair
from toposeg.metrics._skeleton import resolve_skeleton

__all__ = ["cldice"]


def cldice(
    pred: np.ndarray,
    gt: np.ndarray,
    *,
    pred_skeleton: np.ndarray | None = None,
    gt_skeleton: np.ndarray | None = None,
) -> float:
    """Centerline Dice of two binary masks, 2D or 3D.

    Parameters
    ----------
    pred, gt : (M, N[, P]) ndarray of bool or 0/1
        Binary masks of one shape.
    pred_skeleton, gt_skeleton : ndarray of bool, optional
        Precomputed skeletons (``skimage.morphology.skeletonize`` of the masks), to share them
        with :func:`ccq` and the graph metrics.

    Returns
    -------
    float
        ``2 Tprec Tsens / (Tprec + Tsens)`` in [0, 1]: with :math:`S_P, S_G` the skeletons,
        ``Tprec`` :math:`= |S_P \\cap G| / |S_P|` (predicted centerline inside the true
        mask) and ``Tsens`` :math:`= |S_G \\cap P| / |S_G|` (true centerline covered by the
        prediction). Both masks empty: 1.0; exactly one empty, or ``Tprec + Tsens = 0``: 0.0.

    Notes
    -----
    Skeletons are 8-connected (26 in 3D) as produced by scikit-image; no connectivity option
    applies. This is the metric of Shit et al. (CVPR 2021), not the soft-skeleton loss.

    Examples
    --------
    >>> import numpy as np
    >>> gt = np.zeros((3, 12), dtype=bool); gt[1, 1:11] = True      # a 10-pixel line
    >>> pred = gt.copy(); pred[1, 4:6] = False                       # broken by a 2-pixel gap
    >>> round(cldice(pred, gt), 4)                                   # Tprec 1, Tsens 0.8
    0.8889
    """
    pred, gt = check_pair(pred, gt)
    pred_skeleton = resolve_skeleton(pred_skeleton, pred, "pred_skeleton")
    gt_skeleton = resolve_skeleton(gt_skeleton, gt, "gt_skeleton")
    pred_length = np.count_nonzero(pred_skeleton)
    gt_length = np.count_nonzero(gt_skeleton)
    if pred_length == 0 and gt_length == 0:
        return 1.0
    if pred_length == 0 or gt_length == 0:
        return 0.0
    precision = np.count_nonzero(pred_skeleton & gt) / pred_length
    sensitivity = np.count_nonzero(gt_skeleton & pred) / gt_length
    if precision + sensitivity == 0:
        return 0.0
    return float(2.0 * precision * sensitivity / (precision + sensitivity))
