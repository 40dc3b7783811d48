"""Betti matching loss (Stucki et al., ICML 2023): persistence pairs matched in place."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from toposeg._batch import check_workers
from toposeg._validation import check_connectivity
from toposeg.losses._bridge import detached_stack, gather_squared_terms
from toposeg.losses._checks import Reduction, check_reduction, reduce_loss
from toposeg.losses._module import LossModule
from toposeg.losses._random import Generator, as_rng
from toposeg.losses.activation import activate
from toposeg.persistence.betti_matching import Filtration
from toposeg.structures import (
    PatchMode,
    betti_matching_terms,
    check_dims,
    check_patch_mode,
    check_patch_size,
    patch_layout,
)

__all__ = ["BettiMatchingLoss", "betti_matching_loss"]

_DEFAULT_PATCH = {2: 64, 3: 32}


def betti_matching_loss(
    prob: torch.Tensor,
    target: torch.Tensor,
    *,
    dims: int | Sequence[int] | None = None,
    relative: bool = False,
    filtration: Filtration = "superlevel",
    patch: PatchMode = "whole",
    patch_size: int | Sequence[int] | None = None,
    num_patches: int | None = None,
    connectivity: int = 1,
    generator: Generator = None,
    workers: int | None = None,
    sigmoid: bool = False,
    softmax: bool = False,
    include_background: bool = True,
    reduction: Reduction = "mean",
) -> torch.Tensor:
    """Betti matching loss: matched pairs pulled together, unmatched pairs to the diagonal.

    Parameters
    ----------
    prob : (B, C, H, W) or (B, C, D, H, W) tensor
        Probabilities in [0, 1]; each channel is one class, handled one-vs-rest.
    target : tensor
        Same shape as ``prob`` (binary or soft values in [0, 1]), or integer labels
        ``(B, *spatial)``.
    dims : int or tuple of int, optional
        Homology dimensions (default: all, ``0 .. ndim - 1``, as in the paper).
    relative : bool
        The paper's "relative" variant: homology relative to the border of each patch (a
        frame of value 1 for superlevel sets, 0 for sublevel sets), so that a structure
        crossing the border closes a loop with it.
    filtration : {"superlevel", "sublevel"}
        Superlevel sets of the probabilities (the default) or sublevel sets.
    patch : {"whole", "tiles", "random"}
        The whole image (default, as the paper), a grid of tiles, or ``num_patches`` random
        patches per image, as for :func:`toposeg.losses.topo_loss`.
    patch_size : int or tuple of int, optional
        Patch side(s) for tiles and random patches (default 64 in 2D, 32 in 3D).
    num_patches : int, optional
        Random patches per image and channel (default: as many as tiles).
    connectivity : {1, ndim}
        Foreground connectivity of the level sets, as in SciPy.
    generator : torch.Generator or numpy.random.Generator, optional
        Source of random patch positions.
    workers : int, optional
        Threads for the matchings (default: all CPUs).
    sigmoid, softmax, include_background : bool
        Activation of logits, as for :func:`toposeg.losses.topo_loss` (default: ``prob`` holds
        probabilities already).
    reduction : {"mean", "sum", "none"}
        Over images and channels; ``"none"`` returns shape ``(B, C)``.

    Returns
    -------
    torch.Tensor
        The loss, on ``prob``'s device.

    Raises
    ------
    TypeError, ValueError
        On bad input, named in the message.

    Notes
    -----
    :func:`toposeg.persistence.betti_matching` matches the pairs of the prediction ``f`` and
    of the target ``g`` in every patch and dimension. With ``(b, d)`` a pair's values at its
    birth and death pixels, the loss is (Stucki et al. 2023, Eq. 6)
    ``sum_matched 2 * ((b_f - b_g)**2 + (d_f - d_g)**2) + sum_unmatched_f (b_f - d_f)**2 +
    sum_unmatched_g (b_g - d_g)**2``: twice the squared distance of an unmatched pair to the
    diagonal. The last sum does not depend on the prediction. The gradient flows through the
    prediction's values at the critical pixels only (pixels of a frame are constants); it is
    zero when the prediction equals a binary target.

    Examples
    --------
    A spurious blob (0.6) in the prediction is unmatched: the loss ``(0.6 - 0)**2`` lowers its
    birth pixel and raises its death pixel (a background pixel where it merges), towards the
    diagonal.

    >>> import torch
    >>> prob = torch.zeros(1, 1, 6, 6, dtype=torch.float64)
    >>> prob[0, 0, 1:3, 1:3] = 0.9
    >>> prob[0, 0, 4, 4] = 0.6  # a spurious blob
    >>> target = (prob > 0.8).double()
    >>> _ = prob.requires_grad_()
    >>> loss = betti_matching_loss(prob, target)
    >>> round(loss.item(), 6)
    0.36
    >>> loss.backward()
    >>> round(prob.grad[0, 0, 4, 4].item(), 6), int((prob.grad != 0).sum())
    (1.2, 2)
    """
    prob, target = activate(
        prob, target, sigmoid=sigmoid, softmax=softmax, include_background=include_background
    )
    _check_options(relative=relative, filtration=filtration, patch=patch, workers=workers,
                   reduction=reduction)
    ndim = prob.ndim - 2
    dims = check_dims(dims, ndim, tuple(range(ndim)))
    connectivity = check_connectivity(connectivity, ndim)
    batch, channels, *spatial = prob.shape
    size = check_patch_size(patch_size, tuple(spatial), _DEFAULT_PATCH[ndim])
    layout = patch_layout(
        tuple(spatial), batch * channels, mode=patch, size=size, count=num_patches,
        rng=as_rng(generator),
    )
    frame = (1.0 if filtration == "superlevel" else 0.0) if relative else None
    terms = betti_matching_terms(
        detached_stack(prob), detached_stack(target), layout, dims=dims, filtration=filtration,
        connectivity=connectivity, frame=frame, workers=workers,
    )
    per_image = gather_squared_terms(prob, terms).reshape(batch, channels)
    return reduce_loss(per_image, reduction)


def _check_options(
    *, relative: object, filtration: object, patch: object, workers: object, reduction: object,
    **_: object,
) -> None:
    """Check the options of :func:`betti_matching_loss` that do not depend on the input."""
    check_reduction(reduction)
    if not isinstance(relative, (bool, np.bool_)):
        raise TypeError(f"relative must be True or False, got {relative!r}")
    if filtration not in ("superlevel", "sublevel"):
        raise ValueError(f"filtration must be 'superlevel' or 'sublevel', got {filtration!r}")
    check_patch_mode(patch)
    check_workers(workers)


class BettiMatchingLoss(LossModule):
    """Module form of :func:`betti_matching_loss`; random patches come from its own generator.

    Parameters
    ----------
    dims, relative, filtration, patch, patch_size, num_patches, connectivity, workers, reduction
        As for :func:`betti_matching_loss`.
    seed : int, optional
        Seeds the module's ``torch.Generator`` (default: torch's global generator).

    Examples
    --------
    >>> import torch
    >>> loss = BettiMatchingLoss()
    >>> prob = torch.rand(2, 1, 16, 16, requires_grad=True)
    >>> value = loss(prob, torch.zeros(2, 16, 16, dtype=torch.long))
    >>> value.backward()
    >>> value.ndim, prob.grad.shape
    (0, torch.Size([2, 1, 16, 16]))
    """

    function = staticmethod(betti_matching_loss)
    check = staticmethod(_check_options)
