"""Betti numbers of a binary mask, by labelling and the Euler characteristic."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from toposeg._validation import check_array, check_binary, check_connectivity

__all__ = ["betti_numbers", "euler_characteristic"]


def betti_numbers(mask: np.ndarray, *, connectivity: int = 1) -> tuple[int, ...]:
    """Betti numbers of the foreground of a 2D or 3D binary mask.

    Parameters
    ----------
    mask : (M, N) or (M, N, P) ndarray of bool or 0/1
        The foreground.
    connectivity : {1, ndim}, optional
        Foreground connectivity as in SciPy: ``1`` is 4-connected (6 in 3D) with an 8 (26)
        connected background, ``ndim`` is 8 (26) with a 4 (6) connected background.

    Returns
    -------
    tuple of int
        ``(b0, b1)`` in 2D: components and holes; ``(b0, b1, b2)`` in 3D: components,
        tunnels and cavities.

    Notes
    -----
    ``b0`` counts the foreground components; the top Betti number counts the background
    components that do not touch the border of the array; in 3D, ``b1`` follows from the
    Euler characteristic ``chi = b0 - b1 + b2`` of the cubical complex of the foreground.

    Examples
    --------
    >>> import numpy as np
    >>> from toposeg import betti_numbers
    >>> ring = np.ones((3, 3), dtype=bool)
    >>> ring[1, 1] = False
    >>> betti_numbers(ring)
    (1, 1)
    >>> cube = np.ones((3, 3, 3), dtype=bool)
    >>> cube[1, 1, 1] = False
    >>> betti_numbers(cube)
    (1, 0, 1)
    """
    mask = check_binary(check_array(mask, "mask"), "mask")
    connectivity = check_connectivity(connectivity, mask.ndim)
    ndim = mask.ndim
    foreground = ndimage.generate_binary_structure(ndim, connectivity)
    background = ndimage.generate_binary_structure(ndim, 1 if connectivity == ndim else ndim)
    b0 = ndimage.label(mask, structure=foreground)[1]
    # Background components that touch the border are part of the outside.
    padded = np.pad(~mask, 1, constant_values=True)
    top = ndimage.label(padded, structure=background)[1] - 1
    if ndim == 2:
        return (b0, top)
    chi = euler_characteristic(mask, connectivity=connectivity)
    return (b0, b0 + top - chi, top)


def euler_characteristic(mask: np.ndarray, *, connectivity: int = 1) -> int:
    """Euler characteristic of the cubical complex of a boolean mask.

    With ``connectivity=1`` pixels are vertices (V-construction): a cell exists when all its
    vertices are foreground. With ``connectivity=ndim`` pixels are top cells
    (T-construction): a cell exists when any pixel containing it is foreground.
    """
    mask = np.asarray(mask, dtype=bool)
    ndim = mask.ndim
    full = connectivity == ndim
    if full:
        mask = np.pad(mask, 1)
    chi = 0
    for cell in np.ndindex(*(2,) * ndim):
        # cell[k] == 1: the cell extends along axis k (spans two pixels in the V-construction,
        # lies between two pixels in the T-construction).
        present = mask
        for axis, extent in enumerate(cell):
            if not extent:
                continue
            a = np.take(present, range(present.shape[axis] - 1), axis=axis)
            b = np.take(present, range(1, present.shape[axis]), axis=axis)
            present = (a | b) if full else (a & b)
        dim = sum(cell)
        if full:
            # In the T-construction a pixel is a top cell: the cells of dimension d are the
            # lattice points with ndim - d free axes; swap the roles of extents.
            dim = ndim - dim
        chi += (-1) ** dim * int(present.sum())
    return chi
