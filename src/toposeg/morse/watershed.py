"""S2(eps): boundaries between basins of persistence >= eps (PH-filtered topology watershed)."""

from __future__ import annotations

import numpy as np

from toposeg.morse._checks import check_eps, check_likelihood
from toposeg.morse._pairs import edge_pairs
from toposeg.morse._watershed_kernels import boundaries

__all__ = ["watershed_boundaries"]


def watershed_boundaries(likelihood: np.ndarray, *, eps: float, connectivity: int = 1) -> np.ndarray:
    """The 2-stable approximation S2(eps): boundaries between basins of persistence >= eps.

    Parameters
    ----------
    likelihood : (M, N) or (M, N, P) ndarray
        The likelihood map (any finite floats; booleans and integers must lie in [0, 1]).
        Never modified.
    eps : float
        Persistence threshold, >= 0, in the units of ``likelihood``.
    connectivity : {1, ndim}, optional
        The neighbourhood through which basins grow, as in
        :func:`skimage.segmentation.watershed`: 1 for the 4 (6 in 3D) face neighbours, the
        proximity graph of the thesis; ``ndim`` for all 8 (26) neighbours.

    Returns
    -------
    (M, N) or (M, N, P) ndarray of bool
        Both pixels of every edge between two basins: curves in 2D, sheets in 3D. Larger
        ``eps`` gives a subset; above the largest persistence there is one basin and no
        boundary.

    Raises
    ------
    TypeError
        If ``likelihood`` is not a real NumPy array or ``eps`` is not a number.
    ValueError
        If ``likelihood`` is not 2D or 3D, is empty, holds NaN or infinite values or integers
        outside [0, 1], if ``eps`` is negative or NaN, or ``connectivity`` is not 1 or ndim.

    Notes
    -----
    Algorithm 1 of the thesis (persistent-homology filtered topology watershed): pixels enter
    by increasing likelihood (ties by flat index), the edges of a pixel to earlier neighbours by
    increasing offset. When an edge meets two basins at level ``t``, the younger one (higher
    minimum ``m``) has persistence ``t - m``; at ``>= eps`` the basins stay apart and both ends
    of the edge are boundary, below it they merge. One departure: an edge of persistence zero
    (a pixel joining a basin, or two basins meeting on a plateau) always merges, so that
    ``eps = 0`` keeps every basin of positive persistence instead of making every pixel a basin.

    The basins are then the trees of the sublevel spanning forest at ``eps`` (the
    0-stable manifolds of the minima of persistence >= ``eps``), and the persistence values are
    those of :func:`toposeg.cubical_persistence` with ``superlevel=False`` and the same
    ``connectivity`` (dimension 0).

    Examples
    --------
    Two dark basins on either side of a bright wall with a gap: the gap (0.6) is where the
    basins meet; the shallower basin (minimum 0.2) has persistence 0.4 there, so the wall is
    kept at ``eps = 0.3`` and vanishes at ``eps = 0.5``:

    >>> import numpy as np
    >>> from toposeg.morse import watershed_boundaries
    >>> f = np.array([[0.0, 0.1, 0.9, 0.3, 0.2],
    ...               [0.1, 0.1, 0.6, 0.3, 0.3],
    ...               [0.1, 0.1, 0.9, 0.3, 0.3]])
    >>> watershed_boundaries(f, eps=0.3).astype(int)
    array([[0, 0, 1, 1, 0],
           [0, 0, 1, 1, 0],
           [0, 0, 1, 1, 0]])
    >>> bool(watershed_boundaries(f, eps=0.5).any())
    False
    """
    likelihood = check_likelihood(likelihood)
    eps = check_eps(eps)
    pairs = edge_pairs(likelihood, superlevel=False, connectivity=connectivity)
    grid = pairs.grid
    parent = np.empty(grid.size, dtype=np.int64)
    label = np.full(grid.size, -1, dtype=np.int64)
    boundary = np.zeros(grid.size, dtype=np.bool_)
    boundaries(grid.g, grid.offsets, pairs.join, pairs.merge_q, pairs.merge_k, pairs.merge_pers,
               eps, parent, label, boundary)
    return grid.mask(boundary)
