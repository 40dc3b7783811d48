"""Filling the background between marked objects (seed 004, Sec. III-C, last step)."""

from __future__ import annotations

from numbers import Real

import numpy as np
from scipy import ndimage
from scipy import fft

from toposeg._validation import check_array, check_finite

__all__ = ["interpolate_background"]


def interpolate_background(image: np.ndarray, labels: np.ndarray, *, power: float = 3.0) -> np.ndarray:
    """Replace the background (``labels == 0``) by inverse-distance weighting of the values
    on the objects' outlines; object pixels keep their values.

    Parameters
    ----------
    image : (M, N) or (M, N, P) ndarray
        Never modified.
    labels : ndarray of int, the shape of ``image``
        0 for the background, > 0 for objects (e.g. from :func:`mark_objects`).
    power : float
        Weights ``1 / distance**power``. Above the number of dimensions, near pixels dominate
        far ones (the default 3 suits 2D and 3D images).

    Returns
    -------
    ndarray of float64, the shape of ``image``

    Raises
    ------
    ValueError
        If there is no object pixel (nothing to interpolate from), shapes differ, or ``power``
        is not positive.

    Notes
    -----
    Shepard's inverse-distance weighting, as in Vandaele et al. (2020): a background pixel
    ``x`` takes ``sum_s w(x - s) f(s) / sum_s w(x - s)`` over the outline pixels ``s`` (the
    object pixels with a background neighbour, through a face), ``w(r) = |r|**-power``. Both
    sums are convolutions with ``w``, computed by FFT (:func:`scipy.signal.fftconvolve`) in
    ``O(N log N)`` for every outline pixel at once.

    Examples
    --------
    >>> import numpy as np
    >>> image = np.array([[0.0, 5.0, 5.0, 2.0]])
    >>> interpolate_background(image, np.array([[1, 0, 0, 2]]), power=1.0).round(6)
    array([[0.      , 0.666667, 1.333333, 2.      ]])
    """
    image = check_array(image, "image")
    check_finite(image, "image")
    labels = np.asarray(labels)
    if labels.shape != image.shape:
        raise ValueError(f"labels has shape {labels.shape}, image {image.shape}: they must match")
    if labels.dtype.kind not in "biu":
        raise TypeError(f"labels must hold integers, got dtype {labels.dtype}")
    if isinstance(power, bool) or not isinstance(power, Real) or not 0 < power < np.inf:
        raise ValueError(f"power must be a positive number, got {power!r}")
    values = image.astype(np.float64)
    inside = labels > 0
    if not inside.any():
        raise ValueError("labels marks no object: there is nothing to interpolate the background from")
    background = ~inside
    if not background.any():
        return values
    faces = ndimage.generate_binary_structure(image.ndim, 1)
    outline = inside & ndimage.binary_dilation(background, structure=faces)
    numerator, denominator = _weighted_sums(np.where(outline, values, 0.0), outline, float(power))
    values[background] = numerator[background] / denominator[background]
    return values


def _weighted_sums(sources: np.ndarray, where: np.ndarray, power: float) -> tuple[np.ndarray, np.ndarray]:
    """``sum_s w(x - s) sources(s)`` and ``sum_s w(x - s) where(s)`` for every ``x``, with
    ``w(r) = |r|**-power`` (``w(0) = 0``): circular convolutions of period at least
    ``2 n - 1`` per axis, which never wrap over offsets of up to ``n - 1``."""
    shape = sources.shape
    period = [fft.next_fast_len(2 * n - 1, real=True) for n in shape]
    offsets = np.meshgrid(*[np.minimum(np.arange(p), p - np.arange(p)).astype(np.float64) for p in period],
                          indexing="ij")
    squared = sum(o**2 for o in offsets)
    squared.flat[0] = 1.0
    weights = squared ** (-power / 2)
    weights.flat[0] = 0.0
    kernel = fft.rfftn(weights, workers=-1)
    crop = tuple(slice(0, n) for n in shape)
    sums = [fft.irfftn(fft.rfftn(a, s=period, workers=-1) * kernel, s=period, workers=-1)[crop]
            for a in (sources, where.astype(np.float64))]
    return sums[0], sums[1]
