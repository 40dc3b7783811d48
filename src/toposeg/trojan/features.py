"""Features of recovered triggers (thesis ch. 4.2.3) and trigger-recovery scores."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import ndimage

from toposeg.trojan.reverse import RecoveredTrigger

__all__ = ["FEATURE_NAMES", "mask_iou", "trigger_features"]

FEATURE_NAMES = (
    "flip_loss", "diversity_loss", "topo_loss", "mask_size", "mean_row", "mean_col",
    "spread_row", "spread_col", "components", "largest_component", "mean_component",
    "flip_rate", "label_agreement", "steps_to_flip",
)


def _one(trigger: RecoveredTrigger, steps: int, threshold: float) -> list[float]:
    mask = np.asarray(trigger.mask, dtype=np.float64)
    height, width = mask.shape
    area = height * width
    total = mask.sum()
    rows, cols = np.mgrid[0:height, 0:width]
    rows, cols = rows / max(height - 1, 1), cols / max(width - 1, 1)
    if total > 0:
        mean_row, mean_col = (mask * rows).sum() / total, (mask * cols).sum() / total
        spread_row = np.sqrt((mask * (rows - mean_row) ** 2).sum() / total)
        spread_col = np.sqrt((mask * (cols - mean_col) ** 2).sum() / total)
    else:
        mean_row = mean_col = 0.5
        spread_row = spread_col = 0.0
    labelled, components = ndimage.label(mask >= threshold)  # 4-connected, as the prior
    sizes = np.bincount(labelled.ravel())[1:] / area
    flipped = trigger.new_labels[trigger.new_labels != trigger.source]
    agreement = np.bincount(flipped).max() / len(trigger.new_labels) if len(flipped) else 0.0
    return [trigger.flip_loss, trigger.diversity_loss, trigger.topo_loss, total / area,
            mean_row, mean_col, spread_row, spread_col, float(components),
            sizes.max() if components else 0.0, sizes.mean() if components else 0.0,
            trigger.flip_rate, float(agreement), trigger.steps_to_flip / steps]


def trigger_features(triggers: Sequence[RecoveredTrigger], *, steps: int, threshold: float = 0.5) -> np.ndarray:
    """One row of :data:`FEATURE_NAMES` per trigger candidate.

    The losses are the final unweighted terms; ``mask_size`` is the mean mask value; ``mean_*``
    and ``spread_*`` the mask-weighted centroid and standard deviation in coordinates scaled to
    [0, 1]; the components are those of ``mask >= threshold`` (4-connected), with sizes as
    fractions of the image; ``label_agreement`` is the share of images sent to the commonest new
    label; ``steps_to_flip`` is divided by ``steps``. Every feature is independent of image size.

    Returns
    -------
    (T, F) ndarray of float64

    Examples
    --------
    >>> mask = np.zeros((4, 4)); mask[0, 0] = mask[2:, 2:] = 1
    >>> t = RecoveredTrigger(0, 0, mask, mask[None], 0.1, 0.0, 0.0, 1.0, np.array([3, 3]), 5)
    >>> f = dict(zip(FEATURE_NAMES, trigger_features([t], steps=10)[0]))
    >>> [float(f[k]) for k in ("components", "largest_component", "mask_size", "label_agreement")]
    [2.0, 0.25, 0.3125, 1.0]
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must lie in (0, 1), got {threshold!r}")
    if len(triggers) == 0:
        return np.zeros((0, len(FEATURE_NAMES)))
    return np.array([_one(t, steps, threshold) for t in triggers], dtype=np.float64)


def mask_iou(recovered: np.ndarray, truth: np.ndarray, *, threshold: float = 0.5) -> float:
    """Intersection over union of ``recovered >= threshold`` and the boolean ``truth``.

    Examples
    --------
    >>> truth = np.zeros((4, 4), bool); truth[:2, :2] = True
    >>> found = np.zeros((4, 4)); found[:2, :3] = 0.9
    >>> round(mask_iou(found, truth), 3)
    0.667
    """
    found = np.asarray(recovered) >= threshold
    truth = np.asarray(truth, dtype=bool)
    if found.shape != truth.shape:
        raise ValueError(f"recovered and truth must have one shape, got {found.shape} and {truth.shape}")
    union = np.logical_or(found, truth).sum()
    return float(np.logical_and(found, truth).sum() / union) if union else 1.0
