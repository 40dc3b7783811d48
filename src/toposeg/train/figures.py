"""Figures of a run: loss and metric curves per epoch; a prediction with its errors and structures."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from toposeg._atomic import atomic_file

__all__ = ["plot_prediction", "plot_training_curves"]

_SCORES = ("val_dice", "val_cldice", "val_adapted_rand_f_score", "val_jaccard", "val_accuracy")
_ERRORS = ("val_betti_error_0", "val_betti_error_1", "val_betti_error_2", "val_betti_error_global_0",
           "val_betti_error_global_1", "val_betti_error_global_2", "val_voi_total", "val_warping_error")


def _save(figure, path: Path) -> None:
    """Write the figure atomically (a temporary PNG renamed into place) and close it."""
    import matplotlib.pyplot as plt

    try:
        with atomic_file(path) as file:
            figure.savefig(file, format="png", dpi=110)
    finally:
        plt.close(figure)


def plot_training_curves(history: Sequence[Mapping[str, float]], path: str | Path) -> None:
    """Three panels against the epoch: training loss (total and per term), validation scores in
    [0, 1] (higher is better), validation errors (lower is better); written as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [row["epoch"] for row in history]
    figure, axes = plt.subplots(1, 3, figsize=(15, 4))
    groups = (
        ("training loss", [c for c in (history[0] if history else {}) if c.startswith("train_loss")]),
        ("validation scores", _SCORES),
        ("validation errors", _ERRORS),
    )
    pretrain = [row["epoch"] for row in history if row.get("phase") == "pretrain"]
    for ax, (title, columns) in zip(axes, groups, strict=True):
        if pretrain:
            ax.axvspan(0.5, max(pretrain) + 0.5, color="0.92", label="pretraining")
        for column in columns:
            values = [row.get(column, math.nan) for row in history]
            if any(np.isfinite(values)):
                ax.plot(epochs, values, marker=".", label=column.removeprefix("train_").removeprefix("val_"))
        ax.set_title(title)
        ax.set_xlabel("epoch")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
    figure.tight_layout()
    _save(figure, Path(path))


def plot_prediction(
    image: np.ndarray,
    mask: np.ndarray,
    likelihood: np.ndarray,
    path: str | Path,
    *,
    title: str = "",
    threshold: float = 0.5,
    eps: float = 0.2,
) -> None:
    """Six panels: image, ground truth, likelihood, pixel errors, topological errors, and the
    likelihood's Morse structures; a 3D volume is shown by its middle section.

    Pixel errors: false positives red, false negatives blue. Topological errors: the pixels of
    :func:`toposeg.metrics.warping_error_map` (where the prediction still differs from the
    ground truth warped toward it by simple points: breaks, merges, extra or missing
    components and holes), drawn over the prediction. Morse structures: the skeleton S1 and
    watershed boundaries S2 of the likelihood at persistence ``eps`` (the structures of the
    DMT loss; :func:`toposeg.viz.morse.morse_overlay`).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from toposeg.metrics import warping_error_map
    from toposeg.morse import morse_skeleton, watershed_boundaries
    from toposeg.viz.morse import morse_overlay

    if image.ndim == mask.ndim + 1:  # channels first: shown as colour (the first three), scaled to [0, 1]
        image = np.moveaxis(np.asarray(image, dtype=np.float64)[:3], 0, -1)
        image = (image - image.min()) / max(float(image.max() - image.min()), 1e-12)
    pred = likelihood >= threshold
    topological = warping_error_map(pred, mask)
    if mask.ndim == 3:  # the middle section of a volume
        middle = image.shape[0] // 2
        image, mask, likelihood, pred, topological = (a[middle] for a in (image, mask, likelihood, pred, topological))
    likelihood = np.asarray(likelihood, dtype=np.float64)
    errors = np.ones((*pred.shape, 3))
    errors[pred & mask] = (0.2, 0.2, 0.2)
    errors[pred & ~mask] = (0.9, 0.1, 0.1)
    errors[~pred & mask] = (0.1, 0.3, 0.95)
    topo = np.repeat(np.where(pred, 0.75, 1.0)[..., None], 3, axis=-1)
    topo[topological] = (0.9, 0.1, 0.1)
    structures = morse_overlay(likelihood, morse_skeleton(likelihood, eps=eps),
                               watershed_boundaries(likelihood, eps=eps))
    panels = [
        ("image", image, "gray"),
        ("ground truth", mask, "gray"),
        ("likelihood", likelihood, "magma"),
        (f"pixel errors: FP red, FN blue ({int((pred != mask).sum())})", errors, None),
        (f"topological errors ({int(topological.sum())} px)", topo, None),
        (f"Morse structures (eps {eps:g}): S1 red, S2 cyan", structures, None),
    ]
    figure, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3.6))
    for ax, (label, data, cmap) in zip(axes, panels, strict=True):
        ax.imshow(data, cmap=cmap, interpolation="nearest")
        ax.set_title(label, fontsize=8)
        ax.set_axis_off()
    if title:
        figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    _save(figure, Path(path))
