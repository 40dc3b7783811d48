"""The probabilistic UNet: it starts at the UNet it wraps, its KL is the Gaussians' closed form,
its gradients go where the objective says, prior draws of vanishing spread give the point
prediction, and ``toposeg train --model probabilistic`` trains, saves and starts from a plain
network."""

import csv

import numpy as np
import pytest
import torch

from toposeg.cli import main
from toposeg.models import UNet
from toposeg.train import TrainConfig, load_checkpoint, model_from_checkpoint, predict_likelihood
from toposeg.uncertainty import ProbabilisticUNet, latent_kl


def _model(ndim=2, latent_dim=3, seed=0):
    torch.manual_seed(seed)
    model = ProbabilisticUNet(UNet(1, 1, ndim=ndim, depth=2, width=4), latent_dim=latent_dim).double()
    return model


def _perturb(model, seed=1):
    """Nonzero heads of both encoders and nonzero weights of the code in the joining layer."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for head in (model.prior_net.head, model.posterior_net.head):
            head.weight.copy_(0.3 * torch.randn(head.weight.shape, generator=generator, dtype=torch.float64))
            head.bias.copy_(0.3 * torch.randn(head.bias.shape, generator=generator, dtype=torch.float64))
        top = model.unet.head.in_channels
        model.join.weight[:, top:] = torch.randn(model.join.weight[:, top:].shape, generator=generator,
                                                 dtype=torch.float64)
    return model


@pytest.mark.parametrize("ndim", [2, 3])
def test_it_starts_at_the_unet_it_wraps_whatever_the_code(ndim):
    model = _model(ndim).eval()
    image = torch.rand(2, 1, *[16] * ndim, dtype=torch.float64)
    target = (image > 0.5).double()
    expected = model.unet(image)
    assert torch.equal(model(image), expected)
    assert torch.allclose(model(image, target, generator=torch.Generator().manual_seed(3)).logits, expected,
                          atol=1e-12, rtol=0)
    assert torch.allclose(model.sample(image, 4), expected.expand(4, *expected.shape), atol=1e-12, rtol=0)


def test_kl_is_the_closed_form_of_two_diagonal_gaussians():
    model = _perturb(_model())
    image = torch.rand(3, 1, 16, 16, dtype=torch.float64)
    output = model(image, (image > 0.5).double())
    mp, lp = model.prior_net(image).chunk(2, dim=1)
    mq, lq = model.posterior_net(torch.cat([image, (image > 0.5).double()], dim=1)).chunk(2, dim=1)
    # KL(q || p) = sum_i log(s_p / s_q) + (s_q^2 + (m_q - m_p)^2) / (2 s_p^2) - 1/2
    by_hand = (lp - lq + (torch.exp(2 * lq) + (mq - mp) ** 2) / (2 * torch.exp(2 * lp)) - 0.5).sum(1).mean()
    kl = float(latent_kl(output).detach())
    assert kl == pytest.approx(float(by_hand.detach()), rel=1e-12) and kl > 0


def test_the_pixel_loss_trains_the_posterior_and_the_kl_term_the_prior():
    model = _perturb(_model())
    image = torch.rand(2, 1, 16, 16, dtype=torch.float64)
    target = (image > 0.5).double()
    output = model(image, target, generator=torch.Generator().manual_seed(0))
    torch.nn.functional.binary_cross_entropy_with_logits(output.logits, target).backward()
    assert float(model.posterior_net.head.weight.grad.abs().sum()) > 0
    assert model.prior_net.head.weight.grad is None  # the pixel loss sees a posterior draw only
    model.zero_grad()
    latent_kl(model(image, target)).backward()
    assert float(model.prior_net.head.weight.grad.abs().sum()) > 0


@torch.no_grad()
def test_prior_draws_follow_the_prior():
    model = _perturb(_model()).eval()
    image = torch.rand(2, 1, 16, 16, dtype=torch.float64)
    draws = model.sample(image, 3, generator=torch.Generator().manual_seed(5))
    assert draws.shape == (3, 2, 1, 16, 16)
    assert torch.equal(draws, model.sample(image, 3, generator=torch.Generator().manual_seed(5)))
    assert float((draws[0] - draws[1]).abs().max()) > 1e-3
    model.prior_net.head.bias[3:] = -30.0  # a prior of vanishing spread: every draw is the point prediction
    model.prior_net.head.weight[3:] = 0.0
    assert torch.allclose(model.sample(image, 3), model(image).expand(3, 2, 1, 16, 16), atol=1e-9, rtol=0)


def test_bad_input_gets_clear_errors():
    with pytest.raises(ValueError, match="latent_dim must be an integer >= 1"):
        ProbabilisticUNet(UNet(1, 1, depth=1, width=2), latent_dim=0)
    with pytest.raises(ValueError, match="one output channel"):
        ProbabilisticUNet(UNet(1, 3, depth=1, width=2))
    model = _model()
    image = torch.rand(2, 1, 16, 16, dtype=torch.float64)
    with pytest.raises(ValueError, match="target must be"):
        model(image, image[:1])
    with pytest.raises(ValueError, match="samples must be an integer >= 1"):
        model.sample(image, 0)
    with pytest.raises(ValueError, match="model 'probabilistic' segments one class"):
        TrainConfig(model="probabilistic", dataset="vessels_av")
    with pytest.raises(ValueError, match="latent_dim, kl_weight are options of model 'probabilistic'"):
        TrainConfig(latent_dim=3, kl_weight=2.0)


COMMON = ["--dataset", "vessels", "--train-count", "4", "--val-count", "1", "--sample-shape", "48,48",
          "--patch-size", "32", "--depth", "2", "--width", "4", "--batch-size", "2", "--steps-per-epoch", "3",
          "--threads", "1", "--val-metrics", "dice", "--no-progress", "--quiet"]


def test_train_saves_a_probabilistic_model_that_starts_from_a_plain_network(tmp_path):
    plain = tmp_path / "plain"
    assert main(["train", "--out", str(plain), "--epochs", "1", *COMMON]) == 0
    unet, _ = model_from_checkpoint(load_checkpoint(plain / "last.pt"))
    out = tmp_path / "probabilistic"
    assert main(["train", "--out", str(out), "--model", "probabilistic", "--latent-dim", "4", "--kl-weight", "0.5",
                 "--init-from", str(plain / "last.pt"), "--epochs", "2", "--lr", "1e-12", *COMMON]) == 0
    model, config = model_from_checkpoint(load_checkpoint(out / "last.pt"))
    assert isinstance(model, ProbabilisticUNet) and not model.training
    assert (config.model, config.latent_dim, config.kl_weight) == ("probabilistic", 4, 0.5)
    with open(out / "metrics.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 2
    for row in rows:  # the logged loss is the pixel loss plus the weighted KL term
        ce, kl = float(row["train_loss_ce"]), float(row["train_loss_kl"])
        assert kl >= 0 and float(row["train_loss"]) == pytest.approx(ce + 0.5 * kl, rel=1e-6)
    # a learning rate of 1e-12 leaves the UNet's weights where the plain network put them (the
    # batch-norm statistics move with the data)
    weights = dict(unet.named_parameters())
    for name, value in model.unet.named_parameters():
        assert torch.allclose(value, weights[name], atol=1e-9, rtol=0), name
    with torch.no_grad():
        assert model.sample(torch.rand(1, 1, 48, 48), 2).shape == (2, 1, 1, 48, 48)
        # predicted like a UNet, on sides that are not multiples of its own (padded, cropped back)
        image = np.random.default_rng(0).random((45, 50)).astype(np.float32)
        padded = torch.from_numpy(np.pad(image, ((0, 3), (0, 2)), mode="symmetric"))[None, None]
        expected = torch.sigmoid(model(padded))[0, 0, :45, :50].numpy()
        np.testing.assert_allclose(predict_likelihood(model, image), expected, atol=1e-5)
