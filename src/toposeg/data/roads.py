"""Synthetic road networks (2D) on textured ground, with occluders making gaps.

The geometry is a random planar graph: nodes on a jittered grid (extending past the image, so
roads leave it as in a map tile), edges from their Delaunay triangulation reduced to a random
spanning tree plus a fraction of the other edges (city blocks), each edge a quadratic Bezier
curve drawn as a band of constant half-width (a few wide major roads, many narrow ones). The
mask is the exact rasterisation of the bands, occluded parts included, as road annotations are.

The image lays the roads over a real ground texture (scikit-image's ``grass``, ``gravel`` or
``brick`` photographs, CC0), covers parts of them with tree-canopy occluders, and adds blur
and noise.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial import Delaunay

from toposeg.data._render import (
    MIN_CONNECTED_RADIUS,
    check_shape,
    finish,
    rasterise_capsules,
)
from toposeg.data._sample import Sample

__all__ = ["render_roads", "road_network_2d"]

Texture = Literal["grass", "gravel", "brick", "random"]
_TEXTURES = ("grass", "gravel", "brick")


def road_network_2d(
    shape: tuple[int, int] = (128, 128),
    *,
    seed: int = 0,
    spacing: float = 36.0,
    extra_edges: float = 0.35,
    occluders: float = 1.0,
    texture: Texture = "random",
    noise: float = 0.03,
) -> Sample:
    """A 2D road network over textured ground, partly occluded, with its exact mask.

    Parameters
    ----------
    shape : (int, int)
        Image shape.
    seed : int
        Random seed: the same seed gives the same sample.
    spacing : float
        Typical distance between junctions in pixels.
    extra_edges : float
        Fraction of the non-tree Delaunay edges kept (0 gives a tree, 1 a triangulation).
    occluders : float
        Occluders (tree canopies) per 150 road pixels in view.
    texture : {"grass", "gravel", "brick", "random"}
        Ground texture.
    noise : float
        Standard deviation of the Gaussian noise.

    Returns
    -------
    Sample
        ``image`` float32 in [0, 1], ``mask`` bool (the roads).

    Examples
    --------
    >>> from toposeg.data import road_network_2d
    >>> image, mask = road_network_2d((64, 64), seed=2)
    >>> image.shape, mask.dtype, bool(mask.any())
    ((64, 64), dtype('bool'), True)
    """
    shape = check_shape(shape, 2, "road_network_2d")
    if not 0.0 <= extra_edges <= 1.0:
        raise ValueError(f"extra_edges must be in [0, 1], got {extra_edges}")
    rng = np.random.default_rng(seed)
    curves, half_widths = random_road_graph(rng, shape, spacing, extra_edges)
    return render_roads(
        rng,
        shape,
        curves,
        half_widths,
        occluders=occluders,
        texture=texture,
        noise=noise,
        name=f"road_network_2d(seed={seed})",
    )


def random_road_graph(
    rng: np.random.Generator, shape: tuple[int, int], spacing: float, extra_edges: float
) -> tuple[list[np.ndarray], np.ndarray]:
    """Curved edges ``(k, 2)`` polylines of a connected random planar graph, and half-widths."""
    margin = spacing
    rows = np.arange(-margin, shape[0] + margin + 1e-9, spacing)
    cols = np.arange(-margin, shape[1] + margin + 1e-9, spacing)
    nodes = np.stack(np.meshgrid(rows, cols, indexing="ij"), -1).reshape(-1, 2)
    nodes = nodes + rng.uniform(-0.35, 0.35, nodes.shape) * spacing
    simplices = Delaunay(nodes).simplices
    edges = np.concatenate([simplices[:, [0, 1]], simplices[:, [1, 2]], simplices[:, [0, 2]]])
    edges = np.unique(np.sort(edges, axis=1), axis=0)
    # drop the long edges of skinny boundary triangles: no road runs that way
    edges = edges[np.linalg.norm(nodes[edges[:, 0]] - nodes[edges[:, 1]], axis=1) < 1.6 * spacing]
    weights = rng.random(len(edges)) + 1e-3
    graph = coo_matrix((weights, (edges[:, 0], edges[:, 1])), shape=(len(nodes),) * 2)
    tree = minimum_spanning_tree(graph).tocoo()
    in_tree = {(min(a, b), max(a, b)) for a, b in zip(tree.row, tree.col, strict=True)}
    chosen = [(a, b) for a, b in edges.tolist() if (a, b) in in_tree or rng.random() < extra_edges]
    curves = []
    for a, b in chosen:
        start, end = nodes[a], nodes[b]
        chord = end - start
        length = float(np.hypot(*chord))
        normal = np.array([-chord[1], chord[0]]) / max(length, 1e-9)
        control = 0.5 * (start + end) + rng.uniform(-0.12, 0.12) * length * normal
        t = np.linspace(0.0, 1.0, max(3, int(length / 3.0) + 2))[:, None]
        curves.append((1 - t) ** 2 * start + 2 * (1 - t) * t * control + t**2 * end)
    major = rng.random(len(curves)) < 0.25
    half_widths = np.where(major, rng.uniform(1.6, 2.4, len(curves)), rng.uniform(0.8, 1.2, len(curves)))
    return curves, half_widths


def render_roads(
    rng: np.random.Generator,
    shape: tuple[int, int],
    curves: list[np.ndarray],
    half_widths: np.ndarray,
    *,
    occluders: float = 1.0,
    texture: Texture = "random",
    noise: float = 0.03,
    name: str = "roads",
) -> Sample:
    """Rasterise roads (polylines ``(k, 2)`` in pixel coordinates, one half-width each) and
    render them over a ground texture with occluders, blur and noise.

    Half-widths below 0.75 pixel are raised to 0.75 so that each road is 4-connected.
    """
    if texture not in (*_TEXTURES, "random"):
        raise ValueError(f"texture must be one of {(*_TEXTURES, 'random')}, got {texture!r}")
    half_widths = np.maximum(np.asarray(half_widths, dtype=np.float64), MIN_CONNECTED_RADIUS[2])
    starts = np.concatenate([c[:-1] for c in curves]) if curves else np.zeros((0, 2))
    ends = np.concatenate([c[1:] for c in curves]) if curves else np.zeros((0, 2))
    radii = np.concatenate([np.full(len(c) - 1, w) for c, w in zip(curves, half_widths, strict=True)])
    mask, coverage = rasterise_capsules(shape, starts, ends, radii, radii)
    if texture == "random":
        texture = _TEXTURES[int(rng.integers(len(_TEXTURES)))]
    level = rng.uniform(0.3, 0.45)
    ground = _texture_crop(rng, texture, shape, mean=level, std=0.09)
    asphalt = rng.uniform(0.6, 0.8) + ndimage.gaussian_filter(rng.normal(0, 0.05, shape), 0.7)
    image = ground * (1 - coverage) + asphalt * coverage
    cover = _occluders(rng, mask, count=int(round(occluders * mask.sum() / 150)))
    canopy = _texture_crop(rng, "grass", shape, mean=level - rng.uniform(0.0, 0.12), std=0.08)
    image = image * (1 - cover) + canopy * cover
    image = ndimage.gaussian_filter(image, 0.6) + noise * rng.standard_normal(shape)
    return Sample(finish(image), mask, name=name)


def _texture_crop(
    rng: np.random.Generator, texture: str, shape: tuple[int, int], mean: float, std: float
) -> np.ndarray:
    """A random rescaled crop of a scikit-image texture with the given mean and spread."""
    from skimage import data

    source = getattr(data, texture)().astype(np.float64)
    zoom = rng.uniform(0.5, 1.0)
    need = [int(np.ceil(s * zoom)) + 2 for s in shape]
    reps = [int(np.ceil(n / t)) + 1 for n, t in zip(need, source.shape, strict=True)]
    source = np.tile(source, reps) if max(reps) > 1 else source
    corner = [int(rng.integers(0, t - n + 1)) for t, n in zip(source.shape, need, strict=True)]
    rows = corner[0] + np.arange(shape[0]) * zoom
    cols = corner[1] + np.arange(shape[1]) * zoom
    crop = ndimage.map_coordinates(source, np.meshgrid(rows, cols, indexing="ij"), order=1)
    crop = (crop - crop.mean()) / max(crop.std(), 1e-9)
    return mean + std * crop


def _occluders(rng: np.random.Generator, mask: np.ndarray, count: int) -> np.ndarray:
    """Coverage in [0, 1] of round canopies, most centred on a road so that they make gaps."""
    road = np.flatnonzero(mask)
    on_road = rng.random(count) < 0.7
    centres = np.empty((count, 2))
    anywhere = rng.random((count, 2)) * (np.array(mask.shape) - 1)
    if len(road):
        picked = np.unravel_index(rng.choice(road, size=count), mask.shape)
        centres[:] = np.column_stack(picked)
    centres[~on_road | (len(road) == 0)] = anywhere[~on_road | (len(road) == 0)]
    radii = rng.uniform(2.5, 6.0, count)
    offsets = rng.normal(0.0, 1.5, (count, 2))
    _, cover = rasterise_capsules(mask.shape, centres, centres + offsets, radii, radii)
    return ndimage.gaussian_filter(cover, 0.8)
