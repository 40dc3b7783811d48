"""Filling the background between marked objects (seed 004, Sec. III-C, last step)."""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

from toposeg._validation import check_array, check_finite

__all__ = ["interpolate_background"]


def interpolate_background(
    image: np.ndarray,
    labels: np.ndarray,
    *,
    neighbours: int = 8,
    power: float = 2.0,
) -> np.ndarray:
    """Replace the background (``labels == 0``) by inverse-distance weighting of the values
    on the objects' outlines; object pixels keep their values.

    Parameters
    ----------
    image : (M, N) or (M, N, P) ndarray
        Never modified.
    labels : ndarray of int, the shape of ``image``
        0 for the background, > 0 for objects (e.g. from :func:`mark_objects`).
    neighbours : int
        Each background pixel takes the weighted mean of its ``neighbours`` nearest outline
        pixels (fewer if there are fewer).
    power : float
        Weights ``1 / distance**power``.

    Returns
    -------
    ndarray of float64, the shape of ``image``

    Raises
    ------
    ValueError
        If there is no object pixel (nothing to interpolate from), shapes differ, or an option
        is out of range.

    Notes
    -----
    The outline of the objects is the set of object pixels with a background neighbour
    (faces); a background pixel's nearest object pixels lie on it, so restricting the
    interpolation to it changes little and keeps the k-d tree (:class:`scipy.spatial.cKDTree`)
    small. Shepard's inverse-distance weighting, as in Vandaele et al. (2020).

    Examples
    --------
    >>> import numpy as np
    >>> image = np.array([[0.0, 5.0, 5.0, 2.0]])
    >>> interpolate_background(image, np.array([[1, 0, 0, 2]]), neighbours=2, power=1.0)
    array([[0.        , 0.66666667, 1.33333333, 2.        ]])
    """
    image = check_array(image, "image")
    check_finite(image, "image")
    labels = np.asarray(labels)
    if labels.shape != image.shape:
        raise ValueError(f"labels has shape {labels.shape}, image {image.shape}: they must match")
    if labels.dtype.kind not in "biu":
        raise TypeError(f"labels must hold integers, got dtype {labels.dtype}")
    if isinstance(neighbours, bool) or not isinstance(neighbours, (int, np.integer)) or neighbours < 1:
        raise ValueError(f"neighbours must be an integer >= 1, got {neighbours!r}")
    if isinstance(power, bool) or not isinstance(power, (int, float)) or not 0 < power < np.inf:
        raise ValueError(f"power must be a positive number, got {power!r}")
    values = image.astype(np.float64)
    inside = labels > 0
    if not inside.any():
        raise ValueError("labels marks no object: there is nothing to interpolate the background from")
    background = ~inside
    if not background.any():
        return values
    outline = inside & ndimage.binary_dilation(background, structure=ndimage.generate_binary_structure(image.ndim, 1))
    sources = np.argwhere(outline)
    k = min(int(neighbours), len(sources))
    distance, nearest = cKDTree(sources).query(np.argwhere(background), k=k)
    distance, nearest = distance.reshape(-1, k), nearest.reshape(-1, k)
    weights = distance ** -float(power)
    values[background] = (weights * values[outline][nearest]).sum(axis=1) / weights.sum(axis=1)
    return values
