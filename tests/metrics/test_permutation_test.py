"""The paired permutation test against brute-force enumeration and SciPy's permutation test."""

import itertools

import numpy as np
import pytest
from scipy import stats

from toposeg.metrics import paired_permutation_test


def brute_force_p(a, b):
    """Every assignment of the two scores of each pair to the two methods, one by one."""
    observed = abs(np.mean(np.subtract(a, b)))
    hits = total = 0
    for swaps in itertools.product((False, True), repeat=len(a)):
        x = [bi if s else ai for ai, bi, s in zip(a, b, swaps, strict=True)]
        y = [ai if s else bi for ai, bi, s in zip(a, b, swaps, strict=True)]
        hits += abs(sum(x) / len(x) - sum(y) / len(y)) >= observed - 1e-12
        total += 1
    return hits / total


@pytest.mark.parametrize("seed", range(6))
def test_exact_p_value_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 11))
    a = rng.integers(0, 6, n).astype(float)  # small integers: many ties, the hard case
    b = a + rng.integers(-2, 4, n)
    result = paired_permutation_test(a, b)
    assert result.exact and result.pairs == n
    assert result.p_value == pytest.approx(brute_force_p(a, b), abs=1e-12)
    assert result.mean_difference == pytest.approx(np.mean(a - b))


def test_agrees_with_scipy_and_random_patterns_approach_exact():
    rng = np.random.default_rng(7)
    a, b = rng.normal(size=14), rng.normal(size=14) + 0.4
    mine = paired_permutation_test(a, b)
    theirs = stats.permutation_test((a, b), lambda x, y: np.mean(x - y), permutation_type="samples",
                                    n_resamples=np.inf, alternative="two-sided")
    assert mine.p_value == pytest.approx(theirs.pvalue, abs=1e-9)
    drawn = paired_permutation_test(a, b, exact_limit=0, permutations=40000, seed=1)
    assert not drawn.exact and abs(drawn.p_value - mine.p_value) < 0.01


def test_nan_pairs_are_left_out_and_bad_input_is_named():
    result = paired_permutation_test([1.0, np.nan, 3.0], [0.0, 1.0, 1.0])
    assert result.pairs == 2 and result.mean_difference == 1.5
    assert np.isnan(paired_permutation_test([np.nan], [1.0]).p_value)
    with pytest.raises(ValueError, match="same units"):
        paired_permutation_test([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="permutations must be >= 1"):
        paired_permutation_test([1.0], [1.0], permutations=0)
