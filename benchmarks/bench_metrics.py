"""Speed of the metrics on 1024x1024 pairs: the default set (total and an additive breakdown:
shared inputs, then each metric given them), every other metric alone, and scikit-image as a
peer for the adapted Rand error, VOI and Betti numbers (labelling + Euler number).

Run: OMP_NUM_THREADS=1 nice -n 5 python benchmarks/bench_metrics.py [--repeats 5] [--size 1024]
Everything here runs on one thread (NumPy/SciPy/scikit-image/skan kernels used are serial).
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, os.path.dirname(__file__))

import numpy as np
from _timing import median_time, print_table
from scipy import ndimage
from scipy.spatial import cKDTree

from toposeg.data import curvilinear_likelihood
from toposeg.metrics import METRICS, contingency_table
from toposeg.metrics._skeleton import skeleton_of
from toposeg.metrics.registry import evaluate_pair, select_metrics


def curvilinear_pair(size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Thin curves (vessels/roads, ~2% foreground, many small noise blobs) and a noisy
    prediction of them."""
    likelihood = curvilinear_likelihood((size, size), seed=seed)
    gt = likelihood > 0.5
    rng = np.random.default_rng(seed + 1)
    noise = ndimage.gaussian_filter(rng.standard_normal((size, size)), 2.0)
    pred = likelihood + 0.15 * noise / np.abs(noise).max() > 0.5
    return pred, gt


def membrane_pair(size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Cell membranes (Voronoi boundaries, ~9% foreground, one dense network) and a prediction
    with gaps and spurious blobs, as for EM images."""
    rng = np.random.default_rng(seed)
    cells = cKDTree(rng.random((size * size // 2600, 2)) * size)
    rows, cols = np.mgrid[:size, :size]
    labels = cells.query(np.c_[rows.ravel(), cols.ravel()])[1].reshape(size, size)
    gt = ndimage.morphological_gradient(labels, size=3) > 0
    pred = gt.copy()
    for _ in range(size // 8):
        r, c = rng.integers(0, size - 6, 2)
        pred[r : r + 5, c : c + 5] = rng.random() < 0.3
    return pred, gt


def breakdown(pred: np.ndarray, gt: np.ndarray, repeats: int) -> list[dict[str, object]]:
    """The default set: shared inputs once, then each metric given them (adds up to the total)."""
    default = select_metrics("default", METRICS)
    shared = {
        "pred_skeleton": skeleton_of(pred),
        "gt_skeleton": skeleton_of(gt),
        "table": contingency_table(pred, gt),
    }
    rows = [
        {"step": "shared: skeletons of pred and gt",
         "ms": 1000 * median_time(lambda: (skeleton_of(pred), skeleton_of(gt)), repeats=repeats)},
        {"step": "shared: contingency table (labelling)",
         "ms": 1000 * median_time(lambda: contingency_table(pred, gt), repeats=repeats)},
    ]
    for metric in default:
        function = metric.function
        keywords = {k: v for k, v in shared.items() if k in metric.keywords()}
        seconds = median_time(lambda f=function, m=metric, k=keywords: f(pred, gt, **k, **m.fixed),
                              repeats=repeats)
        rows.append({"step": metric.name, "ms": 1000 * seconds})
    rows.append({"step": "sum of the steps", "ms": sum(r["ms"] for r in rows)})
    total = median_time(lambda: evaluate_pair(pred, gt, default), repeats=repeats)
    rows.append({"step": "DEFAULT SET, evaluate_pair (total)", "ms": 1000 * total})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    for title, (pred, gt) in (
        ("curvilinear", curvilinear_pair(args.size)),
        ("membranes", membrane_pair(args.size)),
    ):
        print(f"\n== {title} {pred.shape}: foreground gt {gt.mean():.3f}, pred {pred.mean():.3f}")
        evaluate_pair(pred, gt, select_metrics("all", METRICS))  # warm-up: imports, JIT
        rows = breakdown(pred, gt, args.repeats)
        print_table(rows)
        total = rows[-1]["ms"]
        print(f"default set: {total:.0f} ms (target < 1000 ms on one core): "
              f"{'met' if total < 1000 else 'NOT met'}")
        others = [m for m in METRICS if not m.default]
        print_table([
            {"opt-in metric (alone, computes its own skeletons)": m.name,
             "ms": 1000 * median_time(lambda m=m: evaluate_pair(pred, gt, [m]), repeats=args.repeats)}
            for m in others
        ])
        peers(pred, gt, args.repeats)


def peers(pred: np.ndarray, gt: np.ndarray, repeats: int) -> None:
    """toposeg and scikit-image on the same label images."""
    from skimage.measure import euler_number, label
    from skimage.metrics import adapted_rand_error, variation_of_information

    from toposeg import betti_numbers
    from toposeg.metrics import adapted_rand, voi

    gt_labels, pred_labels = label(gt, connectivity=1), label(pred, connectivity=1)
    pred_unique = pred_labels.copy()  # prediction 0 inside the GT foreground -> singletons
    zeros = (pred_unique == 0) & (gt_labels != 0)
    pred_unique[zeros] = pred_unique.max() + 1 + np.arange(np.count_nonzero(zeros))

    def row(task, ours, theirs):
        ours_ms = 1000 * median_time(ours, repeats=repeats)
        theirs_ms = 1000 * median_time(theirs, repeats=repeats)
        return {"task": task, "toposeg ms": ours_ms, "scikit-image ms": theirs_ms,
                "speed-up": theirs_ms / ours_ms}

    print_table([
        row("adapted Rand (label images given)",
            lambda: adapted_rand(pred_labels, gt_labels, regions="labels"),
            lambda: adapted_rand_error(gt_labels, pred_unique)),
        row("VOI (label images given)",
            lambda: voi(pred_labels, gt_labels, regions="labels"),
            lambda: variation_of_information(gt_labels, pred_labels, ignore_labels=(0,))),
        row("Betti numbers of a 2D mask",
            lambda: betti_numbers(gt),
            lambda: (label(gt, connectivity=1).max(), euler_number(gt, connectivity=1))),
    ])


if __name__ == "__main__":
    main()
