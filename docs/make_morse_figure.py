"""Draw docs/morse_overlay.png: S1 and S2 of a synthetic likelihood at three thresholds.

Usage: python docs/make_morse_figure.py  (writes next to this script, via a temporary file)
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from toposeg.data import curvilinear_likelihood
from toposeg.morse import morse_skeleton, watershed_boundaries
from toposeg.viz.morse import plot_morse_structures


def main() -> None:
    likelihood = curvilinear_likelihood((160, 160), seed=3)
    fig, axes = plt.subplots(1, 4, figsize=(12, 3.2), dpi=72)
    axes[0].imshow(likelihood, cmap="gray")
    axes[0].set_title("likelihood", fontsize=9)
    axes[0].set_axis_off()
    for ax, eps in zip(axes[1:], (0.05, 0.2, 0.4)):
        plot_morse_structures(likelihood, morse_skeleton(likelihood, eps=eps),
                              watershed_boundaries(likelihood, eps=eps), title=f"eps = {eps}", ax=ax)
    fig.tight_layout()
    target = Path(__file__).with_name("morse_overlay.png")
    handle, temporary = tempfile.mkstemp(suffix=".png", dir=target.parent)
    os.close(handle)
    fig.savefig(temporary)
    os.replace(temporary, target)
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
