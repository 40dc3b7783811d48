"""Experiment: seed 004's Table I on ISBI 2012 (plain UNet / + topological loss / + topological
preprocessing / both), by cross-validation over the 30 training images.

Folds are contiguous blocks of slices (the images are consecutive sections of one volume, so
neighbouring slices never straddle train and test). In each fold the other images train the
network, the last two of them held out as validation (choosing ``best.pt`` by validation Dice);
the fold's test images score it: accuracy, completeness (recall), correctness (precision),
quality (Jaccard), Dice, Betti errors of dimensions 0 and 1 (100 random 64x64 patches). The
structure segmented is the membrane (label 0 of the ISBI masks). Variants:

* ``plain``: ``ce``;
* ``topo``: ``ce + LAMBDA * topo`` with seed 004's rank matching (Eq. 2) on each whole training
  crop, after ``pretrain`` epochs of ``ce`` alone;
* ``pre-bright`` / ``pre-dark``: ``ce`` on topologically preprocessed inputs (objects = the
  bright cells or the dark membranes; every other option at its default);
* ``both-bright`` / ``both-dark``: both.

Every finished run appends one row to ``OUT/results.csv`` at once; an interrupted experiment
continues where it stopped (a run cut short resumes from its ``last.pt``). ``--summary`` prints
mean ± std per variant over (fold, seed) and a paired comparison with ``plain`` (Wilcoxon
signed-rank and paired t-test over the common (fold, seed) pairs).

    python benchmarks/exp_preprocess.py --out outputs/exp_preprocess            # full protocol
    python benchmarks/exp_preprocess.py --out outputs/exp_preprocess --summary  # the table
"""

from __future__ import annotations

import argparse
import csv
import os
import time
from pathlib import Path

import numpy as np

VARIANTS = ("plain", "topo", "pre-bright", "pre-dark", "both-bright", "both-dark")
COLUMNS = ("accuracy", "recall", "precision", "jaccard", "dice", "betti_error_0", "betti_error_1")
NAMES = {"recall": "completeness", "precision": "correctness", "jaccard": "quality"}
FIELDS = ("fold", "seed", "variant", "train_seconds", "test_seconds", *COLUMNS)


def data_root() -> Path:
    if os.environ.get("TOPOSEG_DATA"):
        return Path(os.environ["TOPOSEG_DATA"]) / "isbi12"
    return Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "isbi12"


def make_fold(source: Path, target: Path, fold: int, folds: int) -> Path:
    """Folder dataset of one fold under ``target``: images linked, masks inverted (membranes
    as foreground, 255)."""
    import imageio.v3 as iio

    names = sorted(p.stem for p in (source / "images").glob("*.png"))
    blocks = np.array_split(np.arange(len(names)), folds)
    test = [names[i] for i in blocks[fold]]
    rest = [n for n in names if n not in test]
    splits = {"train": rest[:-2], "val": rest[-2:], "test": test}
    root = target / f"fold{fold}"
    for split, members in splits.items():
        for kind in ("images", "masks"):
            (root / split / kind).mkdir(parents=True, exist_ok=True)
        for name in members:
            link = root / split / "images" / f"{name}.png"
            if not link.exists():
                link.symlink_to((source / "images" / f"{name}.png").resolve())
            mask = root / split / "masks" / f"{name}.png"
            if not mask.exists():
                labels = iio.imread(source / "masks" / f"{name}.png")
                iio.imwrite(mask, np.where(labels == 0, 255, 0).astype(np.uint8))
    return root


def config_for(args: argparse.Namespace, root: Path, variant: str, seed: int):
    from toposeg.train import TrainConfig

    kind, _, polarity = variant.partition("-")
    loss = "ce" if kind in ("plain", "pre") else f"ce+{args.topo_weight}*topo"
    return TrainConfig(
        dataset="folder", root=str(root), patch_size=(args.patch, args.patch), depth=args.depth, width=args.width,
        loss=loss, loss_options={"topo": {"matching": "rank", "patch": "whole"}} if "topo" in loss else {},
        epochs=args.epochs, pretrain_epochs=args.pretrain if "topo" in loss else 0, steps_per_epoch=args.steps,
        batch_size=args.batch, lr=args.lr, val_metrics=("dice",), best_metric="dice", seed=seed,
        threads=args.threads, preprocess=f"objects={polarity}" if polarity else None,
    )


def done_runs(results: Path) -> set[tuple[int, int, str]]:
    if not results.is_file():
        return set()
    with open(results, newline="") as file:
        return {(int(r["fold"]), int(r["seed"]), r["variant"]) for r in csv.DictReader(file)}


def append_row(results: Path, row: dict) -> None:
    new = not results.is_file()
    with open(results, "a", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=FIELDS)
        if new:
            writer.writeheader()
        writer.writerow(row)
        file.flush()
        os.fsync(file.fileno())


def run(args: argparse.Namespace) -> None:
    from toposeg.train import evaluate_checkpoint, train

    args.out.mkdir(parents=True, exist_ok=True)
    results = args.out / "results.csv"
    for seed in args.seeds:
        for fold in args.run_folds or range(args.folds):
            root = make_fold(args.data, args.out / "data", fold, args.folds)
            for variant in args.variants:
                if (fold, seed, variant) in done_runs(results):
                    continue
                out = args.out / "runs" / f"fold{fold}_seed{seed}_{variant}"
                config = config_for(args, root, variant, seed)
                start = time.perf_counter()
                resume = (out / "last.pt").is_file()
                train(config, out, resume=resume, progress=False, device="cpu")
                trained = time.perf_counter()
                scores = evaluate_checkpoint(out / "best.pt", split="test",
                                             metrics=("accuracy", "dice", "jaccard", "precision_recall",
                                                      "betti_error"),
                                             options={"patch_size": 64, "seed": seed},
                                             window=None)
                summary = scores.summary()
                row = {"fold": fold, "seed": seed, "variant": variant,
                       "train_seconds": round(trained - start, 1),
                       "test_seconds": round(time.perf_counter() - trained, 1),
                       **{c: summary[c].mean for c in COLUMNS}}
                append_row(results, row)
                print(f"fold {fold} seed {seed} {variant}: dice {row['dice']:.4f} betti_error_1 "
                      f"{row['betti_error_1']:.3f} ({row['train_seconds']} s)", flush=True)


def summarise(results: Path) -> str:
    from scipy import stats

    with open(results, newline="") as file:
        rows = list(csv.DictReader(file))
    by = {}
    for r in rows:
        by.setdefault(r["variant"], {})[(r["fold"], r["seed"])] = r
    variants = [v for v in VARIANTS if v in by]
    header = "| metric | " + " | ".join(f"{v} (n={len(by[v])})" for v in variants) + " |"
    lines = [header, "|" + " --- |" * (len(variants) + 1)]
    for column in COLUMNS:
        cells = []
        for v in variants:
            values = np.array([float(r[column]) for r in by[v].values()])
            cells.append(f"{values.mean():.4f} ± {values.std():.4f}")
        lines.append(f"| {NAMES.get(column, column)} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("Paired against plain over common (fold, seed): mean difference, Wilcoxon p, paired t p")
    for v in variants:
        if v == "plain":
            continue
        keys = sorted(set(by[v]) & set(by.get("plain", {})))
        if len(keys) < 2:
            lines.append(f"- {v}: {len(keys)} common run(s), no test")
            continue
        parts = []
        for column in ("dice", "betti_error_0", "betti_error_1"):
            a = np.array([float(by[v][k][column]) for k in keys])
            b = np.array([float(by["plain"][k][column]) for k in keys])
            diff = a - b
            wilcoxon = stats.wilcoxon(a, b).pvalue if np.any(diff != 0) else 1.0
            parts.append(f"{column} {diff.mean():+.4f} (p {wilcoxon:.2f} / {stats.ttest_rel(a, b).pvalue:.2f})")
        lines.append(f"- {v} (n={len(keys)}): " + "; ".join(parts))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=data_root())
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--run-folds", type=int, nargs="*", default=None, help="only these folds")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--pretrain", type=int, default=25, help="epochs of ce alone before the topological term")
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--patch", type=int, default=64)
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--topo-weight", type=float, default=0.1)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--summary", action="store_true", help="print the table of OUT/results.csv and stop")
    args = parser.parse_args()
    if args.summary:
        print(summarise(args.out / "results.csv"))
        return
    if not (args.data / "images").is_dir():
        raise SystemExit(f"ISBI 2012 not found at {args.data} (set TOPOSEG_DATA or --data)")
    run(args)
    print(summarise(args.out / "results.csv"))


if __name__ == "__main__":
    main()
