"""Local pairing: classify every pixel from its neighbourhood alone.

The kernels work on a *padded* image ``g`` (sublevel filtration, flattened in C order) whose
one-pixel frame holds ``+inf``: frame cells are never part of a sublevel set, and in the dual
(complement) pass they are the outside, present from the start.

Pixels are totally ordered by ``(g, index)``. For each pixel the kernels find

* whether its *lower* neighbours (in the foreground connectivity) fall into two or more local
  groups: only such a pixel can merge sublevel components (a dim-0 saddle candidate);
* whether its *upper* neighbours (in the dual connectivity, frame included) fall into two or
  more local groups: only such a pixel can merge complement components (a dual saddle);
* a steepest lower neighbour and a steepest upper neighbour. Following steepest pointers leads
  every pixel to the minimum (maximum) of its basin inside its own sublevel (superlevel) set,
  so components need only be merged at saddles.

A pixel whose lower neighbours form one local group cannot change the number of components,
because those neighbours are already connected through pixels below it.
"""

from __future__ import annotations

import numpy as np

from toposeg._neighbourhood import COUNT4, COUNT8, split6, split26
from toposeg._numba import kernel


@kernel
def classify_2d(g, height, width, eight_connected, down, up, low_saddles, up_saddles):
    """Fill ``down``/``up`` pointers and saddle lists for a padded 2D image.

    ``g`` has shape ``(height + 2) * (width + 2)``. ``eight_connected`` selects the
    T-construction (8-connected sublevel sets, 4-connected complement). Returns the numbers of
    dim-0 and dual saddle candidates written to ``low_saddles`` and ``up_saddles``.
    """
    stride = width + 2
    ring = np.array(
        [-stride - 1, -stride, -stride + 1, 1, stride + 1, stride, stride - 1, -1], dtype=np.int64
    )
    n_low = 0
    n_up = 0
    for i in range(1, height + 1):
        for j in range(1, width + 1):
            p = i * stride + j
            value = g[p]
            low = 0
            for k in range(8):
                neighbour = g[p + ring[k]]
                # Ties go to the smaller index: the first three ring positions and the last
                # precede p in C order.
                if neighbour < value or (neighbour == value and (k < 3 or k == 7)):
                    low |= 1 << k
            high = ~low & 255
            if eight_connected:
                low_groups = COUNT8[low]
                up_groups = COUNT4[high]
            else:
                low_groups = COUNT4[low]
                up_groups = COUNT8[high]
            best_low = -1
            best_up = -1
            for k in range(8):
                q = p + ring[k]
                edge = k & 1
                if (low >> k) & 1:
                    if eight_connected or edge:
                        if best_low < 0 or g[q] < g[best_low] or (g[q] == g[best_low] and q < best_low):
                            best_low = q
                elif (not eight_connected) or edge:
                    if best_up < 0 or g[q] > g[best_up] or (g[q] == g[best_up] and q > best_up):
                        best_up = q
            down[p] = best_low
            up[p] = best_up
            if low_groups >= 2:
                low_saddles[n_low] = p
                n_low += 1
            if up_groups >= 2:
                up_saddles[n_up] = p
                n_up += 1
    return n_low, n_up


@kernel
def classify_3d(g, depth, height, width, twenty_six, down, up, low_saddles, up_saddles):
    """Three-dimensional :func:`classify_2d` on a padded volume.

    ``twenty_six`` selects the T-construction (26-connected sublevel sets, 6-connected
    complement); otherwise sublevel sets are 6-connected and the complement 26-connected.
    """
    sy = width + 2
    sz = (height + 2) * sy
    cube = np.empty(27, dtype=np.int64)
    face = np.zeros(27, dtype=np.bool_)
    for b in range(27):
        dz = b // 9 - 1
        dy = (b // 3) % 3 - 1
        dx = b % 3 - 1
        cube[b] = dz * sz + dy * sy + dx
        face[b] = abs(dz) + abs(dy) + abs(dx) == 1
    n_low = 0
    n_up = 0
    for z in range(1, depth + 1):
        for y in range(1, height + 1):
            for x in range(1, width + 1):
                p = z * sz + y * sy + x
                value = g[p]
                low = 0
                for b in range(27):
                    if b == 13:
                        continue
                    neighbour = g[p + cube[b]]
                    if neighbour < value or (neighbour == value and b < 13):
                        low |= 1 << b
                high = ~low & 0x7FFFFFF & ~(1 << 13)
                if twenty_six:
                    low_split = split26(low)
                    up_split = split6(high)
                else:
                    low_split = split6(low)
                    up_split = split26(high)
                best_low = -1
                best_up = -1
                for b in range(27):
                    if b == 13:
                        continue
                    q = p + cube[b]
                    if (low >> b) & 1:
                        if twenty_six or face[b]:
                            if best_low < 0 or g[q] < g[best_low] or (g[q] == g[best_low] and q < best_low):
                                best_low = q
                    elif (not twenty_six) or face[b]:
                        if best_up < 0 or g[q] > g[best_up] or (g[q] == g[best_up] and q > best_up):
                            best_up = q
                down[p] = best_low
                up[p] = best_up
                if low_split:
                    low_saddles[n_low] = p
                    n_low += 1
                if up_split:
                    up_saddles[n_up] = p
                    n_up += 1
    return n_low, n_up


@kernel
def resolve_roots(pointer, root):
    """Follow ``pointer`` (``-1`` marks a root) from every cell; write each cell's root."""
    n = pointer.shape[0]
    stack = np.empty(n, dtype=np.int64)
    for i in range(n):
        if root[i] >= 0:
            continue
        top = 0
        j = i
        while root[j] < 0 and pointer[j] >= 0:
            stack[top] = j
            top += 1
            j = pointer[j]
        r = root[j] if root[j] >= 0 else j
        root[j] = r
        for k in range(top):
            root[stack[k]] = r
