"""Experiment: every topological loss against the plain baseline on a real data set (issue 14).

The protocol is a chain of ``toposeg cv`` runs, so that each step is also a command a user can
type (the script prints each one before running it):

1. ``pretrain``: the pixel loss alone, cosine learning-rate decay, one network per (seed, fold).
2. ``plain`` and one run per topological loss: each (seed, fold) starts from the pretrained
   network of the same seed and fold (``--init-from <pretrain folder>``) and is fine-tuned for
   the same number of steps with the same schedule, ``plain`` with the pixel loss alone, the
   others with ``pixel + weight * term`` (``--loss-balance gradient`` by default: the weight is
   the ratio of the term's gradient norm to the pixel loss's, the same for every data set).
3. ``toposeg compare``: one table, mean ± std over (seed, fold, image), paired permutation
   tests against ``plain``, written to ``<out>/comparison/comparison.md``; ``<out>/summary.json``
   holds the median fine-tuning seconds per epoch of each run, and of each topological term its
   median value and balance factor (the fixed weight the gradient balance amounted to).

Held-out images are predicted whole (one pass) and scored with the data set's conventions.
Finished runs are kept (running the command again continues a killed experiment).

    python benchmarks/exp_real.py --dataset isbi12 --root DATA/isbi12 --out runs/isbi12
    python benchmarks/exp_real.py --dataset drive --root DATA/drive --out runs/drive
    python benchmarks/exp_real.py --dataset topomortar --root DATA/topomortar --out runs/topomortar
    python benchmarks/exp_real.py --dataset vessels --train-count 48 --sample-shape 96,96 --patch-size 96 --out runs/vessels

(``--folds 0`` is implied for TopoMortar: its fixed train/val/test splits; ``vessels`` is the
built-in synthetic set, its ``--train-count`` images generated and cross-validated like the
others.) The recorded runs, their sizes and wall times are in docs/experiments.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import shlex
import statistics
import time
from pathlib import Path

from toposeg.cli import main as toposeg
from toposeg.losses.registry import LOSSES

PIXEL_LOSS = {"isbi12": "ce", "drive": "ce", "topomortar": "ce+dice", "vessels": "ce"}
#: the data sets read from the user's copy (--root); the others are generated
REAL = ("isbi12", "drive", "topomortar")


def network_flags(args: argparse.Namespace) -> list[str]:
    """Flags shared by every run of the experiment: data, network, patches, protocol."""
    folds = "0" if args.dataset == "topomortar" else str(args.folds)
    data = (["--root", str(args.root)] if args.dataset in REAL else
            ["--train-count", str(args.train_count), "--sample-shape", ",".join(map(str, args.sample_shape))])
    return ["--dataset", args.dataset, *data, "--folds", folds, "--seeds", args.seeds,
            "--depth", str(args.depth), "--width", str(args.width), "--patch-size", str(args.patch_size),
            "--batch-size", str(args.batch_size), "--steps-per-epoch", str(args.steps_per_epoch),
            "--augment", "flip_rotate", "--normalise", "percentile", "--threads", str(args.threads),
            "--val-metrics", "dice", "--no-progress"]


def finished(folder: Path, runs: int) -> bool:
    """Whether a ``toposeg cv`` folder holds the scores of all its ``runs`` (seed, fold) pairs."""
    if not (folder / "per_image.csv").is_file():
        return False
    with open(folder / "per_image.csv", encoding="utf-8", newline="") as file:
        return len({(r["seed"], r["fold"]) for r in csv.DictReader(file)}) == runs


def run(command: list[str], log: Path) -> None:
    """Run one ``toposeg`` command, printing it and appending it with its wall time to ``log``."""
    print("toposeg " + shlex.join(command), flush=True)
    start = time.perf_counter()
    code = toposeg(command)
    if code != 0:
        raise SystemExit(f"toposeg {command[0]} failed with code {code}")
    with open(log, "a", encoding="utf-8") as file:
        file.write(f"toposeg {shlex.join(command)}  # {time.perf_counter() - start:.0f} s\n")


def median_column(folder: Path, column: str) -> float:
    """Median of a ``metrics.csv`` column over the epochs of every (seed, fold) run of a cv folder."""
    values = []
    for metrics in sorted(folder.glob("seed*/fold*/metrics.csv")):
        with open(metrics, encoding="utf-8", newline="") as file:
            values += [float(r[column]) for r in csv.DictReader(file) if r.get(column)]
    return statistics.median(values) if values else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", required=True, choices=sorted(PIXEL_LOSS))
    parser.add_argument("--root", type=Path, help="your copy of the data set (isbi12, drive, topomortar)")
    parser.add_argument("--train-count", type=int, default=48, help="images generated (synthetic sets)")
    parser.add_argument("--sample-shape", type=lambda t: tuple(int(v) for v in t.split(",")), default=(96, 96),
                        help="image shape of a synthetic set, e.g. 96,96")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--methods", default="topo,dmt,cldice,warping,betti_matching",
                        help="topological loss terms, in the order run (plain is always run first)")
    parser.add_argument("--weight", type=float, default=1.0,
                        help="weight of every topological term (with --balance gradient: the ratio of its "
                             "gradient norm to the pixel loss's)")
    parser.add_argument("--balance", default="gradient", choices=("gradient", "none"))
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--patch-size", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--steps-per-epoch", type=int, default=50)
    parser.add_argument("--pretrain-epochs", type=int, default=20)
    parser.add_argument("--finetune-epochs", type=int, default=6)
    parser.add_argument("--lr", type=float, default=1e-3, help="pretraining learning rate (cosine decay)")
    parser.add_argument("--finetune-lr", type=float, default=3e-4, help="fine-tuning learning rate (cosine decay)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    if args.dataset in REAL and args.root is None:
        parser.error(f"--root: {args.dataset} is read from your copy of it; say where it is")
    methods = [m for m in args.methods.split(",") if m]
    for method in methods:
        if method not in LOSSES or LOSSES[method].kind != "topological":
            parser.error(f"--methods: {method!r} is not a topological loss term")
    runs = (1 if args.dataset == "topomortar" else args.folds) * len(args.seeds.split(","))
    args.out.mkdir(parents=True, exist_ok=True)
    log = args.out / "commands.txt"
    common = network_flags(args)
    pixel = PIXEL_LOSS[args.dataset]
    pretrain = args.out / "pretrain"
    if not finished(pretrain, runs):
        run(["cv", "--out", str(pretrain), *common, "--loss", pixel, "--epochs", str(args.pretrain_epochs),
             "--lr", str(args.lr)], log)
    tune = ["--epochs", str(args.finetune_epochs), "--lr", str(args.finetune_lr), "--init-from", str(pretrain)]
    labels = {"plain": pixel}
    for method in ["plain", *methods]:
        folder = args.out / method
        if method != "plain":
            labels[method] = f"{pixel}+{args.weight:g}*{method}"
        if not finished(folder, runs):
            balance = [] if method == "plain" else ["--loss-balance", args.balance]
            run(["cv", "--out", str(folder), *common, "--loss", labels[method], *balance, *tune], log)
    seconds = {method: median_column(args.out / method, "epoch_seconds") for method in ["plain", *methods]}
    factors = {method: median_column(args.out / method, f"train_loss_{method}_factor") for method in methods}
    terms = {method: median_column(args.out / method, f"train_loss_{method}") for method in methods}
    summary = {"epoch_seconds": seconds, "balance_factor": factors, "term_value": terms,
               "pixel_value": {m: median_column(args.out / m, f"train_loss_{pixel.split('+')[0]}")
                               for m in ["plain", *methods]}}
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    run(["compare", *(f"{m}={args.out / m}" for m in ["plain", *methods]), f"pretrained={pretrain}",
         "--out", str(args.out / "comparison"), "--figures", "3"], log)
    print("fine-tuning seconds per epoch: " + ", ".join(f"{m} {s:.1f}" for m, s in seconds.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
