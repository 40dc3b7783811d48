"""The loops of a 3D superlevel filtration as cells: what the Morse 3D loops need of the engine.

In 3D a loop is filled by a square but no union-find finds which (dimension 1 is not dual to a
graph), so the pairs come from the engine's boundary-matrix reduction. This module is the one
door to it from outside :mod:`toposeg.persistence`.
"""

from __future__ import annotations

import numpy as np

from toposeg._cubical.indices import padded_ranks, rank_vertices
from toposeg._cubical.order import filtration_order
from toposeg._neighbourhood import CUBE_OFFSETS
from toposeg.persistence._reduction import SEC, reduce_dim1

__all__ = ["superlevel_loop_cells"]


def superlevel_loop_cells(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dimension-1 pairs of the superlevel filtration of a 3D volume (face connectivity, the
    V-construction) that the reduction finds, as cells of the volume padded by one voxel.

    Parameters
    ----------
    values : (M, N, P) ndarray of float64
        Finite values; ties are broken by flat index.

    Returns
    -------
    vertex : (n,) ndarray of int64
        The last vertex of the edge that closes each loop (flat index into the padded volume).
    direction : (n, 3) ndarray of int64
        The edge's direction from ``vertex``, a row of ``-1, 0, 1``.
    death : (n,) ndarray of int64
        The last vertex of the square that fills the loop (padded flat index).

    Notes
    -----
    Cells are keyed by the rank of their last vertex, then, within its star, by dimension and
    direction (edges by increasing flat offset), the order the Morse forest code uses. Pairs
    of zero persistence are included when the reduction reports them; apparent pairs are not.

    Examples
    --------
    A ring of ones in one slice of zeros: one loop, closed at the last vertex of the ring.

    >>> import numpy as np
    >>> v = np.zeros((3, 5, 5))
    >>> v[1, 1:4, 1:4] = 1.0
    >>> v[1, 2, 2] = 0.0
    >>> vertex, direction, death = superlevel_loop_cells(v)
    >>> len(vertex), [int(i) for i in np.unravel_index(vertex[0], (5, 7, 7))]
    (1, [2, 4, 4])
    """
    padded_shape = tuple(s + 2 for s in values.shape)
    order = filtration_order(-np.ascontiguousarray(values, dtype=np.float64).ravel())
    rank = np.empty(int(np.prod(padded_shape)), dtype=np.int64)
    padded_ranks(order, *values.shape, False, np.empty(order.shape[0], dtype=np.int64), rank)
    births, deaths = reduce_dim1(rank, *values.shape)
    vertex = rank_vertices(births >> 5, order, padded_shape, 0, False)
    death = rank_vertices(deaths >> 5, order, padded_shape, 0, False)
    bit = np.argsort(SEC)[births & 31]  # the direction of each edge from its last vertex
    return vertex, CUBE_OFFSETS[bit].astype(np.int64), death
