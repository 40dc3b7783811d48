"""Betti matching: the persistence pairs of two images matched through their comparison image."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from numbers import Real
from typing import Literal

import numpy as np

from toposeg._batch import check_workers, map_batch
from toposeg._validation import check_array, check_connectivity, check_finite
from toposeg._cubical.indices import padded_ranks
from toposeg._cubical.order import filtration_order
from toposeg.persistence._matching_basins import Basins, low_matching
from toposeg.persistence._matching_dual import top_matching_2d
from toposeg.persistence._matching_cells import cell_table, slot_masks, slot_offsets, span_sec
from toposeg.persistence._matching_kernels import (
    reduce_squares,
    top_cell_keys,
    top_matches,
    top_pairs,
)
from toposeg.persistence._matching_image import image_pivots
from toposeg.persistence._reduction import key_layout, reduce_dim1

__all__ = ["BettiMatchingResult", "betti_matching", "betti_matching_batch"]

Filtration = Literal["superlevel", "sublevel"]
_FRAME_KEY = np.iinfo(np.int64).max
_PIVOT_SCRATCH = np.int32  # the 3D reduction's pivot table, widened to int64 when needed


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(array, dtype=np.int64)
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class BettiMatchingResult:
    """The Betti matching of a prediction and a target (read-only arrays).

    For each homology dimension ``d`` in ``0 .. ndim - 1``, every array is ``(n, 2)`` int64
    with rows ``(birth pixel, death pixel)`` as flat C-order indices into the inputs (``-1``
    for a pixel in a frame):

    * ``matched_pred[d]`` and ``matched_target[d]``: the matched pairs, row for row;
    * ``unmatched_pred[d]`` and ``unmatched_target[d]``: the pairs left unmatched.

    Pairs of zero persistence are never listed; the essential class of dimension 0 (the
    component that never dies) is left out of the matching. Dimensions not asked for have
    no rows.

    Attributes
    ----------
    shape : tuple of int
        Shape of the inputs (without any frame).
    dims : tuple of int
        The homology dimensions that were matched.
    filtration : {"superlevel", "sublevel"}
        The filtration of both inputs.
    """

    shape: tuple[int, ...]
    dims: tuple[int, ...]
    filtration: str
    matched_pred: tuple[np.ndarray, ...]
    matched_target: tuple[np.ndarray, ...]
    unmatched_pred: tuple[np.ndarray, ...]
    unmatched_target: tuple[np.ndarray, ...]

    def __post_init__(self) -> None:
        for name in ("matched_pred", "matched_target", "unmatched_pred", "unmatched_target"):
            object.__setattr__(self, name, tuple(_frozen(a) for a in getattr(self, name)))

    @property
    def num_matched(self) -> tuple[int, ...]:
        """Number of matched pairs in each dimension."""
        return tuple(len(a) for a in self.matched_pred)

    @property
    def num_unmatched_pred(self) -> tuple[int, ...]:
        """Number of unmatched pairs of the prediction in each dimension."""
        return tuple(len(a) for a in self.unmatched_pred)

    @property
    def num_unmatched_target(self) -> tuple[int, ...]:
        """Number of unmatched pairs of the target in each dimension."""
        return tuple(len(a) for a in self.unmatched_target)

    def __repr__(self) -> str:
        return (
            f"BettiMatchingResult(shape={self.shape}, {self.filtration}, "
            f"num_matched={self.num_matched}, num_unmatched_pred={self.num_unmatched_pred}, "
            f"num_unmatched_target={self.num_unmatched_target})"
        )


def betti_matching(
    pred: np.ndarray,
    target: np.ndarray,
    *,
    dims: tuple[int, ...] | None = None,
    connectivity: int = 1,
    filtration: Filtration = "superlevel",
    frame: float | None = None,
    workers: int | None = 1,
) -> BettiMatchingResult:
    """Match the persistence pairs of ``pred`` and ``target`` by induced matchings.

    Parameters
    ----------
    pred, target : (M, N) or (M, N, P) ndarray of float, int or bool
        Two functions on the same grid (a likelihood map and its ground truth). Never modified.
    dims : tuple of int, optional
        Homology dimensions to match (default: all, ``0 .. ndim - 1``).
    connectivity : {1, ndim}, optional
        Connectivity of the level sets (see :func:`toposeg.cubical_persistence`): ``1`` is the
        V-construction (4/6-connected foreground), ``ndim`` the T-construction (8/26).
    filtration : {"superlevel", "sublevel"}, optional
        ``"superlevel"`` for likelihoods (``{f >= t}``, the default), ``"sublevel"`` for
        distance maps.
    frame : float, optional
        Pad a frame of this value around both inputs first (homology relative to the border of
        a patch). It must bound both inputs, as in :func:`toposeg.cubical_persistence`.
    workers : int or None, optional
        Threads for the independent passes of a volume's dimensions 1 and 2 (its three
        filtrations, its two union-finds over cubes, then its five reductions of squares;
        ``None``: the number of CPUs); the result does not depend on it. Images always run on
        one thread.

    Returns
    -------
    BettiMatchingResult
        Matched and unmatched pairs of each dimension, as birth and death pixels.

    Raises
    ------
    TypeError
        If an input is not a NumPy array of numbers.
    ValueError
        If the inputs are empty, not 2D or 3D, of different shapes, hold NaN or infinite
        values, or an option is not one of those listed.

    Notes
    -----
    With ``f`` and ``g`` the two inputs filtered by sublevel sets (negated for superlevel
    sets), the comparison image ``c = min(f, g)`` has sublevel sets that contain those of
    ``f`` and of ``g``. Each inclusion induces a matching of barcodes (Bauer and Lesnick):
    a pair of ``f`` is matched to the pair of its image in ``c`` that has the same birth
    cell, and that image pair to the pair of ``c`` with the same death cell. A pair of ``f``
    and a pair of ``g`` are matched when they reach the same pair of ``c`` (Stucki et al.,
    ICML 2023). Cells are ordered by ``(value, top vertex, cell)`` as described in
    :mod:`toposeg.persistence._matching_cells`; on inputs without ties the pairs are those of
    Betti-Matching-3D. Dimension 0, and dimension 1 of an image, follow the persistence
    engine: basins of each input, merged at saddle candidates only (the edges of a candidate
    in the order of their slots), each root keeping its eldest pixel or square for the other
    filtration. Dimension 2 of a volume is a union-find over cubes with every square in
    order; dimension 1 reduces the boundaries of the squares that kill a loop (the persistence
    engine's reduction, in the order of cells described above), pairing edges and squares
    that need no reduction first, within one filtration and between two.

    The T-construction of ``f`` (pixels as closed squares) has the sublevel sets, up to
    homotopy, of the V-construction of its refinement on the grid of shape ``2 * shape - 1``:
    pixels at even coordinates, and between them the minimum of the adjacent pixels (the
    closed star of a pixel is then its square). The matching runs on the refinements; each
    vertex reports the pixel whose value it carries.

    Examples
    --------
    A ring predicted in the right place is matched with the target's ring; a ring elsewhere
    is not, although the two diagrams are equal:

    >>> import numpy as np
    >>> from toposeg.persistence import betti_matching
    >>> target = np.zeros((9, 9)); target[1:4, 1:4] = 1.0; target[2, 2] = 0.0
    >>> betti_matching(0.8 * target, target).num_matched
    (0, 1)
    >>> elsewhere = np.roll(0.8 * target, 4, axis=1)
    >>> result = betti_matching(elsewhere, target)
    >>> result.num_matched, result.num_unmatched_pred, result.num_unmatched_target
    ((0, 0), (0, 1), (0, 1))
    """
    pred = check_array(pred, "pred")
    target = check_array(target, "target")
    if pred.shape != target.shape:
        raise ValueError(
            f"pred and target must have the same shape, got {pred.shape} and {target.shape}"
        )
    check_finite(pred, "pred")
    check_finite(target, "target")
    ndim = pred.ndim
    connectivity = check_connectivity(connectivity, ndim)
    dims = _check_dims(dims, ndim)
    if filtration not in ("superlevel", "sublevel"):
        raise ValueError(f"filtration must be 'superlevel' or 'sublevel', got {filtration!r}")
    workers = check_workers(workers)
    sign = -1.0 if filtration == "superlevel" else 1.0
    f = sign * pred.astype(np.float64) + 0.0
    g = sign * target.astype(np.float64) + 0.0
    if frame is not None:
        _check_frame(frame, pred, target, filtration == "superlevel")
        f = np.pad(f, 1, constant_values=sign * frame + 0.0)
        g = np.pad(g, 1, constant_values=sign * frame + 0.0)
    grid = f.shape
    if connectivity == 1:
        pairs = _match(f, g, dims, workers)
    else:  # the T-construction of f is the V-construction of f refined (see Notes)
        (f, source_f), (g, source_g) = _refined(f), _refined(g)
        sources = (source_f.ravel(), source_g.ravel()) * 2  # matched f, g; unmatched f, g
        groups = _match(f, g, dims, workers)
        pairs = [[source[a] for a in group] for source, group in zip(sources, groups)]
    if frame is not None:
        pairs = [[_unframe(a, grid) for a in group] for group in pairs]
    return BettiMatchingResult(pred.shape, dims, filtration, *pairs)


def betti_matching_batch(
    preds: np.ndarray,
    targets: np.ndarray,
    *,
    dims: tuple[int, ...] | None = None,
    connectivity: int = 1,
    filtration: Filtration = "superlevel",
    frame: float | None = None,
    workers: int | None = None,
) -> list[BettiMatchingResult]:
    """:func:`betti_matching` of every pair of a batch, on several threads.

    Parameters
    ----------
    preds, targets : (B, M, N) or (B, M, N, P) ndarray
        Batches of predictions and targets of the same shape.
    dims, connectivity, filtration, frame
        As for :func:`betti_matching`.
    workers : int, optional
        Number of threads (default: the number of CPUs); the kernels release the GIL. A batch
        smaller than ``workers`` gives each volume the threads left over (``workers // B``).

    Returns
    -------
    list of BettiMatchingResult
        One result per pair, in order.

    Examples
    --------
    >>> import numpy as np
    >>> from toposeg.persistence import betti_matching_batch
    >>> rng = np.random.default_rng(0)
    >>> results = betti_matching_batch(rng.random((3, 8, 8)), rng.random((3, 8, 8)), workers=2)
    >>> len(results)
    3
    """
    preds = check_array(preds, "preds", ndims=(3, 4))
    targets = check_array(targets, "targets", ndims=(3, 4))
    if preds.shape != targets.shape:
        raise ValueError(
            f"preds and targets must have the same shape, got {preds.shape} and {targets.shape}"
        )
    if preds.shape[0] == 0:
        raise ValueError("preds is an empty batch")
    workers = check_workers(workers)

    inner = max(1, workers // len(preds))  # threads left over go inside each volume

    def one(i: int) -> BettiMatchingResult:
        return betti_matching(
            preds[i], targets[i], dims=dims, connectivity=connectivity, filtration=filtration,
            frame=frame, workers=inner,
        )

    return map_batch(one, range(len(preds)), workers)


def _in_parallel(calls: list, workers: int) -> list:
    """The results of the argument-free ``calls``, on up to ``workers`` threads."""
    return map_batch(lambda call: call(), calls, workers)


def _check_dims(dims: object, ndim: int) -> tuple[int, ...]:
    if dims is None:
        return tuple(range(ndim))
    if isinstance(dims, (int, np.integer)) and not isinstance(dims, bool):
        dims = (int(dims),)
    if not isinstance(dims, (tuple, list)) or not all(
        isinstance(d, (int, np.integer)) and not isinstance(d, bool) and 0 <= d < ndim for d in dims
    ):
        raise ValueError(f"dims must be a tuple of dimensions in 0..{ndim - 1}, got {dims!r}")
    return tuple(sorted({int(d) for d in dims}))


def _check_frame(frame: object, pred: np.ndarray, target: np.ndarray, superlevel: bool) -> None:
    if isinstance(frame, bool) or not isinstance(frame, Real) or not np.isfinite(frame):
        raise ValueError(f"frame must be a finite number or None, got {frame!r}")
    for name, image in (("pred", pred), ("target", target)):
        if superlevel and frame < image.max():
            raise ValueError(
                f"frame={frame} does not bound {name}: superlevel sets need frame >= {name}.max()"
            )
        if not superlevel and frame > image.min():
            raise ValueError(
                f"frame={frame} does not bound {name}: sublevel sets need frame <= {name}.min()"
            )


def _unframe(pixels: np.ndarray, padded: tuple[int, ...]) -> np.ndarray:
    """Flat indices into a padded array as flat indices into the array inside (-1 outside)."""
    coords = np.array(np.unravel_index(pixels.ravel(), padded)) - 1
    inner = np.array(padded)[:, None] - 2
    inside = ((coords >= 0) & (coords < inner)).all(axis=0)
    flat = np.ravel_multi_index(tuple(np.clip(coords, 0, inner - 1)), tuple(inner.ravel()))
    return np.where(inside, flat, -1).reshape(pixels.shape)


def _refined(f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The refinement of ``f`` on the grid ``2 * shape - 1`` (each new vertex takes the least
    of the pixels around it, by ``(value, index)``) and, for every vertex, that pixel."""
    shape = f.shape
    refined = np.empty(tuple(2 * s - 1 for s in shape))
    source = np.empty(refined.shape, dtype=np.int64)
    index = np.arange(f.size).reshape(shape)
    for parity in product((0, 1), repeat=f.ndim):
        best_value = best_index = None
        for offsets in product(*[(0, 1) if p else (0,) for p in parity]):
            window = tuple(slice(o, s - p + o) for o, s, p in zip(offsets, shape, parity))
            value, where = f[window], index[window]
            if best_value is None:
                best_value, best_index = value, where
            else:
                better = (value < best_value) | ((value == best_value) & (where < best_index))
                best_value = np.where(better, value, best_value)
                best_index = np.where(better, where, best_index)
        positions = tuple(slice(p, None, 2) for p in parity)
        refined[positions] = best_value
        source[positions] = best_index
    return refined, source


class _Filtration:
    """One sublevel filtration of a volume, with what its passes look up: values, order and
    ranks of pixels (also in the volume padded by one voxel of rank -1), the
    :func:`slot_masks` of the squares (with the bits of their cofaces) and the keys and top
    vertices of the cubes."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = np.ascontiguousarray(values.ravel())
        self.order = filtration_order(self.values)
        self.rank = np.empty_like(self.order)
        self.rank[self.order] = np.arange(self.order.shape[0])
        self.grid = values.shape
        self.padded_rank = np.empty(int(np.prod([side + 2 for side in self.grid])), np.int64)
        padded_ranks(self.order, *self.grid, False, np.empty_like(self.order), self.padded_rank)
        self.square_masks = slot_masks(
            self.rank.reshape(self.grid), cell_table(2), cell_table(3).axes[0]
        )
        table = cell_table(3)
        n = self.order.shape[0]
        self.cube_keys = np.empty(n + 1, dtype=np.int64)
        self.cube_tops = np.zeros(n + 1, dtype=np.int64)
        n_slots = table.delta.shape[0]
        slot_of_delta = np.zeros(8, dtype=np.int64)
        slot_of_delta[table.delta @ np.array([4, 2, 1])] = np.arange(n_slots)
        top_cell_keys(
            self.rank, *self.grid, table.corners, slot_of_delta, n_slots, self.cube_keys,
            self.cube_tops,
        )
        self.cube_keys[n] = _FRAME_KEY


def _match(
    f: np.ndarray, g: np.ndarray, dims: tuple[int, ...], workers: int
) -> list[list[np.ndarray]]:
    """Matched and unmatched pairs of the sublevel filtrations ``f`` and ``g`` (padded flat
    indices): four lists (matched f, matched g, unmatched f, unmatched g) over dimensions."""
    ndim = f.ndim
    c = np.minimum(f, g)
    filtrations = basins = None
    if ndim == 3 and any(d > 0 for d in dims):
        filtrations = _in_parallel([lambda a=a: _Filtration(a) for a in (f, g, c)], workers)
    empty = np.empty((0, 2), dtype=np.int64)
    out: list[list[np.ndarray]] = [[empty] * ndim for _ in range(4)]
    n_codim = cell_table(2).n_types
    merged = {}
    for d in sorted(dims, reverse=True):  # the top dimension first: its clearing helps dimension 1
        if d == 0 or ndim == 2:
            if basins is None:
                filtrations = merged = None  # a volume's cell passes are done: free them
                basins = [Basins.of(a) for a in (f, g, c)]
            pf, pg, matches = (low_matching if d == 0 else top_matching_2d)(*basins)
            padded = tuple(s + 2 for s in f.shape)  # the basins' frame of +inf
            pf, pg = _unframe(pf, padded), _unframe(pg, padded)
        elif d == 2:
            pf, pg, matches, merged = _top(*filtrations, n_codim, workers)
        else:
            if not merged:
                _, _, _, merged = _top(*filtrations, n_codim, workers)
            pf, pg, matches = _middle(*filtrations, merged, workers)
        used_f = np.zeros(len(pf), dtype=bool)
        used_g = np.zeros(len(pg), dtype=bool)
        used_f[matches[:, 0]] = True
        used_g[matches[:, 1]] = True
        out[0][d] = pf[matches[:, 0]]
        out[1][d] = pg[matches[:, 1]]
        out[2][d] = pf[~used_f]
        out[3][d] = pg[~used_g]
    return out


def _top(f: _Filtration, g: _Filtration, c: _Filtration, n_codim: int, workers: int):
    """Dimension 2 of a volume: union-finds over cubes, the squares in decreasing order."""
    table = cell_table(2)
    top_axes = cell_table(3).axes[0]
    offsets = slot_offsets(table, f.grid, top_axes)
    n = f.order.shape[0]
    keys_c, tops_c = c.cube_keys, c.cube_tops

    def own(x: _Filtration) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        image = np.empty(n + 1, dtype=np.int64)
        marks = np.empty(n * n_codim, dtype=np.bool_)
        pairs = top_pairs(
            x.values, x.order, x.square_masks, offsets, x.cube_keys, x.cube_tops, keys_c,
            n_codim, table.kind, image, marks,
        )
        return pairs, image, marks

    (pf, image_f, marks_f), (pg, image_g, marks_g) = _in_parallel(
        [lambda: own(f), lambda: own(g)], workers
    )
    marks = np.empty(n * n_codim, dtype=np.bool_)
    matches = top_matches(
        c.values, c.order, c.square_masks, offsets, keys_c, tops_c, image_f, image_g, n_codim,
        table.kind, marks,
    )
    return pf, pg, matches, {"f": marks_f, "g": marks_g, "c": marks}


def _middle(
    f: _Filtration, g: _Filtration, c: _Filtration, merged: dict[str, np.ndarray], workers: int
):
    """Dimension 1 of a volume: reductions of the boundaries of squares (the own pairs of
    ``f``, ``g`` and ``c``, and the image pairs of ``f`` and ``g`` in ``c``: five independent
    reductions)."""
    squares = cell_table(2)
    edges = cell_table(1)
    edge_slot = np.zeros((3, 2), dtype=np.int64)
    for s in range(edges.delta.shape[0]):
        edge_slot[edges.kind[s], int(edges.delta[s].any())] = s
    n_edge_slots = edges.delta.shape[0]
    offsets = slot_offsets(squares, f.grid)
    cells = (*f.grid[1:], squares.kind, squares.axes, edge_slot, n_edge_slots)
    n = f.order.shape[0]
    low_bits = np.uint64((1 << squares.delta.shape[0]) - 1)  # without the bits of cofaces
    masks = {name: x.square_masks & low_bits for name, x in (("f", f), ("g", g), ("c", c))}

    def reduce(columns: _Filtration, name: str, rows: _Filtration):
        """Reduce the squares of ``columns`` (cleared by ``merged[name]``) with the edges in
        the order of ``rows``: the pivot rows and each square's pivot."""
        pivots = np.empty(n * 3, dtype=np.int64)
        args = (columns.order, masks[name], offsets, merged[name], rows.rank, *cells, pivots)
        try:
            found = reduce_squares(*args, np.empty(n * n_edge_slots, dtype=_PIVOT_SCRATCH))
        except OverflowError:  # the pool of reduced columns outgrew int32 offsets
            found = reduce_squares(*args, np.empty(n * n_edge_slots, dtype=np.int64))
        return found, pivots

    sec, edge_of_sec, square_of_sec = span_sec()
    try:
        key_layout(f.padded_rank.shape[0])
        by_engine = True
    except ValueError:  # beyond the engine's keys (about 640^3): reduce every square here
        by_engine = False

    def own(x: _Filtration, name: str) -> np.ndarray:
        """The pairs of ``x`` of nonzero persistence as rows of :func:`reduce_squares`, by
        the persistence engine (which reduces only the squares that kill a loop) with the
        cells of one vertex in the order of their slots: the pairs are the same cells."""
        if not by_engine:
            rows = reduce(x, name, x)[0]
        else:
            births, deaths = reduce_dim1(x.padded_rank, *x.grid, sec)
            top = x.order[deaths >> 5]
            slot = square_of_sec[deaths & 31]
            edge = (births >> 5) * n_edge_slots + edge_of_sec[births & 31]
            rows = np.stack([(top + offsets[slot, 0]) * 3 + squares.kind[slot], edge, top], axis=1)
        births = x.order[rows[:, 1] // n_edge_slots]
        return rows[x.values[births] != x.values[rows[:, 2]]]

    def image(x: _Filtration, name: str) -> np.ndarray:
        """The pivot (a row key of ``x``, -1 for none) of each square of ``c`` in the image
        reduction of ``x``, wherever it can be the birth of a pair of ``x`` (see
        :func:`_rows_for_image`)."""
        if not by_engine:
            return reduce(c, "c", x)[1]
        rows, n_low = _rows_for_image(x, c)
        pivots = image_pivots(rows, c.padded_rank, c.grid, sec, edge_of_sec, merged["c"], name)
        pivots[pivots >= n_low * n_edge_slots] = -1  # edges of the top level: no pair born
        return pivots

    rows_f, rows_g, rows_c, image_f, image_g = _in_parallel([
        lambda: own(f, "f"), lambda: own(g, "g"), lambda: own(c, "c"),
        lambda: image(f, "f"), lambda: image(g, "g"),
    ], workers)
    pf = np.stack([f.order[rows_f[:, 1] // n_edge_slots], rows_f[:, 2]], axis=1)
    pg = np.stack([g.order[rows_g[:, 1] // n_edge_slots], rows_g[:, 2]], axis=1)
    a = _row_of_key(rows_f, image_f[rows_c[:, 0]])
    b = _row_of_key(rows_g, image_g[rows_c[:, 0]])
    both = (a >= 0) & (b >= 0)
    matches = np.stack([a[both], b[both]], axis=1).astype(np.int64)
    return pf, pg, matches


def _row_of_key(rows: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """For each pivot key in ``keys``, the index of the row of ``rows`` (rows of
    :func:`reduce_squares`, pivot keys in column 1) with that pivot; -1 for none."""
    if len(rows) == 0:
        return np.full(len(keys), -1, dtype=np.int64)
    by_key = np.argsort(rows[:, 1])
    sorted_keys = rows[by_key, 1]
    at = np.minimum(np.searchsorted(sorted_keys, keys), len(rows) - 1)
    return np.where((sorted_keys[at] == keys) & (keys >= 0), by_key[at], -1)


def _rows_for_image(x: _Filtration, c: _Filtration) -> tuple[np.ndarray, int]:
    """Padded vertex ranks for the rows of the image reduction of ``x`` into ``c``, and the
    number of vertices below the top level of ``x``.

    The vertices of the top level of ``x`` (its largest value) are put in the order of ``c``
    instead of the order of flat indices. A pivot below the top level is the same either way:
    whether row ``k`` is the pivot of column ``j`` depends on the ranks of the submatrices of
    the rows from ``k`` on and the columns up to ``j``, and for ``k`` below the top level that
    set of rows holds the whole top level, in whatever order. A pivot in the top level is the
    birth of no pair of ``x`` (such a pair dies in the top level too: zero persistence), so it
    is dropped. On a binary target the top level is the background, where the order of ``c``
    pairs most squares of ``c`` with an edge at once.
    """
    top = x.values[x.order[-1]]
    n_low = int(np.searchsorted(x.values[x.order], top, side="left"))
    if n_low >= x.order.shape[0] - 1:
        return x.padded_rank, n_low
    in_top = x.values == top
    order = np.concatenate([x.order[:n_low], c.order[in_top[c.order]]])
    rank = np.empty_like(x.padded_rank)
    padded_ranks(order, *x.grid, False, np.empty_like(order), rank)
    return rank, n_low
