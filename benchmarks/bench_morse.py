"""Speed of the discrete Morse structures against the published DMT pipeline and peers.

Runs, in one process, on synthetic likelihoods (``toposeg.data.curvilinear_likelihood``) and
uniform noise (the worst case: most pixels are critical):

* toposeg: ``morse_skeleton`` (S1), ``watershed_boundaries`` (S2), ``morse_branches`` of both,
  and the dimension-0/1 persistence engine ``cubical_persistence`` for scale;
* scikit-image: ``h_minima`` markers (minima of dynamic >= eps, the same filtering as the
  persistence of minima) plus ``watershed`` with watershed lines, the closest peer of S2;
* the published pipeline's figures on this machine (from notes/AUTHORS_CODE.md): 3.9-5.2 s
  for a 256x256 skeleton and 6.1 s for a 256x256 watershed (not rerun: its code is not a
  dependency).

Prints wall-clock and CPU-time medians (the machine is shared: CPU time is the better guide to
the one-core cost) and ratios. Usage::

    nice -n 5 python benchmarks/bench_morse.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from _timing import print_table

from toposeg import cubical_persistence
from toposeg.data import curvilinear_likelihood
from toposeg.morse import morse_branches, morse_skeleton, watershed_boundaries

PUBLISHED_SKELETON_256 = (3.9, 5.2)  # seconds, this CPU
PUBLISHED_WATERSHED_256 = 6.1
EPS = 0.2


def medians(function, repeats: int) -> tuple[float, float]:
    """Median wall time and median CPU time of ``function()`` in milliseconds (after a warm-up)."""
    function()
    wall, cpu = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        function()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return 1e3 * statistics.median(wall), 1e3 * statistics.median(cpu)


def skimage_watershed(likelihood: np.ndarray) -> np.ndarray:
    from skimage.measure import label
    from skimage.morphology import h_minima
    from skimage.segmentation import watershed

    markers = label(h_minima(likelihood, EPS), connectivity=1)
    return watershed(likelihood, markers, connectivity=1, watershed_line=True) == 0


def cases():
    rng = np.random.default_rng(0)
    for shape in [(256, 256), (512, 512), (16, 128, 128)]:
        yield "curvilinear", shape, curvilinear_likelihood(shape, seed=0)
        yield "noise", shape, rng.random(shape, dtype=np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    rows = []
    for name, shape, likelihood in cases():
        size = "x".join(map(str, shape))
        timings = {
            "S1 skeleton": lambda f=likelihood: morse_skeleton(f, eps=EPS),
            "S2 watershed": lambda f=likelihood: watershed_boundaries(f, eps=EPS),
            "S1 branches": lambda f=likelihood: morse_branches(f),
            "S2 branches": lambda f=likelihood: morse_branches(f, structure="watershed"),
            "engine PH": lambda f=likelihood: cubical_persistence(f),
            "skimage h-minima watershed": lambda f=likelihood: skimage_watershed(f),
        }
        for task, function in timings.items():
            if task == "engine PH" and len(shape) == 3 and name == "noise":
                continue  # dimension 1 in 3D dominates; not a Morse-structure cost
            wall, cpu = medians(function, args.repeats)
            row = {"input": name, "size": size, "task": task, "wall ms": wall, "cpu ms": cpu}
            if shape == (256, 256) and task == "S1 skeleton":
                row["vs published"] = f"{PUBLISHED_SKELETON_256[0] * 1e3 / wall:.0f}-{PUBLISHED_SKELETON_256[1] * 1e3 / wall:.0f}x faster"
            elif shape == (256, 256) and task == "S2 watershed":
                row["vs published"] = f"{PUBLISHED_WATERSHED_256 * 1e3 / wall:.0f}x faster"
            else:
                row["vs published"] = ""
            rows.append(row)
            print(f"{name:12s} {size:12s} {task:28s} wall {wall:8.1f} ms  cpu {cpu:8.1f} ms", flush=True)
    print()
    print_table(rows)
    print()
    print("Targets: S1 and S2 <= 30 ms at 512x512 (one core); <= 500 ms at 16x128x128.")


if __name__ == "__main__":
    main()
