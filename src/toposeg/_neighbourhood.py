"""Topological numbers of a pixel's or voxel's neighbourhood, as bit masks.

A 2D neighbourhood is the ring of 8 pixels around a centre, stored as an 8-bit mask in the
cyclic order of :data:`RING_2D` (starting at the upper-left corner, clockwise). A 3D
neighbourhood is the 3x3x3 cube around a centre voxel, stored as a 27-bit mask whose bit
``9 * (dz + 1) + 3 * (dy + 1) + (dx + 1)`` is the voxel at offset ``(dz, dy, dx)``; the centre
bit (13) is never set.

The counts here are the topological numbers of digital topology (Bertrand and Malandain):
the number of connected components of the neighbourhood set that touch the centre, for
4/8-adjacency in 2D and 6/26-adjacency in 3D. The 2D counts come from 256-entry tables; the
3D counts flood a component by shifting the whole 27-bit mask, one adjacency step at a time.
"""

from __future__ import annotations

import numpy as np

from toposeg._numba import inline_kernel, kernel

__all__ = [
    "COUNT4",
    "COUNT8",
    "CUBE_OFFSETS",
    "FACES6",
    "NEIGHBOURS18",
    "NEIGHBOURS26",
    "REPS4",
    "REPS8",
    "RING_2D",
    "count6",
    "count26",
    "split6",
    "split26",
]

#: (dy, dx) offsets of the 8-neighbour ring, in cyclic order.
RING_2D = np.array(
    [(-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1)], dtype=np.int64
)


def _ring_components() -> tuple[np.ndarray, np.ndarray]:
    """For each of the 256 ring masks, one representative bit per 4-component touching the
    centre (an edge pixel) and per 8-component."""
    reps4 = np.zeros(256, dtype=np.int64)
    reps8 = np.zeros(256, dtype=np.int64)
    for mask in range(256):
        bits = [(mask >> k) & 1 for k in range(8)]
        if all(bits):
            reps4[mask] = reps8[mask] = 1 << 1
            continue
        # Components of a circular sequence: runs of set bits (consecutive ring positions are
        # 4-adjacent). A run touches the centre in 4-adjacency iff it holds an edge pixel (odd
        # position). In 8-adjacency two edge pixels next to one missing corner are also adjacent.
        start = bits.index(0)
        runs: list[list[int]] = []
        for step in range(1, 9):
            k = (start + step) % 8
            if bits[k] and (not runs or not bits[(k - 1) % 8]):
                runs.append([k])
            elif bits[k]:
                runs[-1].append(k)
        for run in runs:
            edges = [k for k in run if k % 2]
            if edges:
                reps4[mask] |= 1 << edges[0]
        # In 8-adjacency, two runs separated only by a missing corner join into one component.
        component = list(range(len(runs)))
        for corner in (0, 2, 4, 6):
            if not bits[corner] and bits[(corner - 1) % 8] and bits[(corner + 1) % 8]:
                a = next(i for i, run in enumerate(runs) if (corner - 1) % 8 in run)
                b = next(i for i, run in enumerate(runs) if (corner + 1) % 8 in run)
                old, new = component[a], component[b]
                component = [new if c == old else c for c in component]
        for label in set(component):
            reps8[mask] |= 1 << runs[component.index(label)][0]
    return reps4, reps8


#: ``REPS4[mask]``: one bit (an edge pixel) for each 4-component of the ring pixels in ``mask``
#: that is 4-adjacent to the centre. ``REPS8[mask]``: one bit for each 8-component.
REPS4, REPS8 = _ring_components()
#: ``COUNT4[mask]``: number of those 4-components (the topological number T4);
#: ``COUNT8[mask]``: number of 8-components (T8).
COUNT4 = np.array([bin(int(r)).count("1") for r in REPS4], dtype=np.int64)
COUNT8 = np.array([bin(int(r)).count("1") for r in REPS8], dtype=np.int64)

#: (dz, dy, dx) offset of each of the 27 bits of a cube mask.
CUBE_OFFSETS = np.array(
    [(dz, dy, dx) for dz in (-1, 0, 1) for dy in (-1, 0, 1) for dx in (-1, 0, 1)], dtype=np.int64
)
_order = np.abs(CUBE_OFFSETS).sum(axis=1)
#: Bits of the 6 face neighbours, of the 18 face and edge neighbours, of all 26 neighbours.
FACES6 = int(sum(1 << b for b in range(27) if _order[b] == 1))
NEIGHBOURS18 = int(sum(1 << b for b in range(27) if 1 <= _order[b] <= 2))
NEIGHBOURS26 = int(sum(1 << b for b in range(27) if _order[b] >= 1))
del _order

_X_LOW = sum(1 << b for b in range(27) if b % 3 == 0)
_X_HIGH = sum(1 << b for b in range(27) if b % 3 == 2)
_Y_LOW = sum(1 << b for b in range(27) if (b // 3) % 3 == 0)
_Y_HIGH = sum(1 << b for b in range(27) if (b // 3) % 3 == 2)
_Z_LOW = sum(1 << b for b in range(27) if b // 9 == 0)
_Z_HIGH = sum(1 << b for b in range(27) if b // 9 == 2)


@inline_kernel
def _step6(s: int) -> int:
    return (
        s
        | ((s & ~_X_HIGH) << 1)
        | ((s & ~_X_LOW) >> 1)
        | ((s & ~_Y_HIGH) << 3)
        | ((s & ~_Y_LOW) >> 3)
        | ((s & ~_Z_HIGH) << 9)
        | ((s & ~_Z_LOW) >> 9)
    )


@inline_kernel
def _step26(s: int) -> int:
    s = s | ((s & ~_X_HIGH) << 1) | ((s & ~_X_LOW) >> 1)
    s = s | ((s & ~_Y_HIGH) << 3) | ((s & ~_Y_LOW) >> 3)
    return s | ((s & ~_Z_HIGH) << 9) | ((s & ~_Z_LOW) >> 9)


@inline_kernel
def _flood6(seed: int, inside: int) -> int:
    component = seed
    while True:
        grown = _step6(component) & inside
        if grown == component:
            return component
        component = grown


@inline_kernel
def _flood26(seed: int, inside: int) -> int:
    component = seed
    while True:
        grown = _step26(component) & inside
        if grown == component:
            return component
        component = grown


@kernel
def count6(mask: int) -> int:
    """T6: number of 6-components of ``mask`` within the 18-neighbourhood that hold a face
    neighbour of the centre."""
    inside = mask & NEIGHBOURS18
    faces = inside & FACES6
    count = 0
    while faces:
        component = _flood6(faces & -faces, inside)
        faces &= ~component
        count += 1
    return count


@kernel
def count26(mask: int) -> int:
    """T26: number of 26-components of ``mask`` within the 26-neighbourhood."""
    inside = mask & NEIGHBOURS26
    count = 0
    while inside:
        component = _flood26(inside & -inside, inside)
        inside &= ~component
        count += 1
    return count


@inline_kernel
def split6(mask: int) -> bool:
    """Whether the face neighbours in ``mask`` fall into two or more groups joined by 6-paths
    through ``mask`` (anywhere in the 26-neighbourhood).

    ``False`` guarantees that all face neighbours in ``mask`` are connected to each other.
    """
    faces = mask & FACES6
    if faces & (faces - 1) == 0:
        return False
    inside = mask & NEIGHBOURS26
    component = faces & -faces
    while True:  # grow until every face is reached (not split) or growth stops (split)
        grown = _step6(component) & inside
        if faces & ~grown == 0:
            return False
        if grown == component:
            return True
        component = grown


@inline_kernel
def split26(mask: int) -> bool:
    """Whether the voxels in ``mask`` fall into two or more 26-components."""
    inside = mask & NEIGHBOURS26
    if inside & (inside - 1) == 0:
        return False
    component = inside & -inside
    while True:
        grown = _step26(component) & inside
        if grown == inside:
            return False
        if grown == component:
            return True
        component = grown


@inline_kernel
def row_ring_masks(g, row, stride, width, sign, masks):
    """Ring masks of one row of a padded 2D image, whole row at once (vectorised).

    For the pixels ``row + 1 .. row + width`` of the flat padded image ``g`` (rows of
    ``stride = width + 2``), set ``masks[x]`` (``x`` = 1..width, uint8) to the ring neighbours
    (:data:`RING_2D` order) that come before the pixel in the order of ``(sign * g, index)``:
    ``sign`` 1.0 for increasing values, -1.0 for decreasing ones.
    """
    above = g[row - stride : row]
    here = g[row : row + stride]
    below = g[row + stride : row + 2 * stride]
    for x in range(1, width + 1):
        v = sign * here[x]
        # ring positions 0, 1, 2 and 7 have smaller indices: ties count as before
        masks[x] = (
            np.uint8(sign * above[x - 1] <= v)
            | (np.uint8(sign * above[x] <= v) << 1)
            | (np.uint8(sign * above[x + 1] <= v) << 2)
            | (np.uint8(sign * here[x + 1] < v) << 3)
            | (np.uint8(sign * below[x + 1] < v) << 4)
            | (np.uint8(sign * below[x] < v) << 5)
            | (np.uint8(sign * below[x - 1] < v) << 6)
            | (np.uint8(sign * here[x - 1] <= v) << 7)
        )


@inline_kernel
def row_cube_masks(g, row, cube, width, sign, masks):
    """Cube masks of one row of a padded 3D volume, whole row at once (vectorised).

    For the voxels ``row + 1 .. row + width`` of the flat padded volume ``g``, set
    ``masks[x]`` (``x`` = 1..width, int64) to the 27-bit mask of the neighbours (flat offsets
    ``cube``, in bit order) that come before the voxel in the order of ``(sign * g, index)``.
    Unsigned indices (no wraparound of negative ones) let the compiler vectorise each loop.
    """
    for x in range(1, width + 1):
        masks[x] = 0
    for b in range(27):
        start = np.uint64(row + cube[b])
        if b < 13:  # these neighbours have smaller indices: ties count as before
            for x in range(1, width + 1):
                v = sign * g[np.uint64(row + x)]
                masks[x] |= np.int64(sign * g[start + np.uint64(x)] <= v) << b
        elif b > 13:
            for x in range(1, width + 1):
                v = sign * g[np.uint64(row + x)]
                masks[x] |= np.int64(sign * g[start + np.uint64(x)] < v) << b
