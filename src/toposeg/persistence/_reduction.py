"""Dimension 1 of a 3D V-construction: a boundary-matrix reduction with clearing and apparent pairs.

The cells of the cubical complex are keyed by their position in a total filtration order:
``key = 32 * rank(v) + sec`` where ``v`` is the cell's vertex of highest rank (the cell enters
with it) and ``sec`` orders the cells entering with ``v`` by dimension, then by direction. This
refines the lower-star filtration, so faces always precede cofaces.

1. *Apparent pairs*: an edge ``e`` whose oldest cofacet ``s`` has ``e`` as its youngest facet is
   paired with ``s`` without any reduction; most pairs are apparent. Likewise a square whose
   oldest cofacet cube has it as its youngest facet is paired with that cube. An apparent pair
   has zero persistence (a cell's youngest facet contains the cell's top vertex), so it is only
   marked, never reported.
2. *Clearing*: a square creates a void (is paired with a cube) exactly when, in the complement
   grown in decreasing order, it joins two different components of cubes (or a cube and the
   outside). A union-find over cubes finds these squares, which are never reduced. An apparent
   square-cube pair joins a cube that is still alone, so it is linked before the others,
   which alone need sorting.
3. The boundaries of the remaining squares, all of which kill a loop, are reduced oldest first
   (pivot: youngest edge), adding earlier columns with the same pivot (Z/2 coefficients).
   Reduced columns are loops (curves, unlike the surface-like cocycles of a cohomology
   reduction), so they stay short; each is stored for later additions. The working column is
   a sorted array (where earlier reduced columns are merged) plus a max-heap (where apparent
   columns, three edges each, are pushed).

Cells are named by ``3 * anchor + axis``: an edge by its lower end and its direction, a square
by its lowest corner and its normal direction; a cube by its lowest corner. Vertices in the
one-voxel frame of the padded volume have rank ``-1``; cells touching them do not exist (key
``-1``). All keys are computed once, without branches, so the passes only look them up.
"""

from __future__ import annotations

import numpy as np

from toposeg._numba import kernel, leaf_kernel, prefetch
from toposeg._cubical.merge import find
from toposeg._cubical.scratch import scratch

# sec of the cell spanned from its top vertex towards the 27-cube offset bit b: vertex 0, then
# edges, squares and cubes, each by increasing bit.
_ORDER = sorted(
    range(27), key=lambda b: (abs(b // 9 - 1) + abs((b // 3) % 3 - 1) + abs(b % 3 - 1), b)
)
SEC = np.zeros(27, dtype=np.int64)
for _position, _bit in enumerate(_ORDER):
    SEC[_bit] = _position
del _position, _bit

_AHEAD = 8  # killing squares between the prefetch of their cells and their use


@kernel
def cell_keys(rank, depth, height, width, sec, edge_key, square_key, cube_key):
    """Write the keys of all edges, squares and cubes of the padded volume (``-1``: no such
    cell).

    One kind of cell at a time over a whole row, with unsigned indices (no wraparound of
    negative ones), so that every loop over a row is vectorised.
    """
    sy = width + 2
    sz = (height + 2) * sy
    step = (sz, sy, 1)
    unit = (9, 3, 1)
    three = np.uint64(3)
    edge_key[:] = -1
    square_key[:] = -1
    cube_key[:] = -1
    for z in range(1, depth + 1):
        for y in range(1, height + 1):
            row = np.uint64(z * sz + y * sy)
            for axis in range(3):
                # sec of the edge seen from its top vertex: at +axis, or at the anchor
                top_ahead = sec[13 - unit[axis]]
                top_here = sec[13 + unit[axis]]
                ahead = row + np.uint64(step[axis])
                for x in range(1, width + 1):
                    a = row + np.uint64(x)
                    r00 = rank[a]
                    r1 = rank[ahead + np.uint64(x)]
                    key = max(r00, r1) * 32 + (top_ahead if r1 > r00 else top_here)
                    edge_key[three * a + np.uint64(axis)] = key if r1 >= 0 else -1
            for normal in range(3):
                i = 1 if normal == 0 else 0
                j = 1 if normal == 2 else 2
                # sec of the square seen from its top vertex, at +i and/or +j or at the anchor
                top_ij = sec[13 - unit[i] - unit[j]]
                top_i = sec[13 - unit[i] + unit[j]]
                top_j = sec[13 + unit[i] - unit[j]]
                top_here = sec[13 + unit[i] + unit[j]]
                at_i = row + np.uint64(step[i])
                at_j = row + np.uint64(step[j])
                at_ij = row + np.uint64(step[i] + step[j])
                for x in range(1, width + 1):
                    a = row + np.uint64(x)
                    r00 = rank[a]
                    r10 = rank[at_i + np.uint64(x)]
                    r01 = rank[at_j + np.uint64(x)]
                    r11 = rank[at_ij + np.uint64(x)]
                    top = max(max(r00, r10), max(r01, r11))
                    in_i = (r10 == top) | (r11 == top)
                    in_j = (r01 == top) | (r11 == top)
                    sec_top = (top_ij if in_j else top_i) if in_i else (top_j if in_j else top_here)
                    key = top * 32 + sec_top
                    exists = min(r10, min(r01, r11)) >= 0
                    square_key[three * a + np.uint64(normal)] = key if exists else -1
            for x in range(1, width + 1):
                a = row + np.uint64(x)
                r00 = rank[a]
                r100 = rank[a + np.uint64(sz)]
                r010 = rank[a + np.uint64(sy)]
                r001 = rank[a + np.uint64(1)]
                r110 = rank[a + np.uint64(sz + sy)]
                r101 = rank[a + np.uint64(sz + 1)]
                r011 = rank[a + np.uint64(sy + 1)]
                r111 = rank[a + np.uint64(sz + sy + 1)]
                low = min(min(min(r100, r010), min(r001, r110)), min(min(r101, r011), r111))
                top = max(max(max(r00, r100), max(r010, r001)), max(max(r110, r101), max(r011, r111)))
                in_z = np.int64((r100 == top) | (r110 == top) | (r101 == top) | (r111 == top))
                in_y = np.int64((r010 == top) | (r110 == top) | (r011 == top) | (r111 == top))
                in_x = np.int64((r001 == top) | (r101 == top) | (r011 == top) | (r111 == top))
                bit = 13 + 9 * (1 - 2 * in_z) + 3 * (1 - 2 * in_y) + (1 - 2 * in_x)
                cube_key[a] = top * 32 + sec[bit] if low >= 0 else -1


@leaf_kernel
def square_facets(s, step, edge_key, entries, shift):
    """The four edges of square ``s`` as sorted entries ``(key << shift) | id`` in
    ``entries``."""
    a = s // 3
    normal = s % 3
    i = 1 if normal == 0 else 0
    j = 1 if normal == 2 else 2
    e0 = 3 * a + i
    e1 = 3 * (a + step[j]) + i
    e2 = 3 * a + j
    e3 = 3 * (a + step[i]) + j
    k0 = (np.int64(edge_key[e0]) << shift) | e0
    k1 = (np.int64(edge_key[e1]) << shift) | e1
    k2 = (np.int64(edge_key[e2]) << shift) | e2
    k3 = (np.int64(edge_key[e3]) << shift) | e3
    low01 = min(k0, k1)
    high01 = max(k0, k1)
    low23 = min(k2, k3)
    high23 = max(k2, k3)
    entries[0] = min(low01, low23)
    entries[3] = max(high01, high23)
    middle_a = max(low01, low23)
    middle_b = min(high01, high23)
    entries[1] = min(middle_a, middle_b)
    entries[2] = max(middle_a, middle_b)


@leaf_kernel
def _pop_pivot(column, length, heap, size):
    """Remove and return the largest entry of the Z/2 sum of ``column[:length]`` (sorted,
    without repeats) and ``heap[:size]`` (a max-heap), cancelling equal entries in pairs.
    Returns ``(length, size, entry)``, the entry -1 if the sum is zero."""
    while True:
        top = column[length - 1] if length > 0 else -1
        if size == 0:
            if length == 0:
                return 0, 0, -1
            return length - 1, 0, top
        best = heap[0]
        if best < top:
            return length - 1, size, top
        size = _heap_pop(heap, size)
        if best == top:  # in both: they cancel
            length -= 1
            continue
        if size > 0 and heap[0] == best:  # twice in the heap: they cancel
            size = _heap_pop(heap, size)
            continue
        return length, size, best


@kernel
def _flush(column, length, heap, size, out):
    """Merge the heap into the sorted column (a Z/2 sum, through the buffer ``out``); returns
    the new length and an empty heap."""
    buffer = np.empty(size, dtype=np.int64)
    n = 0
    while size > 0:
        best = heap[0]
        size = _heap_pop(heap, size)
        if n > 0 and buffer[n - 1] == best:
            n -= 1  # equal entries cancel
        else:
            buffer[n] = best
            n += 1
    buffer = buffer[:n][::-1]
    length = _add_sorted(column, length, buffer, 0, n, out)
    column[:length] = out[:length]
    return length, 0


@leaf_kernel
def _add_sorted(a, a_len, b, b0, b1, out):
    """Z/2 sum of the sorted ``a[:a_len]`` and ``b[b0:b1]`` (their symmetric difference) into
    ``out``; returns its length."""
    i = 0
    j = b0
    n = 0
    while i < a_len and j < b1:
        x = a[i]
        y = b[j]
        out[n] = min(x, y)
        n += x != y
        i += x <= y
        j += y <= x
    while i < a_len:
        out[n] = a[i]
        n += 1
        i += 1
    while j < b1:
        out[n] = b[j]
        n += 1
        j += 1
    return n


@leaf_kernel
def _heap_push(heap, size, key):
    """Push ``key`` on the max-heap ``heap[:size]``; return the new size."""
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        if heap[parent] >= key:
            break
        heap[i] = heap[parent]
        i = parent
    heap[i] = key
    return size + 1


@leaf_kernel
def _heap_pop(heap, size):
    """Remove the maximum of ``heap[:size]``; return the new size."""
    size -= 1
    last = heap[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and heap[child + 1] > heap[child]:
            child += 1
        if heap[child] <= last:
            break
        heap[i] = heap[child]
        i = child
    heap[i] = last
    return size


@kernel
def _grow(array, needed):
    if needed <= array.shape[0]:
        return array
    bigger = np.empty(max(needed, 2 * array.shape[0]), dtype=array.dtype)
    bigger[: array.shape[0]] = array
    return bigger


@leaf_kernel
def oldest_cofacet(a, axis, step, square_key):
    """The oldest cofacet of the edge ``3 * a + axis``: the square of smallest key (absent
    squares have key -1), spanned by the edge and the direction ``along``, on side ``back`` of
    it. Returns ``(square, key, along, back)``, the square -1 if none exists."""
    oldest = -1
    oldest_key = np.int64(2**62)
    along = 0
    back = 0
    for other in range(3):
        if other == axis:
            continue
        normal = 3 - axis - other
        for side in range(2):
            s = 3 * (a - side * step[other]) + normal
            k = np.int64(square_key[s])
            better = (k >= 0) & (k < oldest_key)
            oldest = s if better else oldest
            oldest_key = k if better else oldest_key
            along = other if better else along
            back = side if better else back
    return oldest, oldest_key, along, back


@kernel
def _apparent_edges(edge_key, square_key, depth, height, width, sec, partner, paired):
    """Pair every edge whose oldest cofacet has it as youngest facet.

    Writes ``partner[e] = s`` and ``paired[s] = True`` for each apparent pair ``(e, s)``.
    """
    sy = width + 2
    sz = (height + 2) * sy
    step = (sz, sy, 1)
    unit = (9, 3, 1)
    for z in range(1, depth + 1):
        for y in range(1, height + 1):
            for x in range(1, width + 1):
                a = z * sz + y * sy + x
                for axis in range(3):
                    e = 3 * a + axis
                    key = edge_key[e]
                    if key < 0:
                        continue
                    oldest, oldest_key, along, back = oldest_cofacet(a, axis, step, square_key)
                    # The youngest facet of a square contains the square's top vertex: it can
                    # only be e if e enters with the square, and then only e or the square's
                    # other edge through that vertex.
                    if oldest < 0 or oldest_key >> 5 != key >> 5:
                        continue
                    top = a + step[axis] if key & 31 == sec[13 - unit[axis]] else a
                    if edge_key[3 * (top - back * step[along]) + along] < key:
                        partner[e] = oldest
                        paired[oldest] = True


@kernel
def _link_apparent_cubes(square_key, cube_key, depth, height, width, paired, parent, shift):
    """Pair every cube with its youngest facet when that square's other side is younger (or
    absent): the cube is still alone when the square arrives, so link it at once in the
    union-find ``parent`` (over cubes, the outside last), which starts with every cube alone.
    Returns the unpaired squares as entries ``(key << shift) | id``."""
    for c in range(parent.shape[0]):
        parent[c] = c
    sy = width + 2
    sz = (height + 2) * sy
    step = (sz, sy, 1)
    outside = cube_key.shape[0]
    for z in range(1, depth + 1):
        for y in range(1, height + 1):
            for x in range(1, width + 1):
                c = z * sz + y * sy + x
                key = cube_key[c]
                if key < 0:
                    continue
                youngest = 3 * c
                youngest_key = square_key[youngest]
                for normal in range(3):
                    for side in range(2):
                        s = 3 * (c + side * step[normal]) + normal
                        better = square_key[s] > youngest_key
                        youngest = s if better else youngest
                        youngest_key = square_key[s] if better else youngest_key
                other = youngest // 3
                if other == c:
                    other = c - step[youngest % 3]
                other_key = cube_key[other]
                if other_key < 0 or other_key > key:
                    paired[youngest] = True
                    parent[c] = other if other_key >= 0 else outside
    n = 0
    for s in range(square_key.shape[0]):
        n += (square_key[s] >= 0) & (not paired[s])
    entries = np.empty(n, dtype=np.int64)
    n = 0
    for s in range(square_key.shape[0]):
        if square_key[s] >= 0 and not paired[s]:
            entries[n] = (np.int64(square_key[s]) << shift) | s
            n += 1
    return entries


@kernel
def _split_squares(entries, cube_key, step, parent, shift):
    """Union-find over cubes with the unpaired squares, youngest first (``entries`` sorted
    increasingly): a square joining two components creates a void; the others kill a loop and
    are returned, oldest first."""
    outside = cube_key.shape[0]
    killing = np.empty(entries.shape[0], dtype=np.int64)
    low = (np.int64(1) << shift) - 1
    n = 0
    for k in range(entries.shape[0] - 1, -1, -1):
        s = entries[k] & low
        a = s // 3
        below = a - step[s % 3]
        r1 = find(parent, a if cube_key[a] >= 0 else outside)
        r2 = find(parent, below if cube_key[below] >= 0 else outside)
        if r1 != r2:
            parent[r1] = r2
        else:
            killing[n] = s
            n += 1
    return killing[:n][::-1].copy()


def reduce_dim1(
    rank: np.ndarray, depth: int, height: int, width: int, sec: np.ndarray = SEC
) -> tuple[np.ndarray, np.ndarray]:
    """Dimension-1 pairs of the V-construction of a padded volume with vertex ranks ``rank``.

    Returns ``(births, deaths)``: the keys of the paired edges and squares, for the pairs
    whose cells enter with different vertices (the others have zero persistence). ``sec``
    orders the cells that enter with one vertex (by the 27-cube offset bit of their span seen
    from it, as :data:`SEC`); any order that puts faces before cofaces will do.
    """
    step = np.array([(height + 2) * (width + 2), width + 2, 1], dtype=np.int64)
    n = rank.shape[0]
    key_type, shift = key_layout(n)
    edge_key = scratch("edge_key", 3 * n, key_type)
    square_key = scratch("square_key", 3 * n, key_type)
    cube_key = scratch("cube_key", n, key_type)
    cell_keys(rank, depth, height, width, sec, edge_key, square_key, cube_key)
    partner = scratch("partner", 3 * n, np.int32)
    partner[:] = -1
    paired = scratch("paired", 3 * n, np.bool_)
    paired[:] = False
    _apparent_edges(edge_key, square_key, depth, height, width, sec, partner, paired)
    parent = scratch("cube_parent", n + 1, np.int32)
    entries = _link_apparent_cubes(
        square_key, cube_key, depth, height, width, paired, parent, shift
    )
    entries.sort()
    killing = _split_squares(entries, cube_key, step, parent, shift)
    return reduce_killing(edge_key, square_key, partner, killing, step, shift)


_NARROW = 2**31  # keys below this bound are stored as int32


def key_layout(n: int) -> tuple[type, int]:
    """How :func:`reduce_dim1` stores the keys of a padded volume of ``n`` voxels: the dtype
    of the key arrays and the shift that packs a key and a cell id into one int64,
    ``(key << shift) | id``.

    Keys (``32 * rank + sec``) below 2**31 are int32 and ids take 32 bits (the fast layout,
    up to about 400^3 voxels); larger volumes get int64 keys and ids of just the bits they
    need. The packed entries must stay below 2**63.

    Examples
    --------
    >>> key_layout(2**20)
    (<class 'numpy.int32'>, 32)
    >>> key_layout(2**27)
    (<class 'numpy.int64'>, 29)
    """
    if 3 * n >= 2**31:  # ids and partners are int32
        raise ValueError(_too_large(n))
    if 32 * n < _NARROW:
        return np.int32, 32
    shift = (3 * n - 1).bit_length()
    if (32 * n) >> (63 - shift):
        raise ValueError(_too_large(n))
    return np.int64, shift


def _too_large(n: int) -> str:
    return (
        f"a volume of {n} voxels (with its frame) is too large for dimension 1 (at most "
        "2**28 voxels, about 640^3); compute persistence on overlapping tiles"
    )


@kernel
def reduce_killing(edge_key, square_key, partner, killing, step, shift, every=False):
    """Reduce the killing squares (see the module notes); returns the keys of the pairs of
    nonzero persistence. With ``every``, the pairs of all the squares of ``killing``, in
    order (a square whose column reduces to zero, which cannot happen here, gets birth -1).

    The rows (``edge_key``, ``partner``) may follow another filtration than the columns
    (``killing``, ``square_key``): that is the reduction of an image (``partner`` must then
    pair an edge with the first column that contains it, when it is that column's pivot)."""
    # partner[e]: the square paired with edge e (apparent pair), -1 while e is free, or
    # -2 - c once e is the pivot of the stored reduced column c. Apparent pairs themselves
    # have zero persistence: a square's youngest facet contains its top vertex.
    births = np.empty(killing.shape[0], dtype=np.int64)
    deaths = np.empty(killing.shape[0], dtype=np.int64)
    n_pairs = 0

    # Reduce the boundaries of the killing squares, oldest first; the pivot of a column
    # is its youngest edge (entries are (key << shift) | id). The working column is the Z/2 sum
    # of a sorted array and a max-heap: earlier reduced columns (long) are merged into the
    # array, apparent columns (the three older edges of the pivot's square) are pushed on the
    # heap, equal entries cancel when they meet at the top, and the heap is merged into the
    # array when it outgrows it. Reduced columns are loops; each is stored in increasing order.
    # A column holds distinct edges and the heap at most 67 more entries than the column, so
    # these buffers never grow (pages are only touched as far as they are used).
    capacity = edge_key.shape[0] + 128
    column = np.empty(capacity, dtype=np.int64)
    summed = np.empty(capacity, dtype=np.int64)
    heap = np.empty(capacity, dtype=np.int64)
    facets = np.empty(4, dtype=np.int64)
    stored = np.empty(1024, dtype=np.int64)
    store_start = np.zeros(killing.shape[0] + 1, dtype=np.int64)
    n_stored = 0
    low = (np.int64(1) << shift) - 1
    for position in range(killing.shape[0]):
        if position + _AHEAD < killing.shape[0]:  # fetch the cells of a later square's edges
            a = killing[position + _AHEAD] // 3
            for axis in range(3):
                prefetch(edge_key, 3 * (a + step[axis]))
                prefetch(partner, 3 * (a + step[axis]))
        s = killing[position]
        square_facets(s, step, edge_key, column, shift)
        length = 4
        size = 0
        while True:
            length, size, pivot = _pop_pivot(column, length, heap, size)
            if pivot < 0:  # cannot happen for a killing square: kept for safety
                if every:
                    births[n_pairs] = -1
                    deaths[n_pairs] = square_key[s]
                    n_pairs += 1
                break
            other = partner[pivot & low]
            if other == -1:  # a new pivot: store the column, the pivot last
                partner[pivot & low] = -2 - n_stored
                start = store_start[n_stored]
                stored = _grow(stored, start + length + size + 1)
                end = start + length + size + 1
                stored[end - 1] = pivot
                k = end - 1
                while True:
                    length, size, entry = _pop_pivot(column, length, heap, size)
                    if entry < 0:
                        break
                    k -= 1
                    stored[k] = entry
                if k > start:  # entries cancelled: close the gap
                    stored[start : start + end - k] = stored[k:end].copy()
                    end = start + end - k
                n_stored += 1
                store_start[n_stored] = end
                if every or pivot >> (shift + 5) != square_key[s] >> 5:
                    births[n_pairs] = pivot >> shift
                    deaths[n_pairs] = square_key[s]
                    n_pairs += 1
                break
            if other >= 0:  # apparent: the square's three other edges go on the heap
                square_facets(other, step, edge_key, facets, shift)
                for k in range(3):  # facets[3] is the pivot itself
                    size = _heap_push(heap, size, facets[k])
                if size > length + 64:  # keep the heap small: merge it into the array
                    length, size = _flush(column, length, heap, size, summed)
            else:  # an earlier reduced column, without its pivot (which cancels ours)
                b0 = store_start[-2 - other]
                b1 = store_start[-1 - other] - 1
                length = _add_sorted(column, length, stored, b0, b1, summed)
                column, summed = summed, column
    return births[:n_pairs].copy(), deaths[:n_pairs].copy()
