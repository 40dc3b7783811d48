"""Persistent homology with improved locality: distance map plus height function (seed 003)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import get_args

import numpy as np
import torch

from toposeg._batch import check_workers
from toposeg._validation import check_connectivity
from toposeg.losses._bridge import detached_stack, gather_squared_terms
from toposeg.losses._checks import (
    Reduction,
    check_real_maps,
    check_reduction,
    reduce_loss,
)
from toposeg.losses._module import LossModule
from toposeg.losses._random import Generator, as_rng
from toposeg.structures import (
    HeightFunction,
    check_dims,
    check_patch_size,
    matched_terms,
    patch_layout,
)
from toposeg.structures import height_function as _height_function

__all__ = ["HeightFunction", "LocalizedPHLoss", "height_function", "localized_ph_loss"]


def height_function(
    shape: Sequence[int],
    *,
    height: HeightFunction = "random_linear",
    scale: float = 1.0,
    generator: Generator = None,
) -> np.ndarray:
    """A height function ``g`` over a window, rising from 0 to ``scale``: see
    :func:`toposeg.structures.height_function`; random choices come from ``generator`` (a
    ``torch.Generator``, a NumPy ``Generator``, or ``None`` for torch's global generator).

    Examples
    --------
    >>> import torch
    >>> first = height_function((4, 4), generator=torch.Generator().manual_seed(1))
    >>> again = height_function((4, 4), generator=torch.Generator().manual_seed(1))
    >>> bool((first == again).all()), float(first.min()), float(first.max())
    (True, 0.0, 1.0)
    """
    return _height_function(shape, height=height, scale=scale, rng=as_rng(generator))


def localized_ph_loss(
    pred_dist: torch.Tensor,
    target_dist: torch.Tensor,
    *,
    height: HeightFunction = "random_linear",
    window: int | Sequence[int] | None = 64,
    height_scale: float | None = None,
    dims: int | Sequence[int] | None = None,
    connectivity: int = 1,
    generator: Generator = None,
    workers: int | None = None,
    reduction: Reduction = "mean",
) -> torch.Tensor:
    """Persistence loss on distance maps filtered with a height function (seed 003, Eq. 2).

    Parameters
    ----------
    pred_dist, target_dist : (B, C, H, W) or (B, C, D, H, W) tensor
        Predicted and ground-truth distance maps (e.g. truncated distance to the nearest
        road pixel): low on the structure. Same shape; each channel separately.
    height : {"random_linear", "fixed_linear", "point", "square", "none"}
        The height function ``g`` (see :func:`height_function`); random ones are drawn afresh
        on every call. ``"none"`` gives the thresholded-distance baseline (Wang et al. 2020).
    window : int or tuple of int, optional
        Side of the tiles in which diagrams are computed (default 64, as in the paper; the
        last tiles are moved back to end at the border); ``None`` for the whole image. Each
        window gets a frame, so structures crossing it close loops with its border.
    height_scale : float, optional
        How far ``g`` rises across a window; default the largest value of ``target_dist``.
    dims : int or tuple of int, optional
        Homology dimensions; default ``(1,)`` (loops, as in the paper).
    connectivity : {1, ndim}
        Connectivity of the sublevel sets, as in SciPy (1: 4/6-connected).
    generator : torch.Generator or numpy.random.Generator, optional
        Source of the random height functions (default: torch's global generator).
    workers : int, optional
        Threads for the persistence computations (default: all CPUs).
    reduction : {"mean", "sum", "none"}
        Over images and channels; ``"none"`` returns shape ``(B, C)``.

    Returns
    -------
    torch.Tensor
        The loss on ``pred_dist``'s device.

    Notes
    -----
    In each window, the sublevel sets of ``F = distance + g`` are filtered (``F <= s``), the
    diagrams of prediction and target are matched by the Hungarian algorithm with the
    diagonal (cost: squared distance, as in seed 003, Sec. 3.1), and the loss is the total
    cost, differentiable through the prediction's values at the critical pixels. One ``g``
    (in window coordinates) serves every window and image of a call. The frame around each
    window takes the smallest value of both filtrations; the component that never dies
    (dimension 0) ends at their largest value.

    Examples
    --------
    >>> import torch
    >>> target = torch.rand(1, 1, 32, 32, dtype=torch.float64) * 8
    >>> pred = (target + torch.rand(1, 1, 32, 32, dtype=torch.float64)).requires_grad_()
    >>> generator = torch.Generator().manual_seed(0)
    >>> loss = localized_ph_loss(pred, target, window=16, generator=generator)
    >>> loss.backward()
    >>> bool(loss > 0), pred.grad.shape
    (True, torch.Size([1, 1, 32, 32]))
    """
    pred_dist = check_real_maps(pred_dist, "pred_dist")
    target_dist = check_real_maps(target_dist, "target_dist", like=pred_dist)
    _check_options(height=height, workers=workers, reduction=reduction)
    batch, channels, *spatial = pred_dist.shape
    ndim = len(spatial)
    dims = check_dims(dims, ndim, (1,))
    connectivity = check_connectivity(connectivity, ndim)
    size = tuple(spatial) if window is None else check_patch_size(window, tuple(spatial), 64)
    layout = patch_layout(tuple(spatial), batch * channels, mode="tiles", size=size, count=None)
    images, wanted = detached_stack(pred_dist), detached_stack(target_dist)
    if height_scale is None:
        height_scale = float(wanted.max())
    if (
        isinstance(height_scale, bool)
        or not isinstance(height_scale, (int, float))
        or not height_scale >= 0
    ):
        raise ValueError(
            f"height_scale must be a non-negative number or None, got {height_scale!r}"
        )
    g = height_function(size, height=height, scale=float(height_scale), generator=generator)
    low = min(images.min(), wanted.min())
    high = max(images.max(), wanted.max()) + g.max()
    terms = matched_terms(
        images,
        wanted,
        layout,
        dims=dims,
        superlevel=False,
        connectivity=connectivity,
        frame=float(low),
        end=float(high),
        method="auto",
        workers=workers,
        height=g,
    )
    per_image = gather_squared_terms(pred_dist, terms).reshape(batch, channels)
    return reduce_loss(per_image, reduction)


def _check_options(*, height: object, workers: object, reduction: object, **_: object) -> None:
    """Check the options of :func:`localized_ph_loss` that do not depend on the input."""
    check_reduction(reduction)
    if height not in get_args(HeightFunction):
        raise ValueError(
            f"height must be one of {', '.join(get_args(HeightFunction))}, got {height!r}"
        )
    check_workers(workers)


class LocalizedPHLoss(LossModule):
    """Module form of :func:`localized_ph_loss`; random heights come from its own generator.

    Parameters
    ----------
    height, window, height_scale, dims, connectivity, workers, reduction
        As for :func:`localized_ph_loss`.
    seed : int, optional
        Seeds the module's ``torch.Generator`` (default: torch's global generator).

    Examples
    --------
    >>> import torch
    >>> loss = LocalizedPHLoss(window=16, seed=0)
    >>> target = torch.rand(2, 1, 32, 32) * 8
    >>> loss(target, target).item()
    0.0
    """

    function = staticmethod(localized_ph_loss)
    check = staticmethod(_check_options)
