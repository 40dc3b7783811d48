"""Index arithmetic between the engine's padded arrays and the user's image."""

from __future__ import annotations

from toposeg._numba import kernel


@kernel
def to_image(index, padded, margin, out):
    """Write into ``out`` the flat indices of the image ``margin`` pixels inside an array of
    shape ``padded`` that the flat ``index`` points to, -1 for pixels of the margin."""
    for i in range(index.shape[0]):
        rest = index[i]
        flat = 0
        stride = 1
        inside = True
        for axis in range(padded.shape[0] - 1, -1, -1):
            size = padded[axis]
            coordinate = rest % size - margin
            rest //= size
            inner = size - 2 * margin
            inside &= (coordinate >= 0) & (coordinate < inner)
            flat += coordinate * stride
            stride *= inner
        out[i] = flat if inside else -1
