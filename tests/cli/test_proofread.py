"""``toposeg proofread``: clear errors before anything starts, and --replay writes the mask the
log gives."""

import json
import re

import numpy as np
import pytest
import tifffile

from toposeg.cli import main
from toposeg.data import curvilinear_likelihood
from toposeg.proofread import ProofreadingInputs, replay


@pytest.fixture()
def files(tmp_path):
    f = curvilinear_likelihood((48, 40), seed=1)
    np.save(tmp_path / "image.npy", 1 - f)
    tifffile.imwrite(tmp_path / "likelihood.tif", f)
    return tmp_path, f


@pytest.mark.parametrize("change, message", [
    (lambda d: np.save(d / "likelihood.npy", np.zeros((5, 5), np.float32)), "they must match"),
    (lambda d: (d / "likelihood.npy").write_bytes(b"not an array"), "cannot read"),
    (lambda d: np.save(d / "likelihood.npy", np.full((48, 40), 2.0)), r"\[0, 1\]"),
    (lambda d: np.save(d / "likelihood.npy", np.zeros((48, 40), np.uint8)), "floating-point"),
])
def test_bad_inputs_fail_before_the_server_starts(files, capsys, change, message):
    folder, _ = files
    change(folder)
    code = main(["proofread", str(folder / "image.npy"), "--likelihood", str(folder / "likelihood.npy"),
                 "--session", str(folder / "s")])
    assert code == 2
    assert re.search(message, capsys.readouterr().err)
    assert not (folder / "s").exists()  # nothing written


def test_missing_file_and_png_for_a_volume(files, capsys):
    folder, _ = files
    assert main(["proofread", str(folder / "nothing.npy"), "--likelihood", str(folder / "likelihood.tif")]) == 2
    assert "no such file" in capsys.readouterr().err
    np.save(folder / "volume.npy", np.zeros((2, 8, 8)))
    np.save(folder / "volume_l.npy", np.zeros((2, 8, 8)))
    assert main(["proofread", str(folder / "volume.npy"), "--likelihood", str(folder / "volume_l.npy"),
                 "--mask-format", "png"]) == 2
    assert "png is for 2D" in capsys.readouterr().err


def test_replay_writes_the_mask_of_the_log(files, capsys):
    folder, f = files
    args = ["proofread", str(folder / "image.npy"), "--likelihood", str(folder / "likelihood.tif"),
            "--session", str(folder / "s"), "--mask-format", "npy", "--replay"]
    assert main(args) == 0  # creates the empty log
    log = json.loads((folder / "s" / "actions.json").read_text())
    log["actions"] = [{"type": "reject", "slice": 0, "branch": 0},
                      {"type": "brush", "slice": 0, "points": [[3, 4]], "radius": 2, "value": 1}]
    (folder / "s" / "actions.json").write_text(json.dumps(log))
    assert main(args) == 0
    assert "replayed 2 actions" in capsys.readouterr().out
    inputs = ProofreadingInputs(1 - f, f.astype(np.float64))
    mask = np.load(folder / "s" / "mask.npy")
    np.testing.assert_array_equal(mask, replay(inputs, folder / "s" / "actions.json"))
    assert mask[3, 4]
    # other options on the same session are refused
    assert main(args + ["--eps-median", "0.3"]) == 2
    assert "other inputs or options" in capsys.readouterr().err
