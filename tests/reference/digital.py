"""Slow, obviously correct oracles for simple points and distance-ordered warping.

Nothing here uses ``toposeg.digital`` or ``toposeg._neighbourhood``:

* :func:`simple_by_components` flips the centre of an isolated 3x3 (3x3x3) configuration and
  compares the numbers of foreground and background components (SciPy labelling).
* :func:`betti_numbers_of_configurations` gives the Betti numbers of many isolated small
  configurations at once from ONE run of the persistence engine: configuration ``k`` is drawn
  with value ``k + 1`` in its own cell of a background grid, so every persistent class born at
  value ``k + 1`` is a class of configuration ``k`` (classes of different cells only meet at the
  background value 0). :func:`simple_by_betti` compares them before and after the flip.
* :func:`simple_by_relative_homology` is the exact test: the point is simple iff the homology
  of the complex with the point relative to the complex without it vanishes (brute-force ranks
  over Z/2). Equal Betti numbers are necessary but in 3D not sufficient: flipping a point can
  destroy one tunnel and create another.
* :func:`simple_by_topological_numbers` counts the components of the neighbourhood with SciPy,
  as written in the definition (T4/T8 in the 8-neighbourhood; T6 in the 18-neighbourhood, T26
  in the 26-neighbourhood).
* :func:`warp_reference` is the thesis' algorithm written plainly: SciPy's distance transform,
  a lexicographic sort, and the test above at each step.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from tests.reference.homology import _rank_mod2, cubical_cells
from toposeg import cubical_persistence


def _structures(ndim: int, connectivity: int) -> tuple[np.ndarray, np.ndarray]:
    fg = ndimage.generate_binary_structure(ndim, connectivity)
    bg = ndimage.generate_binary_structure(ndim, ndim if connectivity == 1 else 1)
    return fg, bg


def _component_counts(config: np.ndarray, connectivity: int) -> tuple[int, int]:
    """Foreground and background components of a configuration surrounded by background."""
    padded = np.pad(config, 1)
    fg, bg = _structures(config.ndim, connectivity)
    return ndimage.label(padded, fg)[1], ndimage.label(~padded, bg)[1]


def simple_by_components(config: np.ndarray, connectivity: int) -> bool:
    """Whether flipping the centre of an isolated 3x3 image keeps the numbers of foreground and
    background components (in 2D these determine the topology)."""
    centre = (1,) * config.ndim
    flipped = config.copy()
    flipped[centre] = not flipped[centre]
    return _component_counts(config, connectivity) == _component_counts(flipped, connectivity)


def betti_numbers_of_configurations(configs: np.ndarray, connectivity: int) -> np.ndarray:
    """Betti numbers ``(K, ndim)`` of K isolated binary configurations ``(K, *shape)``, each
    surrounded by background, from one persistence computation."""
    configs = np.asarray(configs, dtype=bool)
    count, shape = configs.shape[0], configs.shape[1:]
    ndim = len(shape)
    side = int(np.ceil(count ** (1 / ndim)))
    cell = np.array(shape) + 1  # one background layer between neighbouring cells
    volume = np.zeros(tuple(side * cell + 1), dtype=np.float64)
    for k in range(count):
        corner = np.array(np.unravel_index(k, (side,) * ndim)) * cell + 1
        window = tuple(slice(c, c + s) for c, s in zip(corner, shape))
        volume[window] = configs[k] * (k + 1.0)
    result = cubical_persistence(volume, superlevel=True, connectivity=connectivity)
    betti = np.zeros((count, ndim), dtype=np.int64)
    for d in range(ndim):
        diagram = result.diagram(d)
        assert (diagram[:, 1] == 0).all()  # every class dies when the background enters
        births = np.concatenate([diagram[:, 0], result.essential(d).births])
        births = births.astype(np.int64) - 1
        births = births[births >= 0]
        betti[:, d] = np.bincount(births, minlength=count)[:count]
    return betti


def simple_by_betti(configs: np.ndarray, connectivity: int) -> np.ndarray:
    """For each isolated 3x3 (3x3x3) configuration, whether flipping its centre keeps all its
    Betti numbers."""
    configs = np.asarray(configs, dtype=bool)
    centre = (slice(None),) + (1,) * (configs.ndim - 1)
    flipped = configs.copy()
    flipped[centre] = ~flipped[centre]
    both = betti_numbers_of_configurations(np.concatenate([configs, flipped]), connectivity)
    return (both[: len(configs)] == both[len(configs) :]).all(axis=1)


def simple_by_relative_homology(config: np.ndarray, connectivity: int) -> bool:
    """Whether ``H_*(X + p, X - p; Z/2) = 0`` for the centre p of an isolated configuration X:
    the inclusion of the complex without p into the complex with p is then an isomorphism in
    homology, the homological form of "flipping p does not change the topology"."""
    centre = (1,) * config.ndim
    with_point = np.pad(config.astype(bool), 1)
    without_point = with_point.copy()
    with_point[tuple(c + 1 for c in centre)] = True
    without_point[tuple(c + 1 for c in centre)] = False
    big = cubical_cells(with_point, connectivity)
    small = cubical_cells(without_point, connectivity)
    # the relative chain complex: cells of the big complex that are not in the small one
    cells = {d: sorted(set(big[d]) - set(small[d])) for d in big}
    index = {d: {c: i for i, c in enumerate(cells[d])} for d in cells}
    ndim = config.ndim
    ranks = {0: 0, ndim + 1: 0}
    for d in range(1, ndim + 1):
        boundary = np.zeros((len(cells[d - 1]), len(cells[d])), dtype=bool)
        for j, cell in enumerate(cells[d]):
            for axis, c in enumerate(cell):
                if c % 2:
                    for face_c in (c - 1, c + 1):
                        face = cell[:axis] + (face_c,) + cell[axis + 1 :]
                        if face in index[d - 1]:
                            boundary[index[d - 1][face], j] = True
        ranks[d] = _rank_mod2(boundary) if boundary.size else 0
    return all(len(cells[d]) - ranks[d] - ranks[d + 1] == 0 for d in range(ndim + 1))


def simple_by_topological_numbers(patch: np.ndarray, connectivity: int) -> bool:
    """The topological-number test on a 3x3 (3x3x3) patch, counting components with SciPy."""
    ndim = patch.ndim
    centre = (1,) * ndim
    offsets = np.indices((3,) * ndim).reshape(ndim, -1).T - 1
    order = np.abs(offsets).sum(axis=1).reshape((3,) * ndim)  # 1: face, 2: edge, 3: corner
    fg_patch = patch.astype(bool).copy()
    fg_patch[centre] = False
    bg_patch = ~patch.astype(bool)
    bg_patch[centre] = False

    def count(points: np.ndarray, adjacency: int) -> int:
        # T_n: the n-components of the points in the geodesic neighbourhood that are n-adjacent
        # to the centre. For n = 4 (2D) and n = 6 (3D) the neighbourhood is N8 and N18.
        small = adjacency == 1
        region = points & ((order <= 2) if (small and ndim == 3) else (order >= 1))
        labels, _ = ndimage.label(region, ndimage.generate_binary_structure(ndim, adjacency))
        touching = (order == 1) if small else (order >= 1)
        return len(set(labels[touching & region].tolist()) - {0})

    fg_adjacency = 1 if connectivity == 1 else ndim
    bg_adjacency = ndim if connectivity == 1 else 1
    return count(fg_patch, fg_adjacency) == 1 and count(bg_patch, bg_adjacency) == 1


def distance_to_other_class(mask: np.ndarray) -> np.ndarray:
    """Euclidean distance from each pixel to the nearest pixel of the other class, the outside
    of the array counting as background."""
    inner = (slice(1, -1),) * mask.ndim
    to_background = ndimage.distance_transform_edt(np.pad(mask, 1))[inner]
    to_foreground = ndimage.distance_transform_edt(~mask) if mask.any() else np.full(mask.shape, np.inf)
    return np.where(mask, to_background, to_foreground)


def warp_reference(
    source: np.ndarray, target: np.ndarray, connectivity: int, max_passes: int | None = 1
) -> np.ndarray:
    """Distance-ordered homotopic warping, as in the thesis, one candidate at a time."""
    current = np.asarray(source, dtype=bool).copy()
    target = np.asarray(target, dtype=bool)
    passes = 0
    while True:
        candidates = np.flatnonzero(current != target)
        distance = distance_to_other_class(current).ravel()[candidates]
        order = candidates[np.lexsort((candidates, distance))]
        padded = np.pad(current, 1)
        flips = 0
        for index in order:
            point = np.unravel_index(index, current.shape)
            window = tuple(slice(p, p + 3) for p in point)  # the 3x3 patch around it, padded
            if simple_by_topological_numbers(padded[window], connectivity):
                padded[tuple(p + 1 for p in point)] ^= True
                flips += 1
        current = padded[(slice(1, -1),) * current.ndim]
        passes += 1
        if flips == 0 or (max_passes is not None and passes >= max_passes):
            return current
