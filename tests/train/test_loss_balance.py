"""Gradient balance of the topological terms (``loss_balance="gradient"``), checked against
gradients taken term by term with plain autograd."""

import pytest
import torch

from toposeg.losses import cldice_loss
from toposeg.train import Objective, TrainConfig, parse_loss


def _case(seed=0):
    generator = torch.Generator().manual_seed(seed)
    logits = (2 * torch.randn(2, 1, 24, 24, generator=generator, dtype=torch.float64)).requires_grad_()
    target = (torch.rand(2, 1, 24, 24, generator=generator) > 0.6).double()
    return logits, target


def _gradient(value, logits):
    return torch.autograd.grad(value, logits, retain_graph=True)[0]


@pytest.mark.parametrize("weight", [0.1, 0.5, 2.0])
def test_the_topological_gradient_has_weight_times_the_pixel_gradient_norm(weight):
    logits, target = _case()
    total, parts = Objective(parse_loss(f"ce+{weight}*cldice"), balance="gradient")(logits, target)
    ce = torch.nn.functional.binary_cross_entropy_with_logits(logits, target)
    cl = cldice_loss(torch.sigmoid(logits), target)
    g_ce, g_cl, g_total = _gradient(ce, logits), _gradient(cl, logits), _gradient(total, logits)
    expected = g_ce + weight * g_ce.norm() / g_cl.norm() * g_cl
    assert torch.allclose(g_total, expected, rtol=1e-9, atol=1e-12)
    assert (g_total - g_ce).norm() == pytest.approx(weight * g_ce.norm().item(), rel=1e-9)
    assert parts["cldice_factor"] == pytest.approx(weight * (g_ce.norm() / g_cl.norm()).item(), rel=1e-9)
    assert parts["cldice"] == pytest.approx(cl.item(), rel=1e-9)


def test_the_factor_does_not_depend_on_how_the_term_is_scaled():
    logits, target = _case(1)
    grads = []
    for written in ("ce+0.5*cldice", "ce+cldice"):
        weight = 0.5 if written.startswith("ce+0.5") else 1.0
        total, _ = Objective(parse_loss(written), balance="gradient")(logits, target)
        grads.append((_gradient(total, logits), weight))
    ce = torch.nn.functional.binary_cross_entropy_with_logits(logits, target)
    g_ce = _gradient(ce, logits)
    # the topological parts differ exactly by the ratio of the written weights
    assert torch.allclose((grads[1][0] - g_ce), 2 * (grads[0][0] - g_ce), rtol=1e-9, atol=1e-12)


def test_without_gradients_the_weights_are_factors():
    logits, target = _case(2)
    with torch.no_grad():
        balanced, _ = Objective(parse_loss("ce+0.5*cldice"), balance="gradient")(logits, target)
        plain, _ = Objective(parse_loss("ce+0.5*cldice"))(logits, target)
    assert balanced.item() == pytest.approx(plain.item(), rel=1e-12)


def test_running_norms_keep_a_nearly_right_batch_from_being_blown_up():
    # a broken ring, then the same ring predicted right: the topo gradient on the second batch
    # is ~1e-17; a per-step ratio would multiply it by ~1e16, the running norms do not
    target = torch.zeros(1, 1, 16, 16, dtype=torch.float64)
    target[0, 0, 3:13, 3:13] = 1
    target[0, 0, 6:10, 6:10] = 0
    broken = (2 * target - 1) * 4
    broken[0, 0, 3:6, 7] = -4
    objective = Objective(parse_loss("ce+0.5*topo"), balance="gradient")
    _, first = objective(broken.clone().requires_grad_(), target)
    right = ((2 * target - 1) * 40).requires_grad_()
    total, second = objective(right, target)
    assert 0 < second["topo_factor"] < 10 * first["topo_factor"]
    g_total = _gradient(total, right)
    g_ce = _gradient(torch.nn.functional.binary_cross_entropy_with_logits(right, target), right)
    assert (g_total - g_ce).norm() < 1e-6 * g_ce.norm()
    # a term whose gradient is exactly zero from the start gets factor 0, not a division by zero
    saturated = torch.full((1, 1, 16, 16), -200.0, requires_grad=True)  # sigmoid' underflows to 0
    total, parts = Objective(parse_loss("ce+0.5*topo"), balance="gradient")(saturated, target.float())
    assert parts["topo_factor"] == 0.0 and torch.isfinite(total)


def test_bad_balance_options_are_refused():
    with pytest.raises(ValueError, match="balance must be one of none, gradient"):
        Objective(parse_loss("ce+topo"), balance="norm")
    with pytest.raises(ValueError, match="needs a pixel term"):
        Objective(parse_loss("topo"), balance="gradient")
    with pytest.raises(ValueError, match="loss_balance must be one of none, gradient"):
        TrainConfig(loss="ce+topo", loss_balance="grad")
