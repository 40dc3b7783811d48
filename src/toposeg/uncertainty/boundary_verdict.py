"""The ground truth's verdict on membrane boundaries (S2): does a boundary separate two cells?

For S1 (vessels, roads) a ridge is right where it lies on the annotated structure
(:func:`toposeg.uncertainty.branch_confirmation`). For S2 that test says too little: annotated
membranes are several pixels thick, the likelihood has many shallow basins inside them, and
their boundaries lie on the membrane although they separate nothing; accepting them in
proofreading cuts slivers off the cells. What matters for a boundary is whether the regions on
its two sides belong to different cells.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from toposeg.morse import MorseBranches

__all__ = ["boundary_confirmation"]


def boundary_confirmation(branches: MorseBranches, target: np.ndarray) -> np.ndarray:
    """``y_b`` for watershed boundaries: 1 where a boundary separates two annotated cells, else
    0, ``(n,)`` float64.

    The hierarchy is replayed: from the finest regions (the components, face-connected, of the
    pixels on no boundary), the boundaries are removed in increasing persistence; removing
    ``b`` joins the regions its pixels touch, which are the regions it separates at its level
    (those of the structure of persistence ``>= persistence_b``). ``b`` is confirmed when the
    regions it touches have at least two different majority cells, a region's majority cell
    being the annotated cell that most of its cell pixels lie in (the cells are the components
    of the ground truth's background, full connectivity, as :func:`toposeg.metrics.voi` with
    ``regions="background"`` labels them; membrane pixels do not vote; ties: the smaller
    label). A region without a cell pixel has no majority and separates nothing. This is how agglomeration of over-segmentations labels its merges (by majority
    overlap), and it is what proofreading needs: rejecting a boundary with ``y_b = 0`` merges
    parts of one cell, accepting one with ``y_b = 1`` splits two.

    Parameters
    ----------
    branches : MorseBranches
        Of ``structure="watershed"``.
    target : (M, N[, P]) ndarray
        Ground-truth mask of the membranes (nonzero), shaped like the likelihood.

    Examples
    --------
    >>> import numpy as np
    >>> from toposeg.morse import morse_branches
    >>> i, j = np.mgrid[:5, :7]
    >>> f = np.minimum(np.hypot(i - 2, j), np.hypot(i - 2, j - 6.2))  # two basins, one wall
    >>> branches = morse_branches(f / f.max(), structure="watershed")
    >>> membrane = np.zeros((5, 7), bool); membrane[:, 3] = True
    >>> boundary_confirmation(branches, membrane).tolist(), boundary_confirmation(branches, 0 * membrane).tolist()
    ([1.0], [0.0])
    """
    if branches.structure != "watershed":
        raise ValueError(f"branches must be watershed boundaries (S2), got structure {branches.structure!r}")
    target = np.asarray(target) != 0
    if target.shape != branches.shape:
        raise ValueError(f"target has shape {target.shape}, the branches {branches.shape}")
    n = len(branches)
    cells, count = ndimage.label(~target, structure=np.ones((3,) * target.ndim))
    if n == 0 or count < 2:
        return np.zeros(n)
    on_boundary = np.zeros(target.size, dtype=bool)
    on_boundary[branches.pixels] = True
    regions, n_regions = ndimage.label(~on_boundary.reshape(target.shape))
    # union-find nodes: the regions 1..n_regions, then one per boundary pixel
    node = regions.ravel().copy()
    node[branches.pixels] = n_regions + 1 + np.arange(branches.pixels.size)
    strides = np.array(target.strides) // target.itemsize
    neighbours = _face_neighbours(branches.pixels, target.shape, strides)
    flat_cells = cells.ravel()
    tallies: list[dict[int, int]] = [{} for _ in range(n_regions + 1 + branches.pixels.size)]
    voting = flat_cells > 0
    pairs, numbers = np.unique(np.stack([node[voting], flat_cells[voting]]), axis=1, return_counts=True)
    for where, cell, number in zip(pairs[0].tolist(), pairs[1].tolist(), numbers.tolist()):
        tallies[where][cell] = number
    return _replay(n, branches.offsets, branches.pixels, node, neighbours, tallies, n_regions)


def _face_neighbours(pixels: np.ndarray, shape: tuple[int, ...], strides: np.ndarray) -> np.ndarray:
    """``(len(pixels), 2 * ndim)`` flat indices of each pixel's face neighbours, -1 outside."""
    coordinates = np.stack(np.unravel_index(pixels, shape), axis=1)
    out = np.full((pixels.size, 2 * len(shape)), -1, dtype=np.int64)
    for axis, stride in enumerate(strides):
        for k, step in enumerate((-1, 1)):
            inside = (coordinates[:, axis] + step >= 0) & (coordinates[:, axis] + step < shape[axis])
            out[inside, 2 * axis + k] = pixels[inside] + step * stride
    return out


def _replay(n, offsets, pixels, node, neighbours, tallies, n_regions) -> np.ndarray:
    """Remove the boundaries in increasing persistence, joining what each touches (see
    :func:`boundary_confirmation`)."""
    parent = np.arange(len(tallies))
    active = np.zeros(len(tallies), dtype=bool)
    active[1:n_regions + 1] = True

    def root(r: int) -> int:
        while parent[r] != r:
            parent[r] = parent[parent[r]]
            r = parent[r]
        return int(r)

    def majority(r: int) -> int:
        return max(tallies[r].items(), key=lambda item: (item[1], -item[0]))[0] if tallies[r] else 0

    def join(a: int, b: int) -> int:
        if a == b:
            return a
        small, large = (a, b) if len(tallies[a]) < len(tallies[b]) else (b, a)
        for cell, number in tallies[small].items():
            tallies[large][cell] = tallies[large].get(cell, 0) + number
        tallies[small] = {}
        parent[small] = large
        return large

    out = np.zeros(n)
    for b in range(n - 1, -1, -1):  # increasing persistence
        own = node[pixels[offsets[b]:offsets[b + 1]]]
        touched = {root(int(node[q])) for q in neighbours[offsets[b]:offsets[b + 1]].ravel()
                   if q >= 0 and active[node[q]]}
        out[b] = float(len({majority(r) for r in touched} - {0}) >= 2)
        merged = None
        for r in [*touched, *own.tolist()]:
            r = root(int(r))
            merged = r if merged is None else join(root(merged), r)
        active[own] = True
    return out
