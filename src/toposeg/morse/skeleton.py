"""S1(eps): the persistence-pruned 1-stable manifolds (Morse skeleton) of a likelihood."""

from __future__ import annotations

import numpy as np

from toposeg.morse._checks import check_eps, check_likelihood
from toposeg.morse._pairs import EdgePairs, edge_pairs
from toposeg.morse._skeleton_kernels import mark_skeleton

__all__ = ["morse_skeleton"]


def morse_skeleton(likelihood: np.ndarray, *, eps: float, connectivity: int = 1) -> np.ndarray:
    """The Morse skeleton S1(eps): ridges joining maxima through saddles of persistence >= eps.

    Parameters
    ----------
    likelihood : (M, N) or (M, N, P) ndarray
        The likelihood map (any finite floats; booleans and integers must lie in [0, 1]).
        Never modified.
    eps : float
        Persistence threshold, >= 0, in the units of ``likelihood``. Saddles of persistence
        below ``eps`` are cancelled with their maxima or minima (Morse cancellation).
    connectivity : {1}, optional
        Pixels are the vertices of the cubical complex, joined by edges to their 4 (6 in 3D)
        face neighbours: the construction of the DMT-loss paper and of its published code.

    Returns
    -------
    (M, N) or (M, N, P) ndarray of bool
        The pixels of S1(eps). Larger ``eps`` gives a subset; above the largest persistence it
        is empty (the image domain has no essential loops, and the global maximum alone is no
        1-manifold).

    Raises
    ------
    TypeError
        If ``likelihood`` is not a real NumPy array or ``eps`` is not a number.
    ValueError
        If ``likelihood`` is not 2D or 3D, is empty, holds NaN or infinite values or integers
        outside [0, 1], if ``eps`` is negative or NaN, or if ``connectivity`` is not 1.

    Notes
    -----
    The superlevel filtration of the likelihood pairs every edge of the complex: the first
    edge of a pixel joins it to a component; a later one either merges two components (killing
    the younger maximum, a 0-dimensional pair) or closes a loop, filled later by a square (a
    1-dimensional pair). The merges of persistence below ``eps``, with the joins, form a
    spanning forest with one tree per maximum of persistence >= ``eps`` (Dey, Wang and Wang,
    2018): the discrete gradient left by cancelling all pairs below ``eps``. Every remaining
    critical edge (merge or loop, persistence >= ``eps`` and > 0) contributes itself and the
    two forest paths from its ends up to the maxima of their trees: its 1-stable manifold.
    Consecutive pixels of these paths are 4-adjacent (6 in 3D).

    Pixels enter the filtration by decreasing value, ties by flat index as in
    :func:`toposeg.cubical_persistence`; the edges of a pixel by increasing offset of their
    other end. The persistence values are those of :func:`toposeg.cubical_persistence` with
    ``connectivity=1`` (dimension 0 for merges, 1 for loops).

    Examples
    --------
    Two bright blobs joined by a faint bridge: the bridge's saddle (0.5) has persistence
    0.8 - 0.5 = 0.3, so the ridge through it survives ``eps = 0.2`` but not ``eps = 0.4``:

    >>> import numpy as np
    >>> from toposeg.morse import morse_skeleton
    >>> f = np.full((3, 7), 0.1)
    >>> f[1] = [0.1, 0.9, 0.7, 0.5, 0.7, 0.8, 0.1]
    >>> morse_skeleton(f, eps=0.2).astype(int)
    array([[0, 0, 0, 0, 0, 0, 0],
           [0, 1, 1, 1, 1, 1, 0],
           [0, 0, 0, 0, 0, 0, 0]])
    >>> bool(morse_skeleton(f, eps=0.4).any())
    False
    """
    likelihood = check_likelihood(likelihood)
    eps = check_eps(eps)
    pairs = skeleton_pairs(likelihood, connectivity)
    return skeleton_from_pairs(pairs, eps)


def skeleton_pairs(likelihood: np.ndarray, connectivity: object) -> EdgePairs:
    """Edge pairs of the superlevel filtration (connectivity 1 only)."""
    if isinstance(connectivity, bool) or connectivity != 1:
        raise ValueError(
            f"morse_skeleton supports connectivity=1 (pixels as vertices of the cubical complex, "
            f"{2 * likelihood.ndim}-connected edges), got {connectivity!r}"
        )
    return edge_pairs(likelihood, superlevel=True, connectivity=1)


def skeleton_from_pairs(pairs: EdgePairs, eps: float) -> np.ndarray:
    """S1(eps) as a boolean image."""
    grid = pairs.grid
    parent = pairs.forest_parent(eps)
    marked = np.zeros(grid.size, dtype=np.bool_)
    mark_skeleton(eps, grid.offsets, parent, pairs.merge_q, pairs.merge_k, pairs.merge_pers,
                  pairs.loop_q, pairs.loop_k, pairs.loop_pers, marked)
    return grid.mask(marked)
