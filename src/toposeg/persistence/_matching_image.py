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
from toposeg._cubical.radix import sort_upper_indices
from toposeg._cubical.scratch import scratch
from toposeg.persistence._reduction import (
    cell_keys,
    key_layout,
    oldest_cofacet,
    reduce_killing,
    square_facets,
)

__all__ = ["image_pivots"]


@kernel
def apparent_between(edge_key, square_key, depth, height, width, shift, partner, apparent):
    """Pair every edge ``e`` with the first square ``s`` that contains it by ``square_key``
    when ``e`` is the last edge of ``s`` by ``edge_key``: ``partner[e] = s`` (else -1) and
    ``apparent[s]``."""
    sy = width + 2
    sz = (height + 2) * sy
    step = np.array([sz, sy, 1], dtype=np.int64)
    low = (np.int64(1) << shift) - 1
    facets = np.empty(4, dtype=np.int64)
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
                    first = oldest_cofacet(a, axis, step, square_key)[0]
                    if first < 0:
                        continue
                    square_facets(first, step, edge_key, facets, shift)  # sorted entries
                    if facets[3] & low == e:
                        partner[e] = first
                        apparent[first] = True


@kernel
def image_columns(square_key, cleared, apparent, depth, height, width, shift):
    """The squares to reduce, as entries ``(key << shift) | id`` by increasing padded id: the
    squares that exist and are neither ``cleared`` (by matching cell id, ``3 * base + type``)
    nor ``apparent`` (by padded id)."""
    sy = width + 2
    sz = (height + 2) * sy
    count = 0
    for stage in range(2):  # count, then write
        out = np.empty(count, dtype=np.int64)
        count = 0
        for z in range(depth):
            for y in range(height):
                for x in range(width):
                    base = (z * height + y) * width + x
                    a = (z + 1) * sz + (y + 1) * sy + x + 1
                    for t in range(3):
                        s = 3 * a + t
                        key = np.int64(square_key[s])
                        if key < 0 or cleared[3 * base + t] or apparent[s]:
                            continue
                        if stage == 1:
                            out[count] = (key << shift) | s
                        count += 1
    return out


@kernel
def write_pivots(
    columns, births, partner, edge_key, height, width, edge_of_sec, n_edge_slots, pivots
):
    """``pivots[3 * base + type]`` (matching cell ids of squares): the pivot of each reduced
    column (``births``, engine keys) and of each apparent pair's square, as a row key
    ``rank * n_edge_slots + slot``; -1 elsewhere."""
    sy = width + 2
    sz = (height + 2) * sy
    pivots[:] = -1
    for k in range(columns.shape[0] + partner.shape[0]):
        if k < columns.shape[0]:
            s = columns[k]
            key = births[k]
        else:
            e = k - columns.shape[0]
            s = np.int64(partner[e])
            key = np.int64(edge_key[e])
        if s < 0 or key < 0:
            continue
        a = s // 3
        z = a // sz - 1
        y = a // sy % (height + 2) - 1
        x = a % sy - 1
        cell = 3 * ((z * height + y) * width + x) + s % 3
        pivots[cell] = (key >> 5) * n_edge_slots + edge_of_sec[key & 31]


def image_pivots(
    rank_rows: np.ndarray,
    rank_columns: np.ndarray,
    grid: tuple[int, int, int],
    sec: np.ndarray,
    edge_of_sec: np.ndarray,
    cleared: np.ndarray,
    name: str,
) -> np.ndarray:
    """The pivot of every square in the image reduction, by matching cell id (``3 * base +
    type``): the row key (``rank * 6 + slot`` in the rows' filtration, the edge slots of
    :func:`._matching_cells.cell_table`) of its pivot edge, -1 for the squares that are not
    columns.

    ``rank_rows`` and ``rank_columns`` are the padded vertex ranks
    (:func:`toposeg._cubical.indices.padded_ranks`) of the two filtrations, ``sec`` and
    ``edge_of_sec`` from :func:`._matching_cells.span_sec`, ``cleared`` the squares that
    create a void in the columns' filtration (by matching cell id). The result is this
    thread's scratch array ``name``, valid until the next call with that name. ValueError (from
    :func:`._reduction.key_layout`) for a volume too large for the engine's keys.
    """
    depth, height, width = grid
    n = rank_rows.shape[0]
    key_type, shift = key_layout(n)
    step = np.array([(height + 2) * (width + 2), width + 2, 1], dtype=np.int64)
    keys = []
    for role, rank in (("rows", rank_rows), ("columns", rank_columns)):
        edge_key = scratch(f"image_edge_key_{role}", 3 * n, key_type)
        square_key = scratch(f"image_square_key_{role}", 3 * n, key_type)
        cube_key = scratch("image_cube_key", n, key_type)
        cell_keys(rank, depth, height, width, sec, edge_key, square_key, cube_key)
        keys.append((edge_key, square_key))
    (edge_key, _), (_, square_key) = keys
    partner = scratch("image_partner", 3 * n, np.int32)
    apparent = scratch("image_apparent", 3 * n, np.bool_)
    apparent_between(edge_key, square_key, depth, height, width, shift, partner, apparent)
    entries = image_columns(square_key, cleared, apparent, depth, height, width, shift)
    if shift == 32:  # ids in the lower half, written in increasing order: a radix sort
        columns = sort_upper_indices(entries.view(np.uint64))
    else:
        entries.sort()
        columns = entries & ((1 << shift) - 1)
    births, _ = reduce_killing(edge_key, square_key, partner, columns, step, shift, True)
    pivots = scratch(f"image_pivots_{name}", 3 * depth * height * width, np.int64)
    n_edge_slots = int((edge_of_sec >= 0).sum())
    write_pivots(
        columns, births, partner, edge_key, height, width, edge_of_sec, n_edge_slots, pivots
    )
    return pivots
