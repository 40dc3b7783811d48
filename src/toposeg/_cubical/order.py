"""The total order of the pixels, as the kernels compare it.

Pixels are compared on the padded values ``g`` (:mod:`._grid`): a pixel enters the filtration
before another if its value is larger, or equal with a smaller flat index; the frame holds
``-inf`` and never enters.
"""

from __future__ import annotations

from toposeg._numba import leaf_kernel


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
