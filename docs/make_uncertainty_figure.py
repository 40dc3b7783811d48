"""Draw docs/figures/uncertainty_maps.png: structure samples and uncertainty maps of a likelihood.

A 128x128 synthetic vessel tree (``vessel_tree_2d(seed=2)``), its image smoothed as the
likelihood, and a logit-normal threshold of median 0.08 and scale 1.0: three sampled
structures (S1 at the drawn eps), the branch uncertainty map and the pixel variance of 10
structural segmentations.

Usage: python docs/make_uncertainty_figure.py  (writes via a temporary file)
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch
from scipy import ndimage

from toposeg.data import vessel_tree_2d
from toposeg.uncertainty import ThresholdDistribution, predict_structures, sample_structures


def main() -> None:
    sample = vessel_tree_2d((128, 128), seed=2)
    likelihood = np.clip(ndimage.gaussian_filter(sample.image.astype(np.float64), 1.0), 0, 1)
    d = ThresholdDistribution(torch.tensor([np.log(0.08 / 0.92)], dtype=torch.float64),
                              torch.tensor([1.0], dtype=torch.float64))
    p = predict_structures(likelihood, d, samples=10, generator=torch.Generator().manual_seed(0))
    drawn = sample_structures(p.branches, d, 3, generator=torch.Generator().manual_seed(1))
    fig, axes = plt.subplots(1, 6, figsize=(16, 3.0), dpi=72)
    axes[0].imshow(likelihood, cmap="gray")
    axes[0].set_title("likelihood", fontsize=9)
    for ax, eps, mask in zip(axes[1:4], drawn.eps, drawn.masks()):
        ax.imshow(likelihood, cmap="gray")
        ax.imshow(np.ma.masked_where(~mask, mask), cmap="autumn", interpolation="nearest")
        ax.set_title(f"sampled structure, eps = {eps:.3f}", fontsize=9)
    shown = axes[4].imshow(p.branch_uncertainty, cmap="coolwarm", vmin=0, vmax=1, interpolation="nearest")
    axes[4].set_title("branch uncertainty 1 - |2q - 1|", fontsize=9)
    fig.colorbar(shown, ax=axes[4], fraction=0.046)
    shown = axes[5].imshow(p.pixel_uncertainty, cmap="magma", interpolation="nearest")
    axes[5].set_title("pixel variance of 10 segmentations", fontsize=9)
    fig.colorbar(shown, ax=axes[5], fraction=0.046)
    for ax in axes:
        ax.set_axis_off()
    fig.tight_layout()
    target = Path(__file__).with_name("figures") / "uncertainty_maps.png"
    handle, temporary = tempfile.mkstemp(suffix=".png", dir=target.parent)
    os.close(handle)
    fig.savefig(temporary)
    os.replace(temporary, target)
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
