"""``toposeg demo``: the main job.

On a built-in dataset, train a plain UNet and UNets fine-tuned with each topological loss (from
the plain network's pretrained weights), score them on the held-out test split, print one
comparison table and write a figure per method. ``--quick`` runs a tiny version in seconds.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

NAME = "demo"
HELP = "compare a plain UNet with UNets fine-tuned with each topological loss on a built-in dataset"

# --quick: tiny data and network, a few steps (CI and tests)
_QUICK = {"train_count": 4, "val_count": 2, "test_count": 2, "depth": 2, "width": 4, "batch_size": 4,
          "steps_per_epoch": 3, "pretrain_epochs": 2, "finetune_epochs": 1}
_QUICK_SHAPES = {2: {"sample_shape": (64, 64), "patch_size": (32, 32)},
                 3: {"sample_shape": (24, 24, 24), "patch_size": (16, 16, 16)}}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from toposeg.losses import LOSSES

    topological = ",".join(name for name, entry in LOSSES.items() if entry.kind == "topological" and entry.in_demo)
    parser.add_argument("--out", type=Path, default=Path("outputs/demo"), help="output folder")
    parser.add_argument("--dataset", default=None,
                        help="built-in dataset (default: membranes), or a real one from your copy: isbi12, drive, "
                             "topomortar with --root")
    parser.add_argument("--root", default=None,
                        help="your copy of the real data set (default: $TOPOSEG_DATA); nothing is downloaded")
    parser.add_argument("--methods", default=None,
                        help=f"comma-separated: plain and topological losses (default: plain,{topological})")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights and patches")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default 1)")
    parser.add_argument("--quick", action="store_true", help="a tiny run for CI (seconds)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars or epoch lines")


def run(args: argparse.Namespace) -> int:
    from toposeg.train.comparison import (
        ComparisonConfig,
        compare_losses,
        format_comparison,
    )

    options: dict[str, object] = dict(_QUICK) if args.quick else {}
    if args.dataset is not None:
        options["dataset"] = args.dataset
    if args.root is not None:
        options["root"] = args.root
    if args.methods is not None:
        options["methods"] = tuple(m.strip() for m in args.methods.split(",") if m.strip())
    if args.threads is not None:
        options["threads"] = args.threads
    config = ComparisonConfig(seed=args.seed, **options)
    out = args.out / "quick" if args.quick else args.out
    start, cpu_start = time.perf_counter(), time.process_time()
    result = compare_losses(config, out, progress=not args.no_progress)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    print()
    from toposeg.data import DATASETS

    files = DATASETS[config.dataset].kind in ("benchmark", "folder")
    training = "its train split" if files else f"{config.train_count} training samples"
    print(f"{config.dataset}: {training}, tested on {'at most ' * files}{config.test_count} held-out "
          f"samples; {config.pretrain_epochs} pretraining + {config.finetune_epochs} fine-tuning epochs of "
          f"{config.steps_per_epoch} steps (batch {config.batch_size}); mean ± std over the test samples")
    print(format_comparison(result))
    print(f"\nfinished in {wall:.0f} s ({cpu:.0f} s CPU); table in {out / 'comparison.md'}, "
          f"figures in {out / 'figures'}")
    return 0
