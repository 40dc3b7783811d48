"""Reverse engineering of diverse trigger candidates with a topological prior (thesis ch. 4.2).

For every class ``c`` present in the clean images, ``num_triggers`` rounds each find a mask
``m`` in [0, 1] and a pattern ``theta`` that push the images of ``c`` out of their class
when applied as ``phi = (1 - m) * x + m * theta`` (Eq. 4.1), by minimising (Eq. 4.2)

``L = L_flip + lambda_div * L_div + lambda_topo * L_topo + lambda_size * |m|_1 / |Omega|
+ lambda_smooth * TV(m)``

- ``L_flip``: mean softmax probability of the clean label ``c`` on the triggered images (Eq. 4.3,
  untargeted);
- ``L_div``: Eq. 4.4 is ``-sum_j ||m theta - m_j theta_j||_2``, unbounded below (a trigger can
  win by growing without limit). toposeg uses the bounded form
  ``-mean_j tanh(||m theta - m_j theta_j||_2 / diversity_scale)`` in ``[-1, 0]``: it saturates
  once a candidate differs from the earlier ones by about ``diversity_scale``;
- ``L_topo``: toposeg's :func:`~toposeg.losses.component_prior` on ``m`` (Eq. 4.5-4.6, one
  component kept);
- ``R(m)``: mean mask value (size) plus the mean absolute difference of 4-neighbours (smoothness).

All classes are optimised at once (one mask and pattern per class, a batch of every class's
images); the rounds run one after the other because ``L_div`` looks at earlier rounds. Every
term can be switched off with a zero weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from toposeg.losses import component_prior
from toposeg.trojan.triggers import apply_trigger

__all__ = ["HuntConfig", "RecoveredTrigger", "mask_regulariser", "reverse_engineer"]


@dataclass(frozen=True)
class HuntConfig:
    """Options of :func:`reverse_engineer` (defaults: the seed's lambda1 = 1, lambda2 = 10, N_T = 3)."""

    num_triggers: int = 3
    steps: int = 40
    learning_rate: float = 0.2
    lambda_div: float = 1.0
    lambda_topo: float = 1.0
    lambda_size: float = 2.0
    lambda_smooth: float = 0.5
    diversity_scale: float = 2.0
    mask_init: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("num_triggers", "steps"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        for name in ("lambda_div", "lambda_topo", "lambda_size", "lambda_smooth"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)!r}")
        for name in ("learning_rate", "diversity_scale"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}")


@dataclass(frozen=True)
class RecoveredTrigger:
    """One trigger candidate: found for the images of ``source`` in round ``round``.

    ``mask`` is (H, W) in [0, 1], ``pattern`` (C, H, W); the losses are the final values of the
    terms (unweighted); ``flip_rate`` is the fraction of the images whose prediction left
    ``source``, ``new_labels`` their predicted labels, ``steps_to_flip`` the first step at which
    at least half of them had flipped (``steps`` when never)."""

    source: int
    round: int
    mask: np.ndarray
    pattern: np.ndarray
    flip_loss: float
    diversity_loss: float
    topo_loss: float
    flip_rate: float
    new_labels: np.ndarray
    steps_to_flip: int


def _check_inputs(model: object, images: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    if not callable(model):
        raise TypeError(f"model must be a callable torch module, got {type(model).__name__}")
    images = torch.as_tensor(images)
    labels = torch.as_tensor(labels)
    if images.ndim != 4 or not images.is_floating_point():
        raise ValueError(f"images must be a float tensor of shape (N, C, H, W), got {tuple(images.shape)} "
                         f"{images.dtype}")
    if labels.shape != (images.shape[0],) or labels.is_floating_point():
        raise ValueError(f"labels must be N={images.shape[0]} integers, got shape {tuple(labels.shape)}")
    if not torch.isfinite(images).all():
        raise ValueError("images must be finite")
    return images, labels.long()


def _grouped(images: torch.Tensor, labels: torch.Tensor) -> tuple[list[int], torch.Tensor]:
    classes = sorted(int(c) for c in torch.unique(labels))
    per_class = min(int((labels == c).sum()) for c in classes)
    groups = torch.stack([images[labels == c][:per_class] for c in classes])
    return classes, groups  # (K, n, C, H, W)


def mask_regulariser(mask: torch.Tensor, *, size_weight: float, smooth_weight: float) -> torch.Tensor:
    """``R(m)`` of Eq. 4.2 per mask: ``size_weight * mean(m) + smooth_weight * TV(m)``.

    ``TV(m)`` is the mean absolute difference of vertical neighbours plus that of horizontal
    neighbours, so both terms are independent of image size.

    Parameters
    ----------
    mask : (K, 1, H, W) tensor
        Masks in [0, 1].

    Returns
    -------
    (K,) tensor

    Examples
    --------
    One pixel lit in a 4x4 mask: size 1/16, two of 12 vertical and two of 12 horizontal
    differences are 1.

    >>> m = torch.zeros(1, 1, 4, 4); m[0, 0, 1, 1] = 1
    >>> mask_regulariser(m, size_weight=1.0, smooth_weight=0.0).item(), round(
    ...     mask_regulariser(m, size_weight=0.0, smooth_weight=1.0).item(), 4)
    (0.0625, 0.3333)
    """
    if mask.ndim != 4 or mask.shape[1] != 1:
        raise ValueError(f"mask must have shape (K, 1, H, W), got {tuple(mask.shape)}")
    rows = (mask[..., 1:, :] - mask[..., :-1, :]).abs().mean(dim=(1, 2, 3))
    cols = (mask[..., :, 1:] - mask[..., :, :-1]).abs().mean(dim=(1, 2, 3))
    return size_weight * mask.mean(dim=(1, 2, 3)) + smooth_weight * (rows + cols)


def reverse_engineer(
    model: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    config: HuntConfig | None = None,
) -> list[RecoveredTrigger]:
    """Recover ``config.num_triggers`` trigger candidates for every class of the clean ``images``.

    Parameters
    ----------
    model : nn.Module
        A classifier mapping (N, C, H, W) images to (N, K) logits; it is not changed.
    images : (N, C, H, W) float tensor
        A few clean images (values in the range the model expects; patterns are in [0, 1]).
    labels : (N,) integer tensor
        Their classes; every class gets as many images as the rarest one has.
    config : HuntConfig, optional

    Returns
    -------
    list of RecoveredTrigger
        Ordered by class, then round.

    Examples
    --------
    >>> _ = torch.manual_seed(0)
    >>> net = nn.Sequential(nn.Flatten(), nn.Linear(16, 2))
    >>> found = reverse_engineer(net, torch.rand(4, 1, 4, 4), torch.tensor([0, 0, 1, 1]),
    ...                          HuntConfig(num_triggers=2, steps=5))
    >>> [(t.source, t.round) for t in found]
    [(0, 0), (0, 1), (1, 0), (1, 1)]
    """
    config = HuntConfig() if config is None else config
    images, labels = _check_inputs(model, images, labels)
    classes, groups = _grouped(images, labels)
    count, per_class, channels, height, width = groups.shape
    flat_images = groups.reshape(count * per_class, channels, height, width)
    clean = torch.tensor(classes).repeat_interleave(per_class)
    generator = torch.Generator().manual_seed(config.seed)
    frozen = [p for p in model.parameters() if p.requires_grad]
    for p in frozen:
        p.requires_grad_(False)
    found: list[list[RecoveredTrigger]] = [[] for _ in classes]
    earlier: list[torch.Tensor] = []  # m * theta of earlier rounds, (K, C, H, W) each
    try:
        for round_index in range(config.num_triggers):
            mask_logit = (torch.randn(count, 1, height, width, generator=generator) * 0.1 + config.mask_init).requires_grad_()
            pattern_logit = torch.randn(count, channels, height, width, generator=generator).requires_grad_()
            optimiser = torch.optim.Adam([mask_logit, pattern_logit], lr=config.learning_rate)
            steps_to_flip = torch.full((count,), config.steps)
            for step in range(config.steps + 1):
                mask, pattern = torch.sigmoid(mask_logit), torch.sigmoid(pattern_logit)
                triggered = apply_trigger(groups, mask[:, None], pattern[:, None])
                logits = model(triggered.reshape_as(flat_images))
                prob = torch.softmax(logits, 1).gather(1, clean[:, None]).reshape(count, per_class)
                flip = prob.mean(1)
                flipped = (logits.argmax(1) != clean).reshape(count, per_class).float().mean(1)
                steps_to_flip = torch.where((flipped >= 0.5) & (steps_to_flip == config.steps),
                                            torch.full_like(steps_to_flip, step), steps_to_flip)
                stamp = mask * pattern
                diversity = torch.zeros(count)
                if earlier:
                    distances = torch.stack([(stamp - e).flatten(1).norm(dim=1) for e in earlier])
                    diversity = -torch.tanh(distances / config.diversity_scale).mean(0)
                topo = (component_prior(mask, reduction="none", workers=1)[:, 0] if config.lambda_topo > 0
                        else torch.zeros(count))
                loss = (flip + config.lambda_div * diversity + config.lambda_topo * topo
                        + mask_regulariser(mask, size_weight=config.lambda_size, smooth_weight=config.lambda_smooth))
                if step == config.steps:
                    break
                optimiser.zero_grad()
                loss.sum().backward()
                optimiser.step()
            mask, pattern, flip, diversity = mask.detach(), pattern.detach(), flip.detach(), diversity.detach()
            topo = component_prior(mask, reduction="none", workers=1)[:, 0]  # also measured without the prior
            earlier.append(stamp.detach())
            new_labels = logits.argmax(1).reshape(count, per_class)
            for k, source in enumerate(classes):
                found[k].append(RecoveredTrigger(
                    source=source, round=round_index,
                    mask=mask[k, 0].numpy().copy(), pattern=pattern[k].numpy().copy(),
                    flip_loss=float(flip[k]), diversity_loss=float(diversity[k]), topo_loss=float(topo[k]),
                    flip_rate=float(flipped[k]), new_labels=new_labels[k].numpy().copy(),
                    steps_to_flip=int(steps_to_flip[k])))
    finally:
        for p in frozen:
            p.requires_grad_(True)
    return [t for per_source in found for t in per_source]
