"""Topological numbers against connected-component labelling of the neighbourhood itself."""

import numpy as np
import pytest
from scipy import ndimage

from toposeg import _neighbourhood as nb

FOUR = ndimage.generate_binary_structure(2, 1)
EIGHT = ndimage.generate_binary_structure(2, 2)
SIX = ndimage.generate_binary_structure(3, 1)
TWENTY_SIX = ndimage.generate_binary_structure(3, 3)


def _ring_patch(mask):
    patch = np.zeros((3, 3), dtype=bool)
    for k, (dy, dx) in enumerate(nb.RING_2D):
        patch[1 + dy, 1 + dx] = (mask >> k) & 1
    return patch


def _components_touching(patch, structure, touching):
    labels, _ = ndimage.label(patch, structure=structure)
    return len(set(labels[touching & patch].tolist()) - {0})


def test_ring_tables_cover_all_256_masks():
    centre4 = np.zeros((3, 3), dtype=bool)
    centre4[[0, 1, 1, 2], [1, 0, 2, 1]] = True
    for mask in range(256):
        patch = _ring_patch(mask)
        assert nb.COUNT4[mask] == _components_touching(patch, FOUR, centre4), mask
        assert nb.COUNT8[mask] == _components_touching(patch, EIGHT, patch), mask
        # representatives: inside the mask, one per component (4-reps are edge pixels)
        for reps, structure, touching in ((nb.REPS4, FOUR, centre4), (nb.REPS8, EIGHT, patch)):
            rep_patch = _ring_patch(int(reps[mask]))
            assert not (rep_patch & ~patch).any(), mask
            labels, _ = ndimage.label(patch, structure=structure)
            wanted = set(labels[touching & patch].tolist()) - {0}
            assert sorted(labels[rep_patch].tolist()) == sorted(wanted), mask


def test_two_dimensional_saddles_look_the_same_from_both_sides():
    # Lower neighbours split into groups exactly when upper ones do, for both adjacency pairs:
    # the persistence engine sorts one list of 2D saddles for both of its passes.
    for mask in range(256):
        upper = ~mask & 255
        assert (nb.COUNT4[mask] >= 2) == (nb.COUNT8[upper] >= 2), mask
        assert (nb.COUNT8[mask] >= 2) == (nb.COUNT4[upper] >= 2), mask


def _cube_patch(mask):
    return np.array([(mask >> b) & 1 for b in range(27)], dtype=bool).reshape(3, 3, 3)


@pytest.mark.parametrize("seed", range(4))
def test_cube_counts_on_random_masks(seed):
    rng = np.random.default_rng(seed)
    faces = _cube_patch(nb.FACES6)
    n18 = _cube_patch(nb.NEIGHBOURS18)
    for density in (0.2, 0.5, 0.8):
        for _ in range(500):
            mask = int((rng.random(27) < density) @ (1 << np.arange(27))) & nb.NEIGHBOURS26
            patch = _cube_patch(mask)
            assert nb.count6(mask) == _components_touching(patch & n18, SIX, faces)
            assert nb.count26(mask) == _components_touching(patch, TWENTY_SIX, patch)
            groups6 = _components_touching(patch, SIX, faces)
            assert nb.split6(mask) == (groups6 >= 2)
            assert nb.split26(mask) == (nb.count26(mask) >= 2)
