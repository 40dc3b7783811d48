"""Index arithmetic between the engine's padded arrays and the user's image."""

from __future__ import annotations

import numpy as np

from toposeg._numba import inline_kernel, kernel


@inline_kernel
def _image_index(index, padded, margin):
    """The flat index in the image ``margin`` pixels inside an array of shape ``padded`` (2D or
    3D) of the pixel at flat ``index`` of that array, -1 for a pixel of the margin."""
    ndim = padded.shape[0]
    width = padded[ndim - 1]
    height = padded[ndim - 2]
    inner_width = width - 2 * margin
    inner_height = height - 2 * margin
    inner_depth = padded[0] - 2 * margin if ndim == 3 else 1
    row = index // width  # one division per axis; indices are non-negative
    x = index - row * width - margin
    if ndim == 3:
        z = row // height
        y = row - z * height - margin
        z -= margin
    else:
        y = row - margin
        z = 0
    inside = (0 <= x < inner_width) & (0 <= y < inner_height) & (0 <= z < inner_depth)
    return (z * inner_height + y) * inner_width + x if inside else -1


@kernel
def pair_table(g, first, second, negate, padded, margin):
    """The ``(n, 2)`` values and image pixels of the pairs ``(first[i], second[i])`` of flat
    indices into ``g`` (an array of shape ``padded``, the image ``margin`` pixels inside it):
    values are ``g`` (``-g`` if ``negate``; -0.0 becomes 0.0), pixels of the margin are -1."""
    n = first.shape[0]
    values = np.empty((n, 2), dtype=np.float64)
    pixels = np.empty((n, 2), dtype=np.int64)
    sign = -1.0 if negate else 1.0
    for i in range(n):
        values[i, 0] = sign * g[first[i]] + 0.0
        values[i, 1] = sign * g[second[i]] + 0.0
        pixels[i, 0] = _image_index(first[i], padded, margin)
        pixels[i, 1] = _image_index(second[i], padded, margin)
    return values, pixels


@kernel
def packed_keys(values, keys):
    """Fill ``keys`` with ``(ordered float32 bits << 32) | index``, whose unsigned order is the
    order of ``(value, index)``; return ``False`` (keys unusable) if a value is not exact in
    float32."""
    n = values.shape[0]
    single = np.empty(n, dtype=np.float32)
    for i in range(n):
        single[i] = values[i] + 0.0  # -0.0 becomes 0.0
        if single[i] != values[i]:
            return False
    bits = single.view(np.uint32)
    sign = np.uint32(0x80000000)
    for i in range(n):
        b = bits[i]
        ordered = ~b if b & sign else b | sign
        keys[i] = (np.uint64(ordered) << np.uint64(32)) | np.uint64(i)
    return True


@kernel
def padded_ranks(order, depth, height, width, frame, inverse, rank):
    """Vertex ranks of a ``depth x height x width`` volume for the dimension-1 reduction.

    The voxel ``order[i]`` (flat index) gets rank ``i``, written into ``rank``: the volume
    padded by one voxel of rank -1 (nonexistent). With ``frame``, the volume is first
    surrounded by a one-voxel frame whose voxels come first (in C order) and the inner voxels
    follow in reverse ``order``. ``inverse`` is scratch space of ``order``'s size. Returns the
    number of frame voxels.
    """
    size = order.shape[0]
    for i in range(size):
        inverse[order[i]] = i
    margin = 2 if frame else 1
    outer_depth = depth + 2 * margin
    outer_height = height + 2 * margin
    outer_width = width + 2 * margin
    n_frame = (depth + 2) * (height + 2) * (width + 2) - size if frame else 0
    n = 0
    a = 0
    for z in range(outer_depth):
        for y in range(outer_height):
            for x in range(outer_width):
                iz = z - margin
                iy = y - margin
                ix = x - margin
                if 0 <= iz < depth and 0 <= iy < height and 0 <= ix < width:
                    r = inverse[(iz * height + iy) * width + ix]
                    rank[a] = n_frame + size - 1 - r if frame else r
                elif frame and (
                    0 < z < outer_depth - 1 and 0 < y < outer_height - 1 and 0 < x < outer_width - 1
                ):
                    rank[a] = n
                    n += 1
                else:
                    rank[a] = -1
                a += 1
    return n_frame


def rank_vertices(
    ranks: np.ndarray, order: np.ndarray, padded: tuple[int, ...], n_frame: int, reverse: bool
) -> np.ndarray:
    """Flat indices, in an array of shape ``padded`` (the volume with a one-voxel margin), of
    the voxels with ``ranks`` given by :func:`padded_ranks` (with ``frame=reverse``): the first
    ``n_frame`` ranks are the margin's voxels in C order, the others follow ``order``."""
    inner = ranks >= n_frame
    position = ranks[inner] - n_frame
    if reverse:
        position = order.shape[0] - 1 - position
    coords = np.unravel_index(order[position], tuple(s - 2 for s in padded))
    out = np.empty_like(ranks)
    out[inner] = np.ravel_multi_index(tuple(c + 1 for c in coords), padded)
    if not inner.all():
        border = np.ones(padded, dtype=bool)
        border[(slice(1, -1),) * len(padded)] = False
        out[~inner] = np.flatnonzero(border)[ranks[~inner]]
    return out
