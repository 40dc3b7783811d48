"""Synthetic likelihoods rendered from a known graph: the ground truth of the recovery tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage


@dataclass(frozen=True)
class RenderedGraph:
    """A likelihood map with the exact centreline it was drawn from.

    ``gaps`` lists, for each gap, the centreline pixels inside it (row, column arrays).
    """

    likelihood: np.ndarray
    centreline: np.ndarray
    gaps: list[tuple[np.ndarray, np.ndarray]]


def _curve(a: np.ndarray, b: np.ndarray, bend: float, rng: np.random.Generator) -> np.ndarray:
    """Points every 0.25 px along a quadratic Bezier curve from ``a`` to ``b``."""
    normal = np.array([b[1] - a[1], a[0] - b[0]]) / max(np.linalg.norm(b - a), 1e-9)
    control = (a + b) / 2 + bend * rng.uniform(-1, 1) * normal
    n = int(4 * np.linalg.norm(b - a)) + 2
    t = np.linspace(0, 1, n)[:, None]
    return (1 - t) ** 2 * a + 2 * t * (1 - t) * control + t**2 * b


def render_graph(
    shape: tuple[int, int],
    nodes: np.ndarray,
    edges: list[tuple[int, int]],
    *,
    gaps: int,
    seed: int,
    blur: float = 1.5,
    noise: float = 0.04,
    gap_depth: float = 0.35,
    bend: float = 6.0,
) -> RenderedGraph:
    """Draw the edges as slightly curved lines, blur them, weaken ``gaps`` short stretches and
    add smoothed noise, as a segmentation network's likelihood would look.

    The centreline is the rasterised curves (one pixel wide); gaps are 7-pixel stretches in the
    middle of randomly chosen edges whose likelihood is multiplied by ``gap_depth``.
    """
    rng = np.random.default_rng(seed)
    centreline = np.zeros(shape, dtype=bool)
    curves = []
    for i, j in edges:
        points = _curve(nodes[i].astype(float), nodes[j].astype(float), bend, rng)
        pixels = np.unique(np.round(points).astype(int), axis=0)
        centreline[pixels[:, 0], pixels[:, 1]] = True
        curves.append(points)
    lines = ndimage.gaussian_filter(centreline.astype(float), blur)
    lines /= lines[centreline].mean()
    weaken = np.ones(shape)
    gap_pixels = []
    for e in rng.choice(len(edges), size=gaps, replace=False):
        points = curves[e]
        centre = points[len(points) // 2]
        on_gap = np.zeros(shape, dtype=bool)
        rows, cols = np.round(centre).astype(int)
        on_gap[max(rows - 3, 0) : rows + 4, max(cols - 3, 0) : cols + 4] = True
        weaken[ndimage.binary_dilation(on_gap, iterations=2)] = gap_depth
        gap_pixels.append(np.nonzero(on_gap & centreline))
    weaken = ndimage.gaussian_filter(weaken, 1.0)
    smooth_noise = ndimage.gaussian_filter(rng.standard_normal(shape), 1.0)
    smooth_noise /= smooth_noise.std()
    likelihood = 0.05 + 0.85 * np.clip(lines, 0, 1) * weaken + noise * smooth_noise
    return RenderedGraph(np.clip(likelihood, 0, 1).astype(np.float32), centreline, gap_pixels)


def grid_graph(shape: tuple[int, int], cells: int, *, margin: int, seed: int):
    """Nodes of a jittered ``(cells + 1)``-square lattice inside the margin, and its edges: a
    planar graph in which every edge lies on a cycle."""
    rng = np.random.default_rng(seed)
    n = cells + 1
    ys = np.linspace(margin, shape[0] - 1 - margin, n)
    xs = np.linspace(margin, shape[1] - 1 - margin, n)
    step = min(ys[1] - ys[0], xs[1] - xs[0])
    nodes = np.array([(y, x) for y in ys for x in xs]) + rng.uniform(-0.15, 0.15, (n * n, 2)) * step
    edges = [(r * n + c, r * n + c + 1) for r in range(n) for c in range(n - 1)]
    edges += [(r * n + c, (r + 1) * n + c) for r in range(n - 1) for c in range(n)]
    return nodes, edges
