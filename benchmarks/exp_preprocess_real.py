"""Experiment: seed 004's Table I on ISBI 2012 with the real-data protocol of exp_real.py (issue 16).

``exp_preprocess.py`` runs the seed's comparison with its own small training loop; this script
runs it as ``toposeg cv`` invocations on the protocol of ``exp_real.py`` (UNet depth 4, width
16, 128-px crops, pretraining then fine-tuning from the same per-fold networks), so that the
plain rows are the same networks as the losses' comparison of docs/experiments.md:

* ``plain``: ``<base>/plain`` of ``exp_real.py`` (pixel loss, pretrained then fine-tuned);
* ``topo-rank``: fine-tuned from ``<base>/pretrain`` with ``ce + topo`` (``matching="rank"``,
  the seed's Eq. 2, gradient-balanced weight 1);
* ``pre``: pretrained and fine-tuned with the pixel loss on preprocessed inputs
  (``--preprocess``, applied alike to training, validation and held-out images);
* ``both``: fine-tuned from ``pre``'s pretrained networks with ``ce + topo`` (rank matching).

The seed's gap rule keeps about one object per ISBI image (docs/preprocess.md), so the
preprocessing here uses a fixed threshold from :func:`toposeg.preprocess.count_threshold`: the
lifetime that keeps as many bright objects as each training image has annotated cells (the
components of its non-membrane pixels, 8-connected), median over images. It is computed per fold
on that fold's training and validation images and printed; one value (the median of the folds',
rounded to an integer grey level) serves every fold, since ``toposeg cv`` takes one
preprocessing for its protocol.

    python benchmarks/exp_real.py --dataset isbi12 --root DATA/isbi12 --out runs/isbi12
    python benchmarks/exp_preprocess_real.py --base runs/isbi12 --out runs/isbi12_table1

Finished runs are kept (running the command again continues a killed experiment).
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
from pathlib import Path

import numpy as np
from exp_real import finished, network_flags, run
from scipy import ndimage

from toposeg.persistence import cubical_persistence
from toposeg.preprocess import PreprocessOptions, count_threshold, modify_border, smooth
from toposeg.train import CVConfig, fold_plan


def fold_thresholds(config: CVConfig, options: PreprocessOptions) -> list[float]:
    """The count-rule threshold of each fold, from its training and validation images only."""
    thresholds = []
    for train, val, _ in fold_plan(config):
        lifetimes, counts = [], []
        for sample in [*train, *val]:
            image = np.asarray(sample.image, dtype=np.float64).squeeze()
            modified = modify_border(smooth(image, options.smoothing), options.border, objects=options.objects)
            persistence = cubical_persistence(modified, superlevel=options.objects == "bright",
                                              connectivity=options.connectivity)
            lifetimes.append(persistence.persistence(0))
            counts.append(int(ndimage.label(~np.asarray(sample.mask, dtype=bool).squeeze(),
                                            structure=np.ones((3, 3)))[1]))
        thresholds.append(count_threshold(lifetimes, counts))
    return thresholds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, type=Path, help="the output folder of exp_real.py on isbi12")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--objects", default="bright", choices=("bright", "dark"))
    parser.add_argument("--seeds", default="0", help="seeds run (each must be finished in --base)")
    args = parser.parse_args(argv)
    base = json.loads((args.base / "pretrain" / "cv.json").read_text(encoding="utf-8"))
    config = CVConfig.from_dict(base["config"])
    if config.base.dataset != "isbi12":
        parser.error(f"--base: {args.base} holds a {config.base.dataset} run, not isbi12")
    seeds = [int(s) for s in args.seeds.split(",")]
    runs = len(seeds) * config.folds
    for folder in ("pretrain", "plain"):
        with open(args.base / folder / "per_image.csv", encoding="utf-8", newline="") as file:
            done = {(int(r["seed"]), int(r["fold"])) for r in csv.DictReader(file)}
        if not {(s, f) for s in seeds for f in range(config.folds)} <= done:
            parser.error(f"--base: {args.base / folder} lacks seeds {args.seeds} (run exp_real.py first)")
    args.out.mkdir(parents=True, exist_ok=True)
    log = args.out / "commands.txt"
    options = PreprocessOptions(objects=args.objects)
    record = args.out / "thresholds.json"
    if not record.is_file():
        per_fold = fold_thresholds(config, options)
        record.write_text(json.dumps({"objects": args.objects, "per_fold": per_fold,
                                      "threshold": round(statistics.median(per_fold))}, indent=2) + "\n")
    chosen = json.loads(record.read_text())
    print(f"count-rule thresholds per fold: {chosen['per_fold']} -> {chosen['threshold']}")
    preprocess = f"objects={args.objects},threshold={chosen['threshold']}"
    plain = CVConfig.from_dict(json.loads((args.base / "plain" / "cv.json").read_text())["config"]).base
    network = network_flags(argparse.Namespace(
        dataset="isbi12", root=config.base.root, folds=config.folds, seeds=args.seeds,
        depth=config.base.depth, width=config.base.width, patch_size=config.base.patch_size[0],
        batch_size=config.base.batch_size, steps_per_epoch=config.base.steps_per_epoch, threads=config.base.threads))
    tune = ["--epochs", str(plain.epochs), "--lr", str(plain.lr)]
    pretrain_epochs = [str(config.base.epochs)]
    rank = ["--loss", "ce+1*topo", "--loss-option", "topo.matching=rank", "--loss-balance", "gradient"]
    plan = [
        ("topo-rank", [*network, *rank, *tune, "--init-from", str(args.base / "pretrain")]),
        ("pre-pretrain", [*network, "--preprocess", preprocess, "--loss", "ce", "--epochs", *pretrain_epochs,
                          "--lr", str(config.base.lr)]),
        ("pre", [*network, "--preprocess", preprocess, "--loss", "ce", *tune,
                 "--init-from", str(args.out / "pre-pretrain")]),
        ("both", [*network, "--preprocess", preprocess, *rank, *tune, "--init-from", str(args.out / "pre-pretrain")]),
    ]
    for name, command in plan:
        if not finished(args.out / name, runs):
            run(["cv", "--out", str(args.out / name), *command], log)
    run(["compare", f"plain={args.base / 'plain'}", *(f"{n}={args.out / n}" for n in ("topo-rank", "pre", "both")),
         "--out", str(args.out / "comparison"), "--figures", "3"], log)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
