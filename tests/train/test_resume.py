"""Kill -9 during training, then --resume: same steps and the same weights as a run never
stopped, and no corrupted checkpoint at any moment."""

import os
import signal
import subprocess
import time

import torch

from tests.train._tiny import TINY_FLAGS, environment, toposeg_command
from toposeg.cli import main
from toposeg.train import load_checkpoint

# dropout (torch's generator), the schedule and two topological terms, so that every piece of
# state matters; a checkpoint every 2 steps, 5 steps per epoch: kills land mid-epoch or at its end
FLAGS = [*TINY_FLAGS, "--epochs", "4", "--steps-per-epoch", "5", "--pretrain-epochs", "1", "--dropout", "0.2",
         "--loss", "ce+0.5*dmt+warping", "--checkpoint-every", "2", "--no-progress"]
TOTAL_STEPS = 20


def weights(path):
    return load_checkpoint(path)["model"]


def test_kill_then_resume_gives_the_uninterrupted_run(tmp_path):
    reference, killed = tmp_path / "reference", tmp_path / "killed"
    assert main(["train", "--out", str(reference), *FLAGS]) == 0

    process = subprocess.Popen(toposeg_command("train", "--out", str(killed), *FLAGS), env=environment(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen_step, deadline = 0, time.monotonic() + 90
    try:
        while seen_step < 7 and process.poll() is None and time.monotonic() < deadline:
            if (killed / "last.pt").exists():
                seen_step = load_checkpoint(killed / "last.pt")["global_step"]  # never a partial file
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    stopped = load_checkpoint(killed / "last.pt")  # loads: not corrupted
    assert 7 <= stopped["global_step"] < TOTAL_STEPS
    if (killed / "best.pt").exists():
        load_checkpoint(killed / "best.pt")

    assert main(["train", "--resume", str(killed), "--no-progress"]) == 0
    final, expected = load_checkpoint(killed / "last.pt"), load_checkpoint(reference / "last.pt")
    assert final["global_step"] == expected["global_step"] == TOTAL_STEPS
    assert final["epoch"] == 4 and final["step_in_epoch"] == 0
    assert final["model"].keys() == expected["model"].keys()
    for name, tensor in expected["model"].items():
        assert torch.equal(final["model"][name], tensor), name
    for name in ("history", "best_epoch", "best_value"):
        strip = (lambda rows: [{k: v for k, v in r.items() if "seconds" not in k} for r in rows]) \
            if name == "history" else (lambda value: value)
        assert strip(final[name]) == strip(expected[name]), name
    for name, tensor in weights(reference / "best.pt").items():
        assert torch.equal(weights(killed / "best.pt")[name], tensor), name
    assert (killed / "metrics.csv").read_text().count("\n") == 5  # header + 4 epochs
    assert not list(killed.glob(".*.partial"))  # a partial file of the killed process is cleared


def test_resume_of_a_finished_run_changes_nothing(tmp_path):
    out = tmp_path / "run"
    assert main(["train", "--out", str(out), *TINY_FLAGS, "--no-progress"]) == 0
    before = load_checkpoint(out / "last.pt")
    assert main(["train", "--resume", str(out), "--no-progress"]) == 0
    after = load_checkpoint(out / "last.pt")
    assert after["global_step"] == before["global_step"] == 6
    assert all(torch.equal(after["model"][k], v) for k, v in before["model"].items())


def test_resume_refuses_other_options_and_missing_runs(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--out", str(out), *TINY_FLAGS, "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["train", "--resume", str(out), "--loss", "dice"]) == 2
    assert "do not give other options (--loss)" in capsys.readouterr().err
    assert main(["train", "--resume", str(out), "--epochs", "1"]) == 2  # fewer epochs than done
    assert "it has already done 2 epochs" in capsys.readouterr().err
    assert main(["train", "--out", str(out), *TINY_FLAGS]) == 2
    assert "already holds a run: resume it with --resume" in capsys.readouterr().err
    assert main(["train", "--resume", str(tmp_path / "nothing")]) == 2
    assert "config.json does not exist" in capsys.readouterr().err
    (out / "last.pt").write_bytes(b"half a checkpoint")
    assert main(["train", "--resume", str(out)]) == 2
    assert "last.pt: not a readable checkpoint" in capsys.readouterr().err
