"""The threshold distribution against torch.distributions (CDF, density, KL) and its support."""

import math

import pytest
import torch
from torch.distributions import Normal, TransformedDistribution, kl_divergence
from torch.distributions.transforms import SigmoidTransform

from toposeg.uncertainty import ThresholdDistribution


def _torch_twin(d: ThresholdDistribution):
    base = Normal(d.loc, d.scale)
    return base if d.family == "normal" else TransformedDistribution(base, [SigmoidTransform()])


@pytest.mark.parametrize("family", ["logit_normal", "normal"])
def test_cdf_and_log_prob_equal_torch_distributions(family):
    g = torch.Generator().manual_seed(0)
    loc = torch.randn(4, generator=g, dtype=torch.float64)
    scale = torch.rand(4, generator=g, dtype=torch.float64) + 0.2
    d = ThresholdDistribution(loc, scale, family)
    twin = _torch_twin(d)
    t = torch.rand(4, 7, generator=g, dtype=torch.float64) * 0.98 + 0.01
    torch.testing.assert_close(d.cdf(t), twin.cdf(t.T).T)
    torch.testing.assert_close(d.log_prob(t), twin.log_prob(t.T).T)


@pytest.mark.parametrize("family", ["logit_normal", "normal"])
def test_kl_equals_torch_distributions(family):
    g = torch.Generator().manual_seed(1)
    q = ThresholdDistribution(torch.randn(5, generator=g, dtype=torch.float64),
                              torch.rand(5, generator=g, dtype=torch.float64) + 0.1, family)
    p = ThresholdDistribution(torch.randn(5, generator=g, dtype=torch.float64),
                              torch.rand(5, generator=g, dtype=torch.float64) + 0.1, family)
    torch.testing.assert_close(q.kl_divergence(p), kl_divergence(_torch_twin(q), _torch_twin(p)))
    torch.testing.assert_close(q.kl_divergence(q), torch.zeros(5, dtype=torch.float64))


def test_kl_of_logit_normals_equals_monte_carlo():
    q = ThresholdDistribution(torch.tensor([0.3], dtype=torch.float64), torch.tensor([0.7], dtype=torch.float64))
    p = ThresholdDistribution(torch.tensor([-0.5], dtype=torch.float64), torch.tensor([1.2], dtype=torch.float64))
    eps = q.rsample(200_000, generator=torch.Generator().manual_seed(2))
    estimate = (q.log_prob(eps) - p.log_prob(eps)).mean()
    assert abs(float(estimate) - float(q.kl_divergence(p)[0])) < 0.01


def test_sound_support_is_the_persistence_range_and_the_seeds_gaussian_goes_negative():
    """Flaw 3 (part): a Gaussian eps is negative with probability Phi(-mu / sigma)."""
    g = torch.Generator().manual_seed(3)
    sound = ThresholdDistribution(torch.tensor([-2.0]), torch.tensor([2.0]))
    eps = sound.rsample(100_000, generator=g)
    assert float(eps.min()) > 0.0 and float(eps.max()) < 1.0
    seed = ThresholdDistribution(torch.tensor([0.1]), torch.tensor([0.1]), "normal")
    eps = seed.rsample(100_000, generator=g)
    negative = float((eps < 0).double().mean())
    expected = 0.5 * (1 + math.erf(-1.0 / math.sqrt(2)))  # Phi(-1)
    assert negative == pytest.approx(expected, abs=0.005)


def test_cdf_is_zero_and_one_outside_the_support():
    d = ThresholdDistribution(torch.tensor([0.0]), torch.tensor([1.0]))
    assert d.cdf(torch.tensor([[-0.5, 0.0, 1.0, 1.5]])).tolist() == [[0.0, 0.0, 1.0, 1.0]]


def test_bad_parameters_get_clear_errors():
    with pytest.raises(ValueError, match="scale must be > 0"):
        ThresholdDistribution(torch.tensor([0.0]), torch.tensor([0.0]))
    with pytest.raises(ValueError, match="family"):
        ThresholdDistribution(torch.tensor([0.0]), torch.tensor([1.0]), "gamma")
    with pytest.raises(ValueError, match="one shape"):
        ThresholdDistribution(torch.tensor([0.0, 1.0]), torch.tensor([1.0]))
    with pytest.raises(ValueError, match=r"\(B, 2\)"):
        ThresholdDistribution.from_raw(torch.zeros(3))
    d = ThresholdDistribution(torch.tensor([0.0]), torch.tensor([1.0]))
    with pytest.raises(ValueError, match="shape \\(B, ...\\)"):
        d.cdf(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="one family"):
        d.kl_divergence(ThresholdDistribution(torch.tensor([0.0]), torch.tensor([1.0]), "normal"))
