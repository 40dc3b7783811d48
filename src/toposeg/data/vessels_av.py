"""Synthetic 2D arteries and veins that cross each other: a multi-class data set with a label image.

Two vessel trees are grown by space colonisation (:mod:`toposeg.data.trees`) over the whole
image, the arterial tree from one border and the venous tree from the opposite one, so that
their branches interleave and cross many times. The label image holds 0 (background), 1
(artery) and 2 (vein). Where the trees cross, the artery lies in front: the pixel is an artery
pixel, so a vein is interrupted in its label where an artery passes over it (as a vein hidden
by an artery in a fundus image). Veins are wider (leaf radius 1.1 against 0.8) and brighter
(contrast about 0.8 against 0.45) than arteries, so the two classes can be told apart by
intensity and width, not by position.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from toposeg.data._render import (
    MIN_CONNECTED_RADIUS,
    check_shape,
    finish,
    random_walk_stretches,
    rasterise_capsules,
    smooth_field,
)
from toposeg.data._sample import Sample
from toposeg.data._tree import Tree, murray_radii, prune_spurs, space_colonisation

__all__ = ["ARTERY", "VEIN", "arteries_veins_2d"]

#: Label of the artery pixels in :func:`arteries_veins_2d`'s label image.
ARTERY = 1
#: Label of the vein pixels.
VEIN = 2


def _grow(rng: np.random.Generator, shape: tuple[int, int], density: float, side: int) -> Tree:
    """A tree rooted on the left (``side`` 0) or right (``side`` 1) border."""
    upper = np.array(shape, dtype=np.float64) - 1
    count = max(8, int(np.prod(shape) * density))
    attractors = rng.random((count, 2)) * upper
    root = np.array([rng.uniform(0.3, 0.7) * upper[0], side * upper[1]])
    tree = space_colonisation(
        rng, attractors, root, step=1.5, influence=0.3 * float(np.mean(shape)), kill=4.0, upper=upper
    )
    return prune_spurs(tree, min_nodes=4)


def _render(
    rng: np.random.Generator, shape: tuple[int, int], tree: Tree, leaf_radius: float, contrast: float,
    fade_stretches: float,
) -> tuple[np.ndarray, np.ndarray]:
    radii = murray_radii(tree.parent, leaf_radius)
    values = contrast * rng.uniform(0.9, 1.1) * (radii / radii.max()) ** 0.25
    count = int(round(fade_stretches * len(tree.parent) / 60))
    faded = random_walk_stretches(rng, tree.parent, count, length=int(rng.integers(6, 14)))
    values[faded] *= rng.uniform(0.3, 0.6)
    children = np.flatnonzero(tree.parent >= 0)
    starts, ends = tree.nodes[tree.parent[children]], tree.nodes[children]
    return rasterise_capsules(shape, starts, ends, radii[children], radii[children], values[children])


def arteries_veins_2d(
    shape: tuple[int, int] = (128, 128),
    *,
    seed: int = 0,
    density: float = 1 / 250,
    fade_stretches: float = 0.5,
    noise: float = 0.04,
) -> Sample:
    """Two crossing vessel trees, arteries (label 1) and veins (label 2), with their label image.

    Parameters
    ----------
    shape : (int, int)
        Image shape (each side >= 16).
    seed : int
        Random seed: the same seed gives the same sample.
    density : float
        Attraction points per pixel of each tree: more gives denser trees and more crossings.
    fade_stretches : float
        How many faded stretches per tree (one per 60 tree nodes at 1.0).
    noise : float
        Standard deviation of the Gaussian noise.

    Returns
    -------
    Sample
        ``image`` float32 in [0, 1]; ``mask`` uint8 labels: 0 background, :data:`ARTERY` (1),
        :data:`VEIN` (2). Each tree alone is one 4-connected component; in the label image a
        vein is cut where an artery crosses in front of it.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import ndimage
    >>> from toposeg.data import arteries_veins_2d
    >>> image, labels = arteries_veins_2d((64, 64), seed=3)
    >>> image.dtype, labels.dtype, np.unique(labels).tolist()
    (dtype('float32'), dtype('uint8'), [0, 1, 2])
    >>> ndimage.label(labels == 1)[1]  # the arterial tree: one 4-connected component
    1
    """
    shape = check_shape(shape, 2, "arteries_veins_2d")
    for name, value in (("density", density), ("fade_stretches", fade_stretches), ("noise", noise)):
        if not (isinstance(value, (int, float)) and np.isfinite(value) and value >= 0):
            raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    rng = np.random.default_rng(seed)
    side = int(rng.integers(2))
    leaf = {ARTERY: max(0.8, MIN_CONNECTED_RADIUS[2]), VEIN: 1.1}
    artery, artery_signal = _render(rng, shape, _grow(rng, shape, density, side), leaf[ARTERY], 0.45,
                                    fade_stretches)
    vein, vein_signal = _render(rng, shape, _grow(rng, shape, density, 1 - side), leaf[VEIN], 0.8,
                                fade_stretches)
    labels = np.zeros(shape, dtype=np.uint8)
    labels[vein] = VEIN
    labels[artery] = ARTERY  # the artery lies in front where the trees cross
    signal = np.where(artery, artery_signal, np.maximum(artery_signal, vein_signal))
    background = smooth_field(rng, shape, 0.25 * max(shape), 0.1, 0.3)
    background += smooth_field(rng, shape, 1.5, -0.03, 0.03)  # fine texture
    image = ndimage.gaussian_filter(background + signal, 0.7)
    image += noise * rng.standard_normal(shape)
    return Sample(finish(image), labels, name=f"arteries_veins_2d(seed={seed})")
