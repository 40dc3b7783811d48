"""Graphs of skeletons for the graph metrics (APLS, TLTS, junctions), extracted by skan.

skan turns a skeleton into a pixel graph (8/26-connected pixels, edges weighted by their
Euclidean length, clusters of junction pixels reduced to a spanning tree) and into branches:
pixel paths between nodes (pixels of degree other than 2). On top of skan this module adds
junction clusters, control points along branches and shortest path lengths between chosen
pixels, computed on the branch graph with the chosen pixels inserted as vertices (the "node
injection" of the APLS reference code), which is exact and much smaller than the pixel graph.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from toposeg.metrics._kernels import pair_path_lengths

__all__ = ["SkeletonGraph", "skeleton_graph"]


@dataclass(frozen=True)
class SkeletonGraph:
    """A skeleton as a graph; pixels are numbered 0..N-1 in skan's order.

    Attributes
    ----------
    coordinates : (N, ndim) ndarray of int64
        Pixel coordinates.
    degree : (N,) ndarray of int64
        Degree of each pixel in skan's pixel graph.
    component : (N,) ndarray of int64
        Connected component of each pixel, numbered from 0.
    branches : tuple of ndarray of int64
        Pixel paths between nodes, each oriented from its end of smaller flat index.
    arcs : tuple of ndarray of float64
        Arc length from the start of the branch to each of its pixels.
    junctions : tuple of ndarray of int64
        Clusters of adjacent pixels of degree >= 3, one per junction.
    junction_degree : (J,) ndarray of int64
        Branches meeting at each junction (a branch leaving and returning counts twice).
    """

    coordinates: np.ndarray
    degree: np.ndarray
    component: np.ndarray
    branches: tuple[np.ndarray, ...]
    arcs: tuple[np.ndarray, ...]
    junctions: tuple[np.ndarray, ...]
    junction_degree: np.ndarray

    @property
    def size(self) -> int:
        """Number of skeleton pixels."""
        return len(self.degree)

    def junction_centres(self) -> np.ndarray:
        """(J, ndim) mean coordinates of the junction clusters."""
        if not self.junctions:
            return np.zeros((0, self.coordinates.shape[1]))
        return np.array([self.coordinates[c].mean(axis=0) for c in self.junctions])

    def nearest(self, points: np.ndarray, tolerance: float) -> np.ndarray:
        """Number of the skeleton pixel nearest to each of the (n, ndim) ``points``, or -1 if
        none lies within ``tolerance`` (Euclidean distance, ``<=``)."""
        points = np.asarray(points, dtype=np.float64).reshape(len(points), -1)
        matched = np.full(len(points), -1, dtype=np.int64)
        if self.size == 0 or len(points) == 0:
            return matched
        bound = tolerance * (1 + 1e-9) + 1e-9  # the k-d tree bound is strict
        distance, nearest = cKDTree(self.coordinates).query(points, k=1, distance_upper_bound=bound)
        found = np.isfinite(distance)
        matched[found] = nearest[found]
        return matched

    def control_points(self, spacing: float) -> np.ndarray:
        """Pixels used as path end points by APLS and TLTS, sorted.

        Every end point (degree 1) and isolated pixel, one pixel per junction cluster (highest
        degree, then lowest number), the start of every branch that closes on itself without a
        junction, and along every branch, oriented as in ``branches``, the first pixel whose arc
        length reaches each positive multiple of ``spacing`` (none if ``spacing`` is infinite).
        """
        chosen = [np.flatnonzero(self.degree <= 1)]
        for cluster in self.junctions:
            chosen.append(cluster[np.lexsort((cluster, -self.degree[cluster]))[:1]])
        for branch, arc in zip(self.branches, self.arcs):
            if branch[0] == branch[-1] and self.degree[branch[0]] == 2:
                chosen.append(branch[:1])
            if np.isfinite(spacing) and len(branch) > 2:
                step = np.floor(arc / spacing)
                crossing = np.flatnonzero(step[1:-1] > step[:-2]) + 1
                chosen.append(branch[crossing])
        return np.unique(np.concatenate(chosen)).astype(np.int64)

    def pair_lengths(self, first: np.ndarray, second: np.ndarray) -> np.ndarray:
        """Shortest path length along the skeleton from ``first[k]`` to ``second[k]`` (pixel
        numbers) for every k; inf when they lie in different components."""
        first = np.asarray(first, dtype=np.int64)
        second = np.asarray(second, dtype=np.int64)
        result = np.full(len(first), np.inf)
        joined = np.flatnonzero(self.component[first] == self.component[second])
        if len(joined) == 0:
            return result
        graph, vertex = self._graph_with_vertices(np.concatenate([first[joined], second[joined]]))
        graph = (graph + graph.T).tocsr()
        source, target = vertex[first[joined]], vertex[second[joined]]
        order = np.argsort(source, kind="stable")
        result[joined[order]] = pair_path_lengths(
            graph.indptr.astype(np.int64),
            graph.indices.astype(np.int64),
            graph.data.astype(np.float64),
            source[order],
            target[order],
        )
        return result

    def _graph_with_vertices(self, pixels: np.ndarray) -> tuple[sparse.csr_array, np.ndarray]:
        """Branch graph whose vertices are the branch ends, isolated pixels and ``pixels``.

        Returns the graph and, for every skeleton pixel, its vertex number (-1 if none).
        """
        is_vertex = np.zeros(self.size, dtype=bool)
        is_vertex[pixels] = True
        is_vertex[self.degree == 0] = True
        for branch in self.branches:
            is_vertex[branch[[0, -1]]] = True
        vertex = np.full(self.size, -1, dtype=np.int64)
        vertex[is_vertex] = np.arange(np.count_nonzero(is_vertex))
        heads, tails, lengths = [], [], []
        for branch, arc in zip(self.branches, self.arcs):
            on_branch = np.flatnonzero(is_vertex[branch])  # includes both ends
            heads.append(vertex[branch[on_branch[:-1]]])
            tails.append(vertex[branch[on_branch[1:]]])
            lengths.append(np.diff(arc[on_branch]))
        count = int(np.count_nonzero(is_vertex))
        if not heads:
            return sparse.csr_array((count, count)), vertex
        heads, tails, lengths = (np.concatenate(x) for x in (heads, tails, lengths))
        keep = heads != tails
        low = np.minimum(heads, tails)[keep]
        high = np.maximum(heads, tails)[keep]
        lengths = lengths[keep]
        # Parallel branches: keep the shortest (a sparse matrix would add them up).
        order = np.lexsort((lengths, high, low))
        low, high, lengths = low[order], high[order], lengths[order]
        first = np.ones(len(low), dtype=bool)
        first[1:] = (low[1:] != low[:-1]) | (high[1:] != high[:-1])
        graph = sparse.coo_array(
            (lengths[first], (low[first], high[first])), shape=(count, count)
        ).tocsr()
        return graph, vertex


def skeleton_graph(skeleton: np.ndarray) -> SkeletonGraph:
    """Graph of a boolean skeleton (2D or 3D, 8/26-connected) built with skan.

    Parameters
    ----------
    skeleton : ndarray of bool
        One-pixel-wide curves, e.g. ``skimage.morphology.skeletonize(mask)``.

    Returns
    -------
    SkeletonGraph
    """
    points = np.argwhere(skeleton)
    if len(points) <= 1:
        return _graph_without_edges(points)
    from skan import Skeleton

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # skan's pandas/numba deprecation chatter
            skan_skeleton = Skeleton(skeleton.astype(bool, copy=False), keep_images=False)
    except ValueError:
        if _all_isolated(points):  # skan cannot build a graph without edges
            return _graph_without_edges(points)
        raise
    coordinates = np.round(skan_skeleton.coordinates).astype(np.int64)
    degree = np.asarray(skan_skeleton.degrees, dtype=np.int64)
    flat = np.ravel_multi_index(tuple(coordinates.T), skeleton.shape)
    branches, arcs = [], []
    for index in range(skan_skeleton.n_paths):
        branch = np.asarray(skan_skeleton.path(index), dtype=np.int64)
        if flat[branch[-1]] < flat[branch[0]]:
            branch = branch[::-1]
        steps = np.linalg.norm(np.diff(coordinates[branch], axis=0), axis=1)
        branches.append(branch)
        arcs.append(np.concatenate([[0.0], np.cumsum(steps)]))
    junctions, junction_degree = _junction_clusters(skan_skeleton.graph, degree, branches)
    component = csgraph.connected_components(skan_skeleton.graph, directed=False)[1]
    return SkeletonGraph(
        coordinates=coordinates,
        degree=degree,
        component=component.astype(np.int64),
        branches=tuple(branches),
        arcs=tuple(arcs),
        junctions=junctions,
        junction_degree=junction_degree,
    )


def _graph_without_edges(points: np.ndarray) -> SkeletonGraph:
    """Graph of isolated pixels: each is a vertex of degree 0 and its own component."""
    return SkeletonGraph(
        coordinates=points.astype(np.int64),
        degree=np.zeros(len(points), dtype=np.int64),
        component=np.arange(len(points), dtype=np.int64),
        branches=(),
        arcs=(),
        junctions=(),
        junction_degree=np.zeros(0, dtype=np.int64),
    )


def _all_isolated(points: np.ndarray) -> bool:
    """True if no two of the (n >= 2) pixels are 8/26-neighbours."""
    nearest = cKDTree(points).query(points, k=2)[0][:, 1]
    return bool(nearest.min() > np.sqrt(points.shape[1]) + 1e-9)


def _junction_clusters(
    pixel_graph: sparse.spmatrix, degree: np.ndarray, branches: list[np.ndarray]
) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """Clusters of adjacent junction pixels and the number of branches meeting at each."""
    junction_pixels = np.flatnonzero(degree >= 3)
    if len(junction_pixels) == 0:
        return (), np.zeros(0, dtype=np.int64)
    among = sparse.csr_array(pixel_graph)[junction_pixels][:, junction_pixels]
    count, labels = csgraph.connected_components(among, directed=False)
    cluster_of = np.full(len(degree), -1, dtype=np.int64)
    cluster_of[junction_pixels] = labels
    branch_degree = np.zeros(count, dtype=np.int64)
    for branch in branches:
        start, end = cluster_of[branch[0]], cluster_of[branch[-1]]
        if start >= 0 and start == end and len(branch) <= 3:
            # An edge or a triangle inside one cluster (a cycle around no pixel), not a branch.
            continue
        for cluster in (start, end):
            if cluster >= 0:
                branch_degree[cluster] += 1
    order = np.argsort(labels, kind="stable")
    split = np.flatnonzero(np.diff(labels[order])) + 1
    clusters = tuple(np.sort(group) for group in np.split(junction_pixels[order], split))
    return clusters, branch_degree
