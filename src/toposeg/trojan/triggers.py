"""Patch triggers: shapes, placement, and the trigger application of thesis ch. 4, Eq. 4.1."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

__all__ = ["SHAPES", "PatchTrigger", "apply_trigger", "random_trigger", "trigger_shape"]

SHAPES = ("square", "plus", "L", "line", "ring", "polyomino", "two-tone")


def trigger_shape(shape: str, size: int, rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Binary mask and pattern (values in [0, 1]) of one patch-trigger shape of side ``size``.

    Parameters
    ----------
    shape : str
        One of :data:`SHAPES`.
    size : int
        Side of the bounding square (>= 3).
    rng : numpy.random.Generator, optional
        Draws the random polyomino (default: a fixed seed).

    Returns
    -------
    mask : (size, size) ndarray of bool
    pattern : (size, size) ndarray of float32
        1 on the mask (0 and 1 in a checkerboard for ``"two-tone"``), 0 elsewhere.

    Examples
    --------
    >>> mask, pattern = trigger_shape("plus", 3)
    >>> mask.astype(int)
    array([[0, 1, 0],
           [1, 1, 1],
           [0, 1, 0]])
    """
    if shape not in SHAPES:
        raise ValueError(f"shape must be one of {SHAPES}, got {shape!r}")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 3:
        raise ValueError(f"size must be an integer >= 3, got {size!r}")
    mask = np.zeros((size, size), dtype=bool)
    mid = size // 2
    if shape in ("square", "two-tone"):
        mask[:] = True
    elif shape == "plus":
        mask[mid, :] = True
        mask[:, mid] = True
    elif shape == "L":
        mask[:, 0] = True
        mask[-1, :] = True
    elif shape == "line":
        mask[mid, :] = True
        mask[mid - 1, :] = True
    elif shape == "ring":
        mask[[0, -1], :] = True
        mask[:, [0, -1]] = True
    else:  # a random 4-connected polyomino grown from the centre
        rng = np.random.default_rng(0) if rng is None else rng
        cells = {(mid, mid)}
        target = max(4, (size * size) // 2)
        while len(cells) < target:
            r, c = sorted(cells)[rng.integers(len(cells))]
            dr, dc = ((0, 1), (1, 0), (0, -1), (-1, 0))[rng.integers(4)]
            if 0 <= r + dr < size and 0 <= c + dc < size:
                cells.add((r + dr, c + dc))
        for r, c in cells:
            mask[r, c] = True
    pattern = mask.astype(np.float32)
    if shape == "two-tone":
        pattern *= (np.add.outer(np.arange(size), np.arange(size)) % 2).astype(np.float32)
    return mask, pattern


@dataclass(frozen=True)
class PatchTrigger:
    """A patch trigger placed on an image: full-image ``mask`` and ``pattern`` plus how it is used.

    ``alpha`` < 1 blends the pattern (Eq. 4.1 with ``m = alpha * mask``); ``position="random"``
    moves the patch to a random place on every poisoned image; ``source`` restricts poisoning
    to the images of one class (-1: every class but the target).
    """

    shape: str
    mask: np.ndarray
    pattern: np.ndarray
    target: int
    source: int = -1
    alpha: float = 1.0
    position: str = "fixed"

    def stamp(self, images: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Return ``images`` (N, 1, H, W) with the trigger applied (never in place)."""
        mask = torch.as_tensor(self.mask, dtype=images.dtype) * self.alpha
        pattern = torch.as_tensor(self.pattern, dtype=images.dtype)
        if self.position == "fixed":
            return apply_trigger(images, mask, pattern)
        rows, cols = np.nonzero(self.mask)
        box = self.mask[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
        patch = self.pattern[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
        height, width = images.shape[-2:]
        out = images.clone()
        tops = torch.randint(0, height - box.shape[0] + 1, (len(images),), generator=generator)
        lefts = torch.randint(0, width - box.shape[1] + 1, (len(images),), generator=generator)
        for k in range(len(images)):
            m = torch.zeros(height, width, dtype=images.dtype)
            p = torch.zeros(height, width, dtype=images.dtype)
            t, left = int(tops[k]), int(lefts[k])
            m[t : t + box.shape[0], left : left + box.shape[1]] = torch.as_tensor(box, dtype=images.dtype)
            p[t : t + box.shape[0], left : left + box.shape[1]] = torch.as_tensor(patch, dtype=images.dtype)
            out[k] = apply_trigger(images[k : k + 1], m * self.alpha, p)[0]
        return out


def apply_trigger(images: torch.Tensor, mask: torch.Tensor, pattern: torch.Tensor) -> torch.Tensor:
    """Trigger application ``phi(x, m, theta) = (1 - m) * x + m * theta`` (thesis Eq. 4.1).

    Parameters
    ----------
    images : (N, C, H, W) tensor
    mask : tensor broadcastable to ``images``, values in [0, 1]
    pattern : tensor broadcastable to ``images``

    Examples
    --------
    >>> x = torch.zeros(1, 1, 2, 2)
    >>> m = torch.tensor([[1.0, 0.0], [0.5, 0.0]])
    >>> apply_trigger(x, m, torch.ones(2, 2))[0, 0]
    tensor([[1.0000, 0.0000],
            [0.5000, 0.0000]])
    """
    return (1 - mask) * images + mask * pattern


def random_trigger(
    rng: np.random.Generator,
    image_shape: tuple[int, int],
    num_classes: int,
    *,
    source_specific: float = 0.0,
    random_position: float = 0.0,
    blended: float = 0.0,
) -> PatchTrigger:
    """Draw a patch trigger: shape, size 3-5, position, target; optionally harder variants.

    ``source_specific``, ``random_position`` and ``blended`` are the probabilities of each
    harder variant (one source class; a new position on every image; alpha in [0.5, 0.8]).

    Examples
    --------
    >>> t = random_trigger(np.random.default_rng(1), (16, 16), 10)
    >>> t.mask.shape, 0 <= t.target < 10
    ((16, 16), True)
    """
    height, width = image_shape
    shape = SHAPES[rng.integers(len(SHAPES))]
    size = int(rng.integers(3, 6))
    small_mask, small_pattern = trigger_shape(shape, size, rng)
    top = int(rng.integers(0, height - size + 1))
    left = int(rng.integers(0, width - size + 1))
    mask = np.zeros(image_shape, dtype=bool)
    pattern = np.zeros(image_shape, dtype=np.float32)
    mask[top : top + size, left : left + size] = small_mask
    pattern[top : top + size, left : left + size] = small_pattern
    target = int(rng.integers(num_classes))
    source = -1
    if rng.random() < source_specific:
        source = int((target + 1 + rng.integers(num_classes - 1)) % num_classes)
    alpha = float(rng.uniform(0.5, 0.8)) if rng.random() < blended else 1.0
    position = "random" if rng.random() < random_position else "fixed"
    return PatchTrigger(shape, mask, pattern, target, source, alpha, position)
