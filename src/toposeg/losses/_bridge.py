"""The one bridge from :mod:`toposeg.structures` to a loss tensor.

Every topological loss checks its inputs, asks :mod:`toposeg.structures` on detached CPU
arrays (:func:`detached_stack`), then gathers the prediction at the indices returned
(:func:`gather`), compares it with the goals, and sums per image (:func:`per_image_sum`): the
loss stays on the prediction's device and autograd gives the gradient.
"""

from __future__ import annotations

import numpy as np
import torch

from toposeg.losses.transfer import host_array, to_device
from toposeg.structures import PairTerms, PixelTerms

__all__ = [
    "detached_stack",
    "gather",
    "gather_pair_terms",
    "gather_squared_terms",
    "per_image_sum",
]


def detached_stack(tensor: torch.Tensor, dtype: torch.dtype = torch.float64) -> np.ndarray:
    """A detached CPU NumPy copy of ``tensor`` ``(B, C, *spatial)`` as a stack
    ``(B * C, *spatial)`` of ``dtype``."""
    batch, channels, *spatial = tensor.shape
    with torch.no_grad():
        copy = host_array(tensor.to(dtype)).copy()  # never a view of the prediction
    return copy.reshape(batch * channels, *spatial)


def gather(
    tensor: torch.Tensor, index: np.ndarray, constant: np.ndarray | float | None = None
) -> torch.Tensor:
    """``tensor.flatten()[index]``, differentiable; where ``index`` is ``-1``, ``constant``."""
    flat = tensor.reshape(-1)
    where = to_device(index, tensor.device)
    if constant is None:
        return flat[where]
    if isinstance(constant, np.ndarray):
        fill = to_device(constant, tensor.device, tensor.dtype)
    else:
        fill = torch.tensor(constant, dtype=tensor.dtype, device=tensor.device)
    return torch.where(where >= 0, flat[where.clamp(min=0)], fill)


def per_image_sum(
    like: torch.Tensor,
    values: torch.Tensor,
    group: np.ndarray,
    count: int,
    offset: np.ndarray | None = None,
) -> torch.Tensor:
    """``offset[k] + sum of values[i] over group[i] == k``, shape ``(count,)``, on ``like``'s
    device and dtype."""
    device, dtype = like.device, like.dtype
    start = (
        torch.zeros(count, dtype=dtype, device=device)
        if offset is None
        else to_device(offset, device, dtype)
    )
    return start.index_add(0, to_device(group, device), values)


def gather_squared_terms(prediction: torch.Tensor, terms: PixelTerms) -> torch.Tensor:
    """Per-image loss ``offset + sum over terms of (prediction[index] - goal)**2``.

    ``prediction`` is the differentiable tensor whose detached values were filtered, any shape
    whose flattening matches ``terms.index``. Returns a tensor of shape ``(n_images,)`` on
    ``prediction``'s device.
    """
    values = gather(prediction, terms.index, terms.constant)
    goal = to_device(terms.goal, prediction.device, prediction.dtype)
    squared = (values - goal) ** 2
    return per_image_sum(prediction, squared, terms.group, len(terms.offset), terms.offset)


def gather_pair_terms(prediction: torch.Tensor, terms: PairTerms, count: int) -> torch.Tensor:
    """Per-image loss ``sum over terms of (prediction[first] - prediction[second])**2``, the
    second value 0 where its index is ``-1``; shape ``(count,)``."""
    dying = gather(prediction, terms.second, 0.0)
    squared = (gather(prediction, terms.first) - dying) ** 2
    return per_image_sum(prediction, squared, terms.group, count)
