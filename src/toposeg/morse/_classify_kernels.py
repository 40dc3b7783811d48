"""Local pass: each pixel's joining edge, and which pixels can merge components or close loops.

Pixels are totally ordered by the padded values ``g`` (earlier = larger value; ties: smaller
index); the frame holds ``-inf`` and is never earlier. A pixel ``q`` joins the component of its
first earlier neighbour, in increasing offset order (its *joining edge*, a forest edge of
persistence zero). Its other edges to earlier neighbours can merge components or close
non-trivial loops only if those neighbours fall into two or more groups connected through
earlier pixels of the neighbourhood (in 2D with face connectivity: two face neighbours are
connected through the diagonal between them, i.e. by a square at ``q``). Such pixels are the
*candidates*; only they need the global, sorted union-find.
"""

from __future__ import annotations

import numpy as np

from toposeg._neighbourhood import (
    COUNT4,
    COUNT8,
    row_cube_masks,
    row_ring_masks,
    split6,
    split26,
)
from toposeg._numba import kernel
from toposeg.morse._loop_kernels import FRESH, TARGET


def _first_neighbour(ring_positions: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """For each 8-bit ring mask (order of toposeg._neighbourhood.RING_2D): the index ``k`` of
    its first neighbour in ``ring_positions`` (the neighbours in increasing offset order), or
    -1, and that neighbour's ring position (or 8)."""
    index = np.full(256, -1, dtype=np.int64)
    position = np.full(256, 8, dtype=np.int64)
    for mask in range(256):
        for k, bit in enumerate(ring_positions):
            if (mask >> bit) & 1:
                index[mask], position[mask] = k, bit
                break
    return index, position


# The face and all neighbours, in increasing offset order (the neighbour index k).
FACE_INDEX, FACE_POSITION = _first_neighbour([1, 7, 3, 5])
FULL_INDEX, FULL_POSITION = _first_neighbour([0, 1, 2, 7, 3, 6, 5, 4])
_FACE_BITS = np.array([4, 10, 12, 14, 16, 22], dtype=np.int64)


@kernel
def classify_2d(g, height, width, full, join, parent, candidates, dual):
    """Joining edges and candidates of a padded 2D image.

    ``join[p]`` receives the neighbour index ``k`` of the joining edge (-1 for a pixel with
    no earlier neighbour: a maximum), ``parent[p]`` the joined neighbour (or ``p``), the start
    of the union-find. Candidates are written in index order; returns their number.

    If ``dual`` is not empty (superlevel, face connectivity), the dual step of every
    non-candidate ``p`` is fixed in it (indexed by square anchor; see :mod:`._loop_kernels`):
    the squares fresh at ``p`` join the first of its other squares (anchored at ``p``,
    ``p - 1``, ``p - stride``, ``p - stride - 1``; the outer vertex 0 if it leaves the image),
    or, at a local minimum, the square anchored at ``p``, which founds a dual component.
    """
    stride = width + 2
    ring_offset = np.array(
        [-stride - 1, -stride, -stride + 1, 1, stride + 1, stride, stride - 1, -1, 0],
        dtype=np.int64,
    )
    first = FULL_INDEX if full else FACE_INDEX
    position = FULL_POSITION if full else FACE_POSITION
    counts = COUNT8 if full else COUNT4
    with_dual = dual.shape[0] > 0
    masks = np.empty(stride, dtype=np.uint8)
    n = 0
    for i in range(1, height + 1):
        row_ring_masks(g, i * stride, stride, width, -1.0, masks)  # earlier: larger values
        for p in range(i * stride + 1, i * stride + width + 1):
            mask = np.int64(masks[p - i * stride])
            join[p] = first[mask]
            parent[p] = p + ring_offset[position[mask]]
            candidates[n] = p
            candidate = counts[mask] >= 2
            n += candidate
            if with_dual:
                fresh = FRESH[mask] * (1 - candidate)
                j = TARGET[mask]
                column = p - i * stride
                if j == 0:
                    target = p if (i < height) & (column < width) else 0
                elif j == 1:
                    target = p - 1 if (i < height) & (column > 1) else 0
                elif j == 2:
                    target = p - stride if (i > 1) & (column < width) else 0
                elif j == 3:
                    target = p - stride - 1 if (i > 1) & (column > 1) else 0
                else:
                    target = p
                if fresh & 1:
                    dual[p] = target
                if fresh & 2:
                    dual[p - 1] = target
                if fresh & 4:
                    dual[p - stride] = target
                if fresh & 8:
                    dual[p - stride - 1] = target
    return n


@kernel
def classify_3d(g, depth, height, width, full, join, parent, candidates):
    """Three-dimensional :func:`classify_2d` (27-bit cube masks, bits in offset order)."""
    sy = width + 2
    sz = (height + 2) * sy
    cube = np.empty(27, dtype=np.int64)
    for b in range(27):
        cube[b] = (b // 9 - 1) * sz + ((b // 3) % 3 - 1) * sy + (b % 3 - 1)
    masks = np.zeros(sy, dtype=np.int64)
    n = 0
    for z in range(1, depth + 1):
        for y in range(1, height + 1):
            row = z * sz + y * sy
            row_cube_masks(g, row, cube, width, -1.0, masks)  # earlier: larger values
            for p in range(row + 1, row + width + 1):
                mask = masks[p - row]
                join[p] = -1
                parent[p] = p
                if full:
                    if mask:
                        b = 0
                        while not (mask >> b) & 1:
                            b += 1
                        join[p] = b if b < 13 else b - 1
                        parent[p] = p + cube[b]
                    split = split26(mask)
                else:
                    for k in range(6):
                        if (mask >> _FACE_BITS[k]) & 1:
                            join[p] = k
                            parent[p] = p + cube[_FACE_BITS[k]]
                            break
                    split = split6(mask)
                candidates[n] = p
                n += split
    return n
