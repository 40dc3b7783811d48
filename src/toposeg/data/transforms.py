"""Per-sample intensity normalisation and random flips/rotations applied alike to image and mask."""

from __future__ import annotations

from typing import Literal

import numpy as np

__all__ = ["Augmentation", "Normalisation", "augment_pair", "normalise_image"]

Normalisation = Literal["none", "minmax", "percentile", "zscore"]
Augmentation = Literal["none", "flip", "flip_rotate"]


def normalise_image(image: np.ndarray, method: Normalisation = "minmax") -> np.ndarray:
    """Normalise intensities: ``"minmax"`` to [0, 1], ``"percentile"`` (1st and 99th
    percentiles to 0 and 1, clipped), ``"zscore"`` (zero mean, unit variance) or ``"none"``.

    A constant image becomes zeros (``minmax``, ``percentile``, ``zscore``). Returns float32.

    Examples
    --------
    >>> import numpy as np
    >>> from toposeg.data import normalise_image
    >>> normalise_image(np.array([[10, 20], [30, 50]]))
    array([[0.  , 0.25],
           [0.5 , 1.  ]], dtype=float32)
    """
    image = np.asarray(image, dtype=np.float64)
    if method == "none":
        out = image
    elif method == "minmax":
        low, high = image.min(), image.max()
        out = (image - low) / (high - low) if high > low else np.zeros_like(image)
    elif method == "percentile":
        low, high = np.percentile(image, [1.0, 99.0])
        out = np.clip((image - low) / (high - low), 0, 1) if high > low else np.zeros_like(image)
    elif method == "zscore":
        std = image.std()
        out = (image - image.mean()) / std if std > 0 else np.zeros_like(image)
    else:
        raise ValueError(f"normalise must be 'none', 'minmax', 'percentile' or 'zscore', got {method!r}")
    return out.astype(np.float32)


def augment_pair(
    image: np.ndarray, mask: np.ndarray, rng: np.random.Generator, mode: Augmentation = "flip_rotate"
) -> tuple[np.ndarray, np.ndarray]:
    """Apply one random flip/rotation to image and mask alike.

    ``"flip"`` flips each axis with probability 1/2; ``"flip_rotate"`` also rotates by a random
    multiple of 90 degrees in the plane of the last two axes (in-plane only for 3D volumes,
    whose first axis is often the anisotropic one): the 8 symmetries of the square in 2D, 16
    in 3D. A non-square plane is only turned by 0 or 180 degrees, so the shape never changes.
    A multi-channel image (channels first, one axis more than the mask) has its spatial axes
    transformed. Returns contiguous copies.

    Examples
    --------
    >>> import numpy as np
    >>> from toposeg.data import augment_pair
    >>> image = np.arange(16.0).reshape(4, 4)
    >>> a, m = augment_pair(image, image > 7, np.random.default_rng(0))
    >>> bool(np.array_equal(m, a > 7))
    True
    """
    if mode not in ("none", "flip", "flip_rotate"):
        raise ValueError(f"augment must be 'none', 'flip' or 'flip_rotate', got {mode!r}")
    offset = image.ndim - mask.ndim  # 1 for a channels-first image
    if mode == "flip_rotate":
        square = mask.shape[-2] == mask.shape[-1]
        turns = int(rng.integers(4)) if square else 2 * int(rng.integers(2))
        image = np.rot90(image, turns, axes=(-2, -1))
        mask = np.rot90(mask, turns, axes=(-2, -1))
    if mode != "none":
        flips = tuple(int(a) for a in np.flatnonzero(rng.random(mask.ndim) < 0.5))
        if flips:
            image, mask = np.flip(image, tuple(a + offset for a in flips)), np.flip(mask, flips)
    return np.ascontiguousarray(image), np.ascontiguousarray(mask)
