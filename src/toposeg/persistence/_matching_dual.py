"""Betti matching of dimension 1 of a 2D image from dual basins, by Alexander duality.

The pairs of dimension 1 are those of the components of the complement, taken in decreasing
order: squares (top cells) are linked by the edges they share, the outside is the eldest.
A pass over one filtration ``v`` (``f`` or ``g``) splits the pixels into ascending basins, as
the persistence engine does (:mod:`._basins`); the squares whose top vertex is a pixel belong
to that pixel's basin (the squares around a pixel above the current value are connected to
each other). Components merge only at saddle candidates that create loops (the squares of
the other pixels join their basins); at such a candidate ``s`` the four squares around it are
linked by the edges whose top vertex is ``s``, in decreasing order of their slots (right,
down, left, up), so that each merge happens at the same edge as in a pass over every cell. A
square whose top vertex is ``s`` joins a component only then.

The image pair of ``v -> c`` born at a merge dies at the younger, for ``c``, of the two
components' eldest squares (the largest ``c`` key, ``(value, top vertex, base)``). Each root
keeps the eldest square for ``c`` over all squares of its basins; when that square is already
linked in (its top vertex comes after ``s`` in ``v``) it is the answer. Otherwise every square
of the component has a ``c`` key below ``s`` (``c <= v``), and the answer is needed only if the
component holds a linked square that is the death of a pair of ``c`` (each root also keeps the
latest such square in ``v``): then the component is flooded. A square is identified by its
base, its top-left corner in the padded grid.
"""

from __future__ import annotations

import numpy as np

from toposeg._cubical.merge import find
from toposeg._neighbourhood import REPS8
from toposeg._numba import inline_kernel, kernel, prefetch
from toposeg.persistence._engine import _merge, _neighbours
from toposeg.persistence._matching_basins import Basins, compress_paths

_AHEAD = 8  # saddles between a prefetch and its use


@inline_kernel
def _after(v, a, b):
    """Whether pixel ``a`` comes after pixel ``b`` in the order ``(v, index)``."""
    return v[a] > v[b] or (v[a] == v[b] and a > b)


@inline_kernel
def _square_after(v, top, a, b):
    """Whether square ``a`` comes after square ``b`` for ``v`` (``top`` their top vertices)."""
    ta = top[a]
    tb = top[b]
    return v[ta] > v[tb] or (v[ta] == v[tb] and (ta > tb or (ta == tb and a > b)))


@kernel
def square_tops(v, height, width, top):
    """Top vertex for ``v`` of every square (indexed by base) of a padded ``height x width``
    grid: the later of the later corners of its two rows; -1 on the last row and column."""
    top[:] = -1
    for y in range(height - 1):
        row = y * width
        for x in range(width - 1):
            b = row + x
            # ties go to the larger index: the right column, the lower row
            upper = b + 1 if v[b + 1] >= v[b] else b
            lower = b + width + 1 if v[b + width + 1] >= v[b + width] else b + width
            top[b] = lower if v[lower] >= v[upper] else upper


@inline_kernel
def _keep_latest(v, top, row, k, square):
    """``row[k] = square`` if ``square`` comes after ``row[k]`` for ``v`` (or it is unset)."""
    if row[k] < 0 or _square_after(v, top, square, row[k]):
        row[k] = square


@inline_kernel
def _keep_eldest(c, c_top, stats, value, r, square, x):
    """``square`` (of ``c`` value ``x``) joins the component of root ``r``: ``stats[r, 0]``
    is its eldest square for ``c`` and ``value[r]`` that square's value."""
    e = stats[r, 0]
    if e < 0 or x > value[r] or (
        x == value[r] and (c_top[square] > c_top[e] or (c_top[square] == c_top[e] and square > e))
    ):
        stats[r, 0] = square
        value[r] = x


@kernel
def dual_basin_stats(v, c, v_top, c_top, dies_c, parent, candidate, stats, value):
    """Fill ``stats`` (per root: the eldest square for ``c``, the latest square in ``v`` that
    is the death of a pair of ``c``) and ``value`` (the ``c`` value of the eldest) over the
    squares of every ascending basin of ``parent``, the squares whose top vertex is a saddle
    candidate left out. The paths of ``parent`` are compressed to their roots first."""
    stats[:] = -1
    n = v.shape[0]
    compress_paths(parent, v)
    current = -1
    best = -1
    best_value = -np.inf
    best_top = -1
    for square in range(n):  # bases ascending: of equal c keys' top vertices, the later wins
        t = v_top[square]
        if t < 0 or candidate[t]:
            continue
        r = parent[t]
        if r != current:
            if current >= 0:
                stats[current, 0] = best
                value[current] = best_value
            current = r
            best = stats[r, 0]
            best_value = value[r] if best >= 0 else -np.inf
            best_top = c_top[best] if best >= 0 else -1
        top = c_top[square]
        x = c[top]
        better = x > best_value or (x == best_value and top >= best_top) or best < 0
        best = square if better else best
        best_value = x if better else best_value
        best_top = top if better else best_top
        if dies_c[square]:
            _keep_latest(v, v_top, stats[r], 1, square)
    if current >= 0:
        stats[current, 0] = best
        value[current] = best_value


@kernel
def _flood_eldest(v, c, width, v_top, c_top, seeds, n_seeds, s, stamp, mark, queue):
    """Eldest square for ``c`` over the squares whose top vertex is a pixel after ``s`` in
    ``v`` and 8-connected to a seed through such pixels (-1 if none)."""
    tail = 0
    for i in range(n_seeds):
        if stamp[seeds[i]] != mark:
            stamp[seeds[i]] = mark
            queue[tail] = seeds[i]
            tail += 1
    head = 0
    best = -1
    while head < tail:
        p = queue[head]
        head += 1
        for square in (p - width - 1, p - width, p, p - 1):
            if v_top[square] == p and (best < 0 or _square_after(c, c_top, square, best)):
                best = square
        for dy in (-width, 0, width):
            for dx in (-1, 0, 1):
                w = p + dy + dx
                if stamp[w] != mark and _after(v, w, s):
                    stamp[w] = mark
                    queue[tail] = w
                    tail += 1
    return best


@inline_kernel
def _c_key_reaches(c, c_top, square, v, s):
    """Whether the ``c`` key of ``square`` is at least ``(v[s], s)`` (value, then top vertex)."""
    t = c_top[square]
    return c[t] > v[s] or (c[t] == v[s] and t >= s)


@inline_kernel
def _linked(v, v_top, square, s):
    """Whether ``square`` is linked in when the edges of ``s`` are taken."""
    t = v_top[square]
    return t == s or _after(v, t, s)


@inline_kernel
def _image_death(v, c, width, v_top, c_top, dies_c, stats, a, b, s, seeds_a, n_a, local_a,
                 seeds_b, n_b, local_b, stamp, mark, queue):
    """The square where the image class born at the merge of the components of roots ``a``
    and ``b`` at ``s`` dies, or -1 when it is not the death of a pair of ``c``. ``seeds_*``
    are pixels of each component next to ``s``, ``local_*`` the eldest for ``c`` of the
    squares of ``s`` already linked into it (-1 if none). The caller has checked that one of
    the components holds the death of a pair of ``c``."""
    qa = stats[a, 0]
    qb = stats[b, 0]
    in_a = _linked(v, v_top, qa, s)
    in_b = _linked(v, v_top, qb, s)
    dies_a = stats[a, 1] >= 0 and _linked(v, v_top, stats[a, 1], s)
    dies_b = stats[b, 1] >= 0 and _linked(v, v_top, stats[b, 1], s)
    if in_a and not in_b and _c_key_reaches(c, c_top, qa, v, s):
        if not dies_b:  # every square of b comes before qa in c: b's eldest dies
            return -1
    elif in_b and not in_a and _c_key_reaches(c, c_top, qb, v, s):
        if not dies_a:
            return -1
    elif not (dies_a or dies_b):
        return -1
    if not in_a:
        qa = _flood_eldest(v, c, width, v_top, c_top, seeds_a, n_a, s, stamp, mark, queue)
        if local_a >= 0 and (qa < 0 or _square_after(c, c_top, local_a, qa)):
            qa = local_a
    if not in_b:
        qb = _flood_eldest(v, c, width, v_top, c_top, seeds_b, n_b, s, stamp, mark + 1, queue)
        if local_b >= 0 and (qb < 0 or _square_after(c, c_top, local_b, qb)):
            qb = local_b
    dying = qb if _square_after(c, c_top, qa, qb) else qa
    return dying if dies_c[dying] else -1


@kernel
def dual_image_merge(v, c, width, v_top, c_top, dies_c, saddles, parent, stats, value, stamp, queue, out):
    """Link the squares of ``v`` at ``saddles`` (``(p << 27) | mask`` with the mask of the
    lower neighbours, sorted by ``(v, p)``, taken from the last) and record each pair of
    ``v`` of nonzero persistence: birth pixel, death pixel (the root of the dying component),
    and the square where its image class in ``c`` dies if that is the death of a pair of
    ``c`` (-1 otherwise). Returns the number of rows of ``out``."""
    # the squares around a pixel (NW, NE, SE, SW) and the edges of the pixel that link them,
    # in decreasing order of slots: right, down, left, up (ring bits 3, 5, 7, 1)
    quads = np.array([-width - 1, -width, 0, -1], dtype=np.int64)
    edge_bits = np.array([1 << 3, 1 << 5, 1 << 7, 1 << 1], dtype=np.int64)
    edge_ends = np.array([[1, 2], [3, 2], [0, 3], [0, 1]], dtype=np.int64)
    group = np.empty(4, dtype=np.int64)  # local union-find over the four squares
    root = np.empty(4, dtype=np.int64)  # global root of each local group, -1 if none
    eldest = np.empty(4, dtype=np.int64)  # eldest square for c of a group still local
    latest = np.empty(4, dtype=np.int64)  # latest square dying in c of a group still local
    seeds_a = np.empty(4, dtype=np.int64)
    seeds_b = np.empty(4, dtype=np.int64)
    n_out = 0
    mark = 0
    n_saddles = saddles.shape[0]
    stats_flat = stats.reshape(-1)
    for position in range(n_saddles - 1, -1, -1):
        # saddles are scattered: ask for their data early, and for that of the roots around
        # them (the paths are compressed) once their pointers have arrived
        if position >= _AHEAD:
            ahead = saddles[position - _AHEAD] >> 27
            for k in range(4):
                r_ahead = parent[v_top[ahead + quads[k]]]
                prefetch(parent, r_ahead)
                prefetch(v, r_ahead)
                prefetch(stats_flat, 2 * r_ahead)
                prefetch(value, r_ahead)
            prefetch(v, ahead)
        if position >= 2 * _AHEAD:
            ahead = saddles[position - 2 * _AHEAD] >> 27
            for k in range(4):
                prefetch(v_top, ahead + quads[k])
            for k in (-width, 0, width):
                prefetch(parent, ahead + k)
        entry = saddles[position]
        s = entry >> 27
        for i in range(4):
            square = s + quads[i]
            group[i] = i
            if v_top[square] == s:
                root[i] = -1
                eldest[i] = square
                latest[i] = square if dies_c[square] else -1
            else:
                root[i] = find(parent, v_top[square])
        for k in range(4):
            if not entry & edge_bits[k]:
                continue
            i = edge_ends[k, 0]
            while group[i] != i:
                i = group[i]
            j = edge_ends[k, 1]
            while group[j] != j:
                j = group[j]
            if i == j:
                continue
            if root[i] >= 0:
                root[i] = find(parent, root[i])
            if root[j] >= 0:
                root[j] = find(parent, root[j])
            if root[i] >= 0 and root[j] >= 0 and root[i] != root[j]:
                young, old = (root[i], root[j]) if _after(v, root[j], root[i]) else (root[j], root[i])
                if v[young] != v[s]:
                    dying = -1
                    if stats[young, 1] >= 0 or stats[old, 1] >= 0:
                        n_a = 0
                        n_b = 0
                        local_a = -1
                        local_b = -1
                        for m in range(4):  # seeds and linked squares of s of each side
                            g = m
                            while group[g] != g:
                                g = group[g]
                            if root[g] < 0:
                                continue  # a square of s not linked yet
                            side = find(parent, root[g])
                            square = s + quads[m]
                            if side != young and side != old:
                                continue
                            a_side = side == root[i]
                            if v_top[square] == s:
                                if a_side and (local_a < 0 or _square_after(c, c_top, square, local_a)):
                                    local_a = square
                                if not a_side and (local_b < 0 or _square_after(c, c_top, square, local_b)):
                                    local_b = square
                            elif a_side:
                                seeds_a[n_a] = v_top[square]
                                n_a += 1
                            else:
                                seeds_b[n_b] = v_top[square]
                                n_b += 1
                        mark += 2
                        dying = _image_death(
                            v, c, width, v_top, c_top, dies_c, stats, root[i], root[j], s,
                            seeds_a, n_a, local_a, seeds_b, n_b, local_b, stamp, mark, queue,
                        )
                    out[n_out, 0] = s
                    out[n_out, 1] = young
                    out[n_out, 2] = dying
                    n_out += 1
                parent[young] = old
                _keep_eldest(c, c_top, stats, value, old, stats[young, 0], value[young])
                if stats[young, 1] >= 0:
                    _keep_latest(v, v_top, stats[old], 1, stats[young, 1])
                group[j] = i
                root[i] = old
            elif root[i] >= 0 and root[j] >= 0:  # one component already
                group[j] = i
            elif root[i] >= 0 or root[j] >= 0:  # a local group joins a component
                if root[i] < 0:
                    i, j = j, i
                r = root[i]
                _keep_eldest(c, c_top, stats, value, r, eldest[j], c[c_top[eldest[j]]])
                if latest[j] >= 0:
                    _keep_latest(v, v_top, stats[r], 1, latest[j])
                group[j] = i
            else:  # two local groups
                if _square_after(c, c_top, eldest[j], eldest[i]):
                    eldest[i] = eldest[j]
                if latest[j] >= 0 and (latest[i] < 0 or _square_after(v, v_top, latest[j], latest[i])):
                    latest[i] = latest[j]
                group[j] = i
    return n_out


def top_matching_2d(f: Basins, g: Basins, c: Basins) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dimension-1 Betti matching of the sublevel filtrations of two 2D images ``f`` and ``g``
    (V-construction; ``c`` their minimum; their ascending forests are consumed): the pairs of
    ``f`` and of ``g`` as ``(birth, death)`` flat indices into the padded images, and the
    ``(m, 2)`` rows of matched pairs (indices into each)."""
    padded = tuple(s + 2 for s in f.shape)
    height, width = padded
    cp = c.values
    n = cp.shape[0]
    younger = _merge(cp, c.saddles[::-1], _neighbours(padded, True), c.up, True, c.n_max + 1, REPS8)[0]
    dies_c = np.zeros(n, dtype=np.bool_)
    dies_c[younger] = True  # the eldest square of a component rooted at r is based at r
    c_top = np.empty(n, dtype=np.int64)
    square_tops(cp, height, width, c_top)
    v_top = np.empty(n, dtype=np.int64)
    queue = np.empty(n, dtype=np.int64)
    results = []
    for image in (f, g):
        vp = image.values
        # only the candidates that create loops merge components of the complement; the
        # squares of the others join their basins like those of any other pixel
        saddles = image.own_pairs()[2]
        candidate = np.zeros(n, dtype=np.bool_)
        candidate[saddles >> 27] = True
        square_tops(vp, height, width, v_top)
        stats = np.empty((n, 2), dtype=np.int64)
        value = np.empty(n, dtype=np.float64)
        dual_basin_stats(vp, cp, v_top, c_top, dies_c, image.up, candidate, stats, value)
        out = np.empty((image.n_max + 1, 3), dtype=np.int64)
        stamp = np.zeros(n, dtype=np.int64)  # the floods' marks restart in each pass
        count = dual_image_merge(
            vp, cp, width, v_top, c_top, dies_c, saddles, image.up, stats, value,
            stamp, queue, out,
        )
        results.append(out[:count])
    rows_f, rows_g = results
    of_square = np.full(n, -1, dtype=np.int64)
    hit = rows_g[:, 2] >= 0
    of_square[rows_g[hit, 2]] = np.flatnonzero(hit)
    hit_f = np.flatnonzero(rows_f[:, 2] >= 0)
    partner = of_square[rows_f[hit_f, 2]]
    matches = np.stack([hit_f[partner >= 0], partner[partner >= 0]], axis=1)
    return rows_f[:, :2], rows_g[:, :2], matches
