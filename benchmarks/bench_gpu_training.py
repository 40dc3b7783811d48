"""One training epoch of a UNet at 8x512x512, plain and with each topological loss, on
whatever device is present (CUDA if available, else the CPU).

Run from the repository root::

    python benchmarks/bench_gpu_training.py [--steps 4] [--repeats 3] [--device cuda]

An epoch is ``--steps`` optimiser steps of ``toposeg.models.UNet`` (4 levels, 32 channels,
BatchNorm, Adam) on a batch of 8 images 512x512 of curvilinear structures
(``toposeg.data.curvilinear_likelihood``), with the loss ``BCE`` (plain) or
``BCE + weight * term`` for each topological term. Each step is timed in three parts, with
the device synchronised between them: the network's forward pass and the pixel loss, the
topological term (its CPU-side topology, on detached copies in a thread pool of every core,
plus its gathers on the device), and the backward pass with the optimiser step. The share of
the epoch in the topological term is the time the device waits for the CPU (on a CPU run it
is the time the topology takes from the training). Prints medians over ``--repeats`` epochs,
interleaved, and the ratio of each epoch to the plain one.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import print_table

from toposeg.data import curvilinear_likelihood
from toposeg.losses import cldice_loss, dmt_loss, topo_loss, warping_loss
from toposeg.models import UNet

WORKERS = os.cpu_count() or 1
TERMS = {
    "topo": lambda p, t: topo_loss(p, t, workers=WORKERS),
    "dmt": lambda p, t: dmt_loss(p, t, eps=0.2, beta=1.0) - F.binary_cross_entropy(p, t),
    "warping": lambda p, t: warping_loss(p, t),
    "cldice": lambda p, t: cldice_loss(p, t),
}
WEIGHTS = {"topo": 0.003, "dmt": 3.0, "warping": 3.0, "cldice": 1.0}


def synchronise(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def batch(size: int, count: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    likelihood = np.stack([curvilinear_likelihood((size, size), seed=s) for s in range(count)])
    image = torch.tensor(likelihood + 0.3 * np.random.default_rng(0).random(likelihood.shape))
    target = torch.tensor(likelihood > 0.5)
    return (image.float().unsqueeze(1).to(device), target.float().unsqueeze(1).to(device))


def epoch(name: str, network, optimiser, image, target, steps: int) -> tuple[float, float]:
    """Wall time of ``steps`` training steps and the part of it in the topological term."""
    device = image.device
    total = in_term = 0.0
    for _ in range(steps):
        synchronise(device)
        start = time.perf_counter()
        optimiser.zero_grad(set_to_none=True)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            logits = network(image)
        loss = F.binary_cross_entropy_with_logits(logits.float(), target)
        synchronise(device)
        term_start = time.perf_counter()
        if name != "plain":
            loss = loss + WEIGHTS[name] * TERMS[name](torch.sigmoid(logits.float()), target)
        synchronise(device)
        term_end = time.perf_counter()
        loss.backward()
        optimiser.step()
        synchronise(device)
        total += time.perf_counter() - start
        in_term += term_end - term_start
    return total, in_term


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=4, help="optimiser steps per epoch")
    parser.add_argument("--repeats", type=int, default=3, help="epochs per variant (median)")
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--device", default=None, help="default: cuda if available, else cpu")
    parser.add_argument("--only", nargs="*", default=None, help="topological terms to time")
    args = parser.parse_args()
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    torch.manual_seed(0)
    torch.set_num_threads(WORKERS)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    print(f"device: {device} ({name}); CPU cores: {WORKERS}; torch threads: "
          f"{torch.get_num_threads()}; batch {args.batch}x1x{args.size}x{args.size}, "
          f"{args.steps} steps per epoch, median of {args.repeats}")
    image, target = batch(args.size, args.batch, device)
    network = UNet(1, 1, depth=4, width=32, norm="batch").to(device)
    optimiser = torch.optim.Adam(network.parameters(), lr=1e-3)
    variants = ["plain", *(args.only if args.only is not None else TERMS)]
    for variant in variants:  # warm-up: Numba compilation, cuDNN autotuning
        epoch(variant, network, optimiser, image, target, 1)
    times = {variant: [] for variant in variants}
    for _ in range(args.repeats):  # interleaved, so that load changes affect all alike
        for variant in variants:
            times[variant].append(epoch(variant, network, optimiser, image, target, args.steps))
    plain = statistics.median(t for t, _ in times["plain"])
    rows = []
    for variant in variants:
        total = statistics.median(t for t, _ in times[variant])
        term = statistics.median(w for _, w in times[variant])
        rows.append({"loss": variant if variant == "plain" else f"BCE+{WEIGHTS[variant]:g}*{variant}",
                     "epoch s": total, "x plain": total / plain,
                     "term s": term, "device waits %": 100 * term / total})
    print_table(rows)


if __name__ == "__main__":
    main()
