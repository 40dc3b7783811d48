"""Betti matching error: hand-worked masks, the registry, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from toposeg.metrics import METRICS, betti_error, betti_matching_error
from toposeg.metrics.registry import evaluate_pair, select_metrics


def ring(shape=(9, 18), at=1):
    mask = np.zeros(shape, dtype=bool)
    mask[1:8, at : at + 7] = True
    mask[3:6, at + 2 : at + 5] = False
    return mask


def test_equal_masks_have_no_error():
    gt = ring()
    assert betti_matching_error(gt, gt).per_dimension == (0, 0)
    volume = np.zeros((6, 7, 8), dtype=bool)
    volume[1:5, 1:6, 1:7] = True
    volume[2:4, 3, 3:5] = False
    assert betti_matching_error(volume, volume, connectivity=3).per_dimension == (0, 0, 0)


def test_a_hole_in_the_wrong_place_counts_twice():
    gt = ring()
    elsewhere = ring(at=10)
    assert betti_error(elsewhere, gt, protocol="global").per_dimension == (0.0, 0.0)
    error = betti_matching_error(elsewhere, gt)
    assert error.per_dimension == (0, 2) and error.total == 2
    assert betti_matching_error(ring(at=2), gt).per_dimension == (0, 0)  # overlapping holes


def test_missing_and_spurious_components():
    gt = np.zeros((10, 10), dtype=bool)
    gt[1:3, 1:3] = gt[6:8, 6:8] = True
    pred = gt.copy()
    pred[6:8, 6:8] = False  # one component missed
    pred[1:3, 7:9] = True  # one spurious component
    # the essential component is left out; the other component of each mask is unmatched
    assert betti_matching_error(pred, gt).per_dimension == (2, 0)
    assert betti_matching_error(np.zeros_like(gt), gt).per_dimension == (1, 0)
    assert betti_matching_error(np.zeros_like(gt), np.zeros_like(gt)).per_dimension == (0, 0)


def test_connectivity_decides_what_touches():
    gt = np.zeros((6, 6), dtype=bool)
    gt[1:3, 1:3] = gt[3:5, 3:5] = True  # two squares touching at a corner
    pred = gt.copy()
    pred[3:5, 3:5] = False
    assert betti_matching_error(pred, gt, connectivity=1).per_dimension == (1, 0)
    assert betti_matching_error(pred, gt, connectivity=2).per_dimension == (0, 0)


def test_registered_for_evaluate():
    gt = ring()
    row = evaluate_pair(ring(at=10), gt, select_metrics(["betti_matching_error"], METRICS))
    assert row == {"betti_matching_error_0": 0.0, "betti_matching_error_1": 2.0}
    assert "betti_matching_error" not in [m.name for m in select_metrics("default", METRICS)]


def test_bad_input():
    with pytest.raises(ValueError, match="binary"):
        betti_matching_error(np.full((4, 4), 0.5), np.zeros((4, 4)))
    with pytest.raises(ValueError, match="shape"):
        betti_matching_error(np.zeros((4, 4)), np.zeros((4, 5)))
