"""Brute-force homology of small cubical complexes: ranks of boundary matrices over Z/2.

Obviously correct and slow; used as an oracle for Betti numbers and simple points.
"""

from __future__ import annotations

import itertools

import numpy as np


def cubical_cells(mask: np.ndarray, connectivity: int) -> dict[int, list[tuple[int, ...]]]:
    """Cells of the cubical complex of a boolean mask, by dimension.

    A cell is given by its coordinates in the doubled grid: even coordinates are vertices along
    that axis, odd ones span an interval. ``connectivity == 1``: pixels are the vertices (even
    coordinates 2 * index), a cell exists when all its vertices are foreground.
    ``connectivity == ndim``: pixels are top cells (odd coordinates 2 * index + 1), a cell exists
    when one of the pixels containing it is foreground.
    """
    mask = np.asarray(mask, dtype=bool)
    ndim = mask.ndim
    cells: dict[int, list[tuple[int, ...]]] = {d: [] for d in range(ndim + 1)}
    if connectivity == 1:
        extent = [2 * s - 1 for s in mask.shape]
        for cell in itertools.product(*[range(e) for e in extent]):
            corners = itertools.product(*[(c // 2,) if c % 2 == 0 else (c // 2, c // 2 + 1) for c in cell])
            if all(mask[v] for v in corners):
                cells[sum(c % 2 for c in cell)].append(cell)
    else:
        extent = [2 * s + 1 for s in mask.shape]
        for cell in itertools.product(*[range(e) for e in extent]):
            pixels = itertools.product(*[((c - 1) // 2,) if c % 2 == 1 else (c // 2 - 1, c // 2) for c in cell])
            if any(all(0 <= p < s for p, s in zip(px, mask.shape)) and mask[px] for px in pixels):
                cells[sum(c % 2 for c in cell)].append(cell)
    return cells


def _rank_mod2(matrix: np.ndarray) -> int:
    m = matrix.copy().astype(bool)
    rank = 0
    rows, cols = m.shape
    for col in range(cols):
        pivot = next((r for r in range(rank, rows) if m[r, col]), None)
        if pivot is None:
            continue
        m[[rank, pivot]] = m[[pivot, rank]]
        below = m[:, col].copy()
        below[rank] = False
        m[below] ^= m[rank]
        rank += 1
    return rank


def betti_numbers_brute_force(mask: np.ndarray, connectivity: int = 1) -> tuple[int, ...]:
    """Betti numbers of the cubical complex of ``mask`` from boundary-matrix ranks over Z/2."""
    cells = cubical_cells(mask, connectivity)
    ndim = np.asarray(mask).ndim
    index = {d: {c: i for i, c in enumerate(cells[d])} for d in cells}
    ranks = {}
    for d in range(1, ndim + 1):
        boundary = np.zeros((len(cells[d - 1]), len(cells[d])), dtype=bool)
        for j, cell in enumerate(cells[d]):
            for axis, c in enumerate(cell):
                if c % 2:
                    for face_c in (c - 1, c + 1):
                        face = cell[:axis] + (face_c,) + cell[axis + 1 :]
                        boundary[index[d - 1][face], j] = True
        ranks[d] = _rank_mod2(boundary) if boundary.size else 0
    ranks[0] = 0
    ranks[ndim + 1] = 0
    return tuple(len(cells[d]) - ranks[d] - ranks[d + 1] for d in range(ndim))
