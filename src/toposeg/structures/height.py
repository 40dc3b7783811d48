"""Height functions over a window: the filtration tilt of the localized PH loss (seed 003)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

__all__ = ["HeightFunction", "height_function"]

HeightFunction = Literal["random_linear", "fixed_linear", "point", "square", "none"]


def height_function(
    shape: Sequence[int],
    *,
    height: HeightFunction = "random_linear",
    scale: float = 1.0,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """A height function ``g`` over a window, rising from 0 to ``scale``.

    With window coordinates ``x`` scaled to [0, 1] along each axis:

    * ``"random_linear"``: ``g ~ <u, x>`` along a random unit direction ``u``;
    * ``"fixed_linear"``: the same along the diagonal ``u = (1, ..., 1) / sqrt(ndim)``;
    * ``"point"``: ``g ~ |x - q|``, the distance to a random point ``q`` of the window;
    * ``"square"``: ``g ~ <u, x - 1/2>**2``, the square of a random linear height;
    * ``"none"``: ``g = 0`` (plain thresholding of the distance map).

    Linear and square heights are rescaled to span exactly ``[0, scale]``; the point height
    is ``scale * |x - q| / sqrt(ndim)``. Random choices come from ``rng`` (a NumPy
    ``Generator`` or any object with its ``random`` and ``standard_normal`` methods; ``None``:
    a fresh one).

    Examples
    --------
    >>> height_function((3, 3), height="fixed_linear", scale=2.0)
    array([[0. , 0.5, 1. ],
           [0.5, 1. , 1.5],
           [1. , 1.5, 2. ]])
    """
    shape = tuple(int(s) for s in shape)
    ndim = len(shape)
    coords = np.meshgrid(
        *[np.linspace(0.0, 1.0, s) if s > 1 else np.zeros(1) for s in shape], indexing="ij"
    )
    if height == "none":
        return np.zeros(shape)
    if rng is None and height in ("point", "random_linear", "square"):
        rng = np.random.default_rng()
    if height == "point":
        q = rng.random(ndim)
        distance = np.sqrt(sum((c - qa) ** 2 for c, qa in zip(coords, q)))
        return scale * distance / np.sqrt(ndim)
    if height == "fixed_linear":
        direction = np.ones(ndim) / np.sqrt(ndim)
    elif height in ("random_linear", "square"):
        direction = rng.standard_normal(ndim)
        direction /= max(np.linalg.norm(direction), 1e-12)
    else:
        raise ValueError(
            "height must be 'random_linear', 'fixed_linear', 'point', 'square' or 'none', "
            f"got {height!r}"
        )
    if height == "square":
        centred = sum(u * (c - 0.5) for u, c in zip(direction, coords))
        values = centred**2
    else:
        values = sum(u * c for u, c in zip(direction, coords))
    span = values.max() - values.min()
    return scale * (values - values.min()) / span if span > 0 else np.zeros(shape)
