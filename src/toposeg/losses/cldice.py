"""Soft clDice: centreline Dice on soft skeletons (Shit et al., CVPR 2021)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from toposeg.losses._checks import (
    Reduction,
    check_reduction,
    reduce_loss,
)
from toposeg.losses.activation import activate
from toposeg.losses._module import LossModule

__all__ = ["CLDiceLoss", "cldice_loss", "soft_skeleton"]


def soft_skeleton(prob: torch.Tensor, *, iterations: int = 3) -> torch.Tensor:
    """Soft skeleton of probabilities ``(B, C, *spatial)`` by iterated min/max pooling.

    With ``erode`` the minimum over the pixel and its 4 (6 in 3D) neighbours and ``open`` the
    maximum over the 3x3 (3x3x3) box of the erosion (Shit et al. 2021, Algorithm 1)::

        S = relu(I - open(I))
        repeat `iterations` times:  I = erode(I);  S = S + (1 - S) * relu(I - open(I))

    Thin structures up to about ``2 * iterations + 1`` pixels wide are reduced to their
    centrelines.

    Examples
    --------
    >>> import torch
    >>> bar = torch.zeros(1, 1, 7, 7)
    >>> bar[0, 0, 2:5, :] = 1.0
    >>> soft_skeleton(bar)[0, 0, :, 3]
    tensor([0., 0., 0., 1., 0., 0., 0.])
    """
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 0:
        raise ValueError(f"iterations must be a non-negative integer, got {iterations!r}")
    image = prob
    eroded = _erode(image)
    skeleton = F.relu(image - _dilate(eroded))
    for _ in range(iterations):
        # the erosion inside the next opening is the next image: computed once
        image, eroded = eroded, _erode(eroded)
        skeleton = skeleton + (1 - skeleton) * F.relu(image - _dilate(eroded))
    return skeleton


def cldice_loss(
    prob: torch.Tensor,
    target: torch.Tensor,
    *,
    iterations: int = 3,
    smooth: float = 1.0,
    sigmoid: bool = False,
    softmax: bool = False,
    include_background: bool = True,
    reduction: Reduction = "mean",
) -> torch.Tensor:
    """Soft-clDice loss ``1 - clDice`` (Shit et al. 2021), per image and channel.

    Parameters
    ----------
    prob : (B, C, H, W) or (B, C, D, H, W) tensor
        Probabilities in [0, 1]; each channel is one class (one-vs-rest).
    target : tensor
        Same shape as ``prob`` (values in [0, 1]) or integer labels ``(B, *spatial)``.
    iterations : int
        Erosions of the soft skeleton: at least the largest structure radius in pixels.
    smooth : float
        Added to numerators and denominators, so that empty masks give a finite loss.
    sigmoid, softmax, include_background : bool
        Activation applied to ``prob`` first (logits in), and whether channel 0 counts; as
        in MONAI (see :func:`toposeg.losses.activation.activate`).
    reduction : {"mean", "sum", "none"}
        Over images and channels; ``"none"`` returns shape ``(B, C)``.

    Returns
    -------
    torch.Tensor
        The loss on ``prob``'s device.

    Notes
    -----
    With ``S_P, S_L`` the soft skeletons of the prediction ``V_P`` and the target ``V_L``,
    ``Tprec = (|S_P * V_L| + s) / (|S_P| + s)``, ``Tsens = (|S_L * V_P| + s) / (|S_L| + s)``
    and ``clDice = 2 Tprec Tsens / (Tprec + Tsens)``. The paper trains with
    ``(1 - a) * Dice loss + a * clDice loss``; add a Dice term yourself.

    Examples
    --------
    >>> import torch
    >>> target = torch.zeros(1, 1, 9, 9)
    >>> target[0, 0, 4, :] = 1.0
    >>> round(cldice_loss(target, target).item(), 6)
    0.0
    >>> broken = target.clone()
    >>> broken[0, 0, 4, 3:6] = 0.0

    A one-pixel line is its own skeleton: Tprec = (6 + 1) / (6 + 1), Tsens = (6 + 1) / (9 + 1),
    so the loss is 1 - 2 * 0.7 / 1.7:

    >>> round(cldice_loss(broken, target).item(), 4)
    0.1765
    """
    prob, target = activate(
        prob, target, sigmoid=sigmoid, softmax=softmax, include_background=include_background
    )
    _check_options(smooth=smooth, reduction=reduction)
    spatial = tuple(range(2, prob.ndim))
    skeleton_pred = soft_skeleton(prob, iterations=iterations)
    with torch.no_grad():  # the target is constant: no graph for its skeleton
        skeleton_true = soft_skeleton(target, iterations=iterations)
    precision = ((skeleton_pred * target).sum(spatial) + smooth) / (
        skeleton_pred.sum(spatial) + smooth
    )
    sensitivity = ((skeleton_true * prob).sum(spatial) + smooth) / (
        skeleton_true.sum(spatial) + smooth
    )
    cldice = 2 * precision * sensitivity / (precision + sensitivity)
    return reduce_loss(1 - cldice, reduction)


def _check_options(*, smooth: object, reduction: object, iterations: object = 3, **_: object) -> None:
    """Check the options of :func:`cldice_loss` that do not depend on the input."""
    check_reduction(reduction)
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 0:
        raise ValueError(f"iterations must be a non-negative integer, got {iterations!r}")
    if not isinstance(smooth, (int, float)) or isinstance(smooth, bool) or smooth < 0:
        raise ValueError(f"smooth must be a non-negative number, got {smooth!r}")


class CLDiceLoss(LossModule):
    """Module form of :func:`cldice_loss`.

    Examples
    --------
    >>> import torch
    >>> loss = CLDiceLoss(iterations=2)
    >>> target = torch.zeros(2, 9, 9, dtype=torch.long)
    >>> loss(torch.rand(2, 1, 9, 9), target).shape
    torch.Size([])
    """

    function = staticmethod(cldice_loss)
    check = staticmethod(_check_options)


def _erode(image: torch.Tensor) -> torch.Tensor:
    """Minimum over each pixel and its face neighbours (the cross structuring element)."""
    ndim = image.ndim - 2
    pool = F.max_pool2d if ndim == 2 else F.max_pool3d
    eroded = None
    for axis in range(ndim):
        kernel = tuple(3 if a == axis else 1 for a in range(ndim))
        padding = tuple(1 if a == axis else 0 for a in range(ndim))
        along = -pool(-image, kernel, stride=1, padding=padding)
        eroded = along if eroded is None else torch.minimum(eroded, along)
    return eroded


def _dilate(image: torch.Tensor) -> torch.Tensor:
    """Maximum over the 3x3 (3x3x3) box around each pixel."""
    pool = F.max_pool2d if image.ndim == 4 else F.max_pool3d
    return pool(image, 3, stride=1, padding=1)
