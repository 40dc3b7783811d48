"""Loops of the superlevel filtration of a 3D volume, from the persistence engine's reduction.

In 3D a loop is filled by a square but no union-find finds which (dimension 1 is not dual to a
graph), so the pairs come from the engine's boundary-matrix reduction
(:func:`toposeg.persistence._reduction.reduce_dim1`), which keys every cell by the rank of its
last vertex and, within that vertex's star, by dimension then direction: the order of
:mod:`._forest_kernels` (edges by increasing offset), so the closing edges found there are the
ones the forest code pairs.
"""

from __future__ import annotations

import numpy as np

from toposeg._neighbourhood import CUBE_OFFSETS
from toposeg.morse._grid import Grid
from toposeg.persistence._reduction import SEC, reduce_dim1


def loop_pairs_3d(grid: Grid) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Loops of nonzero persistence of a 3D grid (superlevel order, face connectivity).

    Returns ``(q, k, death, persistence)``: the closing edge ``(q, q + grid.offsets[k])``, the
    last pixel of the square filling the loop, and ``value(q) - value(death)``; padded indices.
    """
    rank = grid.ranks()
    pixel = np.empty(rank.shape[0], dtype=np.int64)  # pixel of each rank
    inside = rank >= 0
    pixel[rank[inside]] = np.flatnonzero(inside)
    depth, height, width = grid.shape
    births, deaths = reduce_dim1(rank, depth, height, width)
    q = pixel[births >> 5]
    death = pixel[deaths >> 5]
    bit = np.argsort(SEC)[births & 31]  # the direction of each edge from its last vertex
    strides = np.array([grid.padded_shape[1] * grid.padded_shape[2], grid.padded_shape[2], 1])
    step = CUBE_OFFSETS[bit] @ strides
    k = np.searchsorted(grid.offsets, step)
    if not np.array_equal(grid.offsets[np.minimum(k, len(grid.offsets) - 1)], step):
        raise RuntimeError("the engine's reduction returned a cell that is not an edge")
    persistence = grid.g[q] - grid.g[death]
    keep = persistence > 0
    return q[keep], k[keep].astype(np.int64), death[keep], persistence[keep]
