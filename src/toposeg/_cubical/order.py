"""The total order of the pixels: ties broken by flat index, everywhere.

:func:`filtration_order` sorts a flat array by ``(value, index)``. The kernels compare padded
values ``g`` (:mod:`.grid`) the same way: a pixel enters the filtration before another if its
value is larger, or equal with a smaller flat index; the frame holds ``-inf`` and never enters.
"""

from __future__ import annotations

import numpy as np

from toposeg._cubical.indices import packed_keys
from toposeg._cubical.radix import sort_upper_indices
from toposeg._numba import leaf_kernel

__all__ = ["earlier", "filtration_order", "ring_mask"]


def filtration_order(values: np.ndarray) -> np.ndarray:
    """Indices that sort a flat float array by ``(value, index)``.

    Values that are exact in float32 are packed into 64-bit keys (value bits above the index)
    and radix-sorted by their value bits, which is several times faster than a stable argsort.

    Examples
    --------
    >>> import numpy as np
    >>> filtration_order(np.array([0.5, -1.0, 0.5, 0.0])).tolist()
    [1, 3, 0, 2]
    """
    n = values.shape[0]
    if n < 2**32:
        keys = np.empty(n, dtype=np.uint64)
        if packed_keys(values, keys):
            return sort_upper_indices(keys)
    return np.argsort(values + 0.0, kind="stable")


@leaf_kernel
def earlier(g, a, b):
    """Whether padded cell ``a`` enters the filtration before ``b``."""
    return g[a] > g[b] or (g[a] == g[b] and a < b)


@leaf_kernel
def ring_mask(g, p, stride):
    """8-bit mask of the ring neighbours of ``p`` entering before it (RING_2D order)."""
    v = g[p]
    return (
        (g[p - stride - 1] >= v)
        | ((g[p - stride] >= v) << 1)
        | ((g[p - stride + 1] >= v) << 2)
        | ((g[p + 1] > v) << 3)
        | ((g[p + stride + 1] > v) << 4)
        | ((g[p + stride] > v) << 5)
        | ((g[p + stride - 1] > v) << 6)
        | ((g[p - 1] >= v) << 7)
    )
