"""Topological prior of one connected component (thesis ch. 4, Eq. 4.5)."""

from __future__ import annotations

import numpy as np
import torch

from toposeg._batch import check_workers
from toposeg._validation import check_connectivity
from toposeg.losses._bridge import detached_stack, gather_pair_terms
from toposeg.losses._checks import (
    Reduction,
    check_reduction,
    reduce_loss,
)
from toposeg.losses.activation import activate
from toposeg.losses._module import LossModule
from toposeg.structures import component_terms

__all__ = ["ComponentPrior", "component_prior"]


def component_prior(
    mask_prob: torch.Tensor,
    *,
    keep: int = 1,
    connectivity: int = 1,
    workers: int | None = None,
    sigmoid: bool = False,
    softmax: bool = False,
    include_background: bool = True,
    reduction: Reduction = "mean",
) -> torch.Tensor:
    """Penalty on every connected component of a soft mask but the ``keep`` most persistent.

    Parameters
    ----------
    mask_prob : (B, C, H, W) or (B, C, D, H, W) tensor
        Soft masks in [0, 1] (e.g. a trigger mask after a sigmoid); each channel separately.
    keep : int
        Number of components left alone (1: the mask should be one blob).
    connectivity : {1, ndim}
        Foreground connectivity of the superlevel sets, as in SciPy (1: 4/6-connected).
    workers : int, optional
        Threads for the persistence computations (default: all CPUs).
    sigmoid, softmax, include_background : bool
        Activation applied to ``mask_prob`` first (logits in), and whether channel 0 counts; as
        in MONAI (see :func:`toposeg.losses.activation.activate`).
    reduction : {"mean", "sum", "none"}
        Over images and channels; ``"none"`` returns shape ``(B, C)``.

    Returns
    -------
    torch.Tensor
        The loss on ``mask_prob``'s device.

    Notes
    -----
    The 0-dimensional superlevel-set persistence diagram ``Dgm(m)`` of the whole mask is
    computed (no patches, no frame). With ``p*`` the ``keep`` dots farthest from the diagonal,
    the loss is (thesis Eq. 4.5-4.6)

    ``L(m) = sum over p in Dgm(m) \\ p* of (m(c_b(p)) - m(c_d(p)))**2``,

    so a gradient step lowers each other component's peak ``c_b`` and raises the saddle
    ``c_d`` where it joins an older one. The component that never dies counts as the most
    persistent dot, dying at 0 (as in TopoLoss): with ``keep >= 1`` it is always kept, and
    ``keep=0`` also pushes the global maximum down to 0.

    Examples
    --------
    Two blobs: the weaker one (peak 0.6, joined at 0.1) is pushed away, the stronger kept.

    >>> import torch
    >>> m = torch.full((1, 1, 5, 5), 0.1, dtype=torch.float64)
    >>> m[0, 0, 1, 1], m[0, 0, 3, 3] = 0.9, 0.6
    >>> _ = m.requires_grad_()
    >>> loss = component_prior(m)
    >>> round(loss.item(), 6)
    0.25
    >>> loss.backward()
    >>> round(m.grad[0, 0, 3, 3].item(), 6)
    1.0
    """
    mask_prob, _ = activate(
        mask_prob,
        sigmoid=sigmoid,
        softmax=softmax,
        include_background=include_background,
        name="mask_prob",
    )
    _check_options(keep=keep, workers=workers, reduction=reduction)
    batch, channels, *spatial = mask_prob.shape
    connectivity = check_connectivity(connectivity, len(spatial))
    terms = component_terms(
        detached_stack(mask_prob), keep=keep, connectivity=connectivity, workers=workers
    )
    per_image = gather_pair_terms(mask_prob, terms, batch * channels)
    return reduce_loss(per_image.reshape(batch, channels), reduction)


def _check_options(*, keep: object, workers: object, reduction: object, **_: object) -> None:
    """Check the options of :func:`component_prior` that do not depend on the input."""
    check_reduction(reduction)
    if isinstance(keep, bool) or not isinstance(keep, (int, np.integer)) or keep < 0:
        raise ValueError(f"keep must be a non-negative integer, got {keep!r}")
    check_workers(workers)


class ComponentPrior(LossModule):
    """Module form of :func:`component_prior`.

    Examples
    --------
    >>> import torch
    >>> prior = ComponentPrior(keep=1)
    >>> prior(torch.zeros(2, 1, 8, 8)).item()
    0.0
    """

    function = staticmethod(component_prior)
    check = staticmethod(_check_options)
