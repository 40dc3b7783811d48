"""Where topology is looked at: the whole image, tiles, or random overlapping patches.

Random choices come from a NumPy ``Generator`` passed in (or any object with its
``integers(low, high, size=, dtype=)`` method, such as the losses' adapter of a
``torch.Generator``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

__all__ = [
    "PatchLayout",
    "PatchMode",
    "check_patch_size",
    "extract_patches",
    "patch_layout",
]

PatchMode = Literal["whole", "tiles", "random"]


@dataclass(frozen=True)
class PatchLayout:
    """Patches of equal size cut from a stack of images ``(n_images, *spatial)``.

    ``owner[k]`` is the image patch ``k`` is cut from and ``corners[k]`` its first pixel.
    """

    image_shape: tuple[int, ...]
    size: tuple[int, ...]
    owner: np.ndarray
    corners: np.ndarray

    def to_image_index(self, local: np.ndarray, patch: np.ndarray) -> np.ndarray:
        """Map flat indices inside patches (``-1`` kept as ``-1``) to flat indices into the
        whole stack of images, ``owner * prod(image_shape) + index in the image``."""
        local = np.asarray(local, dtype=np.int64)
        patch = np.asarray(patch, dtype=np.int64)
        valid = local >= 0
        coords = np.unravel_index(np.where(valid, local, 0), self.size)
        shifted = tuple(c + self.corners[patch, axis] for axis, c in enumerate(coords))
        inside = np.ravel_multi_index(shifted, self.image_shape)
        image = self.owner[patch] * math.prod(self.image_shape) + inside
        return np.where(valid, image, -1).astype(np.int64)


def check_patch_size(patch_size: object, spatial: tuple[int, ...], default: int) -> tuple[int, ...]:
    """Return the patch shape: an int (a cube) or one int per axis, clipped to the image."""
    if patch_size is None:
        patch_size = default
    sizes = (
        (patch_size,) * len(spatial) if isinstance(patch_size, (int, np.integer)) else patch_size
    )
    try:
        sizes = tuple(sizes)
    except TypeError:
        raise TypeError(
            f"patch_size must be an int or a tuple of ints, got {patch_size!r}"
        ) from None
    if len(sizes) != len(spatial) or any(
        isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1 for s in sizes
    ):
        raise ValueError(
            f"patch_size must be a positive int or {len(spatial)} positive ints, got {patch_size!r}"
        )
    return tuple(min(int(s), n) for s, n in zip(sizes, spatial))


def check_patch_mode(patch: object) -> None:
    """Raise ``ValueError`` unless ``patch`` is one of :data:`PatchMode`."""
    if patch not in get_args(PatchMode):
        raise ValueError(f"patch must be 'whole', 'tiles' or 'random', got {patch!r}")


def patch_layout(
    image_shape: tuple[int, ...],
    n_images: int,
    *,
    mode: PatchMode,
    size: tuple[int, ...],
    count: int | None,
    rng: np.random.Generator | None = None,
) -> PatchLayout:
    """Patches for every image of a stack.

    ``"whole"``: one patch per image. ``"tiles"``: a grid of ``size`` tiles covering each image,
    the last row (column, slice) moved back to end at the border so that all tiles have the
    same size. ``"random"``: ``count`` patches per image (default: as many as tiles) at
    uniformly random positions, drawn from ``rng`` (a NumPy ``Generator``; ``None``: a fresh
    one).

    Examples
    --------
    >>> layout = patch_layout((10, 7), 1, mode="tiles", size=(4, 7), count=None)
    >>> layout.corners.tolist()
    [[0, 0], [4, 0], [6, 0]]
    """
    check_patch_mode(mode)
    if mode == "whole":
        corners = np.zeros((n_images, len(image_shape)), dtype=np.int64)
        owner = np.arange(n_images, dtype=np.int64)
        return PatchLayout(tuple(image_shape), tuple(image_shape), owner, corners)
    starts = [_tile_starts(n, s) for n, s in zip(image_shape, size)]
    grid = np.stack(np.meshgrid(*starts, indexing="ij"), axis=-1).reshape(-1, len(image_shape))
    if mode == "tiles":
        corners = np.tile(grid, (n_images, 1))
        owner = np.repeat(np.arange(n_images, dtype=np.int64), len(grid))
        return PatchLayout(tuple(image_shape), size, owner, corners.astype(np.int64))
    if count is None:
        count = len(grid)
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 1:
        raise ValueError(f"num_patches must be a positive integer or None, got {count!r}")
    total = n_images * int(count)
    highs = [n - s + 1 for n, s in zip(image_shape, size)]
    if rng is None:
        rng = np.random.default_rng()
    corners = np.stack(
        [rng.integers(0, high, size=total, dtype=np.int64) for high in highs], axis=1
    )
    owner = np.repeat(np.arange(n_images, dtype=np.int64), int(count))
    return PatchLayout(tuple(image_shape), size, owner, corners)


def extract_patches(images: np.ndarray, layout: PatchLayout) -> np.ndarray:
    """Copy the patches of ``layout`` out of ``images`` ``(n_images, *spatial)``."""
    if layout.size == layout.image_shape:
        return images[layout.owner]
    out = np.empty((len(layout.owner), *layout.size), dtype=images.dtype)
    for k, (owner, corner) in enumerate(zip(layout.owner, layout.corners)):
        window = tuple(slice(c, c + s) for c, s in zip(corner, layout.size))
        out[k] = images[(owner, *window)]
    return out


def _tile_starts(n: int, s: int) -> np.ndarray:
    starts = np.arange(0, n - s + 1, s)
    if starts[-1] + s < n:
        starts = np.append(starts, n - s)
    return starts
