"""Bad input stops ``toposeg train`` with a clear error before training, and nothing is written."""

import os
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest

from toposeg.cli import main
from toposeg.train.preflight import lock_output_folder, release_output_folder

FLAGS = ["--patch-size", "16,16", "--depth", "2", "--width", "4", "--batch-size", "2", "--steps-per-epoch", "2",
         "--epochs", "1", "--threads", "1", "--val-metrics", "dice", "--no-progress"]


def data_folder(root: Path, count: int = 6) -> Path:
    """A good folder: PNG images and masks of 32x32 with a bar each."""
    rng = np.random.default_rng(0)
    for sub in ("images", "masks"):
        (root / sub).mkdir(parents=True)
    for i in range(count):
        mask = np.zeros((32, 32), dtype=np.uint8)
        mask[10 + i, :] = 255
        iio.imwrite(root / "images" / f"s{i}.png", (rng.random((32, 32)) * 100 + mask // 2).astype(np.uint8))
        iio.imwrite(root / "masks" / f"s{i}.png", mask)
    return root


def train(capsys, out: Path, *flags: str) -> str:
    capsys.readouterr()
    assert main(["train", "--out", str(out), *flags]) == 2
    return capsys.readouterr().err


def test_a_good_folder_trains(tmp_path, capsys):
    data = data_folder(tmp_path / "data")
    assert main(["train", "--out", str(tmp_path / "run"), "--dataset", "folder", "--root", str(data), *FLAGS]) == 0
    assert {p.name for p in (tmp_path / "run").iterdir()} == {"config.json", "best.pt", "last.pt", "metrics.csv",
                                                              "curves.png"}


@pytest.mark.parametrize("damage, message", [
    (lambda d: (d / "masks" / "s3.png").unlink(), "s3.png: no mask with the same name"),
    (lambda d: iio.imwrite(d / "masks" / "s1.png", np.zeros((30, 32), np.uint8)), "s1.png: shape (30, 32) differs"),
    (lambda d: (d / "images" / "s2.png").write_bytes(b"\x89PNG\r\n\x1a\n broken"), "s2.png: cannot read the file"),
    (lambda d: iio.imwrite(d / "masks" / "s0.png", np.full((32, 32), 7, np.uint8)), "s0.png: mask must be binary"),
])
def test_bad_data_folder(tmp_path, capsys, damage, message):
    data = data_folder(tmp_path / "data")
    damage(data)
    out = tmp_path / "run"
    error = train(capsys, out, "--dataset", "folder", "--root", str(data), *FLAGS)
    assert message in error and "problem(s) in data folder" in error
    assert not out.exists()


@pytest.mark.parametrize("flags, message", [
    (["--loss", "ce+0.1*topoo"], "unknown loss term 'topoo'"),
    (["--loss", "ce+dmt", "--loss-option", "dmt.epsilon=0.2"], "loss term 'dmt' does not take option(s) epsilon"),
    (["--loss", "dmt", "--epochs", "2", "--pretrain-epochs", "1"], "has no pixel term (ce, dice) to pretrain with"),
    (["--patch-size", "128"], "patch_size (128, 128) is larger than sample"),
    (["--patch-size", "18"], "must be a multiple of 4"),
    (["--val-metrics", "dice,betti"], "unknown metric 'betti'"),
    (["--best-metric", "betti_error_1"], "best_metric 'betti_error_1' is not a column"),
    (["--init-from", "nowhere.pt"], "checkpoint not found: nowhere.pt"),
])
def test_bad_options(tmp_path, capsys, flags, message):
    out = tmp_path / "run"
    error = train(capsys, out, "--train-count", "2", "--val-count", "1", "--sample-shape", "32,32", *FLAGS, *flags)
    assert message in error
    assert not out.exists()


@pytest.fixture()
def unwritable(tmp_path):
    """A folder this process cannot write to (root ignores permission bits: use /proc then)."""
    if os.geteuid() == 0:
        yield Path("/proc")
        return
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    yield folder
    folder.chmod(0o755)


def test_unwritable_output_folder(tmp_path, capsys, unwritable):
    small = ["--train-count", "2", "--val-count", "1", "--sample-shape", "32,32", *FLAGS]
    assert "is not writable" in train(capsys, unwritable / "run", *small)
    assert not (unwritable / "run").exists()
    assert "is not writable" in train(capsys, unwritable, *small)
    (tmp_path / "file").write_text("")
    assert "is a file" in train(capsys, tmp_path / "file" / "run", *small)
    assert "is a file" in train(capsys, tmp_path / "file", *small)


def test_existing_empty_output_folder_stays_empty(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    train(capsys, out, "--loss", "nonsense", "--train-count", "2", "--val-count", "1", "--sample-shape", "32,32", *FLAGS)
    assert list(out.iterdir()) == []


def test_a_folder_in_use_by_another_run(tmp_path, capsys):
    """A second run in a folder whose run is still going fails and leaves it alone."""
    out = tmp_path / "run"
    out.mkdir()
    held = lock_output_folder(out)  # as a running process holds it
    small = ["--train-count", "2", "--val-count", "1", "--sample-shape", "32,32", *FLAGS]
    assert "is in use by another training run" in train(capsys, out, *small)
    assert [p.name for p in out.iterdir()] == [".lock"]
    release_output_folder(out, held)
    assert main(["train", "--out", str(out), *small]) == 0
    assert not (out / ".lock").exists()
