"""Persistent homology of 2D images and 3D volumes, with the pixels that create each pair."""

from __future__ import annotations

from numbers import Real

import numpy as np

from toposeg._batch import check_workers, map_batch
from toposeg._validation import check_array, check_connectivity, check_finite
from toposeg.persistence._engine import sublevel_pairs
from toposeg.persistence.result import EssentialClasses, PersistenceResult

__all__ = ["cubical_persistence", "cubical_persistence_batch"]


def cubical_persistence(
    image: np.ndarray,
    *,
    superlevel: bool = True,
    connectivity: int = 1,
    frame: float | None = None,
) -> PersistenceResult:
    """Persistence diagrams and critical pixels of a 2D image or 3D volume.

    Parameters
    ----------
    image : (M, N) or (M, N, P) ndarray of float, int or bool
        The function to filter, e.g. a likelihood map. Never modified.
    superlevel : bool, optional
        Filter by superlevel sets ``{image >= t}`` (default, for likelihoods) or, if ``False``,
        by sublevel sets ``{image <= t}`` (for distance maps).
    connectivity : {1, ndim}, optional
        Connectivity of the level sets, as in SciPy and scikit-image: ``1`` makes them
        4-connected (6 in 3D) with an 8-connected (26) complement, the V-construction in which
        pixels are vertices; ``ndim`` makes them 8-connected (26) with a 4-connected (6)
        complement, the T-construction in which pixels are top cells.
    frame : float, optional
        Pad a one-pixel frame of this value around the image first, giving the homology of
        the image relative to its border (as for a patch cut from a larger image). It must
        bound the image: at least ``image.max()`` for superlevel sets, at most ``image.min()``
        for sublevel sets. Critical pixels inside the frame are reported as ``-1``.

    Returns
    -------
    PersistenceResult
        Finite pairs, critical pixels (flat C-order indices into ``image``) and essential
        classes for each dimension ``0 .. ndim - 1``.

    Raises
    ------
    TypeError
        If ``image`` is not a NumPy array of numbers.
    ValueError
        If ``image`` is empty, not 2D or 3D, holds NaN or infinite values, or ``frame`` does
        not bound it.

    Notes
    -----
    Pixels are ordered by value and, among equal values, by flat index (for superlevel sets,
    higher values come first). Pairs of zero persistence are not reported. Pairs are listed in
    a deterministic order (that of the filtration at the saddle that pairs them); rank them
    with ``np.argsort(result.persistence(d))``. The classes of
    dimension 0 and ``ndim - 1`` are found by union-find over basins merged at saddles (the
    top dimension through the complement, by Alexander duality); dimension 1 in 3D by a
    cohomology reduction with clearing and apparent pairs.

    Examples
    --------
    A ring has one component and one hole; the hole is born when the ring closes at its
    weakest pixel (0.8) and dies at the centre's value (0.1):

    >>> import numpy as np
    >>> from toposeg import cubical_persistence
    >>> ring = np.zeros((5, 5))
    >>> ring[1:4, 1:4] = 0.9
    >>> ring[2, 2] = 0.1
    >>> ring[1, 2] = 0.8
    >>> result = cubical_persistence(ring)
    >>> result.diagram(1)
    array([[0.8, 0.1]])
    >>> np.unravel_index(result.critical_pixels(1)[0], ring.shape)
    (array([1, 2]), array([2, 2]))
    >>> result.essential(0).births
    array([0.9])
    """
    image = check_array(image, "image")
    check_finite(image, "image")
    connectivity = check_connectivity(connectivity, image.ndim)
    if not isinstance(superlevel, (bool, np.bool_)):
        raise TypeError(f"superlevel must be True or False, got {superlevel!r}")
    if frame is not None:
        _check_frame(image, frame, bool(superlevel))
    pairs, (birth, pixel) = sublevel_pairs(
        image, bool(superlevel), connectivity == image.ndim, None if frame is None else float(frame)
    )
    diagrams = tuple(values for values, _ in pairs)
    pixels = tuple(where for _, where in pairs)
    none = EssentialClasses(np.empty(0), np.empty(0, dtype=np.int64))
    classes = (EssentialClasses(np.array([birth]), np.array([pixel], dtype=np.int64)),)
    classes += (none,) * (image.ndim - 1)
    return PersistenceResult(
        shape=image.shape,
        superlevel=bool(superlevel),
        connectivity=connectivity,
        _diagrams=diagrams,
        _pixels=pixels,
        _essential=classes,
    )


def cubical_persistence_batch(
    images: np.ndarray,
    *,
    superlevel: bool = True,
    connectivity: int = 1,
    frame: float | None = None,
    workers: int | None = None,
) -> list[PersistenceResult]:
    """:func:`cubical_persistence` of every image of a batch, on several threads.

    Parameters
    ----------
    images : (B, M, N) or (B, M, N, P) ndarray
        A batch of 2D images or 3D volumes.
    superlevel, connectivity, frame
        As for :func:`cubical_persistence`.
    workers : int, optional
        Number of threads (default: the number of CPUs). The compiled kernels release the
        GIL, so the images are processed in parallel.

    Returns
    -------
    list of PersistenceResult
        One result per image, in order.

    Examples
    --------
    >>> import numpy as np
    >>> from toposeg import cubical_persistence_batch
    >>> batch = np.random.default_rng(0).random((4, 16, 16))
    >>> [len(r.diagram(0)) > 0 for r in cubical_persistence_batch(batch)]
    [True, True, True, True]
    """
    images = check_array(images, "images", ndims=(3, 4))
    if images.shape[0] == 0:
        raise ValueError("images is an empty batch")
    check_finite(images, "images")
    check_connectivity(connectivity, images.ndim - 1)
    check_workers(workers)

    def one(image: np.ndarray) -> PersistenceResult:
        return cubical_persistence(image, superlevel=superlevel, connectivity=connectivity, frame=frame)

    return map_batch(one, images, workers)


def _check_frame(image: np.ndarray, frame: object, superlevel: bool) -> None:
    if isinstance(frame, bool) or not isinstance(frame, Real) or not np.isfinite(frame):
        raise ValueError(f"frame must be a finite number or None, got {frame!r}")
    if superlevel and frame < image.max():
        raise ValueError(
            f"frame={frame} does not bound the image: superlevel sets need frame >= image.max() "
            f"= {image.max()}"
        )
    if not superlevel and frame > image.min():
        raise ValueError(
            f"frame={frame} does not bound the image: sublevel sets need frame <= image.min() "
            f"= {image.min()}"
        )
