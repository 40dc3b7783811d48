"""Simple points of a binary image: the pixels or voxels that can flip without changing topology."""

from __future__ import annotations

import numpy as np

from toposeg._validation import check_array, check_binary, check_connectivity
from toposeg.digital._simple_kernels import (
    SIMPLE_2D,
    cube_offsets,
    ring_offsets,
    simple_map_2d,
    simple_map_3d,
)

__all__ = ["simple_point_map"]


def simple_point_map(mask: np.ndarray, *, connectivity: int = 1) -> np.ndarray:
    """Which pixels (voxels) of a binary mask are simple points.

    A point is simple if flipping it, foreground to background or back, changes neither the
    topology of the foreground nor that of the background.

    Parameters
    ----------
    mask : (M, N) or (M, N, P) ndarray of bool or 0/1
        The foreground. Never modified. The outside of the array counts as background.
    connectivity : {1, ndim}, optional
        ``1``: 4-connected (6 in 3D) foreground and 8-connected (26) background, the pair used
        in the thesis; ``ndim``: 8-connected (26) foreground and 4-connected (6) background.

    Returns
    -------
    ndarray of bool, shape of ``mask``
        ``True`` at the simple points.

    Raises
    ------
    TypeError
        If ``mask`` is not a NumPy array of numbers.
    ValueError
        If ``mask`` is empty, not 2D or 3D, not binary, or ``connectivity`` is not 1 or ndim.

    Notes
    -----
    With the adjacency pair (n, n̄) of foreground and background, p is simple iff the topological
    numbers satisfy ``T_n(p, X) = 1`` and ``T_n̄(p, X̄) = 1`` (thesis ch.5, Definition 1;
    Bertrand and Malandain 1994): p is n-adjacent to exactly one n-component of the foreground
    in its neighbourhood (the 8-neighbourhood in 2D; in 3D the 18-neighbourhood for
    6-adjacency, the 26-neighbourhood for 26-adjacency) and n̄-adjacent to exactly one
    n̄-component of the background there. Neither number looks at p itself, so the answer does
    not depend on p's value. In 2D both numbers come from 256-entry tables; in 3D they are
    computed for each voxel from the 26 neighbours.

    Examples
    --------
    The ends of a line can be removed, its middle cannot; pixels beside the line can be added,
    but not a pixel that only touches it at a corner (4-connected foreground):

    >>> import numpy as np
    >>> from toposeg.digital import simple_point_map
    >>> line = np.zeros((3, 5), dtype=bool)
    >>> line[1, 1:4] = True
    >>> simple_point_map(line).astype(int)
    array([[0, 1, 1, 1, 0],
           [1, 1, 0, 1, 1],
           [0, 1, 1, 1, 0]])
    """
    mask = check_binary(check_array(mask, "mask"), "mask")
    connectivity = check_connectivity(connectivity, mask.ndim)
    padded = np.pad(np.ascontiguousarray(mask, dtype=np.uint8), 1)  # C order: flat offsets
    if mask.ndim == 2:
        table = SIMPLE_2D[0 if connectivity == 1 else 1]
        out = simple_map_2d(padded, ring_offsets(padded.shape[1]), table)
    else:
        offsets = cube_offsets(padded.shape[1], padded.shape[2])
        out = simple_map_3d(padded, offsets, connectivity == 3)
    return out.view(bool)
