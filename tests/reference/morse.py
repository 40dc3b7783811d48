"""Slow, obviously correct Morse structures of small images: the oracles of ``toposeg.morse``.

* :func:`skeleton_reference`: S1(eps) straight from the definition. The cubical complex is
  built cell by cell, its superlevel filtration is reduced with the textbook boundary-matrix
  algorithm over Z/2, and each critical edge contributes the forest paths from its ends to the
  highest vertex of their trees (found by breadth-first search).
* :func:`watershed_reference`: Algorithm 1 of the thesis, line by line, with Python sets.
* :func:`watershed_forest_reference`: S2(eps) from the sublevel spanning forest of the reduction.

The total order of the cells is the one toposeg documents: a cell enters with its vertex of
latest rank (pixels by decreasing value for the superlevel filtration, increasing for the
sublevel one, ties by flat index); within a vertex's star, by dimension, then by the offset
of the other end of an edge, or of the corner opposite the vertex in a square.
"""

from __future__ import annotations

import itertools
from collections import deque

import numpy as np


def _ranks(values: np.ndarray, superlevel: bool) -> dict[tuple[int, ...], int]:
    flat = values.ravel()
    keys = sorted(range(flat.size), key=lambda i: ((-flat[i] if superlevel else flat[i]), i))
    coords = [tuple(int(c) for c in np.unravel_index(i, values.shape)) for i in keys]
    return {c: r for r, c in enumerate(coords)}


def _neighbour_steps(ndim: int, full: bool) -> list[tuple[int, ...]]:
    steps = [s for s in itertools.product((-1, 0, 1), repeat=ndim) if any(s)]
    return [s for s in steps if full or sum(map(abs, s)) == 1]


def _add(a, b):
    return tuple(x + y for x, y in zip(a, b))


def _inside(c, shape):
    return all(0 <= x < s for x, s in zip(c, shape))


def _cells(shape, rank, full):
    """Vertices, edges and squares (face connectivity) or edges only (full), with sort keys."""
    ndim = len(shape)
    cells = []  # (key, dim, vertices)
    for v in itertools.product(*map(range, shape)):
        cells.append(((rank[v], 0, ()), 0, (v,)))
    for v in itertools.product(*map(range, shape)):
        for s in _neighbour_steps(ndim, full):
            w = _add(v, s)
            if _inside(w, shape) and rank[w] < rank[v]:  # edge enters with v
                cells.append(((rank[v], 1, s), 1, (v, w)))
    if not full:
        for v in itertools.product(*map(range, shape)):
            for axes in itertools.combinations(range(ndim), 2):
                for signs in itertools.product((-1, 1), repeat=2):
                    corners = []
                    for take in itertools.product((0, 1), repeat=2):
                        step = [0] * ndim
                        for axis, sign, t in zip(axes, signs, take):
                            step[axis] = sign * t
                        corners.append(_add(v, step))
                    if all(_inside(c, shape) for c in corners) and max(rank[c] for c in corners) == rank[v]:
                        opposite = tuple(np.subtract(corners[-1], v))
                        cells.append(((rank[v], 2, opposite), 2, tuple(corners)))
    cells.sort(key=lambda c: c[0])
    return cells


def _edges_of_square(corners):
    a, b, c, d = corners  # take (0,0), (0,1), (1,0), (1,1)
    return [frozenset(e) for e in ((a, b), (a, c), (b, d), (c, d))]


def reduce_filtration(values: np.ndarray, *, superlevel: bool, full: bool = False):
    """Standard persistence pairs of the filtration: ``(pairs, edges)``.

    ``pairs`` maps each paired cell (a vertex, edge or square, as a frozenset of pixel
    coordinates) to its partner; ``edges`` lists the edges in filtration order.
    """
    rank = _ranks(values, superlevel)
    cells = _cells(values.shape, rank, full)
    index = {frozenset(c[2]): i for i, c in enumerate(cells)}
    columns, low_of = {}, {}
    pairs = {}
    for j, (_, dim, verts) in enumerate(cells):
        if dim == 0:
            continue
        if dim == 1:
            boundary = {index[frozenset([verts[0]])], index[frozenset([verts[1]])]}
        else:
            boundary = {index[e] for e in _edges_of_square(verts)}
        while boundary and max(boundary) in low_of:
            boundary ^= columns[low_of[max(boundary)]]
        columns[j] = boundary
        if boundary:
            low = max(boundary)
            low_of[low] = j
            pairs[frozenset(cells[low][2])] = frozenset(verts)
            pairs[frozenset(verts)] = frozenset(cells[low][2])
    edges = [frozenset(c[2]) for c in cells if c[1] == 1]
    return pairs, edges, rank


def _top(cell, rank):
    return max(cell, key=lambda v: rank[v])


def _persistence(values, a, b, rank):
    return abs(float(values[_top(a, rank)]) - float(values[_top(b, rank)]))


def _forest(values, eps, pairs, edges, rank):
    """Adjacency of the spanning forest at ``eps``: negative edges of persistence < eps or 0."""
    adjacency = {v: [] for v in rank}
    for e in edges:
        partner = pairs.get(e)
        if partner is None or len(partner) != 1:
            continue  # positive edge
        p = _persistence(values, e, partner, rank)
        if p == 0 or p < eps:
            u, v = tuple(e)
            adjacency[u].append(v)
            adjacency[v].append(u)
    return adjacency


def _trees(adjacency):
    tree = {}
    for start in adjacency:
        if start in tree:
            continue
        tree[start] = start
        queue = deque([start])
        members = [start]
        while queue:
            x = queue.popleft()
            for y in adjacency[x]:
                if y not in tree:
                    tree[y] = start
                    members.append(y)
                    queue.append(y)
    return tree


def _path(adjacency, start, goal):
    previous = {start: None}
    queue = deque([start])
    while queue:
        x = queue.popleft()
        if x == goal:
            break
        for y in adjacency[x]:
            if y not in previous:
                previous[y] = x
                queue.append(y)
    path = [goal]
    while previous[path[-1]] is not None:
        path.append(previous[path[-1]])
    return path


def critical_edges(values: np.ndarray, eps: float):
    """Critical edges of the superlevel filtration at ``eps`` with their persistence and kind."""
    values = np.asarray(values, dtype=np.float64)
    pairs, edges, rank = reduce_filtration(values, superlevel=True)
    out = []
    for e in edges:
        partner = pairs.get(e)
        p = _persistence(values, e, partner, rank)
        if p > 0 and p >= eps:
            out.append((e, p, "merge" if len(partner) == 1 else "loop"))
    return out, pairs, edges, rank


def skeleton_reference(values: np.ndarray, eps: float) -> np.ndarray:
    """S1(eps) of a small 2D or 3D image, from the definition (connectivity 1)."""
    values = np.asarray(values, dtype=np.float64)
    critical, pairs, edges, rank = critical_edges(values, eps)
    adjacency = _forest(values, eps, pairs, edges, rank)
    tree = _trees(adjacency)
    top = {}
    for v, t in tree.items():  # the root of a tree is its earliest vertex (highest value)
        if t not in top or rank[v] < rank[top[t]]:
            top[t] = v
    out = np.zeros(values.shape, dtype=bool)
    for e, _, _ in critical:
        for v in e:
            for x in _path(adjacency, v, top[tree[v]]):
                out[x] = True
    return out


def watershed_reference(values: np.ndarray, eps: float, connectivity: int = 1) -> np.ndarray:
    """Algorithm 1 of the thesis (PH-filtered topology watershed), line by line.

    Components are Python sets relabelled one pixel at a time; an edge of persistence zero
    always merges (toposeg's documented departure for ``eps = 0``).
    """
    values = np.asarray(values, dtype=np.float64)
    rank = _ranks(values, superlevel=False)
    steps = _neighbour_steps(values.ndim, full=connectivity == values.ndim)
    cc = {}
    members = {}
    boundary = np.zeros(values.shape, dtype=bool)
    for v in sorted(rank, key=rank.get):
        cc[v] = v
        members[v] = {v}
        t = values[v]
        for s in steps:  # lower star, by increasing offset
            u = _add(v, s)
            if not _inside(u, values.shape) or rank[u] > rank[v]:
                continue
            if cc[u] == cc[v]:
                continue  # loop edge
            a, b = cc[u], cc[v]
            younger, older = (a, b) if rank[a] > rank[b] else (b, a)  # minima: latest = highest
            pers = t - values[younger]
            if pers > 0 and pers >= eps:
                boundary[u] = boundary[v] = True  # watershed edge
                continue
            for w in members.pop(younger):
                cc[w] = older
                members[older].add(w)
    return boundary


def watershed_forest_reference(values: np.ndarray, eps: float, connectivity: int = 1) -> np.ndarray:
    """S2(eps) as the ends of the edges between trees of the sublevel forest at ``eps``."""
    values = np.asarray(values, dtype=np.float64)
    full = connectivity == values.ndim
    pairs, edges, rank = reduce_filtration(values, superlevel=False, full=full)
    tree = _trees(_forest(values, eps, pairs, edges, rank))
    boundary = np.zeros(values.shape, dtype=bool)
    for v in rank:
        for s in _neighbour_steps(values.ndim, full):
            u = _add(v, s)
            if _inside(u, values.shape) and tree[u] != tree[v]:
                boundary[u] = boundary[v] = True
    return boundary


def merge_persistence(values: np.ndarray, *, superlevel: bool, full: bool = False) -> list[float]:
    """Sorted persistence values (> 0) of the merges of the filtration."""
    values = np.asarray(values, dtype=np.float64)
    pairs, edges, rank = reduce_filtration(values, superlevel=superlevel, full=full)
    out = []
    for e in edges:
        partner = pairs.get(e)
        if partner is not None and len(partner) == 1:
            p = _persistence(values, e, partner, rank)
            if p > 0:
                out.append(p)
    return sorted(out)
