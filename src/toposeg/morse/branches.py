"""Morse structures at every threshold at once: branches with their persistence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from toposeg.morse import _skeleton_kernels, _watershed_kernels
from toposeg.morse._checks import check_eps, check_likelihood
from toposeg.morse._pairs import EdgePairs, edge_pairs
from toposeg.morse.skeleton import skeleton_pairs

__all__ = ["MorseBranches", "morse_branches"]

Structure = Literal["skeleton", "watershed"]


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(array)
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class MorseBranches:
    """The branches of a Morse structure, most persistent first; built by :func:`morse_branches`.

    The structure at a threshold ``eps`` (:func:`toposeg.morse.morse_skeleton` or
    :func:`toposeg.morse.watershed_boundaries`) is the union of the branches of persistence
    ``>= eps``, which are a prefix of the list: :meth:`pixels_at` slices it without copying.
    Branches are disjoint; all arrays are read-only and indices are flat C-order.

    Attributes
    ----------
    structure : {"skeleton", "watershed"}
        S1 (ridges, 1-stable manifolds) or S2 (basin boundaries).
    shape : tuple of int
        Shape of the likelihood.
    connectivity : int
        As given to :func:`morse_branches`.
    persistence : (n,) float64 ndarray
        Persistence of the critical edge of each branch, non-increasing, all > 0.
    saddle : (n, 2) int64 ndarray
        The critical edge (two adjacent pixels): for the skeleton, the end on the branch's side
        first; for the watershed, the end in the shallower basin first.
    extremum : (n,) int64 ndarray
        The pixel the saddle is paired with: the maximum it cancels (skeleton merge), the last
        pixel of the square that fills its loop (skeleton loop), the minimum of the shallower
        basin (watershed).
    closes_loop : (n,) bool ndarray
        Whether the saddle closes a loop (a dimension-1 pair) rather than merging two
        components (dimension 0). Always ``False`` for the watershed.
    offsets : (n + 1,) int64 ndarray
        Branch ``i`` is ``pixels[offsets[i]:offsets[i + 1]]``.
    pixels : (offsets[-1],) int64 ndarray
        The pixels of all branches. A skeleton branch is a path of face-adjacent pixels
        ordered upwards, towards a maximum; a watershed branch is a set of pixels (sorted).
    attachments : (n, 2) int64 ndarray
        Skeleton: the branch that the pixel before the first pixel (``[:, 0]``) and the pixel
        after the last (``[:, 1]``) belong to; ``[:, 1]`` is -1 when the branch ends at the
        maximum of its tree. The pixel before the first is the other end of the saddle, or
        the pixel where the branch leaves an earlier one. Each attached branch is at least as
        persistent. Watershed: -1 (boundary pieces have no ends).
    """

    structure: Structure
    shape: tuple[int, ...]
    connectivity: int
    persistence: np.ndarray
    saddle: np.ndarray
    extremum: np.ndarray
    closes_loop: np.ndarray
    offsets: np.ndarray
    pixels: np.ndarray
    attachments: np.ndarray

    def __post_init__(self) -> None:
        for name in ("persistence", "saddle", "extremum", "closes_loop", "offsets", "pixels",
                     "attachments"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    def __len__(self) -> int:
        return int(self.persistence.shape[0])

    def branch(self, index: int) -> np.ndarray:
        """The pixels of branch ``index`` (flat C-order indices)."""
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"index must be an integer, got {type(index).__name__}")
        if not -len(self) <= index < len(self):
            raise IndexError(f"branch {index} out of range for {len(self)} branches")
        index = int(index) % len(self)
        return self.pixels[self.offsets[index] : self.offsets[index + 1]]

    def ends(self) -> np.ndarray:
        """First and last pixel of each skeleton branch, shape ``(n, 2)``: the end towards the
        saddle, then the end at a maximum or next to the branch in ``attachments[:, 1]``."""
        if self.structure != "skeleton":
            raise ValueError("watershed branches are sets of boundary pixels, without ends")
        return np.stack([self.pixels[self.offsets[:-1]], self.pixels[self.offsets[1:] - 1]], axis=1)

    def count(self, eps: float) -> int:
        """The number of branches of persistence ``>= eps``."""
        eps = check_eps(eps)
        return int(np.searchsorted(-self.persistence, -eps, side="right"))

    def pixels_at(self, eps: float) -> np.ndarray:
        """The pixels of the structure at ``eps`` (a read-only view; cost independent of size)."""
        return self.pixels[: self.offsets[self.count(eps)]]

    def mask(self, eps: float) -> np.ndarray:
        """The structure at ``eps`` as a boolean image."""
        out = np.zeros(int(np.prod(self.shape)), dtype=bool)
        out[self.pixels_at(eps)] = True
        return out.reshape(self.shape)

    def persistence_map(self) -> np.ndarray:
        """For each pixel, the largest ``eps`` keeping it in the structure; NaN if none."""
        out = np.full(int(np.prod(self.shape)), np.nan)
        out[self.pixels] = np.repeat(self.persistence, np.diff(self.offsets))
        return out.reshape(self.shape)

    def __repr__(self) -> str:
        top = f", persistence {self.persistence[0]:.3g}..{self.persistence[-1]:.3g}" if len(self) else ""
        return (
            f"MorseBranches({self.structure}, shape={self.shape}, {len(self)} branches, "
            f"{self.pixels.shape[0]} pixels{top})"
        )


def morse_branches(
    likelihood: np.ndarray,
    *,
    structure: Structure = "skeleton",
    connectivity: int = 1,
) -> MorseBranches:
    """All branches of S1 (``"skeleton"``) or S2 (``"watershed"``), with their persistence.

    Computed once, the result gives the structure at any threshold: the union of the branches
    of persistence ``>= eps`` equals :func:`toposeg.morse.morse_skeleton` (or
    :func:`toposeg.morse.watershed_boundaries`) at ``eps``.

    Parameters
    ----------
    likelihood : (M, N) or (M, N, P) ndarray
        The likelihood map, as for :func:`toposeg.morse.morse_skeleton`. Never modified.
    structure : {"skeleton", "watershed"}, optional
        Which structure.
    connectivity : int, optional
        As for :func:`toposeg.morse.morse_skeleton` (1 only) or
        :func:`toposeg.morse.watershed_boundaries` (1 or ``ndim``).

    Returns
    -------
    MorseBranches
        The branches, most persistent first.

    Raises
    ------
    TypeError, ValueError
        For the inputs rejected by :func:`toposeg.morse.morse_skeleton`, or an unknown
        ``structure``.

    Notes
    -----
    Skeleton: lowering ``eps`` through the persistence values, each critical edge adds the
    pixels of its 1-stable manifold that are not yet in S1: from each end of the edge up to
    S1 or a maximum; for a merge, the younger tree is first cut off and re-rooted at its own
    maximum, and the path from that maximum down to the edge joins S1. Each such piece is a
    branch: a path that ends at a maximum or next to a more persistent branch. Watershed: a
    branch is the set of boundary pixels whose most persistent watershed edge is the meeting of
    the same two basins.

    Examples
    --------
    >>> import numpy as np
    >>> from toposeg.morse import morse_branches, morse_skeleton
    >>> f = np.full((3, 7), 0.1)
    >>> f[1] = [0.1, 0.9, 0.7, 0.5, 0.7, 0.8, 0.1]
    >>> branches = morse_branches(f)

    The saddle's ridge is two branches, up to each maximum, ordered upwards:

    >>> branches.persistence
    array([0.3, 0.3])
    >>> [np.unravel_index(branches.branch(i), f.shape)[1].tolist() for i in range(2)]
    [[4, 5], [3, 2, 1]]
    >>> bool((branches.mask(0.2) == morse_skeleton(f, eps=0.2)).all())
    True
    """
    likelihood = check_likelihood(likelihood)
    if structure == "skeleton":
        return _skeleton_branches(skeleton_pairs(likelihood, connectivity))
    if structure == "watershed":
        return _watershed_branches(
            edge_pairs(likelihood, superlevel=False, connectivity=connectivity)
        )
    raise ValueError(f"structure must be 'skeleton' or 'watershed', got {structure!r}")


def _skeleton_branches(pairs: EdgePairs) -> MorseBranches:
    grid = pairs.grid
    merging = pairs.merge_pers > 0
    loops = np.flatnonzero(pairs.loop_pers > 0)
    merges = np.flatnonzero(merging)
    # Most persistent first; merges before loops; equal merges by decreasing maximum, so
    # that a cut tree never holds a higher maximum whose own cut is still to come.
    persistence = np.concatenate([pairs.merge_pers[merges], pairs.loop_pers[loops]])
    is_loop = np.concatenate([np.zeros(len(merges), bool), np.ones(len(loops), bool)])
    # ties between merges: by the filtration order of their maxima (value, then index)
    tie = np.concatenate([-grid.g[pairs.merge_dying[merges]], np.zeros(len(loops))])
    index = np.concatenate([pairs.merge_dying[merges], loops])
    order = np.lexsort((index, tie, is_loop, -persistence))
    event_a = np.concatenate([pairs.merge_side[merges], pairs.loop_q[loops]])[order]
    event_b = np.concatenate(
        [pairs.merge_other()[merges], pairs.loop_q[loops] + grid.offsets[pairs.loop_k[loops]]]
    )[order]
    event_cut = np.concatenate([pairs.merge_dying[merges], np.full(len(loops), -1)])[order]
    extremum = np.concatenate([pairs.merge_dying[merges], pairs.loop_death[loops]])[order]
    persistence, is_loop = persistence[order], is_loop[order]

    parent = pairs.forest_parent(np.inf)
    n = int(np.prod(grid.shape))
    owner = np.full(grid.size, -1, dtype=np.int64)
    path = np.empty(n, dtype=np.int64)
    pixels = np.empty(n, dtype=np.int64)
    slots = 2 * len(order) + 1
    start, event, side, before, after = (np.empty(slots, dtype=np.int64) for _ in range(5))
    n_branches = _skeleton_kernels.sweep_branches(
        event_a, event_b, event_cut, parent, owner, path, pixels, start, event, side, before,
        after
    )
    event, side = event[:n_branches], side[:n_branches]
    offsets = start[: n_branches + 1]
    before, after = before[:n_branches], after[:n_branches]
    ends = np.stack([side, event_a[event] + event_b[event] - side], axis=1)
    attachments = np.stack([owner[before], np.where(after >= 0, owner[np.maximum(after, 0)], -1)], 1)
    return MorseBranches(
        structure="skeleton",
        shape=grid.shape,
        connectivity=grid.connectivity,
        persistence=persistence[event],
        saddle=grid.to_image(ends),
        extremum=grid.to_image(extremum[event]),
        closes_loop=is_loop[event],
        offsets=offsets.copy(),
        pixels=grid.to_image(pixels[: offsets[-1]]),
        attachments=attachments,
    )


def _watershed_branches(pairs: EdgePairs) -> MorseBranches:
    grid = pairs.grid
    positive = np.flatnonzero(pairs.merge_pers > 0)
    sweep = positive[np.argsort(pairs.merge_pers[positive], kind="stable")]
    parent, label, size, head, successor, owner = (
        np.full(grid.size, fill, dtype=np.int64) for fill in (0, -1, 0, -1, -1, -1)
    )
    _watershed_kernels.sweep_branches(grid.g, grid.offsets, pairs.join, pairs.merge_q,
                                      pairs.merge_k, pairs.merge_pers, sweep, parent, label, size,
                                      head, successor, owner)
    boundary = np.flatnonzero(owner >= 0)
    # most persistent merge first, pixels in index order within a branch
    position = owner[boundary]
    order = np.lexsort((boundary, -position))
    boundary, position = boundary[order], position[order]
    used, counts = np.unique(-position, return_counts=True)
    merges = sweep[-used]
    n = len(merges)
    return MorseBranches(
        structure="watershed",
        shape=grid.shape,
        connectivity=grid.connectivity,
        persistence=pairs.merge_pers[merges],
        saddle=grid.to_image(np.stack([pairs.merge_side[merges], pairs.merge_other()[merges]], 1)),
        extremum=grid.to_image(pairs.merge_dying[merges]),
        closes_loop=np.zeros(n, dtype=bool),
        offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        pixels=grid.to_image(boundary),
        attachments=np.full((n, 2), -1, dtype=np.int64),
    )
