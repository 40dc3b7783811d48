"""The probabilistic UNet (Kohl et al., NeurIPS 2018): a pixel-level baseline of thesis Table 7.1.

A prior net on the image and a posterior net on the image and its ground truth each give an
axis-aligned Gaussian over a low-dimensional latent code ``z``; ``z`` is broadcast over the
image and joined to the UNet's top features by a 1x1 convolution before the UNet's head.
Training minimises the pixel loss of the logits decoded from a posterior draw plus
``beta * KL(posterior || prior)``; at inference, draws from the prior give segmentation samples
whose per-pixel variance is the uncertainty.

Departure from the paper, for fine-tuning: the joining layer (one 1x1 convolution and a ReLU,
then the UNet's own head; the paper has three 1x1 convolutions) starts as the identity on the
features and zero on ``z``, so that the model starts exactly at the UNet it wraps (a pretrained
plain network, ``--init-from``) and the code's influence is learned.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import distributions, nn

from toposeg.models import UNet
from toposeg.uncertainty.model import ThresholdEncoder

__all__ = ["ProbabilisticOutput", "ProbabilisticUNet", "latent_kl"]


@dataclass(frozen=True, eq=False)
class ProbabilisticOutput:
    """What :class:`ProbabilisticUNet` returns when given a target: the logits decoded from one
    posterior draw, and the prior and posterior over the latent code."""

    logits: torch.Tensor
    prior: distributions.Independent
    posterior: distributions.Independent


class ProbabilisticUNet(nn.Module):
    """A UNet with a Gaussian latent code from a prior net (image) and a posterior net (image
    and ground truth), joined to its top features (one output class).

    Parameters
    ----------
    unet : UNet
        The segmentation network (one output channel; the encoders take its input channels).
    latent_dim : int
        Dimension of the latent code (the paper's default, 6).
    width : int
        Width of the prior and posterior encoders.

    Examples
    --------
    >>> import torch
    >>> from toposeg.models import UNet
    >>> from toposeg.uncertainty import ProbabilisticUNet
    >>> model = ProbabilisticUNet(UNet(1, 1, depth=2, width=4), latent_dim=3)
    >>> image = torch.rand(2, 1, 32, 32)
    >>> model(image).shape, model.sample(image, 5).shape  # the prior's mean; five prior draws
    (torch.Size([2, 1, 32, 32]), torch.Size([5, 2, 1, 32, 32]))
    >>> torch.equal(model(image), model.unet(image))  # it starts at the UNet it wraps
    True
    """

    def __init__(self, unet: UNet, *, latent_dim: int = 6, width: int = 8) -> None:
        super().__init__()
        if isinstance(latent_dim, bool) or not isinstance(latent_dim, int) or latent_dim < 1:
            raise ValueError(f"latent_dim must be an integer >= 1, got {latent_dim!r}")
        if unet.head.out_channels != 1:
            raise ValueError(f"the UNet must have one output channel (a sigmoid), got {unet.head.out_channels}")
        self.unet = unet
        self.latent_dim = latent_dim
        channels = unet.down[0][0].in_channels
        self.prior_net = ThresholdEncoder(channels, ndim=unet.ndim, width=width, outputs=2 * latent_dim)
        self.posterior_net = ThresholdEncoder(channels + 1, ndim=unet.ndim, width=width, outputs=2 * latent_dim)
        top = unet.head.in_channels
        conv = nn.Conv2d if unet.ndim == 2 else nn.Conv3d
        self.join = conv(top + latent_dim, top, 1)
        with torch.no_grad():
            self.join.weight.zero_()
            self.join.weight[:, :top].copy_(torch.eye(top).reshape(top, top, *[1] * unet.ndim))
            self.join.bias.zero_()

    @property
    def ndim(self) -> int:
        """Spatial dimensions (the UNet's)."""
        return self.unet.ndim

    def required_multiple(self) -> int:
        """Spatial sides of an input must be multiples of this number (the UNet's)."""
        return self.unet.required_multiple()

    def prior(self, image: torch.Tensor) -> distributions.Independent:
        """The prior over the latent code, a batch of ``latent_dim``-variate Gaussians."""
        return _gaussian(self.prior_net(image))

    def posterior(self, image: torch.Tensor, target: torch.Tensor) -> distributions.Independent:
        """The posterior over the latent code given the ground truth ``(B, 1, *spatial)``."""
        if target.shape[0] != image.shape[0] or target.shape[1] != 1 or target.shape[2:] != image.shape[2:]:
            raise ValueError(f"target must be (B, 1, *spatial) like image {tuple(image.shape)}, got {tuple(target.shape)}")
        return _gaussian(self.posterior_net(torch.cat([image, target.to(image.dtype)], dim=1)))

    def decode(self, features: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """Logits from the UNet's top features ``(B, width, *spatial)`` and codes ``(B, latent_dim)``."""
        code = z.reshape(*z.shape, *[1] * (features.ndim - 2)).expand(-1, -1, *features.shape[2:])
        return self.unet.head(torch.relu(self.join(torch.cat([features, code.to(features.dtype)], dim=1))))

    def forward(self, image: torch.Tensor, target: torch.Tensor | None = None, *,
                generator: torch.Generator | None = None) -> torch.Tensor | ProbabilisticOutput:
        """Without a target: the logits at the prior's mean code (the model's point prediction,
        so that it stands wherever a UNet does). With one: a :class:`ProbabilisticOutput` whose
        logits come from a reparameterised posterior draw (``generator``: the draw's source)."""
        features = self.unet.features(image)
        prior = self.prior(image)
        if target is None:
            return self.decode(features, prior.mean)
        posterior = self.posterior(image, target)
        noise = torch.randn(posterior.mean.shape, generator=generator, dtype=posterior.mean.dtype)
        z = posterior.mean + posterior.stddev * noise.to(posterior.mean.device)
        return ProbabilisticOutput(self.decode(features, z), prior, posterior)

    def sample(self, image: torch.Tensor, samples: int, *, generator: torch.Generator | None = None) -> torch.Tensor:
        """Logits of ``samples`` prior draws, ``(samples, B, 1, *spatial)`` (the UNet runs once)."""
        if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
            raise ValueError(f"samples must be an integer >= 1, got {samples!r}")
        features = self.unet.features(image)
        prior = self.prior(image)
        noise = torch.randn((samples, *prior.mean.shape), generator=generator, dtype=prior.mean.dtype)
        draws = prior.mean + prior.stddev * noise.to(prior.mean.device)
        return torch.stack([self.decode(features, z) for z in draws])


def latent_kl(output: ProbabilisticOutput) -> torch.Tensor:
    """``KL(posterior || prior)`` of the latent codes, the batch's mean (0-d tensor)."""
    return distributions.kl_divergence(output.posterior, output.prior).mean()


def _gaussian(raw: torch.Tensor) -> distributions.Independent:
    loc, log_scale = raw.chunk(2, dim=1)
    return distributions.Independent(distributions.Normal(loc, torch.exp(log_scale)), 1)
