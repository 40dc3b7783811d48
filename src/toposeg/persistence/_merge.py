"""Elder-rule merging of basins at saddles: the pairs of dimension 0 and of the dual dimension.

After :mod:`._basins`, every pixel knows the root of its basin (a local minimum, or in the dual
pass a local maximum or the frame). Components can only merge at saddle candidates, so a
union-find over basin roots, visited saddle by saddle in filtration order, gives every pair:
when components meet at a saddle, all but the eldest die there (the elder rule).
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
def merge_at_saddles(g, saddles, offsets, root, parent, descending, younger, killer, merges):
    """Merge basins at ``saddles`` (sorted in filtration order) and record the pairs.

    Parameters
    ----------
    g : (N,) float64
        Padded image (sublevel values, frame ``+inf``).
    saddles : (S,) int64
        Saddle candidates, sorted by ``(g, index)``; descending for the dual pass.
    offsets : (K,) int64
        Flat offsets of the neighbours in the pass's connectivity.
    root : (N,) int64
        Basin root of every cell.
    parent : (N,) int64
        Union-find forest over roots (``parent[r] == r`` initially).
    descending : bool
        ``False`` for sublevel components (the eldest has the smallest ``(g, index)``),
        ``True`` for complement components (the eldest has the largest).
    younger, killer : (S * K,) int64
        Output: the root of each dying component and the saddle where it dies; only pairs with
        nonzero persistence (``g[root] != g[saddle]``) are written.
    merges : (S * K, 2) int64
        Output: ``(saddle, neighbour)`` for every neighbour whose component merged into the
        saddle's after the first one (the merging edges, in ``offsets`` order).

    Returns
    -------
    (int, int)
        Number of pairs and number of merging edges written.
    """
    n_pairs = 0
    n_merges = 0
    found = np.empty(offsets.shape[0], dtype=np.int64)
    for s in saddles:
        value = g[s]
        m = 0
        for off in offsets:
            q = s + off
            if descending:
                processed = g[q] > value or (g[q] == value and q > s)
            else:
                processed = g[q] < value or (g[q] == value and q < s)
            if not processed:
                continue
            r = find(parent, root[q])
            new = True
            for k in range(m):
                if found[k] == r:
                    new = False
                    break
            if new:
                if m > 0:
                    merges[n_merges, 0] = s
                    merges[n_merges, 1] = q
                    n_merges += 1
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
    return n_pairs, n_merges
