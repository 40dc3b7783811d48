"""Elder-rule merging of basins at saddles: the pairs of dimension 0 and of the dual dimension.

After :mod:`._basins`, every pixel points to a neighbour below it (above it, in the dual pass),
and roots point to themselves: a union-find forest whose trees are basins. Components can only
merge at saddle candidates, so linking roots, saddle by saddle in filtration order, gives every
pair: when components meet at a saddle, all but the eldest die there (the elder rule). The
root of a tree is always the eldest extremum of its component.
"""

from __future__ import annotations

import numpy as np

from toposeg._numba import inline_kernel, kernel, prefetch


@inline_kernel
def find(parent, x):
    """Root of ``x`` in the union-find forest ``parent``, halving the path on the way."""
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


# 32-bit de Bruijn sequence: the index of the lowest set bit of v is
# _DE_BRUIJN[((v & -v) * 0x077CB531 mod 2**32) >> 27].
_DE_BRUIJN = np.array(
    [0, 1, 28, 2, 29, 14, 24, 3, 30, 22, 20, 15, 25, 17, 4, 8,
     31, 27, 13, 23, 21, 19, 16, 7, 26, 12, 18, 6, 11, 5, 10, 9],
    dtype=np.int64,
)


@inline_kernel
def lowest_bit(v):
    """Index of the lowest set bit of a nonzero integer below 2**32."""
    return _DE_BRUIJN[(((v & -v) * 0x077CB531) & 0xFFFFFFFF) >> 27]


@inline_kernel
def _popcount8(v):
    v = v - ((v >> 1) & 0x55)
    v = (v & 0x33) + ((v >> 2) & 0x33)
    return (v + (v >> 4)) & 0x0F


_AHEAD = 8  # saddles between a prefetch and its use


@kernel
def merge_at_saddles(
    g, saddles, neighbours, rows, keep, parent, descending, younger, killer, reps, loops
):
    """Merge basins at ``saddles`` in the order given and record the pairs.

    Parameters
    ----------
    g : (N,) float64
        Padded image (sublevel values, frame ``+inf``).
    saddles : (S,) int64
        Saddle candidates ``(p << 27) | mask`` from :mod:`._basins`, where the mask marks the
        neighbours below ``p``; sorted by ``(g, p)``, increasing for sublevel components and
        decreasing for the dual pass (whose neighbours are those *not* in the mask).
    neighbours : (K,) int64
        Flat offset of each mask bit.
    rows : (L,) int64
        Flat offsets that reach every row of the neighbourhood: the parents there are
        fetched into the cache a few saddles in advance (saddles in value order are scattered
        over the image, so the hardware cannot guess where the next one is).
    keep : int
        The mask bits of the pass's connectivity (and of existing neighbours).
    parent : (N,) int32
        Union-find forest: the pointers of :mod:`._basins`, compressed and linked in place.
    descending : bool
        ``False`` for sublevel components (the eldest has the smallest ``(g, index)``),
        ``True`` for complement components (the eldest has the largest).
    younger, killer : (R,) int64
        Output (``R`` at least the number of roots): the root of each dying component and the
        saddle where it dies; only pairs with nonzero persistence (``g[root] != g[saddle]``).
    reps : (256,) int64
        2D only (empty in 3D): for each ring mask, one neighbour per local group
        (``toposeg._neighbourhood.REPS4``/``REPS8`` for the pass's connectivity). Neighbours of
        one group are already connected, so only these need a ``find``.
    loops : (S,) int64
        Output, 2D only: the saddles that create loops, in the order visited. A pixel whose
        lower neighbours form ``k`` local groups touching ``c`` distinct components changes the
        Euler characteristic by ``1 - k`` and the number of components by ``1 - c``, so it
        creates ``k - c`` loops; only these pixels need the dual pass.

    Returns
    -------
    (int, int)
        Number of pairs and of loop-creating saddles written.
    """
    n_pairs = 0
    n_loops = 0
    found = np.empty(neighbours.shape[0], dtype=np.int64)
    for position in range(saddles.shape[0]):
        if position + _AHEAD < saddles.shape[0]:
            ahead = saddles[position + _AHEAD] >> 27
            for j in range(rows.shape[0]):
                prefetch(parent, ahead + rows[j])
        entry = saddles[position]
        s = entry >> 27
        bits = (~entry if descending else entry) & keep
        if reps.shape[0]:
            bits = reps[bits]
        groups = bits
        m = 0
        while bits:
            r = find(parent, s + neighbours[lowest_bit(bits)])
            bits &= bits - 1
            new = True
            for i in range(m):
                new &= found[i] != r
            if new:
                found[m] = r
                m += 1
        if reps.shape[0] and m < _popcount8(groups):
            loops[n_loops] = entry
            n_loops += 1
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
        value = g[s]
        for k in range(m):
            r = found[k]
            if r == eldest:
                continue
            parent[r] = eldest
            if g[r] != value:
                younger[n_pairs] = r
                killer[n_pairs] = s
                n_pairs += 1
    return n_pairs, n_loops
