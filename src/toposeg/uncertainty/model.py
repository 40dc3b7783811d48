"""The structural model around a UNet (thesis Fig. 7.4): likelihood, prior and posterior nets.

The UNet gives the likelihood; a prior net sees the image, a posterior net the image and the
ground truth, and each outputs the parameters of a :class:`ThresholdDistribution`. Training
minimises ``L_bce + alpha * L_structure + beta * KL(posterior || prior)``
(:func:`structural_loss`), with ``L_structure`` chosen by name:

* ``"sound"``: :func:`expected_structural_error` under the posterior (logit-normal), which
  trains the posterior through its CDF;
* ``"seed"``: thesis Eq. 7.1 at a draw from the posterior (Gaussian), whose gradient reaches
  only the UNet, so the nets over eps learn from the KL term alone.

At inference the prior gives the distribution (:func:`toposeg.uncertainty.predict_structures`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from toposeg.models import UNet
from toposeg.morse import morse_branches
from toposeg.uncertainty.boundary_verdict import boundary_confirmation
from toposeg.uncertainty.objective import (
    branch_confirmation,
    expected_structural_error,
    seed_skeleton_loss,
)
from toposeg.uncertainty.threshold import ThresholdDistribution

__all__ = ["Objective", "StructuralLoss", "StructuralOutput", "StructuralUNet", "ThresholdEncoder",
           "structural_loss", "structural_terms"]

Objective = Literal["sound", "seed"]
Structure = Literal["skeleton", "watershed"]


class ThresholdEncoder(nn.Module):
    """A small convolutional encoder to ``(B, outputs)``: by default ``loc`` and ``log(scale)``
    of eps (a :class:`toposeg.uncertainty.ProbabilisticUNet` asks for those of its latent code)."""

    def __init__(self, in_channels: int, *, ndim: int = 2, width: int = 8, levels: int = 3, outputs: int = 2) -> None:
        super().__init__()
        conv = nn.Conv2d if ndim == 2 else nn.Conv3d
        pool = nn.MaxPool2d if ndim == 2 else nn.MaxPool3d
        layers: list[nn.Module] = []
        channels = in_channels
        for level in range(levels):
            out = width * 2**level
            layers += [conv(channels, out, 3, padding=1), nn.ReLU(inplace=True), pool(2)]
            channels = out
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(channels, outputs)
        nn.init.zeros_(self.head.weight)
        nn.init.constant_(self.head.bias, 0.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.features(x)
        return self.head(h.flatten(2).mean(-1))


@dataclass(frozen=True, eq=False)
class StructuralOutput:
    """What :class:`StructuralUNet` returns: logits, the prior and (with a target) the posterior."""

    logits: torch.Tensor
    prior: ThresholdDistribution
    posterior: ThresholdDistribution | None


class StructuralUNet(nn.Module):
    """A UNet with a prior and a posterior net over the persistence threshold.

    Parameters
    ----------
    unet : UNet
        The segmentation network (one output channel; the encoders take its input channels).
    objective : {"sound", "seed"}
        Sets the family of the threshold distribution: logit-normal (sound) or the seed's
        Gaussian.
    width : int
        Width of the prior and posterior encoders.

    Examples
    --------
    >>> import torch
    >>> from toposeg.models import UNet
    >>> from toposeg.uncertainty import StructuralUNet
    >>> model = StructuralUNet(UNet(1, 1, depth=2, width=4))
    >>> out = model(torch.zeros(2, 1, 32, 32), torch.zeros(2, 1, 32, 32))
    >>> out.logits.shape, out.prior.median().shape, out.posterior.family
    (torch.Size([2, 1, 32, 32]), torch.Size([2]), 'logit_normal')
    """

    def __init__(self, unet: UNet, *, objective: Objective = "sound", width: int = 8) -> None:
        super().__init__()
        if objective not in ("sound", "seed"):
            raise ValueError(f"objective must be 'sound' or 'seed', got {objective!r}")
        self.unet = unet
        self.objective = objective
        self.family = "logit_normal" if objective == "sound" else "normal"
        channels = next(m for m in unet.modules() if isinstance(m, (nn.Conv2d, nn.Conv3d))).in_channels
        self.prior_net = ThresholdEncoder(channels, ndim=unet.ndim, width=width)
        self.posterior_net = ThresholdEncoder(channels + 1, ndim=unet.ndim, width=width)
        if self.family == "normal":
            # the seed's Gaussian starts at eps = 0.1 (the authors' range 0 < eps < 1)
            for net in (self.prior_net, self.posterior_net):
                nn.init.constant_(net.head.bias, 0.0)
                net.head.bias.data[0] = 0.1
                net.head.bias.data[1] = float(np.log(0.05))
        else:
            for net in (self.prior_net, self.posterior_net):
                net.head.bias.data[0] = float(np.log(0.1 / 0.9))

    def prior(self, image: torch.Tensor) -> ThresholdDistribution:
        """The prior net's threshold distribution for a batch of images (no likelihood computed)."""
        return ThresholdDistribution.from_raw(self.prior_net(image), self.family)

    def forward(self, image: torch.Tensor, target: torch.Tensor | None = None) -> StructuralOutput:
        logits = self.unet(image)
        prior = self.prior(image)
        posterior = None
        if target is not None:
            if target.shape[0] != image.shape[0] or target.shape[1] != 1 or target.shape[2:] != image.shape[2:]:
                raise ValueError(f"target must be (B, 1, *spatial) like image {tuple(image.shape)}, "
                                 f"got {tuple(target.shape)}")
            raw = self.posterior_net(torch.cat([image, target.to(image.dtype)], dim=1))
            posterior = ThresholdDistribution.from_raw(raw, self.family)
        return StructuralOutput(logits, prior, posterior)


@dataclass(frozen=True, eq=False)
class StructuralLoss:
    """The terms of :func:`structural_loss` (0-d tensors); ``total`` is what to minimise."""

    total: torch.Tensor
    segmentation: torch.Tensor
    structure: torch.Tensor
    kl: torch.Tensor


def structural_loss(
    output: StructuralOutput,
    target: torch.Tensor,
    *,
    objective: Objective = "sound",
    alpha: float = 1.0,
    beta: float = 1.0,
    structure: Structure = "skeleton",
    tolerance: int = 1,
    generator: torch.Generator | None = None,
) -> StructuralLoss:
    """``L_bce + alpha * L_structure + beta * KL(posterior || prior)``, averaged over the batch.

    Parameters
    ----------
    output : StructuralOutput
        From :class:`StructuralUNet` called with the target (so that it has a posterior).
    target : (B, 1, *spatial) Tensor
        Ground truth, 0/1.
    objective : {"sound", "seed"}
        :func:`expected_structural_error` or thesis Eq. 7.1 (:func:`seed_skeleton_loss`).
    alpha, beta : float
        Weights of the structural term and of the KL term.
    structure : {"skeleton", "watershed"}
        S1 (vessels, roads) or S2 (membranes), as for :func:`toposeg.morse.morse_branches`.
    tolerance : int
        As for :func:`branch_confirmation` (sound objective, S1).
    generator : torch.Generator, optional
        Source of the seed objective's draws.

    Notes
    -----
    The sound objective's ``y_b`` is the ground truth's verdict on each branch: for S1 whether
    the ridge lies on the structure (:func:`branch_confirmation`), for S2 whether the boundary
    separates two cells (:func:`toposeg.uncertainty.boundary_confirmation`), since a boundary
    can lie on a thick membrane and separate nothing.
    """
    structure_term, kl = structural_terms(output, target, objective=objective, structure=structure,
                                          tolerance=tolerance, generator=generator)
    segmentation = F.binary_cross_entropy_with_logits(output.logits, target.to(output.logits.dtype))
    total = segmentation + alpha * structure_term + beta * kl
    return StructuralLoss(total, segmentation, structure_term, kl)


def structural_terms(
    output: StructuralOutput,
    target: torch.Tensor,
    *,
    objective: Objective = "sound",
    structure: Structure = "skeleton",
    tolerance: int = 1,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``L_structure`` and ``KL(posterior || prior)`` (0-d, batch means) of :func:`structural_loss`,
    for a training loop that computes the segmentation loss itself (``toposeg train``)."""
    if objective not in ("sound", "seed"):
        raise ValueError(f"objective must be 'sound' or 'seed', got {objective!r}")
    if output.posterior is None:
        raise ValueError("structural_loss needs the posterior: call the model with the target")
    logits = output.logits
    if logits.shape != target.shape or logits.shape[1] != 1:
        raise ValueError(f"logits and target must both be (B, 1, *spatial), got {tuple(logits.shape)}, {tuple(target.shape)}")
    target = target.to(logits.dtype)
    prob = torch.sigmoid(logits)
    likelihood = prob.detach().cpu().numpy()
    truth = target.detach().cpu().numpy()
    terms = []
    for i in range(logits.shape[0]):
        branches = morse_branches(likelihood[i, 0], structure=structure)
        posterior = output.posterior[i]
        if objective == "sound":
            if len(branches) == 0:
                terms.append(posterior.loc.sum() * 0.0)
                continue
            if structure == "watershed":
                confirmed = boundary_confirmation(branches, truth[i, 0])
            else:
                confirmed = branch_confirmation(branches, truth[i, 0], tolerance=tolerance)
            sizes = np.diff(branches.offsets)
            terms.append(expected_structural_error(posterior, branches.persistence, sizes, confirmed)[0])
        else:
            eps = posterior.rsample(1, generator=generator)
            terms.append(seed_skeleton_loss(prob[i, 0], target[i, 0], branches, eps))
    kl = output.posterior.kl_divergence(output.prior).mean()
    return torch.stack(terms).mean(), kl
