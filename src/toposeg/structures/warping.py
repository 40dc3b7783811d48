"""The critical pixels of homotopy warping (thesis ch.5) of a stack of binary masks."""

from __future__ import annotations

import numpy as np

from toposeg.digital import critical_mask_batch
from toposeg.structures.pixels import PixelSet

__all__ = ["warping_critical_pixels"]


def warping_critical_pixels(
    predicted: np.ndarray,
    truth: np.ndarray,
    *,
    connectivity: int = 1,
    max_passes: int | None = 1,
    workers: int | None = None,
) -> PixelSet:
    """The critical pixels of every pair of a stack of binary masks ``(n_images, *spatial)``.

    For each pair, ``(f xor warp(g -> f)) or (g xor warp(f -> g))``
    (:func:`toposeg.digital.critical_mask`), computed in a thread pool of ``workers`` threads.

    Examples
    --------
    >>> import numpy as np
    >>> line = np.zeros((1, 3, 7), dtype=bool)
    >>> line[0, 1, 1:6] = True
    >>> broken = line.copy()
    >>> broken[0, 1, 3] = False
    >>> warping_critical_pixels(broken, line).index.tolist()
    [10]
    """
    masks = critical_mask_batch(
        list(predicted), list(truth), connectivity=connectivity, max_passes=max_passes, workers=workers
    )
    return PixelSet.from_masks(np.stack(masks))
