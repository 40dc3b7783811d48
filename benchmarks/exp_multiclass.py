"""Experiment: multi-class training on ``vessels_av`` (arteries and veins), plain vs ``ce+topo``.

For every seed, two runs of ``toposeg train`` on the built-in ``vessels_av`` set (32 training,
8 validation samples of 128x128; UNet depth 3, width 16; 12 epochs of 25 steps, batch 8, one
torch thread): ``plain`` with the categorical cross-entropy ``ce`` for all 12 epochs, ``topo``
with ``ce`` for 8 epochs then ``ce+0.003*topo`` (TopoLoss one-vs-rest per class, its default
dimension 1: holes) for 4. The runs of a seed share the data, the initial weights and the patches, so they are
identical for the first 8 epochs. Each ``last.pt`` is scored on the 8 held-out test samples with
``toposeg evaluate --checkpoint``; the table gives, per class (1 artery, 2 vein) and for their
mean, mean ± std over the seeds of the test means, and a paired permutation test of each
method against ``plain`` over the (seed, test image) pairs.

    nice -n 15 python benchmarks/exp_multiclass.py --out outputs/multiclass        # the recorded run

The runs are the commands printed (the same flags as ``toposeg train`` on the command line);
finished runs in ``--out`` are reused, so an interrupted experiment continues where it stopped.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import time
from pathlib import Path

import numpy as np

from toposeg.cli import main
from toposeg.metrics import paired_permutation_test

#: name: (loss, pretraining epochs, more flags of toposeg train)
METHODS = {"plain": ("ce", "0", []), "topo": ("ce+0.003*topo", "8", [])}
COLUMNS = ("dice", "betti_error_0", "betti_error_1", "betti_error_global_0", "cldice")
TEST_METRICS = "dice,betti_error,betti_error_global,cldice"


def run(out: Path, method: str, seed: int) -> dict:
    """Train and test one run (or read it back); its test scores per image and its wall time."""
    folder = out / f"{method}-s{seed}"
    record = folder / "test.json"
    if not record.is_file():
        shutil.rmtree(folder, ignore_errors=True)
        loss, pretrain, extra = METHODS[method]
        train = ["train", "--dataset", "vessels_av", "--out", str(folder), "--seed", str(seed), "--data-seed",
                 str(seed), "--epochs", "12", "--pretrain-epochs", pretrain, "--steps-per-epoch", "25",
                 "--batch-size", "8", "--loss", loss, "--val-metrics", "dice,betti_error", "--threads", "1",
                 "--no-progress", *extra]
        test = ["evaluate", "--checkpoint", str(folder / "last.pt"), "--metrics", TEST_METRICS, "--json",
                str(record), "--no-progress"]
        start = time.perf_counter()
        for command in (train, test):
            print("toposeg " + " ".join(command), flush=True)
            if main(command) != 0:
                raise SystemExit(f"failed: toposeg {' '.join(command)}")
        (folder / "wall_seconds.txt").write_text(f"{time.perf_counter() - start:.1f}\n", encoding="utf-8")
    document = json.loads(record.read_text(encoding="utf-8"))
    wall = folder / "wall_seconds.txt"
    with (folder / "metrics.csv").open(encoding="utf-8") as file:
        epochs = list(csv.DictReader(file))
    return {"samples": {s["name"]: s["scores"] for s in document["samples"]},
            "wall": float(wall.read_text()) if wall.is_file() else float("nan"),
            "cpu": float(np.mean([float(r["epoch_cpu_seconds"]) for r in epochs[-4:]]))}


def table(results: dict[tuple[str, int], dict], seeds: list[int]) -> str:
    """Markdown: one row per method and class, mean ± std over seeds; p-values against plain."""
    lines = ["| method | class | " + " | ".join(COLUMNS) + " |", "| --- | --- | " + " | ".join("---" for _ in COLUMNS)
             + " |"]
    for method in METHODS:
        for suffix, label in (("_c1", "artery"), ("_c2", "vein"), ("", "mean")):
            cells = []
            for column in COLUMNS:
                means = [np.nanmean([s[column + suffix] if s[column + suffix] is not None else np.nan
                                     for s in results[method, seed]["samples"].values()]) for seed in seeds]
                cells.append(f"{np.mean(means):.3f} ± {np.std(means):.3f}")
            lines.append(f"| {method} | {label} | " + " | ".join(cells) + " |")
    for method in list(METHODS)[1:]:
        for suffix, label in (("_c1", "artery"), ("_c2", "vein"), ("", "mean")):
            cells = []
            for column in COLUMNS:
                pairs = [(results[method, seed]["samples"][name][column + suffix],
                          results["plain", seed]["samples"][name][column + suffix])
                         for seed in seeds for name in results["plain", seed]["samples"]]
                pairs = [(a, b) for a, b in pairs if a is not None and b is not None]
                test = paired_permutation_test([a for a, _ in pairs], [b for _, b in pairs], seed=0)
                cells.append(f"{test.mean_difference:+.3f}, p = {test.p_value:.2g}")
            lines.append(f"| {method} - plain | {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main_experiment() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("outputs/multiclass"))
    parser.add_argument("--seeds", default="0,1,2")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    results = {(method, seed): run(args.out, method, seed) for seed in seeds for method in METHODS}
    text = table(results, seeds)
    walls = {m: [results[m, s]["wall"] for s in seeds] for m in METHODS}
    text += "\n\nwall seconds per run (train and test): " + ", ".join(
        f"{m} {np.mean(w):.0f} ± {np.std(w):.0f}" for m, w in walls.items())
    cpu = {m: [results[m, s]["cpu"] for s in seeds] for m in METHODS}
    text += "\nCPU seconds per epoch of the last 4 (training steps): " + ", ".join(
        f"{m} {np.mean(c):.2f} ± {np.std(c):.2f}" for m, c in cpu.items())
    (args.out / "table.md").write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main_experiment()
