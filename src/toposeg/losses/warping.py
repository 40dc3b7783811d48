"""Homotopy warping loss (thesis ch.5): a pixel loss on the topologically critical pixels."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F

from toposeg._batch import check_workers
from toposeg._validation import check_connectivity
from toposeg.losses._bridge import gather, per_image_sum
from toposeg.losses._checks import (
    Reduction,
    check_reduction,
    reduce_loss,
)
from toposeg.losses.activation import activate
from toposeg.losses.transfer import host_array
from toposeg.losses._module import LossModule
from toposeg.structures import warping_critical_pixels

__all__ = ["PixelLoss", "WarpingLoss", "warping_loss"]

PixelLoss = Literal["ce", "dice", "mse"]

_SMOOTH = 1e-5  # keeps the Dice terms finite (and zero) on empty sets


def warping_loss(
    prob: torch.Tensor,
    target: torch.Tensor,
    *,
    connectivity: int = 1,
    pixel_loss: PixelLoss = "ce",
    warp_weight: float = 1.0,
    dice_weight: float = 0.0,
    max_passes: int | None = 1,
    workers: int | None = None,
    sigmoid: bool = False,
    softmax: bool = False,
    include_background: bool = True,
    reduction: Reduction = "mean",
) -> torch.Tensor:
    """Homotopy warping loss: a pixel loss restricted to the critical pixels of homotopic warping,
    optionally added to a Dice loss as in the thesis (``L = dice + lambda * L_warp``).

    Parameters
    ----------
    prob : (B, C, H, W) or (B, C, D, H, W) tensor of float
        Probabilities in [0, 1] (apply a sigmoid or softmax first). Each channel is a
        one-vs-rest foreground; its binary prediction is ``prob > 0.5``.
    target : tensor
        Binary masks shaped like ``prob``, or integer labels ``(B, *spatial)`` in
        ``0 .. C - 1`` (with ``C == 1``: 0 or 1).
    connectivity : {1, ndim}, optional
        Adjacency pair of the simple-point test: ``1`` for 4/8 (6/26 in 3D) foreground /
        background connectivity, as in the thesis; ``ndim`` for 8/4 (26/6).
    pixel_loss : {"ce", "dice", "mse"}, optional
        The pixel loss restricted to the critical mask: binary cross-entropy (the thesis'
        choice), soft Dice over the critical pixels, or squared error.
    warp_weight : float, optional
        Weight ``lambda`` of the warping term.
    dice_weight : float, optional
        Weight of a soft Dice loss over all pixels. ``dice_weight=1, warp_weight=lambda`` gives
        the thesis' total loss (eq. 5.4); the default 0 gives the warping term alone.
    max_passes : int or None, optional
        Passes of each warping (see :func:`toposeg.digital.warp`); 1 is the thesis' algorithm.
    workers : int, optional
        Threads for the warpings of a batch (default: all CPUs).
    sigmoid, softmax, include_background : bool
        Activation applied to ``prob`` first (logits in), and whether channel 0 counts; as
        in MONAI (see :func:`toposeg.losses.activation.activate`).
    reduction : {"mean", "sum", "none"}, optional
        Reduction over samples and channels; ``"none"`` returns shape ``(B, C)``.

    Returns
    -------
    torch.Tensor
        The loss, on ``prob``'s device.

    Raises
    ------
    TypeError, ValueError
        Bad shapes, NaN or out-of-range probabilities, a non-binary target, or bad options.

    Notes
    -----
    For each sample and channel, with ``f = prob``, ``f_B = f > 0.5`` and ground truth ``g``,
    the critical mask is ``M = (f_B xor warp(g -> f_B)) or (g xor warp(f_B -> g))`` (thesis
    eq. 5.1–5.3; see :func:`toposeg.digital.critical_mask`), computed on detached CPU copies.
    The warping term is the pixel loss map times ``M``, averaged over all pixels:
    ``sum_{p in M} l(f_p, g_p) / |image|`` for ``"ce"`` and ``"mse"``; for ``"dice"`` it is
    ``1 - (2 sum_M f g + s) / (sum_M f + sum_M g + s)``. The terms are built from
    ``prob.flatten()[idx]`` at the critical indices, so the gradient reaches the critical
    pixels only (and, with ``dice_weight > 0``, every pixel through the Dice term). The
    thesis tunes ``lambda`` for its own scaling of the warping term (1e-4 on RoadTracer);
    with the mean over pixels used here, useful values are larger.

    Examples
    --------
    >>> import torch
    >>> from toposeg.losses import warping_loss
    >>> target = torch.zeros(1, 1, 5, 9)
    >>> target[0, 0, 2, 1:8] = 1.0             # a line
    >>> prob = 0.8 * target + 0.1
    >>> prob[0, 0, 2, 4] = 0.3                 # broken in the middle
    >>> loss = warping_loss(prob, target)
    >>> round(loss.item(), 4)                  # -log(0.3) on 1 critical pixel of 45
    0.0268
    """
    prob, target = activate(
        prob, target, sigmoid=sigmoid, softmax=softmax, include_background=include_background
    )
    spatial = prob.shape[2:]
    connectivity = check_connectivity(connectivity, len(spatial))
    _check_options(
        pixel_loss=pixel_loss,
        warp_weight=warp_weight,
        dice_weight=dice_weight,
        workers=workers,
        reduction=reduction,
    )
    with torch.no_grad():
        truth = target.detach() > 0.5
        if (target != truth.to(target.dtype)).any():
            raise ValueError("target must be binary (0 or 1) for the warping loss: its topology is needed")
        truth = host_array(truth)
        predicted = host_array(prob > 0.5)
    batch, channels = prob.shape[:2]
    size = int(np.prod(spatial))
    critical = warping_critical_pixels(
        predicted.reshape(batch * channels, *spatial),
        truth.reshape(batch * channels, *spatial),
        connectivity=connectivity,
        max_passes=max_passes,
        workers=workers,
    )
    f = gather(prob, critical.index)
    g = gather(target, critical.index)

    def per_channel(values: torch.Tensor) -> torch.Tensor:
        return per_image_sum(prob, values, critical.group, batch * channels)

    if pixel_loss == "ce":
        with torch.autocast(prob.device.type, enabled=False):  # BCE is unsafe to autocast
            cross_entropy = F.binary_cross_entropy(f, g, reduction="none")
        warp_term = per_channel(cross_entropy) / size
    elif pixel_loss == "mse":
        warp_term = per_channel((f - g) ** 2) / size
    else:
        warp_term = 1 - (2 * per_channel(f * g) + _SMOOTH) / (per_channel(f) + per_channel(g) + _SMOOTH)
    values = warp_weight * warp_term.reshape(batch, channels)
    if dice_weight:
        dims = tuple(range(2, prob.ndim))
        dice = 1 - (2 * (prob * target).sum(dims) + _SMOOTH) / (prob.sum(dims) + target.sum(dims) + _SMOOTH)
        values = values + dice_weight * dice
    return reduce_loss(values, reduction)


def _check_options(
    *, pixel_loss: object, warp_weight: object, dice_weight: object, workers: object,
    reduction: object, **_: object
) -> None:
    """Check the options of :func:`warping_loss` that do not depend on the input."""
    if pixel_loss not in ("ce", "dice", "mse"):
        raise ValueError(f"pixel_loss must be 'ce', 'dice' or 'mse', got {pixel_loss!r}")
    for name, weight in (("warp_weight", warp_weight), ("dice_weight", dice_weight)):
        if (
            isinstance(weight, bool)
            or not isinstance(weight, (int, float))
            or not math.isfinite(weight)
            or weight < 0
        ):
            raise ValueError(f"{name} must be a finite number >= 0, got {weight!r}")
    check_reduction(reduction)
    check_workers(workers)


class WarpingLoss(LossModule):
    """Module form of :func:`warping_loss`; the options are fixed at construction.

    Examples
    --------
    >>> import torch
    >>> from toposeg.losses import WarpingLoss
    >>> criterion = WarpingLoss(dice_weight=1.0, warp_weight=10.0)  # L = dice + 10 L_warp
    >>> prob = torch.rand(2, 1, 16, 16, requires_grad=True)
    >>> target = (torch.rand(2, 16, 16) > 0.5).long()
    >>> criterion(prob, target).backward()
    """

    function = staticmethod(warping_loss)
    check = staticmethod(_check_options)
