"""Terms of the Betti matching loss (Stucki et al., ICML 2023): pairs matched in place (no torch)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from toposeg.persistence import betti_matching_batch
from toposeg.persistence.betti_matching import Filtration
from toposeg.structures.matching_terms import PixelTerms
from toposeg.structures.patches import PatchLayout, extract_patches

__all__ = ["betti_matching_terms"]


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
) -> PixelTerms:
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
    return PixelTerms(
        index=layout.to_image_index(local_index, patches),
        constant=np.concatenate(constant) if constant else np.empty(0),
        goal=np.concatenate(goal) if goal else np.empty(0),
        group=layout.owner[patches],
        offset=offset,
    )
