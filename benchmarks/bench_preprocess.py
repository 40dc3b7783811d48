"""Speed of topological preprocessing (seed 004) on 512x512 images with up to 200 objects.

Runs, in one process: toposeg's ``topological_preprocess`` step by step (smoothing and border,
persistence, gap threshold, ``mark_objects``, ``interpolate_background``) on synthetic images
with 50 and 200 bright blobs on noise and, when present, on ISBI 2012 images; and, for scale,
the peers of the marking step: the line-by-line Algorithm 1 of ``tests/reference`` (one
labelling per object, on the same image) and scikit-image's ``h_maxima`` + ``label`` (markers of
maxima of dynamic above the threshold, the closest library routine). Prints wall-clock and CPU
medians (the machine is shared: CPU time is the better guide) and ratios. Target: the whole
preprocessing of a 512x512 image with up to 200 objects in <= 1 s.

    nice -n 5 python benchmarks/bench_preprocess.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from _timing import print_table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.reference

from tests.reference.object_marking import mark_objects_reference  # noqa: E402
from toposeg import cubical_persistence  # noqa: E402
from toposeg.preprocess import (  # noqa: E402
    interpolate_background,
    lifetime_gap_threshold,
    mark_objects,
    modify_border,
    smooth,
)


def blobs(count: int, seed: int = 0, size: int = 512) -> np.ndarray:
    rng = np.random.default_rng(seed)
    image = rng.random((size, size)) * 0.3
    yy, xx = np.mgrid[:size, :size]
    for y, x in rng.integers(12, size - 12, size=(count, 2)):
        image += 0.7 * np.exp(-((yy - y) ** 2 + (xx - x) ** 2) / (2 * 4.0**2))
    return image


def medians(function, repeats: int) -> tuple[float, float]:
    """Median wall and CPU time of ``function()`` in ms (after a warm-up)."""
    function()
    wall, cpu = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        function()
        wall.append(1e3 * (time.perf_counter() - w))
        cpu.append(1e3 * (time.process_time() - c))
    return statistics.median(wall), statistics.median(cpu)


def steps(image: np.ndarray, repeats: int, threshold: float | None) -> list[dict[str, object]]:
    """Time each step; ``threshold`` replaces the gap rule's (which keeps a handful of objects)."""
    modified = modify_border(smooth(image, 3), 2, objects="bright")
    result = cubical_persistence(modified, superlevel=True)
    gap = lifetime_gap_threshold(result.persistence(0))
    if threshold is not None:
        gap = type(gap)(threshold, int((result.persistence(0) > threshold).sum()), gap.gap)
    labels = mark_objects(modified, result, threshold=gap.threshold, objects="bright")
    timed = {
        "smooth + border": lambda: modify_border(smooth(image, 3), 2, objects="bright"),
        "persistence": lambda: cubical_persistence(modified, superlevel=True),
        "gap threshold": lambda: lifetime_gap_threshold(result.persistence(0)),
        "mark_objects": lambda: mark_objects(modified, result, threshold=gap.threshold, objects="bright"),
        "interpolate_background": lambda: interpolate_background(modified, labels),
    }
    rows, total = [], [0.0, 0.0]
    for name, function in timed.items():
        wall, cpu = medians(function, repeats)
        total[0] += wall
        total[1] += cpu
        rows.append({"step": name, "wall ms": f"{wall:.1f}", "cpu ms": f"{cpu:.1f}"})
    rows.append({"step": f"total ({gap.count} objects)", "wall ms": f"{total[0]:.1f}", "cpu ms": f"{total[1]:.1f}"})
    return rows, modified, result, gap


def peers(modified, result, gap, repeats: int) -> list[dict[str, object]]:
    from skimage.measure import label
    from skimage.morphology import h_maxima

    ours = medians(lambda: mark_objects(modified, result, threshold=gap.threshold, objects="bright"), repeats)
    reference = medians(lambda: mark_objects_reference(
        modified, result.critical_pixels(0), result.persistence(0), gap.threshold, bright=True, connectivity=1),
        max(1, repeats // 2))
    skimage = medians(lambda: label(h_maxima(modified, gap.threshold), connectivity=1), repeats)
    return [
        {"marking": "toposeg mark_objects", "cpu ms": f"{ours[1]:.1f}", "ratio": "1.0"},
        {"marking": "Algorithm 1 line by line", "cpu ms": f"{reference[1]:.1f}", "ratio": f"{reference[1] / ours[1]:.1f}"},
        {"marking": "skimage h_maxima + label", "cpu ms": f"{skimage[1]:.1f}", "ratio": f"{skimage[1] / ours[1]:.1f}"},
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    # blobs: lifetime threshold 0.2 keeps the blobs (peaks 0.7 above a noise of 0.3, smoothed)
    images = {"200 blobs": (blobs(200), 0.2), "50 blobs": (blobs(50), 0.2)}
    isbi = ROOT / ".." / "shared" / "data" / "isbi12" / "images" / "00.png"
    if isbi.is_file():
        import imageio.v3 as iio

        images["ISBI 2012 image 00 (gap rule)"] = (iio.imread(isbi).astype(np.float64) / 255, None)
        images["ISBI 2012 image 00 (threshold 0.05)"] = (iio.imread(isbi).astype(np.float64) / 255, 0.05)
    for name, (image, threshold) in images.items():
        print(f"\n{name}, 512x512, bright objects, smoothing 3, border 2:")
        rows, modified, result, gap = steps(image, args.repeats, threshold)
        print_table(rows)
        if name == "200 blobs":
            print_table(peers(modified, result, gap, args.repeats))


if __name__ == "__main__":
    main()
