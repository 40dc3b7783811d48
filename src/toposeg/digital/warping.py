"""Homotopic warping of one binary mask toward another, and the critical pixels it leaves."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from toposeg._batch import check_workers, map_batch
from toposeg._validation import check_array, check_binary, check_connectivity
from toposeg.digital._distance import ordered_candidates
from toposeg.digital._simple_kernels import SIMPLE_2D, cube_offsets, ring_offsets
from toposeg.digital._warp_kernels import warp_pass_2d, warp_pass_3d

__all__ = ["critical_mask", "critical_mask_batch", "warp"]


def warp(
    source: np.ndarray,
    target: np.ndarray,
    *,
    connectivity: int = 1,
    max_passes: int | None = 1,
) -> np.ndarray:
    """Warp a binary mask toward another by flipping simple points only (distance-ordered).

    Parameters
    ----------
    source : (M, N) or (M, N, P) ndarray of bool or 0/1
        The mask to warp. Never modified.
    target : ndarray of bool or 0/1, same shape
        The mask to warp toward.
    connectivity : {1, ndim}, optional
        Adjacency pair of the simple-point test: ``1`` for 4/8 (6/26 in 3D) foreground /
        background connectivity, as in the thesis; ``ndim`` for 8/4 (26/6).
    max_passes : int or None, optional
        ``1`` (default) is the thesis' algorithm: one pass over the candidates. With more,
        the distance transform is recomputed and the remaining candidates visited again, up to
        this many passes or, with ``None``, until a pass flips nothing (then no pixel where the
        result and ``target`` differ is simple).

    Returns
    -------
    ndarray of bool, shape of ``source``
        The warped mask. It is homotopy equivalent to ``source`` (same Betti numbers of
        foreground and background) and never further from ``target`` in Hamming distance.

    Raises
    ------
    TypeError
        If an input is not a NumPy array of numbers, or ``max_passes`` is not an integer.
    ValueError
        If the masks are empty, not 2D or 3D, not binary, of different shapes, or an option is
        out of range.

    Notes
    -----
    Distance-ordered homotopic warping (thesis ch.5, Sec. 5.2.5): the candidates are the pixels
    where ``source`` and ``target`` disagree, sorted by the Euclidean distance transform of the
    mask being warped (for a foreground pixel the distance to the nearest background pixel, and
    conversely; the outside of the array counts as background; ties by flat index). They are
    visited once in that order, and each one that is a simple point of the current mask at that
    moment is flipped (see :func:`simple_point_map`). Flipping changes only the neighbours'
    status, so each test reads the current 3x3 (3x3x3) neighbourhood. A pixel far from the
    boundary cannot be simple until nearer ones have flipped (thesis, Lemma 1), which is why
    the order matters.

    Examples
    --------
    Warping a broken ring toward a full ring cannot close it: one pixel of the gap stays open.

    >>> import numpy as np
    >>> from toposeg.digital import warp
    >>> ring = np.zeros((5, 5), dtype=bool)
    >>> ring[1:4, 1:4] = True
    >>> ring[2, 2] = False
    >>> broken = ring.copy()
    >>> broken[1, 2] = False
    >>> int((warp(broken, ring) != ring).sum())
    1
    """
    source, target = _check_pair(source, target, ("source", "target"))
    connectivity = check_connectivity(connectivity, source.ndim)
    if max_passes is not None:
        if isinstance(max_passes, bool) or not isinstance(max_passes, (int, np.integer)):
            raise TypeError(f"max_passes must be an integer or None, got {type(max_passes).__name__}")
        if max_passes < 1:
            raise ValueError(f"max_passes must be at least 1, got {max_passes}")
    return _warp(source, target, connectivity, max_passes)


def critical_mask(
    prediction: np.ndarray,
    target: np.ndarray,
    *,
    connectivity: int = 1,
    max_passes: int | None = 1,
) -> np.ndarray:
    """The topologically critical pixels of a prediction: ``(prediction xor warped target) or
    (target xor warped prediction)``.

    Parameters
    ----------
    prediction, target : (M, N) or (M, N, P) ndarray of bool or 0/1
        Binary prediction and ground truth, same shape. Never modified.
    connectivity : {1, ndim}, optional
        Adjacency pair, as in :func:`warp`.
    max_passes : int or None, optional
        Passes of each warping, as in :func:`warp`.

    Returns
    -------
    ndarray of bool, shape of ``prediction``
        The mask M of the homotopy warping loss (thesis ch.5, Sec. 5.2.4): ``M_g`` where the
        target warped toward the prediction still differs from the prediction, united with
        ``M_f`` where the prediction warped toward the target still differs from the target.

    Examples
    --------
    A prediction that misses one pixel of a line breaks it: the gap is critical, a missing
    pixel at the end of the line is not.

    >>> import numpy as np
    >>> from toposeg.digital import critical_mask
    >>> line = np.zeros((3, 7), dtype=bool)
    >>> line[1, 1:6] = True
    >>> prediction = line.copy()
    >>> prediction[1, 3] = False
    >>> prediction[1, 5] = False
    >>> np.argwhere(critical_mask(prediction, line)).tolist()
    [[1, 3]]
    """
    prediction, target = _check_pair(prediction, target, ("prediction", "target"))
    connectivity = check_connectivity(connectivity, prediction.ndim)
    warped_target = warp(target, prediction, connectivity=connectivity, max_passes=max_passes)
    warped_prediction = warp(prediction, target, connectivity=connectivity, max_passes=max_passes)
    return (prediction != warped_target) | (target != warped_prediction)


def critical_mask_batch(
    predictions: Sequence[np.ndarray],
    targets: Sequence[np.ndarray],
    *,
    connectivity: int = 1,
    max_passes: int | None = 1,
    workers: int | None = None,
) -> list[np.ndarray]:
    """:func:`critical_mask` of each (prediction, target) pair, in a thread pool.

    The kernels release the GIL, so the pairs run in parallel. ``workers`` defaults to the
    number of CPUs; ``1`` runs them in turn.

    Examples
    --------
    >>> import numpy as np
    >>> from toposeg.digital import critical_mask_batch
    >>> line = np.zeros((3, 7), dtype=bool)
    >>> line[1, 1:6] = True
    >>> broken = line.copy()
    >>> broken[1, 3] = False
    >>> [int(m.sum()) for m in critical_mask_batch([broken, line], [line, line])]
    [1, 0]
    """
    if len(predictions) != len(targets):
        raise ValueError(
            f"predictions and targets must have the same length, got {len(predictions)} and {len(targets)}"
        )
    check_workers(workers)

    def one(pair: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        return critical_mask(pair[0], pair[1], connectivity=connectivity, max_passes=max_passes)

    return map_batch(one, list(zip(predictions, targets)), workers)


def _check_pair(first: object, second: object, names: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    a = check_binary(check_array(first, names[0]), names[0])
    b = check_binary(check_array(second, names[1]), names[1])
    if a.shape != b.shape:
        raise ValueError(f"{names[0]} and {names[1]} must have the same shape, got {a.shape} and {b.shape}")
    if a.size >= 2**31 or sum(s * s for s in a.shape) >= 2**30:
        raise ValueError(f"{names[0]} is too large to warp (shape {a.shape})")
    return a, b


def _warp(source: np.ndarray, target: np.ndarray, connectivity: int, max_passes: int | None) -> np.ndarray:
    """Validated warping: bool arrays of one shape, connectivity 1 or ndim."""
    ndim = source.ndim
    volume_shape = source.shape if ndim == 3 else (1, *source.shape)
    # C-ordered uint8 copies: the kernels address neighbours by flat offsets
    goal = np.ascontiguousarray(target, dtype=np.uint8).reshape(volume_shape)
    padded = np.pad(np.ascontiguousarray(source, dtype=np.uint8), 1)
    inner = (slice(1, -1),) * ndim
    if ndim == 2:
        offsets = ring_offsets(padded.shape[1])
        table = SIMPLE_2D[0 if connectivity == 1 else 1]
    else:
        offsets = cube_offsets(padded.shape[1], padded.shape[2])
    current = np.ascontiguousarray(source, dtype=np.uint8).reshape(volume_shape)
    passes = 0
    while current.any():  # with no foreground, no point is simple
        order, _ = ordered_candidates(current, goal, ndim == 3)
        if order.size == 0:
            break
        if ndim == 2:
            flips = warp_pass_2d(padded, order, offsets, table)
        else:
            flips = warp_pass_3d(padded, order, offsets, connectivity == 3)
        passes += 1
        if flips == 0 or (max_passes is not None and passes >= max_passes):
            break
        current = np.ascontiguousarray(padded[inner]).reshape(volume_shape)
    return padded[inner].astype(bool)
