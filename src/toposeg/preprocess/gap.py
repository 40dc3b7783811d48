"""The lifetime-gap threshold (seed 004, Sec. III-C, after Vandaele et al. 2020)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["LifetimeGap", "lifetime_gap_threshold"]


@dataclass(frozen=True)
class LifetimeGap:
    """Where the sorted lifetimes are cut.

    Attributes
    ----------
    threshold : float
        The middle of the largest gap: lifetimes above it are significant.
    count : int
        How many finite lifetimes exceed ``threshold`` (the significant objects).
    gap : float
        The width of the largest gap (0 when there is no finite lifetime).
    """

    threshold: float
    count: int
    gap: float


def lifetime_gap_threshold(lifetimes: np.ndarray) -> LifetimeGap:
    """Cut the finite lifetimes at the largest gap between consecutive ones.

    Parameters
    ----------
    lifetimes : (n,) array_like of float
        Lifetimes ``|death - birth| >= 0`` (e.g. ``PersistenceResult.persistence(0)``);
        infinite ones (essential classes) are ignored.

    Returns
    -------
    LifetimeGap
        With the lifetimes sorted in decreasing order ``l_1 >= ... >= l_n`` and ``l_{n+1} = 0``
        (the diagonal), the first ``i`` of largest ``l_i - l_{i+1}`` gives ``count = i`` and
        ``threshold = (l_i + l_{i+1}) / 2`` (``count`` is 0 if every lifetime is 0). Among equal gaps the first (between the longest
        lifetimes, fewest objects) wins. Without finite lifetimes: ``LifetimeGap(0.0, 0, 0.0)``.

    Raises
    ------
    ValueError
        If ``lifetimes`` is not one-dimensional or holds NaN or negative values.

    Notes
    -----
    The largest gap is the widest band parallel to the diagonal of the persistence diagram
    that holds no dot (Vandaele et al. 2020, seed 004's reference [4]); the band between the
    diagonal and the lowest dot counts too, so that a diagram whose dots are all far from the
    diagonal keeps them all.

    Examples
    --------
    Three long lifetimes and noise:

    >>> lifetime_gap_threshold([1.0, 0.25, 0.75, 0.125, 0.875])
    LifetimeGap(threshold=0.5, count=3, gap=0.5)
    """
    values = np.asarray(lifetimes, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"lifetimes must be one-dimensional, got shape {values.shape}")
    if np.isnan(values).any():
        raise ValueError("lifetimes contains NaN values")
    if (values < 0).any():
        raise ValueError(f"lifetimes must be >= 0, got {values[values < 0][:3]}")
    finite = np.sort(values[np.isfinite(values)])[::-1]
    if finite.size == 0:
        return LifetimeGap(0.0, 0, 0.0)
    ladder = np.append(finite, 0.0)
    gaps = ladder[:-1] - ladder[1:]
    i = int(np.argmax(gaps))
    threshold = float((ladder[i] + ladder[i + 1]) / 2)
    return LifetimeGap(threshold, int((finite > threshold).sum()), float(gaps[i]))
