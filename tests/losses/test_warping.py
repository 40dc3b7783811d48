"""Warping loss: critical mask from the core, gradient support, values, shapes, bad input."""

import numpy as np
import pytest
import torch
from scipy import ndimage

from tests.reference.digital import warp_reference
from toposeg.digital import critical_mask
from toposeg.losses import WarpingLoss, warping_loss


def _sample(shape, seed, dtype=torch.float64):
    """Probabilities kept away from 0.5 (so small perturbations never change the binary
    prediction) and a binary target, both smooth like real masks."""
    rng = np.random.default_rng(seed)
    field = ndimage.gaussian_filter(rng.standard_normal(shape), [0, 0] + [1.2] * (len(shape) - 2))
    noise = ndimage.gaussian_filter(rng.standard_normal(shape), [0, 0] + [1.2] * (len(shape) - 2))
    prob = 1 / (1 + np.exp(-6 * (field + 0.4 * noise)))
    prob = np.where(np.abs(prob - 0.5) < 0.05, prob + np.sign(prob - 0.5 + 1e-9) * 0.05, prob)
    target = (field > 0).astype(np.float64)
    return torch.tensor(prob, dtype=dtype, requires_grad=True), torch.tensor(target, dtype=dtype)


def _expected_mask(prob, target, connectivity=1, reference=False):
    pred = (prob.detach() > 0.5).numpy()
    gt = target.numpy() > 0.5
    out = np.zeros(pred.shape, dtype=bool)
    for b in range(pred.shape[0]):
        for c in range(pred.shape[1]):
            if reference:
                out[b, c] = (pred[b, c] != warp_reference(gt[b, c], pred[b, c], connectivity)) | (
                    gt[b, c] != warp_reference(pred[b, c], gt[b, c], connectivity)
                )
            else:
                out[b, c] = critical_mask(pred[b, c], gt[b, c], connectivity=connectivity)
    return out


@pytest.mark.parametrize("pixel_loss", ["ce", "mse", "dice"])
@pytest.mark.parametrize("shape", [(2, 1, 18, 20), (1, 2, 6, 9, 8)])
def test_gradient_flows_only_through_the_critical_mask(shape, pixel_loss):
    prob, target = _sample(shape, seed=len(shape))
    connectivity = 1
    mask = _expected_mask(prob, target, connectivity, reference=len(shape) == 4)
    assert mask.any() and not mask.all()
    warping_loss(prob, target, pixel_loss=pixel_loss, connectivity=connectivity).backward()
    nonzero = (prob.grad != 0).numpy()
    assert not (nonzero & ~mask).any()
    if pixel_loss != "dice":
        np.testing.assert_array_equal(nonzero, mask)
    else:
        assert nonzero.any()


def test_values_by_hand():
    prob, target = _sample((2, 1, 16, 16), seed=3)
    mask = torch.from_numpy(_expected_mask(prob, target))
    p, g = prob.detach(), target
    bce = -(g * torch.log(p) + (1 - g) * torch.log(1 - p))
    per_sample = (bce * mask).sum(dim=(1, 2, 3)) / 256
    assert torch.allclose(warping_loss(prob, target, reduction="none")[:, 0], per_sample)
    assert torch.allclose(warping_loss(prob, target), per_sample.mean())
    assert torch.allclose(warping_loss(prob, target, reduction="sum"), per_sample.sum())
    mse = (((p - g) ** 2) * mask).sum(dim=(1, 2, 3)) / 256
    assert torch.allclose(warping_loss(prob, target, pixel_loss="mse", reduction="none")[:, 0], mse)
    inter, total = (p * g * mask).sum(dim=(1, 2, 3)), ((p + g) * mask).sum(dim=(1, 2, 3))
    dice = 1 - (2 * inter + 1e-5) / (total + 1e-5)
    assert torch.allclose(warping_loss(prob, target, pixel_loss="dice", reduction="none")[:, 0], dice)


def test_combined_form_dice_plus_lambda_warp():
    prob, target = _sample((2, 1, 16, 16), seed=4)
    p, g = prob.detach(), target
    soft_dice = 1 - (2 * (p * g).sum(dim=(1, 2, 3)) + 1e-5) / ((p + g).sum(dim=(1, 2, 3)) + 1e-5)
    warp = warping_loss(prob, target, reduction="none")[:, 0]
    total = warping_loss(prob, target, dice_weight=1.0, warp_weight=0.25, reduction="none")[:, 0]
    assert torch.allclose(total, soft_dice + 0.25 * warp)


def test_gradcheck_float64():
    prob, target = _sample((1, 2, 7, 8), seed=6)
    assert _expected_mask(prob, target).any(axis=(2, 3)).all()  # critical pixels in each channel
    for pixel_loss in ("ce", "mse", "dice"):
        assert torch.autograd.gradcheck(
            lambda x, kind=pixel_loss: warping_loss(x, target, pixel_loss=kind, dice_weight=0.5),
            (prob,),
            eps=1e-6,
            atol=1e-5,
        )


def test_multiclass_is_one_vs_rest():
    rng = np.random.default_rng(6)
    logits = torch.tensor(ndimage.gaussian_filter(rng.standard_normal((2, 3, 14, 15)), [0, 0, 1.5, 1.5]) * 6)
    prob = torch.softmax(logits, dim=1)
    labels = torch.tensor(rng.integers(0, 3, size=(2, 14, 15)))
    labels = torch.tensor(ndimage.median_filter(labels.numpy(), size=(1, 3, 3)))
    per_channel = warping_loss(prob, labels, reduction="none")
    assert per_channel.shape == (2, 3)
    one_hot = torch.nn.functional.one_hot(labels, 3).movedim(-1, 1).double()
    for c in range(3):
        alone = warping_loss(prob[:, c : c + 1], one_hot[:, c : c + 1], reduction="none")[:, 0]
        assert torch.allclose(per_channel[:, c], alone)
    assert torch.allclose(warping_loss(prob, one_hot, reduction="none"), per_channel)


def test_binary_labels_and_module_match_function():
    prob, target = _sample((2, 1, 12, 12), seed=8)
    labels = target[:, 0].long()
    assert torch.allclose(warping_loss(prob, labels), warping_loss(prob, target))
    module = WarpingLoss(connectivity=2, pixel_loss="mse", warp_weight=2.0, dice_weight=0.5, max_passes=None)
    expected = warping_loss(
        prob, target, connectivity=2, pixel_loss="mse", warp_weight=2.0, dice_weight=0.5, max_passes=None
    )
    assert torch.allclose(module(prob, target), expected)


def test_no_critical_pixels_gives_zero_loss_and_gradient():
    target = torch.zeros(1, 1, 8, 8)
    target[0, 0, 2:6, 2:6] = 1
    prob = (0.2 + 0.6 * target).requires_grad_(True)
    loss = warping_loss(prob, target)
    loss.backward()
    assert loss.item() == 0.0 and (prob.grad == 0).all()


def test_float32_and_3d_shapes():
    prob, target = _sample((1, 1, 5, 8, 8), seed=9, dtype=torch.float32)
    loss = warping_loss(prob, target, connectivity=3, reduction="none")
    assert loss.shape == (1, 1) and loss.dtype == torch.float32
    loss.sum().backward()
    assert prob.grad.shape == prob.shape


@pytest.mark.parametrize(
    ("prob", "target", "kwargs", "error", "message"),
    [
        (
            torch.full((1, 1, 4, 4), float("nan")),
            torch.zeros(1, 1, 4, 4),
            {},
            ValueError,
            "prob contains NaN",
        ),
        (
            torch.full((1, 1, 4, 4), 2.0),
            torch.zeros(1, 1, 4, 4),
            {},
            ValueError,
            r"prob must hold probabilities in \[0, 1\]",
        ),
        (
            torch.rand(1, 1, 4, 4),
            torch.zeros(1, 1, 4, 5),
            {},
            ValueError,
            "target must have the prediction's shape",
        ),
        (torch.rand(1, 1, 4, 4), torch.full((1, 1, 4, 4), 0.3), {}, ValueError, "target must be binary"),
        (
            torch.rand(1, 1, 4, 4),
            torch.zeros(1, 1, 4, 4),
            {"pixel_loss": "bce"},
            ValueError,
            "pixel_loss must be",
        ),
        (
            torch.rand(1, 1, 4, 4),
            torch.zeros(1, 1, 4, 4),
            {"warp_weight": -1.0},
            ValueError,
            "warp_weight must be",
        ),
        (
            torch.rand(1, 1, 4, 4),
            torch.zeros(1, 1, 4, 4),
            {"dice_weight": float("inf")},
            ValueError,
            "dice_weight must be",
        ),
        (
            torch.rand(1, 1, 4, 4),
            torch.zeros(1, 1, 4, 4),
            {"connectivity": 3},
            ValueError,
            "connectivity must be 1",
        ),
        (
            torch.rand(1, 1, 4, 4),
            torch.zeros(1, 1, 4, 4),
            {"reduction": "max"},
            ValueError,
            "reduction must be",
        ),
        (torch.rand(1, 4, 4), torch.zeros(1, 4, 4), {}, ValueError, "prob must have shape"),
    ],
)
def test_bad_input(prob, target, kwargs, error, message):
    with pytest.raises(error, match=message):
        warping_loss(prob, target, **kwargs)


def test_channels_last_prediction_gives_the_same_loss_and_gradient():
    prob, target = _sample((2, 2, 12, 13), seed=10)
    strided = prob.detach().permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2).requires_grad_(True)
    assert not strided.is_contiguous()
    warping_loss(prob, target).backward()
    warping_loss(strided, target).backward()
    assert torch.allclose(prob.grad, strided.grad)
