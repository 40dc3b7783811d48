"""``toposeg cv``: the papers' protocol, k-fold cross-validation (or fixed splits) over seeds.

Takes every option of ``toposeg train`` (data set, loss, schedule, ...) and trains one network
per (seed, fold), predicts the held-out images whole and writes per-image,
per-fold and summary scores. Running the same command again continues a killed protocol.
"""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "cv"
HELP = "k-fold cross-validation or fixed splits over seeds: train, predict held-out images, score them"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from toposeg.cli.train import add_arguments as add_train_arguments

    add_train_arguments(parser)
    protocol = parser.add_argument_group("protocol")
    protocol.add_argument("--folds", type=int, default=3,
                          help="k >= 2 folds over the annotated images (default 3, as the thesis); "
                               "0: the data set's fixed train/val/test splits (TopoMortar's protocol)")
    protocol.add_argument("--seeds", default="0", help="comma-separated seeds, one run per seed and fold (default 0)")
    protocol.add_argument("--fold-seed", type=int, default=0, help="seed of the fold assignment")
    protocol.add_argument("--cv-val-fraction", type=float, default=0.15,
                          help="share of each fold's training images used for validation (default 0.15)")
    protocol.add_argument("--checkpoint", choices=("last", "best"), default="last",
                          help="weights scored on the held-out images (default last)")
    protocol.add_argument("--window", default=None,
                          help="sliding-window size of the held-out predictions, e.g. 256 or 256,256 "
                               "(default: the whole image up to 2048x2048, else four training patches)")
    protocol.add_argument("--metrics", default="default", help="comma-separated metric names (default: 'default')")


def run(args: argparse.Namespace) -> int:
    from toposeg.cli.train import config_from_arguments
    from toposeg.data import MissingPackageError
    from toposeg.train import CVConfig, cross_validate
    from toposeg.train.compare import DEFAULT_COLUMNS
    from toposeg.train.conventions import accepted_options

    if args.resume is not None:
        raise ValueError("toposeg cv continues a protocol when run again with the same --out; --resume is for train")
    if args.out is None:
        raise ValueError("--out is required (the folder of the protocol's runs and tables)")
    try:
        seeds = tuple(int(s) for s in args.seeds.split(",") if s.strip())
    except ValueError:
        raise ValueError(f"--seeds must be comma-separated integers, got {args.seeds!r}") from None
    window = None
    if args.window is not None:
        sizes = tuple(int(v) for v in args.window.split(","))
        window = sizes * 2 if len(sizes) == 1 else sizes
    base = config_from_arguments(args)
    options = dict(base.metric_options)  # for the held-out scores; validation keeps those its metrics take
    taken = accepted_options(base.val_metrics)
    base = base.replace(metric_options={k: v for k, v in options.items() if k in taken})
    config = CVConfig(base=base, folds=args.folds, seeds=seeds, fold_seed=args.fold_seed,
                      val_fraction=args.cv_val_fraction, checkpoint=args.checkpoint, window=window,
                      metrics=tuple(m.strip() for m in args.metrics.split(",") if m.strip()),
                      metric_options=options)
    try:
        result = cross_validate(config, Path(args.out), progress=not args.no_progress, epoch_lines=not args.quiet,
                                device=args.device)
    except MissingPackageError as error:
        raise ValueError(str(error)) from error
    summary = result.summary()
    print(f"\n{base.dataset}: {'fixed splits' if config.folds == 0 else f'{config.folds}-fold'}, seeds {seeds}; "
          f"{len(result.rows)} held-out image scores; metric options {result.options}")
    for column in [c for c in DEFAULT_COLUMNS if c in summary]:
        mean, std, count = summary[column]
        print(f"  {column:<22} {mean:.4f} ± {std:.4f}  (n={count})")
    print(f"wrote {args.out}/per_image.csv, per_fold.csv, summary.csv, cv.json")
    return 0
