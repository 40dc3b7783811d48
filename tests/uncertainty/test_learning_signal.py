"""The learning signal: on rendered graphs whose best threshold is known (found by brute force
over morse_skeleton at every threshold), the sound objective moves the posterior there; the
seed's Eq. 7.1 leaves it where it started."""

import numpy as np
import pytest
import torch
from scipy import ndimage

from tests.morse._render import grid_graph, render_graph
from toposeg.morse import morse_branches, morse_skeleton
from toposeg.uncertainty import (
    ThresholdDistribution,
    branch_confirmation,
    expected_structural_error,
    seed_skeleton_loss,
)


def _best_thresholds(f, truth):
    """The interval of eps minimising the pixel error of S(eps) on S(0+), by brute force."""
    every = morse_skeleton(f, eps=0.0)
    p = np.unique(morse_branches(f).persistence)
    candidates = np.concatenate([[p[0] / 2], (p[:-1] + p[1:]) / 2, [p[-1] + 0.01]])
    errors = []
    for eps in candidates:
        s = morse_skeleton(f, eps=float(eps))
        errors.append(((s & ~truth).sum() + (every & ~s & truth).sum()) / every.sum())
    errors = np.array(errors)
    best = np.flatnonzero(errors == errors.min())
    # the best candidates are contiguous here; the interval runs between persistence values
    lo_index, hi_index = best.min(), best.max()
    lo = p[lo_index - 1] if lo_index > 0 else 0.0
    hi = p[hi_index] if hi_index < len(p) else 1.0
    return lo, hi, errors


@pytest.mark.parametrize("seed", [0, 1])
def test_sound_posterior_reaches_the_best_threshold_and_the_seeds_does_not_move(seed):
    shape = (96, 96)
    nodes, edges = grid_graph(shape, 3, margin=14, seed=seed)
    rendered = render_graph(shape, nodes, edges, gaps=3, seed=seed, noise=0.08)
    f = rendered.likelihood
    truth = ndimage.binary_dilation(rendered.centreline)
    lo, hi, errors = _best_thresholds(f, truth)
    assert errors.min() < errors[0] and errors.min() < errors[-1]  # a non-trivial optimum

    branches = morse_branches(f)
    y = branch_confirmation(branches, truth, tolerance=0)
    sizes = np.diff(branches.offsets)
    start = (torch.tensor([np.log(0.05 / 0.95)]), torch.tensor([0.0]))

    loc, log_scale = (t.clone().double().requires_grad_() for t in start)
    optimiser = torch.optim.Adam([loc, log_scale], lr=0.05)
    for _ in range(400):
        optimiser.zero_grad()
        d = ThresholdDistribution(loc, log_scale.exp())
        expected_structural_error(d, branches.persistence, sizes, y).sum().backward()
        optimiser.step()
    median = float(ThresholdDistribution(loc, log_scale.exp()).median().detach())
    assert lo - 0.02 <= median <= hi + 0.02, (median, lo, hi)

    mu, log_sigma = torch.tensor([0.05], dtype=torch.float64, requires_grad=True), \
        torch.tensor([np.log(0.05)], dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.Adam([mu, log_sigma], lr=0.05)
    prob, target = torch.tensor(f, dtype=torch.float64), torch.tensor(truth, dtype=torch.float64)
    g = torch.Generator().manual_seed(seed)
    for _ in range(100):
        optimiser.zero_grad()
        d = ThresholdDistribution(mu, log_sigma.exp(), "normal")
        loss = seed_skeleton_loss(prob, target, branches, d.rsample(1, generator=g))
        if loss.requires_grad:
            loss.backward()
        optimiser.step()
    assert float(mu.detach()) == 0.05 and float(log_sigma.detach()) == np.log(0.05)
