"""The padded grid that the Morse kernels work on: one frame convention.

The kernels address pixels by flat indices into the image padded with a one-pixel frame, so
that every pixel has all its neighbours and no bounds are checked. They compare padded values
``g``: a pixel enters the filtration before another if its value is larger, or equal with a
smaller index. ``g`` is the likelihood for the superlevel filtration (maxima, ridges) and its
negation for the sublevel one (minima, basins); the frame holds ``-inf``, so it never enters.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from toposeg._cubical.order import filtration_order
from toposeg._validation import check_connectivity

__all__ = ["Grid", "neighbour_offsets"]


class Grid:
    """A likelihood on the padded grid.

    Parameters
    ----------
    likelihood : (M, N) or (M, N, P) ndarray
        Finite values.
    superlevel : bool
        Filter by decreasing likelihood (``g = likelihood``) or increasing (``g = -likelihood``).
    connectivity : int
        1 for the 4/6 face neighbours, ``ndim`` for all 8/26 neighbours.

    Attributes
    ----------
    g : (n_padded,) float64
        Padded values, ``-inf`` in the frame.
    offsets : (K,) int64
        Flat offsets of the neighbours in increasing order, so neighbour ``K - 1 - k`` is
        opposite to neighbour ``k``.
    """

    def __init__(self, likelihood: np.ndarray, *, superlevel: bool, connectivity: int) -> None:
        self.shape = likelihood.shape
        self.ndim = likelihood.ndim
        self.connectivity = check_connectivity(connectivity, likelihood.ndim)
        self.full = self.connectivity == self.ndim
        self.padded_shape = tuple(s + 2 for s in likelihood.shape)
        values = likelihood.astype(np.float64)
        g = np.pad(values if superlevel else -values, 1, constant_values=-np.inf)
        self.g = g.ravel()
        self.offsets = neighbour_offsets(self.padded_shape, full=self.full)

    @property
    def size(self) -> int:
        """Number of cells of the padded grid."""
        return self.g.shape[0]

    def to_image(self, padded: np.ndarray) -> np.ndarray:
        """Padded flat indices as flat C-order indices of the image."""
        coords = np.unravel_index(np.asarray(padded, dtype=np.int64), self.padded_shape)
        return np.ravel_multi_index(tuple(c - 1 for c in coords), self.shape).astype(np.int64)

    def mask(self, marked: np.ndarray) -> np.ndarray:
        """A padded flat boolean array as a boolean image (a copy)."""
        inner = (slice(1, -1),) * self.ndim
        return np.ascontiguousarray(marked.reshape(self.padded_shape)[inner])

    def sort(self, padded: np.ndarray) -> np.ndarray:
        """The padded indices ``padded`` (in increasing order) in filtration order."""
        return padded[filtration_order(-self.g[padded])]


@lru_cache(maxsize=64)
def neighbour_offsets(padded_shape: tuple[int, ...], *, full: bool) -> np.ndarray:
    """Flat offsets, in increasing order, of the face (or all) neighbours in a padded array
    (read-only: the result is cached)."""
    ndim = len(padded_shape)
    strides = np.cumprod((1,) + padded_shape[::-1][:-1])[::-1]
    steps = np.stack(np.meshgrid(*[(-1, 0, 1)] * ndim, indexing="ij"), axis=-1).reshape(-1, ndim)
    size = np.abs(steps).sum(axis=1)
    keep = size >= 1 if full else size == 1
    offsets = np.sort(steps[keep] @ strides).astype(np.int64)
    offsets.setflags(write=False)
    return offsets
