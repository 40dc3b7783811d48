"""The distribution of the persistence threshold eps (thesis ch.7, section 7.2.2).

Two families, by name:

* ``"logit_normal"`` (sound, the default): ``eps = low + (high - low) * sigmoid(loc + scale * z)``
  with ``z ~ N(0, 1)``. Its support is the open range ``(low, high)`` of the likelihood's
  persistence values, so every draw is a valid threshold.
* ``"normal"`` (the seed's): ``eps = loc + scale * z``, which is negative (and above 1) with
  positive probability: such a threshold keeps every branch (or none).

Both are reparameterised (``rsample``), have a closed-form CDF that is differentiable in
``loc`` and ``scale``, and a closed-form KL divergence between two members of one family.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import torch

__all__ = ["Family", "ThresholdDistribution"]

Family = Literal["logit_normal", "normal"]

_FAMILIES = ("logit_normal", "normal")


@dataclass(frozen=True, eq=False)
class ThresholdDistribution:
    """A batch of distributions over the persistence threshold eps.

    Parameters
    ----------
    loc, scale : (B,) Tensor
        Location and scale (``scale > 0``) of the underlying normal: of ``logit`` of the
        rescaled threshold for ``"logit_normal"``, of eps itself for ``"normal"``.
    family : {"logit_normal", "normal"}
        The sound family (support ``(low, high)``) or the seed's Gaussian.
    low, high : float
        Range of the thresholds (``"logit_normal"`` only): persistence of a likelihood in
        [0, 1] lies in (0, 1].

    Examples
    --------
    >>> import torch
    >>> from toposeg.uncertainty import ThresholdDistribution
    >>> d = ThresholdDistribution(torch.tensor([0.0]), torch.tensor([1.0]))
    >>> d.median()                  # sigmoid(0)
    tensor([0.5000])
    >>> d.cdf(torch.tensor([[0.5]]))
    tensor([[0.5000]])
    """

    loc: torch.Tensor
    scale: torch.Tensor
    family: Family = "logit_normal"
    low: float = 0.0
    high: float = 1.0

    def __post_init__(self) -> None:
        if self.family not in _FAMILIES:
            raise ValueError(f"family must be 'logit_normal' or 'normal', got {self.family!r}")
        if not isinstance(self.loc, torch.Tensor) or not isinstance(self.scale, torch.Tensor):
            raise TypeError("loc and scale must be torch tensors")
        if self.loc.ndim != 1 or self.loc.shape != self.scale.shape:
            raise ValueError(
                f"loc and scale must be 1-D tensors of one shape (B,), got {tuple(self.loc.shape)} "
                f"and {tuple(self.scale.shape)}"
            )
        if not bool((self.scale.detach() > 0).all()):
            raise ValueError("scale must be > 0")
        if not self.low < self.high:
            raise ValueError(f"low must be < high, got low={self.low}, high={self.high}")

    @classmethod
    def from_raw(cls, raw: torch.Tensor, family: Family = "logit_normal") -> ThresholdDistribution:
        """From a network head's ``(B, 2)`` output: ``loc`` and ``log(scale)``."""
        if raw.ndim != 2 or raw.shape[1] != 2:
            raise ValueError(f"raw must have shape (B, 2) (loc, log scale), got {tuple(raw.shape)}")
        return cls(raw[:, 0], torch.exp(raw[:, 1].clamp(-7.0, 4.0)), family)

    def standardise(self, t: torch.Tensor) -> torch.Tensor:
        """``z = (g(t) - loc) / scale`` for ``t`` of shape ``(B, ...)``, with ``g`` the map to the
        normal's axis (logit of the rescaled threshold, or the identity): ``cdf(t) = Phi(z)``,
        and ``-|z|`` ranks branches like their uncertainty without rounding to 0 or 1."""
        t = torch.as_tensor(t, dtype=self.loc.dtype, device=self.loc.device)
        if t.ndim == 0 or t.shape[0] != self.loc.shape[0]:
            raise ValueError(f"t must have shape (B, ...) with B = {self.loc.shape[0]}, got {tuple(t.shape)}")
        extra = (1,) * (t.ndim - 1)
        loc, scale = self.loc.view(-1, *extra), self.scale.view(-1, *extra)
        if self.family == "normal":
            return (t - loc) / scale
        u = ((t - self.low) / (self.high - self.low)).clamp(1e-12, 1 - 1e-12)
        return (torch.log(u) - torch.log1p(-u) - loc) / scale

    def cdf(self, t: torch.Tensor) -> torch.Tensor:
        """``P(eps <= t)``, elementwise, for ``t`` of shape ``(B, ...)``; differentiable in the
        parameters. For the logit-normal, 0 below ``low`` and 1 above ``high``."""
        t = torch.as_tensor(t, dtype=self.loc.dtype, device=self.loc.device)
        value = torch.special.ndtr(self.standardise(t))
        if self.family == "logit_normal":
            value = torch.where(t <= self.low, torch.zeros_like(value), value)
            value = torch.where(t >= self.high, torch.ones_like(value), value)
        return value

    def log_prob(self, eps: torch.Tensor) -> torch.Tensor:
        """Log density at ``eps`` of shape ``(B, ...)`` (for score-function estimators)."""
        z = self.standardise(eps)
        extra = (1,) * (z.ndim - 1)
        log_density = -0.5 * z**2 - 0.5 * math.log(2 * math.pi) - torch.log(self.scale.view(-1, *extra))
        if self.family == "normal":
            return log_density
        width = self.high - self.low
        u = ((eps - self.low) / width).clamp(1e-12, 1 - 1e-12)
        return log_density - torch.log(u) - torch.log1p(-u) - math.log(width)

    def rsample(self, n: int = 1, *, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` reparameterised draws per distribution, shape ``(B, n)``."""
        if n < 1:
            raise ValueError(f"n must be >= 1, got {n}")
        z = torch.randn(self.loc.shape[0], n, generator=generator, dtype=self.loc.dtype)
        return self.transform(z.to(self.loc.device))

    def transform(self, z: torch.Tensor) -> torch.Tensor:
        """The threshold for standard normal draws ``z`` of shape ``(B, n)``."""
        x = self.loc[:, None] + self.scale[:, None] * z
        if self.family == "normal":
            return x
        return self.low + (self.high - self.low) * torch.sigmoid(x)

    def median(self) -> torch.Tensor:
        """The median threshold, shape ``(B,)``."""
        return self.transform(torch.zeros_like(self.loc)[:, None])[:, 0]

    def kl_divergence(self, other: ThresholdDistribution) -> torch.Tensor:
        """``KL(self || other)`` per distribution, shape ``(B,)``; both of one family and range.

        The logit-normal is an invertible map of a normal, and KL is invariant under such a
        map, so both families use the normals' closed form.
        """
        if (self.family, self.low, self.high) != (other.family, other.low, other.high):
            raise ValueError("KL needs two distributions of one family and range")
        ratio = (self.scale / other.scale) ** 2
        return 0.5 * (ratio + ((self.loc - other.loc) / other.scale) ** 2 - 1.0 - torch.log(ratio))

    def detach(self) -> ThresholdDistribution:
        """The same distribution with parameters cut from the graph."""
        return ThresholdDistribution(self.loc.detach(), self.scale.detach(), self.family, self.low, self.high)

    def __getitem__(self, index: int) -> ThresholdDistribution:
        """The distribution of batch element ``index`` (batch of one)."""
        i = slice(index, index + 1 if index != -1 else None)
        return ThresholdDistribution(self.loc[i], self.scale[i], self.family, self.low, self.high)
