"""Numba kernel of the graph metrics: shortest path lengths for many (source, target) pairs.

SciPy's Dijkstra initialises every vertex for every source, which costs sources x vertices
when a skeleton falls into thousands of small components; this one only touches the vertices
it reaches and resets them afterwards.
"""

from __future__ import annotations

import numpy as np

from toposeg._numba import kernel

__all__ = ["pair_path_lengths"]


@kernel
def pair_path_lengths(indptr, indices, weights, first, second):  # pragma: no cover - compiled
    """Length of the shortest path from ``first[k]`` to ``second[k]`` in a weighted graph.

    ``indptr, indices, weights``: CSR arrays (int64, int64, float64) of a graph holding both
    directions of every edge, with non-negative weights. ``first`` must be sorted so that pairs
    of one source are consecutive; one Dijkstra search (binary heap, lazy deletion) runs per
    distinct source and stops once all its targets are settled. Unreachable targets get inf.
    """
    n_vertices = len(indptr) - 1
    n_pairs = len(first)
    result = np.full(n_pairs, np.inf)
    distance = np.full(n_vertices, np.inf)
    settled = np.zeros(n_vertices, dtype=np.bool_)
    reached = np.empty(n_vertices, dtype=np.int64)
    wanted = np.full(n_vertices, -1, dtype=np.int64)  # index of the search that needs it
    capacity = len(indices) + 1  # one push per successful relaxation, plus the source
    heap_key = np.empty(capacity, dtype=np.float64)
    heap_vertex = np.empty(capacity, dtype=np.int64)
    start = 0
    while start < n_pairs:
        source = first[start]
        stop = start
        while stop < n_pairs and first[stop] == source:
            stop += 1
        remaining = 0
        for k in range(start, stop):
            if wanted[second[k]] != start:
                wanted[second[k]] = start
                remaining += 1
        distance[source] = 0.0
        reached[0] = source
        n_reached = 1
        heap_key[0] = 0.0
        heap_vertex[0] = source
        size = 1
        while size > 0:
            key = heap_key[0]
            vertex = heap_vertex[0]
            size -= 1
            _sift_down(heap_key, heap_vertex, size)
            if settled[vertex]:
                continue
            settled[vertex] = True
            if wanted[vertex] == start:
                remaining -= 1
                if remaining == 0:
                    break
            for edge in range(indptr[vertex], indptr[vertex + 1]):
                other = indices[edge]
                candidate = key + weights[edge]
                if candidate < distance[other]:
                    if distance[other] == np.inf:
                        reached[n_reached] = other
                        n_reached += 1
                    distance[other] = candidate
                    heap_key[size] = candidate
                    heap_vertex[size] = other
                    size += 1
                    _sift_up(heap_key, heap_vertex, size - 1)
        for k in range(start, stop):
            result[k] = distance[second[k]]
        for i in range(n_reached):
            distance[reached[i]] = np.inf
            settled[reached[i]] = False
        start = stop
    return result


@kernel
def _sift_up(key, vertex, position):  # pragma: no cover - compiled
    while position > 0:
        parent = (position - 1) // 2
        if key[parent] <= key[position]:
            break
        key[parent], key[position] = key[position], key[parent]
        vertex[parent], vertex[position] = vertex[position], vertex[parent]
        position = parent


@kernel
def _sift_down(key, vertex, size):  # pragma: no cover - compiled
    """Move the last element (index ``size``) to the root and restore the heap of ``size``."""
    if size == 0:
        return
    key[0] = key[size]
    vertex[0] = vertex[size]
    position = 0
    while True:
        smallest = position
        for child in (2 * position + 1, 2 * position + 2):
            if child < size and key[child] < key[smallest]:
                smallest = child
        if smallest == position:
            break
        key[smallest], key[position] = key[position], key[smallest]
        vertex[smallest], vertex[position] = vertex[position], vertex[smallest]
        position = smallest
