"""Synthetic vessel trees (2D) and tubular trees (3D) with exact masks.

A tree is grown by space colonisation from a root on the border of the domain; radii follow
Murray's law (``r_parent**3 = sum r_child**3``) from leaves of radius ``leaf_radius``; every edge
is a capsule of its child's radius. The mask is the exact rasterisation of the union of the
capsules; with ``leaf_radius >= 0.75`` (2D) / ``0.9`` (3D) it is one 4- / 6-connected component.

The image is what a microscope or fundus camera would make of it: the tubes are bright with a
contrast that falls with the radius (thin vessels are faint), lowered further along random
stretches of the tree (fading), on an uneven background, blurred (an anisotropic point-spread
function in 3D) and noisy (Gaussian in 2D, Poisson shot noise in 3D).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from toposeg.data._render import (
    MIN_CONNECTED_RADIUS,
    check_shape,
    finish,
    poisson_noise,
    random_walk_stretches,
    rasterise_capsules,
    smooth_field,
)
from toposeg.data._sample import Sample
from toposeg.data._tree import Tree, murray_radii, prune_spurs, space_colonisation

__all__ = ["tube_tree_3d", "vessel_tree_2d"]


def _grow_tree(rng: np.random.Generator, shape: tuple[int, ...], density: float) -> Tree:
    """A space-colonisation tree rooted on a random face of the box ``shape``."""
    ndim = len(shape)
    upper = np.array(shape, dtype=np.float64) - 1
    count = max(8, int(np.prod(shape) * density))
    attractors = rng.random((count, ndim)) * upper
    root = rng.random(ndim) * upper
    axis = rng.integers(ndim)
    root[axis] = 0.0 if rng.random() < 0.5 else upper[axis]
    tree = space_colonisation(
        rng, attractors, root, step=1.5, influence=0.3 * float(np.mean(shape)), kill=4.0, upper=upper
    )
    return prune_spurs(tree, min_nodes=4)


def _edge_contrast(
    rng: np.random.Generator, tree: Tree, radii: np.ndarray, fade_stretches: float
) -> np.ndarray:
    """Per-edge (per child node) contrast: falls with radius, low along random stretches."""
    contrast = rng.uniform(0.55, 0.8) * (radii / radii.max()) ** 0.4
    count = int(round(fade_stretches * len(tree.parent) / 60))
    faded = random_walk_stretches(rng, tree.parent, count, length=int(rng.integers(8, 20)))
    contrast[faded] *= rng.uniform(0.08, 0.35)
    return contrast


def _tree_geometry(
    rng: np.random.Generator, shape: tuple[int, ...], leaf_radius: float, density: float
) -> tuple[Tree, np.ndarray]:
    tree = _grow_tree(rng, shape, density)
    return tree, murray_radii(tree.parent, leaf_radius)


def _rasterise_tree(
    shape: tuple[int, ...], tree: Tree, radii: np.ndarray, contrast: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    children = np.flatnonzero(tree.parent >= 0)
    starts = tree.nodes[tree.parent[children]]
    ends = tree.nodes[children]
    return rasterise_capsules(shape, starts, ends, radii[children], radii[children], contrast[children])


def vessel_tree_2d(
    shape: tuple[int, int] = (128, 128),
    *,
    seed: int = 0,
    leaf_radius: float = 0.8,
    density: float = 1 / 100,
    fade_stretches: float = 1.0,
    noise: float = 0.05,
) -> Sample:
    """A 2D vessel tree (bright tubes) with its exact mask.

    Parameters
    ----------
    shape : (int, int)
        Image shape (each side >= 16).
    seed : int
        Random seed: the same seed gives the same sample.
    leaf_radius : float
        Radius of the thinnest vessels in pixels (>= 0.75 keeps the mask 4-connected).
    density : float
        Attraction points per pixel: more gives a denser tree.
    fade_stretches : float
        How many faded stretches (one per 60 tree nodes at 1.0).
    noise : float
        Standard deviation of the Gaussian noise.

    Returns
    -------
    Sample
        ``image`` float32 in [0, 1], ``mask`` bool (the vessels).

    Examples
    --------
    >>> from scipy import ndimage
    >>> from toposeg.data import vessel_tree_2d
    >>> image, mask = vessel_tree_2d((64, 64), seed=3)
    >>> image.shape, image.dtype, mask.dtype
    ((64, 64), dtype('float32'), dtype('bool'))
    >>> ndimage.label(mask)[1]  # one tree: one 4-connected component
    1
    """
    shape = check_shape(shape, 2, "vessel_tree_2d")
    if leaf_radius < MIN_CONNECTED_RADIUS[2]:
        raise ValueError(f"leaf_radius must be >= {MIN_CONNECTED_RADIUS[2]}, got {leaf_radius}")
    rng = np.random.default_rng(seed)
    tree, radii = _tree_geometry(rng, shape, leaf_radius, density)
    contrast = _edge_contrast(rng, tree, radii, fade_stretches)
    mask, signal = _rasterise_tree(shape, tree, radii, contrast)
    background = smooth_field(rng, shape, 0.25 * max(shape), 0.1, 0.35)
    background += smooth_field(rng, shape, 1.5, -0.04, 0.04)  # fine texture
    image = ndimage.gaussian_filter(background + signal, 0.8)
    image += noise * rng.standard_normal(shape)
    return Sample(finish(image), mask, name=f"vessel_tree_2d(seed={seed})")


def tube_tree_3d(
    shape: tuple[int, int, int] = (48, 48, 48),
    *,
    seed: int = 0,
    leaf_radius: float = 0.9,
    density: float = 1 / 300,
    fade_stretches: float = 1.0,
    photons: float = 60.0,
    psf_sigma: tuple[float, float, float] = (1.6, 0.7, 0.7),
) -> Sample:
    """A 3D tubular tree (as in a fluorescence or angiography volume) with its exact mask.

    Parameters
    ----------
    shape : (int, int, int)
        Volume shape, axis 0 the optical (low-resolution) axis.
    seed : int
        Random seed.
    leaf_radius : float
        Radius of the thinnest tubes in voxels (>= 0.9 keeps the mask 6-connected).
    density : float
        Attraction points per voxel.
    fade_stretches : float
        How many dim stretches (dropouts), one per 60 tree nodes at 1.0.
    photons : float
        Photon count of the brightest voxel (Poisson noise; fewer is noisier).
    psf_sigma : (float, float, float)
        Gaussian point-spread function, per axis (voxels).

    Returns
    -------
    Sample
        ``image`` float32 in [0, 1], ``mask`` bool (the tubes).

    Examples
    --------
    >>> from scipy import ndimage
    >>> from toposeg.data import tube_tree_3d
    >>> image, mask = tube_tree_3d((24, 24, 24), seed=1)
    >>> image.shape, ndimage.label(mask)[1]
    ((24, 24, 24), 1)
    """
    shape = check_shape(shape, 3, "tube_tree_3d")
    if leaf_radius < MIN_CONNECTED_RADIUS[3]:
        raise ValueError(f"leaf_radius must be >= {MIN_CONNECTED_RADIUS[3]}, got {leaf_radius}")
    rng = np.random.default_rng(seed)
    tree, radii = _tree_geometry(rng, shape, leaf_radius, density)
    contrast = _edge_contrast(rng, tree, radii, fade_stretches)
    mask, signal = _rasterise_tree(shape, tree, radii, contrast)
    background = smooth_field(rng, shape, 0.25 * max(shape), 0.05, 0.2)
    image = ndimage.gaussian_filter(background + signal, psf_sigma)
    image = poisson_noise(rng, image, photons)
    return Sample(finish(image), mask, name=f"tube_tree_3d(seed={seed})")
