"""Loops of the superlevel filtration of a 2D image: which edge closes each one, and when it fills.

In the cubical complex whose vertices are the pixels (4-connected edges, squares over 2x2
blocks), an edge that joins two pixels of the same component closes a loop, and the loop
lives until a square fills it. By planar duality these pairs come from a union-find over the
*squares*, run backwards through the filtration: squares are the vertices of the dual graph
(plus one outer vertex for the outside of the image, the eldest), primal edges its edges. A
primal edge that joins two dual components closes a loop, paired with the square that founded
the younger dual component (the elder rule of the reversed filtration).

Cells enter with their last pixel; within the star of a pixel ``q``: ``q``, then its edges by
increasing offset of the other end, then its squares by increasing offset of the opposite
corner. A square is *fresh* at its last pixel. Only candidate pixels (:mod:`._classify_kernels`)
can close loops of nonzero persistence. Elsewhere the dual step is local, and the local pass
(:func:`._classify_kernels.classify_2d`) fixes it in advance: the fresh squares join a
neighbouring square, or, at a local minimum, found a new dual component. The backward
union-find :func:`loop_pairs` then visits the candidates only. Dual vertices are named by the
anchor (upper left pixel) of their square; ``0``, a frame corner that anchors no square, is
the outer vertex.
"""

from __future__ import annotations

import numpy as np

from toposeg._numba import kernel, leaf_kernel, prefetch
from toposeg._cubical.order import earlier, ring_mask
from toposeg._cubical.merge import find

_OUTER = 0  # the padded frame corner: anchors no square, stands for the outside


def _fresh_tables() -> tuple[np.ndarray, np.ndarray]:
    """For each 8-bit mask of earlier ring neighbours (toposeg._neighbourhood.RING_2D order):
    which of the squares anchored at ``q, q - 1, q - stride, q - stride - 1`` (SE, SW, NE, NW)
    are fresh at ``q`` (bit ``j``), and the first of them that is not (4 if all are)."""
    corners = ((3, 4, 5), (5, 6, 7), (1, 2, 3), (7, 0, 1))  # the other pixels of each square
    fresh = np.zeros(256, dtype=np.int64)
    target = np.zeros(256, dtype=np.int64)
    for mask in range(256):
        bits = [all((mask >> c) & 1 for c in square) for square in corners]
        fresh[mask] = sum(b << j for j, b in enumerate(bits))
        target[mask] = bits.index(False) if not all(bits) else 4
    return fresh, target


FRESH, TARGET = _fresh_tables()
_AHEAD = 8  # candidates between the prefetch of their neighbourhood and its use


@leaf_kernel
def _inside(g, s, stride):
    """Whether the square anchored at padded index ``s`` lies inside the image."""
    return (g[s] > -np.inf) & (g[s + stride + 1] > -np.inf)


@leaf_kernel
def _top(g, s, stride):
    """The last pixel of the square anchored at ``s`` to enter the filtration (its pixels come
    in increasing index order, so a later pixel is one with a value no larger)."""
    top = s
    value = g[s]
    for v in (s + 1, s + stride, s + stride + 1):
        if g[v] <= value:
            top = v
            value = g[v]
    return top


@leaf_kernel
def _elder(g, a, b, stride):
    """Whether dual vertex ``a`` was born before ``b`` in the backward pass."""
    if a == _OUTER or b == _OUTER:
        return a == _OUTER
    ta = _top(g, a, stride)
    tb = _top(g, b, stride)
    if ta != tb:
        return earlier(g, tb, ta)
    return a > b  # same last pixel: the square with the larger anchor enters later


@kernel
def loop_pairs(candidates, g, stride, parent, loop_q, loop_k, loop_death, loop_pers):
    """Loops of nonzero persistence closed at the candidates (in filtration order), visited
    backwards; ``parent`` holds the dual steps fixed by the local pass and is updated in place.

    Writes the closing edge ``(q, q + offset[k])`` (face offsets ``(-stride, -1, 1, stride)``),
    the last pixel of the square filling the loop and ``g[q] - g[death]``; returns the count.
    """
    parent[_OUTER] = _OUTER
    n_loops = 0
    for i in range(candidates.shape[0] - 1, -1, -1):
        if i >= _AHEAD:  # the squares and values around a later candidate
            ahead = candidates[i - _AHEAD]
            for step in (-stride - 1, 0, stride):
                prefetch(parent, ahead + step)
                prefetch(g, ahead + step)
        q = candidates[i]
        mask = ring_mask(g, q, stride)
        fresh = FRESH[mask]
        if fresh & 1:
            parent[q] = q
        if fresh & 2:
            parent[q - 1] = q - 1
        if fresh & 4:
            parent[q - stride] = q - stride
        if fresh & 8:
            parent[q - stride - 1] = q - stride - 1
        for k in range(3, -1, -1):
            # the edge to neighbour k (ring position 1, 7, 3, 5) and the squares on its sides
            if k == 0:
                here, s1, s2 = mask & 2, q - stride - 1, q - stride
            elif k == 1:
                here, s1, s2 = mask & 128, q - stride - 1, q - 1
            elif k == 2:
                here, s1, s2 = mask & 8, q - stride, q
            else:
                here, s1, s2 = mask & 32, q - 1, q
            if not here:
                continue  # the neighbour enters after q: the edge belongs to it
            a = find(parent, s1 if _inside(g, s1, stride) else _OUTER)
            b = find(parent, s2 if _inside(g, s2, stride) else _OUTER)
            if a == b:
                continue
            if _elder(g, a, b, stride):
                younger, elder = b, a
            else:
                younger, elder = a, b
            parent[younger] = elder
            death = _top(g, younger, stride)
            persistence = g[q] - g[death]
            if persistence > 0:
                loop_q[n_loops] = q
                loop_k[n_loops] = k
                loop_death[n_loops] = death
                loop_pers[n_loops] = persistence
                n_loops += 1
    return n_loops
