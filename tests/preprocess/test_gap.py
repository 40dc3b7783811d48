"""The lifetime-gap rule on hand-made diagrams."""

from __future__ import annotations

import numpy as np
import pytest

from toposeg.preprocess import LifetimeGap, lifetime_gap_threshold


@pytest.mark.parametrize(
    ("lifetimes", "expected"),
    [
        # three long lifetimes, two short ones: cut between 0.75 and 0.25
        ([1.0, 0.25, 0.75, 0.125, 0.875], LifetimeGap(0.5, 3, 0.5)),
        # one pair: the gap to the diagonal
        ([0.5], LifetimeGap(0.25, 1, 0.5)),
        # no pair at all, or only essential classes
        ([], LifetimeGap(0.0, 0, 0.0)),
        ([np.inf], LifetimeGap(0.0, 0, 0.0)),
        # essential classes are ignored
        ([np.inf, 0.5, 0.125], LifetimeGap(0.3125, 1, 0.375)),
        # tied lifetimes stay together: 3 x 0.5, then the gap to the diagonal
        ([0.5, 0.5, 0.5], LifetimeGap(0.25, 3, 0.5)),
        # tied gaps (1, 1, 1): the first, between the longest lifetimes, wins
        ([3.0, 2.0, 1.0], LifetimeGap(2.5, 1, 1.0)),
        # all pairs far from the diagonal: all kept
        ([1.0, 0.875, 0.75], LifetimeGap(0.375, 3, 0.75)),
        # zero lifetimes only
        ([0.0, 0.0], LifetimeGap(0.0, 0, 0.0)),
    ],
)
def test_hand_made_diagrams(lifetimes, expected):
    assert lifetime_gap_threshold(np.array(lifetimes, dtype=float)) == expected


def test_count_matches_threshold_on_random_lifetimes():
    rng = np.random.default_rng(0)
    for _ in range(100):
        lifetimes = rng.random(rng.integers(1, 30))
        gap = lifetime_gap_threshold(lifetimes)
        assert gap.count == (lifetimes > gap.threshold).sum()
        ladder = np.append(np.sort(lifetimes)[::-1], 0.0)
        assert gap.gap == pytest.approx(np.max(ladder[:-1] - ladder[1:]))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([0.1, np.nan], "NaN"),
        ([0.1, -0.2], "must be >= 0"),
        ([[0.1, 0.2]], "one-dimensional"),
    ],
)
def test_bad_lifetimes(value, message):
    with pytest.raises(ValueError, match=message):
        lifetime_gap_threshold(np.array(value))
