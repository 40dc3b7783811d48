"""Membranes (2D) and sheets (3D): exact membrane masks, cells separated, determinism."""

import itertools

import numpy as np
import pytest
from scipy import ndimage

from toposeg.data import cell_sheets_3d, membranes_2d, membranes_from_labels
from toposeg.data._cells import membrane_mask, power_diagram_labels


def brute_force_membrane(labels):
    """A voxel is membrane iff a voxel of its 8/26-neighbourhood has a larger label."""
    out = np.zeros(labels.shape, dtype=bool)
    for index in itertools.product(*[range(s) for s in labels.shape]):
        for offset in itertools.product((-1, 0, 1), repeat=labels.ndim):
            other = tuple(i + o for i, o in zip(index, offset, strict=True))
            if (
                all(0 <= o < s for o, s in zip(other, labels.shape, strict=True))
                and labels[other] > labels[index]
            ):
                out[index] = True
    return out


def assert_cells_separated(labels, mask):
    """Every 8/26-connected component of the non-membrane voxels lies in one cell."""
    components, count = ndimage.label(~mask, np.ones((3,) * mask.ndim))
    for component in range(1, count + 1):
        assert len(np.unique(labels[components == component])) == 1


@pytest.mark.parametrize("shape", [(9, 11), (5, 6, 7)])
def test_membrane_mask_matches_brute_force(shape):
    rng = np.random.default_rng(len(shape))
    for _ in range(5):
        labels = rng.integers(0, 4, shape)
        np.testing.assert_array_equal(membrane_mask(labels), brute_force_membrane(labels))


def test_power_diagram_matches_argmin():
    rng = np.random.default_rng(0)
    sites, weights = rng.uniform(0, 20, (12, 2)), rng.uniform(0, 30, 12)
    points = rng.uniform(0, 20, (500, 2))
    power = ((points[:, None, :] - sites[None]) ** 2).sum(-1) - weights[None]
    np.testing.assert_array_equal(power_diagram_labels(points, sites, weights), power.argmin(1) + 1)


@pytest.mark.parametrize("seed", range(3))
def test_membranes_2d_separate_cells(seed):
    from toposeg.data import _cells

    rng = np.random.default_rng(seed)
    labels = _cells.cell_labels(rng, (96, 96), 20.0, 0.2)  # the generator's own first draws
    sample = membranes_2d((96, 96), seed=seed)
    assert sample.mask.mean() < 0.35
    assert_cells_separated(labels, sample.mask)
    # the exact one-voxel membranes are inside the mask (the rest widens them)
    assert np.all(sample.mask[membrane_mask(labels)])
    # membranes are dark: image and mask aligned
    assert sample.image[sample.mask].mean() < sample.image[~sample.mask].mean() - 0.1


def test_sheets_3d_separate_cells():
    from toposeg.data import _cells

    labels = _cells.cell_labels(np.random.default_rng(1), (24, 24, 24), 16.0, 0.2)
    sample = cell_sheets_3d((24, 24, 24), seed=1)
    assert_cells_separated(labels, sample.mask)
    assert np.all(sample.mask[membrane_mask(labels)])


@pytest.mark.parametrize("generator, shape", [(membranes_2d, (48, 64)), (cell_sheets_3d, (20, 24, 28))])
def test_deterministic_by_seed(generator, shape):
    a, b, c = generator(shape, seed=3), generator(shape, seed=3), generator(shape, seed=4)
    np.testing.assert_array_equal(a.image, b.image)
    np.testing.assert_array_equal(a.mask, b.mask)
    assert not np.array_equal(a.mask, c.mask)
    assert a.image.dtype == np.float32 and a.image.shape == shape
    assert 0.0 <= a.image.min() and a.image.max() <= 1.0


def test_membranes_from_labels_by_hand():
    labels = np.zeros((6, 6), dtype=int)
    labels[:, 3:] = 1
    labels[4:, :] = 2
    mask = membranes_from_labels(labels, max_extra_width=0).mask
    expected = np.zeros((6, 6), dtype=bool)
    expected[:4, 2] = True  # label 0 beside label 1 (column 3) or 2 (below)
    expected[3, :] = True  # labels 0 and 1 above label 2
    expected[4, 2] = False
    np.testing.assert_array_equal(mask, brute_force_membrane(labels))
    np.testing.assert_array_equal(mask, expected)


def test_membranes_from_labels_checks_input():
    with pytest.raises(ValueError, match="integers"):
        membranes_from_labels(np.zeros((8, 8)))
    with pytest.raises(ValueError, match="2D or 3D"):
        membranes_from_labels(np.zeros(8, dtype=int))
