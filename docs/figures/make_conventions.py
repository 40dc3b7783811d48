"""Draw docs/figures/constructions.png: one binary mask as a V- and as a T-construction.

    python docs/figures/make_conventions.py
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

from toposeg import betti_numbers

MASK = np.array(
    [
        [0, 0, 0, 0, 0, 0, 0],
        [0, 1, 1, 1, 0, 0, 0],
        [0, 1, 0, 1, 0, 1, 0],
        [0, 1, 1, 0, 0, 0, 1],
        [0, 0, 0, 0, 1, 0, 1],
        [0, 0, 0, 0, 0, 1, 0],
        [0, 0, 0, 0, 0, 0, 0],
    ],
    dtype=bool,
)


def draw_vertices(ax):
    """Pixels are vertices; edges join 4-neighbours; a square fills each 2x2 block."""
    rows, cols = MASK.shape
    for i in range(rows - 1):
        for j in range(cols - 1):
            if MASK[i:i + 2, j:j + 2].all():
                ax.add_patch(Rectangle((j, i), 1, 1, color="tab:blue", alpha=0.3))
    for i in range(rows):
        for j in range(cols):
            if not MASK[i, j]:
                continue
            if j + 1 < cols and MASK[i, j + 1]:
                ax.plot([j, j + 1], [i, i], color="tab:blue", linewidth=2)
            if i + 1 < rows and MASK[i + 1, j]:
                ax.plot([j, j], [i, i + 1], color="tab:blue", linewidth=2)
    yy, xx = np.nonzero(MASK)
    ax.scatter(xx, yy, color="tab:blue", s=40, zorder=3)
    b = betti_numbers(MASK, connectivity=1)
    ax.set_title(f"connectivity=1: V-construction\n4-connected, b0={b[0]}, b1={b[1]}")


def draw_top_cells(ax):
    """Pixels are closed squares: touching corners connect them."""
    for i, j in zip(*np.nonzero(MASK)):
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor="tab:orange", alpha=0.6,
                               edgecolor="tab:orange"))
    b = betti_numbers(MASK, connectivity=2)
    ax.set_title(f"connectivity=2: T-construction\n8-connected, b0={b[0]}, b1={b[1]}")


def main():
    figure, axes = plt.subplots(1, 3, figsize=(10, 4.2))
    axes[0].imshow(MASK, cmap="gray_r", vmin=0, vmax=2.5)
    axes[0].set_title("mask (pixels)")
    draw_vertices(axes[1])
    draw_top_cells(axes[2])
    for ax in axes:
        ax.set_xlim(-0.7, MASK.shape[1] - 0.3)
        ax.set_ylim(MASK.shape[0] - 0.3, -0.7)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
    figure.tight_layout()
    out = Path(__file__).with_name("constructions.png")
    figure.savefig(out, dpi=110)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
