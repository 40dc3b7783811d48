"""A figure of topological preprocessing: the diagram with the lifetime gap and threshold, the
marked objects, the image before and after."""

from __future__ import annotations

import numpy as np

from toposeg.preprocess import TopologicalPreprocessing, lifetime_gap_threshold

__all__ = ["plot_preprocessing"]


def plot_preprocessing(image: np.ndarray, result: TopologicalPreprocessing):
    """Four panels: ``image``; the dimension-0 diagram of the modified image with the largest
    lifetime gap shaded and the threshold drawn (dots above it in red); the marked objects; the
    processed image. 3D volumes show their middle slice. Returns the matplotlib figure.

    Examples
    --------
    >>> import numpy as np
    >>> from toposeg.preprocess import topological_preprocess
    >>> image = np.zeros((32, 32)); image[8:12, 8:12] = 1.0; image[20:24, 20:24] = 0.7
    >>> figure = plot_preprocessing(image, topological_preprocess(image, objects="bright", smoothing=1))
    >>> len(figure.axes)
    4
    """
    import matplotlib.pyplot as plt

    def middle(array: np.ndarray) -> np.ndarray:
        return array[array.shape[0] // 2] if array.ndim == 3 else array

    figure, axes = plt.subplots(1, 4, figsize=(16, 4.2))
    axes[0].imshow(middle(image), cmap="gray")
    axes[0].set_title("input")
    persistence = result.persistence
    diagram, lifetimes = persistence.diagram(0), persistence.persistence(0)
    sign = -1.0 if persistence.superlevel else 1.0  # deaths lie below births for superlevel sets
    low = float(min(diagram.min(), result.modified.min())) if diagram.size else float(result.modified.min())
    high = float(max(diagram.max(), result.modified.max())) if diagram.size else float(result.modified.max())
    line = np.array([low, high])
    ax = axes[1]
    ax.plot(line, line, color="grey", linewidth=0.8)
    gap = lifetime_gap_threshold(lifetimes)
    if gap.count:
        upper = gap.threshold + gap.gap / 2
        lower = gap.threshold - gap.gap / 2
        ax.fill_between(line, line + sign * lower, line + sign * upper, color="tab:green", alpha=0.15,
                        label=f"largest gap ({gap.count} above)")
    ax.plot(line, line + sign * result.threshold, color="tab:red", linewidth=1.0,
            label=f"threshold {result.threshold:.3g}")
    kept = lifetimes > result.threshold
    ax.scatter(diagram[~kept, 0], diagram[~kept, 1], s=6, color="tab:blue", label="dim 0")
    ax.scatter(diagram[kept, 0], diagram[kept, 1], s=14, color="tab:red", label=f"{result.count} objects")
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ax.set_xlabel("birth")
    ax.set_ylabel("death")
    ax.set_aspect("equal")
    ax.legend(loc="best", fontsize=7)
    ax.set_title(f"diagram ({result.options.objects} objects)")
    labels = middle(result.labels).astype(float)
    axes[2].imshow(np.where(labels > 0, labels, np.nan), cmap="tab20", interpolation="nearest")
    axes[2].set_facecolor("black")
    axes[2].set_title("marked objects")
    axes[3].imshow(middle(result.image), cmap="gray")
    axes[3].set_title("processed")
    for ax in (axes[0], axes[2], axes[3]):
        ax.set_xticks([])
        ax.set_yticks([])
    figure.tight_layout()
    return figure
