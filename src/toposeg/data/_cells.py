"""Cells and their membranes, 2D and 3D: Laguerre (power) diagrams, membrane masks, EM-like images.

The membrane mask of a label image marks voxel ``p`` iff some voxel ``q`` in its full (8- or
26-) neighbourhood has a larger label. Every pair of adjacent voxels with different labels then
has at least one marked voxel, so the unmarked voxels of different cells are never adjacent: the
membranes separate the cells even for the 8/26-connected background that goes with a 4/6-
connected foreground (connectivity 1). Widening the mask (a dilation) keeps that property.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

from toposeg.data._render import finish, poisson_noise, rasterise_capsules, smooth_field


def power_diagram_labels(points: np.ndarray, sites: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Label of the Laguerre cell of each point: ``argmin_k |x - s_k|^2 - w_k`` (1-based).

    Lifting each site to ``(s_k, sqrt(W - w_k))`` with ``W = max w`` turns the power distance
    into a Euclidean nearest-neighbour query of ``(x, 0)``.
    """
    lift = np.sqrt(weights.max() - weights)
    tree = cKDTree(np.column_stack([sites, lift]))
    query = np.column_stack([points, np.zeros(len(points))])
    return (tree.query(query)[1] + 1).astype(np.int32)


def membrane_mask(labels: np.ndarray) -> np.ndarray:
    """Mark voxels with a larger label in their 8/26-neighbourhood (see the module notes)."""
    padded = np.pad(labels, 1, mode="edge")
    marked = np.zeros(labels.shape, dtype=bool)
    for offset in itertools.product((-1, 0, 1), repeat=labels.ndim):
        if any(offset):
            shifted = tuple(slice(1 + o, 1 + o + s) for o, s in zip(offset, labels.shape, strict=True))
            marked |= labels < padded[shifted]
    return marked


def widen(mask: np.ndarray, extra: np.ndarray) -> np.ndarray:
    """Add the voxels within distance ``extra`` (a per-voxel field) of ``mask``."""
    if not mask.any():
        return mask.copy()
    return mask | (ndimage.distance_transform_edt(~mask) <= extra)


def cell_labels(
    rng: np.random.Generator, shape: tuple[int, ...], cell_size: float, deformation: float
) -> np.ndarray:
    """Labels of an elastically deformed Laguerre diagram with cells about ``cell_size`` across."""
    ndim = len(shape)
    margin = cell_size
    span = np.array(shape, dtype=np.float64) + 2 * margin
    count = max(2, int(np.prod(span) / cell_size**ndim))
    sites = rng.random((count, ndim)) * span - margin
    weights = (rng.uniform(0.0, 0.45, count) * cell_size) ** 2
    grid = np.indices(shape, dtype=np.float64)
    if deformation > 0:
        grid += _smooth_displacement(rng, shape, 0.5 * cell_size, deformation * cell_size)
    labels = power_diagram_labels(grid.reshape(ndim, -1).T, sites, weights).reshape(shape)
    return np.unique(labels, return_inverse=True)[1].reshape(shape).astype(np.int32) + 1


def _smooth_displacement(
    rng: np.random.Generator, shape: tuple[int, ...], scale: float, amplitude: float
) -> np.ndarray:
    fields = np.stack([smooth_field(rng, shape, scale, -1.0, 1.0) for _ in shape])
    return amplitude * fields


def render_cells(
    rng: np.random.Generator,
    labels: np.ndarray,
    mask: np.ndarray,
    *,
    cell_size: float,
    blur: float | tuple[float, ...],
    photons: float,
    breaks: float,
    blobs: float,
) -> np.ndarray:
    """An electron-micrograph-like image of cells: dark membranes (faded and broken in places),
    textured cytoplasm, dark intracellular blobs (distractors), blur and shot noise.

    ``breaks`` and ``blobs`` are counts per cell (fractional allowed).
    """
    shape = labels.shape
    cells = int(labels.max()) + 1
    image = rng.uniform(0.55, 0.85, cells)[labels] + smooth_field(rng, shape, 1.5, -0.06, 0.06)
    contrast = smooth_field(rng, shape, cell_size, 0.45, 0.9)  # membranes fade in and out
    contrast *= _breaks(rng, mask, count=int(round(breaks * cells)))
    image *= 1.0 - contrast * mask
    image *= 1.0 - _blobs(rng, mask, count=int(round(blobs * cells)))
    image = ndimage.gaussian_filter(image, blur)
    return finish(poisson_noise(rng, image, photons))


def _breaks(rng: np.random.Generator, mask: np.ndarray, count: int) -> np.ndarray:
    """A factor that is near 0 within small balls centred on random membrane voxels, 1 elsewhere."""
    factor = np.ones(mask.shape, dtype=np.float32)
    candidates = np.flatnonzero(mask)
    if count == 0 or len(candidates) == 0:
        return factor
    centres = rng.choice(candidates, size=min(count, len(candidates)), replace=False)
    seeds = np.ones(mask.shape, dtype=bool)
    seeds.flat[centres] = False
    distance, nearest = ndimage.distance_transform_edt(seeds, return_indices=True)
    which = np.zeros(mask.shape, dtype=np.int64)
    which.flat[centres] = np.arange(len(centres))
    owner = which[tuple(nearest)]
    radius = rng.uniform(1.5, 4.0, len(centres))[owner]
    depth = rng.uniform(0.0, 0.25, len(centres))[owner]
    broken = distance <= radius
    factor[broken] = depth[broken]
    return factor


def _blobs(rng: np.random.Generator, mask: np.ndarray, count: int) -> np.ndarray:
    """Darkening in [0, 1) from blobs (short thick capsules) placed inside cells, off the membranes."""
    ndim = mask.ndim
    if count == 0 or not (~mask).any():
        return np.zeros(mask.shape, dtype=np.float32)
    clearance = ndimage.distance_transform_edt(~mask)
    radii = rng.uniform(1.0, 2.5, count)
    lengths = rng.uniform(0.0, 6.0, count)
    centres, keep = [], []
    for k in range(count):
        room = np.flatnonzero(clearance.ravel() > radii[k] + 0.5 * lengths[k] + 1.0)
        if len(room):
            centres.append(np.unravel_index(rng.choice(room), mask.shape))
            keep.append(k)
    if not keep:
        return np.zeros(mask.shape, dtype=np.float32)
    centres_arr = np.asarray(centres, dtype=np.float64)
    directions = rng.standard_normal((len(keep), ndim))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    half = 0.5 * lengths[keep, None] * directions
    darkness = rng.uniform(0.3, 0.7, len(keep))
    _, signal = rasterise_capsules(
        mask.shape, centres_arr - half, centres_arr + half, radii[keep], radii[keep], darkness
    )
    return signal
