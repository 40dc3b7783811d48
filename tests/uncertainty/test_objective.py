"""The sound expected structural error (exact, Monte-Carlo, gradcheck) and the seed's Eq. 7.1
(flaws 1 and 2), the score-function estimator, and the model's loss."""

import numpy as np
import pytest
import torch
from scipy import ndimage

from tests.morse._render import grid_graph, render_graph
from toposeg.data import curvilinear_likelihood
from toposeg.models import UNet
from toposeg.morse import morse_branches, morse_skeleton
from toposeg.uncertainty import (
    StructuralOutput,
    StructuralUNet,
    ThresholdDistribution,
    branch_confirmation,
    expected_structural_error,
    kept_branches,
    score_function_surrogate,
    seed_skeleton_loss,
    structural_error,
    structural_loss,
    structural_terms,
)


def _problem(seed=0, shape=(64, 64)):
    f = curvilinear_likelihood(shape, seed=seed)
    target = f > 0.45
    branches = morse_branches(f)
    return f, target, branches


def test_branch_confirmation_equals_counting_by_hand():
    f, target, branches = _problem(1)
    y = branch_confirmation(branches, target, tolerance=1)
    dilated = ndimage.binary_dilation(target)
    for i in range(len(branches)):
        pixels = branches.branch(i)
        assert y[i] == pytest.approx(dilated.ravel()[pixels].mean())
    with pytest.raises(ValueError, match="target has shape"):
        branch_confirmation(branches, target[1:])
    with pytest.raises(ValueError, match="tolerance"):
        branch_confirmation(branches, target, tolerance=-1)


def test_structural_error_is_the_pixel_error_on_the_branch_pixels():
    """sum_b |b| y_b counts confirmed pixels, so the error of S(eps) is pixelwise."""
    f, target, branches = _problem(2)
    y = branch_confirmation(branches, target, tolerance=0)
    sizes = np.diff(branches.offsets)
    every = morse_skeleton(f, eps=0.0)
    for eps in (0.02, 0.1, 0.3):
        s = morse_skeleton(f, eps=eps)
        by_pixels = ((s & ~target).sum() + (every & ~s & target).sum()) / every.sum()
        assert structural_error(kept_branches(branches, [eps]), sizes, y)[0] == pytest.approx(by_pixels)


@pytest.mark.parametrize("median, scale", [(0.1, 0.5), (0.3, 1.5)])
def test_expected_error_equals_its_monte_carlo_mean(median, scale):
    f, target, branches = _problem(3)
    y = branch_confirmation(branches, target)
    sizes = np.diff(branches.offsets)
    loc = torch.tensor([np.log(median / (1 - median))], dtype=torch.float64)
    d = ThresholdDistribution(loc, torch.tensor([scale], dtype=torch.float64))
    exact = float(expected_structural_error(d, branches.persistence, sizes, y))
    eps = d.rsample(100_000, generator=torch.Generator().manual_seed(0))[0].numpy()
    errors = structural_error(kept_branches(branches, eps), sizes, y)
    assert abs(errors.mean() - exact) < 5 * errors.std() / np.sqrt(eps.size) + 1e-12


def test_expected_error_passes_gradcheck():
    f, target, branches = _problem(4)
    y = branch_confirmation(branches, target)
    sizes = np.diff(branches.offsets)
    for family in ("logit_normal", "normal"):
        def value(loc, log_scale):
            d = ThresholdDistribution(loc, log_scale.exp(), family)
            return expected_structural_error(d, branches.persistence, sizes, y)

        loc = torch.tensor([-1.2 if family == "logit_normal" else 0.15], dtype=torch.float64, requires_grad=True)
        log_scale = torch.tensor([-0.5 if family == "logit_normal" else -2.5], dtype=torch.float64,
                                 requires_grad=True)
        assert torch.autograd.gradcheck(value, (loc, log_scale))


def test_score_function_gradient_matches_the_exact_gradient():
    f, target, branches = _problem(5)
    y = branch_confirmation(branches, target)
    sizes = np.diff(branches.offsets)
    loc = torch.tensor([-1.5], dtype=torch.float64, requires_grad=True)
    scale = torch.tensor([0.8], dtype=torch.float64, requires_grad=True)
    d = ThresholdDistribution(loc, scale)
    exact = torch.autograd.grad(expected_structural_error(d, branches.persistence, sizes, y), [loc, scale])
    eps = d.rsample(50_000, generator=torch.Generator().manual_seed(1)).detach()
    cost = structural_error(kept_branches(branches, eps[0].numpy()), sizes, y)
    estimate = torch.autograd.grad(score_function_surrogate(d, eps, cost), [loc, scale])
    for e, s in zip(exact, estimate):
        assert abs(float(e - s)) < 0.1 * abs(float(e)) + 2e-3


def test_seed_loss_gives_no_gradient_to_the_distribution():
    """Flaw 1: S(eps) is piecewise constant, so Eq. 7.1 has no gradient in mu and sigma."""
    f, target, branches = _problem(6)
    prob = torch.tensor(f, dtype=torch.float64, requires_grad=True)
    loc = torch.tensor([0.1], dtype=torch.float64, requires_grad=True)
    scale = torch.tensor([0.05], dtype=torch.float64, requires_grad=True)
    d = ThresholdDistribution(loc, scale, "normal")
    eps = d.rsample(1, generator=torch.Generator().manual_seed(0))
    loss = seed_skeleton_loss(prob, torch.tensor(target, dtype=torch.float64), branches, eps)
    g_prob, g_loc, g_scale = torch.autograd.grad(loss, [prob, loc, scale], allow_unused=True)
    assert g_loc is None and g_scale is None
    assert float(g_prob.abs().sum()) > 0
    # and the value itself is flat in eps between two persistence values
    p = np.unique(branches.persistence)
    mid = torch.tensor([(p[5] + p[6]) / 2])
    nudged = mid + (p[6] - p[5]) / 4
    t = torch.tensor(target, dtype=torch.float64)
    p = prob.detach()
    assert float(seed_skeleton_loss(p, t, branches, mid)) == float(seed_skeleton_loss(p, t, branches, nudged))


def test_seed_loss_only_falls_as_eps_grows_and_the_empty_structure_minimises_it():
    """Flaw 2: a masked cross-entropy over a shrinking structure is non-increasing in eps,
    whereas the sound error of the empty structure is the largest of all when most branch
    pixels are true (a rendered graph)."""
    shape = (96, 96)
    nodes, edges = grid_graph(shape, 3, margin=14, seed=2)
    rendered = render_graph(shape, nodes, edges, gaps=3, seed=2, noise=0.08)
    f, target = rendered.likelihood, ndimage.binary_dilation(rendered.centreline)
    branches = morse_branches(f)
    prob = torch.tensor(f, dtype=torch.float64)
    t = torch.tensor(target, dtype=torch.float64)
    grid = np.linspace(0.0, branches.persistence.max() + 0.01, 60)
    values = np.array([float(seed_skeleton_loss(prob, t, branches, torch.tensor([e]))) for e in grid])
    assert np.all(np.diff(values) <= 1e-15)
    assert values[-1] == 0.0 and values[0] > 0.0
    y = branch_confirmation(branches, target)
    sizes = np.diff(branches.offsets)
    errors = structural_error(kept_branches(branches, grid), sizes, y)
    assert errors.argmin() != len(grid) - 1 and errors[-1] > errors.min() + 0.1


@pytest.mark.parametrize("objective", ["sound", "seed"])
def test_model_loss_trains_what_each_objective_says(objective):
    torch.manual_seed(0)
    model = StructuralUNet(UNet(1, 1, depth=2, width=4), objective=objective).double()
    image = torch.rand(2, 1, 32, 32, dtype=torch.float64)
    target = (image > 0.7).double()
    out = model(image, target)
    loss = structural_loss(out, target, objective=objective, beta=0.0, generator=torch.Generator().manual_seed(0))
    assert torch.isfinite(loss.total)
    loss.total.backward()
    head = model.posterior_net.head.bias.grad
    if objective == "sound":
        assert head is not None and float(head.abs().sum()) > 0
    else:
        assert head is None or float(head.abs().sum()) == 0.0
    assert float(model.unet.head.weight.grad.abs().sum()) > 0
    with pytest.raises(ValueError, match="posterior"):
        structural_loss(model(image), target)
    with pytest.raises(ValueError, match="objective"):
        structural_loss(out, target, objective="elbo")


def test_sound_objective_judges_membrane_boundaries_by_the_cells_they_separate():
    # one wall between two basins on a membrane with a gap: the wall lies on the membrane
    # (the overlap verdict confirms it) but separates nothing (one cell): y_b = 0
    i, j = np.mgrid[:9, :13]
    f = np.minimum(np.hypot(i - 4, j - 2), np.hypot(i - 4, j - 10.2))
    likelihood = torch.tensor(f / f.max()).clamp(1e-3, 1 - 1e-3)
    membrane = np.zeros((9, 13), bool)
    membrane[:, 4:9] = True
    membrane[4, 4:9] = False
    branches = morse_branches(likelihood.numpy(), structure="watershed")
    assert len(branches) == 1 and branch_confirmation(branches, membrane).tolist() == [1.0]
    posterior = ThresholdDistribution(torch.tensor([0.0], dtype=torch.float64), torch.tensor([1.0], dtype=torch.float64))
    out = StructuralOutput(torch.logit(likelihood)[None, None], posterior, posterior)
    target = torch.tensor(membrane, dtype=torch.float64)[None, None]
    term, _ = structural_terms(out, target, structure="watershed")
    sizes = np.diff(branches.offsets)
    by_cells = expected_structural_error(posterior, branches.persistence, sizes, [0.0])[0]
    by_overlap = expected_structural_error(posterior, branches.persistence, sizes, [1.0])[0]
    assert float(term) == pytest.approx(float(by_cells), abs=1e-12)
    assert abs(float(by_overlap) - float(by_cells)) > 0.1
