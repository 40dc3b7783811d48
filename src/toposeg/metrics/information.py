"""Variation of information between two segmentations, split into its split and merge parts."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from toposeg.metrics.contingency import ContingencyTable, Regions, resolve_table

__all__ = ["VariationOfInformation", "voi"]


@dataclass(frozen=True)
class VariationOfInformation:
    """Variation of information in bits; lower is better, 0 for identical partitions.

    Attributes
    ----------
    split : float
        ``H(pred | gt)``: over-segmentation (a GT region cut into several predicted ones).
    merge : float
        ``H(gt | pred)``: under-segmentation (GT regions merged in the prediction).
    total : float
        ``split + merge``.
    """

    split: float
    merge: float
    total: float

    def as_dict(self) -> dict[str, float]:
        """The fields by name, for tables."""
        return asdict(self)


def voi(
    pred: np.ndarray,
    gt: np.ndarray,
    *,
    regions: Regions = "foreground",
    connectivity: int = 1,
    table: ContingencyTable | None = None,
) -> VariationOfInformation:
    """Variation of information (Meila 2007) over the ground-truth foreground.

    Parameters
    ----------
    pred, gt : (M, N[, P]) ndarray
        Binary masks (bool or 0/1), or integer label images with ``regions="labels"``.
    regions : {"foreground", "background", "labels"}
        Which regions are compared (see :func:`region_labels` and :func:`adapted_rand`).
    connectivity : {1, ndim}
        Foreground connectivity for labelling (background regions use the dual one).
    table : ContingencyTable, optional
        Precomputed :func:`contingency_table` of the same inputs and options.

    Returns
    -------
    VariationOfInformation
        ``split``, ``merge`` and ``total``, in bits (log base 2).

    Notes
    -----
    Pixels with ground-truth label 0 are excluded, as in CREMI (``ignore_groundtruth=[0]``);
    prediction label 0 is one region like any other. With :math:`p_{ij}` the fraction of the
    scored pixels in GT region :math:`i` and predicted region :math:`j`, and :math:`a_i`,
    :math:`b_j` the marginals, ``split`` :math:`= -\\sum p_{ij} \\log_2 (p_{ij}/a_i)` and
    ``merge`` :math:`= -\\sum p_{ij} \\log_2 (p_{ij}/b_j)`. This equals
    ``skimage.metrics.variation_of_information(gt_labels, pred_labels, ignore_labels=(0,))``,
    which returns ``[split, merge]``.

    Empty ground truth: all three are ``NaN`` (nothing to score).

    Examples
    --------
    >>> import numpy as np
    >>> gt = np.array([[1, 1, 1, 1]], dtype=bool)
    >>> cut = np.array([[1, 1, 0, 1]], dtype=bool)   # one region cut: a split, no merge
    >>> voi(cut, gt)
    VariationOfInformation(split=1.5, merge=0.0, total=1.5)
    """
    table = resolve_table(table, pred, gt, regions=regions, connectivity=connectivity)
    total_pixels = float(table.counts.sum())
    if total_pixels == 0:
        nan = float("nan")
        return VariationOfInformation(split=nan, merge=nan, total=nan)
    p = table.counts / total_pixels
    gt_marginal = np.bincount(table.gt_labels, weights=p)[table.gt_labels]
    pred_marginal = np.bincount(table.pred_labels, weights=p)[table.pred_labels]
    split = float(-np.sum(p * np.log2(p / gt_marginal)))
    merge = float(-np.sum(p * np.log2(p / pred_marginal)))
    # Rounding can leave -0.0 or -1e-17 for identical partitions.
    split, merge = (value if value > 0 else 0.0 for value in (split, merge))
    return VariationOfInformation(split=split, merge=merge, total=split + merge)
