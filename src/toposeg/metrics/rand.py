"""Adapted Rand index: the F-score of pixel-pair agreement, restricted to the GT foreground."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from toposeg.metrics.contingency import ContingencyTable, Regions, resolve_table

__all__ = ["AdaptedRand", "adapted_rand"]


@dataclass(frozen=True)
class AdaptedRand:
    """Adapted Rand scores; higher is better. ``NaN`` where undefined (see :func:`adapted_rand`).

    Attributes
    ----------
    f_score : float
        Harmonic mean of precision and recall: the "ARI" of the seeds' tables.
    precision : float
        Pairs of pixels together in both segmentations / pairs together in the prediction
        (lowered by false merges).
    recall : float
        Pairs together in both / pairs together in the ground truth (lowered by false splits).
    """

    f_score: float
    precision: float
    recall: float

    @property
    def error(self) -> float:
        """Adapted Rand error ``1 - f_score`` (ISBI 2012, SNEMI3D, CREMI; lower is better)."""
        return 1.0 - self.f_score

    def as_dict(self) -> dict[str, float]:
        """The fields by name, for tables."""
        return asdict(self)


def adapted_rand(
    pred: np.ndarray,
    gt: np.ndarray,
    *,
    regions: Regions = "foreground",
    connectivity: int = 1,
    table: ContingencyTable | None = None,
) -> AdaptedRand:
    """Adapted Rand index of a segmentation, restricted to the ground-truth foreground.

    Parameters
    ----------
    pred, gt : (M, N[, P]) ndarray
        Binary masks (bool or 0/1), or integer label images with ``regions="labels"``.
    regions : {"foreground", "background", "labels"}
        Which regions are compared (see :func:`region_labels`). ``"foreground"`` (default):
        connected components of the masks, e.g. vessels or cells shown as foreground.
        ``"background"``: components of the background, e.g. the cells enclosed by a membrane
        mask (ISBI/CREMI membranes). ``"labels"``: the inputs are label images.
    connectivity : {1, ndim}
        Foreground connectivity for labelling (background regions use the dual one).
    table : ContingencyTable, optional
        Precomputed :func:`contingency_table` of the same inputs and options.

    Returns
    -------
    AdaptedRand
        ``f_score``, ``precision``, ``recall``; ``.error`` is ``1 - f_score``.

    Notes
    -----
    Only pixels with a non-zero ground-truth label are scored. A pixel with prediction label 0
    inside the GT foreground is a singleton (its own region), as in the ISBI 2012 and CREMI
    evaluation code: it forms no pair. With :math:`n_{ij}` the pixels in GT region :math:`i`
    and predicted region :math:`j \\neq 0`, :math:`a_i`, :math:`b_j` the region sizes (over
    the scored pixels) and :math:`P(x) = x (x - 1)` the ordered pairs of distinct pixels,

    .. math:: \\text{precision} = \\frac{\\sum P(n_{ij})}{\\sum_j P(b_j)}, \\quad
              \\text{recall} = \\frac{\\sum P(n_{ij})}{\\sum_i P(a_i)}, \\quad
              F = \\frac{2 \\sum P(n_{ij})}{\\sum_i P(a_i) + \\sum_j P(b_j)}.

    Pairs of distinct pixels are counted, as in scikit-image; CREMI's code counts each pixel
    paired with itself too (a difference of order 1 / region size). With ``gt_labels``
    and ``pred_labels`` the label images and every 0 in ``pred_labels`` inside the GT
    foreground replaced by a fresh label, ``skimage.metrics.adapted_rand_error(gt_labels,
    pred_labels)`` returns ``(1 - f_score, recall, precision)``: scikit-image's second value
    divides by the ground-truth pairs (scikit-image issue #6485).

    Empty ground truth: ``NaN`` everywhere (nothing to score). Precision is ``NaN`` when the
    prediction puts no two scored pixels together, recall when no GT region has two pixels;
    the F-score is then 0 (one side has pairs, none agree) or ``NaN`` (neither has pairs).

    Examples
    --------
    >>> import numpy as np
    >>> gt = np.array([[1, 1, 0, 1, 1]], dtype=bool)       # two segments
    >>> merged = np.ones((1, 5), dtype=bool)               # one segment: a false merge
    >>> score = adapted_rand(merged, gt)
    >>> round(score.f_score, 3), round(score.precision, 3), score.recall
    (0.5, 0.333, 1.0)
    """
    table = resolve_table(table, pred, gt, regions=regions, connectivity=connectivity)
    n = table.counts.astype(np.float64)
    assigned = table.pred_labels != 0
    both = _pairs(n[assigned])
    gt_pairs = _pairs(np.bincount(table.gt_labels, weights=n))
    pred_pairs = _pairs(np.bincount(table.pred_labels[assigned], weights=n[assigned]))
    return AdaptedRand(
        f_score=_ratio(2.0 * both, gt_pairs + pred_pairs),
        precision=_ratio(both, pred_pairs),
        recall=_ratio(both, gt_pairs),
    )


def _pairs(sizes: np.ndarray) -> float:
    return float(np.sum(sizes * (sizes - 1.0)))


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else float("nan")
