"""Sublevel persistence pairs of a 2D or 3D array: the passes of the engine, put together.

Everything here works on a float64 array ``g`` filtered by sublevel sets and returns flat
indices into ``g``; :mod:`.cubical` turns user input into ``g`` and the pairs into a result.

* Dimension 0: steepest-descent basins, merged at saddles by the elder rule (:mod:`._basins`,
  :mod:`toposeg._cubical.merge`).
* Dimension ``ndim - 1``: the same on the complement, in decreasing order, with the outside of
  the image as the eldest component (Alexander duality).
* Dimension 1 in 3D: a reduction with clearing and apparent pairs (:mod:`._reduction`). For the
  T-construction it is computed, by Alexander duality, on the V-construction of ``-g``
  surrounded by the outside, with births and deaths exchanged.
"""

from __future__ import annotations

import functools

import numpy as np

from toposeg._neighbourhood import CUBE_OFFSETS, REPS4, REPS8, RING_2D
from toposeg._cubical.indices import padded_ranks, pair_table, rank_vertices
from toposeg._cubical.merge import find, merge_at_saddles
from toposeg._cubical.order import filtration_order
from toposeg._cubical.scratch import scratch
from toposeg.persistence._basins import classify_2d, classify_3d
from toposeg.persistence._reduction import reduce_dim1

__all__ = ["sublevel_pairs"]

_NO_REPS = np.empty(0, dtype=np.int64)


@functools.lru_cache(maxsize=64)
def _neighbours(shape: tuple[int, ...], full: bool) -> tuple[np.ndarray, np.ndarray, int]:
    """Flat offset in an array of ``shape`` of each bit of a neighbourhood mask (the 2D ring or
    the 3D cube of :mod:`toposeg._neighbourhood`), the offsets of the rows that the 4/6
    (``full=False``) or 8/26 neighbourhood touches, and the mask of its bits."""
    steps = RING_2D if len(shape) == 2 else CUBE_OFFSETS
    strides = np.cumprod((1,) + shape[::-1][:-1])[::-1]
    order = np.abs(steps).sum(axis=1)
    keep = (order >= 1) if full else (order == 1)
    offsets = (steps @ strides).astype(np.int64)
    rows = np.unique(steps[keep | (order == 0), :-1] @ strides[:-1]).astype(np.int64)
    offsets.setflags(write=False)
    rows.setflags(write=False)
    return offsets, rows, int(np.sum(keep * (1 << np.arange(len(steps)))))


def _sorted_saddles(gp: np.ndarray, saddles: np.ndarray) -> np.ndarray:
    return saddles[filtration_order(gp[saddles >> 27])]


def _merge(gp, saddles, neighbours, pointer, descending, n_roots, reps=_NO_REPS):
    """Basins of ``pointer``, merged at ``saddles``: (younger roots, their saddles, and in 2D
    the saddles that create loops), in scratch arrays of the pass (``descending`` or not)."""
    name = "dual" if descending else "primal"
    younger = scratch(name + "_younger", n_roots, np.int64)
    killer = scratch(name + "_killer", n_roots, np.int64)
    loops = scratch(name + "_loops", saddles.shape[0] if len(reps) else 0, np.int64)
    offsets, rows, keep = neighbours
    n_pairs, n_loops = merge_at_saddles(
        gp, saddles, offsets, rows, keep, pointer, descending, younger, killer, reps, loops
    )
    return younger[:n_pairs], killer[:n_pairs], loops[:n_loops]


def _padded(image: np.ndarray, negate: bool, frame: float | None) -> np.ndarray:
    """The filtered function ``g`` (``-image`` if ``negate``; -0.0 becomes 0.0) as float64,
    inside the user's frame if any, inside a one-pixel frame of ``+inf`` (the outside)."""
    margin = 1 if frame is None else 2
    shape = tuple(s + 2 * margin for s in image.shape)
    out = scratch("padded", int(np.prod(shape)), np.float64).reshape(shape)
    out[...] = np.inf
    if frame is not None:
        out[(slice(1, -1),) * image.ndim] = -frame if negate else frame
    inside = out[(slice(margin, -margin),) * image.ndim]
    if negate:
        np.negative(image, out=inside, dtype=np.float64, casting="unsafe")
    else:
        inside[...] = image
    out += 0.0
    return out


def sublevel_pairs(
    image: np.ndarray, negate: bool, eight: bool, frame: float | None = None
) -> tuple[list[tuple[np.ndarray, np.ndarray]], tuple[float, int]]:
    """Persistence pairs of the sublevel filtration of ``g = -image`` if ``negate`` else
    ``image`` (2D or 3D, real, finite), optionally inside a frame of value ``frame``.

    ``eight`` selects the T-construction (8/26-connected sublevel sets). Returns, for each
    dimension, the ``(n, 2)`` float64 ``(birth, death)`` values (in the units of ``image``) and
    the ``(n, 2)`` flat indices of their pixels in the image (-1 in the frame), pairs of zero
    persistence dropped; and the birth value and pixel of the essential class.
    """
    gp = _padded(image, negate, frame)
    padded = gp.shape
    g = gp[(slice(1, -1),) * image.ndim]
    gp = gp.ravel()
    n = gp.shape[0]
    down = scratch("down", n, np.int32)
    up = scratch("up", n, np.int32)
    up[:] = 0  # the whole outside is one basin, rooted at cell 0
    low_neighbours = _neighbours(padded, eight)
    up_neighbours = _neighbours(padded, not eight)
    if g.ndim == 2:
        saddles = scratch("saddles", n, np.int64)
        n_saddles, n_min, n_max = classify_2d(gp, *g.shape, eight, down, up, saddles)
        saddles = _sorted_saddles(gp, saddles[:n_saddles])
        low_reps, up_reps = (REPS8, REPS4) if eight else (REPS4, REPS8)
        minima, killers, loops = _merge(gp, saddles, low_neighbours, down, False, n_min, low_reps)
        maxima, creators, _ = _merge(gp, loops[::-1], up_neighbours, up, True, n_max + 1, up_reps)
    else:
        low_saddles = scratch("saddles", n, np.int64)
        up_saddles = scratch("up_saddles", n, np.int64)
        n_low, n_up, n_min, n_max = classify_3d(gp, *g.shape, eight, down, up, low_saddles, up_saddles)
        low_saddles = _sorted_saddles(gp, low_saddles[:n_low])
        up_saddles = _sorted_saddles(gp, up_saddles[:n_up])
        minima, killers, _ = _merge(gp, low_saddles, low_neighbours, down, False, n_min)
        maxima, creators, _ = _merge(gp, up_saddles[::-1], up_neighbours, up, True, n_max + 1)

    pairs = [(minima, killers)]
    if g.ndim == 3:
        pairs.append(_dim1_3d(g, gp, padded, eight))
    pairs.append((creators, maxima))
    margin = 1 if frame is None else 2
    shape = np.array(padded, dtype=np.int64)
    out = [pair_table(gp, first, second, negate, shape, margin) for first, second in pairs]
    # The grid is connected: at the end every pixel's root is the global minimum.
    first = int(np.ravel_multi_index((1,) * image.ndim, padded))  # the first pixel inside
    eldest = np.array([find(down, first)], dtype=np.int64)
    values, pixels = pair_table(gp, eldest, eldest, negate, shape, margin)
    return out, (float(values[0, 0]), int(pixels[0, 0]))


def _dim1_3d(
    g: np.ndarray, gp: np.ndarray, padded: tuple[int, ...], eight: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Dimension-1 pairs of a 3D volume: the padded indices of births and of deaths.

    In the T-construction, the reduction runs on the V-construction of ``-g`` inside its
    frame (the outside, entering first): ranks are reversed and the frame comes first.
    """
    order = filtration_order(np.ascontiguousarray(g).ravel())
    inner = g.shape if not eight else tuple(s + 2 for s in g.shape)  # the vertices that exist
    rank = scratch("rank", int(np.prod([s + 2 for s in inner])), np.int64)
    n_frame = padded_ranks(order, *g.shape, eight, scratch("inverse", g.size, np.int64), rank)
    birth_keys, death_keys = reduce_dim1(rank, *inner)
    births = rank_vertices(birth_keys >> 5, order, padded, n_frame, eight)
    deaths = rank_vertices(death_keys >> 5, order, padded, n_frame, eight)
    if eight:
        births, deaths = deaths, births
    keep = gp[births] != gp[deaths]
    return births[keep], deaths[keep]
