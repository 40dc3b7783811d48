"""Input checks of the Morse functions: the likelihood and the persistence threshold."""

from __future__ import annotations

from numbers import Real

import numpy as np

from toposeg._validation import check_array, check_finite

__all__ = ["check_eps", "check_likelihood"]


def check_likelihood(likelihood: object, name: str = "likelihood") -> np.ndarray:
    """Return ``likelihood`` after checking it.

    Floats may take any finite value (``eps`` is then in their units); booleans and integers
    must lie in [0, 1], since integer images such as 0..255 would make ``eps`` meaningless.
    """
    likelihood = check_array(likelihood, name)
    check_finite(likelihood, name)
    if likelihood.dtype.kind in "biu":
        low, high = likelihood.min(), likelihood.max()
        if low < 0 or high > 1:
            raise ValueError(
                f"{name} holds integers in [{low}, {high}]; a likelihood must lie in [0, 1] "
                "(scale it first, e.g. divide 8-bit images by 255) so that eps is a probability"
            )
    return likelihood


def check_eps(eps: object) -> float:
    """Return the persistence threshold ``eps`` as a float; it must be a number >= 0."""
    if isinstance(eps, (bool, np.bool_)) or not isinstance(eps, Real):
        raise TypeError(f"eps must be a real number, got {type(eps).__name__}")
    eps = float(eps)
    if np.isnan(eps) or eps < 0:
        raise ValueError(f"eps must be a persistence threshold >= 0, got {eps}")
    return eps
