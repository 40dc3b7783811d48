"""Betti matching error: the topological features of two masks that do not match in place."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toposeg.metrics._checks import check_pair
from toposeg.persistence import betti_matching

__all__ = ["BettiMatchingError", "betti_matching_error"]


@dataclass(frozen=True)
class BettiMatchingError:
    """Unmatched features per dimension; lower is better, 0 is exact.

    Attributes
    ----------
    per_dimension : tuple of int
        For each homology dimension ``d``, the number of features of dimension ``d`` of the
        prediction and of the ground truth left unmatched by the Betti matching.
    """

    per_dimension: tuple[int, ...]

    @property
    def total(self) -> int:
        """Sum over dimensions."""
        return sum(self.per_dimension)

    def as_dict(self) -> dict[str, float]:
        """``{"0": e0, "1": e1[, "2": e2]}``, for tables."""
        return {str(d): float(e) for d, e in enumerate(self.per_dimension)}


def betti_matching_error(
    pred: np.ndarray, gt: np.ndarray, *, connectivity: int = 1
) -> BettiMatchingError:
    """Betti matching error of a binary segmentation (Stucki et al., ICML 2023), per dimension.

    Parameters
    ----------
    pred, gt : (M, N[, P]) ndarray of bool or 0/1
        Binary masks of one shape.
    connectivity : {1, ndim}
        Foreground connectivity, as in :func:`toposeg.betti_numbers`.

    Returns
    -------
    BettiMatchingError
        The number of unmatched features of both masks, per dimension.

    Notes
    -----
    Features are the persistence pairs of the masks as likelihoods (superlevel sets; every
    feature is born at 1 and dies at 0), matched by :func:`toposeg.persistence.betti_matching`
    through the comparison image ``max(pred, gt)`` (the union of the masks): a component,
    hole or cavity of the prediction is matched only with one of the ground truth that
    survives with it in the union, so that, unlike the Betti number error, a hole in the
    wrong place counts twice. The component that never dies (one per non-empty mask) is left
    out, as in the reference. Always defined: an empty ground truth has no features.

    Examples
    --------
    A ring predicted one pixel off: the two holes overlap (the union of the masks keeps a
    hole), so they are matched; a ring elsewhere is not, although the Betti numbers agree:

    >>> import numpy as np
    >>> gt = np.zeros((9, 18), dtype=bool); gt[1:8, 1:8] = True; gt[3:6, 3:6] = False
    >>> betti_matching_error(np.roll(gt, 1, axis=1), gt).per_dimension
    (0, 0)
    >>> betti_matching_error(np.roll(gt, 9, axis=1), gt).per_dimension
    (0, 2)
    """
    pred, gt = check_pair(pred, gt)
    result = betti_matching(
        pred.astype(np.float64), gt.astype(np.float64), connectivity=connectivity
    )
    return BettiMatchingError(
        tuple(int(a + b) for a, b in zip(result.num_unmatched_pred, result.num_unmatched_target))
    )
