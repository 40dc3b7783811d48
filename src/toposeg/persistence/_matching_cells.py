"""The cells of the V-construction around a voxel, in the order used by the Betti matching.

A cell of dimension ``k`` is a base vertex and ``k`` axes; its value is the largest value of
its vertices and its *top vertex* the vertex that comes last in the filtration order ``(value,
flat index)``. Cells are totally ordered by ``(rank of the top vertex, flat index of the base,
type)``, where the type numbers the axes sets: an edge's type is its axis, a 3D square's type
is the axis normal to it (the convention of Betti-Matching-3D, so that untied inputs give the
same pairs). Among the cells whose top vertex is a given pixel ``p``, that order is fixed: the
*slots* of ``p``, listed here once per shape of the grid.
"""

from __future__ import annotations

import functools
from itertools import product

import numpy as np

from toposeg.persistence._matching_kernels import fill_slot_masks

__all__ = ["CellTable", "cell_table", "span_sec"]


class CellTable:
    """The slots of one dimension of cells (arrays ready for the kernels).

    ``delta[s]`` is the top vertex minus the base of slot ``s`` (coordinates ``(z, y, x)``),
    ``kind[s]`` its type, ``axes[t]`` the 0/1 mask of the axes spanned by type ``t``,
    ``corners[t]`` the coordinates of its vertices relative to the base (``2**k`` rows).
    """

    def __init__(self, types: list[tuple[int, ...]]) -> None:
        entries = []
        for t, spanned in enumerate(types):
            for bits in product((0, 1), repeat=len(spanned)):
                delta = [0, 0, 0]
                for axis, bit in zip(spanned, bits):
                    delta[axis] = bit
                entries.append((tuple(-d for d in delta), t, tuple(delta)))
        entries.sort()  # base flat index ascending, then type
        self.delta = np.array([e[2] for e in entries], dtype=np.int64)
        self.kind = np.array([e[1] for e in entries], dtype=np.int64)
        self.axes = np.zeros((len(types), 3), dtype=np.int64)
        n_corners = 2 ** len(types[0])
        self.corners = np.zeros((len(types), n_corners, 3), dtype=np.int64)
        for t, spanned in enumerate(types):
            self.axes[t, list(spanned)] = 1
            for c, bits in enumerate(product((0, 1), repeat=len(spanned))):
                for axis, bit in zip(spanned, bits):
                    self.corners[t, c, axis] = bit
        self.n_types = len(types)
        for array in (self.delta, self.kind, self.axes, self.corners):
            array.setflags(write=False)


@functools.lru_cache(maxsize=8)
def cell_table(k: int) -> CellTable:
    """The slots of the cells of dimension ``k`` (1 .. 3) of a volume. In an image the same
    order holds for edges (their slots: up, left, then down, right) and squares."""
    if k == 3:
        types = [(0, 1, 2)]
    elif k == 1:
        types = [(a,) for a in (0, 1, 2)]
    else:  # squares, numbered by their normal axis
        types = [(1, 2), (0, 2), (0, 1)]
    return CellTable(types)


def slot_masks(
    rank: np.ndarray, table: CellTable, top_axes: np.ndarray | None = None
) -> np.ndarray:
    """For every pixel ``p`` of ``rank`` (a ``(depth, height, width)`` grid of filtration
    ranks), the bits ``s`` of the slots whose cell exists and has ``p`` as top vertex.

    With ``top_axes`` (the cells are of dimension ``ndim - 1``), bit ``L + s`` (``2 L + s``)
    also says that the top cell before (after) the cell along its missing axis exists,
    ``L`` being the number of slots. One compiled pass over the grid.
    """
    n_slots = table.delta.shape[0]
    missing = np.full(n_slots, -1, dtype=np.int64)
    required = np.zeros(n_slots, dtype=np.int64)
    for s in range(n_slots):
        t = table.kind[s]
        for corner in table.corners[t]:
            dz, dy, dx = corner - table.delta[s]
            if dz or dy or dx:
                required[s] |= 1 << int(9 * dz + 3 * dy + dx + 13)
        if top_axes is not None:
            missing[s] = int(np.flatnonzero((top_axes == 1) & (table.axes[t] == 0))[0])
    masks = np.empty(rank.size, dtype=np.uint64)
    fill_slot_masks(np.ascontiguousarray(rank), required, table.delta, missing, masks)
    return masks


def slot_offsets(
    table: CellTable, shape: tuple[int, int, int], top_axes: np.ndarray | None = None
) -> np.ndarray:
    """Flat offsets from a pixel to, for each slot: the base of its cell, the other vertex (for
    edges) or the top cell before it along its missing axis (for cells of dimension
    ``ndim - 1``): an ``(L, 2)`` int64 array."""
    strides = np.array([shape[1] * shape[2], shape[2], 1], dtype=np.int64)
    out = np.zeros((table.delta.shape[0], 2), dtype=np.int64)
    for s in range(table.delta.shape[0]):
        t = table.kind[s]
        base = -int(table.delta[s] @ strides)
        out[s, 0] = base
        if top_axes is None:  # an edge: its other vertex
            far = base + int(table.axes[t] @ strides)
            out[s, 1] = base if far == 0 else far
        else:
            missing = int(np.flatnonzero((top_axes == 1) & (table.axes[t] == 0))[0])
            out[s, 1] = base - int(strides[missing])
    return out


@functools.lru_cache(maxsize=1)
def span_sec() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The order of the cells of one vertex's lower star as the persistence engine's
    ``sec`` (:func:`toposeg.persistence._reduction.reduce_dim1`): the position of each cell,
    named by the 27-cube offset bit of its span seen from its top vertex, the vertex first,
    then the edges, squares and cubes each in the order of their slots. Also the edge slot
    and the square slot of each position (-1 for other cells): a key ``32 * rank + sec`` of
    the engine names the cell of that slot of the pixel of that rank.

    Examples
    --------
    >>> sec, edge_slot, square_slot = span_sec()
    >>> int(sec[13]), [int(edge_slot[p]) for p in range(1, 7)]
    (0, [0, 1, 2, 3, 4, 5])
    """
    unit = np.array([9, 3, 1])
    sec = np.full(27, -1, dtype=np.int64)
    sec[13] = 0
    slots = [np.full(32, -1, dtype=np.int64) for _ in range(2)]
    position = 1
    for k in (1, 2, 3):
        table = cell_table(k)
        for s in range(table.delta.shape[0]):
            span = table.axes[table.kind[s]] * (1 - 2 * table.delta[s])  # +1 ahead, -1 behind
            sec[13 + int(span @ unit)] = position
            if k < 3:
                slots[k - 1][position] = s
            position += 1
    for array in (sec, *slots):
        array.setflags(write=False)
    return sec, slots[0], slots[1]
