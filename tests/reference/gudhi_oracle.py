"""Persistence pairs and critical pixels from gudhi, in toposeg's conventions."""

from __future__ import annotations

import gudhi
import numpy as np


def gudhi_pairs(image: np.ndarray, *, superlevel: bool, connectivity: int) -> list[np.ndarray]:
    """Per dimension, the ``(birth, death)`` flat C-order pixel indices of the finite pairs
    of nonzero persistence."""
    g = -np.asarray(image, dtype=np.float64) if superlevel else np.asarray(image, dtype=np.float64)
    if connectivity == 1:
        complex_ = gudhi.CubicalComplex(vertices=g)
        complex_.compute_persistence(homology_coeff_field=2)
        regular, _ = complex_.vertices_of_persistence_pairs()
    else:
        complex_ = gudhi.CubicalComplex(top_dimensional_cells=g)
        complex_.compute_persistence(homology_coeff_field=2)
        regular, _ = complex_.cofaces_of_persistence_pairs()
    flat = g.ravel()
    out = []
    for d in range(g.ndim):
        pairs = np.asarray(regular[d] if d < len(regular) else [], dtype=np.int64).reshape(-1, 2)
        if pairs.size:
            coords = np.unravel_index(pairs.ravel(), g.shape, order="F")
            pairs = np.ravel_multi_index(coords, g.shape).reshape(-1, 2)
            pairs = pairs[flat[pairs[:, 0]] != flat[pairs[:, 1]]]
        out.append(pairs)
    return out
