"""Data generation and patch sampling times, to size the demo.

For each built-in dataset at its default shape: median time to generate one sample (a new seed
each run), and the median time of one training patch from ``PatchDataset`` (crop, symmetry,
tensors) and of a batch of 8 through a ``DataLoader``. With ``--real``, the real-geometry
datasets too (first use fills the cache; the figures are for the cached case).

    nice -n 5 python benchmarks/bench_data.py [--repeats 7] [--real]
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _timing import median_time, print_table
from torch.utils.data import DataLoader

from toposeg.data import DATASETS, PatchDataset, get_dataset

PATCH = {2: (64, 64), 3: (32, 32, 32)}


def bench(name: str, repeats: int, real: bool) -> dict[str, object]:
    info = DATASETS[name]
    seeds = itertools.count()
    if real:
        get_dataset(name, split="val", count=4)  # fill the cache
        generate = median_time(lambda: get_dataset(name, split="val", count=4), repeats=repeats) / 4
    else:
        generate = median_time(lambda: info.make(info.shape, seed=next(seeds)), repeats=repeats)
    samples = get_dataset(name, split="train", count=4)
    patches = PatchDataset(samples, patch_size=PATCH[info.ndim], patches_per_epoch=64)
    indices = itertools.count()
    patch = median_time(lambda: patches[next(indices) % 64], repeats=max(repeats, 20))
    loader = DataLoader(patches, batch_size=8)
    batch = median_time(lambda: next(iter(loader)), repeats=repeats)
    return {
        "dataset": name,
        "shape": "x".join(map(str, info.shape)),
        "ms/sample": 1e3 * generate,
        "patch": "x".join(map(str, PATCH[info.ndim])),
        "ms/patch": 1e3 * patch,
        "ms/batch of 8": 1e3 * batch,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--real", action="store_true", help="include the real-geometry datasets")
    args = parser.parse_args()
    kinds = ("synthetic", "real") if args.real else ("synthetic",)
    rows = [
        bench(name, args.repeats, info.kind == "real")
        for name, info in DATASETS.items()
        if info.kind in kinds
    ]
    print_table(rows)


if __name__ == "__main__":
    main()
