"""Centerlines of binary masks, computed once and shared by the skeleton-based metrics."""

from __future__ import annotations

import numpy as np

from toposeg._validation import check_array, check_binary
from toposeg.metrics._checks import check_same_shape

__all__ = ["resolve_skeleton", "skeleton_of"]


def skeleton_of(mask: np.ndarray) -> np.ndarray:
    """Skeleton of a boolean mask by ``skimage.morphology.skeletonize`` (Zhang-Suen in 2D,
    Lee et al. in 3D), as in the clDice paper; 8-connected (26 in 3D) one-pixel-wide curves."""
    from skimage.morphology import skeletonize

    # a writable copy: scikit-image 0.26's skeletonize refuses read-only arrays
    return skeletonize(np.array(mask, dtype=bool)).astype(bool, copy=False)


def resolve_skeleton(skeleton: np.ndarray | None, mask: np.ndarray, name: str) -> np.ndarray:
    """Return the given skeleton (checked: binary, shaped like ``mask``) or compute it."""
    if skeleton is None:
        return skeleton_of(mask)
    skeleton = check_binary(check_array(skeleton, name), name)
    check_same_shape(skeleton, mask, (name, name.replace("_skeleton", "")))
    return skeleton
