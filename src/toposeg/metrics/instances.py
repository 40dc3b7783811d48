"""AP-75: average precision of instance segmentation at an IoU threshold of 0.75."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from toposeg._validation import check_array
from toposeg.metrics._checks import check_same_shape
from toposeg.metrics.contingency import Regions, region_labels

__all__ = ["ap75"]


def ap75(
    pred: np.ndarray,
    gt: np.ndarray,
    *,
    regions: Regions = "foreground",
    connectivity: int = 1,
    scores: Mapping[int, float] | None = None,
    iou_threshold: float = 0.75,
) -> float:
    """Average precision of predicted instances at IoU >= 0.75, in one image or volume.

    Parameters
    ----------
    pred, gt : (M, N[, P]) ndarray
        Binary masks whose connected components are the instances (default), or integer label
        images with ``regions="labels"`` (0 = background).
    regions : {"foreground", "background", "labels"}
        How instances are obtained (see :func:`region_labels`).
    connectivity : {1, ndim}
        Foreground connectivity for labelling.
    scores : mapping of int to float, optional
        Confidence of each predicted instance, by label (``regions="labels"``). Without
        scores every instance has the same confidence.
    iou_threshold : float
        Minimum intersection over union of a true positive (AP-75: 0.75).

    Returns
    -------
    float
        In [0, 1]. 1.0 when neither image has an instance; 0.0 when exactly one has none.

    Notes
    -----
    A predicted instance is a true positive when its IoU with a ground-truth instance reaches
    the threshold; for thresholds above 0.5 that instance is unique, so the matching does not
    depend on the order (MitoEM, Wei et al. 2020; COCO greedy matching gives the same pairs).
    Instances are ranked by decreasing score, equal scores entering together; AP is the area
    under the precision envelope of the precision-recall points (all-point interpolation,
    PASCAL VOC 2010+). Without scores AP is ``precision * recall``. COCO and MitoEM pool the
    instances of a whole dataset; this function scores one image.

    Examples
    --------
    >>> import numpy as np
    >>> gt = np.zeros((6, 12), dtype=bool); gt[1:5, 1:5] = True; gt[1:5, 7:11] = True
    >>> pred = gt.copy(); pred[1:5, 7:9] = False       # second instance: IoU 0.5, a miss
    >>> ap75(pred, gt)                                  # precision 1/2, recall 1/2
    0.25
    """
    pred = check_array(pred, "pred")
    gt = check_array(gt, "gt")
    check_same_shape(pred, gt)
    if not 0.5 <= iou_threshold <= 1:
        raise ValueError(f"iou_threshold must lie in [0.5, 1], got {iou_threshold}")
    pred_labels = region_labels(pred, "pred", regions=regions, connectivity=connectivity)
    gt_labels = region_labels(gt, "gt", regions=regions, connectivity=connectivity)
    n_pred, n_gt = int(pred_labels.max()), int(gt_labels.max())
    if n_pred == 0 or n_gt == 0:
        return 1.0 if n_pred == n_gt else 0.0
    pred_sizes = np.bincount(pred_labels.ravel(), minlength=n_pred + 1)
    gt_sizes = np.bincount(gt_labels.ravel(), minlength=n_gt + 1)
    both = (pred_labels != 0) & (gt_labels != 0)
    keys, overlap = np.unique(
        pred_labels[both] * (n_gt + 1) + gt_labels[both], return_counts=True
    )
    p, g = keys // (n_gt + 1), keys % (n_gt + 1)
    iou = overlap / (pred_sizes[p] + gt_sizes[g] - overlap)
    hit = np.zeros(n_pred + 1, dtype=bool)
    hit[p[iou >= iou_threshold]] = True
    confidence = _confidences(scores, pred, regions, n_pred)
    return _average_precision(hit[1:], confidence, n_gt)


def _confidences(
    scores: Mapping[int, float] | None, pred: np.ndarray, regions: Regions, count: int
) -> np.ndarray:
    """Confidence of instances 1..count (renumbered labels), all equal without scores."""
    if scores is None:
        return np.ones(count)
    if regions != "labels":
        raise ValueError("scores need regions='labels' (instance labels to attach them to)")
    labels = np.unique(pred)
    labels = labels[labels != 0]
    missing = [int(label) for label in labels if int(label) not in scores]
    if missing:
        raise ValueError(f"scores has no confidence for predicted labels {missing[:5]}")
    return np.array([float(scores[int(label)]) for label in labels])


def _average_precision(hit: np.ndarray, confidence: np.ndarray, n_gt: int) -> float:
    """All-point interpolated AP; instances of equal confidence enter the ranking together."""
    levels, inverse = np.unique(-confidence, return_inverse=True)
    true_positives = np.cumsum(np.bincount(inverse, weights=hit, minlength=len(levels)))
    predicted = np.cumsum(np.bincount(inverse, minlength=len(levels)))
    precision = true_positives / predicted
    recall = true_positives / n_gt
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    return float(np.sum(np.diff(np.concatenate([[0.0], recall])) * envelope))
