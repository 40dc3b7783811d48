"""Pixel-overlap scores of a binary segmentation: accuracy, Dice, Jaccard, precision, recall.

All are pixelwise (no connectivity is involved) and work on 2D and 3D masks alike.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from toposeg.metrics._checks import check_pair

__all__ = ["PrecisionRecall", "accuracy", "dice", "jaccard", "precision_recall"]


@dataclass(frozen=True)
class PrecisionRecall:
    """Pixel precision ``TP / (TP + FP)`` and recall ``TP / (TP + FN)``; ``NaN`` where undefined."""

    precision: float
    recall: float

    def as_dict(self) -> dict[str, float]:
        """The fields by name, for tables."""
        return asdict(self)


def accuracy(pred: np.ndarray, gt: np.ndarray) -> float:
    """Fraction of pixels where the prediction equals the ground truth.

    Parameters
    ----------
    pred, gt : (M, N[, P]) ndarray of bool or 0/1
        Binary masks of one shape.

    Returns
    -------
    float
        ``(TP + TN) / size``, in [0, 1]. Always defined (label 0 is a class like 1); pixelwise,
        no connectivity.

    Examples
    --------
    >>> import numpy as np
    >>> accuracy(np.array([[1, 1, 0, 0]]), np.array([[1, 0, 0, 0]]))
    0.75
    """
    pred, gt = check_pair(pred, gt)
    return float(np.count_nonzero(pred == gt) / pred.size)


def dice(pred: np.ndarray, gt: np.ndarray) -> float:
    """Dice coefficient ``2 |P & G| / (|P| + |G|)`` of two binary masks.

    Parameters
    ----------
    pred, gt : (M, N[, P]) ndarray of bool or 0/1
        Binary masks of one shape; the foreground (1) is scored.

    Returns
    -------
    float
        In [0, 1]. Both masks empty: 1.0 (they agree); one empty: 0.0.

    Examples
    --------
    >>> import numpy as np
    >>> round(dice(np.array([[1, 1, 0, 0]]), np.array([[1, 0, 0, 0]])), 4)
    0.6667
    """
    tp, fp, fn = _counts(pred, gt)
    return 1.0 if tp + fp + fn == 0 else 2.0 * tp / (2.0 * tp + fp + fn)


def jaccard(pred: np.ndarray, gt: np.ndarray) -> float:
    """Jaccard index (intersection over union) ``|P & G| / |P | G|`` of two binary masks.

    Parameters
    ----------
    pred, gt : (M, N[, P]) ndarray of bool or 0/1
        Binary masks of one shape; the foreground (1) is scored.

    Returns
    -------
    float
        In [0, 1]; equals ``dice / (2 - dice)``. Both masks empty: 1.0; one empty: 0.0.

    Examples
    --------
    >>> import numpy as np
    >>> jaccard(np.array([[1, 1, 0, 0]]), np.array([[1, 0, 0, 0]]))
    0.5
    """
    tp, fp, fn = _counts(pred, gt)
    return 1.0 if tp + fp + fn == 0 else tp / (tp + fp + fn)


def precision_recall(pred: np.ndarray, gt: np.ndarray) -> PrecisionRecall:
    """Pixel precision and recall of the foreground.

    Parameters
    ----------
    pred, gt : (M, N[, P]) ndarray of bool or 0/1
        Binary masks of one shape.

    Returns
    -------
    PrecisionRecall
        ``precision`` is ``NaN`` when the prediction is empty, ``recall`` when the ground truth
        is empty (0 / 0: undefined, skipped by :class:`MetricAccumulator`).

    Examples
    --------
    >>> import numpy as np
    >>> precision_recall(np.array([[1, 1, 0, 0]]), np.array([[1, 0, 0, 0]]))
    PrecisionRecall(precision=0.5, recall=1.0)
    """
    tp, fp, fn = _counts(pred, gt)
    nan = float("nan")
    return PrecisionRecall(
        precision=tp / (tp + fp) if tp + fp else nan,
        recall=tp / (tp + fn) if tp + fn else nan,
    )


def _counts(pred: np.ndarray, gt: np.ndarray) -> tuple[int, int, int]:
    """True positives, false positives and false negatives."""
    pred, gt = check_pair(pred, gt)
    tp = int(np.count_nonzero(pred & gt))
    return tp, int(np.count_nonzero(pred)) - tp, int(np.count_nonzero(gt)) - tp
