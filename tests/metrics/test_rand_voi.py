"""Adapted Rand and VOI against scikit-image, with the convention mapping spelled out.

Mapping (toposeg -> scikit-image, ``gt_labels``/``pred_labels`` the label images):
- ``adapted_rand(pred, gt)`` treats prediction label 0 inside the GT foreground as singletons;
  scikit-image treats it as one region, so the oracle gets those pixels relabelled uniquely.
- ``skimage.metrics.adapted_rand_error(gt_labels, pred_labels')`` returns
  ``(1 - f_score, recall, precision)``: its second value divides by GT pairs (issue #6485).
- ``voi(pred, gt)`` == ``variation_of_information(gt_labels, pred_labels, ignore_labels=(0,))``
  == ``[split, merge]`` in bits.
"""

import math

import numpy as np
import pytest
from scipy import ndimage
from skimage.measure import label
from skimage.metrics import adapted_rand_error, variation_of_information

from toposeg.metrics import adapted_rand, contingency_table, region_labels, voi


def zeros_as_singletons(pred_labels, gt_labels):
    relabelled = pred_labels.astype(np.int64).copy()
    zeros = (relabelled == 0) & (gt_labels != 0)
    relabelled[zeros] = relabelled.max() + 1 + np.arange(np.count_nonzero(zeros))
    return relabelled


def assert_matches_skimage(ours_rand, ours_voi, pred_labels, gt_labels):
    are, sk_second, sk_third = adapted_rand_error(gt_labels, zeros_as_singletons(pred_labels, gt_labels))
    assert ours_rand.error == pytest.approx(are, abs=1e-12)
    assert ours_rand.recall == pytest.approx(sk_second, abs=1e-12)
    assert ours_rand.precision == pytest.approx(sk_third, abs=1e-12)
    split, merge = variation_of_information(gt_labels, pred_labels, ignore_labels=(0,))
    assert ours_voi.split == pytest.approx(split, abs=1e-12)
    assert ours_voi.merge == pytest.approx(merge, abs=1e-12)
    assert ours_voi.total == pytest.approx(split + merge, abs=1e-12)


@pytest.mark.parametrize("shape", [(30, 41), (9, 10, 11)])
def test_random_label_images_match_skimage(shape):
    rng = np.random.default_rng(len(shape))
    for trial in range(20):
        gt = rng.integers(0, 2 + trial % 7, size=shape)
        pred = rng.integers(0, 2 + trial % 5, size=shape) * (3 if trial % 2 else 1)
        ours_rand = adapted_rand(pred, gt, regions="labels")
        ours_voi = voi(pred, gt, regions="labels")
        assert_matches_skimage(ours_rand, ours_voi, pred, gt)


@pytest.mark.parametrize("regions", ["foreground", "background"])
@pytest.mark.parametrize("shape", [(48, 40), (14, 12, 13)])
def test_random_masks_match_skimage_on_its_own_labelling(shape, regions):
    rng = np.random.default_rng(5)
    ndim = len(shape)
    for trial in range(8):
        gt = ndimage.gaussian_filter(rng.random(shape), 1.5) > 0.5
        pred = gt ^ (rng.random(shape) < 0.05 * (trial % 3))
        for conn in (1, ndim):
            if regions == "foreground":
                gt_labels, pred_labels = label(gt, connectivity=conn), label(pred, connectivity=conn)
            else:  # the background with the dual connectivity
                dual = 1 if conn == ndim else ndim
                gt_labels, pred_labels = label(~gt, connectivity=dual), label(~pred, connectivity=dual)
            ours_rand = adapted_rand(pred, gt, regions=regions, connectivity=conn)
            ours_voi = voi(pred, gt, regions=regions, connectivity=conn)
            assert_matches_skimage(ours_rand, ours_voi, pred_labels, gt_labels)


def test_hand_cases():
    gt = np.array([[1, 1, 0, 1, 1]], dtype=bool)  # two segments of 2 pixels: 2 + 2 = 4 pairs
    merged = np.ones((1, 5), dtype=bool)  # one segment over the 4 scored pixels: 12 pairs
    score = adapted_rand(merged, gt)
    assert (score.precision, score.recall, score.f_score) == (4 / 12, 1.0, 8 / 16)
    # VOI of the merge: H(pred|gt) = 0, H(gt|pred) = 1 bit (two equal halves).
    assert voi(merged, gt).as_dict() == {"split": 0.0, "merge": 1.0, "total": 1.0}
    # Prediction label 0 inside the GT foreground: singletons for ARI, one region for VOI.
    line = np.ones((1, 4), dtype=bool)
    cut = np.array([[1, 1, 0, 1]], dtype=bool)
    score = adapted_rand(cut, line)  # pairs together in both: {0,1}: 2 ordered pairs
    assert (score.precision, score.recall) == (2 / 2, 2 / 12)
    assert voi(cut, line).split == pytest.approx(1.5)  # parts of sizes 2, 1, 1 of 4


def test_identical_partitions_are_perfect():
    rng = np.random.default_rng(2)
    gt = ndimage.gaussian_filter(rng.random((40, 40)), 2) > 0.5
    assert adapted_rand(gt, gt).as_dict() == {"f_score": 1.0, "precision": 1.0, "recall": 1.0}
    assert voi(gt, gt).as_dict() == {"split": 0.0, "merge": 0.0, "total": 0.0}


def test_empty_ground_truth_is_undefined():
    empty = np.zeros((5, 5), dtype=bool)
    full = np.ones((5, 5), dtype=bool)
    for pred in (empty, full):
        assert all(math.isnan(v) for v in adapted_rand(pred, empty).as_dict().values())
        assert all(math.isnan(v) for v in voi(pred, empty).as_dict().values())
    # GT pairs exist but the prediction puts no two pixels together: precision undefined, F = 0.
    score = adapted_rand(empty, full)
    assert math.isnan(score.precision) and score.recall == 0.0 and score.f_score == 0.0


def test_shared_table_gives_the_same_result_and_is_checked():
    rng = np.random.default_rng(3)
    gt = rng.random((30, 30)) < 0.6
    pred = rng.random((30, 30)) < 0.6
    table = contingency_table(pred, gt, regions="background", connectivity=2)
    assert adapted_rand(pred, gt, regions="background", connectivity=2, table=table) == adapted_rand(
        pred, gt, regions="background", connectivity=2
    )
    assert voi(pred, gt, regions="background", connectivity=2, table=table) == voi(
        pred, gt, regions="background", connectivity=2
    )
    with pytest.raises(ValueError, match="table was built with regions='background'"):
        adapted_rand(pred, gt, table=table)
    with pytest.raises(TypeError, match="table must be a ContingencyTable"):
        voi(pred, gt, table={"counts": []})


def test_region_labels():
    labels = np.array([[0, 7, 7], [-3, 0, 100]])
    assert region_labels(labels, "x", regions="labels").tolist() == [[0, 2, 2], [1, 0, 3]]
    big = np.array([[0, 10**12], [5, 5]])
    assert region_labels(big, "x", regions="labels").tolist() == [[0, 2], [1, 1]]
    with pytest.raises(TypeError, match="x must be an integer label image"):
        region_labels(np.zeros((2, 2)), "x", regions="labels")
    with pytest.raises(ValueError, match="regions must be"):
        region_labels(np.zeros((2, 2), dtype=bool), "x", regions="cells")
    with pytest.raises(ValueError, match="gt must be binary"):
        adapted_rand(np.zeros((2, 2)), np.full((2, 2), 3))
