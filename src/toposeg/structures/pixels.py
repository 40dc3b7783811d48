"""Sets of pixels of a stack of images, as flat indices: what a masked pixel loss looks at."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["PixelSet"]


@dataclass(frozen=True)
class PixelSet:
    """Pixels of a stack of images ``(n_images, *spatial)``.

    ``index`` holds flat indices into the whole stack, in increasing order; ``group[i]`` is the
    image pixel ``index[i]`` belongs to.
    """

    index: np.ndarray
    group: np.ndarray

    @classmethod
    def from_image_indices(cls, found: Sequence[np.ndarray], size: int) -> PixelSet:
        """The set made of ``found[k]``, flat indices into image ``k`` of ``size`` pixels.

        Examples
        --------
        >>> import numpy as np
        >>> PixelSet.from_image_indices([np.array([1, 3]), np.array([0])], 4).index.tolist()
        [1, 3, 4]
        """
        counts = [len(f) for f in found]
        group = np.repeat(np.arange(len(found), dtype=np.int64), counts)
        local = np.concatenate(found).astype(np.int64) if found else np.empty(0, dtype=np.int64)
        return cls(index=group * size + local, group=group)

    @classmethod
    def from_masks(cls, masks: np.ndarray) -> PixelSet:
        """The set of the ``True`` pixels of a boolean stack ``(n_images, *spatial)``."""
        index = np.flatnonzero(masks)
        size = math.prod(masks.shape[1:])
        return cls(index=index, group=index // size)
