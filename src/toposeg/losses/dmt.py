"""DMT loss: cross-entropy plus cross-entropy restricted to the prediction's Morse structures.

Hu, Wang, Fuxin, Samaras and Chen, "Topology-aware segmentation using discrete Morse theory"
(ICLR 2021; thesis ch.6). The structures are computed by :mod:`toposeg.morse` on detached CPU
copies of the prediction; the loss gathers the prediction at their pixels, so autograd gives
the gradient.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from numbers import Real
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from toposeg.losses._checks import (
    Reduction,
    reduce_loss,
)
from toposeg.losses.activation import activate, check_activation
from toposeg.losses.transfer import host_array, to_device
from toposeg.morse import morse_skeleton, watershed_boundaries

__all__ = ["DMTLoss", "dmt_loss"]

Structures = Literal["both", "skeleton", "watershed"]


def _check_options(eps: object, beta: object, structures: object, connectivity: object,
                   ndim: int | None = None) -> tuple[float, float]:
    for name, value in (("eps", eps), ("beta", beta)):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real):
            raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
        if not value >= 0:
            raise ValueError(f"{name} must be >= 0, got {value}")
    if structures not in ("both", "skeleton", "watershed"):
        raise ValueError(f"structures must be 'both', 'skeleton' or 'watershed', got {structures!r}")
    if isinstance(connectivity, bool) or not isinstance(connectivity, (int, np.integer)):
        raise TypeError(f"connectivity must be an integer, got {type(connectivity).__name__}")
    if structures != "watershed" and connectivity != 1:
        raise ValueError(
            f"the skeleton S1 is defined for connectivity=1 only, got {connectivity}; use "
            "structures='watershed' for another connectivity"
        )
    if ndim is not None and connectivity not in (1, ndim):
        raise ValueError(f"connectivity must be 1 or {ndim} for {ndim}D images, got {connectivity}")
    return float(eps), float(beta)


def _mask_indices(likelihood: np.ndarray, eps: float, structures: str, connectivity: int) -> np.ndarray:
    """Flat indices of the pixels of S1(eps) and/or S2(eps) of one likelihood map."""
    mask = np.zeros(likelihood.shape, dtype=bool)
    if structures in ("both", "skeleton"):
        mask |= morse_skeleton(likelihood, eps=eps)
    if structures in ("both", "watershed"):
        mask |= watershed_boundaries(likelihood, eps=eps, connectivity=connectivity)
    return np.flatnonzero(mask)


def dmt_loss(
    prob: torch.Tensor,
    target: torch.Tensor,
    *,
    eps: float,
    beta: float = 3.0,
    structures: Structures = "both",
    connectivity: int = 1,
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
    For each image and channel (one-vs-rest), ``M_f`` is the union of the pixels of the Morse
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
    prob, target = activate(
        prob, target, sigmoid=sigmoid, softmax=softmax, include_background=include_background
    )
    eps, beta = _check_options(eps, beta, structures, connectivity, prob.ndim - 2)
    batch, channels, *spatial = prob.shape
    n_pixels = int(np.prod(spatial))
    copy_dtype = torch.float64 if prob.dtype == torch.float64 else torch.float32
    maps = host_array(prob.reshape(batch * channels, *spatial).to(copy_dtype))

    def indices(likelihood: np.ndarray) -> np.ndarray:
        return _mask_indices(likelihood, eps, structures, connectivity)

    workers = min(os.cpu_count() or 1, len(maps))
    if workers > 1 and maps.size >= 2**16:  # threads pay off beyond small batches
        with ThreadPoolExecutor(max_workers=workers) as pool:
            found = list(pool.map(indices, maps))
    else:
        found = [indices(m) for m in maps]

    flat_prob = prob.reshape(batch * channels, n_pixels)
    flat_target = target.reshape(batch * channels, n_pixels)
    counts = [len(f) for f in found]
    rows = to_device(np.repeat(np.arange(batch * channels), counts), prob.device)
    cols = to_device(np.concatenate(found), prob.device)
    with torch.autocast(prob.device.type, enabled=False):  # BCE is unsafe to autocast
        on_mask = F.binary_cross_entropy(flat_prob[rows, cols], flat_target[rows, cols], reduction="none")
        bce = F.binary_cross_entropy(flat_prob, flat_target, reduction="none").mean(dim=1)
    dmt = torch.zeros(batch * channels, dtype=prob.dtype, device=prob.device).index_add(0, rows, on_mask)
    values = (bce + beta * dmt / n_pixels).reshape(batch, channels)
    return reduce_loss(values, reduction)


class DMTLoss(nn.Module):
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

    def __init__(
        self,
        *,
        eps: float,
        beta: float = 3.0,
        structures: Structures = "both",
        connectivity: int = 1,
        sigmoid: bool = False,
        softmax: bool = False,
        include_background: bool = True,
        reduction: Reduction = "mean",
    ) -> None:
        super().__init__()
        _check_options(eps, beta, structures, connectivity)
        check_activation(sigmoid, softmax, include_background)
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
        self.eps = eps
        self.beta = beta
        self.structures = structures
        self.connectivity = connectivity
        self.activation = dict(
            sigmoid=sigmoid, softmax=softmax, include_background=include_background
        )
        self.reduction = reduction

    def forward(self, prob: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return dmt_loss(prob, target, eps=self.eps, beta=self.beta, structures=self.structures,
                        connectivity=self.connectivity, reduction=self.reduction,
                        **self.activation)

    def extra_repr(self) -> str:
        return (f"eps={self.eps}, beta={self.beta}, structures={self.structures!r}, "
                f"connectivity={self.connectivity}, reduction={self.reduction!r}")
