"""Speed of each stage of Trojan detection (docs/trojan.md): training one zoo model, hunting one
model's triggers with and without the topological prior (the prior's cost as a ratio), and
cross-validating the detector on a 200-model bag set. Medians of interleaved repeats, 1 thread.

    python benchmarks/bench_trojan.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).parent))
from _timing import interleaved_medians, print_table  # noqa: E402

from toposeg.trojan import (  # noqa: E402
    FEATURE_NAMES,
    HuntConfig,
    ZooConfig,
    build_zoo,
    clean_images,
    cross_validate,
    reverse_engineer,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    folder = Path(tempfile.mkdtemp())
    counter = iter(range(1000))

    def train_one() -> None:
        build_zoo(folder / f"zoo{next(counter)}", ZooConfig(count=1), progress=False)

    model = build_zoo(folder / "hunted", ZooConfig(count=2), progress=False)[-1].load()[0]
    x, y = clean_images(2)
    hunt = {"hunt, prior (lambda2 = 1)": HuntConfig(steps=25),
            "hunt, no prior (lambda2 = 0)": HuntConfig(steps=25, lambda_topo=0.0)}
    rng = np.random.default_rng(0)
    labels = np.arange(200) % 2
    bags = rng.normal(size=(200, 30, len(FEATURE_NAMES))) + 0.3 * labels[:, None, None]
    functions = {"train one model (10 epochs, 1,320 images)": train_one,
                 **{name: (lambda c=config: reverse_engineer(model, x, y, c)) for name, config in hunt.items()},
                 "detector 8-fold CV, 1 seed, 200 models": lambda: cross_validate(bags, labels, seeds=(0,))}
    times = interleaved_medians(functions, repeats=args.repeats, warmup=1)
    base = times["hunt, no prior (lambda2 = 0)"]
    print_table([{"stage": name, "median s": f"{t:.2f}", "vs hunt without prior": f"{t / base:.2f}x"}
                 for name, t in times.items()])
    print("hunting: 10 classes x N_T = 3 rounds x 25 Adam steps on 2 clean images per class (20 images)")


if __name__ == "__main__":
    main()
