"""MC-dropout: the mean and variance of hand-run passes, dropout alone active, modes restored."""

import numpy as np
import pytest
import torch

from toposeg.models import UNet
from toposeg.uncertainty import mc_dropout


def _model():
    torch.manual_seed(0)
    model = UNet(1, 1, depth=2, width=4, dropout=0.3)
    model.train()
    return model


def test_mean_and_variance_are_those_of_passes_run_by_hand():
    model = _model()
    image = np.random.default_rng(0).random((20, 28)).astype(np.float32)
    mean, variance = mc_dropout(model, image, passes=5, seed=3)
    assert model.training and all(m.training for m in model.modules())  # modes restored
    # by hand (20 x 28 needs no padding): batch norm in eval mode, dropout active
    batch = torch.from_numpy(image[None, None])
    model.eval()
    model.dropout.train()
    torch.manual_seed(3)
    with torch.no_grad():
        passes = np.stack([torch.sigmoid(model(batch))[0, 0].double().numpy() for _ in range(5)])
    np.testing.assert_allclose(mean, passes.mean(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(variance, passes.var(0), rtol=1e-4, atol=1e-7)
    assert variance.max() > 1e-6


def test_padding_crops_back_and_the_seed_makes_it_reproducible():
    model = _model()
    image = np.random.default_rng(1).random((19, 23)).astype(np.float32)
    first = mc_dropout(model, image, passes=4, seed=1)
    again = mc_dropout(model, image, passes=4, seed=1)
    other = mc_dropout(model, image, passes=4, seed=2)
    assert first[0].shape == first[1].shape == (19, 23)
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[1], other[1])
    model.eval()
    with torch.no_grad():  # without dropout the same network gives the padded prediction
        padded = np.pad(image, ((0, 1), (0, 1)), mode="symmetric")
        plain = torch.sigmoid(model(torch.from_numpy(padded)[None, None]))[0, 0, :19, :23].numpy()
    assert np.abs(first[0] - plain).mean() < 0.1


def test_bad_input_gets_clear_errors():
    with pytest.raises(ValueError, match="no active dropout"):
        mc_dropout(UNet(1, 1, depth=1, width=4), np.zeros((8, 8)))
    with pytest.raises(ValueError, match="passes"):
        mc_dropout(_model(), np.zeros((8, 8)), passes=1)
    with pytest.raises(ValueError, match="NaN"):
        mc_dropout(_model(), np.full((8, 8), np.nan))
    with pytest.raises(ValueError, match="2D"):
        mc_dropout(_model(), np.zeros((2, 2, 8, 8)))
