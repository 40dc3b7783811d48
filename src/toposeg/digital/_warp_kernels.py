"""One pass of distance-ordered homotopic warping: visit the candidates in order and flip each
one that is simple at the moment it is visited (thesis ch.5, Sec. 5.2.5).

Flipping a point changes the neighbourhood, and so the simple-point status, of its neighbours
only; each candidate's neighbourhood is therefore read from the current mask when it is visited.
"""

from __future__ import annotations

from toposeg._numba import kernel
from toposeg.digital._simple_kernels import cube_mask, ring_mask, simple_3d


@kernel
def warp_pass_2d(padded, order, offsets, table):
    """Flip, in the padded (H + 2, W + 2) uint8 image, each pixel of ``order`` (flat indices into
    the unpadded image) that is simple when visited. Returns the number of flips."""
    width = padded.shape[1] - 2
    flat = padded.ravel()
    flips = 0
    for i in order:
        p = i + 2 * (i // width) + width + 3  # index of the same pixel in the padded image
        if table[ring_mask(flat, p, offsets)]:
            flat[p] ^= 1
            flips += 1
    return flips


@kernel
def warp_pass_3d(padded, order, offsets, full):
    """As :func:`warp_pass_2d` for a padded (D + 2, H + 2, W + 2) volume; ``full`` selects the
    26/6 adjacency pair instead of 6/26."""
    height, width = padded.shape[1] - 2, padded.shape[2] - 2
    flat = padded.ravel()
    flips = 0
    for i in order:
        z, rest = divmod(i, height * width)
        y, x = divmod(rest, width)
        p = ((z + 1) * (height + 2) + y + 1) * (width + 2) + x + 1
        if simple_3d(cube_mask(flat, p, offsets), full):
            flat[p] ^= 1
            flips += 1
    return flips
