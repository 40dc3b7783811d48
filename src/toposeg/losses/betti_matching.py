"""Betti matching loss (Stucki et al., ICML 2023): persistence pairs matched in place."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from toposeg._validation import check_connectivity
from toposeg.losses._checks import (
    Reduction,
    check_probabilities,
    check_reduction,
    one_hot_target,
    reduce_loss,
)
from toposeg.losses._matched_terms import MatchedTerms, check_dims, gather_squared_terms
from toposeg.losses._patches import (
    Generator,
    PatchLayout,
    PatchMode,
    check_patch_size,
    extract_patches,
    patch_layout,
)
from toposeg.persistence import betti_matching_batch
from toposeg.persistence.betti_matching import Filtration

__all__ = ["BettiMatchingLoss", "betti_matching_loss", "betti_matching_terms"]

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
    prob = check_probabilities(prob, "prob")
    target = one_hot_target(target, prob, "target")
    check_reduction(reduction)
    ndim = prob.ndim - 2
    dims = check_dims(dims, ndim, tuple(range(ndim)))
    connectivity = check_connectivity(connectivity, ndim)
    if not isinstance(relative, (bool, np.bool_)):
        raise TypeError(f"relative must be True or False, got {relative!r}")
    if filtration not in ("superlevel", "sublevel"):
        raise ValueError(f"filtration must be 'superlevel' or 'sublevel', got {filtration!r}")
    batch, channels, *spatial = prob.shape
    size = check_patch_size(patch_size, tuple(spatial), _DEFAULT_PATCH[ndim])
    layout = patch_layout(
        tuple(spatial), batch * channels, mode=patch, size=size, count=num_patches,
        generator=generator,
    )
    with torch.no_grad():
        stack = (batch * channels, *spatial)
        images = prob.detach().reshape(stack).cpu().numpy().astype(np.float64)
        wanted = target.detach().reshape(stack).cpu().numpy().astype(np.float64)
    frame = (1.0 if filtration == "superlevel" else 0.0) if relative else None
    terms = betti_matching_terms(
        images, wanted, layout, dims=dims, filtration=filtration, connectivity=connectivity,
        frame=frame, workers=workers,
    )
    per_image = gather_squared_terms(prob, terms).reshape(batch, channels)
    return reduce_loss(per_image, reduction)


def betti_matching_terms(
    prediction: np.ndarray,
    target: np.ndarray,
    layout: PatchLayout,
    *,
    dims: Sequence[int],
    filtration: Filtration,
    connectivity: int,
    frame: float | None,
    workers: int | None,
) -> MatchedTerms:
    """The squared terms of the Betti matching loss of two stacks ``(n_images, *spatial)``
    (torch-free): a matched pair gives each of its two coordinates twice with the target's
    value as goal; an unmatched predicted pair gives each coordinate twice with the pair's
    midpoint as goal (``2 (b - m)**2 + 2 (d - m)**2 = (b - d)**2``, and the same gradient);
    unmatched target pairs are constants (``offset``)."""
    predictions = extract_patches(prediction, layout)
    targets = extract_patches(target, layout)
    results = betti_matching_batch(
        predictions, targets, dims=dims, connectivity=connectivity, filtration=filtration,
        frame=frame, workers=workers,
    )
    fill = 0.0 if frame is None else frame
    local, patch, constant, goal = [], [], [], []
    offset = np.zeros(len(prediction))
    for k, result in enumerate(results):
        mine = np.append(predictions[k].ravel(), fill)  # index -1: the frame
        theirs = np.append(targets[k].ravel(), fill)
        for d in dims:
            matched = result.matched_pred[d].ravel()
            unmatched = result.unmatched_pred[d]
            middle = np.repeat(mine[unmatched].mean(axis=1), 2)
            pixels = np.concatenate([matched, matched, unmatched.ravel(), unmatched.ravel()])
            local.append(pixels)
            patch.append(np.full(pixels.size, k, dtype=np.int64))
            constant.append(mine[pixels])
            wanted = theirs[result.matched_target[d].ravel()]
            goal.append(np.concatenate([wanted, wanted, middle, middle]))
            lost = theirs[result.unmatched_target[d]]
            offset[layout.owner[k]] += ((lost[:, 0] - lost[:, 1]) ** 2).sum()
    local_index = np.concatenate(local) if local else np.empty(0, dtype=np.int64)
    patches = np.concatenate(patch) if patch else np.empty(0, dtype=np.int64)
    return MatchedTerms(
        index=layout.to_image_index(local_index, patches),
        constant=np.concatenate(constant) if constant else np.empty(0),
        goal=np.concatenate(goal) if goal else np.empty(0),
        group=layout.owner[patches],
        offset=offset,
    )


class BettiMatchingLoss(nn.Module):
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

    def __init__(
        self,
        *,
        dims: int | Sequence[int] | None = None,
        relative: bool = False,
        filtration: Filtration = "superlevel",
        patch: PatchMode = "whole",
        patch_size: int | Sequence[int] | None = None,
        num_patches: int | None = None,
        connectivity: int = 1,
        workers: int | None = None,
        reduction: Reduction = "mean",
        seed: int | None = None,
    ) -> None:
        super().__init__()
        self.options = dict(
            dims=dims, relative=relative, filtration=filtration, patch=patch, patch_size=patch_size,
            num_patches=num_patches, connectivity=connectivity, workers=workers,
            reduction=reduction,
        )
        self.generator = None if seed is None else torch.Generator().manual_seed(seed)

    def forward(self, prob: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return betti_matching_loss(prob, target, generator=self.generator, **self.options)
