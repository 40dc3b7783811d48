"""Does the held-out score depend on how the image is tiled? Whole-image prediction against windows.

For every (seed, fold) network of a ``toposeg cv`` folder (the finished ones), predicts its held-out images in one
pass and by sliding windows of the given sizes (overlap 0.5, Gaussian blending), scores each with
the protocol's metrics and options, and prints per route the mean of each column and its paired
mean difference from the whole-image route over the images.

    python benchmarks/exp_inference_route.py runs/isbi12/pretrain --windows 256,384

The recorded run is in docs/experiments.md.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from toposeg.train import (CVConfig, fold_plan, load_checkpoint, model_from_checkpoint, predict_samples,
                           score_samples)

COLUMNS = ("dice", "adapted_rand_f_score", "voi_total", "betti_error_1", "betti_error_0", "betti_error_global_0")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path, help="a toposeg cv output folder")
    parser.add_argument("--windows", default="256,384", help="comma-separated square window sides")
    args = parser.parse_args(argv)
    record = json.loads((args.run / "cv.json").read_text(encoding="utf-8"))
    config = CVConfig.from_dict(record["config"])
    routes = {"whole": None, **{f"window {w}": (int(w), int(w)) for w in args.windows.split(",")}}
    values: dict[str, dict[str, list[float]]] = {route: {c: [] for c in COLUMNS} for route in routes}
    for seed in config.seeds:
        for fold, (_, _, test) in enumerate(fold_plan(config)):
            folder = args.run / f"seed{seed}" / f"fold{fold}"
            if not (folder / "scores.csv").is_file():
                continue  # that network is not finished
            model, trained = model_from_checkpoint(load_checkpoint(folder / "last.pt"))
            for route, window in routes.items():
                likelihoods = predict_samples(model, test, normalise=trained.normalise, window=window)
                scores = score_samples(likelihoods, test, threshold=trained.threshold, metrics=config.metrics,
                                       options=config.options())
                for _, row in scores.rows:
                    for column in COLUMNS:
                        values[route][column].append(float(row.get(column, np.nan)))
            print(f"seed {seed} fold {fold} done", flush=True)
    print("| route | " + " | ".join(COLUMNS) + " |")
    print("| --- |" + " --- |" * len(COLUMNS))
    whole = {c: np.array(values["whole"][c]) for c in COLUMNS}
    for route in routes:
        cells = []
        for column in COLUMNS:
            v = np.array(values[route][column])
            difference = v - whole[column]
            cells.append(f"{np.nanmean(v):.4f}" + ("" if route == "whole" else
                                                    f" ({np.nanmean(difference):+.4f} ± {np.nanstd(difference):.4f})"))
        print(f"| {route} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
