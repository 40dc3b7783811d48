"""Kernels of the Betti matching of volumes: union-finds and reductions over the cells of the
V-construction (dimension 0, and dimension 1 of 2D images, go through basins instead:
:mod:`._matching_basins`, :mod:`._matching_dual`).

Every pass visits pixels in a filtration order and, at each pixel ``p``, the cells whose top
vertex is ``p`` in the order of their slots (:mod:`._matching_cells`). Vertices are keyed by
their rank; a top cell (a cube) by ``rank(top vertex) * n_slots + slot``; an edge row of the
reduction likewise. Pairs of equal values (zero persistence) are never reported, but their
cells still take part in the union-finds and the clearing.

* Dimension 2: union-find over cubes and the outside (the eldest), the squares in decreasing
  order (Alexander duality).
* Image pairs of ``f -> c`` (``c <= f``): the same union-find, linked by the squares of ``f``
  and keyed by ``c`` (the components of the complement of ``f`` keyed by ``c``).
* Dimension 1 of volumes beyond the persistence engine's keys (the others go through
  :mod:`._reduction` and :mod:`._matching_image`): reduction of the boundaries of every square
  (columns in the order of one filtration, rows in the order of another), with clearing of the
  squares that create cavities.
"""

from __future__ import annotations

import numpy as np

from toposeg._numba import inline_kernel, kernel, prefetch

_NONE = -1
_AHEAD = 8  # pixels ahead whose data is asked for in advance


@kernel
def fill_slot_masks(rank, required, base_delta, missing, masks):
    """The bits of :func:`._matching_cells.slot_masks` for the ``(depth, height, width)`` grid
    of ranks ``rank``. A pixel's neighbours of lower rank are first gathered as bits of the
    3x3x3 cube (bit ``9 (dz + 1) + 3 (dy + 1) + dx + 1``); the cell of slot ``s`` exists and
    has the pixel as top vertex when the bits ``required[s]`` (its other vertices) are all
    set. Where ``missing[s] >= 0`` (cells of dimension ``ndim - 1``), bits ``L + s`` and
    ``2 L + s`` say that the top cell before and after it along that axis exists, its base
    being at ``-base_delta[s]`` from the pixel."""
    depth, height, width = rank.shape
    n_slots = required.shape[0]
    one = np.uint64(1)
    for z in range(depth):
        z0 = -1 if z > 0 else 0
        z1 = 1 if z < depth - 1 else 0
        for y in range(height):
            y0 = -1 if y > 0 else 0
            y1 = 1 if y < height - 1 else 0
            for x in range(width):
                x0 = -1 if x > 0 else 0
                x1 = 1 if x < width - 1 else 0
                r = rank[z, y, x]
                low = np.int64(0)
                for dz in range(z0, z1 + 1):
                    for dy in range(y0, y1 + 1):
                        for dx in range(x0, x1 + 1):
                            if rank[z + dz, y + dy, x + dx] < r:
                                low |= np.int64(1) << np.int64(9 * dz + 3 * dy + dx + 13)
                bits = np.uint64(0)
                for s in range(n_slots):
                    if low & required[s] != required[s]:
                        continue
                    bits |= one << np.uint64(s)
                    m = missing[s]
                    if m >= 0:
                        b = (z if m == 0 else (y if m == 1 else x)) - base_delta[s, m]
                        size = depth if m == 0 else (height if m == 1 else width)
                        if b >= 1:
                            bits |= one << np.uint64(n_slots + s)
                        if b <= size - 2:
                            bits |= one << np.uint64(2 * n_slots + s)
                masks[(z * height + y) * width + x] = bits


@kernel
def top_cell_keys(rank, depth, height, width, corners, slot_of_delta, n_slots, keys, tops):
    """Key and top vertex of every top cell (indexed by the flat index of its base); cells
    that do not exist keep key -1. ``slot_of_delta[4 dz + 2 dy + dx]`` is the slot of the
    top vertex at ``(dz, dy, dx)`` from the base."""
    keys[:] = -1
    n_corners = corners.shape[1]
    steps = np.empty(n_corners, dtype=np.int64)
    codes = np.empty(n_corners, dtype=np.int64)
    for c in range(n_corners):
        dz, dy, dx = corners[0, c, 0], corners[0, c, 1], corners[0, c, 2]
        steps[c] = (dz * height + dy) * width + dx
        codes[c] = 4 * dz + 2 * dy + dx
    dz = 1 if corners[0, :, 0].max() > 0 else 0
    for z in range(depth - dz):
        for y in range(height - 1):
            row = (z * height + y) * width
            for x in range(width - 1):
                base = row + x
                best = 0
                best_rank = rank[base]
                for c in range(1, n_corners):
                    r = rank[base + steps[c]]
                    if r > best_rank:
                        best_rank = r
                        best = c
                keys[base] = best_rank * n_slots + slot_of_delta[codes[best]]
                tops[base] = base + steps[best]


@inline_kernel
def _prefetch_around(mask, rows, width, q, offsets, n_columns, n):
    """Ask in advance for the mask of pixel ``q`` and the union-find rows (``width`` int64 each,
    flattened in ``rows``) at ``q + offsets[s, c]`` for every slot ``s`` and ``c < n_columns``
    (clamped to ``0 .. n - 1``)."""
    prefetch(mask, q)
    for s in range(offsets.shape[0]):
        for c in range(n_columns):
            x = min(max(q + offsets[s, c], 0), n - 1)
            prefetch(rows, width * x)


@inline_kernel
def _root2(forest, x):
    while forest[x, 0] != x:
        forest[x, 0] = forest[forest[x, 0], 0]
        x = forest[x, 0]
    return x


@inline_kernel
def _cofaces(p, s, bits, offsets, n_slots, frame):
    """The top cells before and after the cell in slot ``s`` of ``p`` (``frame`` outside)."""
    before = p + offsets[s, 1] if (bits >> np.uint64(n_slots + s)) & 1 else frame
    after = p + offsets[s, 0] if (bits >> np.uint64(2 * n_slots + s)) & 1 else frame
    return before, after


@kernel
def top_pairs(
    values, order, mask, offsets, keys, tops, keys_c, n_types, kind, image_of_cell, merged
):
    """Top-dimensional pairs of one filtration ``f`` (``(birth pixel, death pixel)`` rows) and
    its image pairs into ``c``: ``image_of_cell[s]`` is the pair of ``f`` whose image dies at
    the top cell ``s`` of ``c`` (-1 if none). ``merged`` marks the cells that join two
    components of the complement (they create a class: clearing for the 3D reduction). The
    image union-find shares the components of ``f``'s: each root also keeps the key in ``c``
    and the index of the component's eldest top cell for ``c``."""
    n = order.shape[0]
    n_slots = offsets.shape[0]
    frame = keys.shape[0] - 1
    # parent, eldest key in c, its cell, key in f
    forest = np.empty((frame + 1, 4), dtype=np.int64)
    forest[:, 0] = np.arange(frame + 1)
    forest[:, 1] = keys_c
    forest[:, 2] = np.arange(frame + 1)
    forest[:, 3] = keys
    rows = forest.reshape(-1)
    pairs = np.empty((n, 2), dtype=np.int64)
    count = 0
    image_of_cell[:] = _NONE
    merged[:] = False
    for i in range(n - 1, -1, -1):
        if i >= _AHEAD:
            _prefetch_around(mask, rows, 4, order[i - _AHEAD], offsets, 2, frame)
        p = order[i]
        bits = mask[p]
        for s in range(n_slots - 1, -1, -1):
            if not (bits >> np.uint64(s)) & 1:
                continue
            u, w = _cofaces(p, s, bits, offsets, n_slots, frame)
            a = _root2(forest, u)
            b = _root2(forest, w)
            if a == b:
                continue
            merged[(p + offsets[s, 0]) * n_types + kind[s]] = True
            young, old = (a, b) if forest[a, 3] < forest[b, 3] else (b, a)
            forest[young, 0] = old
            young_c = forest[a, 2] if forest[a, 1] < forest[b, 1] else forest[b, 2]
            if forest[a, 1] < forest[b, 1]:
                forest[old, 1] = forest[b, 1]
                forest[old, 2] = forest[b, 2]
            else:
                forest[old, 1] = forest[a, 1]
                forest[old, 2] = forest[a, 2]
            death = tops[young]
            if values[p] != values[death]:
                pairs[count, 0] = p
                pairs[count, 1] = death
                image_of_cell[young_c] = count
                count += 1
    return pairs[:count].copy()


@kernel
def top_matches(
    values_c, order_c, mask, offsets, keys_c, tops_c, image_f, image_g, n_types, kind, merged
):
    """Top-dimensional Betti matching: ``(pair of f, pair of g)`` rows, from the complement of
    ``c``; ``merged`` as in :func:`top_pairs`."""
    n = order_c.shape[0]
    n_slots = offsets.shape[0]
    frame = keys_c.shape[0] - 1
    forest = np.empty((frame + 1, 2), dtype=np.int64)  # parent, key
    forest[:, 0] = np.arange(frame + 1)
    forest[:, 1] = keys_c
    rows = forest.reshape(-1)
    matches = np.empty((n, 2), dtype=np.int64)
    count = 0
    merged[:] = False
    for i in range(n - 1, -1, -1):
        if i >= _AHEAD:
            _prefetch_around(mask, rows, 2, order_c[i - _AHEAD], offsets, 2, frame)
        p = order_c[i]
        bits = mask[p]
        for s in range(n_slots - 1, -1, -1):
            if not (bits >> np.uint64(s)) & 1:
                continue
            u, w = _cofaces(p, s, bits, offsets, n_slots, frame)
            a = _root2(forest, u)
            b = _root2(forest, w)
            if a == b:
                continue
            merged[(p + offsets[s, 0]) * n_types + kind[s]] = True
            young = a if forest[a, 1] < forest[b, 1] else b
            forest[young, 0] = b if young == a else a
            if values_c[p] != values_c[tops_c[young]]:
                pf = image_f[young]
                pg = image_g[young]
                if pf >= 0 and pg >= 0:
                    matches[count, 0] = pf
                    matches[count, 1] = pg
                    count += 1
    return matches[:count].copy()


@inline_kernel
def _edge_key(u, w, rank, edge_slot, axis_type, n_edge_slots):
    """Row key of the edge ``u -> w = u + e_axis`` in the order of ``rank``."""
    if rank[w] > rank[u]:
        return rank[w] * n_edge_slots + edge_slot[axis_type, 1]
    return rank[u] * n_edge_slots + edge_slot[axis_type, 0]


@kernel
def reduce_squares(order_col, mask, offsets, cleared, rank_row, height, width,
                   kind, axes, edge_slot, n_edge_slots, pivot_of_square, column_of_pivot):
    """Reduce the boundaries of the squares of a 3D grid: columns in the order ``order_col``
    (squares marked in ``cleared`` skipped; ``mask`` and ``offsets`` from
    :func:`._matching_cells.slot_masks` and :func:`._matching_cells.slot_offsets`),
    rows (edges) in the order of ``rank_row``. Returns ``(square cell id, pivot row key, top
    pixel of the square)`` rows and fills ``pivot_of_square`` (-1 where a square has no pivot).

    ``column_of_pivot`` (one entry per row key) is scratch space: for each pivot, where its
    column starts in the pool of reduced columns (its length first, then its rows), so that an
    addition reads one place. An int32 scratch array makes the lookups cheaper; OverflowError
    if the pool outgrows it."""
    n = order_col.shape[0]
    column_of_pivot[:] = -1
    limit = np.iinfo(column_of_pivot.dtype).max
    pool = np.empty(1024, dtype=np.int64)
    used = 0
    work = np.empty(64, dtype=np.int64)
    spare = np.empty(64, dtype=np.int64)
    out = np.empty((1024, 3), dtype=np.int64)
    count = 0
    pivot_of_square[:] = _NONE
    strides = np.array([height * width, width, 1], dtype=np.int64)
    n_cells = cleared.shape[0]
    for i in range(n):
        if i + 2 * _AHEAD < n:
            prefetch(mask, order_col[i + 2 * _AHEAD])
        if i + _AHEAD < n:  # its mask is in the cache by now: ask for its squares' data
            q = order_col[i + _AHEAD]
            ahead = mask[q]
            for s in range(offsets.shape[0]):
                if (ahead >> np.uint64(s)) & 1:
                    base = q + offsets[s, 0]
                    prefetch(cleared, min(base * 3 + kind[s], n_cells - 1))
                    prefetch(rank_row, base)
                    prefetch(rank_row, min(base + height * width + width, n - 1))
        p = order_col[i]
        bits = mask[p]
        for s in range(offsets.shape[0]):
            if not (bits >> np.uint64(s)) & 1:
                continue
            base = p + offsets[s, 0]
            t = kind[s]
            cell = base * 3 + t
            if cleared[cell]:
                continue
            # the four edges of the square spanning axes i < j
            ai = -1
            aj = -1
            for a in range(3):
                if axes[t, a] == 1:
                    if ai < 0:
                        ai = a
                    else:
                        aj = a
            length = 0
            for e in range(4):
                axis = ai if e < 2 else aj
                other = aj if e < 2 else ai
                u = base + (strides[other] if e % 2 == 1 else 0)
                w = u + strides[axis]
                work[length] = _edge_key(u, w, rank_row, edge_slot, axis, n_edge_slots)
                length += 1
            for a in range(1, 4):  # descending order, in place
                key = work[a]
                b = a - 1
                while b >= 0 and work[b] < key:
                    work[b + 1] = work[b]
                    b -= 1
                work[b + 1] = key
            while length > 0:
                column = np.int64(column_of_pivot[work[0]])
                if column < 0:
                    break
                lo = column + 1
                hi = lo + pool[column]
                needed = length + hi - lo
                if spare.shape[0] < needed:
                    spare = np.empty(2 * needed, dtype=np.int64)
                # symmetric difference of two descending lists
                a = 0
                b = lo
                k = 0
                while a < length and b < hi:
                    if work[a] > pool[b]:
                        spare[k] = work[a]
                        a += 1
                        k += 1
                    elif work[a] < pool[b]:
                        spare[k] = pool[b]
                        b += 1
                        k += 1
                    else:
                        a += 1
                        b += 1
                while a < length:
                    spare[k] = work[a]
                    a += 1
                    k += 1
                while b < hi:
                    spare[k] = pool[b]
                    b += 1
                    k += 1
                work, spare = spare, work
                length = k
            if length == 0:
                continue
            if used + length + 1 > limit:
                raise OverflowError("the reduced columns outgrow column_of_pivot's type")
            if used + length + 1 > pool.shape[0]:
                bigger = np.empty(2 * (used + length + 1), dtype=np.int64)
                bigger[:used] = pool[:used]
                pool = bigger
            column_of_pivot[work[0]] = used
            pool[used] = length
            pool[used + 1 : used + 1 + length] = work[:length]
            used += length + 1
            if count == out.shape[0]:
                bigger2 = np.empty((2 * count, 3), dtype=np.int64)
                bigger2[:count] = out[:count]
                out = bigger2
            out[count, 0] = cell
            out[count, 1] = work[0]
            out[count, 2] = p
            pivot_of_square[cell] = work[0]
            count += 1
    return out[:count].copy()
