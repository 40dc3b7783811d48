"""Image pairs of dimension 1 of a volume for the Betti matching, by the persistence engine's
reduction (:mod:`._reduction`).

The image of ``f`` in the comparison image ``c`` reduces the boundaries of the squares of ``c``
(columns, in the order of ``c``) with the edges in the order of ``f`` (rows). Its columns are
the squares that kill a loop of ``c`` (the others, which create a void, reduce to zero in any
row order and are cleared). Most of them need no reduction: when a square ``s`` is the first
square of ``c`` that contains an edge ``e``, and ``e`` is the last edge of ``s`` in the order of
``f``, no earlier column contains ``e``, so ``e`` is the pivot of ``s`` and the column of ``s``
is its boundary. These *apparent pairs between two filtrations* are found in one pass; the
reduction of the other columns adds the boundary of ``s`` when it meets ``e``, as the engine
does with the apparent pairs of one filtration. Cells are keyed and named as in
:mod:`._reduction` (the padded volume, ``3 * anchor + axis``), with the cells of one vertex in
the matching's order (:func:`._matching_cells.span_sec`).
"""

from __future__ import annotations

import numpy as np

from toposeg._numba import kernel
from toposeg._cubical.scratch import scratch
from toposeg.persistence._reduction import cell_keys, key_layout, reduce_killing

__all__ = ["image_pivots"]


@kernel
def apparent_between(edge_key, square_key, depth, height, width, partner, apparent):
    """Pair every edge ``e`` with the first square ``s`` that contains it by ``square_key``
    when ``e`` is the last edge of ``s`` by ``edge_key``: ``partner[e] = s`` (else -1) and
    ``apparent[s]``."""
    sy = width + 2
    sz = (height + 2) * sy
    step = (sz, sy, 1)
    partner[:] = -1
    apparent[:] = False
    for z in range(1, depth + 1):
        for y in range(1, height + 1):
            for x in range(1, width + 1):
                a = z * sz + y * sy + x
                for axis in range(3):
                    e = 3 * a + axis
                    if edge_key[e] < 0:
                        continue
                    first = -1
                    first_key = np.int64(2**62)
                    for other in range(3):
                        if other == axis:
                            continue
                        normal = 3 - axis - other
                        for side in range(2):
                            s = 3 * (a - side * step[other]) + normal
                            k = np.int64(square_key[s])
                            if 0 <= k < first_key:
                                first = s
                                first_key = k
                    if first < 0:
                        continue
                    b = first // 3
                    normal = first % 3
                    i = 1 if normal == 0 else 0
                    j = 1 if normal == 2 else 2
                    last = 3 * b + i
                    for f in (3 * (b + step[j]) + i, 3 * b + j, 3 * (b + step[i]) + j):
                        if edge_key[f] > edge_key[last]:
                            last = f
                    if last == e:
                        partner[e] = first
                        apparent[first] = True


@kernel
def image_columns(order, mask, offsets, kind, cleared, apparent, height, width):
    """The squares to reduce, in the order of the columns' filtration: for each pixel
    ``order[i]``, the squares of its slots (``mask``, ``offsets``, ``kind`` as for
    :func:`._matching_kernels.reduce_squares`) that are not ``cleared`` (by matching cell id)
    nor ``apparent`` (by padded id). Returns their padded ids."""
    n = order.shape[0]
    sy = width + 2
    sz = (height + 2) * sy
    out = np.empty(3 * n, dtype=np.int64)
    count = 0
    for i in range(n):
        p = order[i]
        bits = mask[p]
        for s in range(offsets.shape[0]):
            if not (bits >> np.uint64(s)) & 1:
                continue
            base = p + offsets[s, 0]
            t = kind[s]
            if cleared[base * 3 + t]:
                continue
            z = base // (height * width)
            y = (base // width) % height
            x = base % width
            padded = 3 * ((z + 1) * sz + (y + 1) * sy + x + 1) + t
            if apparent[padded]:
                continue
            out[count] = padded
            count += 1
    return out[:count].copy()


def image_pivots(
    rank_rows: np.ndarray,
    rank_columns: np.ndarray,
    order_columns: np.ndarray,
    grid: tuple[int, int, int],
    sec: np.ndarray,
    mask: np.ndarray,
    offsets: np.ndarray,
    kind: np.ndarray,
    cleared: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The pivot of every column of the image reduction: ``(cells, keys)``, the squares as
    matching cell ids (``3 * base + type``) and their pivot edges as engine keys
    (``32 * rank + sec`` in the rows' filtration).

    ``rank_rows`` and ``rank_columns`` are padded vertex ranks
    (:func:`toposeg._cubical.indices.padded_ranks`) of the two filtrations, ``order_columns``
    the columns' filtration order; ``mask``, ``offsets``, ``kind`` and ``cleared`` (the
    squares that create a void in the columns' filtration) as for
    :func:`._matching_kernels.reduce_squares`. ValueError (from :func:`._reduction.key_layout`)
    for a volume too large for the engine's keys.
    """
    depth, height, width = grid
    n = rank_rows.shape[0]
    key_type, shift = key_layout(n)
    step = np.array([(height + 2) * (width + 2), width + 2, 1], dtype=np.int64)
    keys = []
    for name, rank in (("rows", rank_rows), ("columns", rank_columns)):
        edge_key = scratch(f"image_edge_key_{name}", 3 * n, key_type)
        square_key = scratch(f"image_square_key_{name}", 3 * n, key_type)
        cube_key = scratch("image_cube_key", n, key_type)
        cell_keys(rank, depth, height, width, sec, edge_key, square_key, cube_key)
        keys.append((edge_key, square_key))
    (edge_key, _), (_, square_key) = keys
    partner = scratch("image_partner", 3 * n, np.int32)
    apparent = scratch("image_apparent", 3 * n, np.bool_)
    apparent_between(edge_key, square_key, depth, height, width, partner, apparent)
    columns = image_columns(
        order_columns, mask, offsets, kind, cleared, apparent, height, width
    )
    births, _ = reduce_killing(edge_key, square_key, partner, columns, step, shift, True)
    paired = np.flatnonzero(partner >= 0)
    squares = np.concatenate([columns, partner[paired]])
    pivots = np.concatenate([births, edge_key[paired]])
    anchor = squares // 3  # in the padded volume: shift each coordinate back by one
    z, y, x = anchor // step[0] - 1, anchor // step[1] % (height + 2) - 1, anchor % step[1] - 1
    return 3 * ((z * height + y) * width + x) + squares % 3, pivots
