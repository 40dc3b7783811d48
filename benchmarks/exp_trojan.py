"""Trojan detection on a hunted model zoo: detection, controls, and ablations (docs/trojan.md).

Reads the hunts written by ``toposeg trojan hunt`` under ROOT (``hunt-prior``, ``hunt-noprior``
and, where present, ``hunt-nodiv``, ``hunt-l10``, ``hunt-l100``), runs the cross-validated
bag-of-features detector on each, and prints markdown tables (also written to
ROOT/results.md). Every comparison uses the models present in all hunts compared.

    python benchmarks/exp_trojan.py --root outputs/trojan --steps 25
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from scipy.stats import wilcoxon

from toposeg.trojan import cross_validate, load_hunt
from toposeg.trojan.report import detection_rows, first_round, recovery_summary

VARIANTS = {"prior": "with the prior (lambda2 = 1)", "noprior": "without the prior (lambda2 = 0)",
            "l10": "lambda2 = 10", "l100": "lambda2 = 100", "nodiv": "without diversity (lambda1 = 0)"}


def _cell(value) -> str:
    return value if isinstance(value, str) else value.summary()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=Path("outputs/trojan"))
    parser.add_argument("--folds", type=int, default=8)
    parser.add_argument("--seeds", default="0,1,2", help="seeds of the main detector rows")
    parser.add_argument("--control-seeds", default="0", help="seeds of the controls, N_T = 1 and zoo sizes")
    parser.add_argument("--permutations", type=int, default=50,
                        help="label permutations of the shuffled-labels control (one cross-validation each)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    seeds = tuple(int(s) for s in args.seeds.split(","))
    control_seeds = tuple(int(s) for s in args.control_seeds.split(","))
    start = time.perf_counter()
    hunts = {name: {r.index: r for r in load_hunt(args.root / f"hunt-{name}")}
             for name in VARIANTS if (args.root / f"hunt-{name}").is_dir()}
    lines: list[str] = []

    def emit(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    common = sorted(set(hunts["prior"]) & set(hunts["noprior"]))
    num_triggers = json.loads((args.root / "hunt-prior" / "config.json").read_text())["num_triggers"]
    emit(f"## Detection on {len(common)} models ({sum(hunts['prior'][i].trojaned for i in common)} Trojaned), "
         f"{args.folds}-fold CV x seeds {seeds}\n")
    emit("| hunt | feature set | AUC / ACC (mean ± std over folds x seeds) |")
    emit("| --- | --- | --- |")
    main_cv = {}
    for name in ("prior", "noprior"):
        records = [hunts[name][i] for i in common]
        for row, value in detection_rows(records, folds=args.folds, seeds=seeds, control_seeds=control_seeds,
                                         permutations=args.permutations):
            emit(f"| {VARIANTS[name]} | {row.strip()} | {_cell(value)} |")
            if row == "bag-of-features detector":
                main_cv[name] = value
        one = cross_validate(first_round(records, num_triggers), np.array([int(r.trojaned) for r in records]),
                             folds=args.folds, seeds=control_seeds)
        emit(f"| {VARIANTS[name]} | N_T = 1 (round-0 candidates), seeds {control_seeds} | {one.summary()} |")
    diff = main_cv["prior"].auc - main_cv["noprior"].auc
    ok = ~np.isnan(diff)
    emit(f"\nprior minus no prior, per-fold AUC: {diff[ok].mean():+.3f} ± {diff[ok].std():.3f}, "
         f"Wilcoxon signed-rank p = {wilcoxon(diff[ok]).pvalue:.3g} ({ok.sum()} paired folds)")

    emit("\n## Trigger recovery (Trojaned models: IoU with the true trigger, target hit; all models: "
         "steps to flip as a fraction of the budget, components per candidate, mask size)\n")
    emit("| hunt | models | IoU | target hit | steps to flip | components | mask size | s / model |")
    emit("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, by_index in hunts.items():
        records = list(by_index.values())
        s = recovery_summary(records)
        emit(f"| {VARIANTS[name]} | {len(records)} | {s['iou']:.3f} | {s['target_hit']:.3f} | "
             f"{s['steps_to_flip']:.3f} | {s['components']:.2f} | {s['mask_size']:.3f} | {s['seconds']:.1f} |")

    subsets = {name: sorted(set(by_index) & set(hunts["prior"]) & set(hunts["noprior"]))
               for name, by_index in hunts.items() if name not in ("prior", "noprior")}
    for name, indices in subsets.items():
        if len(indices) < 2 * args.folds:
            continue
        emit(f"\n## Ablation {VARIANTS[name]} on the {len(indices)} models hunted by every variant\n")
        emit("| hunt | detector AUC / ACC |")
        emit("| --- | --- |")
        for variant in ("prior", "noprior", name):
            records = [hunts[variant][i] for i in indices]
            cv = cross_validate(np.stack([r.features for r in records]), np.array([int(r.trojaned) for r in records]),
                                folds=args.folds, seeds=control_seeds)
            emit(f"| {VARIANTS[variant]} | {cv.summary()} |")

    emit(f"\n## Zoo size (the first n models by index), seeds {control_seeds}\n")
    emit("| n | with the prior | without the prior |")
    emit("| --- | --- | --- |")
    for n in (25, 50, 100, 150, 200):
        indices = common[:n]
        if len(indices) < n:
            break
        if min(np.bincount([int(hunts["prior"][i].trojaned) for i in indices], minlength=2)) < args.folds:
            continue  # too few models of one class for the folds
        cells = []
        for name in ("prior", "noprior"):
            records = [hunts[name][i] for i in indices]
            cells.append(cross_validate(np.stack([r.features for r in records]),
                                        np.array([int(r.trojaned) for r in records]),
                                        folds=args.folds, seeds=control_seeds).summary())
        emit(f"| {n} | {cells[0]} | {cells[1]} |")
    emit(f"\n(experiment script: {time.perf_counter() - start:.0f} s)")
    (args.root / "results.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
