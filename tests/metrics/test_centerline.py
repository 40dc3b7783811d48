"""clDice and CCQ against values worked out by hand on thin lines (their own skeletons)."""

import math

import numpy as np
import pytest
from skimage.morphology import skeletonize

from toposeg.metrics import ccq, cldice


def line(shape, row, cols):
    mask = np.zeros(shape, dtype=bool)
    mask[row, cols[0] : cols[1]] = True
    return mask


def test_cldice_of_a_broken_line():
    gt = line((5, 30), 2, (2, 22))  # 20 pixels
    pred = gt.copy()
    pred[2, 10:14] = False  # 16 pixels left
    assert np.array_equal(skeletonize(gt), gt) and np.array_equal(skeletonize(pred), pred)
    # Tprec = |S_P & G| / |S_P| = 16/16, Tsens = |S_G & P| / |S_G| = 16/20.
    assert cldice(pred, gt) == pytest.approx(2 * 1 * 0.8 / 1.8)


def test_cldice_of_a_thick_prediction_around_a_thin_truth():
    gt = line((9, 30), 4, (2, 28))  # 26 pixels, its own skeleton
    pred = np.zeros_like(gt)
    pred[3:6, 0:30] = True  # a 3-pixel-wide bar containing the truth
    skeleton = skeletonize(pred)
    # Tsens = 1 (the truth lies inside the bar); Tprec = skeleton pixels inside the truth.
    precision = np.count_nonzero(skeleton & gt) / np.count_nonzero(skeleton)
    assert 0 < precision < 1
    assert cldice(pred, gt) == pytest.approx(2 * precision / (precision + 1))


def test_cldice_policies_and_3d():
    gt = line((5, 30), 2, (2, 22))
    assert cldice(gt, gt) == 1.0
    empty = np.zeros_like(gt)
    assert cldice(empty, empty) == 1.0
    assert cldice(empty, gt) == 0.0 and cldice(gt, empty) == 0.0
    disjoint = line((5, 30), 0, (2, 22))
    assert cldice(disjoint, gt) == 0.0
    volume = np.zeros((7, 7, 20), dtype=bool)
    volume[3, 3, 2:18] = True  # 16 voxels
    cut = volume.copy()
    cut[3, 3, 8:12] = False  # 12 voxels
    assert cldice(cut, volume) == pytest.approx(2 * 1 * 0.75 / 1.75)


def test_precomputed_skeletons_are_used_and_checked():
    gt = line((5, 30), 2, (2, 22))
    pred = gt.copy()
    pred[2, 10:14] = False
    half = np.zeros_like(gt)
    half[2, 2:14] = True  # a given "skeleton" of gt: 12 pixels, 8 inside pred (columns 2..9)
    assert cldice(pred, gt, gt_skeleton=half) == pytest.approx(2 * (8 / 12) / (1 + 8 / 12))
    with pytest.raises(ValueError, match="gt_skeleton and gt must have the same shape"):
        cldice(pred, gt, gt_skeleton=half[:3])


def test_ccq_of_shifted_lines():
    gt = line((20, 40), 5, (0, 30))  # 30 pixels, columns 0..29
    pred = line((20, 40), 8, (5, 40))  # 35 pixels, 3 rows down, columns 5..39
    # Predicted pixel (8, c) is within 5 of the truth iff c <= 33 (distance sqrt(9 + (c-29)^2)):
    # 29 matched. True pixel (5, c) is within 5 of the prediction iff c >= 1: 29 matched.
    score = ccq(pred, gt, tolerance=5)
    assert score.correctness == 29 / 35
    assert score.completeness == 29 / 30
    assert score.quality == 29 / (35 + 30 - 29)
    # Shifted by more than the tolerance: nothing matches.
    assert ccq(line((20, 40), 11, (0, 30)), gt, tolerance=5).as_dict() == {
        "correctness": 0.0, "completeness": 0.0, "quality": 0.0
    }
    # Distance exactly equal to the tolerance counts as matched.
    assert ccq(line((20, 40), 10, (0, 30)), gt, tolerance=5).quality == 1.0
    assert ccq(line((20, 40), 10, (0, 30)), gt, tolerance=4.999).quality == 0.0


def test_ccq_of_a_shifted_diagonal_and_a_3d_line():
    gt = np.eye(20, dtype=bool)  # 20 pixels on the diagonal
    pred = np.roll(gt, 2, axis=1)
    pred[:, :2] = False  # 18 pixels (r, r + 2)
    # Pixel (r, r+2) is at distance sqrt(2) from (r+1, r+1): all 18 matched with tolerance 1.5.
    # True pixel (r, r) is within 1.5 of some (s, s+2) iff s = r-1 exists: r >= 1; and r <= 18.
    score = ccq(pred, gt, tolerance=1.5)
    assert (score.correctness, score.completeness) == (1.0, 18 / 20)
    assert score.quality == 18 / (18 + 20 - 18)
    volume = np.zeros((6, 6, 30), dtype=bool)
    volume[1, 1, 0:20] = True
    moved = np.zeros_like(volume)
    moved[4, 4, 0:20] = True  # shifted by sqrt(18) = 4.24
    assert ccq(moved, volume, tolerance=4.3).quality == 1.0
    assert ccq(moved, volume, tolerance=4.2).quality == 0.0


def test_ccq_empty_policy():
    gt = line((5, 30), 2, (2, 22))
    empty = np.zeros_like(gt)
    nothing_predicted = ccq(empty, gt)
    assert math.isnan(nothing_predicted.correctness)
    assert (nothing_predicted.completeness, nothing_predicted.quality) == (0.0, 0.0)
    no_truth = ccq(gt, empty)
    assert math.isnan(no_truth.completeness) and no_truth.quality == 0.0
    assert ccq(empty, empty).quality == 1.0
    with pytest.raises(ValueError, match="tolerance must be >= 0"):
        ccq(gt, gt, tolerance=-1)
    with pytest.raises(TypeError, match="tolerance must be a finite number"):
        ccq(gt, gt, tolerance=float("nan"))
