"""The Morse mask of the DMT loss: the pixels of a likelihood's 1- and 2-stable manifolds."""

from __future__ import annotations

from numbers import Real
from typing import Literal

import numpy as np

from toposeg._batch import map_batch
from toposeg.morse import morse_skeleton, watershed_boundaries
from toposeg.structures.pixels import PixelSet

__all__ = ["MorseStructures", "check_morse_options", "morse_mask_indices", "morse_mask_pixels"]

MorseStructures = Literal["both", "skeleton", "watershed"]

# below this many pixels in a batch, threads cost more than they save
_THREADED_SIZE = 2**16


def check_morse_options(
    eps: object, structures: object, connectivity: object, ndim: int | None = None
) -> float:
    """Check the options of a Morse mask and return ``eps`` as a float.

    Raises
    ------
    TypeError, ValueError
        A non-numeric or negative ``eps``, an unknown ``structures``, or a connectivity that
        is not an integer, not 1 or ``ndim``, or not 1 with the skeleton.
    """
    if isinstance(eps, (bool, np.bool_)) or not isinstance(eps, Real):
        raise TypeError(f"eps must be a real number, got {type(eps).__name__}")
    if not eps >= 0:
        raise ValueError(f"eps must be >= 0, got {eps}")
    if structures not in ("both", "skeleton", "watershed"):
        raise ValueError(f"structures must be 'both', 'skeleton' or 'watershed', got {structures!r}")
    if isinstance(connectivity, bool) or not isinstance(connectivity, (int, np.integer)):
        raise TypeError(f"connectivity must be an integer, got {type(connectivity).__name__}")
    if structures != "watershed" and connectivity != 1:
        raise ValueError(
            f"the skeleton S1 is defined for connectivity=1 only, got {connectivity}; use "
            "structures='watershed' for another connectivity"
        )
    if ndim is not None and connectivity not in (1, ndim):
        raise ValueError(f"connectivity must be 1 or {ndim} for {ndim}D images, got {connectivity}")
    return float(eps)


def morse_mask_indices(
    likelihood: np.ndarray,
    *,
    eps: float,
    structures: MorseStructures = "both",
    connectivity: int = 1,
) -> np.ndarray:
    """Flat indices of the pixels of S1(eps) and/or S2(eps) of one likelihood map.

    S1 is :func:`toposeg.morse.morse_skeleton` (the 1-stable manifolds of the maxima) and S2
    :func:`toposeg.morse.watershed_boundaries` (the 2-stable approximation), both pruned by
    persistence ``eps``.

    Examples
    --------
    >>> import numpy as np
    >>> f = np.full((3, 7), 0.1)
    >>> f[1] = [0.1, 0.9, 0.7, 0.5, 0.7, 0.8, 0.1]
    >>> morse_mask_indices(f, eps=0.2, structures="skeleton").tolist()
    [8, 9, 10, 11, 12]
    """
    mask = np.zeros(likelihood.shape, dtype=bool)
    if structures in ("both", "skeleton"):
        mask |= morse_skeleton(likelihood, eps=eps)
    if structures in ("both", "watershed"):
        mask |= watershed_boundaries(likelihood, eps=eps, connectivity=connectivity)
    return np.flatnonzero(mask)


def morse_mask_pixels(
    likelihoods: np.ndarray,
    *,
    eps: float,
    structures: MorseStructures = "both",
    connectivity: int = 1,
    workers: int | None = None,
) -> PixelSet:
    """The Morse mask of every map of a stack ``(n_images, *spatial)``, in a thread pool.

    ``workers`` threads (default: all CPUs); small stacks run on the calling thread.
    """

    def one(likelihood: np.ndarray) -> np.ndarray:
        return morse_mask_indices(likelihood, eps=eps, structures=structures, connectivity=connectivity)

    threads = workers if likelihoods.size >= _THREADED_SIZE else 1
    found = map_batch(one, likelihoods, threads)
    return PixelSet.from_image_indices(found, int(np.prod(likelihoods.shape[1:])))
