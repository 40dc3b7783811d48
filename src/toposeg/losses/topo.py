"""TopoLoss: persistent-homology loss of Hu et al. (NeurIPS 2019; thesis ch. 3)."""

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
    check_reduction,
    reduce_loss,
)
from toposeg.losses.activation import activate
from toposeg.losses._module import LossModule
from toposeg.losses._random import Generator, as_rng
from toposeg.persistence.matching import MatchingMethod
from toposeg.structures import (
    PatchMode,
    check_dims,
    check_patch_mode,
    check_patch_size,
    matched_terms,
    patch_layout,
)

__all__ = ["TopoLoss", "topo_loss"]

_DEFAULT_PATCH = {2: 65, 3: 32}


def topo_loss(
    prob: torch.Tensor,
    target: torch.Tensor,
    *,
    dims: int | Sequence[int] | None = None,
    patch: PatchMode = "random",
    patch_size: int | Sequence[int] | None = None,
    num_patches: int | None = None,
    frame: bool = True,
    matching: MatchingMethod = "auto",
    connectivity: int = 1,
    generator: Generator = None,
    workers: int | None = None,
    sigmoid: bool = False,
    softmax: bool = False,
    include_background: bool = True,
    reduction: Reduction = "mean",
) -> torch.Tensor:
    """Topological loss: squared distance between the persistence diagrams of the prediction
    and of the target (Hu et al. 2019, Eq. 2), differentiable through the critical pixels.

    Parameters
    ----------
    prob : (B, C, H, W) or (B, C, D, H, W) tensor
        Probabilities in [0, 1] (apply a sigmoid or softmax first). Each channel is one class,
        handled one-vs-rest.
    target : tensor
        Same shape as ``prob`` (binary or soft values in [0, 1]), or integer labels
        ``(B, *spatial)``.
    dims : int or tuple of int, optional
        Homology dimensions compared: by default ``(1,)`` in 2D (holes) and ``(1, 2)`` in 3D
        (tunnels and cavities), as in the paper. Add ``0`` to penalise spurious or missing
        components (see Notes).
    patch : {"random", "tiles", "whole"}
        Where diagrams are computed: ``num_patches`` random overlapping patches per image,
        drawn afresh on every call (the paper's training scheme); a grid of tiles covering
        the image; or the whole image.
    patch_size : int or tuple of int, optional
        Patch side(s); default 65 in 2D (the paper) and 32 in 3D; clipped to the image.
    num_patches : int, optional
        Random patches per image and channel; default as many as tiles.
    frame : bool
        Compute the homology of each patch relative to its border (Sec. 2.3): a frame of
        value 1 is put around it, so that a structure crossing the patch closes a loop with
        the border. Applies to ``patch="whole"`` too.
    matching : {"auto", "corner", "hungarian", "rank"}
        Diagram matching; ``"auto"`` uses the O(n log n) corner matching for binary targets
        and the Hungarian algorithm otherwise (see :func:`toposeg.persistence.match_diagrams`);
        ``"rank"`` pairs dots by rank of lifetime, seed 004's Eq. 2 (not optimal).
    connectivity : {1, ndim}
        Foreground connectivity of the superlevel sets, as in SciPy (1: 4/6-connected).
    generator : torch.Generator or numpy.random.Generator, optional
        Source of the random patch positions (default: torch's global generator).
    workers : int, optional
        Threads for the persistence computations (default: all CPUs).
    sigmoid, softmax, include_background : bool
        Activation applied to ``prob`` first (logits in), and whether channel 0 counts; as
        in MONAI (see :func:`toposeg.losses.activation.activate`).
    reduction : {"mean", "sum", "none"}
        Over images and channels; ``"none"`` returns shape ``(B, C)``.

    Returns
    -------
    torch.Tensor
        The loss, on ``prob``'s device; with ``reduction="none"`` the sum over patches and
        dimensions for each image and channel.

    Raises
    ------
    TypeError, ValueError
        On bad input (named in the message): logits instead of probabilities, NaN, an empty
        batch, a target of the wrong shape, unknown options.

    Notes
    -----
    For every patch and dimension, the superlevel-set diagrams ``Dgm(f)`` of the prediction
    and ``Dgm(g)`` of the target are computed by :func:`toposeg.cubical_persistence`, and
    ``Dgm(f)`` is matched optimally to ``Dgm(g)`` and the diagonal. The loss is the total
    squared distance of the matching, that is ``sum_p (f(c_b(p)) - b*)**2 + (f(c_d(p)) - d*)**2``
    over the dots ``p`` of ``Dgm(f)`` with critical pixels ``c_b, c_d`` and matched points
    ``(b*, d*)``, plus the distance to the diagonal of unmatched target dots (a constant
    without which Theorem 1, loss 0 implies equal Betti numbers, would fail for a prediction
    missing a structure altogether). The component that never dies is a dot dying at 0, as in
    the paper. Critical pixels in a frame are constants and receive no gradient.

    With a frame, dimension ``ndim - 1`` counts the regions of background enclosed by the
    structure and the patch border, so it sees breaks and false links in a network;
    dimension 0 then counts only components that do not reach the border (isolated blobs),
    which dimension 1 does not see. Without a frame dimension 0 counts every component.

    The loss is summed over patches and dimensions: its scale grows with ``num_patches``.

    Examples
    --------
    A ring broken at one pixel (value 0.3) against a complete ring: the gradient raises the
    gap and nothing else.

    >>> import torch
    >>> ring = torch.zeros(1, 1, 5, 5, dtype=torch.float64)
    >>> ring[0, 0, 1:4, 1:4] = 0.9
    >>> ring[0, 0, 2, 2] = 0.0
    >>> target = (ring > 0).double()
    >>> ring[0, 0, 1, 2] = 0.3
    >>> _ = ring.requires_grad_()
    >>> loss = topo_loss(ring, target, patch="whole")
    >>> round(loss.item(), 6)
    0.49
    >>> loss.backward()
    >>> torch.nonzero(ring.grad).tolist(), round(ring.grad[0, 0, 1, 2].item(), 6)
    ([[0, 0, 1, 2]], -1.4)
    """
    prob, target = activate(
        prob, target, sigmoid=sigmoid, softmax=softmax, include_background=include_background
    )
    _check_options(frame=frame, matching=matching, patch=patch, workers=workers, reduction=reduction)
    ndim = prob.ndim - 2
    dims = check_dims(dims, ndim, (1,) if ndim == 2 else (1, 2))
    connectivity = check_connectivity(connectivity, ndim)
    rng = as_rng(generator)
    batch, channels, *spatial = prob.shape
    size = check_patch_size(patch_size, tuple(spatial), _DEFAULT_PATCH[ndim])
    layout = patch_layout(
        tuple(spatial),
        batch * channels,
        mode=patch,
        size=size,
        count=num_patches,
        rng=rng,
    )
    terms = matched_terms(
        detached_stack(prob),
        detached_stack(target),
        layout,
        dims=dims,
        superlevel=True,
        connectivity=connectivity,
        frame=1.0 if frame else None,
        end=0.0,
        method=matching,
        workers=workers,
    )
    per_image = gather_squared_terms(prob, terms).reshape(batch, channels)
    return reduce_loss(per_image, reduction)


def _check_options(
    *, frame: object, matching: object, patch: object, workers: object, reduction: object, **_: object
) -> None:
    """Check the options of :func:`topo_loss` that do not depend on the input."""
    check_reduction(reduction)
    if not isinstance(frame, (bool, np.bool_)):
        raise TypeError(f"frame must be True or False, got {frame!r}")
    if matching not in get_args(MatchingMethod):
        raise ValueError(f"matching must be one of {', '.join(get_args(MatchingMethod))}, got {matching!r}")
    check_patch_mode(patch)
    check_workers(workers)


class TopoLoss(LossModule):
    """Module form of :func:`topo_loss`; random patches come from its own generator.

    Parameters
    ----------
    dims, patch, patch_size, num_patches, frame, matching, connectivity, workers, reduction
        As for :func:`topo_loss`.
    seed : int, optional
        Seeds the module's ``torch.Generator`` (default: torch's global generator).

    Examples
    --------
    >>> import torch
    >>> loss = TopoLoss(patch_size=16, seed=0)
    >>> prob = torch.rand(2, 1, 32, 32, requires_grad=True)
    >>> target = torch.zeros(2, 32, 32, dtype=torch.long)
    >>> value = loss(prob, target)
    >>> value.backward()
    >>> value.ndim, prob.grad.shape
    (0, torch.Size([2, 1, 32, 32]))
    """

    function = staticmethod(topo_loss)
    check = staticmethod(_check_options)
