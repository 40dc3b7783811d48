"""The path of a new user from their own folder to scores: each fix of the issue has its test.

1. default validation metrics on read-only masks; 2. predict's output feeds evaluate; 3. a folder
without val/; 4. colour images, --patch-size N for folders, foreground value and inverted masks;
5. extending a finished run, cosine default; 6. epoch lines without progress bars; 7. one name
for metric options, every bad input of predict reported.
"""

import subprocess

import imageio.v3 as iio
import numpy as np
import pytest

from tests.train._tiny import environment, toposeg_command
from toposeg.cli import main
from toposeg.train import load_checkpoint, load_config

FLAGS = ["--depth", "2", "--width", "4", "--batch-size", "2", "--steps-per-epoch", "2", "--threads", "1"]


def rgb_folder(root, count=5, shape=(40, 44), inverted=False):
    """train/ only (no val/): colour images of a dark grid, masks drawn black on white if ``inverted``."""
    rng = np.random.default_rng(0)
    for sub in ("images", "masks"):
        (root / "train" / sub).mkdir(parents=True)
    for i in range(count):
        grid = np.zeros(shape, bool)
        grid[:, (3 + i) % 9::9] = True
        grid[(2 + i) % 7::7, :] = True
        image = np.stack([np.where(grid, 40, 200), np.where(grid, 90, 160), rng.integers(0, 255, shape)], -1)
        iio.imwrite(root / "train" / "images" / f"im{i}.png", image.astype(np.uint8))
        labels = np.where(grid, 0, 255) if inverted else np.where(grid, 255, 0)
        iio.imwrite(root / "train" / "masks" / f"im{i}.png", labels.astype(np.uint8))
    return root


@pytest.fixture(scope="module")
def rgb_run(tmp_path_factory):
    top = tmp_path_factory.mktemp("user")
    data = rgb_folder(top / "data", inverted=True)
    out = top / "run"
    # --patch-size 32 (one number) for a folder; masks drawn 0 on 255: --foreground 0; no val/;
    # the default validation metrics (clDice, CCQ skeletonize read-only masks)
    assert main(["train", "--out", str(out), "--dataset", "folder", "--root", str(data), "--foreground", "0",
                 "--val-fraction", "0.4", "--patch-size", "32", "--epochs", "2", *FLAGS, "--no-progress"]) == 0
    return top, data, out


def test_folder_without_val_rgb_default_metrics(rgb_run, capsys):
    _, _, out = rgb_run
    config = load_config(out / "config.json")
    assert config.patch_size == (32, 32) and config.channels == 3 and config.foreground == 0
    state = load_checkpoint(out / "last.pt")
    assert state["model"]["down.0.0.weight"].shape[1] == 3  # the network takes the 3 colour channels
    assert "val_warping_error" in state["history"][0] and "val_cldice" in state["history"][0]


def test_cosine_default_and_extending_a_finished_run(rgb_run, capsys):
    _, _, out = rgb_run
    history = load_checkpoint(out / "last.pt")["history"]
    assert history[-1]["lr"] < 1e-9  # cosine decay to 0 by the last step
    assert main(["train", "--resume", str(out), "--epochs", "3", "--quiet"]) == 0
    state = load_checkpoint(out / "last.pt")
    assert [row["epoch"] for row in state["history"]] == [1, 2, 3] and state["global_step"] == 6
    assert state["history"][:2] == history  # the first epochs are kept, the optimiser state continued
    assert load_config(out / "config.json").epochs == 3


def test_predict_output_feeds_evaluate(rgb_run, tmp_path, capsys):
    top, data, out = rgb_run
    predictions = tmp_path / "pred"
    assert main(["predict", str(out / "last.pt"), str(data / "train" / "images"), "--out", str(predictions),
                 "--no-progress"]) == 0
    assert (predictions / "im0_mask.png").is_file() and (predictions / "im0_likelihood.tif").is_file()
    masks = tmp_path / "masks"
    masks.mkdir()
    for path in (data / "train" / "masks").iterdir():  # evaluate's ground truth: structure non-zero
        iio.imwrite(masks / path.name, (iio.imread(path) == 0).astype(np.uint8) * 255)
    capsys.readouterr()
    assert main(["evaluate", str(predictions), str(masks), "--metrics", "dice", "--no-progress"]) == 0
    assert "5 of 5 samples scored" in capsys.readouterr().out


def test_predict_reports_every_bad_input(rgb_run, tmp_path, capsys):
    _, _, out = rgb_run
    inputs = tmp_path / "in"
    inputs.mkdir()
    np.save(inputs / "grey.npy", np.zeros((40, 40), np.float32))  # the network takes colour
    bad = np.zeros((3, 40, 40), np.float32)
    bad[0, 1, 1] = np.nan
    np.save(inputs / "nan.npy", bad)
    (inputs / "broken.png").write_bytes(b"not a png")
    assert main(["predict", str(out / "last.pt"), str(inputs), "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    error = capsys.readouterr().err
    assert "3 bad input(s), nothing written" in error
    assert "grey.npy" in error and "nan.npy" in error and "broken.png" in error
    assert not (tmp_path / "o").exists()


def test_epoch_lines_without_progress_bars(tmp_path, capsys):
    data = rgb_folder(tmp_path / "data", count=3)
    assert main(["train", "--out", str(tmp_path / "a"), "--dataset", "folder", "--root", str(data),
                 "--epochs", "1", "--val-metrics", "dice", *FLAGS, "--no-progress"]) == 0
    assert "epoch 1 (train), loss" in capsys.readouterr().out
    # not a terminal: plain lines on stdout, no progress-bar carriage returns on stderr
    done = subprocess.run(toposeg_command("train", "--out", str(tmp_path / "b"), "--dataset", "folder", "--root",
                                          str(data), "--epochs", "1", "--val-metrics", "dice", *FLAGS),
                          capture_output=True, text=True, env=environment(), timeout=300)
    assert done.returncode == 0, done.stderr
    assert "epoch 1 (train), loss" in done.stdout and "\r" not in done.stderr


def test_metric_options_have_one_name_in_train_and_evaluate(tmp_path, capsys):
    truth = np.zeros((24, 24), np.uint8)
    truth[:, 11:13] = 255
    truth[11:13, :] = 255
    pred = truth.copy()
    pred[11:13, 3] = 0
    iio.imwrite(tmp_path / "p.png", pred)
    iio.imwrite(tmp_path / "g.png", truth)
    results = []
    for flags in (["--regions", "background"], ["--metric-option", "regions=background"]):
        capsys.readouterr()
        assert main(["evaluate", str(tmp_path / "p.png"), str(tmp_path / "g.png"), "--metrics", "voi",
                     "--no-progress", *flags]) == 0
        results.append(capsys.readouterr().out)
    assert results[0] == results[1]
    assert main(["evaluate", str(tmp_path / "p.png"), str(tmp_path / "g.png"), "--regions", "background",
                 "--metric-option", "regions=foreground"]) == 2
    assert "given twice with different values" in capsys.readouterr().err
