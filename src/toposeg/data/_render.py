"""Rendering helpers shared by the generators: tapered capsules, smooth random fields, noise.

Geometry convention: voxel ``i`` along an axis has its centre at coordinate ``i`` (so a shape
``(M, N)`` image spans ``[-0.5, M - 0.5] x [-0.5, N - 0.5]``). A mask voxel is foreground iff
its centre lies inside the geometry: the mask is the exact rasterisation of the geometry.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

# Radius from which a capsule rasterises to a 4- (2D) / 6-connected (3D) set. 2D: a strip of
# half-width >= sqrt(2)/2 holds a standard (4-connected) digital line. 3D: above sqrt(3)/2 the
# capsule holds every voxel its axis passes through (a 6-connected chain). Both are checked on
# random segments in tests/data/test_render.py, and thinner capsules are shown to break apart.
MIN_CONNECTED_RADIUS = {2: 0.75, 3: 0.9}


def check_shape(shape: tuple[int, ...], ndim: int, name: str, smallest: int = 16) -> tuple[int, ...]:
    """``shape`` as a tuple of ints, or a ValueError naming the generator."""
    shape = tuple(int(s) for s in shape)
    if len(shape) != ndim or min(shape) < smallest:
        raise ValueError(f"{name}: shape must be {ndim}D with sizes >= {smallest}, got {shape}")
    return shape


def rasterise_capsules(
    shape: tuple[int, ...],
    starts: np.ndarray,
    ends: np.ndarray,
    start_radii: np.ndarray,
    end_radii: np.ndarray,
    values: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Rasterise a union of tapered capsules (segments with linearly varying radius).

    A point ``x`` is inside segment ``k`` iff ``|x - c(t)| <= r(t)`` where ``c(t)`` is the point
    of the segment nearest ``x`` (``t`` clamped to [0, 1]) and ``r(t)`` interpolates the radii.

    Returns
    -------
    mask : ndarray of bool
        Voxels whose centre is inside some capsule.
    signal : ndarray of float32
        ``max_k value_k * coverage_k`` where ``coverage = clip(r(t) - |x - c(t)| + 0.5, 0, 1)``
        approximates the fraction of the voxel covered (partial-volume effect).
    """
    ndim = len(shape)
    starts = np.asarray(starts, dtype=np.float64).reshape(-1, ndim)
    ends = np.asarray(ends, dtype=np.float64).reshape(-1, ndim)
    count = len(starts)
    start_radii = np.broadcast_to(np.asarray(start_radii, dtype=np.float64), count)
    end_radii = np.broadcast_to(np.asarray(end_radii, dtype=np.float64), count)
    values = np.broadcast_to(np.ones(1) if values is None else np.asarray(values, np.float64), count)
    mask = np.zeros(int(np.prod(shape)), dtype=bool)
    signal = np.zeros(int(np.prod(shape)), dtype=np.float32)
    reach = np.maximum(start_radii, end_radii) + 1.0
    lows = np.floor(np.minimum(starts, ends) - reach[:, None]).astype(np.int64)
    extents = (np.ceil(np.maximum(starts, ends) + reach[:, None]).astype(np.int64) - lows + 1).max(1)
    # segments are processed in groups sharing one window size (an even number), vectorised
    windows = extents + extents % 2
    for window in np.unique(windows):
        group = np.flatnonzero(windows == window)
        for chunk in np.array_split(group, max(1, len(group) * int(window) ** ndim // 2**21)):
            _rasterise_group(
                shape,
                int(window),
                starts[chunk],
                ends[chunk],
                start_radii[chunk],
                end_radii[chunk],
                values[chunk],
                lows[chunk],
                mask,
                signal,
            )
    return mask.reshape(shape), signal.reshape(shape)


def _rasterise_group(
    shape: tuple[int, ...],
    window: int,
    starts: np.ndarray,
    ends: np.ndarray,
    start_radii: np.ndarray,
    end_radii: np.ndarray,
    values: np.ndarray,
    lows: np.ndarray,
    mask: np.ndarray,
    signal: np.ndarray,
) -> None:
    """Rasterise capsules whose bounding boxes fit a ``window``-sided cube, into flat arrays."""
    ndim = len(shape)
    grid = np.stack(np.meshgrid(*[np.arange(window)] * ndim, indexing="ij"), -1).reshape(-1, ndim)
    coords = lows[:, None, :] + grid[None]  # (segments, window**ndim, ndim)
    inside_image = np.all((coords >= 0) & (coords < np.array(shape)), axis=-1)
    offsets = coords - starts[:, None, :]
    axis = ends - starts
    length2 = np.einsum("ij,ij->i", axis, axis)
    t = np.einsum("ikj,ij->ik", offsets, axis) / np.where(length2 > 0, length2, 1.0)[:, None]
    t = np.clip(t, 0.0, 1.0)
    distance = np.linalg.norm(offsets - t[..., None] * axis[:, None, :], axis=-1)
    radius = start_radii[:, None] + t * (end_radii - start_radii)[:, None]
    coverage = np.clip(radius - distance + 0.5, 0.0, 1.0)
    touched = inside_image & (coverage > 0)
    flat = np.ravel_multi_index(tuple(np.moveaxis(coords[touched], -1, 0)), shape)
    mask[flat[(distance <= radius)[touched]]] = True
    np.maximum.at(signal, flat, (coverage * values[:, None])[touched].astype(np.float32))


def smooth_field(
    rng: np.random.Generator, shape: tuple[int, ...], scale: float, low: float, high: float
) -> np.ndarray:
    """A smooth random field with correlation length ``scale`` rescaled to ``[low, high]``.

    White noise blurred by a Gaussian of sigma ``scale``; for large scales the noise is made on a
    grid coarser by ``scale / 2`` and interpolated back, which looks the same and costs little.
    """
    factor = max(1.0, scale / 2.0)
    coarse_shape = tuple(int(np.ceil(s / factor)) + 3 for s in shape)
    field = ndimage.gaussian_filter(rng.standard_normal(coarse_shape), scale / factor, mode="wrap")
    if factor > 1.0:
        coords = [np.arange(s) / factor + 1.0 for s in shape]
        field = ndimage.map_coordinates(
            field, np.stack(np.meshgrid(*coords, indexing="ij")), order=1, mode="nearest"
        )
    else:
        field = field[tuple(slice(0, s) for s in shape)]
    span = field.max() - field.min()
    field = (field - field.min()) / (span if span > 0 else 1.0)
    return (low + (high - low) * field).astype(np.float32)


def poisson_noise(rng: np.random.Generator, image: np.ndarray, photons: float) -> np.ndarray:
    """Shot noise: ``Poisson(image * photons) / photons`` for an image in [0, 1]."""
    return (rng.poisson(np.clip(image, 0.0, None) * photons) / photons).astype(np.float32)


def finish(image: np.ndarray) -> np.ndarray:
    """Clip to [0, 1] and return float32."""
    return np.clip(image, 0.0, 1.0).astype(np.float32)


def random_walk_stretches(
    rng: np.random.Generator, parent: np.ndarray, count: int, length: int
) -> np.ndarray:
    """Mark ``count`` stretches of up to ``length`` consecutive edges towards the root of a tree.

    ``parent[i]`` is the parent of node ``i`` (-1 for a root); edge ``i`` joins ``i`` to its parent.
    Returns a bool array over nodes (edges).
    """
    marked = np.zeros(len(parent), dtype=bool)
    if len(parent) == 0:
        return marked
    for start in rng.integers(0, len(parent), size=count):
        node = int(start)
        for _ in range(length):
            if parent[node] < 0:
                break
            marked[node] = True
            node = int(parent[node])
    return marked
