"""Betti matching of dimension 0 from basins and saddles, without visiting every edge in order.

The comparison image ``c = min(f, g)`` is split into descending basins as by the
persistence engine (:mod:`._basins`); components of ``c`` merge only at saddle candidates, so a
union-find over basin roots, saddle by saddle in ``c``'s order, gives the pairs of ``c``. At a
candidate ``s`` the edges whose top vertex is ``s`` are taken in the order of their slots
(:mod:`._matching_cells`), so that each merge happens at the same edge as in a pass over every
cell, and the pixel ``s`` belongs to the component of its first edge.

The image pair of ``f -> c`` that dies at a merge is the younger, for ``f``, of the two
components' eldest pixels: ``argmin f`` over the pixels of each component that have entered
``c``. Each root keeps ``argmin f`` over *all* pixels of its basins; when that pixel has
entered ``c`` it is the answer. When it has not, every entered pixel of the component has an
``f`` value above the merge (``f >= c``), and the answer is needed only if the component holds
an entered pixel that is the birth of a pair of ``f`` (each root also keeps the earliest such
pixel in ``c``'s order): then the component is flooded at the time of the merge. The same holds
for ``g``. Floods are rare: a component whose pixels entered ``c`` through ``g`` only, holding
a minimum of ``f``.

Pixels are ordered by ``(value, padded flat index)``, the order of the unpadded indices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from toposeg._cubical.merge import find
from toposeg._cubical.order import filtration_order
from toposeg._neighbourhood import REPS4
from toposeg._numba import inline_kernel, kernel, prefetch
from toposeg.persistence._basins import classify_2d, classify_3d
from toposeg.persistence._engine import _NO_REPS, _merge, _neighbours


_AHEAD = 8  # saddles between a prefetch and its use


@inline_kernel
def _before(v, a, b):
    """Whether pixel ``a`` comes before pixel ``b`` in the order of ``v``."""
    return v[a] < v[b] or (v[a] == v[b] and a < b)


@inline_kernel
def _entered(c, q, s):
    """Whether pixel ``q`` has entered ``c`` when the edges of ``s`` are added."""
    return c[q] < c[s] or (c[q] == c[s] and q <= s)


@inline_kernel
def _keep_first(v, best, k, q):
    """``best[k] = q`` if ``q`` comes before ``best[k]`` in the order of ``v`` (or it is unset)."""
    if best[k] < 0 or _before(v, q, best[k]):
        best[k] = q


@inline_kernel
def _keep_eldest(stats, value, r, k, q, x):
    """Pixel ``q`` of value ``x`` joins the component of root ``r``: ``stats[r, k]`` is its
    eldest pixel (smallest ``(value, index)``) and ``value[r, k]`` that pixel's value."""
    e = stats[r, k]
    if e < 0 or x < value[r, k] or (x == value[r, k] and q < e):
        stats[r, k] = q
        value[r, k] = x


@inline_kernel
def _add(c, f, g, born_f, born_g, stats, value, r, q):
    """Pixel ``q`` joins the component of root ``r``: the row ``stats[r]`` holds its eldest pixel
    for ``f`` and for ``g`` (``value[r]`` their values), and its earliest pixel in ``c`` that
    is a birth of ``f`` (of ``g``)."""
    _keep_eldest(stats, value, r, 0, q, f[q])
    _keep_eldest(stats, value, r, 1, q, g[q])
    if born_f[q]:
        _keep_first(c, stats[r], 2, q)
    if born_g[q]:
        _keep_first(c, stats[r], 3, q)


@kernel
def compress_paths(parent, values):
    """Point every cell of the forest ``parent`` at its root; cells of value ``+inf`` (the
    frame) are skipped (they point at their root already, or nowhere)."""
    for q in range(values.shape[0]):
        if values[q] == np.inf:
            continue
        r = q
        while parent[r] != r:
            r = parent[r]
        p = q
        while p != r:
            up = parent[p]
            parent[p] = r
            p = up


@kernel
def basin_stats(c, f, g, born_f, born_g, parent, candidate, stats, value):
    """Fill ``stats`` and ``value`` (see :func:`_add`) over the pixels of every basin of
    ``parent``, saddle candidates left out (they join a component when their edges are
    added). The paths of ``parent`` are compressed to their roots first; then pixels are
    visited in index order, the eldest pixels of the current root kept in registers (ties
    keep the pixel seen first, of the smaller index)."""
    stats[:] = -1
    n = c.shape[0]
    compress_paths(parent, c)
    current = -1
    best_f = -1
    best_g = -1
    value_f = np.inf
    value_g = np.inf
    for q in range(n):
        if c[q] == np.inf or candidate[q]:
            continue
        r = parent[q]
        if r != current:
            if current >= 0:
                stats[current, 0] = best_f
                stats[current, 1] = best_g
                value[current, 0] = value_f
                value[current, 1] = value_g
            current = r
            best_f = stats[r, 0]
            best_g = stats[r, 1]
            value_f = value[r, 0] if best_f >= 0 else np.inf
            value_g = value[r, 1] if best_g >= 0 else np.inf
        x = f[q]
        better = x < value_f or best_f < 0
        best_f = q if better else best_f
        value_f = x if better else value_f
        x = g[q]
        better = x < value_g or best_g < 0
        best_g = q if better else best_g
        value_g = x if better else value_g
        if born_f[q]:
            _keep_first(c, stats[r], 2, q)
        if born_g[q]:
            _keep_first(c, stats[r], 3, q)
    if current >= 0:
        stats[current, 0] = best_f
        stats[current, 1] = best_g
        value[current, 0] = value_f
        value[current, 1] = value_g


@kernel
def _flood_first(c, v, parent, root, s, through_s, offsets, stamp, mark, queue):
    """Earliest pixel in the order of ``v`` of the component of ``root`` at an edge of ``s``:
    the pixels before ``s`` in ``c`` connected to ``root``, and if ``through_s``, ``s`` and
    the groups of its neighbours already merged into ``root``."""
    stamp[root] = mark
    queue[0] = root
    head = 0
    tail = 1
    best = root
    while head < tail:
        q = queue[head]
        head += 1
        if _before(v, q, best):
            best = q
        for k in range(offsets.shape[0]):
            w = q + offsets[k]
            if stamp[w] == mark:
                continue
            if w == s:
                if not through_s:
                    continue
            elif not (c[w] < c[s] or (c[w] == c[s] and w < s)):
                continue
            elif q == s and find(parent, w) != root:
                continue
            stamp[w] = mark
            queue[tail] = w
            tail += 1
    return best


@inline_kernel
def _image_death(c, v, born, stats, k, parent, a, b, s, offsets, stamp, mark, queue):
    """The pixel whose image class (for ``v``, one of ``f`` and ``g``) dies when the
    components of roots ``a`` (holding ``s``) and ``b`` merge at ``s``, or -1 when it is not
    the birth of a pair of ``v``. Column ``k`` of ``stats`` holds the eldest pixels for ``v``,
    column ``k + 2`` the earliest births of ``v``."""
    if stats[a, k + 2] < 0 and stats[b, k + 2] < 0:
        return -1  # neither component holds a birth of v
    qa = stats[a, k]
    qb = stats[b, k]
    in_a = _entered(c, qa, s)
    in_b = _entered(c, qb, s)
    born_a = stats[a, k + 2] >= 0 and _entered(c, stats[a, k + 2], s)
    born_b = stats[b, k + 2] >= 0 and _entered(c, stats[b, k + 2], s)
    if in_a and not in_b and (v[qa] < c[s] or (v[qa] == c[s] and qa <= s)):
        # every pixel of b comes after qa in v: b's eldest dies, whichever pixel it is
        if not born_b:
            return -1
    elif in_b and not in_a and (v[qb] < c[s] or (v[qb] == c[s] and qb <= s)):
        if not born_a:
            return -1
    elif not (born_a or born_b):
        return -1
    if not in_a:
        qa = _flood_first(c, v, parent, a, s, True, offsets, stamp, mark, queue)
    if not in_b:
        qb = _flood_first(c, v, parent, b, s, False, offsets, stamp, mark + 1, queue)
    dying = qb if _before(v, qa, qb) else qa
    return dying if born[dying] else -1


@kernel
def image_merge(c, f, g, born_f, born_g, saddles, offsets, bits, parent, stats, value, stamp, queue, out):
    """Merge the basins of ``c`` at ``saddles`` (``(p << 27) | mask``, sorted by ``c``) and
    record, for each pair of ``c`` of nonzero persistence, a row of ``out``: its birth pixel,
    death pixel, and the births of ``f`` and of ``g`` whose image classes die there (-1 where
    the class is not born at a birth of a pair, and for ``f`` wherever it is -1 for ``g``:
    such a pair of ``c`` matches nothing). ``offsets[k]`` and ``bits[k]`` are the face
    neighbours in the order of the slots of the edges. ``stamp`` (zeroed, int64) and
    ``queue`` are the floods' scratch. Returns the number of rows."""
    n_out = 0
    mark = 0
    n_saddles = saddles.shape[0]
    stats_flat = stats.reshape(-1)
    value_flat = value.reshape(-1)
    for position in range(n_saddles):
        # saddles are scattered: ask for their data early, and for that of the basin roots of
        # their neighbours (the paths are compressed) once those pointers have arrived
        if position + 2 * _AHEAD < n_saddles:
            ahead = saddles[position + 2 * _AHEAD] >> 27
            for k in range(offsets.shape[0]):
                prefetch(parent, ahead + offsets[k])
        if position + _AHEAD < n_saddles:
            ahead = saddles[position + _AHEAD] >> 27
            for k in range(offsets.shape[0]):
                root = parent[ahead + offsets[k]]
                prefetch(parent, root)
                prefetch(c, root)
                prefetch(value_flat, 2 * root)
                prefetch(stats_flat, 4 * root)
            prefetch(c, ahead)
            prefetch(f, ahead)
            prefetch(g, ahead)
            prefetch(born_f, ahead)
            prefetch(born_g, ahead)
        entry = saddles[position]
        s = entry >> 27
        current = -1
        for k in range(offsets.shape[0]):
            if not entry & bits[k]:
                continue
            r = find(parent, s + offsets[k])
            if current < 0:
                current = r
                _add(c, f, g, born_f, born_g, stats, value, r, s)
                continue
            if r == current:
                continue
            young, old = (current, r) if _before(c, r, current) else (r, current)
            if c[young] != c[s]:
                mark += 2
                dying_g = _image_death(
                    c, g, born_g, stats, 1, parent, current, r, s, offsets, stamp, mark, queue
                )
                dying_f = -1
                if dying_g >= 0:  # the pair is matched only if both images die at a birth
                    mark += 2
                    dying_f = _image_death(
                        c, f, born_f, stats, 0, parent, current, r, s, offsets, stamp, mark, queue
                    )
                out[n_out, 0] = young
                out[n_out, 1] = s
                out[n_out, 2] = dying_f
                out[n_out, 3] = dying_g
                n_out += 1
            parent[young] = old
            _keep_eldest(stats, value, old, 0, stats[young, 0], value[young, 0])
            _keep_eldest(stats, value, old, 1, stats[young, 1], value[young, 1])
            for k in range(2, 4):
                if stats[young, k] >= 0:
                    _keep_first(c, stats[old], k, stats[young, k])
            current = old
    return n_out


_FACE_BITS_2D = (1 << 1, 1 << 7, 1 << 5, 1 << 3)  # ring bits: up, left, down, right
_FACE_BITS_3D = tuple(1 << b for b in (4, 10, 12, 22, 16, 14))  # z-, y-, x-, z+, y+, x+


def _faces(padded: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Offsets and mask bits of the face neighbours in the order of the slots of the edges
    whose top vertex is the pixel: bases ascending (the neighbours before it, farthest axis
    first), then the edges based at the pixel by axis."""
    strides = np.cumprod((1,) + padded[::-1][:-1])[::-1].astype(np.int64)
    offsets = np.concatenate([-strides, strides])
    bits = np.array(_FACE_BITS_2D if len(padded) == 2 else _FACE_BITS_3D, dtype=np.int64)
    return offsets, bits


@dataclass
class Basins:
    """One image, padded with a frame of ``+inf`` and flattened, split into basins.

    ``down`` and ``up`` are the descending and ascending pointers of :mod:`._basins` (union-find
    forests, the frame one ascending basin rooted at cell 0); each is consumed by one pass
    (``down`` of ``f`` and ``g`` by :meth:`own_pairs`). ``saddles`` are the dim-0 saddle
    candidates sorted by ``(value, index)`` (in 2D also those of the complement). ``n_min``
    and ``n_max`` count the basins.
    """

    values: np.ndarray
    shape: tuple[int, ...]
    down: np.ndarray
    up: np.ndarray
    saddles: np.ndarray
    n_min: int
    n_max: int
    _pairs: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def own_pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Dimension-0 pairs of nonzero persistence (births, deaths: padded indices) and, in
        2D, the saddle candidates that create loops, in order; computed once by the engine's
        merge (``down`` is consumed)."""
        if self._pairs is None:
            neighbours = _neighbours(tuple(s + 2 for s in self.shape), False)
            reps = REPS4 if len(self.shape) == 2 else _NO_REPS
            pairs = _merge(self.values, self.saddles, neighbours, self.down, False, self.n_min, reps)
            self._pairs = tuple(a.copy() for a in pairs)  # the engine's arrays are scratch
        return self._pairs

    @classmethod
    def of(cls, image: np.ndarray) -> Basins:
        """The basins of ``image`` (2D or 3D, sublevel filtration)."""
        values = np.pad(image.astype(np.float64), 1, constant_values=np.inf).ravel()
        n = values.shape[0]
        down = np.empty(n, dtype=np.int32)
        up = np.zeros(n, dtype=np.int32)
        saddles = np.empty(n, dtype=np.int64)
        if image.ndim == 2:
            count, n_min, n_max = classify_2d(values, *image.shape, False, down, up, saddles)
        else:
            dual = np.empty(n, dtype=np.int64)  # the complement's candidates: not needed
            count, _, n_min, n_max = classify_3d(
                values, *image.shape, False, down, up, saddles, dual
            )
        saddles = saddles[:count]
        saddles = saddles[filtration_order(values[saddles >> 27])]
        return cls(values, image.shape, down, up, saddles, n_min, n_max)


def low_matching(f: Basins, g: Basins, c: Basins) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dimension-0 Betti matching of the sublevel filtrations ``f`` and ``g`` (same shape,
    2D or 3D, V-construction; ``c`` their minimum; their descending forests are consumed):
    the pairs of ``f`` and of ``g`` as ``(birth, death)`` flat indices into the padded
    images, and the ``(m, 2)`` rows of matched pairs (indices into each)."""
    padded = tuple(s + 2 for s in f.shape)
    fp, gp, cp = f.values, g.values, c.values
    n = fp.shape[0]
    born = []
    own = []
    for image in (f, g):
        births, deaths, _ = image.own_pairs()
        flags = np.zeros(n, dtype=np.bool_)
        flags[births] = True
        born.append(flags)
        own.append((births, deaths))
    candidate = np.zeros(n, dtype=np.bool_)
    candidate[c.saddles >> 27] = True
    stats = np.empty((n, 4), dtype=np.int64)
    value = np.empty((n, 2), dtype=np.float64)
    basin_stats(cp, fp, gp, born[0], born[1], c.down, candidate, stats, value)
    offsets, bits = _faces(padded)
    out = np.empty((c.n_min, 4), dtype=np.int64)
    count = image_merge(
        cp, fp, gp, born[0], born[1], c.saddles, offsets, bits, c.down, stats, value,
        np.zeros(n, dtype=np.int64), np.empty(n, dtype=np.int64), out,
    )
    out = out[:count]
    out = out[(out[:, 2] >= 0) & (out[:, 3] >= 0)]
    index = []
    pairs = []
    for births, deaths in own:
        of_birth = np.full(n, -1, dtype=np.int64)
        of_birth[births] = np.arange(births.shape[0])
        index.append(of_birth)
        pairs.append(np.stack([births, deaths], axis=1))
    matches = np.stack([index[0][out[:, 2]], index[1][out[:, 3]]], axis=1)
    return pairs[0], pairs[1], matches
