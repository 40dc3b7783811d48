"""``toposeg train`` outputs, ``toposeg predict`` on images of any size, ``toposeg evaluate --checkpoint``."""

import csv
import json

import imageio.v3 as iio
import numpy as np
import pytest
import tifffile

from tests.train._tiny import TINY_FLAGS
from toposeg.cli import main
from toposeg.data import normalise_image
from toposeg.train import (
    TrainConfig,
    evaluate_checkpoint,
    load_checkpoint,
    load_config,
    model_from_checkpoint,
    predict_likelihood,
)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("train") / "run"
    assert main(["train", "--out", str(out), *TINY_FLAGS, "--loss", "ce+warping", "--pretrain-epochs", "1",
                 "--best-metric", "betti_error_1", "--no-progress"]) == 0
    return out


def test_train_writes_config_checkpoints_records(run):
    config = load_config(run / "config.json")
    assert config.loss == "ce+warping" and config.best_metric == "betti_error_1" and config.lower_is_better
    state = load_checkpoint(run / "last.pt")
    assert TrainConfig.from_dict(state["config"]) == config  # the config travels in the checkpoint
    with open(run / "metrics.csv") as file:
        rows = list(csv.DictReader(file))
    assert [r["epoch"] for r in rows] == ["1", "2"] and [r["phase"] for r in rows] == ["pretrain", "train"]
    assert {"train_loss", "train_loss_ce", "train_loss_warping", "epoch_seconds", "epoch_cpu_seconds",
            "val_dice", "val_betti_error_0", "val_betti_error_1"} <= set(rows[0])
    best = load_checkpoint(run / "best.pt")
    scores = [float(r["val_betti_error_1"]) for r in rows]
    assert best["best_value"] == min(scores) and best["best_epoch"] == 1 + int(np.argmin(scores))
    assert (run / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_predict_images_of_any_size(run, tmp_path, capsys):
    inputs = tmp_path / "in"
    inputs.mkdir()
    rng = np.random.default_rng(0)
    first, second = (rng.random((37, 53)) * 255).astype(np.uint8), rng.random((70, 45)).astype(np.float32)
    iio.imwrite(inputs / "a.png", first)
    np.save(inputs / "b.npy", second)
    out = tmp_path / "out"
    assert main(["predict", str(run / "best.pt"), str(inputs), "--out", str(out), "--window", "32",
                 "--no-progress"]) == 0
    model, config = model_from_checkpoint(load_checkpoint(run / "best.pt"))
    for name, image in (("a", first), ("b", second)):
        likelihood = tifffile.imread(out / f"{name}_likelihood.tif")
        expected = predict_likelihood(model, normalise_image(image, config.normalise), window=(32, 32))
        assert likelihood.shape == image.shape and np.array_equal(likelihood, expected)
        mask = iio.imread(out / f"{name}_mask.png")
        assert np.array_equal(mask, np.where(expected >= config.threshold, 255, 0))


def test_predict_checks_every_input_first(run, tmp_path, capsys):
    np.save(tmp_path / "good.npy", np.zeros((40, 40), np.float32))
    np.save(tmp_path / "volume.npy", np.zeros((8, 40, 40), np.float32))
    out = tmp_path / "out"
    capsys.readouterr()
    assert main(["predict", str(run / "last.pt"), str(tmp_path / "good.npy"), str(tmp_path / "volume.npy"),
                 "--out", str(out)]) == 2
    assert "volume.npy: the network segments 2D inputs" in capsys.readouterr().err
    assert not out.exists()
    assert main(["predict", str(run / "last.pt"), str(tmp_path / "good.npy"), "--out", str(out), "--window", "30"]) == 2
    assert "multiples of 4" in capsys.readouterr().err
    assert not out.exists()


def test_evaluate_a_checkpoint_on_a_split(run, tmp_path, capsys):
    target = tmp_path / "scores.json"
    assert main(["evaluate", "--checkpoint", str(run / "best.pt"), "--split", "test", "--count", "2",
                 "--metrics", "dice,betti_error", "--patch-size", "32", "--json", str(target), "--no-progress"]) == 0
    document = json.loads(target.read_text())
    assert [s["name"] for s in document["samples"]] == ["membranes[test][0]", "membranes[test][1]"]
    expected = evaluate_checkpoint(run / "best.pt", split="test", count=2, metrics=("dice", "betti_error"),
                                   options={"patch_size": 32})
    assert document["summary"]["dice"]["mean"] == pytest.approx(expected.summary()["dice"].mean)
    assert document["config"]["checkpoint"] == str(run / "best.pt")
    capsys.readouterr()
    assert main(["evaluate", "--checkpoint", str(run / "best.pt"), str(tmp_path), str(tmp_path)]) == 2
    assert "give PRED and GT, or --checkpoint" in capsys.readouterr().err
    assert main(["evaluate", str(tmp_path)]) == 2
