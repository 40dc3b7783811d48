"""Elder-rule merging of basins at saddles: the pairs of dimension 0 and of the dual dimension.

After :mod:`._basins`, every pixel points to a neighbour below it (above it, in the dual pass),
and roots point to themselves: a union-find forest whose trees are basins. Components can only
merge at saddle candidates, so linking roots, saddle by saddle in filtration order, gives every
pair: when components meet at a saddle, all but the eldest die there (the elder rule). The
root of a tree is always the eldest extremum of its component.
"""

from __future__ import annotations

import numpy as np

from toposeg._numba import kernel


@kernel
def find(parent, x):
    """Root of ``x`` in the union-find forest ``parent``, halving the path on the way."""
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


@kernel
def merge_at_saddles(g, saddles, neighbours, parent, descending, younger, killer):
    """Merge basins at ``saddles`` (sorted in filtration order) and record the pairs.

    Parameters
    ----------
    g : (N,) float64
        Padded image (sublevel values, frame ``+inf``).
    saddles : (S,) int64
        Saddle candidates ``(p << 27) | mask`` from :mod:`._basins`, sorted by ``(g, p)``;
        descending for the dual pass. Bit ``k`` of the mask marks neighbour ``k`` as already
        processed (below ``p``; above it in the dual pass).
    neighbours : (K,) int64
        Flat offset of each mask bit; 0 for the bits the pass's connectivity ignores.
    parent : (N,) int32
        Union-find forest: the pointers of :mod:`._basins`, compressed and linked in place.
    descending : bool
        ``False`` for sublevel components (the eldest has the smallest ``(g, index)``),
        ``True`` for complement components (the eldest has the largest).
    younger, killer : (R,) int64
        Output (``R`` at least the number of roots): the root of each dying component and the
        saddle where it dies; only pairs with nonzero persistence (``g[root] != g[saddle]``).

    Returns
    -------
    int
        Number of pairs written.
    """
    n_pairs = 0
    found = np.empty(neighbours.shape[0], dtype=np.int64)
    for entry in saddles:
        s = entry >> 27
        mask = entry & 0x7FFFFFF
        value = g[s]
        m = 0
        for k in range(neighbours.shape[0]):
            if neighbours[k] == 0 or not (mask >> k) & 1:
                continue
            r = find(parent, s + neighbours[k])
            new = True
            for i in range(m):
                if found[i] == r:
                    new = False
                    break
            if new:
                found[m] = r
                m += 1
        if m < 2:
            continue
        eldest = found[0]
        for k in range(1, m):
            r = found[k]
            if descending:
                elder = g[r] > g[eldest] or (g[r] == g[eldest] and r > eldest)
            else:
                elder = g[r] < g[eldest] or (g[r] == g[eldest] and r < eldest)
            if elder:
                eldest = r
        for k in range(m):
            r = found[k]
            if r == eldest:
                continue
            parent[r] = eldest
            if g[r] != value:
                younger[n_pairs] = r
                killer[n_pairs] = s
                n_pairs += 1
    return n_pairs
