"""Compiled sweeps of object marking (Algorithm 1 of seed 004): union-find over pixels in
filtration order. Arrays in, arrays out; see :mod:`toposeg.preprocess.marking` for the rule."""

from __future__ import annotations

import numpy as np

from toposeg._numba import inline_kernel, kernel

_NEVER = np.iinfo(np.int64).max


@inline_kernel
def _find(parent, x):
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


@inline_kernel
def _neighbours(p, offsets, shape, out):
    """Write the flat indices of the neighbours of ``p`` in a ``(D, H, W)`` grid into ``out``
    (-1 outside the grid)."""
    hw = shape[1] * shape[2]
    z0 = p // hw
    y0 = (p - z0 * hw) // shape[2]
    x0 = p - z0 * hw - y0 * shape[2]
    for k in range(offsets.shape[0]):
        z = z0 + offsets[k, 0]
        y = y0 + offsets[k, 1]
        x = x0 + offsets[k, 2]
        if z < 0 or z >= shape[0] or y < 0 or y >= shape[1] or x < 0 or x >= shape[2]:
            out[k] = -1
        else:
            out[k] = (z * shape[1] + y) * shape[2] + x


@kernel
def cut_positions(order, births, deaths, marked_death, offsets, shape):
    """First sweep. For each marked pair (sorted by the position of its death pixel), the
    position where its object is cut: the earliest marked death pixel in the component of its
    birth pixel just before its death, or its own death pixel.

    ``order`` lists the flat pixel indices in filtration order; ``births`` and ``deaths`` are
    the pairs' pixels; ``marked_death[p]`` says whether ``p`` is the death pixel of a marked
    pair.
    """
    n = order.size
    position = np.empty(n, dtype=np.int64)
    for t in range(n):
        position[order[t]] = t
    parent = np.full(n, -1, dtype=np.int64)
    size = np.zeros(n, dtype=np.int64)
    earliest = np.full(n, _NEVER, dtype=np.int64)  # per root: earliest marked death pixel
    cut = np.empty(births.size, dtype=np.int64)
    near = np.empty(offsets.shape[0], dtype=np.int64)
    j = 0
    for t in range(n):
        p = order[t]
        while j < deaths.size and position[deaths[j]] == t:
            cut[j] = min(t, earliest[_find(parent, births[j])])
            j += 1
        parent[p] = p
        size[p] = 1
        earliest[p] = t if marked_death[p] else _NEVER
        root = p
        _neighbours(p, offsets, shape, near)
        for k in range(near.size):
            q = near[k]
            if q < 0 or parent[q] < 0:
                continue
            b = _find(parent, q)
            if b != root:
                if size[b] > size[root]:
                    b, root = root, b
                parent[b] = root
                size[root] += size[b]
                earliest[root] = min(earliest[root], earliest[b])
    return cut


@kernel
def object_labels(order, births, cut, offsets, shape):
    """Second sweep. The object of marked pair ``k`` (label ``k + 1``) is the component of
    ``births[k]`` among the pixels before position ``cut[k]``. Components frozen at their cut
    stop growing; a component that touches a frozen one is dead (its pixels stay 0)."""
    n = order.size
    parent = np.full(n, -1, dtype=np.int64)
    size = np.zeros(n, dtype=np.int64)
    state = np.zeros(n, dtype=np.int64)  # per root: 0 open, k + 1 frozen object, -1 dead
    by_cut = np.argsort(cut, kind="mergesort")
    near = np.empty(offsets.shape[0], dtype=np.int64)
    j = 0
    for t in range(n):
        while j < by_cut.size and cut[by_cut[j]] == t:
            state[_find(parent, births[by_cut[j]])] = by_cut[j] + 1
            j += 1
        p = order[t]
        parent[p] = p
        _neighbours(p, offsets, shape, near)
        blocked = False
        for k in range(near.size):
            q = near[k]
            if q >= 0 and parent[q] >= 0:
                near[k] = _find(parent, q)  # from here on, the neighbour's root
                if state[near[k]] != 0:
                    blocked = True
            else:
                near[k] = -1
        size[p] = 1
        if blocked:
            state[p] = -1
        root = p
        for k in range(near.size):
            b = near[k]
            if b < 0:
                continue
            if blocked:
                if state[b] == 0:
                    state[b] = -1
            elif parent[b] == b and b != root:  # open: union by size
                if size[b] > size[root]:
                    b, root = root, b
                parent[b] = root
                size[root] += size[b]
    labels = np.zeros(n, dtype=np.int32)
    for x in range(n):
        s = state[_find(parent, x)]
        if s > 0:
            labels[x] = s
    return labels
