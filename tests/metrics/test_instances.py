"""AP-75 on hand-built instances: matching at IoU 0.75, ranking by scores, empty policy."""

import numpy as np
import pytest

from toposeg.metrics import ap75


def squares(*boxes, shape=(20, 40)):
    labels = np.zeros(shape, dtype=np.int64)
    for k, (r, c, h, w) in enumerate(boxes, start=1):
        labels[r : r + h, c : c + w] = k
    return labels


def test_iou_threshold_decides_true_positives():
    gt = squares((1, 1, 4, 4), (1, 10, 4, 4), (10, 1, 4, 4))
    # instance 1: identical (IoU 1); 2: 4x3 inside 4x4 (IoU 12/16 = 0.75, counts);
    # 3: 4x2 (IoU 0.5, a miss); plus a false positive far away.
    pred = squares((1, 1, 4, 4), (1, 10, 4, 3), (10, 1, 4, 2), (15, 30, 2, 2))
    # Without scores: precision 2/4, recall 2/3, AP = P * R.
    assert ap75(pred, gt, regions="labels") == pytest.approx(2 / 4 * 2 / 3)
    # Binary masks: the components are the same instances here.
    assert ap75(pred > 0, gt > 0) == pytest.approx(2 / 4 * 2 / 3)
    assert ap75(pred, gt, regions="labels", iou_threshold=0.5) == pytest.approx(3 / 4)


def test_scores_rank_the_instances():
    gt = squares((1, 1, 4, 4), (1, 10, 4, 4), (10, 1, 4, 4))
    pred = squares((1, 1, 4, 4), (1, 10, 4, 3), (10, 1, 4, 2), (15, 30, 2, 2))
    # Ranking 1 (TP), 4 (FP), 2 (TP), 3 (FP): PR points (1/1, 1/3), (1/2, 1/3), (2/3, 2/3),
    # (2/4, 2/3). Envelope: 1 up to recall 1/3, then 2/3 up to recall 2/3.
    scores = {1: 0.9, 4: 0.8, 2: 0.7, 3: 0.1}
    assert ap75(pred, gt, regions="labels", scores=scores) == pytest.approx(1 / 3 * 1 + 1 / 3 * 2 / 3)
    # The false positive ranked last: both true positives first, AP = 2/3.
    scores = {1: 0.9, 2: 0.8, 3: 0.2, 4: 0.1}
    assert ap75(pred, gt, regions="labels", scores=scores) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="scores has no confidence for predicted labels"):
        ap75(pred, gt, regions="labels", scores={1: 0.5})
    with pytest.raises(ValueError, match="scores need regions='labels'"):
        ap75(pred > 0, gt > 0, scores=scores)


def test_empty_policy_3d_and_bad_input():
    empty = np.zeros((6, 6, 6), dtype=bool)
    cube = empty.copy()
    cube[1:4, 1:4, 1:4] = True
    assert ap75(empty, empty) == 1.0
    assert ap75(cube, empty) == 0.0 and ap75(empty, cube) == 0.0
    assert ap75(cube, cube) == 1.0
    with pytest.raises(ValueError, match="iou_threshold must lie in"):
        ap75(cube, cube, iou_threshold=0.3)
    with pytest.raises(ValueError, match="pred and gt must have the same shape"):
        ap75(cube, cube[:3])
