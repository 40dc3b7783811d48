"""Loops of the superlevel filtration of a 3D volume, from the persistence engine's reduction.

In 3D a loop is filled by a square but no union-find finds which (dimension 1 is not dual to a
graph), so the pairs come from the engine's boundary-matrix reduction
(:func:`toposeg.persistence.loops.superlevel_loop_cells`), which keys every cell by the rank of
its last vertex and, within that vertex's star, by dimension then direction: the order of
:mod:`._forest_kernels` (edges by increasing offset), so the closing edges found there are the
ones the forest code pairs.
"""

from __future__ import annotations

import numpy as np

from toposeg._cubical.grid import Grid
from toposeg.persistence.loops import superlevel_loop_cells


def loop_pairs_3d(grid: Grid) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Loops of nonzero persistence of a 3D grid (superlevel order, face connectivity).

    Returns ``(q, k, death, persistence)``: the closing edge ``(q, q + grid.offsets[k])``, the
    last pixel of the square filling the loop, and ``value(q) - value(death)``; padded indices.
    """
    inner = (slice(1, -1),) * grid.ndim
    q, direction, death = superlevel_loop_cells(grid.g.reshape(grid.padded_shape)[inner])
    strides = np.array([grid.padded_shape[1] * grid.padded_shape[2], grid.padded_shape[2], 1])
    step = direction @ strides
    k = np.searchsorted(grid.offsets, step)
    if not np.array_equal(grid.offsets[np.minimum(k, len(grid.offsets) - 1)], step):
        raise RuntimeError("the engine's reduction returned a cell that is not an edge")
    persistence = grid.g[q] - grid.g[death]
    keep = persistence > 0
    return q[keep], k[keep].astype(np.int64), death[keep], persistence[keep]
