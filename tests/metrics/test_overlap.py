"""Accuracy, Dice, Jaccard, precision and recall against hand-counted values."""

import math

import numpy as np
import pytest

from toposeg.metrics import accuracy, dice, jaccard, precision_recall

# pred and gt on a 3x4 grid: TP = 3, FP = 2, FN = 1, TN = 6 (counted by hand below).
PRED = np.array([[1, 1, 1, 0], [1, 0, 0, 0], [0, 0, 0, 1]], dtype=bool)
GT = np.array([[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0]], dtype=bool)


def test_hand_counted_values():
    # TP: (0,0) (0,1) (1,0); FP: (0,2) (2,3); FN: (1,1); TN: the other 6 of 12 pixels.
    assert accuracy(PRED, GT) == 9 / 12
    assert dice(PRED, GT) == 2 * 3 / (2 * 3 + 2 + 1)
    assert jaccard(PRED, GT) == 3 / 6
    scores = precision_recall(PRED, GT)
    assert (scores.precision, scores.recall) == (3 / 5, 3 / 4)


def test_jaccard_and_dice_are_related_and_symmetric():
    rng = np.random.default_rng(0)
    for _ in range(20):
        pred, gt = rng.random((2, 9, 7)) < 0.4
        d, j = dice(pred, gt), jaccard(pred, gt)
        assert j == pytest.approx(d / (2 - d))
        assert d == dice(gt, pred)


def test_3d_and_integer_masks():
    pred = np.zeros((3, 4, 5), dtype=np.uint8)
    gt = np.zeros((3, 4, 5), dtype=np.int64)
    pred[1, 1:3, 1:4] = 1  # 6 voxels
    gt[1, 1:3, 2:5] = 1  # 6 voxels, 4 shared
    assert dice(pred, gt) == 2 * 4 / 12
    assert jaccard(pred, gt) == 4 / 8
    assert accuracy(pred, gt) == (60 - 4) / 60


def test_empty_masks_policy():
    empty = np.zeros((4, 4), dtype=bool)
    full = np.ones((4, 4), dtype=bool)
    assert dice(empty, empty) == 1.0 and jaccard(empty, empty) == 1.0
    assert dice(full, empty) == 0.0 and jaccard(empty, full) == 0.0
    assert accuracy(empty, empty) == 1.0
    none_predicted = precision_recall(empty, full)
    assert math.isnan(none_predicted.precision) and none_predicted.recall == 0.0
    no_truth = precision_recall(full, empty)
    assert no_truth.precision == 0.0 and math.isnan(no_truth.recall)


def test_inputs_are_not_modified():
    pred, gt = PRED.astype(np.uint8), GT.copy()
    before = pred.copy(), gt.copy()
    dice(pred, gt)
    precision_recall(pred, gt)
    assert np.array_equal(pred, before[0]) and np.array_equal(gt, before[1])


@pytest.mark.parametrize("function", [accuracy, dice, jaccard, precision_recall])
def test_bad_input_is_rejected(function):
    with pytest.raises(ValueError, match="pred and gt must have the same shape"):
        function(np.zeros((4, 4)), np.zeros((4, 5)))
    with pytest.raises(ValueError, match="gt must be binary"):
        function(np.zeros((4, 4)), np.full((4, 4), 0.5))
    with pytest.raises(ValueError, match="pred must be binary"):
        function(np.full((4, 4), 2), np.zeros((4, 4)))
    with pytest.raises(TypeError, match="pred must be a NumPy array"):
        function([[0, 1]], np.zeros((1, 2)))
    with pytest.raises(ValueError, match="gt must be 2D or 3D"):
        function(np.zeros((2, 2)), np.zeros(4))
