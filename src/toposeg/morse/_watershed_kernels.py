"""S2 approximated by the PH-filtered topology watershed (Algorithm 1 of the thesis, ch.7).

Algorithm 1 lets pixels enter by increasing likelihood; each component of the sublevel set is
a basin, named by its minimum. An edge meeting two basins at level ``t`` gives the younger
(higher minimum) persistence ``t - minimum``: at ``>= eps`` both basins are kept apart and both
ends of the edge are boundary, below it the younger basin merges into the elder. A basin is
kept apart exactly when it has reached depth ``eps``, so the basins at the end are the trees of
the sublevel spanning forest at ``eps`` (:mod:`._forest_kernels`: joins and merges of
persistence below ``eps``), and the boundary is every pixel with a neighbour in another tree.
:func:`boundaries` computes it that way, visiting the pixels in index order.

:func:`sweep_branches` computes all thresholds at once: it merges the trees of the forest at
``eps = 0`` in increasing order of persistence, small into large, and records for every pixel
the last (most persistent) merge that separated it from a neighbour.
"""

from __future__ import annotations

import numpy as np

from toposeg._numba import kernel, leaf_kernel
from toposeg._cubical.merge import find


@leaf_kernel
def _union(parent, a, b):
    ra = find(parent, a)
    rb = find(parent, b)
    if ra != rb:
        parent[ra] = rb


@leaf_kernel
def _root(parent, x):
    """Root of ``x``, pointing every cell on the way straight at it."""
    root = x
    while parent[root] != root:
        root = parent[root]
    while parent[x] != root:
        up = parent[x]
        parent[x] = root
        x = up
    return root


@kernel
def _forest_roots(offsets, join, merge_q, merge_k, merge_pers, eps, parent):
    """Union the joins and the merges below ``eps`` (or of persistence zero) in ``parent``."""
    for q in range(join.shape[0]):
        parent[q] = q
    for q in range(join.shape[0]):
        if join[q] >= 0:
            _union(parent, q, q + offsets[join[q]])
    for m in range(merge_q.shape[0]):
        if merge_pers[m] == 0 or merge_pers[m] < eps:
            _union(parent, merge_q[m], merge_q[m] + offsets[merge_k[m]])


@kernel
def boundaries(g, offsets, join, merge_q, merge_k, merge_pers, eps, parent, label, boundary):
    """Mark in ``boundary`` the pixels with a neighbour in another tree of the forest at
    ``eps``. ``label`` must be -1 on entry (it stays -1 in the frame)."""
    _forest_roots(offsets, join, merge_q, merge_k, merge_pers, eps, parent)
    low = -np.inf
    for q in range(join.shape[0]):
        if g[q] > low:
            label[q] = _root(parent, q)
    for q in range(join.shape[0]):
        if label[q] < 0:
            continue
        for k in range(offsets.shape[0]):
            other = label[q + offsets[k]]
            if other >= 0 and other != label[q]:
                boundary[q] = True
                break


@kernel
def sweep_branches(g, offsets, join, merge_q, merge_k, merge_pers, sweep, parent, label, size,
                   head, successor, owner):
    """Merge the basins of persistence zero, in the order ``sweep`` (positive merges by
    increasing persistence), and give each pixel the last merge that cut one of its edges.

    ``parent``, ``head`` and ``successor`` are work arrays; ``size`` must be 0, ``label`` and
    ``owner`` -1 on entry. On return ``owner[x]`` is the position in ``sweep`` of the most
    persistent merge separating ``x`` from a neighbour (-1 if none).
    """
    _forest_roots(offsets, join, merge_q, merge_k, merge_pers, 0.0, parent)
    low = -np.inf
    for q in range(join.shape[0]):
        if g[q] > low:
            root = _root(parent, q)
            label[q] = root
            if size[root] == 0:
                head[root] = -1
            successor[q] = head[root]
            head[root] = q
            size[root] += 1
    for s in range(sweep.shape[0]):
        m = sweep[s]
        small = label[merge_q[m]]
        large = label[merge_q[m] + offsets[merge_k[m]]]
        if size[small] > size[large]:
            small, large = large, small
        x = head[small]
        while x != -1:
            for k in range(offsets.shape[0]):
                y = x + offsets[k]
                if label[y] == large:
                    owner[x] = s
                    owner[y] = s
            x = successor[x]
        x = head[small]
        last = x
        while x != -1:
            label[x] = large
            last = x
            x = successor[x]
        successor[last] = head[large]
        head[large] = head[small]
        size[large] += size[small]
        size[small] = 0
