"""Simple-point test from the topological numbers of a pixel's or voxel's neighbourhood.

A point p is simple for a binary image X (it can be flipped without changing the topology of X
or of its complement) iff, with the adjacency pair (n, nbar) of foreground and background,
``T_n(p, X) == 1`` and ``T_nbar(p, complement of X) == 1`` (Bertrand and Malandain 1994;
thesis ch.5, Definition 1). Both numbers look at the neighbours only, so the test gives the
same answer whatever the value of p itself. Arrays here are padded with one layer of
background, so every pixel of the original array has a full neighbourhood.
"""

from __future__ import annotations

import numpy as np

from toposeg._neighbourhood import (
    COUNT4,
    COUNT8,
    CUBE_OFFSETS,
    NEIGHBOURS26,
    RING_2D,
    count6,
    count26,
)
from toposeg._numba import kernel, leaf_kernel

#: ``SIMPLE_2D[0][ring]`` for 4-connected foreground and 8-connected background
#: (connectivity 1), ``SIMPLE_2D[1][ring]`` for 8/4 (connectivity 2), indexed by the 8-bit mask
#: of foreground neighbours in the order of ``RING_2D``.
SIMPLE_2D = np.array(
    [
        [COUNT4[ring] == 1 and COUNT8[255 - ring] == 1 for ring in range(256)],
        [COUNT8[ring] == 1 and COUNT4[255 - ring] == 1 for ring in range(256)],
    ],
    dtype=np.uint8,
)


def ring_offsets(width: int) -> np.ndarray:
    """Flat offsets of the 8 ring neighbours in a C-order image of the given (padded) width."""
    return (RING_2D[:, 0] * width + RING_2D[:, 1]).astype(np.int64)


def cube_offsets(height: int, width: int) -> np.ndarray:
    """Flat offsets of the 27 cube positions (cube-mask bit order) in a C-order (padded) volume."""
    return (CUBE_OFFSETS[:, 0] * height * width + CUBE_OFFSETS[:, 1] * width + CUBE_OFFSETS[:, 2]).astype(
        np.int64
    )


@leaf_kernel
def ring_mask(padded, i, offsets):
    """8-bit mask of the foreground ring neighbours of flat index ``i``."""
    ring = 0
    for k in range(8):
        ring |= np.int64(padded[i + offsets[k]]) << k
    return ring


@leaf_kernel
def cube_mask(padded, i, offsets):
    """27-bit mask of the foreground voxels of the cube around flat index ``i``, centre cleared."""
    cube = 0
    for b in range(27):
        if b != 13:
            cube |= np.int64(padded[i + offsets[b]]) << b
    return cube


@kernel
def simple_3d(cube, full):
    """Whether the centre of a 27-bit cube mask is simple: 6/26 adjacency (``full`` False) or
    26/6 (``full`` True)."""
    background = ~cube & NEIGHBOURS26
    if full:
        return count26(cube) == 1 and count6(background) == 1
    return count6(cube) == 1 and count26(background) == 1


@kernel
def simple_map_2d(padded, offsets, table):
    """Simple-point map of the interior of a padded (H + 2, W + 2) uint8 image."""
    height, width = padded.shape[0] - 2, padded.shape[1] - 2
    flat = padded.ravel()
    out = np.empty((height, width), dtype=np.uint8)
    for y in range(height):
        for x in range(width):
            out[y, x] = table[ring_mask(flat, (y + 1) * (width + 2) + x + 1, offsets)]
    return out


@kernel
def simple_map_3d(padded, offsets, full):
    """Simple-point map of the interior of a padded (D + 2, H + 2, W + 2) uint8 volume."""
    depth, height, width = padded.shape[0] - 2, padded.shape[1] - 2, padded.shape[2] - 2
    flat = padded.ravel()
    out = np.empty((depth, height, width), dtype=np.uint8)
    for z in range(depth):
        for y in range(height):
            for x in range(width):
                i = ((z + 1) * (height + 2) + y + 1) * (width + 2) + x + 1
                out[z, y, x] = simple_3d(cube_mask(flat, i, offsets), full)
    return out
