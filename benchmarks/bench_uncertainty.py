"""Speed of structure-level uncertainty against the network it wraps.

Two targets (issue 15):

* 10 structure samples and the uncertainty maps of a 512x512 likelihood in <= 150 ms beyond
  the network: ``predict_structures`` (one ``morse_branches`` call, branch probabilities, 10
  draws, 10 structural segmentations, the pixel and branch maps), with its parts;
* the structural terms of training <= 10 % of a UNet training step: per 512x512 image, the
  branches, ``branch_confirmation``, ``expected_structural_error`` (sound) or Eq. 7.1 (seed),
  the prior and posterior encoders and the KL term, forward and backward; against one plain
  UNet step (forward, BCE, backward, Adam) on the same image.

Wall-clock and CPU-time medians (the machine is shared; CPU time is the better guide), one
torch thread. Usage::

    python benchmarks/bench_uncertainty.py [--repeats 5] [--size 512]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F
from _timing import print_table

from toposeg.data import curvilinear_likelihood
from toposeg.models import UNet
from toposeg.morse import morse_branches
from toposeg.uncertainty import (
    StructuralUNet,
    ThresholdDistribution,
    branch_confirmation,
    expected_structural_error,
    inclusion_probability,
    predict_structures,
    sample_structures,
    structural_segmentation,
)


def medians(function, repeats: int) -> tuple[float, float]:
    """Median wall and CPU time of ``function()`` in ms, after one warm-up run."""
    function()
    wall, cpu = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        function()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return 1000 * statistics.median(wall), 1000 * statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--size", type=int, default=512)
    args = parser.parse_args()
    torch.set_num_threads(1)
    n = args.size
    f = curvilinear_likelihood((n, n), seed=0)
    target = f > 0.5
    d = ThresholdDistribution(torch.tensor([np.log(0.1 / 0.9)]), torch.tensor([1.0]))
    branches = morse_branches(f)
    drawn = sample_structures(branches, d, 10)
    rows = []

    def row(name, function):
        wall, cpu = medians(function, args.repeats)
        rows.append({"part": name, "wall ms": f"{wall:.1f}", "cpu ms": f"{cpu:.1f}"})
        return cpu

    total = row("predict_structures, 10 samples + maps", lambda: predict_structures(f, d, samples=10))
    row("  morse_branches", lambda: morse_branches(f))
    row("  inclusion_probability", lambda: inclusion_probability(branches, d))
    row("  sample_structures (10)", lambda: sample_structures(branches, d, 10))
    row("  structural_segmentation (10)", lambda: structural_segmentation(f >= 0.5, drawn))
    print(f"{n}x{n} likelihood, {len(branches)} branches")
    print_table(rows)
    print(f"target: 10 samples + uncertainty map <= 150 ms beyond the network: {total:.0f} ms CPU "
          f"({'met' if total <= 150 else 'NOT met'})\n")

    rows = []
    unet = UNet(1, 1, depth=4, width=32)
    image = torch.tensor(f)[None, None]
    truth = torch.tensor(target, dtype=torch.float32)[None, None]
    optimiser = torch.optim.Adam(unet.parameters(), 1e-4)

    def unet_step():
        optimiser.zero_grad()
        F.binary_cross_entropy_with_logits(unet(image), truth).backward()
        optimiser.step()

    step = row("UNet step (forward, BCE, backward, Adam)", unet_step)
    model = StructuralUNet(UNet(1, 1, depth=0, width=1))
    prob = torch.sigmoid(unet(image)).detach()

    def structural_terms():
        likelihood = prob[0, 0].numpy()
        b = morse_branches(likelihood)
        y = branch_confirmation(b, target)
        prior = ThresholdDistribution.from_raw(model.prior_net(image))
        posterior = ThresholdDistribution.from_raw(model.posterior_net(torch.cat([image, truth], 1)))
        loss = expected_structural_error(posterior, b.persistence, np.diff(b.offsets), y).sum()
        (loss + posterior.kl_divergence(prior).sum()).backward()

    terms = row("structural terms (sound): branches, y_b, encoders, E[error], KL", structural_terms)
    print_table(rows)
    print(f"target: structural terms <= 10 % of a UNet step: {100 * terms / step:.1f} % "
          f"({'met' if terms <= 0.1 * step else 'NOT met'})")


if __name__ == "__main__":
    main()
