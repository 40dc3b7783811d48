"""Input checks shared by the metrics: each error names the argument and the problem."""

from __future__ import annotations

import numbers

import numpy as np

from toposeg._validation import check_array, check_binary

__all__ = ["check_count", "check_pair", "check_same_shape", "check_tolerance"]


def check_pair(pred: object, gt: object) -> tuple[np.ndarray, np.ndarray]:
    """Return ``pred`` and ``gt`` as boolean arrays of one 2D or 3D shape (not copied if bool).

    Raises
    ------
    TypeError
        If either is not a real NumPy array.
    ValueError
        If either is empty, not 2D/3D, not binary (0/1), or the shapes differ.
    """
    pred = check_array(pred, "pred")
    gt = check_array(gt, "gt")
    check_same_shape(pred, gt)
    return check_binary(pred, "pred"), check_binary(gt, "gt")


def check_same_shape(pred: np.ndarray, gt: np.ndarray, names: tuple[str, str] = ("pred", "gt")) -> None:
    """Raise ``ValueError`` unless the two arrays have the same shape."""
    if pred.shape != gt.shape:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same shape, got {pred.shape} and {gt.shape}"
        )


def check_tolerance(value: object, name: str = "tolerance") -> float:
    """Return ``value`` as a float if it is a finite number >= 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise TypeError(f"{name} must be a finite number, got {value!r}")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return float(value)


def check_count(value: object, name: str) -> int:
    """Return ``value`` if it is an integer >= 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")
    return int(value)
