"""Paired permutation test: is the mean difference between two methods' scores on the same
images (folds, seeds) larger than chance would make it?

Under the null hypothesis the two scores of each pair are exchangeable, so each difference
keeps or flips its sign with probability 1/2. The p-value is the share of the ``2 ** n`` sign
patterns whose mean difference is at least as far from zero as the observed one (two-sided).
Up to ``exact_limit`` pairs every pattern is enumerated; beyond, ``permutations`` patterns are
drawn at random and the p-value is ``(hits + 1) / (permutations + 1)`` (never zero).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["PermutationTest", "paired_permutation_test"]


@dataclass(frozen=True)
class PermutationTest:
    """Result of :func:`paired_permutation_test`.

    Attributes
    ----------
    mean_difference : float
        Mean of ``a - b`` over the pairs.
    p_value : float
        Two-sided p-value.
    pairs : int
        Pairs used (pairs with a NaN are left out).
    exact : bool
        Whether every sign pattern was enumerated.
    """

    mean_difference: float
    p_value: float
    pairs: int
    exact: bool


def paired_permutation_test(
    a: np.ndarray,
    b: np.ndarray,
    *,
    permutations: int = 20000,
    exact_limit: int = 16,
    seed: int = 0,
) -> PermutationTest:
    """Two-sided paired permutation test of the mean of ``a - b``.

    Parameters
    ----------
    a, b : (n,) array_like of float
        Scores of two methods on the same ``n`` units, in the same order.
    permutations : int
        Random sign patterns drawn when ``n > exact_limit``.
    exact_limit : int
        Largest ``n`` for which all ``2 ** n`` patterns are enumerated (at most 24).
    seed : int
        Seed of the random patterns.

    Returns
    -------
    PermutationTest
        With ``p_value`` NaN when no pair is left.

    Raises
    ------
    ValueError
        If ``a`` and ``b`` are not 1D of one length, or the counts are out of range.

    Examples
    --------
    >>> from toposeg.metrics import paired_permutation_test
    >>> result = paired_permutation_test([3.0, 2.0, 4.0, 5.0], [1.0, 1.0, 1.0, 1.0])
    >>> result.mean_difference, result.p_value, result.exact     # only the 2 all-same-sign patterns
    (2.5, 0.125, True)
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.ndim != 1 or a.shape != b.shape:
        raise ValueError(f"a and b must be 1D scores of the same units, got shapes {a.shape} and {b.shape}")
    if permutations < 1:
        raise ValueError(f"permutations must be >= 1, got {permutations}")
    if not 0 <= exact_limit <= 24:
        raise ValueError(f"exact_limit must lie in [0, 24], got {exact_limit}")
    keep = ~(np.isnan(a) | np.isnan(b))
    difference = a[keep] - b[keep]
    n = difference.size
    if n == 0:
        return PermutationTest(float("nan"), float("nan"), 0, True)
    observed = abs(difference.mean())
    tolerance = 1e-12 * max(1.0, observed)
    if n <= exact_limit:
        patterns = (np.arange(2**n)[:, None] >> np.arange(n)) & 1  # every sign pattern, one row each
        means = np.abs(((1 - 2 * patterns) * difference).mean(axis=1))
        p_value = float(np.mean(means >= observed - tolerance))
        return PermutationTest(float(difference.mean()), p_value, n, True)
    rng = np.random.default_rng(seed)
    hits = 0
    for first in range(0, permutations, 4096):
        signs = 1 - 2 * rng.integers(0, 2, size=(min(4096, permutations - first), n))
        hits += int(np.sum(np.abs((signs * difference).mean(axis=1)) >= observed - tolerance))
    return PermutationTest(float(difference.mean()), (hits + 1) / (permutations + 1), n, False)
