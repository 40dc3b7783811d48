"""Morse structures drawn over a likelihood map: S1 (ridges) and S2 (basin boundaries)."""

from __future__ import annotations

import numpy as np

__all__ = ["morse_overlay", "plot_morse_structures"]

#: Colours (RGB in [0, 1]) of the skeleton S1, the boundaries S2, and pixels in both.
SKELETON_COLOUR = (0.95, 0.15, 0.1)
BOUNDARY_COLOUR = (0.1, 0.75, 0.95)
BOTH_COLOUR = (1.0, 0.85, 0.1)


def _checked_mask(mask: np.ndarray | None, shape: tuple[int, ...], name: str) -> np.ndarray:
    if mask is None:
        return np.zeros(shape, dtype=bool)
    mask = np.asarray(mask)
    if mask.shape != shape:
        raise ValueError(f"{name} must have the likelihood's shape {shape}, got {mask.shape}")
    if mask.dtype != bool:
        raise TypeError(f"{name} must be a boolean mask, got dtype {mask.dtype}")
    return mask


def morse_overlay(
    likelihood: np.ndarray,
    skeleton: np.ndarray | None = None,
    boundaries: np.ndarray | None = None,
) -> np.ndarray:
    """An RGB image: the likelihood in grey, S1 in red, S2 in cyan, pixels in both in yellow.

    Parameters
    ----------
    likelihood : (M, N) ndarray
        The likelihood map; shown scaled to its range.
    skeleton, boundaries : (M, N) ndarray of bool, optional
        :func:`toposeg.morse.morse_skeleton` and :func:`toposeg.morse.watershed_boundaries`
        of ``likelihood`` (or any masks to draw).

    Returns
    -------
    (M, N, 3) ndarray of float64
        Values in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from toposeg.morse import morse_skeleton
    >>> from toposeg.viz.morse import morse_overlay
    >>> f = np.full((3, 7), 0.1)
    >>> f[1] = [0.1, 0.9, 0.7, 0.5, 0.7, 0.8, 0.1]
    >>> rgb = morse_overlay(f, morse_skeleton(f, eps=0.2))
    >>> rgb.shape, rgb[1, 3].tolist(), rgb[0, 0].tolist()
    ((3, 7, 3), [0.95, 0.15, 0.1], [0.0, 0.0, 0.0])
    """
    likelihood = np.asarray(likelihood, dtype=np.float64)
    if likelihood.ndim != 2:
        raise ValueError(f"likelihood must be 2D to draw (take a slice of a volume), got shape {likelihood.shape}")
    skeleton = _checked_mask(skeleton, likelihood.shape, "skeleton")
    boundaries = _checked_mask(boundaries, likelihood.shape, "boundaries")
    low, high = likelihood.min(), likelihood.max()
    grey = (likelihood - low) / (high - low) if high > low else np.zeros_like(likelihood)
    rgb = np.repeat(grey[..., None], 3, axis=-1)
    rgb[skeleton & ~boundaries] = SKELETON_COLOUR
    rgb[boundaries & ~skeleton] = BOUNDARY_COLOUR
    rgb[skeleton & boundaries] = BOTH_COLOUR
    return rgb


def plot_morse_structures(
    likelihood: np.ndarray,
    skeleton: np.ndarray | None = None,
    boundaries: np.ndarray | None = None,
    *,
    title: str | None = None,
    ax=None,
):
    """Show :func:`morse_overlay` on matplotlib axes (new ones if ``ax`` is None), with a
    legend. Returns the axes."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    rgb = morse_overlay(likelihood, skeleton, boundaries)
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    ax.imshow(rgb, interpolation="nearest")
    handles = []
    if skeleton is not None:
        handles.append(Patch(color=SKELETON_COLOUR, label="S1 skeleton"))
    if boundaries is not None:
        handles.append(Patch(color=BOUNDARY_COLOUR, label="S2 boundaries"))
    if skeleton is not None and boundaries is not None:
        handles.append(Patch(color=BOTH_COLOUR, label="both"))
    if handles:
        ax.legend(handles=handles, loc="lower right", fontsize=7, framealpha=0.8)
    if title:
        ax.set_title(title, fontsize=9)
    ax.set_axis_off()
    return ax
