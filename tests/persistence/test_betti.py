"""betti_numbers against the brute-force homology of the cubical complex."""

import numpy as np
import pytest

from tests.reference.homology import betti_numbers_brute_force
from toposeg import betti_numbers
from toposeg.persistence.betti import euler_characteristic


@pytest.mark.parametrize("connectivity", ["one", "full"])
@pytest.mark.parametrize("shape", [(5, 6), (3, 4, 4), (1, 6), (2, 2, 2)])
def test_random_masks_match_brute_force(shape, connectivity):
    rng = np.random.default_rng(len(shape) * 10 + len(connectivity))
    conn = 1 if connectivity == "one" else len(shape)
    for density in (0.3, 0.5, 0.7):
        for _ in range(15):
            mask = rng.random(shape) < density
            assert betti_numbers(mask, connectivity=conn) == betti_numbers_brute_force(mask, conn)


def test_known_shapes():
    ring = np.ones((3, 3), dtype=bool)
    ring[1, 1] = False
    assert betti_numbers(ring) == (1, 1)
    # two diagonal pixels: two components 4-connected, one 8-connected
    diagonal = np.eye(2, dtype=bool)
    assert betti_numbers(diagonal) == (2, 0)
    assert betti_numbers(diagonal, connectivity=2) == (1, 0)
    # a hollow cube has a cavity; a solid torus has a tunnel
    cube = np.ones((3, 3, 3), dtype=bool)
    cube[1, 1, 1] = False
    assert betti_numbers(cube) == (1, 0, 1)
    torus = np.ones((3, 3, 2), dtype=bool)
    torus[1, 1, :] = False
    assert betti_numbers(torus) == (1, 1, 0)
    assert betti_numbers(np.zeros((4, 4), dtype=bool)) == (0, 0)


def test_euler_characteristic_matches_scikit_image():
    from skimage.measure import euler_number

    rng = np.random.default_rng(4)
    for shape in ((9, 8), (5, 6, 7)):
        for conn in (1, len(shape)):
            mask = rng.random(shape) < 0.5
            assert euler_characteristic(mask, connectivity=conn) == euler_number(mask, connectivity=conn)


def test_non_binary_input_is_rejected():
    with pytest.raises(ValueError, match="mask must be binary"):
        betti_numbers(np.array([[0, 2], [1, 1]]))
