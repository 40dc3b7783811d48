"""Diagram-matching terms: the binary-target shortcut against the engine."""

from __future__ import annotations

import numpy as np
import pytest

from toposeg import cubical_persistence
from toposeg.structures.matching_terms import _binary_diagrams, _dots


@pytest.mark.parametrize("ndim", [2, 3])
@pytest.mark.parametrize("connectivity", ["one", "full"])
@pytest.mark.parametrize("framed", [True, False])
def test_binary_target_shortcut_equals_the_engine(ndim, connectivity, framed):
    rng = np.random.default_rng(ndim)
    conn = 1 if connectivity == "one" else ndim
    for _ in range(30):
        mask = (rng.random((6,) * ndim) > rng.random()).astype(np.float64)
        shortcut = _binary_diagrams(mask, range(ndim), conn, framed)
        result = cubical_persistence(mask, connectivity=conn, frame=1.0 if framed else None)
        for d in range(ndim):
            np.testing.assert_array_equal(shortcut[d], _dots(result, d, 0.0)[0])
