"""Tiny runs for the training tests: 64x64 membranes, a 2-level UNet of width 4, a few steps."""

import os
import sys
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[2] / "src")

TINY = {
    "dataset": "membranes", "train_count": 4, "val_count": 2, "sample_shape": (64, 64), "patch_size": (32, 32),
    "depth": 2, "width": 4, "batch_size": 4, "steps_per_epoch": 3, "epochs": 2, "threads": 1,
    "val_metrics": ("dice", "betti_error"), "metric_options": {"patch_size": 32},
}

# the same as command-line flags
TINY_FLAGS = [
    "--train-count", "4", "--val-count", "2", "--sample-shape", "64,64", "--patch-size", "32",
    "--depth", "2", "--width", "4", "--batch-size", "4", "--steps-per-epoch", "3", "--epochs", "2",
    "--threads", "1", "--val-metrics", "dice,betti_error", "--metric-option", "patch_size=32",
]


def environment() -> dict[str, str]:
    """The environment of a subprocess that imports this checkout's toposeg with one thread."""
    env = dict(os.environ)
    env["PYTHONPATH"] = SRC + os.pathsep + env.get("PYTHONPATH", "")
    env["OMP_NUM_THREADS"] = "1"
    return env


def toposeg_command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "toposeg.cli", *arguments]

