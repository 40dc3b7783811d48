import numpy as np
import pytest
import torch

from toposeg.trojan import BagDetector, cross_validate, fit_detector, mad_anomaly_index


def _bags(n=48, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    bags = rng.normal(size=(n, 6, 4))
    bags[y == 1, :2, 0] += 3.0  # Trojaned: two of six triggers stand out in one feature
    return bags, y


def test_detector_learns_a_separable_bag_and_fails_on_shuffled_labels():
    bags, y = _bags()
    cv = cross_validate(bags, y, folds=4, seeds=(0,), epochs=100)
    assert cv.auc.shape == (4,) and cv.probabilities.shape == (1, 48)
    assert cv.auc.mean() > 0.9 and cv.accuracy.mean() > 0.8
    control = cross_validate(bags, y, folds=4, seeds=(0, 1), epochs=100, shuffle_labels=True)
    assert abs(control.auc.mean() - 0.5) < 0.2


def test_detector_mean_pools_over_triggers():
    net = fit_detector(*_bags(), epochs=5)
    bags = torch.randn(3, 5, 4)
    permuted = bags[:, torch.randperm(5)]
    assert torch.allclose(net(bags), net(permuted), atol=1e-6)
    assert isinstance(net, BagDetector)


def test_mad_anomaly_index_by_hand():
    # median 10, absolute deviations 0 1 1 0 2 8 -> MAD 1 -> (10 - 2) / 1.4826
    assert mad_anomaly_index(np.array([10.0, 11, 9, 10, 12, 2])) == pytest.approx(8 / 1.4826)
    assert mad_anomaly_index(np.array([5.0, 5, 5, 5])) == 0.0
    with pytest.raises(ValueError, match="at least 3"):
        mad_anomaly_index(np.array([1.0, 2.0]))


def test_bad_input():
    bags, y = _bags()
    with pytest.raises(ValueError, match=r"bags must be a non-empty \(N, T, F\)"):
        cross_validate(bags[:, 0], y)
    with pytest.raises(ValueError, match="labels must be N=48"):
        cross_validate(bags, y[:-1])
    with pytest.raises(ValueError, match="folds"):
        cross_validate(bags, y, folds=1)
    with pytest.raises(ValueError, match="at least folds=30"):
        cross_validate(bags, y, folds=30)


def test_the_shuffled_labels_control_over_many_permutations():
    """On bags that separate the classes, 10 permutations of the labels give AUCs around 0.5,
    each worse than the detector's, so its permutation p-value is the smallest possible, 1/11."""
    from toposeg.trojan.architectures import ARCHITECTURES
    from toposeg.trojan.features import FEATURE_NAMES
    from toposeg.trojan.hunt import HuntRecord
    from toposeg.trojan.report import detection_rows

    rng = np.random.default_rng(0)
    records = []
    for i in range(48):
        features = rng.normal(size=(30, len(FEATURE_NAMES)))
        features[:10, 0] += 3.0 * (i % 2)
        records.append(HuntRecord(i, bool(i % 2), ARCHITECTURES[i % len(ARCHITECTURES)], features,
                                  np.zeros((30, 4, 4)), float("nan"), float("nan"), 0.0, 0.0))
    rows = dict(detection_rows(records, folds=4, seeds=(0,), permutations=10))
    control = rows["  control: shuffled labels, 10 permutations"]
    mean = float(control.split()[1])
    assert abs(mean - 0.5) < 0.1
    assert control.endswith("permutation p = 0.0909")
    assert rows["bag-of-features detector"].auc.mean() > 0.9
