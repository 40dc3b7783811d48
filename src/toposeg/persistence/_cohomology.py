"""Dimension 1 of a 3D V-construction: persistent cohomology with clearing and apparent pairs.

The cells of the cubical complex are keyed by their position in a total filtration order:
``key = 32 * rank(v) + sec`` where ``v`` is the cell's vertex of highest rank (the cell enters
with it) and ``sec`` orders the cells entering with ``v`` by dimension, then by direction. This
refines the lower-star filtration, so faces always precede cofaces.

Columns are the edges that do not kill a component (*clearing*: the negative edges are known
from the dim-0 pass), reduced in decreasing key order over their coboundaries (squares); the
pivot of a column is its oldest square. An edge ``e`` whose oldest cofacet ``s`` has ``e`` as its
youngest facet forms an *apparent pair* and needs no reduction; most pairs are apparent. The
other columns are reduced with a binary heap in which equal entries cancel (Z/2 coefficients),
and each reduced column is stored for later additions.

Cells are named by ``3 * anchor + axis``: an edge by its lower end and its direction, a square
by its lowest corner and its normal direction. Vertices in the one-voxel frame of the padded
volume have rank ``-1``; cells touching them do not exist.
"""

from __future__ import annotations

import numpy as np

from toposeg._numba import kernel

# sec of the cell spanned from its top vertex towards the 27-cube offset bit b: vertex 0, then
# edges, squares and cubes, each by increasing bit.
_ORDER = sorted(
    range(27), key=lambda b: (abs(b // 9 - 1) + abs((b // 3) % 3 - 1) + abs(b % 3 - 1), b)
)
SEC = np.zeros(27, dtype=np.int64)
for _position, _bit in enumerate(_ORDER):
    SEC[_bit] = _position
del _position, _bit


@kernel
def _edge_key(rank, sec, a, axis, step, unit):
    """Key of the edge from ``a`` along ``axis``; -1 if it touches the frame."""
    ra = rank[a]
    rb = rank[a + step[axis]]
    if ra < 0 or rb < 0:
        return -1
    if rb > ra:
        return rb * 32 + sec[13 - unit[axis]]
    return ra * 32 + sec[13 + unit[axis]]


@kernel
def _square_key(rank, sec, a, normal, step, unit):
    """Key of the square at corner ``a`` spanning the two axes other than ``normal``."""
    i = 1 if normal == 0 else 0
    j = 1 if normal == 2 else 2
    r00 = rank[a]
    r10 = rank[a + step[i]]
    r01 = rank[a + step[j]]
    r11 = rank[a + step[i] + step[j]]
    if r00 < 0 or r10 < 0 or r01 < 0 or r11 < 0:
        return -1
    top = r00
    bit = 13 + unit[i] + unit[j]
    if r10 > top:
        top = r10
        bit = 13 - unit[i] + unit[j]
    if r01 > top:
        top = r01
        bit = 13 + unit[i] - unit[j]
    if r11 > top:
        top = r11
        bit = 13 - unit[i] - unit[j]
    return top * 32 + sec[bit]


@kernel
def _cofacets(rank, sec, e, step, unit, keys, ids):
    """Squares containing edge ``e``: write keys and ids, return how many exist."""
    a = e // 3
    axis = e % 3
    n = 0
    for other in range(3):
        if other == axis:
            continue
        normal = 3 - axis - other
        for anchor in (a, a - step[other]):
            key = _square_key(rank, sec, anchor, normal, step, unit)
            if key >= 0:
                keys[n] = key
                ids[n] = anchor * 3 + normal
                n += 1
    return n


@kernel
def _youngest_facet(rank, sec, s, step, unit):
    """Id of the edge of square ``s`` with the largest key."""
    a = s // 3
    normal = s % 3
    i = 1 if normal == 0 else 0
    j = 1 if normal == 2 else 2
    best = -1
    best_key = -1
    for anchor, axis in ((a, i), (a + step[j], i), (a, j), (a + step[i], j)):
        key = _edge_key(rank, sec, anchor, axis, step, unit)
        if key > best_key:
            best_key = key
            best = anchor * 3 + axis
    return best


@kernel
def mark_first_edges(rank, depth, height, width, step, negative):
    """Mark, for every vertex with a lower face neighbour, its first lower edge as negative.

    That edge joins the vertex to the component below it, killing the vertex's own class.
    """
    sy = width + 2
    sz = (height + 2) * sy
    # face neighbours in increasing bit order: -z, -y, -x, +x, +y, +z
    for z in range(1, depth + 1):
        for y in range(1, height + 1):
            for x in range(1, width + 1):
                p = z * sz + y * sy + x
                r = rank[p]
                for direction in range(6):
                    axis = direction if direction < 3 else 5 - direction
                    q = p - step[axis] if direction < 3 else p + step[axis]
                    rq = rank[q]
                    if 0 <= rq < r:
                        negative[min(p, q) * 3 + axis] = True
                        break


@kernel
def _heap_push(keys, ids, size, key, cell):
    i = size
    keys[i] = key
    ids[i] = cell
    while i > 0:
        parent = (i - 1) // 2
        if keys[parent] <= keys[i]:
            break
        keys[parent], keys[i] = keys[i], keys[parent]
        ids[parent], ids[i] = ids[i], ids[parent]
        i = parent
    return size + 1


@kernel
def _heap_pop(keys, ids, size):
    """Remove the minimum (the caller reads it at index 0 first); return the new size."""
    size -= 1
    keys[0] = keys[size]
    ids[0] = ids[size]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= size:
            break
        child = left
        if left + 1 < size and keys[left + 1] < keys[left]:
            child = left + 1
        if keys[i] <= keys[child]:
            break
        keys[child], keys[i] = keys[i], keys[child]
        ids[child], ids[i] = ids[i], ids[child]
        i = child
    return size


@kernel
def _heap_pivot(keys, ids, size):
    """Cancel equal entries at the top; return ``(size, key, id)`` of the minimum or -1s."""
    while size > 0:
        key = keys[0]
        cell = ids[0]
        size = _heap_pop(keys, ids, size)
        if size > 0 and keys[0] == key:
            size = _heap_pop(keys, ids, size)
            continue
        size = _heap_push(keys, ids, size, key, cell)
        return size, key, cell
    return 0, -1, -1


@kernel
def _grow(array, needed):
    if needed <= array.shape[0]:
        return array
    bigger = np.empty(max(needed, 2 * array.shape[0]), dtype=array.dtype)
    bigger[: array.shape[0]] = array
    return bigger


@kernel
def reduce_dim1(rank, depth, height, width, negative):
    """Dimension-1 pairs of the V-construction of a padded volume with vertex ranks ``rank``.

    Returns ``(births, deaths)``: the keys of the paired edges and squares, one entry per pair
    (zero persistence included; the caller maps keys to vertices and values).
    """
    sy = width + 2
    sz = (height + 2) * sy
    step = np.array([sz, sy, 1], dtype=np.int64)
    unit = np.array([9, 3, 1], dtype=np.int64)
    sec = SEC.copy()
    n_cells = rank.shape[0] * 3
    pivot_of = np.full(n_cells, -1, dtype=np.int64)
    cof_keys = np.empty(4, dtype=np.int64)
    cof_ids = np.empty(4, dtype=np.int64)

    births = np.empty(1024, dtype=np.int64)
    deaths = np.empty(1024, dtype=np.int64)
    n_pairs = 0
    work = np.empty(1024, dtype=np.int64)
    work_keys = np.empty(1024, dtype=np.int64)
    n_work = 0

    # Apparent pairs, in memory order.
    for z in range(1, depth + 1):
        for y in range(1, height + 1):
            for x in range(1, width + 1):
                a = z * sz + y * sy + x
                for axis in range(3):
                    e = a * 3 + axis
                    if negative[e]:
                        continue
                    key = _edge_key(rank, sec, a, axis, step, unit)
                    if key < 0:
                        continue
                    n = _cofacets(rank, sec, e, step, unit, cof_keys, cof_ids)
                    oldest = -1
                    oldest_key = -1
                    for k in range(n):
                        if oldest < 0 or cof_keys[k] < oldest_key:
                            oldest = cof_ids[k]
                            oldest_key = cof_keys[k]
                    if oldest >= 0 and _youngest_facet(rank, sec, oldest, step, unit) == e:
                        pivot_of[oldest] = -2 - e
                        if n_pairs == births.shape[0]:
                            births = _grow(births, n_pairs + 1)
                            deaths = _grow(deaths, n_pairs + 1)
                        births[n_pairs] = key
                        deaths[n_pairs] = oldest_key
                        n_pairs += 1
                    else:
                        if n_work == work.shape[0]:
                            work = _grow(work, n_work + 1)
                            work_keys = _grow(work_keys, n_work + 1)
                        work[n_work] = e
                        work_keys[n_work] = key
                        n_work += 1

    # The other columns, youngest first.
    order = np.argsort(work_keys[:n_work])[::-1]
    heap_keys = np.empty(64, dtype=np.int64)
    heap_ids = np.empty(64, dtype=np.int64)
    store_keys = np.empty(1024, dtype=np.int64)
    store_ids = np.empty(1024, dtype=np.int64)
    store_start = np.empty(max(n_work, 1) + 1, dtype=np.int64)
    store_start[0] = 0
    n_stored = 0
    for w in order:
        e = work[w]
        size = 0
        n = _cofacets(rank, sec, e, step, unit, cof_keys, cof_ids)
        for k in range(n):
            size = _heap_push(heap_keys, heap_ids, size, cof_keys[k], cof_ids[k])
        while True:
            size, pivot_key, pivot = _heap_pivot(heap_keys, heap_ids, size)
            if pivot < 0:
                break  # the column reduced to zero: an essential class (none in a full grid)
            column = pivot_of[pivot]
            if column == -1:
                pivot_of[pivot] = n_stored
                start = store_start[n_stored]
                store_keys = _grow(store_keys, start + size)
                store_ids = _grow(store_ids, start + size)
                end = start
                while size > 0:
                    size, k_top, id_top = _heap_pivot(heap_keys, heap_ids, size)
                    if id_top < 0:
                        break
                    store_keys[end] = k_top
                    store_ids[end] = id_top
                    end += 1
                    size = _heap_pop(heap_keys, heap_ids, size)
                n_stored += 1
                store_start[n_stored] = end
                if n_pairs == births.shape[0]:
                    births = _grow(births, n_pairs + 1)
                    deaths = _grow(deaths, n_pairs + 1)
                births[n_pairs] = work_keys[w]
                deaths[n_pairs] = pivot_key
                n_pairs += 1
                break
            if column <= -2:
                n = _cofacets(rank, sec, -2 - column, step, unit, cof_keys, cof_ids)
                heap_keys = _grow(heap_keys, size + n)
                heap_ids = _grow(heap_ids, size + n)
                for k in range(n):
                    size = _heap_push(heap_keys, heap_ids, size, cof_keys[k], cof_ids[k])
            else:
                start = store_start[column]
                end = store_start[column + 1]
                heap_keys = _grow(heap_keys, size + end - start)
                heap_ids = _grow(heap_ids, size + end - start)
                for k in range(start, end):
                    size = _heap_push(heap_keys, heap_ids, size, store_keys[k], store_ids[k])
    return births[:n_pairs].copy(), deaths[:n_pairs].copy()
