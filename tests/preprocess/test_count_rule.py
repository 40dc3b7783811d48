"""The count rule: a fixed lifetime threshold from annotated object counts."""

from __future__ import annotations

import numpy as np
import pytest

from toposeg.preprocess import count_threshold


def test_each_image_keeps_its_count_and_the_median_is_taken():
    rng = np.random.default_rng(1)
    for _ in range(50):
        lifetimes = [rng.random(rng.integers(1, 40)) for _ in range(rng.integers(1, 6))]
        counts = [int(rng.integers(1, len(v) + 1)) for v in lifetimes]
        cuts = []
        for values, count in zip(lifetimes, counts):
            # the single-image rule keeps exactly `count` objects (no ties in random data) ...
            cut = count_threshold([values], [count])
            assert (values > cut).sum() == count
            # ... and lies in the middle of the gap it cuts
            below = np.append(np.sort(values)[::-1], 0.0)[count]
            assert cut == pytest.approx((np.sort(values)[::-1][count - 1] + below) / 2)
            cuts.append(cut)
        assert count_threshold(lifetimes, counts) == pytest.approx(np.median(cuts))


def test_hand_made_cases():
    assert count_threshold([[4.0, 3.0, 2.0, 0.5], [5.0, 1.0]], [3, 1]) == 2.125
    assert count_threshold([[4.0, np.inf, 1.0]], [1]) == 2.5  # essential classes ignored
    assert count_threshold([[4.0, 2.0]], [5]) == 1.0  # more objects than lifetimes: keep all
    assert count_threshold([[4.0, 2.0]], [0]) == 4.0  # none annotated: keep none
    assert count_threshold([[]], [3]) == 0.0
    assert count_threshold([[3.0, 3.0, 1.0]], [1]) == 3.0  # a tie at the cut keeps fewer


@pytest.mark.parametrize(
    ("lifetimes", "counts", "message"),
    [
        ([[1.0]], [1, 2], "one entry per image"),
        ([], [], "at least one image"),
        ([[1.0]], [-1], r"counts\[0\] must be an integer >= 0"),
        ([[1.0]], [1.5], r"counts\[0\] must be an integer >= 0"),
        ([[[1.0]]], [1], r"lifetimes\[0\] must be one-dimensional"),
        ([[np.nan]], [1], r"lifetimes\[0\] must hold values >= 0"),
        ([[-1.0]], [1], r"lifetimes\[0\] must hold values >= 0"),
    ],
)
def test_bad_input(lifetimes, counts, message):
    with pytest.raises(ValueError, match=message):
        count_threshold(lifetimes, counts)
