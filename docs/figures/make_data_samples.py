"""Draw docs/figures/data_samples.png: one sample (image above, mask below) of every dataset.

3D samples show their middle section (axis 0), tree-like ones (tubes, neurites) their maximum
projection along axis 0. The real-geometry datasets are drawn when the
``real`` extra is installed, else left out.

    python docs/figures/make_data_samples.py
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from toposeg.data import DATASETS, MissingPackageError, get_dataset  # noqa: E402

TREE_LIKE = ("tubes3d", "hemibrain_neurites3d")
OUT = Path(__file__).resolve().parent / "data_samples.png"


def main() -> None:
    shown = []
    for name, info in DATASETS.items():
        if info.kind == "folder":
            continue
        try:
            sample = get_dataset(name, split="test", count=1, seed=0)[0]
        except MissingPackageError as error:
            print(f"skipping {name}: {error}")
            continue
        image, mask = sample.image, sample.mask
        view = ""
        if sample.ndim == 3 and name in TREE_LIKE:
            image, mask, view = image.max(axis=0), mask.max(axis=0), " (projection)"
        elif sample.ndim == 3:
            image, mask, view = image[image.shape[0] // 2], mask[mask.shape[0] // 2], " (section)"
        shown.append((name, "x".join(map(str, info.shape)) + view, image, mask))
    figure, axes = plt.subplots(2, len(shown), figsize=(2.0 * len(shown), 4.3), squeeze=False)
    for column, (name, shape, image, mask) in enumerate(shown):
        axes[0, column].imshow(image, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        axes[1, column].imshow(mask, cmap="gray", interpolation="nearest")
        axes[0, column].set_title(f"{name}\n{shape}", fontsize=8)
    for axis in axes.ravel():
        axis.set_xticks([])
        axis.set_yticks([])
    axes[0, 0].set_ylabel("image")
    axes[1, 0].set_ylabel("mask")
    figure.tight_layout()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(OUT, dpi=60)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
