"""Diagram-matching terms: the structures of TopoLoss and localized PH, without torch.

The core engine computes the diagrams of the prediction and of the target in every patch;
each predicted dot is matched to a target dot or to the diagonal. A dot's coordinates are the
prediction's values at its two critical pixels, so the loss
``sum (f(c_b) - b*)**2 + (f(c_d) - d*)**2`` is one term ``(f[index] - goal)**2`` per
coordinate: a loss gathers the prediction at ``index`` and autograd gives the gradient of
Hu et al. (2019), Eq. 3.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from toposeg.persistence import (
    PersistenceResult,
    betti_numbers,
    cubical_persistence_batch,
)
from toposeg.persistence.matching import MatchingMethod, match_diagrams
from toposeg.structures.patches import PatchLayout, extract_patches

__all__ = ["PixelTerms", "check_dims", "matched_terms"]


@dataclass(frozen=True)
class PixelTerms:
    """Squared terms ``(value - goal)**2`` of a loss, one per dot coordinate.

    ``index`` is a flat index into the prediction (all images stacked) or ``-1`` for a pixel of
    a frame or the end of an essential class, whose value is then ``constant``; ``goal`` is
    the value the term pulls the prediction to (the matched coordinate, minus the height
    function at that pixel when one was added to the prediction); ``group`` says
    which image (``b * C + c``) a term belongs to; ``offset`` holds, per image, the cost of
    target dots left unmatched (constant in the prediction).
    """

    index: np.ndarray
    constant: np.ndarray
    goal: np.ndarray
    group: np.ndarray
    offset: np.ndarray


def check_dims(dims: object, ndim: int, default: tuple[int, ...]) -> tuple[int, ...]:
    """Return the homology dimensions to use: distinct ints in ``0 .. ndim - 1``."""
    if dims is None:
        return default
    values = (dims,) if isinstance(dims, (int, np.integer)) else dims
    try:
        values = tuple(values)
    except TypeError:
        raise TypeError(f"dims must be an int or a tuple of ints, got {dims!r}") from None
    if (
        not values
        or len(set(values)) != len(values)
        or any(isinstance(d, bool) or not isinstance(d, (int, np.integer)) for d in values)
        or any(not 0 <= d < ndim for d in values)
    ):
        raise ValueError(
            f"dims must be distinct integers in 0..{ndim - 1} for {ndim}D images, got {dims!r}"
        )
    return tuple(int(d) for d in values)


def matched_terms(
    prediction: np.ndarray,
    target: np.ndarray,
    layout: PatchLayout,
    *,
    dims: Sequence[int],
    superlevel: bool,
    connectivity: int,
    frame: float | None,
    end: float,
    method: MatchingMethod,
    workers: int | None,
    height: np.ndarray | None = None,
) -> PixelTerms:
    """Match the diagrams of ``prediction`` and ``target`` (stacks ``(n_images, *spatial)`` of
    float64) patch by patch and dimension by dimension.

    ``end`` is where the essential component of dimension 0 dies: the end of the filtration's
    range (0 for probabilities under superlevel sets), as in Hu et al. (2019), Sec. 2.1.
    ``height`` (of the patch shape) is added to every patch of both before filtering.
    ``frame`` is the value of the frame put around each patch, or ``None``.
    """
    options = dict(superlevel=superlevel, connectivity=connectivity, frame=frame, workers=workers)
    prediction_patches = extract_patches(prediction, layout)
    target_patches = extract_patches(target, layout)
    if height is not None:
        prediction_patches += height
        target_patches += height
    predicted = cubical_persistence_batch(prediction_patches, **options)
    if (
        height is None
        and superlevel
        and end == 0.0
        and frame in (None, 1.0)
        and np.isin(target_patches, (0.0, 1.0)).all()
    ):
        expected = [
            _binary_diagrams(p, dims, connectivity, frame is not None) for p in target_patches
        ]
    else:
        results = cubical_persistence_batch(target_patches, **options)
        expected = [{d: _dots(r, d, end)[0] for d in dims} for r in results]

    local, patch, constant, goal = [], [], [], []
    offset = np.zeros(len(prediction))
    for k, (mine, theirs) in enumerate(zip(predicted, expected)):
        for d in dims:
            dots, pixels = _dots(mine, d, end)
            matching = match_diagrams(dots, theirs[d], method=method)
            local.append(pixels.ravel())
            patch.append(np.full(pixels.size, k, dtype=np.int64))
            constant.append(dots.ravel())
            goal.append(matching.targets.ravel())
            offset[layout.owner[k]] += matching.cost - ((dots - matching.targets) ** 2).sum()
    local_index = np.concatenate(local) if local else np.empty(0, dtype=np.int64)
    patches = np.concatenate(patch) if patch else np.empty(0, dtype=np.int64)
    goals = np.concatenate(goal) if goal else np.empty(0)
    if height is not None:
        goals -= np.where(local_index >= 0, height.ravel()[np.maximum(local_index, 0)], 0.0)
    return PixelTerms(
        index=layout.to_image_index(local_index, patches),
        constant=np.concatenate(constant) if constant else np.empty(0),
        goal=goals,
        group=layout.owner[patches],
        offset=offset,
    )


def _binary_diagrams(
    mask: np.ndarray, dims: Sequence[int], connectivity: int, framed: bool
) -> dict[int, np.ndarray]:
    """Superlevel diagrams of a 0/1 patch (framed by ones if ``framed``): every class is born
    at 1 and dies at 0, so dimension ``d`` holds ``betti_d`` dots ``(1, 0)``; in dimension 0
    the essential component (dying at ``end = 0``) is one of them."""
    foreground = mask.astype(bool)
    if framed:
        foreground = np.pad(foreground, 1, constant_values=True)
    betti = betti_numbers(foreground, connectivity=connectivity)
    return {d: np.tile([1.0, 0.0], (betti[d], 1)) for d in dims}


def _dots(result: PersistenceResult, dim: int, end: float) -> tuple[np.ndarray, np.ndarray]:
    """Finite dots and their critical pixels, plus, in dimension 0, the essential component as
    a dot dying at ``end`` (its death pixel ``-1``: a constant)."""
    dots, pixels = result.diagram(dim), result.critical_pixels(dim)
    if dim != 0:
        return dots, pixels
    essential = result.essential(0)
    extra = np.stack([essential.births, np.full(len(essential.births), end)], axis=1)
    keep = extra[:, 0] != extra[:, 1]
    extra_pixels = np.stack([essential.pixels, np.full(len(essential.pixels), -1)], axis=1)
    return (
        np.concatenate([dots, extra[keep]]),
        np.concatenate([pixels, extra_pixels[keep]]).astype(np.int64),
    )
