"""Local pairing: classify every pixel from its neighbourhood alone.

The kernels work on a *padded* image ``g`` (sublevel filtration, flattened in C order) whose
one-pixel frame holds ``+inf``: frame cells are never part of a sublevel set, and in the dual
(complement) pass they are the outside, present from the start.

Pixels are totally ordered by ``(g, index)``. For each pixel the kernels find

* whether its *lower* neighbours (in the foreground connectivity) fall into two or more local
  groups: only such a pixel can merge sublevel components (a dim-0 saddle candidate);
* whether its *upper* neighbours (in the dual connectivity, frame included) fall into two or
  more local groups: only such a pixel can merge complement components (a dual saddle);
* a lower and an upper neighbour. Following these pointers, values strictly decrease
  (increase), so every pixel reaches a minimum (maximum, or the frame) inside its own
  sublevel (superlevel) set: the root of its basin. The pointer arrays are union-find forests
  (a root points to itself), and components need only be merged at saddles.

A pixel whose lower neighbours form one local group cannot change the number of components,
because those neighbours are already connected through pixels below it.
"""

from __future__ import annotations

import numpy as np

from toposeg._neighbourhood import (
    COUNT4,
    COUNT8,
    FACES6,
    NEIGHBOURS26,
    row_cube_masks,
    row_ring_masks,
    split6,
    split26,
)
from toposeg._numba import kernel
from toposeg._cubical.merge import lowest_bit


def _first_bits(keep: int) -> np.ndarray:
    """For each 8-bit ring mask, the first set position among ``keep`` (-1 if none)."""
    first = np.full(256, -1, dtype=np.int64)
    for mask in range(256):
        for k in range(8):
            if (mask & keep) >> k & 1:
                first[mask] = k
                break
    return first


_FIRST_EDGE = _first_bits(0b10101010)  # 4-neighbours sit at the odd ring positions
_FIRST_ANY = _first_bits(0b11111111)
@kernel
def classify_2d(g, height, width, eight_connected, down, up, saddles):
    """Fill ``down``/``up`` pointers and the saddle list for a padded 2D image.

    ``g`` has shape ``(height + 2) * (width + 2)``. ``eight_connected`` selects the
    T-construction (8-connected sublevel sets, 4-connected complement). The pointer of a pixel
    is its first lower (upper) neighbour in ring order, itself at a minimum (maximum).

    In 2D a pixel's lower neighbours fall into two or more groups exactly when its upper
    neighbours do (checked for all 256 rings in the tests), so one list of candidates serves
    both passes: entries ``(p << 27) | mask``, the mask marking the lower neighbours. Returns
    the number of candidates, of minima and of maxima.
    """
    stride = width + 2
    # ring offsets, with an extra first entry 0 for "no such neighbour": the pointer to itself
    ring = np.array(
        [0, -stride - 1, -stride, -stride + 1, 1, stride + 1, stride, stride - 1, -1], dtype=np.int64
    )
    count = COUNT8 if eight_connected else COUNT4
    low_first = _FIRST_ANY if eight_connected else _FIRST_EDGE
    up_first = _FIRST_EDGE if eight_connected else _FIRST_ANY
    masks = np.empty(stride, dtype=np.uint8)
    n_saddles = 0
    n_min = 0
    n_max = 0
    for i in range(1, height + 1):
        row = i * stride
        row_ring_masks(g, row, stride, width, 1.0, masks)
        for x in range(1, width + 1):
            p = row + x
            low = np.int64(masks[x])
            k = low_first[low] + 1
            down[p] = p + ring[k]
            n_min += k == 0
            k = up_first[~low & 255] + 1
            up[p] = p + ring[k]
            n_max += k == 0
            saddles[n_saddles] = (p << 27) | low
            n_saddles += count[low] >= 2
    return n_saddles, n_min, n_max


@kernel
def classify_3d(g, depth, height, width, twenty_six, down, up, low_saddles, up_saddles):
    """Three-dimensional :func:`classify_2d` on a padded volume.

    ``twenty_six`` selects the T-construction (26-connected sublevel sets, 6-connected
    complement); otherwise sublevel sets are 6-connected and the complement 26-connected.
    In 3D the two kinds of saddle candidates differ, so they go to two lists; both store
    ``(p << 27) | mask`` with the mask of the lower neighbours (one bit per position of the
    3x3x3 cube). Returns the numbers of dim-0 and dual candidates, of minima and of maxima.
    """
    sy = width + 2
    sz = (height + 2) * sy
    cube = np.empty(27, dtype=np.int64)
    for b in range(27):
        cube[b] = (b // 9 - 1) * sz + ((b // 3) % 3 - 1) * sy + (b % 3 - 1)
    low_keep = NEIGHBOURS26 if twenty_six else FACES6
    up_keep = FACES6 if twenty_six else NEIGHBOURS26
    n_low = 0
    n_up = 0
    n_min = 0
    n_max = 0
    masks = np.zeros(sy, dtype=np.int64)
    for z in range(1, depth + 1):
        for y in range(1, height + 1):
            row = z * sz + y * sy
            row_cube_masks(g, row, cube, width, 1.0, masks)
            for x in range(1, width + 1):
                p = row + x
                low = masks[x]
                high = ~low & NEIGHBOURS26
                candidates = low & low_keep
                down[p] = p + cube[lowest_bit(candidates)] if candidates else p
                n_min += candidates == 0
                candidates = high & up_keep
                up[p] = p + cube[lowest_bit(candidates)] if candidates else p
                n_max += candidates == 0
                if twenty_six:
                    low_split = split26(low)
                    up_split = split6(high)
                else:
                    low_split = split6(low)
                    up_split = split26(high)
                low_saddles[n_low] = (p << 27) | low
                n_low += low_split
                up_saddles[n_up] = (p << 27) | low
                n_up += up_split
    return n_low, n_up, n_min, n_max

