"""Betti matching speed: toposeg vs the reference (Betti-Matching-3D), and the loss's share of a
UNet training step.

Both run in this one process, single-threaded, on the same inputs: a prediction (the built-in
curvilinear likelihood map, or uniform noise: the worst case) against a binary target (the
likelihood map smoothed and thresholded), superlevel sets (the reference gets ``1 - x``, as
its loss does). Each timing is the median of several runs taken in turn; ratios are reference
time / toposeg time. The reference is the compiled module of the ``topolosses`` 0.2.0 wheel,
loaded by file path (see ``tests/reference/betti_matching_oracle.py``); without it only
toposeg is timed. The matchings' counts are checked equal on every input. Volumes are also
timed with ``workers=--threads`` (toposeg's passes of one volume on several threads; the
reference has one), a separate column.

    python benchmarks/bench_betti_matching.py            # up to 1024^2 and 64^3
    python benchmarks/bench_betti_matching.py --large    # also 128^3 (the reference is slow)
    python benchmarks/bench_betti_matching.py --loss     # also the loss vs a UNet step
    python benchmarks/bench_betti_matching.py --memory [--large]   # instead: peak memory of one matching
    python benchmarks/bench_betti_matching.py --threads 4   # volumes also on 4 threads (default 2)

Peak memory is measured in fresh subprocesses (``_timing.peak_memory``): the resident set size,
sampled every millisecond during one matching, above what the warmed-up interpreter used before
it, both inputs included.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
from scipy import ndimage

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))
from _timing import interleaved_medians, median_time, peak_memory, print_table

from tests.reference.betti_matching_oracle import load_reference
from toposeg.data import curvilinear_likelihood
from toposeg.persistence import betti_matching

SHAPES = [(256, 256), (512, 512), (1024, 1024), (64, 64, 64)]
LARGE = [(128, 128, 128)]


def make_inputs(kind: str, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    likelihood = curvilinear_likelihood(shape, seed=0)
    target = (ndimage.gaussian_filter(likelihood, 1.0) > 0.5).astype(np.float32)
    if kind == "noise":
        return np.random.default_rng(0).random(shape).astype(np.float32), target
    return likelihood, target


def repeats_for(shape: tuple[int, ...]) -> int:
    size = int(np.prod(shape))
    return 5 if size <= 512 * 512 else 3


def loss_share(repeats: int) -> list[dict[str, object]]:
    """The loss forward + backward against one UNet training step (1x1x512x512)."""
    import torch

    from toposeg.losses import betti_matching_loss
    from toposeg.models import UNet

    torch.set_num_threads(1)
    shape = (1, 1, 512, 512)
    net = UNet(1, 1, ndim=2, depth=4, width=32, norm="batch")
    optimiser = torch.optim.Adam(net.parameters(), lr=1e-3)
    image = torch.rand(shape)
    mask = (torch.rand(shape) > 0.8).float()

    def step():
        optimiser.zero_grad()
        torch.nn.functional.binary_cross_entropy_with_logits(net(image), mask).backward()
        optimiser.step()

    step_time = median_time(step, repeats=repeats)
    rows = []
    for kind in ("curvilinear", "noise"):
        prob, target = (torch.from_numpy(a).reshape(shape) for a in make_inputs(kind, shape[2:]))

        def run(prob=prob, target=target):
            leaf = prob.clone().requires_grad_()
            betti_matching_loss(leaf, target, workers=1).backward()

        seconds = median_time(run, repeats=repeats)
        rows.append({"prediction": kind, "loss s": seconds, "UNet step s": step_time,
                     "% of step": 100 * seconds / step_time})
    return rows


def measure_memory(kind: str, shape: tuple[int, ...]) -> tuple[float, float, float]:
    """Peak resident memory (MB, both inputs included), wall and CPU seconds of one matching."""
    setup = (f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\n"
             "from bench_betti_matching import make_inputs\nfrom toposeg.persistence import betti_matching\n"
             f"betti_matching(*make_inputs({kind!r}, (9,) * {len(shape)}))  # compile\n"
             f"pred, target = make_inputs({kind!r}, {tuple(shape)!r})")
    return peak_memory(setup, "betti_matching(pred, target)", "pred.nbytes + target.nbytes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="include 128^3")
    parser.add_argument("--loss", action="store_true", help="time the loss against a UNet step")
    parser.add_argument("--threads", type=int, default=2, help="threads of toposeg's second timing of volumes")
    parser.add_argument("--memory", action="store_true", help="instead of the timings: peak memory of one matching (fresh processes)")
    args = parser.parse_args()
    reference = load_reference()
    if reference is None:
        print("the reference is not on this machine: toposeg alone")
    betti_matching(np.random.default_rng(0).random((9, 9)), np.zeros((9, 9)))  # compile
    betti_matching(np.random.default_rng(0).random((5, 5, 5)), np.zeros((5, 5, 5)))
    rows = []
    for shape in [] if args.memory else SHAPES + (LARGE if args.large else []):
        for kind in ("curvilinear", "noise"):
            pred, target = make_inputs(kind, shape)
            runs = {"toposeg": lambda: betti_matching(pred, target)}
            threaded = f"toposeg {args.threads} threads"
            if len(shape) == 3 and args.threads > 1:
                runs[threaded] = lambda: betti_matching(pred, target, workers=args.threads)
            if reference is not None:
                flipped = (1.0 - pred.astype(np.float64), 1.0 - target.astype(np.float64))
                runs["reference"] = lambda: reference.compute_matching(*flipped)
                ours, theirs = betti_matching(pred, target), reference.compute_matching(*flipped)
                same = ours.num_matched == tuple(int(v) for v in theirs.num_matched) and (
                    ours.num_unmatched_pred == tuple(int(v) for v in theirs.num_unmatched_input1)
                )
            times = interleaved_medians(runs, repeats=repeats_for(shape))
            row: dict[str, object] = {"prediction": kind, "shape": "x".join(map(str, shape))}
            row["matched"] = str(betti_matching(pred, target).num_matched)
            for name, seconds in times.items():
                row[f"{name} ms"] = seconds * 1e3
            if reference is not None:
                row["reference/toposeg"] = times["reference"] / times["toposeg"]
                if threaded in times:
                    row[f"reference/{threaded}"] = times["reference"] / times[threaded]
                row["same counts"] = str(same)
            rows.append(row)
            print(", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()),
                  flush=True)
    if rows:
        print("\nSingle thread (unless named), superlevel sets, medians (ms); ratio = reference / toposeg")
        print_table(rows)
    if args.loss:
        print("\nbetti_matching_loss forward + backward vs one UNet training step (1x1x512x512, 1 thread)")
        print_table(loss_share(3))
    if args.memory:
        print("\nOne matching in a fresh process: seconds and peak memory (MB, both inputs included)")
        rows = []
        for shape in [(1024, 1024), (64, 64, 64)] + (LARGE if args.large else []):
            for kind in ("curvilinear", "noise"):
                megabytes, seconds, cpu = measure_memory(kind, shape)
                rows.append({"prediction": kind, "shape": "x".join(map(str, shape)), "wall s": seconds,
                             "CPU s": cpu, "peak MB": megabytes, "bytes per pixel": megabytes * 2**20 / np.prod(shape)})
        print_table(rows)


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
