"""Road networks: determinism, the mask is the rasterised graph, occluders leave the mask alone."""

import numpy as np
import pytest
from scipy import ndimage

from toposeg.data import render_roads, road_network_2d
from toposeg.data._render import rasterise_capsules
from toposeg.data.roads import random_road_graph


def test_deterministic_by_seed():
    a, b, c = (
        road_network_2d((64, 96), seed=1),
        road_network_2d((64, 96), seed=1),
        road_network_2d((64, 96), seed=2),
    )
    np.testing.assert_array_equal(a.image, b.image)
    np.testing.assert_array_equal(a.mask, b.mask)
    assert not np.array_equal(a.mask, c.mask)
    assert a.image.dtype == np.float32 and a.image.shape == (64, 96)
    assert 0.0 <= a.image.min() and a.image.max() <= 1.0


@pytest.mark.parametrize("seed", range(4))
def test_whole_road_graph_is_connected(seed):
    # the graph extends past the image; drawn on a canvas holding all of it, it is one component
    curves, widths = random_road_graph(np.random.default_rng(seed), (96, 96), 36.0, 0.35)
    shift = 80.0
    starts = np.concatenate([c[:-1] for c in curves]) + shift
    ends = np.concatenate([c[1:] for c in curves]) + shift
    radii = np.concatenate([np.full(len(c) - 1, w) for c, w in zip(curves, widths, strict=True)])
    assert radii.min() >= 0.75
    mask, _ = rasterise_capsules((96 + 160, 96 + 160), starts, ends, radii, radii)
    assert ndimage.label(mask)[1] == 1


def test_mask_is_the_rasterised_roads_whatever_the_occluders():
    curves = [np.array([[10.0, -5.0], [10.0, 70.0]]), np.array([[-5.0, 30.0], [40.0, 30.0], [70.0, 50.0]])]
    widths = np.array([2.0, 1.0])
    expected, _ = rasterise_capsules(
        (48, 64),
        np.array([[10, -5], [-5, 30], [40, 30]], float),
        np.array([[10, 70], [40, 30], [70, 50]], float),
        np.array([2.0, 1.0, 1.0]),
        np.array([2.0, 1.0, 1.0]),
    )
    for occluders in (0.0, 3.0):
        sample = render_roads(np.random.default_rng(0), (48, 64), curves, widths, occluders=occluders)
        np.testing.assert_array_equal(sample.mask, expected)
    assert ndimage.label(expected)[1] == 1


def test_occluders_hide_roads_in_the_image():
    curves = [np.array([[32.0, -5.0], [32.0, 70.0]])]
    clear = render_roads(np.random.default_rng(0), (64, 64), curves, [2.0], occluders=0.0, noise=0.0)
    hidden = render_roads(np.random.default_rng(0), (64, 64), curves, [2.0], occluders=5.0, noise=0.0)
    assert clear.image[clear.mask].mean() > hidden.image[hidden.mask].mean()


def test_bad_arguments():
    with pytest.raises(ValueError, match="texture"):
        road_network_2d((32, 32), texture="sand")
    with pytest.raises(ValueError, match="extra_edges"):
        road_network_2d((32, 32), extra_edges=2.0)
