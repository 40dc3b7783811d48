"""Patches: crops are true crops, symmetries hit image and mask alike, determinism, options."""

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from toposeg.data import (
    PatchDataset,
    Sample,
    augment_pair,
    get_dataset,
    normalise_image,
)


def coded_sample(shape, seed=0):
    """An image whose values encode the voxel position, and a random mask."""
    image = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    mask = np.random.default_rng(seed).random(shape) < 0.2
    return Sample(image.astype(np.float32), mask)


def symmetries(array, ndim):
    """All the arrays reachable by in-plane 90-degree turns and flips of every axis."""
    out = []
    for turns in range(4):
        turned = np.rot90(array, turns, axes=(-2, -1))
        for flips in range(2**ndim):
            axes = tuple(a for a in range(ndim) if flips >> a & 1)
            out.append(np.flip(turned, axes) if axes else turned)
    return out


@pytest.mark.parametrize("shape, patch", [((20, 24), (8, 8)), ((10, 12, 14), (4, 6, 6))])
def test_patches_are_symmetries_of_crops_with_aligned_masks(shape, patch):
    sample = coded_sample(shape)
    data = PatchDataset([sample], patch_size=patch, patches_per_epoch=40, normalise="none")
    for index in range(len(data)):
        image, mask = (t.numpy()[0] for t in data[index])
        # undo the symmetry: find the crop corner from the smallest code, then compare
        matched = False
        for candidate_image, candidate_mask in zip(
            symmetries(image, len(shape)), symmetries(mask, len(shape)), strict=True
        ):
            if candidate_image.shape != patch:
                continue
            corner = np.unravel_index(int(candidate_image.flat[0]), shape)
            box = tuple(slice(c, c + p) for c, p in zip(corner, patch, strict=True))
            if all(c + p <= s for c, p, s in zip(corner, patch, shape, strict=True)) and np.array_equal(
                candidate_image, sample.image[box]
            ):
                np.testing.assert_array_equal(candidate_mask, sample.mask[box])
                matched = True
                break
        assert matched


def test_all_eight_symmetries_of_the_square_occur():
    image = np.arange(16.0).reshape(4, 4)
    rng = np.random.default_rng(0)
    seen = {augment_pair(image, image > 7, rng)[0].tobytes() for _ in range(200)}
    assert len(seen) == 8


def test_non_square_patches_keep_their_shape():
    data = PatchDataset([coded_sample((20, 30))], patch_size=(6, 10), patches_per_epoch=30)
    assert {tuple(data[i][0].shape) for i in range(30)} == {(1, 6, 10)}


def test_deterministic_by_seed_epoch_and_index():
    samples = [coded_sample((16, 16), seed=s) for s in range(3)]
    a = PatchDataset(samples, patch_size=(8, 8), seed=1, patches_per_epoch=6)
    b = PatchDataset(samples, patch_size=(8, 8), seed=1, patches_per_epoch=6)
    for i in range(6):
        assert all(torch.equal(x, y) for x, y in zip(a[i], b[i], strict=True))
    before = [a[i][0] for i in range(6)]
    a.set_epoch(1)
    assert any(not torch.equal(x, a[i][0]) for i, x in enumerate(before))
    a.set_epoch(0)
    assert all(torch.equal(x, a[i][0]) for i, x in enumerate(before))


def test_same_batches_with_or_without_workers():
    data = PatchDataset(
        get_dataset("vessels", count=3, shape=(48, 48)), patch_size=(32, 32), patches_per_epoch=8
    )
    serial = [b for b in DataLoader(data, batch_size=4)]
    parallel = [b for b in DataLoader(data, batch_size=4, num_workers=2)]
    for (x1, y1), (x2, y2) in zip(serial, parallel, strict=True):
        assert torch.equal(x1, x2) and torch.equal(y1, y2)


def test_foreground_bias_centres_patches_on_foreground():
    mask = np.zeros((64, 64), dtype=bool)
    mask[50, 10] = True
    data = PatchDataset(
        [Sample(np.zeros((64, 64), np.float32), mask)],
        patch_size=(8, 8),
        foreground_bias=1.0,
        patches_per_epoch=20,
    )
    assert all(data[i][1].sum() == 1 for i in range(20))


def test_whole_samples_without_patch_size():
    data = PatchDataset([coded_sample((12, 9))], augment="none", normalise="minmax")
    image, mask = data[0]
    assert tuple(image.shape) == (1, 12, 9) and image.dtype == torch.float32 and mask.dtype == torch.float32
    assert float(image.min()) == 0.0 and float(image.max()) == 1.0


def test_normalisations():
    image = np.array([[0.0, 1.0], [2.0, 5.0]])
    np.testing.assert_allclose(normalise_image(image, "zscore").mean(), 0, atol=1e-6)
    np.testing.assert_allclose(normalise_image(image, "zscore").std(), 1, atol=1e-6)
    ramp = np.arange(1000.0)
    out = normalise_image(ramp, "percentile")
    assert out.min() == 0 and out.max() == 1 and 0 < out[500] < 1
    np.testing.assert_array_equal(normalise_image(np.full((3, 3), 7.0), "minmax"), np.zeros((3, 3)))
    np.testing.assert_array_equal(normalise_image(image, "none"), image.astype(np.float32))


def test_bad_arguments():
    sample = coded_sample((16, 16))
    with pytest.raises(ValueError, match="larger than sample"):
        PatchDataset([sample], patch_size=(32, 8))
    with pytest.raises(ValueError, match="patch_size must be 2"):
        PatchDataset([sample], patch_size=(8, 8, 8))
    with pytest.raises(ValueError, match="foreground_bias"):
        PatchDataset([sample], foreground_bias=2.0)
    with pytest.raises(ValueError, match="augment"):
        PatchDataset([sample], augment="mirror")
    with pytest.raises(ValueError, match="normalise"):
        PatchDataset([sample], normalise="unit")
    with pytest.raises(ValueError, match="empty"):
        PatchDataset([])
    with pytest.raises(ValueError, match="mix 2D and 3D"):
        PatchDataset([sample, coded_sample((4, 4, 4))])
