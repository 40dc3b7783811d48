"""``toposeg evaluate``: folders and files, thresholds, outputs, and bad input reported per file."""

import json

import imageio.v3 as iio
import numpy as np
import pytest
import tifffile

from toposeg.cli import main
from toposeg.metrics import dice


def ring(shape=(24, 24)):
    mask = np.zeros(shape, dtype=bool)
    mask[4:18, 4:18] = True
    mask[8:14, 8:14] = False
    return mask


@pytest.fixture()
def folders(tmp_path):
    pred, gt = tmp_path / "pred", tmp_path / "gt"
    pred.mkdir()
    gt.mkdir()
    truth = ring()
    likelihood = np.where(truth, 0.8, 0.1).astype(np.float32)
    likelihood[4:8, 10] = 0.3  # cuts the ring at threshold 0.5, not at 0.25
    np.save(pred / "a.npy", likelihood)
    iio.imwrite(gt / "a.png", (truth * 255).astype(np.uint8))
    iio.imwrite(pred / "b.png", (truth * 255).astype(np.uint8))  # an 8-bit binary mask
    tifffile.imwrite(gt / "b.tif", truth.astype(np.uint8))
    volume = np.zeros((6, 7, 8), dtype=bool)
    volume[1:5, 2:5, 2:7] = True
    np.save(pred / "c.npy", volume)
    np.save(gt / "c.npy", volume)
    return pred, gt, truth, likelihood


def test_folders_are_matched_by_name_and_scored(folders, tmp_path, capsys):
    pred, gt, truth, likelihood = folders
    out = tmp_path / "scores.json"
    code = main(["evaluate", str(pred), str(gt), "--metrics", "dice,betti_error_global", "--json", str(out),
                 "--csv", str(tmp_path / "s.csv"), "--samples-csv", str(tmp_path / "p.csv"), "--no-progress"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "3 of 3 samples scored" in printed and "dice" in printed
    document = json.loads(out.read_text())
    scores = {s["name"]: s["scores"] for s in document["samples"]}
    assert scores["a"]["dice"] == dice(likelihood >= 0.5, truth)
    assert scores["a"]["betti_error_global_1"] == 1.0  # the cut ring has lost its hole
    assert scores["b"]["dice"] == 1.0 and scores["c"]["betti_error_global_2"] == 0.0
    assert document["config"]["threshold"] == 0.5 and document["failures"] == []
    assert (tmp_path / "s.csv").read_text().startswith("metric,mean,std,count\n")
    assert (tmp_path / "p.csv").read_text().splitlines()[1].startswith("a,")


def test_threshold_and_single_files(folders, tmp_path, capsys):
    pred, gt, truth, _ = folders
    out = tmp_path / "one.json"
    code = main(["evaluate", str(pred / "a.npy"), str(gt / "a.png"), "--threshold", "0.25",
                 "--metrics", "betti_error_global", "--json", str(out)])
    assert code == 0
    document = json.loads(out.read_text())
    assert document["samples"][0]["name"] == "a"
    assert document["samples"][0]["scores"]["betti_error_global_1"] == 0.0


def test_bad_files_are_reported_skipped_and_summarised(folders, tmp_path, capsys):
    pred, gt, _, _ = folders
    (pred / "broken.tif").write_bytes(b"not an image")
    iio.imwrite(gt / "broken.png", np.zeros((24, 24), dtype=np.uint8))
    np.save(pred / "small.npy", np.zeros((12, 12)))
    np.save(gt / "small.npy", np.zeros((24, 24)))
    np.save(pred / "labels.npy", np.zeros((24, 24)))
    np.save(gt / "labels.npy", np.arange(24 * 24).reshape(24, 24) % 3)
    np.save(pred / "logits.npy", np.full((24, 24), 3.5))
    np.save(gt / "logits.npy", np.zeros((24, 24)))
    np.save(pred / "alone.npy", np.zeros((24, 24)))
    np.save(gt / "twice.npy", np.zeros((24, 24)))
    np.save(pred / "twice.npy", np.zeros((24, 24)))
    iio.imwrite(pred / "twice.png", np.zeros((24, 24), dtype=np.uint8))
    out = tmp_path / "scores.json"
    code = main(["evaluate", str(pred), str(gt), "--metrics", "dice", "--json", str(out)])
    assert code == 1
    captured = capsys.readouterr()
    assert "3 of 9 samples scored" in captured.out
    assert "6 skipped" in captured.err
    failures = {f["name"]: f["reason"] for f in json.loads(out.read_text())["failures"]}
    assert set(failures) == {"broken", "small", "labels", "logits", "alone", "twice"}
    assert str(pred / "broken.tif") in failures["broken"] and "cannot read" in failures["broken"]
    assert "has shape (12, 12)" in failures["small"] and str(gt / "small.npy") in failures["small"]
    assert str(gt / "labels.npy") in failures["labels"] and "must be binary" in failures["labels"]
    assert str(pred / "logits.npy") in failures["logits"] and "likelihoods in [0, 1]" in failures["logits"]
    assert "no ground truth" in failures["alone"] and "ambiguous" in failures["twice"]
    assert {s["name"] for s in json.loads(out.read_text())["samples"]} == {"a", "b", "c"}


def test_errors_that_stop_the_run(tmp_path, capsys):
    empty, other = tmp_path / "empty", tmp_path / "other"
    empty.mkdir()
    other.mkdir()
    np.save(other / "x.npy", np.zeros((4, 4)))
    cases = [
        ([str(empty), str(other)], "no image files"),
        ([str(other), str(empty)], "no image files"),
        ([str(tmp_path / "nope"), str(other)], "no such file or folder"),
        ([str(other / "x.npy"), str(other)], "must both be files or both be folders"),
        ([str(other), str(other), "--metrics", "dise"], "unknown metric 'dise'"),
        ([str(other), str(other), "--threshold", "2"], "--threshold must lie in"),
        ([str(other), str(other), "--json", str(tmp_path / "no" / "x.json")], "output folder does not exist"),
    ]
    for arguments, message in cases:
        assert main(["evaluate", *arguments]) == 2
        assert message in capsys.readouterr().err
    np.save(empty / "y.npy", np.zeros((4, 4)))
    assert main(["evaluate", str(empty), str(other)]) == 2
    assert "no pair of files to score" in capsys.readouterr().err
