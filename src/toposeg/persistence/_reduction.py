"""Dimension 1 of a 3D V-construction: a boundary-matrix reduction with clearing and apparent pairs.

The cells of the cubical complex are keyed by their position in a total filtration order:
``key = 32 * rank(v) + sec`` where ``v`` is the cell's vertex of highest rank (the cell enters
with it) and ``sec`` orders the cells entering with ``v`` by dimension, then by direction. This
refines the lower-star filtration, so faces always precede cofaces.

1. *Apparent pairs*: an edge ``e`` whose oldest cofacet ``s`` has ``e`` as its youngest facet is
   paired with ``s`` without any reduction; most pairs are apparent. Likewise a square whose
   oldest cofacet cube has it as its youngest facet is paired with that cube.
2. *Clearing*: a square creates a void (is paired with a cube) exactly when, in the complement
   grown in decreasing order, it joins two different components of cubes (or a cube and the
   outside). A union-find over cubes finds these squares, which are never reduced. An apparent
   square-cube pair joins a cube that is still alone, so it is linked before the others,
   which alone need sorting.
3. The boundaries of the remaining squares, all of which kill a loop, are reduced oldest first
   (pivot: youngest edge), adding earlier columns with the same pivot (Z/2 coefficients).
   Reduced columns are loops, so they stay short; each is stored for later additions.

Cells are named by ``3 * anchor + axis``: an edge by its lower end and its direction, a square
by its lowest corner and its normal direction; a cube by its lowest corner. Vertices in the
one-voxel frame of the padded volume have rank ``-1``; cells touching them do not exist (key
``-1``). All keys are computed once, without branches, so the passes only look them up.
"""

from __future__ import annotations

import numpy as np

from toposeg._numba import kernel
from toposeg.persistence._merge import find

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
def cell_keys(rank, depth, height, width, sec):
    """Keys of all edges, squares and cubes of the padded volume (``-1``: no such cell)."""
    sy = width + 2
    sz = (height + 2) * sy
    step = (sz, sy, 1)
    unit = (9, 3, 1)
    n = rank.shape[0]
    edge_key = np.full(3 * n, -1, dtype=np.int64)
    square_key = np.full(3 * n, -1, dtype=np.int64)
    cube_key = np.full(n, -1, dtype=np.int64)
    for z in range(1, depth + 1):
        for y in range(1, height + 1):
            for x in range(1, width + 1):
                a = z * sz + y * sy + x
                r00 = rank[a]
                for axis in range(3):
                    r1 = rank[a + step[axis]]
                    if r1 >= 0:
                        top = max(r00, r1)
                        bit = 13 + unit[axis] * (1 - 2 * (r1 > r00))
                        edge_key[3 * a + axis] = top * 32 + sec[bit]
                for normal in range(3):
                    i = 1 if normal == 0 else 0
                    j = 1 if normal == 2 else 2
                    r10 = rank[a + step[i]]
                    r01 = rank[a + step[j]]
                    r11 = rank[a + step[i] + step[j]]
                    if min(r10, min(r01, r11)) >= 0:
                        top = max(max(r00, r10), max(r01, r11))
                        # the top vertex lies at +i if it is r10 or r11, at +j if r01 or r11
                        at_i = (r10 == top) | (r11 == top)
                        at_j = (r01 == top) | (r11 == top)
                        bit = 13 + unit[i] * (1 - 2 * at_i) + unit[j] * (1 - 2 * at_j)
                        square_key[3 * a + normal] = top * 32 + sec[bit]
                r100 = rank[a + sz]
                r010 = rank[a + sy]
                r001 = rank[a + 1]
                r110 = rank[a + sz + sy]
                r101 = rank[a + sz + 1]
                r011 = rank[a + sy + 1]
                r111 = rank[a + sz + sy + 1]
                low = min(min(min(r100, r010), min(r001, r110)), min(min(r101, r011), r111))
                if low >= 0:
                    top = max(max(max(r00, r100), max(r010, r001)), max(max(r110, r101), max(r011, r111)))
                    at_z = (r100 == top) | (r110 == top) | (r101 == top) | (r111 == top)
                    at_y = (r010 == top) | (r110 == top) | (r011 == top) | (r111 == top)
                    at_x = (r001 == top) | (r101 == top) | (r011 == top) | (r111 == top)
                    bit = 13 + 9 * (1 - 2 * at_z) + 3 * (1 - 2 * at_y) + (1 - 2 * at_x)
                    cube_key[a] = top * 32 + sec[bit]
    return edge_key, square_key, cube_key


@kernel
def _facets(s, step, edge_key, keys):
    """Keys of the four edges of square ``s``, sorted, into ``keys``."""
    a = s // 3
    normal = s % 3
    i = 1 if normal == 0 else 0
    j = 1 if normal == 2 else 2
    k0 = edge_key[3 * a + i]
    k1 = edge_key[3 * (a + step[j]) + i]
    k2 = edge_key[3 * a + j]
    k3 = edge_key[3 * (a + step[i]) + j]
    low01 = min(k0, k1)
    high01 = max(k0, k1)
    low23 = min(k2, k3)
    high23 = max(k2, k3)
    keys[0] = min(low01, low23)
    keys[3] = max(high01, high23)
    middle_a = max(low01, low23)
    middle_b = min(high01, high23)
    keys[1] = min(middle_a, middle_b)
    keys[2] = max(middle_a, middle_b)
    return 4


@kernel
def _add_columns(a_keys, a_len, b_keys, b0, b1, out):
    """Z/2 sum of two sorted columns (their symmetric difference) into ``out``; its length."""
    i = 0
    j = b0
    n = 0
    while i < a_len and j < b1:
        ka = a_keys[i]
        kb = b_keys[j]
        out[n] = min(ka, kb)
        n += ka != kb
        i += ka <= kb
        j += kb <= ka
    while i < a_len:
        out[n] = a_keys[i]
        n += 1
        i += 1
    while j < b1:
        out[n] = b_keys[j]
        n += 1
        j += 1
    return n


@kernel
def _grow(array, needed):
    if needed <= array.shape[0]:
        return array
    bigger = np.empty(max(needed, 2 * array.shape[0]), dtype=array.dtype)
    bigger[: array.shape[0]] = array
    return bigger


@kernel
def _slot(edge):
    """Dense index of an edge from its key: 6 per vertex (sec 1..6 are the edges)."""
    return 6 * (edge >> 5) + (edge & 31) - 1


@kernel
def _apparent_edges(edge_key, square_key, depth, height, width, pivot_of, paired):
    """Pair every edge whose oldest cofacet has it as youngest facet.

    Writes ``pivot_of[slot(e)] = -2 - s`` and ``paired[s] = True`` for each apparent pair
    ``(e, s)``.
    """
    sy = width + 2
    sz = (height + 2) * sy
    step = (sz, sy, 1)
    for z in range(1, depth + 1):
        for y in range(1, height + 1):
            for x in range(1, width + 1):
                a = z * sz + y * sy + x
                for axis in range(3):
                    e = 3 * a + axis
                    key = edge_key[e]
                    if key < 0:
                        continue
                    # oldest cofacet: the square of smallest key (absent squares have key -1)
                    oldest = -1
                    oldest_key = np.int64(2**62)
                    for other in range(3):
                        if other == axis:
                            continue
                        normal = 3 - axis - other
                        for side in range(2):
                            s = 3 * (a - side * step[other]) + normal
                            k = square_key[s]
                            better = (k >= 0) & (k < oldest_key)
                            oldest = s if better else oldest
                            oldest_key = k if better else oldest_key
                    if oldest < 0:
                        continue
                    b = oldest // 3
                    normal = oldest % 3
                    i = 1 if normal == 0 else 0
                    j = 1 if normal == 2 else 2
                    youngest = max(
                        max(edge_key[3 * b + i], edge_key[3 * (b + step[j]) + i]),
                        max(edge_key[3 * b + j], edge_key[3 * (b + step[i]) + j]),
                    )
                    if youngest == key:
                        pivot_of[_slot(key)] = -2 - oldest
                        paired[oldest] = True


@kernel
def _killing_squares(square_key, cube_key, depth, height, width, paired):
    """Squares that kill a loop and are not in an apparent pair, in increasing key order.

    A union-find over cubes (and the outside), youngest square first: a square joining two
    components creates a void. A square that is the youngest facet of a cube whose other
    neighbour across it is younger (or absent) is paired with that cube (apparent); the cube
    is still alone when that square arrives, so the link can be made first, out of order.
    """
    sy = width + 2
    sz = (height + 2) * sy
    step = (sz, sy, 1)
    n_cubes = cube_key.shape[0]
    outside = n_cubes
    parent = np.arange(n_cubes + 1)
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
    candidates = np.flatnonzero((square_key >= 0) & ~paired)
    candidates = candidates[np.argsort(square_key[candidates])[::-1]]
    negative = np.empty(candidates.shape[0], dtype=np.int64)
    n_negative = 0
    for s in candidates:
        a = s // 3
        below = a - step[s % 3]
        r1 = find(parent, a if cube_key[a] >= 0 else outside)
        r2 = find(parent, below if cube_key[below] >= 0 else outside)
        if r1 != r2:
            parent[r1] = r2
        else:
            negative[n_negative] = s
            n_negative += 1
    return negative[:n_negative][::-1].copy()


@kernel
def reduce_dim1(rank, depth, height, width, sec):
    """Dimension-1 pairs of the V-construction of a padded volume with vertex ranks ``rank``.

    Returns ``(births, deaths)``: the keys of the paired edges and squares, for the pairs
    whose cells enter with different vertices (the others have zero persistence).
    """
    sy = width + 2
    sz = (height + 2) * sy
    step = (sz, sy, 1)
    edge_key, square_key, cube_key = cell_keys(rank, depth, height, width, sec)
    pivot_of = np.full(6 * rank.shape[0], -1, dtype=np.int64)
    paired = np.zeros(square_key.shape[0], dtype=np.bool_)
    _apparent_edges(edge_key, square_key, depth, height, width, pivot_of, paired)
    killing = _killing_squares(square_key, cube_key, depth, height, width, paired)

    # Apparent pairs whose cells enter with different vertices (the others have zero
    # persistence); the edge of slot k has key 32 * (k // 6) + k % 6 + 1.
    n_apparent = 0
    for k in range(pivot_of.shape[0]):
        if pivot_of[k] <= -2 and square_key[-2 - pivot_of[k]] >> 5 != k // 6:
            n_apparent += 1
    births = np.empty(n_apparent + killing.shape[0], dtype=np.int64)
    deaths = np.empty(n_apparent + killing.shape[0], dtype=np.int64)
    n_pairs = 0
    for k in range(pivot_of.shape[0]):
        if pivot_of[k] <= -2 and square_key[-2 - pivot_of[k]] >> 5 != k // 6:
            births[n_pairs] = 32 * (k // 6) + k % 6 + 1
            deaths[n_pairs] = square_key[-2 - pivot_of[k]]
            n_pairs += 1

    # Reduce the boundaries of the other killing squares, oldest first; the pivot of a column
    # is its youngest edge. Reduced columns are loops, short in practice.
    column = np.empty(64, dtype=np.int64)
    summed = np.empty(64, dtype=np.int64)
    facets = np.empty(4, dtype=np.int64)
    stored = np.empty(1024, dtype=np.int64)
    store_start = np.zeros(killing.shape[0] + 1, dtype=np.int64)
    n_stored = 0
    for s in killing:
        length = _facets(s, step, edge_key, column)
        while length > 0:
            pivot = column[length - 1]
            other = pivot_of[_slot(pivot)]
            if other == -1:
                pivot_of[_slot(pivot)] = n_stored
                start = store_start[n_stored]
                stored = _grow(stored, start + length)
                stored[start : start + length] = column[:length]
                n_stored += 1
                store_start[n_stored] = start + length
                if pivot >> 5 != square_key[s] >> 5:
                    births[n_pairs] = pivot
                    deaths[n_pairs] = square_key[s]
                    n_pairs += 1
                break
            if other <= -2:
                b0 = 0
                b1 = _facets(-2 - other, step, edge_key, facets)
                added = facets
            else:
                b0 = store_start[other]
                b1 = store_start[other + 1]
                added = stored
            summed = _grow(summed, length + b1 - b0)
            length = _add_columns(column, length, added, b0, b1, summed)
            column, summed = summed, column
    return births[:n_pairs].copy(), deaths[:n_pairs].copy()
