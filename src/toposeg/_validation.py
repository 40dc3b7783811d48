"""Input checks shared by the public functions: each names the argument and the problem."""

from __future__ import annotations

import numpy as np

__all__ = ["check_array", "check_binary", "check_connectivity", "check_finite"]


def check_array(
    value: object,
    name: str,
    *,
    ndims: tuple[int, ...] = (2, 3),
) -> np.ndarray:
    """Return ``value`` if it is a non-empty real NumPy array of an accepted dimension.

    Raises
    ------
    TypeError
        If ``value`` is not a NumPy array or its dtype is not boolean, integer or float.
    ValueError
        If the array is empty or its number of dimensions is not in ``ndims``.
    """
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{name} must be a NumPy array, got {type(value).__name__}")
    if value.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold booleans, integers or floats, got dtype {value.dtype}")
    if value.ndim not in ndims:
        allowed = " or ".join(f"{d}D" for d in ndims)
        raise ValueError(f"{name} must be {allowed}, got a {value.ndim}D array of shape {value.shape}")
    if value.size == 0:
        raise ValueError(f"{name} is empty (shape {value.shape})")
    return value


def check_finite(value: np.ndarray, name: str) -> None:
    """Raise ``ValueError`` if a float array holds NaN or infinite values."""
    if value.dtype.kind == "f" and not np.isfinite(value).all():
        bad = "NaN" if np.isnan(value).any() else "infinite"
        raise ValueError(f"{name} contains {bad} values")


def check_binary(value: np.ndarray, name: str) -> np.ndarray:
    """Return ``value`` as a bool array; raise ``ValueError`` unless it holds only 0 and 1."""
    if value.dtype == bool:
        return value
    check_finite(value, name)
    if not np.isin(value, (0, 1)).all():
        raise ValueError(f"{name} must be binary (only 0 and 1), got values such as {_stray(value)}")
    return value.astype(bool)


def check_connectivity(connectivity: object, ndim: int) -> int:
    """Return ``connectivity`` if it is 1 or ``ndim`` (the two pairings toposeg supports)."""
    if isinstance(connectivity, bool) or not isinstance(connectivity, (int, np.integer)):
        raise TypeError(f"connectivity must be an integer, got {type(connectivity).__name__}")
    if connectivity not in (1, ndim):
        raise ValueError(
            f"connectivity must be 1 ({2 * ndim}-connected foreground) or {ndim} "
            f"({3**ndim - 1}-connected foreground) for a {ndim}D array, got {connectivity}"
        )
    return int(connectivity)


def _stray(value: np.ndarray) -> str:
    stray = value[~np.isin(value, (0, 1))]
    return ", ".join(str(v) for v in np.unique(stray)[:3])
