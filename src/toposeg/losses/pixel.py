"""Pixel losses of training: binary cross-entropy on logits and the soft Dice loss."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from toposeg.losses._checks import Reduction, check_reduction, reduce_loss
from toposeg.losses._module import LossModule
from toposeg.losses.activation import activate

__all__ = ["BCELoss", "DiceLoss", "bce_loss", "dice_loss"]


def bce_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy on logits, the mean over every pixel of the batch.

    Parameters
    ----------
    logits : (B, C, *spatial) tensor
        Network outputs before the sigmoid.
    target : tensor
        Values in [0, 1], shaped like ``logits``.

    Examples
    --------
    >>> import torch
    >>> round(bce_loss(torch.zeros(1, 1, 2, 2), torch.ones(1, 1, 2, 2)).item(), 4)
    0.6931
    """
    return F.binary_cross_entropy_with_logits(logits, target)


def dice_loss(
    prob: torch.Tensor,
    target: torch.Tensor,
    *,
    smooth: float = 1.0,
    sigmoid: bool = False,
    softmax: bool = False,
    include_background: bool = True,
    reduction: Reduction = "mean",
) -> torch.Tensor:
    """Soft Dice loss ``1 - (2 |P G| + s) / (|P| + |G| + s)`` per image and channel.

    Parameters
    ----------
    prob : (B, C, *spatial) tensor
        Probabilities in [0, 1].
    target : tensor
        Values in [0, 1], shaped like ``prob``.
    smooth : float
        ``s``: keeps the loss finite (and 0) on empty masks.
    sigmoid, softmax, include_background : bool
        Activation applied to ``prob`` first (logits in), and whether channel 0 counts; as
        in MONAI (see :func:`toposeg.losses.activation.activate`).
    reduction : {"mean", "sum", "none"}
        Over images and channels; ``"none"`` returns shape ``(B, C)``.

    Examples
    --------
    >>> import torch
    >>> target = torch.zeros(1, 1, 4, 4)
    >>> target[0, 0, 1:3, 1:3] = 1.0
    >>> dice_loss(target, target).item()
    0.0
    """
    _check_options(smooth=smooth, reduction=reduction)
    prob, target = activate(
        prob, target, sigmoid=sigmoid, softmax=softmax, include_background=include_background
    )
    dims = tuple(range(2, prob.ndim))  # per sample and channel, so the mean splits over processes
    overlap = (prob * target).sum(dims)
    values = 1 - (2 * overlap + smooth) / (prob.sum(dims) + target.sum(dims) + smooth)
    return reduce_loss(values, reduction)


def _check_options(*, smooth: object, reduction: object, **_: object) -> None:
    """Check the options of :func:`dice_loss`."""
    check_reduction(reduction)
    if isinstance(smooth, bool) or not isinstance(smooth, (int, float)) or smooth < 0:
        raise ValueError(f"smooth must be a non-negative number, got {smooth!r}")


class BCELoss(LossModule):
    """Module form of :func:`bce_loss`.

    Examples
    --------
    >>> BCELoss()
    BCELoss()
    """

    function = staticmethod(bce_loss)


class DiceLoss(LossModule):
    """Module form of :func:`dice_loss`.

    Examples
    --------
    >>> DiceLoss(smooth=1.0)
    DiceLoss(smooth=1.0, sigmoid=False, softmax=False, include_background=True, reduction='mean')
    """

    function = staticmethod(dice_loss)
    check = staticmethod(_check_options)
