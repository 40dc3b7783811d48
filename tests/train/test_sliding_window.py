"""Sliding-window prediction: equal to whole-image prediction where it must be, any image size."""

import itertools

import numpy as np
import pytest
import torch
from torch import nn

from toposeg.models import UNet
from toposeg.train import predict_likelihood, window_starts


def direct(model, image):
    with torch.no_grad():
        return torch.sigmoid(model(torch.from_numpy(image.astype(np.float32))[None, None]))[0, 0].numpy()


def unet(ndim=2, depth=2):
    torch.manual_seed(0)
    return UNet(1, 1, ndim=ndim, depth=depth, width=4).eval()


def pointwise(ndim=2):
    """A network without spatial context (1x1 convolutions): any tiling must give the same."""
    conv = nn.Conv2d if ndim == 2 else nn.Conv3d
    torch.manual_seed(0)
    return nn.Sequential(conv(1, 5, 1), nn.Tanh(), conv(5, 1, 1)).eval()


def test_one_window_is_the_whole_image():
    model = unet()
    image = np.random.default_rng(0).random((32, 32)).astype(np.float32)
    expected = direct(model, image)
    assert np.array_equal(predict_likelihood(model, image, window=(32, 32)), expected)
    assert np.array_equal(predict_likelihood(model, image), expected)  # window=None: one pass


def test_whole_image_of_any_size_is_padded_by_reflection():
    model = unet()
    image = np.random.default_rng(1).random((37, 50)).astype(np.float32)
    padded = np.pad(image, [(0, 3), (0, 2)], mode="symmetric")  # to multiples of 4
    assert np.allclose(predict_likelihood(model, image), direct(model, padded)[:37, :50], atol=1e-6)


@pytest.mark.parametrize("blend", ["gaussian", "constant"])
@pytest.mark.parametrize("shape, window, overlap", [
    ((37, 53), (16, 16), 0.5),
    ((64, 40), (16, 24), 0.25),
    ((9, 70), (16, 16), 0.0),          # shorter than the window along one axis
    ((11, 20, 17), (8, 8, 8), 0.5),   # a volume
])
def test_tiling_does_not_change_a_context_free_network(shape, window, overlap, blend):
    model = pointwise(len(shape))
    image = np.random.default_rng(2).random(shape).astype(np.float32)
    tiled = predict_likelihood(model, image, window=window, overlap=overlap, blend=blend, batch_size=3)
    assert tiled.shape == shape and tiled.dtype == np.float32
    assert np.allclose(tiled, direct(model, image), atol=1e-6)


@pytest.mark.parametrize("shape, window", [((45, 70), (32, 32)), ((20, 20), (32, 32)), ((19, 33, 26), (16, 16, 16))])
def test_unet_on_sizes_that_are_not_multiples(shape, window):
    model = unet(ndim=len(shape))
    model.train()
    image = np.random.default_rng(3).random(shape).astype(np.float32)
    likelihood = predict_likelihood(model, image, window=window)
    assert likelihood.shape == shape and np.isfinite(likelihood).all()
    assert likelihood.min() >= 0 and likelihood.max() <= 1
    assert model.training  # the mode is given back


def test_pixels_away_from_inner_window_borders_agree_with_the_whole_image():
    """A 3x3 convolution sees one pixel around each output. A pixel that is never on a window
    border inside the image gets the same value from every window covering it, hence the
    whole-image value; pixels on inner window borders see the windows' zero padding."""
    torch.manual_seed(0)
    model = nn.Conv2d(1, 1, 3, padding=1).eval()
    image = np.random.default_rng(4).random((40, 40)).astype(np.float32)
    whole = direct(model, image)
    tiled = predict_likelihood(model, image, window=(16, 16), overlap=0.5, blend="constant")
    starts = window_starts(40, 16, 8)
    inner_border = np.zeros((40, 40), dtype=bool)
    for first in starts:
        if first > 0:
            inner_border[first, :] = inner_border[:, first] = True
        if first + 16 < 40:
            inner_border[first + 15, :] = inner_border[:, first + 15] = True
    assert np.allclose(tiled[~inner_border], whole[~inner_border], atol=1e-6)
    assert not np.allclose(tiled[inner_border], whole[inner_border], atol=1e-6)


@pytest.mark.parametrize("size, window, step", [(100, 32, 16), (32, 32, 16), (10, 32, 16), (97, 16, 5), (50, 7, 7)])
def test_window_starts_cover_the_axis(size, window, step):
    starts = window_starts(size, window, step)
    covered = np.zeros(max(size, window), dtype=bool)
    for s in starts:
        covered[s:s + window] = True
    assert covered[:size].all()
    assert starts[0] == 0 and starts[-1] == max(size - window, 0)
    assert all(0 < b - a <= step for a, b in itertools.pairwise(starts))


def test_bad_arguments():
    model = unet()
    image = np.zeros((32, 32), dtype=np.float32)
    with pytest.raises(ValueError, match="window sides must be multiples of 4"):
        predict_likelihood(model, image, window=(30, 32))
    with pytest.raises(ValueError, match="overlap must lie in"):
        predict_likelihood(model, image, window=(32, 32), overlap=1.0)
    with pytest.raises(ValueError, match="window must be 2 positive sizes"):
        predict_likelihood(model, image, window=(32, 32, 32))
    with pytest.raises(ValueError, match="NaN"):
        predict_likelihood(model, np.full((8, 8), np.nan))
    with pytest.raises(ValueError, match="image must be 2D"):
        predict_likelihood(model, np.zeros(8))
