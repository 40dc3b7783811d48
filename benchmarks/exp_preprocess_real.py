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

The preprocessing arms (``pre-pretrain``, ``pre``, ``both``) need only the base's configuration,
so they can train beside the base (``--arms pre-pretrain,pre,both`` while ``exp_real.py`` runs,
then ``--arms topo-rank``); the comparison is written by the call that finds every arm done.
Finished runs are kept (running the command again continues a killed experiment).
"""

from __future__ import annotations

import argparse
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


ARMS = ("pre-pretrain", "pre", "both", "topo-rank")


def require_finished(parser: argparse.ArgumentParser, base: Path, folders: tuple[str, ...], runs: int,
                     seeds: str) -> None:
    """Stop with a clear message unless every folder of ``base`` holds all ``runs`` (seed, fold) pairs."""
    for folder in folders:
        if not finished(base / folder, runs):
            parser.error(f"--base: {base / folder} lacks seeds {seeds} (finish exp_real.py, then run this again)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, type=Path, help="the output folder of exp_real.py on isbi12")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--objects", default="bright", choices=("bright", "dark"))
    parser.add_argument("--seeds", default="0", help="seeds run (each must be finished in --base)")
    parser.add_argument("--finetune-epochs", type=int, default=4, help="as exp_real.py's run in --base")
    parser.add_argument("--finetune-lr", type=float, default=3e-4, help="as exp_real.py's run in --base")
    parser.add_argument("--arms", default=",".join(ARMS),
                        help="the runs to train (two processes can share the work); compared once all are done")
    args = parser.parse_args(argv)
    arms = [a for a in args.arms.split(",") if a]
    if unknown := sorted(set(arms) - set(ARMS)):
        parser.error(f"--arms: unknown {', '.join(unknown)} (choose from {', '.join(ARMS)})")
    base = json.loads((args.base / "pretrain" / "cv.json").read_text(encoding="utf-8"))
    config = CVConfig.from_dict(base["config"])
    if config.base.dataset != "isbi12":
        parser.error(f"--base: {args.base} holds a {config.base.dataset} run, not isbi12")
    seeds = [int(s) for s in args.seeds.split(",")]
    runs = len(seeds) * config.folds
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
    network = network_flags(argparse.Namespace(
        dataset="isbi12", root=config.base.root, folds=config.folds, seeds=args.seeds,
        depth=config.base.depth, width=config.base.width, patch_size=config.base.patch_size[0],
        batch_size=config.base.batch_size, steps_per_epoch=config.base.steps_per_epoch, threads=config.base.threads))
    tune = ["--epochs", str(args.finetune_epochs), "--lr", str(args.finetune_lr)]
    pretrain_epochs = [str(config.base.epochs)]
    rank = ["--loss", "ce+1*topo", "--loss-option", "topo.matching=rank", "--loss-balance", "gradient"]
    # the preprocessing arms need nothing of the base but its configuration: they run first, so
    # that they can run beside a base that is still training
    plan = [
        ("pre-pretrain", [*network, "--preprocess", preprocess, "--loss", "ce", "--epochs", *pretrain_epochs,
                          "--lr", str(config.base.lr)]),
        ("pre", [*network, "--preprocess", preprocess, "--loss", "ce", *tune,
                 "--init-from", str(args.out / "pre-pretrain")]),
        ("both", [*network, "--preprocess", preprocess, *rank, *tune, "--init-from", str(args.out / "pre-pretrain")]),
        ("topo-rank", [*network, *rank, *tune, "--init-from", str(args.base / "pretrain")]),
    ]
    for name, command in plan:
        if name not in arms:
            continue
        if name == "topo-rank":
            require_finished(parser, args.base, ("pretrain", "plain"), runs, args.seeds)
            plain = CVConfig.from_dict(json.loads((args.base / "plain" / "cv.json").read_text())["config"]).base
            if (plain.epochs, plain.lr) != (args.finetune_epochs, args.finetune_lr):
                parser.error(f"--finetune-epochs/--finetune-lr: {args.finetune_epochs}/{args.finetune_lr} differ "
                             f"from the base's plain fine-tuning ({plain.epochs}/{plain.lr})")
        if not finished(args.out / name, runs):
            run(["cv", "--out", str(args.out / name), *command], log)
    if not all(finished(args.out / name, runs) for name in ARMS):
        print(f"not compared: {', '.join(n for n in ARMS if not finished(args.out / n, runs))} still to run")
        return 0
    require_finished(parser, args.base, ("plain",), runs, args.seeds)
    run(["compare", f"plain={args.base / 'plain'}", *(f"{n}={args.out / n}" for n in ("topo-rank", "pre", "both")),
         "--out", str(args.out / "comparison"), "--figures", "3"], log)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
