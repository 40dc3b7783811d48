"""Regions of a segmentation and the contingency table of two segmentations.

The adapted Rand index and the variation of information compare two *partitions* of the pixels.
Binary masks become partitions by labelling their connected components; label images are used
as given. Label 0 of the ground truth is excluded (the "foreground restriction" of the ISBI 2012,
SNEMI3D and CREMI challenges); label 0 of the prediction marks unassigned pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import ndimage

from toposeg._validation import check_array, check_binary, check_connectivity
from toposeg.metrics._checks import check_same_shape

__all__ = ["ContingencyTable", "Regions", "contingency_table", "region_labels"]

Regions = Literal["foreground", "background", "labels"]

# A dense table of (gt label, pred label) cells is counted with bincount when it has at most
# this many cells more than there are pixels to count; sparser tables are sorted instead.
_DENSE_MARGIN = 1 << 16


@dataclass(frozen=True)
class ContingencyTable:
    """Pixel counts of every (ground-truth region, predicted region) pair, GT label 0 excluded.

    Attributes
    ----------
    gt_labels, pred_labels, counts : (K,) ndarray of int64
        ``counts[k]`` pixels carry ground-truth label ``gt_labels[k]`` (never 0) and predicted
        label ``pred_labels[k]`` (0 = not assigned to any predicted region). Only non-zero
        counts are stored.
    regions : {"foreground", "background", "labels"}
        How the inputs were turned into regions.
    connectivity : int
        Connectivity used for labelling.
    """

    gt_labels: np.ndarray
    pred_labels: np.ndarray
    counts: np.ndarray
    regions: str
    connectivity: int


def region_labels(
    array: np.ndarray, name: str, *, regions: Regions = "foreground", connectivity: int = 1
) -> np.ndarray:
    """Label image of the regions of ``array``: 0 outside every region, 1, 2, ... inside.

    Parameters
    ----------
    array : (M, N[, P]) ndarray
        A binary mask (``regions="foreground"`` or ``"background"``) or an integer label image
        (``regions="labels"``).
    name : str
        Argument name used in error messages.
    regions : {"foreground", "background", "labels"}
        ``"foreground"``: connected components of the foreground (``connectivity``).
        ``"background"``: connected components of the background with the dual connectivity
        (``1`` <-> ``ndim``), e.g. the cells enclosed by a membrane mask; foreground pixels get 0.
        ``"labels"``: ``array`` is already a label image; its labels are renumbered 1..k in
        increasing order and 0 stays 0.
    connectivity : {1, ndim}
        Foreground connectivity as in SciPy (see :func:`toposeg.betti_numbers`).

    Returns
    -------
    ndarray of int64, same shape as ``array``

    Examples
    --------
    >>> import numpy as np
    >>> ring = np.ones((3, 3), dtype=bool); ring[1, 1] = False
    >>> region_labels(ring, "mask", regions="background")
    array([[0, 0, 0],
           [0, 1, 0],
           [0, 0, 0]])
    """
    array = check_array(array, name)
    connectivity = check_connectivity(connectivity, array.ndim)
    if regions == "labels":
        if array.dtype.kind not in "biu":
            raise TypeError(f"{name} must be an integer label image, got dtype {array.dtype}")
        if array.dtype == bool or (array.min() >= 0 and array.max() <= 4 * array.size):
            present = np.bincount(array.ravel().astype(np.int64)) > 0
            present[0] = False
            return np.cumsum(present)[array]
        values, inverse = np.unique(array, return_inverse=True)
        ranks = np.cumsum(values != 0)
        ranks[values == 0] = 0
        return ranks[inverse.reshape(array.shape)].astype(np.int64)
    if regions not in ("foreground", "background"):
        raise ValueError(f"regions must be 'foreground', 'background' or 'labels', got {regions!r}")
    mask = check_binary(array, name)
    if regions == "background":
        mask = ~mask
        connectivity = 1 if connectivity == mask.ndim else mask.ndim
    structure = ndimage.generate_binary_structure(mask.ndim, connectivity)
    return ndimage.label(mask, structure=structure, output=np.int64)[0]


def contingency_table(
    pred: np.ndarray, gt: np.ndarray, *, regions: Regions = "foreground", connectivity: int = 1
) -> ContingencyTable:
    """Contingency table of the regions of ``pred`` and ``gt`` over the pixels where GT is not 0.

    Build it once and pass it as ``table=`` to :func:`adapted_rand` and :func:`voi` to share
    the labelling between the two.

    Parameters
    ----------
    pred, gt : (M, N[, P]) ndarray
        Binary masks, or integer label images with ``regions="labels"``; same shape.
    regions : {"foreground", "background", "labels"}
        See :func:`region_labels`.
    connectivity : {1, ndim}
        Foreground connectivity for labelling.

    Returns
    -------
    ContingencyTable

    Examples
    --------
    >>> import numpy as np
    >>> gt = np.array([[1, 1, 0, 1, 1]], dtype=bool)
    >>> pred = np.array([[1, 1, 1, 1, 0]], dtype=bool)
    >>> table = contingency_table(pred, gt)
    >>> table.gt_labels.tolist(), table.pred_labels.tolist(), table.counts.tolist()
    ([1, 2, 2], [1, 0, 1], [2, 1, 1])
    """
    pred = check_array(pred, "pred")
    gt = check_array(gt, "gt")
    check_same_shape(pred, gt)
    pred_regions = region_labels(pred, "pred", regions=regions, connectivity=connectivity)
    gt_regions = region_labels(gt, "gt", regions=regions, connectivity=connectivity)
    inside = gt_regions != 0
    gt_inside = gt_regions[inside]
    pred_inside = pred_regions[inside]
    width = int(pred_regions.max()) + 1
    keys = gt_inside * width + pred_inside
    cells = (int(gt_regions.max()) + 1) * width
    if cells <= 4 * keys.size + _DENSE_MARGIN:
        dense = np.bincount(keys, minlength=cells)
        occupied = np.flatnonzero(dense)
        counts = dense[occupied]
    else:
        occupied, counts = np.unique(keys, return_counts=True)
    return ContingencyTable(
        gt_labels=occupied // width,
        pred_labels=occupied % width,
        counts=counts.astype(np.int64),
        regions=regions,
        connectivity=connectivity,
    )


def resolve_table(
    table: ContingencyTable | None,
    pred: np.ndarray,
    gt: np.ndarray,
    *,
    regions: Regions,
    connectivity: int,
) -> ContingencyTable:
    """Return ``table`` after checking it was built with these options, or build it."""
    if table is None:
        return contingency_table(pred, gt, regions=regions, connectivity=connectivity)
    if not isinstance(table, ContingencyTable):
        raise TypeError(f"table must be a ContingencyTable, got {type(table).__name__}")
    check_same_shape(check_array(pred, "pred"), check_array(gt, "gt"))
    if (table.regions, table.connectivity) != (regions, connectivity):
        raise ValueError(
            f"table was built with regions={table.regions!r}, connectivity={table.connectivity}; "
            f"this call asks for regions={regions!r}, connectivity={connectivity}"
        )
    return table
