"""DMT loss: cross-entropy plus cross-entropy restricted to the prediction's Morse structures.

Hu, Wang, Fuxin, Samaras and Chen, "Topology-aware segmentation using discrete Morse theory"
(ICLR 2021; thesis ch.6). The structures are computed by :mod:`toposeg.structures` (from
:mod:`toposeg.morse`) on detached CPU copies of the prediction; the loss gathers the prediction
at their pixels, so autograd gives the gradient. :func:`dmt_term` is the Morse term alone,
:func:`dmt_loss` the paper's total ``L_bce + beta * L_dmt``.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
import torch
import torch.nn.functional as F

from toposeg._batch import check_workers
from toposeg.losses._bridge import detached_stack, gather, per_image_sum
from toposeg.losses._checks import (
    Reduction,
    check_reduction,
    reduce_loss,
)
from toposeg.losses.activation import activate, check_activation
from toposeg.losses._module import LossModule
from toposeg.structures import MorseStructures, check_morse_options, morse_mask_pixels

__all__ = ["DMTLoss", "DMTTerm", "dmt_loss", "dmt_term"]

Structures = MorseStructures


def _check_options(
    *,
    eps: object,
    structures: object,
    connectivity: object,
    workers: object,
    reduction: object,
    beta: object = 0.0,
    sigmoid: object = False,
    softmax: object = False,
    include_background: object = True,
    ndim: int | None = None,
) -> float:
    """Check the options of the DMT functions; return ``eps`` as a float."""
    eps = check_morse_options(eps, structures, connectivity, ndim)
    if isinstance(beta, (bool, np.bool_)) or not isinstance(beta, Real):
        raise TypeError(f"beta must be a real number, got {type(beta).__name__}")
    if not beta >= 0:
        raise ValueError(f"beta must be >= 0, got {beta}")
    check_reduction(reduction)
    check_workers(workers)
    check_activation(sigmoid, softmax, include_background)
    return eps


def _morse_sums(
    prob: torch.Tensor, target: torch.Tensor, options: dict[str, object]
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Check the inputs and ``options``; return ``prob``, ``target`` (shaped like ``prob``) and,
    per image and channel ``(B * C,)``, the sum of the pixel cross-entropies over ``M_f``."""
    activation = {k: options.pop(k) for k in ("sigmoid", "softmax", "include_background")}
    prob, target = activate(prob, target, **activation)
    eps = _check_options(**options, ndim=prob.ndim - 2)
    batch, channels = prob.shape[:2]
    copy_dtype = torch.float64 if prob.dtype == torch.float64 else torch.float32
    structures, connectivity, workers = options["structures"], options["connectivity"], options["workers"]
    pixels = morse_mask_pixels(
        detached_stack(prob, copy_dtype),
        eps=eps,
        structures=structures,
        connectivity=connectivity,
        workers=workers,
    )
    with torch.autocast(prob.device.type, enabled=False):  # BCE is unsafe to autocast
        on_mask = F.binary_cross_entropy(
            gather(prob, pixels.index), gather(target, pixels.index), reduction="none"
        )
    return prob, target, per_image_sum(prob, on_mask, pixels.group, batch * channels)


def dmt_term(
    prob: torch.Tensor,
    target: torch.Tensor,
    *,
    eps: float,
    structures: Structures = "both",
    connectivity: int = 1,
    workers: int | None = None,
    sigmoid: bool = False,
    softmax: bool = False,
    include_background: bool = True,
    reduction: Reduction = "mean",
) -> torch.Tensor:
    """The DMT term ``L_dmt(f, g) = L_bce(f ∘ M_f, g ∘ M_f)`` alone (no pixel loss).

    Parameters
    ----------
    prob, target, eps, structures, connectivity, workers, reduction
        As for :func:`dmt_loss`.

    Returns
    -------
    torch.Tensor
        A scalar (or ``(B, C)`` for ``reduction="none"``) on ``prob``'s device:
        per image and channel, the sum of the pixel cross-entropies over the Morse mask
        ``M_f`` divided by the number of pixels.

    Examples
    --------
    >>> import torch
    >>> prob = torch.full((1, 1, 3, 7), 0.1)
    >>> prob[0, 0, 1] = torch.tensor([0.1, 0.9, 0.7, 0.5, 0.7, 0.8, 0.1])
    >>> target = torch.zeros(1, 1, 3, 7)
    >>> target[0, 0, 1, 1:6] = 1.0
    >>> total, plain = dmt_loss(prob, target, eps=0.2), dmt_loss(prob, target, eps=0.2, beta=0.0)
    >>> bool(torch.isclose(total, plain + 3 * dmt_term(prob, target, eps=0.2)))
    True
    """
    options = dict(eps=eps, structures=structures, connectivity=connectivity, workers=workers,
                   sigmoid=sigmoid, softmax=softmax, include_background=include_background)
    prob, target, sums = _morse_sums(prob, target, dict(options, reduction=reduction))
    batch, channels, *spatial = prob.shape
    return reduce_loss((sums / int(np.prod(spatial))).reshape(batch, channels), reduction)


def dmt_loss(
    prob: torch.Tensor,
    target: torch.Tensor,
    *,
    eps: float,
    beta: float = 3.0,
    structures: Structures = "both",
    connectivity: int = 1,
    workers: int | None = None,
    sigmoid: bool = False,
    softmax: bool = False,
    include_background: bool = True,
    reduction: Reduction = "mean",
) -> torch.Tensor:
    """``L = L_bce(f, g) + beta * L_dmt(f, g)``: cross-entropy plus the DMT loss.

    Parameters
    ----------
    prob : (B, C, H, W) or (B, C, D, H, W) tensor
        Predicted probabilities ``f`` in [0, 1] (after a sigmoid or softmax), on any device.
    target : tensor
        Ground truth ``g``: the shape of ``prob`` with values in [0, 1], or integer labels
        ``(B, *spatial)`` (one-hot encoded; with ``C == 1``, labels 0/1 of the foreground).
    eps : float
        Persistence threshold of the Morse structures, >= 0 (the paper's best on CREMI: 0.2).
    beta : float, optional
        Weight of the DMT term, >= 0 (the paper's best on CREMI: 3).
    structures : {"both", "skeleton", "watershed"}, optional
        The mask ``M_f``: S1(eps) ∪ S2(eps) as in the paper, or either alone.
    connectivity : int, optional
        1 (the paper's construction); ``ndim`` is allowed for ``structures="watershed"``.
    workers : int, optional
        Threads for the Morse structures of a batch (default: all CPUs).
    sigmoid, softmax, include_background : bool
        Activation applied to ``prob`` first (logits in), and whether channel 0 counts; as
        in MONAI (see :func:`toposeg.losses.activation.activate`).
    sigmoid, softmax, include_background : bool
        Activation applied to ``prob`` first (logits in), and whether channel 0 counts; as
        in MONAI (see :func:`toposeg.losses.activation.activate`).
    reduction : {"mean", "sum", "none"}, optional
        Reduce the ``(B, C)`` per-image, per-channel losses.

    Returns
    -------
    torch.Tensor
        A scalar (or ``(B, C)`` for ``reduction="none"``) on ``prob``'s device.

    Raises
    ------
    TypeError, ValueError
        For tensors of the wrong type, shape or range (NaN, values outside [0, 1]: logits),
        a negative or non-numeric ``eps`` or ``beta``, or an unknown ``structures``.

    Notes
    -----
    ``L_dmt`` alone is :func:`dmt_term`. For each image and channel (one-vs-rest), ``M_f`` is the union of the pixels of the Morse
    structures of the *prediction* ``f`` (:func:`toposeg.morse.morse_skeleton`,
    :func:`toposeg.morse.watershed_boundaries`); the ground truth does not enter the mask.
    ``L_dmt(f, g) = L_bce(f ∘ M_f, g ∘ M_f)`` with ``L_bce`` the mean over the ``N`` pixels,
    i.e. the sum of the pixel cross-entropies over ``M_f``, divided by ``N`` (pixels outside
    the mask contribute ``BCE(0, 0) = 0``). The structures are recomputed at every call, on a
    detached CPU copy, in a thread pool; ``M_f`` is piecewise constant in ``f``, so the gradient
    is that of the cross-entropy, weighted ``1 + beta`` on ``M_f``.

    Examples
    --------
    >>> import torch
    >>> from toposeg.losses.dmt import dmt_loss
    >>> prob = torch.full((1, 1, 3, 7), 0.1)
    >>> prob[0, 0, 1] = torch.tensor([0.1, 0.9, 0.7, 0.5, 0.7, 0.8, 0.1])
    >>> target = torch.zeros(1, 1, 3, 7)
    >>> target[0, 0, 1, 1:6] = 1.0
    >>> plain = dmt_loss(prob, target, eps=0.2, beta=0.0)
    >>> bool(dmt_loss(prob, target, eps=0.2, beta=3.0) > plain)
    True
    """
    options = dict(eps=eps, beta=beta, structures=structures, connectivity=connectivity,
                   sigmoid=sigmoid, softmax=softmax, include_background=include_background)
    prob, target, dmt = _morse_sums(prob, target, dict(options, workers=workers, reduction=reduction))
    batch, channels, *spatial = prob.shape
    n_pixels = int(np.prod(spatial))
    with torch.autocast(prob.device.type, enabled=False):  # BCE is unsafe to autocast
        bce = F.binary_cross_entropy(
            prob.reshape(batch * channels, n_pixels),
            target.reshape(batch * channels, n_pixels),
            reduction="none",
        ).mean(dim=1)
    values = (bce + float(beta) * dmt / n_pixels).reshape(batch, channels)
    return reduce_loss(values, reduction)


class DMTTerm(LossModule):
    """Module form of :func:`dmt_term` (same options, fixed at construction).

    Examples
    --------
    >>> DMTTerm(eps=0.2)
    DMTTerm(eps=0.2, structures='both', connectivity=1, workers=None, sigmoid=False, softmax=False, include_background=True, reduction='mean')
    """

    function = staticmethod(dmt_term)
    check = staticmethod(_check_options)


class DMTLoss(LossModule):
    """Module form of :func:`dmt_loss` (same options, fixed at construction).

    Examples
    --------
    >>> import torch
    >>> from toposeg.losses.dmt import DMTLoss
    >>> loss = DMTLoss(eps=0.2)
    >>> prob = torch.rand(2, 1, 16, 16, requires_grad=True)
    >>> value = loss(prob, (torch.rand(2, 16, 16) > 0.5).long())
    >>> value.backward()
    >>> prob.grad.shape
    torch.Size([2, 1, 16, 16])
    """

    function = staticmethod(dmt_loss)
    check = staticmethod(_check_options)
