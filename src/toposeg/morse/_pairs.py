"""Critical edges of a likelihood and their persistence: what S1 and S2 are built from."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from toposeg.morse._classify_kernels import classify_2d, classify_3d
from toposeg.morse._forest_kernels import merge_candidates, orient_forest
from toposeg._cubical.grid import Grid
from toposeg.morse._loop_kernels import loop_pairs
from toposeg.morse._loops_3d import loop_pairs_3d
from toposeg._cubical.scratch import scratch


def _no_indices() -> np.ndarray:
    return np.empty(0, dtype=np.int64)


@dataclass(frozen=True)
class EdgePairs:
    """The joins, merges and (for the superlevel filtration) loops of a grid; padded indices.

    ``join[p]`` is the neighbour index of the joining edge of pixel ``p`` (-1 for an extremum
    and in the frame). Each critical edge is ``(q, q + grid.offsets[k])``. For a merge,
    ``dying`` is the extremum that dies and ``side`` the end of the edge in its component; for
    a loop, ``death`` is the last pixel of the square that fills it.
    """

    grid: Grid
    join: np.ndarray
    merge_q: np.ndarray
    merge_k: np.ndarray
    merge_dying: np.ndarray
    merge_side: np.ndarray
    merge_pers: np.ndarray
    loop_q: np.ndarray = field(default_factory=_no_indices)
    loop_k: np.ndarray = field(default_factory=_no_indices)
    loop_death: np.ndarray = field(default_factory=_no_indices)
    loop_pers: np.ndarray = field(default_factory=lambda: np.empty(0))

    def merge_other(self) -> np.ndarray:
        """The end of each merge edge in the surviving component."""
        other = self.merge_q + self.grid.offsets[self.merge_k]
        return np.where(self.merge_side == self.merge_q, other, self.merge_q)

    def forest_parent(self, eps: float) -> np.ndarray:
        """The forest at ``eps``, each tree oriented towards its extremum (padded indices)."""
        parent = np.empty(self.grid.size, dtype=np.int64)
        orient_forest(self.grid.offsets, self.join, self.merge_dying, self.merge_side,
                      self.merge_other(), self.merge_pers, eps, parent)
        return parent


def edge_pairs(likelihood: np.ndarray, *, superlevel: bool, connectivity: int) -> EdgePairs:
    """Pair the edges of the filtration of ``likelihood``; loops only for the superlevel one
    with face connectivity.

    Work arrays hold padded indices as int32 (half the memory traffic of the random accesses
    of the union-finds) and are reused from call to call (per thread); the results are fresh
    int64 arrays.
    """
    grid = Grid(likelihood, superlevel=superlevel, connectivity=connectivity)
    if grid.size >= 2**31:
        raise ValueError(f"likelihood is too large ({grid.size} padded pixels, at most 2**31)")
    n_pixels = int(np.prod(grid.shape))
    join = scratch("morse_join", grid.size, np.int8)
    join[:] = -1
    parent = scratch("morse_parent", grid.size, np.int32)
    candidates = scratch("morse_candidates", n_pixels, np.int64)
    with_loops = superlevel and not grid.full
    dual = scratch("morse_dual", grid.size if with_loops and grid.ndim == 2 else 0, np.int32)
    if grid.ndim == 2:
        n = classify_2d(grid.g, *grid.shape, grid.full, join, parent, candidates, dual)
    else:
        n = classify_3d(grid.g, *grid.shape, grid.full, join, parent, candidates)
    candidates = grid.sort(candidates[:n])
    slots = max(1, min(n * grid.offsets.shape[0], n_pixels))  # a merge kills an extremum
    merge = [scratch(f"morse_merge_{i}", slots, np.int64) for i in range(4)]
    merge_pers = scratch("morse_merge_pers", slots, np.float64)
    n_merges = merge_candidates(candidates, grid.g, grid.offsets, join, parent, *merge, merge_pers)
    merges = [m[:n_merges].copy() for m in (*merge, merge_pers)]
    join = join.astype(np.int64)
    if not with_loops:
        return EdgePairs(grid, join, *merges)
    if grid.ndim == 3:
        return EdgePairs(grid, join, *merges, *loop_pairs_3d(grid))
    slots = max(1, min(3 * n, n_pixels))  # a loop is filled by a square
    loops = [scratch(f"morse_loop_{i}", slots, np.int64) for i in range(3)]
    loops.append(scratch("morse_loop_pers", slots, np.float64))
    n_loops = loop_pairs(candidates, grid.g, grid.padded_shape[1], dual, *loops)
    return EdgePairs(grid, join, *merges, *(x[:n_loops].copy() for x in loops))
