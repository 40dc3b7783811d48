"""Smoke version of the seed-003 validation experiment (benchmarks/exp_localized_validation.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "exp_localized_validation.py"


@pytest.fixture(scope="module")
def experiment():
    spec = importlib.util.spec_from_file_location("exp_localized_validation", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_errors_are_breaks_and_links(experiment):
    rng = np.random.default_rng(0)
    mask = experiment.road_mask(96, rng)
    seen = set()
    for _ in range(12):
        corrupted, kind = experiment.inject_error(mask, rng)
        seen.add(kind)
        if kind == "break":
            assert corrupted.sum() < mask.sum() and not (corrupted & ~mask).any()
        else:
            assert corrupted.sum() > mask.sum() and not (mask & ~corrupted).any()
        mask = corrupted
    assert seen == {"break", "link"}
    distance = experiment.distance_map(mask)
    assert distance[mask].max() == 0 and distance.max() <= experiment.TRUNCATION


def test_small_run_gives_probabilities(experiment):
    result = experiment.run(1, 4, 96, window=48)
    rows = experiment.summary_rows(result)
    assert [row["filtration"] for row in rows] == list(experiment.FILTRATIONS)
    for row in rows:
        assert row["injections"] == 4
        total = row["P(decrease)"] + row["P(unchanged)"] + row["P(increase)"]
        assert total == pytest.approx(1.0)
    # injected errors change the road network's topology and, mostly, raise both losses
    assert result["topology_changed"].mean() >= 0.5
    for change in result["changes"].values():
        assert (change > 0).mean() >= 0.5
