"""The first two steps of topological preprocessing (seed 004, Sec. III-C): smoothing with a
uniform filter and border modification."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from toposeg._validation import check_array, check_finite
from toposeg.preprocess.marking import ObjectPolarity, check_objects

__all__ = ["border_band", "modify_border", "smooth"]


def _size(value: object, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def smooth(image: np.ndarray, size: int = 3) -> np.ndarray:
    """Average over a ``size`` x ``size`` (x ``size``) window (:func:`scipy.ndimage.uniform_filter`,
    mirrored at the border).

    Parameters
    ----------
    image : (M, N) or (M, N, P) ndarray
        Never modified.
    size : int
        Window side, ``>= 1`` (1 returns a float64 copy).

    Returns
    -------
    ndarray of float64, the shape of ``image``

    Examples
    --------
    >>> import numpy as np
    >>> smooth(np.array([[0.0, 0.0, 9.0, 0.0, 0.0]]), 3)
    array([[0., 3., 3., 3., 0.]])
    """
    image = check_array(image, "image")
    check_finite(image, "image")
    size = _size(size, "size", 1)
    values = image.astype(np.float64)
    return values if size == 1 else ndimage.uniform_filter(values, size=size, mode="reflect")


def border_band(shape: tuple[int, ...], width: int) -> np.ndarray:
    """Boolean mask of the pixels within ``width`` of the border (closer than ``width`` pixels
    along some axis).

    Examples
    --------
    >>> border_band((4, 5), 1).astype(int)
    array([[1, 1, 1, 1, 1],
           [1, 0, 0, 0, 1],
           [1, 0, 0, 0, 1],
           [1, 1, 1, 1, 1]])
    """
    band = np.zeros(shape, dtype=bool)
    if width > 0:
        band[...] = True
        band[tuple(slice(width, n - width) for n in shape)] = False
    return band


def modify_border(image: np.ndarray, width: int, *, objects: ObjectPolarity = "dark") -> np.ndarray:
    """Give every pixel within ``width`` of the border the extreme value of the image, so that
    objects touching the border are born through it (seed 004, after Vandaele et al. 2020).

    Parameters
    ----------
    image : (M, N) or (M, N, P) ndarray
        Never modified.
    width : int
        Width ``d >= 0`` of the band; 0 returns a float64 copy. It must leave an interior
        (``2 * width < min(image.shape)``).
    objects : {"dark", "bright"}
        The band takes the minimum of the image for dark objects (sublevel sets), the maximum
        for bright ones.

    Returns
    -------
    ndarray of float64, the shape of ``image``

    Notes
    -----
    With pixels ordered by value and then by index, the band's first pixel (the corner) is
    the first pixel of the filtration: the band is one component, the one that never dies,
    and every object that reaches it dies there. No finite pair is born in the band.

    Examples
    --------
    >>> import numpy as np
    >>> modify_border(np.arange(16.0).reshape(4, 4), 1)
    array([[ 0.,  0.,  0.,  0.],
           [ 0.,  5.,  6.,  0.],
           [ 0.,  9., 10.,  0.],
           [ 0.,  0.,  0.,  0.]])
    """
    image = check_array(image, "image")
    check_finite(image, "image")
    bright = check_objects(objects)
    width = _size(width, "width", 0)
    if 2 * width >= min(image.shape):
        raise ValueError(
            f"width={width} leaves no interior in an image of shape {image.shape} "
            f"(it must be < {(min(image.shape) + 1) // 2})"
        )
    values = image.astype(np.float64)
    values[border_band(image.shape, width)] = values.max() if bright else values.min()
    return values
