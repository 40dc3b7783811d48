"""The filtration order shared by the persistence engine and the Morse kernels."""

from __future__ import annotations

import numpy as np

from toposeg._cubical.order import filtration_order


def test_filtration_order_equals_lexsort_on_signed_and_tied_values():
    rng = np.random.default_rng(0)
    for trial in range(100):
        n = int(rng.integers(1, 400))
        if trial % 2:  # ties, both zeros, tiny values: the packed float32 keys
            values = rng.choice([-2.5, -1.0, -0.0, 0.0, 0.5, 3.0, -1e-30, 1e-30], size=n)
        else:  # not exact in float32: the stable argsort
            values = rng.standard_normal(n)
        expected = np.lexsort((np.arange(n), values + 0.0))
        np.testing.assert_array_equal(filtration_order(values), expected)


def test_filtration_order_breaks_ties_by_index():
    values = np.array([0.5, -0.0, 0.5, 0.0, -1.0, 0.5])
    np.testing.assert_array_equal(filtration_order(values), [4, 1, 3, 0, 2, 5])
    wide = np.array([0.1, 1e-300, 0.1, 1e-300])  # not exact in float32: the stable path
    np.testing.assert_array_equal(filtration_order(wide), [1, 3, 0, 2])


def test_filtration_order_of_large_arrays_equals_lexsort():
    # long enough for every radix pass, with values in a narrow range (passes skipped),
    # negative values, infinities and many ties
    rng = np.random.default_rng(1)
    cases = [
        rng.random(70_000).astype(np.float32).astype(np.float64),
        rng.integers(-300, 300, 70_000).astype(np.float64) / 8,
        np.concatenate([rng.standard_normal(5_000).astype(np.float32), [np.inf, -np.inf] * 10]),
        np.full(5_000, -0.25),
    ]
    for values in cases:
        values = values.astype(np.float64)
        expected = np.lexsort((np.arange(values.size), values))
        np.testing.assert_array_equal(filtration_order(values), expected)
