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
can close loops of nonzero persistence; elsewhere the dual step is local and fixed in advance
by :func:`dual_pointers`: the fresh squares join a neighbouring square (or, at a local minimum,
found a new dual component), so the backward union-find visits the candidates only.
"""

from __future__ import annotations

from toposeg._numba import kernel
from toposeg.morse._classify_kernels import earlier
from toposeg.persistence._merge import find

_OUTER = 0  # the padded frame corner: anchors no square, stands for the outside


@kernel
def _elder(g, top, a, b):
    """Whether dual vertex ``a`` was born before ``b`` in the backward pass."""
    if a == _OUTER or b == _OUTER:
        return a == _OUTER
    ta = top[a]
    tb = top[b]
    if ta != tb:
        return earlier(g, tb, ta)
    return a > b  # same last pixel: the square with the larger anchor enters later


@kernel
def dual_pointers(g, height, width, is_candidate, top, parent):
    """The last pixel of every square, and the dual step of every non-candidate pixel.

    ``top[s]`` receives the last pixel to enter of the square anchored at ``s`` (its upper left
    pixel); it must be -1 on entry and stays so for blocks leaving the image. In ``parent``
    (indexed by anchor), the fresh squares of a non-candidate pixel all join the dual
    component of any of its other squares (they form one local group, or there is a single
    other square); at a local minimum all four are fresh and the one entering last (anchored
    at the pixel) founds a dual component.
    """
    stride = width + 2
    parent[_OUTER] = _OUTER
    for i in range(1, height + 1):
        for q in range(i * stride + 1, i * stride + width + 1):
            if i < height and q < i * stride + width:
                # the square anchored at q; its pixels in increasing index order, so a later
                # pixel is one with a value no larger
                t = q
                value = g[q]
                for v in (q + 1, q + stride, q + stride + 1):
                    if g[v] <= value:
                        t = v
                        value = g[v]
                top[q] = t
            # every square around q is known now
            if is_candidate[q]:
                continue
            target = -1
            n_fresh = 0
            for s in (q, q - 1, q - stride, q - stride - 1):
                if top[s] == q:
                    n_fresh += 1
                elif target == -1:
                    target = s if top[s] >= 0 else _OUTER
            if n_fresh == 0:
                continue
            if target == -1:
                target = q
                parent[q] = q
            for s in (q, q - 1, q - stride, q - stride - 1):
                if top[s] == q and s != target:
                    parent[s] = target


@kernel
def loop_pairs(candidates, g, stride, top, parent, loop_q, loop_k, loop_death, loop_pers):
    """Loops of nonzero persistence closed at the candidates (in filtration order), visited
    backwards; ``parent`` comes from :func:`dual_pointers` and is updated in place.

    Writes the closing edge ``(q, q + offset[k])`` (face offsets ``(-stride, -1, 1, stride)``),
    the last pixel of the square filling the loop and ``g[q] - g[death]``; returns the count.
    """
    n_loops = 0
    for i in range(candidates.shape[0] - 1, -1, -1):
        q = candidates[i]
        for s in (q, q - 1, q - stride, q - stride - 1):
            if top[s] == q:
                parent[s] = s
        for k in range(3, -1, -1):
            # the edge to neighbour k and the squares on its two sides
            if k == 0:
                nb, s1, s2 = q - stride, q - stride - 1, q - stride
            elif k == 1:
                nb, s1, s2 = q - 1, q - stride - 1, q - 1
            elif k == 2:
                nb, s1, s2 = q + 1, q - stride, q
            else:
                nb, s1, s2 = q + stride, q - 1, q
            if (g[nb] < g[q]) | ((g[nb] == g[q]) & (k >= 2)):
                continue  # nb enters after q: the edge belongs to nb
            a = find(parent, s1 if top[s1] >= 0 else _OUTER)
            b = find(parent, s2 if top[s2] >= 0 else _OUTER)
            if a == b:
                continue
            if _elder(g, top, a, b):
                younger, elder = b, a
            else:
                younger, elder = a, b
            parent[younger] = elder
            death = top[younger]
            persistence = g[q] - g[death]
            if persistence > 0:
                loop_q[n_loops] = q
                loop_k[n_loops] = k
                loop_death[n_loops] = death
                loop_pers[n_loops] = persistence
                n_loops += 1
    return n_loops
