"""The metric registry, the default set and the accumulator (summaries, tables on disk)."""

import csv
import json
import math

import numpy as np
import pytest

from toposeg.metrics import METRICS, MetricAccumulator, dice
from toposeg.metrics.registry import evaluate_pair, select_metrics


def ring(shape=(16, 16)):
    mask = np.zeros(shape, dtype=bool)
    mask[3:12, 3:12] = True
    mask[5:10, 5:10] = False
    return mask


def test_default_set_columns_on_2d_and_3d():
    default = select_metrics("default", METRICS)
    assert [m.name for m in default] == [
        "accuracy", "dice", "jaccard", "precision_recall", "betti_error", "betti_error_global",
        "adapted_rand", "voi", "cldice", "ccq", "warping_error",
    ]
    gt = ring()
    row = evaluate_pair(gt, gt, default)
    assert row["precision"] == row["recall"] == row["dice"] == row["cldice"] == 1.0
    assert row["betti_error_0"] == row["betti_error_1"] == row["betti_error_global_1"] == 0.0
    assert row["adapted_rand_f_score"] == 1.0 and row["voi_total"] == 0.0
    assert row["ccq_quality"] == 1.0 and row["warping_error"] == 0.0
    volume = np.zeros((8, 9, 10), dtype=bool)
    volume[2:6, 2:7, 2:8] = True
    volume[3:5, 4, 4:6] = False
    row3d = evaluate_pair(volume, volume, default, {"patch_size": 5, "connectivity": 3})
    assert row3d["betti_error_2"] == 0.0 and row3d["betti_error_global_2"] == 0.0


def test_every_registered_metric_runs_and_names_its_columns():
    gt = ring((20, 20))
    pred = gt.copy()
    pred[3:5, 6] = False  # the ring (2 pixels thick) is cut: no hole
    row = evaluate_pair(pred, gt, select_metrics("all", METRICS), {"tolerance": 2})
    for name in ("apls_score", "tlts_correct", "jct_f1", "ap75", "betti_1_gt",
                 "betti_error_tiles_1", "voi_split", "adapted_rand_precision"):
        assert name in row
    assert row["betti_1_gt"] == 1.0 and row["betti_1_pred"] == 0.0


def test_options_reach_only_the_metrics_that_take_them():
    gt = ring()
    pred = np.roll(gt, 1, axis=0)
    tight = evaluate_pair(pred, gt, select_metrics(["ccq", "dice"], METRICS), {"tolerance": 0.5})
    loose = evaluate_pair(pred, gt, select_metrics(["ccq", "dice"], METRICS), {"tolerance": 1})
    assert tight["ccq_quality"] < loose["ccq_quality"] == 1.0
    assert tight["dice"] == loose["dice"] == dice(pred, gt)
    with pytest.raises(ValueError, match="option.s. tolernce not used by the chosen metrics"):
        MetricAccumulator(["ccq"], options={"tolernce": 1})
    with pytest.raises(ValueError, match="unknown metric 'dise'; choose from default, all"):
        MetricAccumulator(["dise"])


def test_accumulator_summary_skips_undefined_values():
    scores = MetricAccumulator(["precision_recall", "dice"])
    gt = ring()
    scores.update(gt, gt, name="same")
    scores.update(np.zeros_like(gt), gt, name="empty prediction")  # precision undefined
    pred = gt.copy()
    pred[3, 3:12] = False
    scores.update(pred, gt, name="thinner")
    summary = scores.summary()
    assert summary["precision"].count == 2 and summary["precision"].mean == 1.0
    assert summary["recall"].count == 3
    values = [1.0, 0.0, np.count_nonzero(pred) / np.count_nonzero(gt)]
    assert summary["recall"].mean == pytest.approx(np.mean(values))
    assert summary["recall"].std == pytest.approx(np.std(values))
    assert math.isnan(scores.rows[1][1]["precision"])
    text = scores.format_table()
    assert "precision" in text and "(n=2)" in text and "samples: 3" in text


def test_bad_pairs_leave_the_accumulator_unchanged():
    scores = MetricAccumulator(["dice"])
    with pytest.raises(ValueError, match="pred and gt must have the same shape"):
        scores.update(np.zeros((4, 4)), np.zeros((4, 5)))
    with pytest.raises(ValueError, match="gt must be binary"):
        scores.update(np.zeros((4, 4)), np.full((4, 4), 0.3))
    assert scores.rows == ()
    scores.add_failure("broken.png", "cannot read the file")
    assert scores.failures == (("broken.png", "cannot read the file"),)


def test_tables_are_written_atomically(tmp_path):
    scores = MetricAccumulator(["dice", "precision_recall"])
    gt = ring()
    scores.update(gt, gt, name="a")
    scores.update(np.zeros_like(gt), gt, name="b")
    scores.add_failure("c", "shapes differ")
    scores.write_csv(tmp_path / "summary.csv")
    scores.write_csv(tmp_path / "samples.csv", table="samples")
    scores.write_json(tmp_path / "scores.json", config={"threshold": 0.5})
    with open(tmp_path / "summary.csv") as file:
        summary = {row["metric"]: row for row in csv.DictReader(file)}
    assert float(summary["dice"]["mean"]) == 0.5 and summary["precision"]["count"] == "1"
    with open(tmp_path / "samples.csv") as file:
        samples = list(csv.DictReader(file))
    assert [r["sample"] for r in samples] == ["a", "b"] and samples[1]["precision"] == "nan"
    document = json.loads((tmp_path / "scores.json").read_text())
    assert document["config"] == {"threshold": 0.5}
    assert document["samples"][1]["scores"]["precision"] is None
    assert document["failures"] == [{"name": "c", "reason": "shapes differ"}]
    assert document["summary"]["dice"] == {"mean": 0.5, "std": 0.5, "count": 2}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["samples.csv", "scores.json", "summary.csv"]
    with pytest.raises(FileNotFoundError, match="output folder does not exist"):
        scores.write_csv(tmp_path / "missing" / "x.csv")
    with pytest.raises(ValueError, match="table must be 'summary' or 'samples'"):
        scores.write_csv(tmp_path / "x.csv", table="rows")
