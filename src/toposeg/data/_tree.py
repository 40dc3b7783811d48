"""Branching trees by space colonisation, with radii from Murray's law (2D and 3D).

Space colonisation (Runions, Lane and Prusinkiewicz 2007): attraction points are scattered in
the domain; at each step every attraction point pulls the tree node nearest to it (within an
influence distance; when none is that close, only the nearest attraction point pulls); each
pulled node grows a child one step along the mean of the unit directions to its attraction
points; attraction points closer than a kill distance to the tree are removed. The tree grows
until no attraction point is left or growth stalls.

Murray's law: the cube of a parent's radius is the sum of the cubes of its children's radii,
so radii taper from the root to the leaves, which all have the same radius.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree


@dataclass(frozen=True)
class Tree:
    """Nodes ``(n, ndim)`` in voxel coordinates and ``parent`` (n,) int (-1 for the root).

    Parents always have smaller indices than their children.
    """

    nodes: np.ndarray
    parent: np.ndarray


def space_colonisation(
    rng: np.random.Generator,
    attractors: np.ndarray,
    root: np.ndarray,
    *,
    step: float,
    influence: float,
    kill: float,
    upper: np.ndarray,
    max_nodes: int = 20000,
) -> Tree:
    """Grow a tree from ``root`` towards ``attractors`` ``(m, ndim)``; see the module notes.

    Nodes are kept inside the box ``[0, upper]``.
    """
    ndim = attractors.shape[1]
    nodes = [np.asarray(root, dtype=np.float64)]
    parent = [-1]
    live = attractors.copy()
    stalled = 0
    while len(live) and len(nodes) < max_nodes and stalled < 3:
        points = np.asarray(nodes)
        index = cKDTree(points)
        distance, nearest = index.query(live, distance_upper_bound=influence)
        pulled = np.isfinite(distance)
        if not pulled.any():  # all out of reach: the nearest attraction point pulls alone
            distance, nearest = index.query(live)
            pulled = distance == distance.min()
        units = (live[pulled] - points[nearest[pulled]]) / distance[pulled, None].clip(1e-9)
        owners, inverse = np.unique(nearest[pulled], return_inverse=True)
        sums = np.zeros((len(owners), ndim))
        np.add.at(sums, inverse, units)
        norms = np.linalg.norm(sums, axis=1)
        grow = norms > 1e-6
        if not grow.any():
            break
        directions = sums[grow] / norms[grow, None]
        directions += 0.15 * rng.standard_normal(directions.shape)  # a little wiggle
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
        children = np.clip(points[owners[grow]] + step * directions, 0.0, upper)
        # a node already stands here: growth has stalled on this attraction point
        fresh = ~np.isfinite(index.query(children, distance_upper_bound=0.5 * step)[0])
        if not fresh.any():
            stalled += 1
            continue
        stalled = 0
        children = children[fresh]
        nodes.extend(children)
        parent.extend(owners[grow][fresh].tolist())
        reached = cKDTree(children).query(live, distance_upper_bound=kill)[0]
        live = live[~np.isfinite(reached)]
    return Tree(nodes=np.asarray(nodes), parent=np.asarray(parent, dtype=np.int64))


def murray_radii(parent: np.ndarray, leaf_radius: float, exponent: float = 3.0) -> np.ndarray:
    """Radius of each node by Murray's law: ``r_parent**k = sum r_child**k`` (k = ``exponent``).

    Leaves get ``leaf_radius``. Requires parents to have smaller indices than their children.
    """
    power = np.zeros(len(parent))
    has_child = np.zeros(len(parent), dtype=bool)
    has_child[parent[parent >= 0]] = True
    power[~has_child] = leaf_radius**exponent
    for node in range(len(parent) - 1, 0, -1):
        power[parent[node]] += power[node]
    return power ** (1.0 / exponent)


def prune_spurs(tree: Tree, min_nodes: int) -> Tree:
    """Remove terminal branches (leaf up to the nearest branch point) of fewer than ``min_nodes``."""
    parent = tree.parent
    children = np.bincount(parent[parent >= 0], minlength=len(parent))
    keep = np.ones(len(parent), dtype=bool)
    for leaf in np.flatnonzero(children == 0):
        branch = [int(leaf)]
        node = int(parent[leaf])
        while node > 0 and children[node] == 1:
            branch.append(node)
            node = int(parent[node])
        if len(branch) < min_nodes and node >= 0 and children[node] > 1:
            keep[branch] = False
    new_index = np.cumsum(keep) - 1
    kept_parent = parent[keep]
    new_parent = np.where(kept_parent >= 0, new_index[kept_parent.clip(0)], -1)
    return Tree(nodes=tree.nodes[keep], parent=new_parent.astype(np.int64))
