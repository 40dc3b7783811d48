"""Metrics inside a region (DRIVE's field of view, an ignore mask), and read-only inputs (issue fix 1)."""

import numpy as np

from toposeg.metrics import MetricAccumulator
from toposeg.persistence import betti_numbers


def test_region_scores_equal_hand_computed_ones():
    rng = np.random.default_rng(0)
    gt = rng.random((40, 40)) < 0.3
    pred = gt ^ (rng.random((40, 40)) < 0.1)
    region = np.zeros((40, 40), bool)
    region[5:35, 8:30] = True
    row = MetricAccumulator(["accuracy", "dice", "betti_error_global"]).update(pred, gt, region=region)
    p, g = pred[region], gt[region]
    assert row["accuracy"] == np.mean(p == g)
    assert row["dice"] == 2 * np.sum(p & g) / (p.sum() + g.sum())
    inside_pred, inside_gt = pred & region, gt & region  # outside: background in both
    expected = [abs(x - y) for x, y in zip(betti_numbers(inside_pred), betti_numbers(inside_gt), strict=True)]
    assert [row["betti_error_global_0"], row["betti_error_global_1"]] == expected


def test_errors_outside_the_region_do_not_count():
    gt = np.zeros((30, 30), bool)
    gt[10:20, 5:25] = True
    pred = gt.copy()
    pred[0:3, :] = True  # a false structure outside the region
    region = np.zeros((30, 30), bool)
    region[5:28, :] = True
    row = MetricAccumulator("default").update(pred, gt, region=region)
    assert row["dice"] == 1.0 and row["accuracy"] == 1.0 and row["betti_error_global_0"] == 0.0
    assert row["warping_error"] == 0.0


def test_read_only_masks_are_scored_by_the_default_metrics():
    # scikit-image 0.26's skeletonize refuses read-only arrays (clDice, CCQ): a sample's mask is read-only
    gt = np.zeros((32, 32), bool)
    gt[8:24, 14:18] = True
    pred = gt.copy()
    gt.flags.writeable = False
    pred.flags.writeable = False
    row = MetricAccumulator("default").update(pred, gt)
    assert row["cldice"] == 1.0 and row["ccq_quality"] == 1.0
