"""Diagram losses from gudhi's diagrams and Wasserstein distance: an oracle for the losses.

Uses gudhi's cubical persistence (pixels as vertices, connectivity 1) on an explicitly framed
array and gudhi's (hera) 2-Wasserstein distance with Euclidean ground metric, squared.
"""

from __future__ import annotations

import gudhi
import gudhi.hera
import numpy as np


def gudhi_diagrams(
    image: np.ndarray, *, superlevel: bool, frame: float | None, end: float
) -> list[np.ndarray]:
    """Per dimension, the ``(birth, death)`` dots of ``image`` (framed if ``frame`` is given);
    in dimension 0 the component that never dies is a dot ending at ``end``."""
    values = np.asarray(image, dtype=np.float64)
    if frame is not None:
        values = np.pad(values, 1, constant_values=frame)
    sign = -1.0 if superlevel else 1.0
    complex_ = gudhi.CubicalComplex(vertices=sign * values)
    complex_.compute_persistence(homology_coeff_field=2)
    out = []
    for d in range(values.ndim):
        dots = np.asarray(complex_.persistence_intervals_in_dimension(d), dtype=np.float64).reshape(
            -1, 2
        )
        dots = sign * dots
        dots[np.isinf(dots[:, 1]), 1] = end
        out.append(dots[dots[:, 0] != dots[:, 1]])
    return out


def gudhi_diagram_loss(
    prediction: np.ndarray,
    target: np.ndarray,
    *,
    dims: tuple[int, ...],
    superlevel: bool,
    frame: float | None,
    end: float,
) -> float:
    """Sum over ``dims`` of the squared 2-Wasserstein distances between the diagrams."""
    mine = gudhi_diagrams(prediction, superlevel=superlevel, frame=frame, end=end)
    theirs = gudhi_diagrams(target, superlevel=superlevel, frame=frame, end=end)
    total = 0.0
    for d in dims:
        if len(mine[d]) == 0 and len(theirs[d]) == 0:
            continue
        distance = gudhi.hera.wasserstein_distance(
            mine[d].reshape(-1, 2), theirs[d].reshape(-1, 2), order=2, internal_p=2, delta=1e-10
        )
        total += distance**2
    return total
