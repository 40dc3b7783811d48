"""The compilation helpers: leaf kernels and the prefetch hint compile and change no result."""

import numpy as np
import pytest

from toposeg._numba import kernel, leaf_kernel, prefetch


@leaf_kernel
def _sum_every_other(values, start):
    total = 0.0
    for i in range(start, values.shape[0], 2):
        total += values[i]
    return total


@kernel
def _gather_with_prefetch(values, index, ahead):
    out = np.empty(index.shape[0], dtype=np.float64)
    for i in range(index.shape[0]):
        if i + ahead < index.shape[0]:
            prefetch(values, index[i + ahead])
        out[i] = values[index[i]] + _sum_every_other(values, values.shape[0] - 1)
    return out


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.float64, np.bool_])
def test_prefetch_and_leaf_kernels_change_nothing(dtype):
    rng = np.random.default_rng(0)
    values = (rng.random(1000) * 100).astype(dtype)
    index = rng.integers(0, values.shape[0], 500)
    expected = values[index].astype(np.float64) + float(values[-1])
    for ahead in (0, 1, 8, 1000):
        np.testing.assert_array_equal(_gather_with_prefetch(values, index, ahead), expected)
