"""Warping error: hand-worked topological errors, the plain algorithm, and bounds."""

import numpy as np
import pytest
from scipy import ndimage

from tests.reference.digital import warp_reference
from toposeg.metrics import warping_error, warping_error_map


def _line(shape=(5, 12)):
    gt = np.zeros(shape, dtype=bool)
    gt[2, 1:-1] = True
    return gt


def test_boundary_errors_are_not_topological():
    gt = np.zeros((12, 12), dtype=bool)
    gt[3:9, 3:9] = True
    pred = np.zeros_like(gt)
    pred[2:10, 4:11] = True  # shifted and resized square: same topology
    assert (pred != gt).sum() > 20
    assert warping_error(pred, gt) == 0.0


def test_break_merge_extra_and_missing_components():
    gt = _line()
    broken = gt.copy()
    broken[2, 5] = False
    assert np.argwhere(warping_error_map(broken, gt)).tolist() == [[2, 5]]
    extra = gt.copy()
    extra[0, 3:6] = True  # three pixels apart from the line: an extra component
    # the ground truth cannot create a component: all of the extra one stays an error
    np.testing.assert_array_equal(warping_error_map(extra, gt), extra & ~gt)
    two = gt.copy()
    two[2, 5] = False
    # the prediction has 1 component, the ground truth 2: one pixel of the gap is an error
    assert warping_error_map(gt, two).sum() == 1
    # a missing component: the ground truth shrinks to a single pixel that stays
    empty = np.zeros_like(gt)
    assert warping_error_map(empty, gt).sum() == 1
    assert warping_error(empty, gt) == pytest.approx(1 / gt.size)


def test_hole_and_cavity():
    gt = np.zeros((7, 7), dtype=bool)
    gt[1:6, 1:6] = True
    gt[3, 3] = False
    filled = gt.copy()
    filled[3, 3] = True
    assert np.argwhere(warping_error_map(filled, gt)).tolist() == [[3, 3]]
    shell = np.zeros((5, 5, 5), dtype=bool)
    shell[1:4, 1:4, 1:4] = True
    shell[2, 2, 2] = False
    solid = shell.copy()
    solid[2, 2, 2] = True
    assert np.argwhere(warping_error_map(solid, shell)).tolist() == [[2, 2, 2]]
    assert warping_error(shell, shell) == 0.0


def test_empty_ground_truth_counts_all_predicted_foreground():
    pred = np.zeros((6, 6), dtype=bool)
    pred[1:3, 1:4] = True
    np.testing.assert_array_equal(warping_error_map(pred, np.zeros_like(pred)), pred)


@pytest.mark.parametrize("max_passes", [1, None])
@pytest.mark.parametrize("connectivity", [1, 2])
def test_matches_plain_algorithm_and_bounds(connectivity, max_passes):
    rng = np.random.default_rng(connectivity)
    for seed in range(6):
        gt = ndimage.gaussian_filter(rng.standard_normal((16, 17)), 1.3) > 0.2
        pred = ndimage.gaussian_filter(rng.standard_normal((16, 17)), 1.3) > 0.2
        expected = pred != warp_reference(gt, pred, connectivity, max_passes)
        actual = warping_error_map(pred, gt, connectivity=connectivity, max_passes=max_passes)
        np.testing.assert_array_equal(actual, expected)
        error = warping_error(pred, gt, connectivity=connectivity, max_passes=max_passes)
        assert error == pytest.approx(expected.mean())
        assert 0.0 <= error <= (pred != gt).mean()


def test_until_stable_never_worse_than_one_pass_on_smooth_masks():
    rng = np.random.default_rng(0)
    for _ in range(5):
        gt = ndimage.gaussian_filter(rng.standard_normal((32, 32)), 1.5) > 0
        pred = ndimage.gaussian_filter(rng.standard_normal((32, 32)), 1.5) > 0
        assert warping_error(pred, gt) <= warping_error(pred, gt, max_passes=1)


@pytest.mark.parametrize(
    ("pred", "gt", "message"),
    [
        (np.full((3, 3), 0.5), np.zeros((3, 3)), "pred must be binary"),
        (np.zeros((3, 3)), np.full((3, 3), 2), "gt must be binary"),
        (np.zeros((3, 3)), np.full((3, 3), np.nan), "gt contains NaN"),
        (np.zeros((3, 3)), np.zeros((3, 4)), "pred and gt must have the same shape"),
    ],
)
def test_bad_input(pred, gt, message):
    with pytest.raises(ValueError, match=message):
        warping_error(pred, gt)
