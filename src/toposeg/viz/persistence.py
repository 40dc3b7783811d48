"""Plots of persistence diagrams and of the critical pixels of an image."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from toposeg.persistence import PersistenceResult

__all__ = ["plot_critical_pixels", "plot_diagram"]

_COLOURS = ("tab:blue", "tab:orange", "tab:green")


def plot_diagram(result: PersistenceResult, *, dims: Sequence[int] | None = None, ax=None):
    """Scatter the finite pairs of ``result`` as (birth, death) points, one colour per dimension.

    Essential classes are drawn as triangles on the border of the plot. Returns the axes.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    dims = range(result.ndim) if dims is None else dims
    values = [result.diagram(d) for d in dims]
    finite = np.concatenate([v.ravel() for v in values] + [result.essential(0).births])
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    pad = 0.05 * (high - low or 1.0)
    low, high = low - pad, high + pad
    for d, diagram in zip(dims, values):
        ax.scatter(diagram[:, 0], diagram[:, 1], s=8, color=_COLOURS[d % 3], label=f"dim {d}")
        births = result.essential(d).births
        edge = low if result.superlevel else high
        ax.scatter(births, np.full_like(births, edge), marker="^", s=30, color=_COLOURS[d % 3])
    ax.plot([low, high], [low, high], color="grey", linewidth=0.8)
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ax.set_xlabel("birth")
    ax.set_ylabel("death")
    ax.set_aspect("equal")
    ax.legend(loc="lower right" if result.superlevel else "upper left", fontsize=8)
    return ax


def plot_critical_pixels(
    image: np.ndarray,
    result: PersistenceResult,
    *,
    min_persistence: float = 0.0,
    ax=None,
):
    """Show a 2D image with the birth (circles) and death (crosses) pixels of the pairs whose
    persistence exceeds ``min_persistence``, one colour per dimension. Returns the axes."""
    import matplotlib.pyplot as plt

    if image.ndim != 2:
        raise ValueError(f"image must be 2D to plot critical pixels, got shape {image.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    ax.imshow(image, cmap="gray")
    for d in range(result.ndim):
        keep = result.persistence(d) > min_persistence
        pixels = result.critical_pixels(d)[keep]
        for column, marker in ((0, "o"), (1, "x")):
            inside = pixels[:, column] >= 0
            rows, cols = np.unravel_index(pixels[inside, column], image.shape)
            ax.scatter(cols, rows, s=14, marker=marker, color=_COLOURS[d % 3],
                       facecolors="none" if marker == "o" else None,
                       label=f"dim {d} {'birth' if column == 0 else 'death'}")
    ax.set_axis_off()
    ax.legend(loc="upper right", fontsize=7)
    return ax
