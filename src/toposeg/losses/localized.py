"""Persistent homology with improved locality: distance map plus height function (seed 003)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, get_args

import numpy as np
import torch
from torch import nn

from toposeg._validation import check_connectivity
from toposeg.losses._checks import (
    Reduction,
    check_real_maps,
    check_reduction,
    reduce_loss,
)
from toposeg.losses._matched_terms import (
    check_dims,
    gather_squared_terms,
    matched_terms,
)
from toposeg.losses._patches import (
    Generator,
    check_patch_size,
    patch_layout,
    random_normal,
    random_uniform,
)

__all__ = ["HeightFunction", "LocalizedPHLoss", "height_function", "localized_ph_loss"]

HeightFunction = Literal["random_linear", "fixed_linear", "point", "square", "none"]


def height_function(
    shape: Sequence[int],
    *,
    height: HeightFunction = "random_linear",
    scale: float = 1.0,
    generator: Generator = None,
) -> np.ndarray:
    """A height function ``g`` over a window, rising from 0 to ``scale``.

    With window coordinates ``x`` scaled to [0, 1] along each axis:

    * ``"random_linear"``: ``g ~ <u, x>`` along a random unit direction ``u``;
    * ``"fixed_linear"``: the same along the diagonal ``u = (1, ..., 1) / sqrt(ndim)``;
    * ``"point"``: ``g ~ |x - q|``, the distance to a random point ``q`` of the window;
    * ``"square"``: ``g ~ <u, x - 1/2>**2``, the square of a random linear height;
    * ``"none"``: ``g = 0`` (plain thresholding of the distance map).

    Linear and square heights are rescaled to span exactly ``[0, scale]``; the point height
    is ``scale * |x - q| / sqrt(ndim)``.

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
    if height == "point":
        q = random_uniform(ndim, generator)
        distance = np.sqrt(sum((c - qa) ** 2 for c, qa in zip(coords, q)))
        return scale * distance / np.sqrt(ndim)
    if height == "fixed_linear":
        direction = np.ones(ndim) / np.sqrt(ndim)
    elif height in ("random_linear", "square"):
        direction = random_normal(ndim, generator)
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
    check_reduction(reduction)
    if height not in get_args(HeightFunction):
        raise ValueError(
            f"height must be one of {', '.join(get_args(HeightFunction))}, got {height!r}"
        )
    batch, channels, *spatial = pred_dist.shape
    ndim = len(spatial)
    dims = check_dims(dims, ndim, (1,))
    connectivity = check_connectivity(connectivity, ndim)
    size = tuple(spatial) if window is None else check_patch_size(window, tuple(spatial), 64)
    layout = patch_layout(
        tuple(spatial), batch * channels, mode="tiles", size=size, count=None, generator=None
    )
    with torch.no_grad():
        images = (
            pred_dist.detach().reshape(batch * channels, *spatial).cpu().numpy().astype(np.float64)
        )
        wanted = (
            target_dist.detach()
            .reshape(batch * channels, *spatial)
            .cpu()
            .numpy()
            .astype(np.float64)
        )
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


class LocalizedPHLoss(nn.Module):
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

    def __init__(
        self,
        *,
        height: HeightFunction = "random_linear",
        window: int | Sequence[int] | None = 64,
        height_scale: float | None = None,
        dims: int | Sequence[int] | None = None,
        connectivity: int = 1,
        workers: int | None = None,
        reduction: Reduction = "mean",
        seed: int | None = None,
    ) -> None:
        super().__init__()
        self.options = dict(
            height=height,
            window=window,
            height_scale=height_scale,
            dims=dims,
            connectivity=connectivity,
            workers=workers,
            reduction=reduction,
        )
        self.generator = None if seed is None else torch.Generator().manual_seed(seed)

    def forward(self, pred_dist: torch.Tensor, target_dist: torch.Tensor) -> torch.Tensor:
        return localized_ph_loss(pred_dist, target_dist, generator=self.generator, **self.options)
