"""Scoring inside a region (an ignore mask, DRIVE's field of view): what counts and how.

Outside the region, prediction and ground truth are both set to background, so no metric sees
an error there and structures are cut identically at the region's border in both; accuracy
is then taken over the region's pixels only (the pixels outside would otherwise count as
correct background).
"""

from __future__ import annotations

import numpy as np

__all__ = ["restrict_to_region", "region_accuracy"]


def restrict_to_region(pred: np.ndarray, gt: np.ndarray, region: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Copies of ``pred`` and ``gt`` with every pixel outside ``region`` set to background.

    Raises
    ------
    ValueError
        If the shapes differ or the region is empty.

    Examples
    --------
    >>> import numpy as np
    >>> from toposeg.metrics.regions import restrict_to_region
    >>> pred, gt = np.ones((2, 2), bool), np.zeros((2, 2), bool)
    >>> restrict_to_region(pred, gt, np.array([[1, 0], [0, 0]], bool))[0].astype(int).tolist()
    [[1, 0], [0, 0]]
    """
    pred, gt, region = np.asarray(pred), np.asarray(gt), np.asarray(region).astype(bool)
    if not pred.shape == gt.shape == region.shape:
        raise ValueError(f"region of shape {region.shape} does not match the masks' {pred.shape} and {gt.shape}")
    if not region.any():
        raise ValueError("the region is empty: no pixel would be scored")
    return np.logical_and(pred, region), np.logical_and(gt, region)


def region_accuracy(pred: np.ndarray, gt: np.ndarray, region: np.ndarray) -> float:
    """Share of the region's pixels where ``pred`` equals ``gt``.

    Examples
    --------
    >>> import numpy as np
    >>> from toposeg.metrics.regions import region_accuracy
    >>> region_accuracy(np.array([1, 0, 1], bool), np.array([1, 1, 0], bool), np.array([1, 1, 0], bool))
    0.5
    """
    region = np.asarray(region).astype(bool)
    return float(np.mean(np.asarray(pred, bool)[region] == np.asarray(gt, bool)[region]))
