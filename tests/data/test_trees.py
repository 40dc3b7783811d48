"""Vessel trees (2D) and tubular trees (3D): determinism, exact masks, one component, Murray radii."""

import numpy as np
import pytest
from scipy import ndimage

from toposeg.data import tube_tree_3d, vessel_tree_2d
from toposeg.data._render import rasterise_capsules
from toposeg.data._tree import Tree, murray_radii, prune_spurs


@pytest.mark.parametrize("generator, shape", [(vessel_tree_2d, (64, 80)), (tube_tree_3d, (24, 28, 32))])
def test_deterministic_by_seed(generator, shape):
    a, b, c = generator(shape, seed=5), generator(shape, seed=5), generator(shape, seed=6)
    np.testing.assert_array_equal(a.image, b.image)
    np.testing.assert_array_equal(a.mask, b.mask)
    assert not np.array_equal(a.mask, c.mask)
    assert a.image.shape == a.mask.shape == shape
    assert a.image.dtype == np.float32 and a.mask.dtype == bool
    assert 0.0 <= a.image.min() and a.image.max() <= 1.0


@pytest.mark.parametrize("seed", range(6))
def test_vessel_tree_is_one_4_connected_component(seed):
    sample = vessel_tree_2d((96, 96), seed=seed)
    assert ndimage.label(sample.mask)[1] == 1
    # the vessels are brighter than the background on average (image and mask aligned)
    assert sample.image[sample.mask].mean() > sample.image[~sample.mask].mean() + 0.1


@pytest.mark.parametrize("seed", range(3))
def test_tube_tree_is_one_6_connected_component(seed):
    sample = tube_tree_3d((32, 32, 32), seed=seed)
    assert ndimage.label(sample.mask)[1] == 1
    assert sample.image[sample.mask].mean() > sample.image[~sample.mask].mean() + 0.05


def test_vessel_mask_is_the_rasterised_tree():
    # regrow the same tree with the same random stream and rasterise it independently
    from toposeg.data import trees

    rng = np.random.default_rng(4)
    tree, radii = trees._tree_geometry(rng, (48, 48), 0.8, 1 / 100)
    child = np.flatnonzero(tree.parent >= 0)
    expected, _ = rasterise_capsules(
        (48, 48), tree.nodes[tree.parent[child]], tree.nodes[child], radii[child], radii[child]
    )
    np.testing.assert_array_equal(vessel_tree_2d((48, 48), seed=4).mask, expected)


def test_murray_radii_by_hand():
    # 0 -> 1 -> (2, 3); 3 -> 4: leaves 2 and 4 of radius 1
    parent = np.array([-1, 0, 1, 1, 3])
    radii = murray_radii(parent, 1.0)
    np.testing.assert_allclose(radii, [2 ** (1 / 3), 2 ** (1 / 3), 1, 1, 1])
    assert np.isclose(radii[1] ** 3, radii[2] ** 3 + radii[3] ** 3)


def test_prune_spurs_removes_short_terminal_branches():
    # a chain 0-1-2-3-4 with a one-node spur 5 on node 2
    tree = Tree(np.arange(12.0).reshape(6, 2), np.array([-1, 0, 1, 2, 3, 2]))
    pruned = prune_spurs(tree, min_nodes=2)
    np.testing.assert_array_equal(pruned.parent, [-1, 0, 1, 2, 3])
    np.testing.assert_array_equal(pruned.nodes, tree.nodes[:5])


def test_bad_arguments():
    with pytest.raises(ValueError, match="leaf_radius"):
        vessel_tree_2d((32, 32), leaf_radius=0.5)
    with pytest.raises(ValueError, match="shape must be 2D"):
        vessel_tree_2d((32, 32, 32))
    with pytest.raises(ValueError, match="shape must be 3D"):
        tube_tree_3d((8, 32, 32))
