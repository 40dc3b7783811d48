"""Warping error: the pixels where two masks still disagree after a topology-preserving warp."""

from __future__ import annotations

import numpy as np

from toposeg._validation import check_array, check_binary, check_connectivity
from toposeg.digital import warp

__all__ = ["warping_error", "warping_error_map"]


def warping_error_map(
    pred: np.ndarray,
    gt: np.ndarray,
    *,
    connectivity: int = 1,
    max_passes: int | None = None,
) -> np.ndarray:
    """The topological errors of a prediction: where it differs from the ground truth warped
    toward it.

    Parameters
    ----------
    pred, gt : (M, N) or (M, N, P) ndarray of bool or 0/1
        Binary prediction and ground truth of the same shape. Never modified.
    connectivity : {1, ndim}, optional
        Adjacency pair of the simple-point test: ``1`` for 4/8 (6/26 in 3D) foreground /
        background connectivity, ``ndim`` for 8/4 (26/6).
    max_passes : int or None, optional
        Passes of the warping (see :func:`toposeg.digital.warp`). The default ``None`` warps
        until no disagreeing pixel is simple, as the definition asks ("after warping all the
        simple points"); ``1`` is the single distance-ordered pass of the training loss.

    Returns
    -------
    ndarray of bool, shape of ``pred``
        ``pred != warp(gt, pred)``.

    Notes
    -----
    Warping error of Jain et al. (2010), as used in thesis ch.5 (Sec. 5.2.7): the ground truth
    is deformed toward the prediction by flipping simple points only, so it keeps its topology;
    the disagreements left are topological errors (a break, a merge, a missing or extra
    component, hole or cavity), not boundary misplacement. An empty ground truth is a valid
    input: nothing can grow from it, so every predicted foreground pixel is an error.

    Examples
    --------
    >>> import numpy as np
    >>> from toposeg.metrics import warping_error_map
    >>> gt = np.zeros((3, 7), dtype=bool)
    >>> gt[1, 1:6] = True
    >>> pred = gt.copy()
    >>> pred[1, 3] = False  # a break
    >>> pred[1, 5] = False  # a shorter line: not a topological error
    >>> np.argwhere(warping_error_map(pred, gt)).tolist()
    [[1, 3]]
    """
    pred, gt = _check_masks(pred, gt)
    connectivity = check_connectivity(connectivity, pred.ndim)
    return pred != warp(gt, pred, connectivity=connectivity, max_passes=max_passes)


def warping_error(
    pred: np.ndarray,
    gt: np.ndarray,
    *,
    connectivity: int = 1,
    max_passes: int | None = None,
) -> float:
    """Fraction of pixels (voxels) that are topological errors: the mean of
    :func:`warping_error_map`.

    Parameters and conventions are those of :func:`warping_error_map`. Lower is better;
    0 means the prediction is a homotopic deformation of the ground truth reachable by the
    warping.

    Examples
    --------
    >>> import numpy as np
    >>> from toposeg.metrics import warping_error
    >>> gt = np.zeros((4, 5), dtype=bool)
    >>> gt[2, :] = True
    >>> pred = gt.copy()
    >>> pred[2, 2] = False  # one line broken in two
    >>> warping_error(pred, gt)
    0.05
    """
    return float(warping_error_map(pred, gt, connectivity=connectivity, max_passes=max_passes).mean())


def _check_masks(pred: object, gt: object) -> tuple[np.ndarray, np.ndarray]:
    pred = check_binary(check_array(pred, "pred"), "pred")
    gt = check_binary(check_array(gt, "gt"), "gt")
    if pred.shape != gt.shape:
        raise ValueError(f"pred and gt must have the same shape, got {pred.shape} and {gt.shape}")
    return pred, gt
