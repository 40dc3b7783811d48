"""The spanning forest of a filtration: union-find over the edges of the pixel graph.

Pixels enter in filtration order (:mod:`._classify_kernels`); with a pixel ``q`` enter the
edges to its neighbours already present, in increasing offset order. The first such edge
*joins* ``q`` to a component (persistence zero); each later edge either *merges* two components,
the younger one (whose extremum entered later) dying there with persistence
``|value(extremum) - value(q)|`` (the elder rule), or closes a loop in one component.

Joins and merges form a spanning tree of the image; dropping the merges of persistence
``>= eps`` leaves a spanning forest with one tree per extremum of persistence ``>= eps`` (and
one for the global extremum): the forest of Dey, Wang and Wang's graph reconstruction that the
DMT loss uses for S1 (superlevel) and the basins of the topology watershed (sublevel).
"""

from __future__ import annotations

from toposeg._numba import kernel, prefetch
from toposeg._cubical.order import earlier
from toposeg._cubical.merge import find

_AHEAD = 8  # candidates between the prefetch of their neighbourhood and its use


@kernel
def merge_candidates(candidates, g, offsets, join, parent, merge_q, merge_k, merge_dying,
                     merge_side, merge_pers):
    """Union-find over the edges of the candidates, taken in filtration order.

    Parameters
    ----------
    candidates : (c,) int64
        Padded indices of the candidate pixels, sorted in filtration order.
    g : (n_padded,) float64
        Padded values; earlier = larger (see :mod:`._classify_kernels`).
    offsets : (K,) int64
        Neighbour offsets in increasing order.
    join : (n_padded,) int64
        Joining edge of each pixel (:mod:`._classify_kernels`).
    parent : (n_padded,) int64
        The joining pointers on entry: a union-find forest whose roots are the extrema;
        components are linked in place.
    merge_q, merge_k, merge_dying, merge_side : (c * K,) int64
        Output, one row per merge: the edge ``(q, q + offsets[k])``, the extremum that dies
        and the end of the edge in its component.
    merge_pers : (c * K,) float64
        Output: persistence of each merge, ``|g[dying] - g[q]|`` (zero on plateaus).

    Returns
    -------
    int
        The number of merges.
    """
    n_merges = 0
    last = offsets.shape[0] - 1
    for position in range(candidates.shape[0]):
        if position + _AHEAD < candidates.shape[0]:  # the rows of a later candidate
            ahead = candidates[position + _AHEAD]
            for step in (offsets[0], 0, offsets[last]):
                prefetch(parent, ahead + step)
                prefetch(g, ahead + step)
        q = candidates[position]
        for k in range(offsets.shape[0]):
            nb = q + offsets[k]
            if k == join[q] or not earlier(g, nb, q):
                continue
            a = find(parent, q)
            b = find(parent, nb)
            if a == b:
                continue
            if earlier(g, a, b):
                dying, elder, side = b, a, nb
            else:
                dying, elder, side = a, b, q
            parent[dying] = elder
            merge_q[n_merges] = q
            merge_k[n_merges] = k
            merge_dying[n_merges] = dying
            merge_side[n_merges] = side
            merge_pers[n_merges] = abs(g[dying] - g[q])
            n_merges += 1
    return n_merges


@kernel
def orient_forest(offsets, join, merge_dying, merge_side, merge_other, merge_pers, eps, parent):
    """Point every pixel towards the root of its tree in the forest at ``eps``.

    The joining edges already point towards the maxima (minima) of the persistence-zero
    forest. The merges below ``eps`` (or of persistence zero) are then taken in the order of
    the union-find: each links the dying extremum's tree, oriented towards that extremum, to
    the other tree, so the path from the extremum down to the merge edge is reversed. Roots
    point to themselves.
    """
    for q in range(join.shape[0]):
        parent[q] = q + offsets[join[q]] if join[q] >= 0 else q
    for m in range(merge_dying.shape[0]):
        if merge_pers[m] != 0 and merge_pers[m] >= eps:
            continue
        root = merge_dying[m]
        previous = merge_other[m]
        x = merge_side[m]
        while True:
            up = parent[x]
            parent[x] = previous
            if x == root:
                break
            previous = x
            x = up
