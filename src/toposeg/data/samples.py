"""A built-in sample: a smooth likelihood map of thin curves with gaps and noise."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

__all__ = ["curvilinear_likelihood"]


def curvilinear_likelihood(
    shape: tuple[int, ...] = (256, 256),
    *,
    seed: int = 0,
    curves: int | None = None,
) -> np.ndarray:
    """A likelihood map of thin curvilinear structures, as a segmentation network might output.

    Smooth random curves are drawn, broken by short gaps of low likelihood, blurred and
    corrupted by smooth noise. Deterministic for a given ``seed``.

    Parameters
    ----------
    shape : tuple of int
        2D or 3D shape.
    seed : int
        Random seed.
    curves : int, optional
        Number of curves (default grows with the size).

    Returns
    -------
    ndarray of float32
        Values in [0, 1], high on the curves.

    Examples
    --------
    >>> from toposeg.data import curvilinear_likelihood
    >>> image = curvilinear_likelihood((64, 64), seed=1)
    >>> image.shape, image.dtype, bool(0.0 <= image.min() <= image.max() <= 1.0)
    ((64, 64), dtype('float32'), True)
    """
    if len(shape) not in (2, 3) or min(shape) < 1:
        raise ValueError(f"shape must be 2D or 3D with positive sizes, got {shape}")
    rng = np.random.default_rng(seed)
    size = float(np.mean(shape))
    if curves is None:
        curves = max(3, int(size / 24))
    canvas = np.zeros(shape, dtype=np.float64)
    upper = np.array(shape) - 1
    for _ in range(curves):
        point = rng.random(len(shape)) * upper
        direction = rng.standard_normal(len(shape))
        for _ in range(int(4 * size)):
            direction += 0.06 * rng.standard_normal(len(shape))
            direction /= np.linalg.norm(direction)
            point = point + 0.5 * direction
            if np.any(point < 0) or np.any(point > upper):
                break
            canvas[tuple(np.round(point).astype(int))] = 1.0
    likelihood = ndimage.gaussian_filter(canvas, 1.0)
    likelihood /= max(likelihood.max(), 1e-12)
    # gaps: weaken a few short stretches, as where a thin vessel fades
    for _ in range(curves):
        centre = tuple(rng.integers(0, s) for s in shape)
        box = tuple(slice(max(c - 3, 0), c + 4) for c in centre)
        likelihood[box] *= 0.3
    noise = ndimage.gaussian_filter(rng.standard_normal(shape), 1.5)
    likelihood = 0.05 + 0.9 * likelihood + 0.2 * noise / max(np.abs(noise).max(), 1e-12)
    return np.clip(likelihood, 0.0, 1.0).astype(np.float32)
