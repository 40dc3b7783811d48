"""Soft skeleton and clDice by explicit loops over pixels (Shit et al. 2021, Algorithm 1)."""

from __future__ import annotations

import itertools

import numpy as np


def _filter(image: np.ndarray, offsets: list[tuple[int, ...]], reduce) -> np.ndarray:
    out = np.empty_like(image)
    for index in np.ndindex(*image.shape):
        values = []
        for offset in offsets:
            neighbour = tuple(i + o for i, o in zip(index, offset))
            if all(0 <= n < s for n, s in zip(neighbour, image.shape)):
                values.append(image[neighbour])
        out[index] = reduce(values)
    return out


def reference_soft_skeleton(image: np.ndarray, iterations: int) -> np.ndarray:
    ndim = image.ndim
    cross = [tuple(0 for _ in range(ndim))] + [
        tuple(s if a == axis else 0 for a in range(ndim)) for axis in range(ndim) for s in (-1, 1)
    ]
    box = list(itertools.product((-1, 0, 1), repeat=ndim))

    def erode(x):
        return _filter(x, cross, min)

    def opened(x):
        return _filter(erode(x), box, max)

    skeleton = np.maximum(image - opened(image), 0)
    for _ in range(iterations):
        image = erode(image)
        delta = np.maximum(image - opened(image), 0)
        skeleton = skeleton + (1 - skeleton) * delta
    return skeleton


def reference_cldice_loss(
    prediction: np.ndarray, target: np.ndarray, iterations: int, smooth: float
) -> float:
    skeleton_pred = reference_soft_skeleton(prediction, iterations)
    skeleton_true = reference_soft_skeleton(target, iterations)
    precision = ((skeleton_pred * target).sum() + smooth) / (skeleton_pred.sum() + smooth)
    sensitivity = ((skeleton_true * prediction).sum() + smooth) / (skeleton_true.sum() + smooth)
    return float(1 - 2 * precision * sensitivity / (precision + sensitivity))
