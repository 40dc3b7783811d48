"""``toposeg compare RUN...``: one table of ``toposeg cv`` runs, a paired permutation test of
each against a baseline, and a figure per held-out image."""

from __future__ import annotations

import argparse
from pathlib import Path

NAME = "compare"
HELP = "compare toposeg cv runs: one table (mean ± std), paired permutation tests, a figure per image"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("runs", type=Path, nargs="+", help="output folders of toposeg cv (LABEL=FOLDER to name one)")
    parser.add_argument("--baseline", default=None, help="label of the baseline run (default: the first)")
    parser.add_argument("--columns", default=None,
                        help="comma-separated metric columns (default: Betti errors dims 1 and 0 on patches and "
                             "of the whole image, Dice, accuracy, ARI error, VOI, clDice, warping error)")
    parser.add_argument("--permutations", type=int, default=20000,
                        help="random sign patterns of the test when there are more than 16 pairs")
    parser.add_argument("--out", type=Path, default=None,
                        help="write comparison.md and figures/<image>.png here")
    parser.add_argument("--figures", type=int, default=None,
                        help="at most this many figures (default: one per held-out image of the first seed)")
    parser.add_argument("--root", default=None, help="the data folder, if it moved since the runs")


def run(args: argparse.Namespace) -> int:
    from toposeg._atomic import write_text_atomically
    from toposeg.train.compare import compare_runs, format_runs, load_run, plot_run_figures

    runs = []
    for entry in args.runs:
        label, separator, folder = str(entry).partition("=")
        runs.append(load_run(folder, label) if separator else load_run(entry))
    columns = None if args.columns is None else [c.strip() for c in args.columns.split(",") if c.strip()]
    comparison = compare_runs(runs, baseline=args.baseline, columns=columns, permutations=args.permutations)
    table = format_runs(comparison)
    print(table)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        write_text_atomically(args.out / "comparison.md", table + "\n")
        written = plot_run_figures(comparison, args.out / "figures", limit=args.figures, root=args.root)
        print(f"\nwrote {args.out / 'comparison.md'} and {len(written)} figure(s) in {args.out / 'figures'}")
    return 0
