"""Speed of the metrics on 1024x1024 pairs: every metric alone, the default set together
(shared skeletons and contingency table), and scikit-image's ARE/VOI/Euler as peers.

Run: nice -n 5 python benchmarks/bench_metrics.py [--repeats 5] [--size 1024]
Single thread: set OMP_NUM_THREADS=1 (SciPy/NumPy kernels used here are single-threaded anyway).
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, os.path.dirname(__file__))

import numpy as np  # noqa: E402
from scipy import ndimage  # noqa: E402
from scipy.spatial import cKDTree  # noqa: E402

from _timing import median_time, print_table  # noqa: E402
from toposeg.data import curvilinear_likelihood  # noqa: E402
from toposeg.metrics import METRICS, MetricAccumulator  # noqa: E402
from toposeg.metrics.registry import evaluate_pair, select_metrics  # noqa: E402


def curvilinear_pair(size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Thin curves (vessels/roads, ~3% foreground) and a noisy prediction of them."""
    likelihood = curvilinear_likelihood((size, size), seed=seed)
    gt = likelihood > 0.5
    rng = np.random.default_rng(seed + 1)
    noise = ndimage.gaussian_filter(rng.standard_normal((size, size)), 2.0)
    pred = likelihood + 0.15 * noise / np.abs(noise).max() > 0.5
    return pred, gt


def membrane_pair(size: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Cell membranes (Voronoi boundaries, ~9% foreground) and a prediction with gaps and
    spurious blobs, as for EM images."""
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    default = select_metrics("default", METRICS)
    graph = select_metrics(["apls", "tlts", "jct"], METRICS)
    for title, (pred, gt) in (
        ("curvilinear", curvilinear_pair(args.size)),
        ("membranes", membrane_pair(args.size)),
    ):
        print(f"\n== {title} {pred.shape}: foreground gt {gt.mean():.3f}, pred {pred.mean():.3f}")
        for metric in (*default, *graph):  # warm up: imports, Numba/skan compilation
            evaluate_pair(pred, gt, [metric])
        rows = []
        for metric in (*default, *graph, *select_metrics(["ap75", "betti_error_tiles"], METRICS)):
            seconds = median_time(lambda m=metric: evaluate_pair(pred, gt, [m]), repeats=args.repeats)
            rows.append({"metric": metric.name, "alone ms": 1000 * seconds})
        together = median_time(lambda: evaluate_pair(pred, gt, default), repeats=args.repeats)
        accumulator = MetricAccumulator("default")
        with_accumulator = median_time(lambda: accumulator.update(pred, gt), repeats=args.repeats)
        rows.append({"metric": "DEFAULT SET (shared inputs)", "alone ms": 1000 * together})
        rows.append({"metric": "DEFAULT SET via MetricAccumulator", "alone ms": 1000 * with_accumulator})
        print_table(rows)
        print(f"default set: {1000 * together:.0f} ms (target < 1000 ms): "
              f"{'met' if together < 1.0 else 'NOT met'}")
        peers(pred, gt, args.repeats)


def peers(pred: np.ndarray, gt: np.ndarray, repeats: int) -> None:
    """toposeg against scikit-image on the same labelled inputs."""
    from skimage.measure import euler_number, label
    from skimage.metrics import adapted_rand_error, variation_of_information

    from toposeg import betti_numbers
    from toposeg.metrics import adapted_rand, contingency_table, voi

    gt_labels, pred_labels = label(gt, connectivity=1), label(pred, connectivity=1)
    pred_unique = pred_labels.copy()  # prediction 0 inside the GT foreground -> singletons
    zeros = (pred_unique == 0) & (gt_labels != 0)
    pred_unique[zeros] = pred_unique.max() + 1 + np.arange(np.count_nonzero(zeros))
    rows = [
        {"task": "ARE (labels given)",
         "toposeg ms": 1000 * median_time(lambda: adapted_rand(pred_labels, gt_labels, regions="labels"), repeats=repeats),
         "skimage ms": 1000 * median_time(lambda: adapted_rand_error(gt_labels, pred_unique), repeats=repeats)},
        {"task": "VOI (labels given)",
         "toposeg ms": 1000 * median_time(lambda: voi(pred_labels, gt_labels, regions="labels"), repeats=repeats),
         "skimage ms": 1000 * median_time(lambda: variation_of_information(gt_labels, pred_labels, ignore_labels=(0,)), repeats=repeats)},
        {"task": "contingency table from masks",
         "toposeg ms": 1000 * median_time(lambda: contingency_table(pred, gt), repeats=repeats),
         "skimage ms": float("nan")},
        {"task": "Betti numbers (2D)",
         "toposeg ms": 1000 * median_time(lambda: betti_numbers(gt), repeats=repeats),
         "skimage ms": 1000 * median_time(lambda: (label(gt, connectivity=1).max(), euler_number(gt, connectivity=1)), repeats=repeats)},
    ]
    for row in rows:
        row["ratio"] = row["skimage ms"] / row["toposeg ms"]
    print_table(rows)


if __name__ == "__main__":
    main()
