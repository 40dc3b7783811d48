"""Learning signals for the threshold distribution: the sound one and the seed's Eq. 7.1.

* :func:`expected_structural_error` (sound): with ``q_b = P(eps <= persistence_b)`` and ``y_b``
  the fraction of branch ``b`` that the ground truth confirms,
  ``E[error] = sum_b |b| [q_b (1 - y_b) + (1 - q_b) y_b] / sum_b |b|``: the expected fraction of
  branch pixels that a drawn structure gets wrong. It is exact (no sampling), differentiable
  in the distribution's parameters through the CDF, and it penalises missing branches as
  well as spurious ones.
* :func:`seed_skeleton_loss` (thesis Eq. 7.1): ``L_bce(Y * S(eps), L * S(eps))`` at a drawn
  ``eps``. ``S(eps)`` is piecewise constant in ``eps``, so no gradient reaches the
  distribution (flaw 1), and the masked cross-entropy can only fall as ``eps`` grows and the
  structure shrinks: the empty structure minimises it (flaw 2).
* :func:`score_function_surrogate`: a REINFORCE surrogate whose gradient is an unbiased
  estimate of the gradient of ``E[cost(eps)]`` for a cost without gradient (VOI, ARI).
"""

from __future__ import annotations

import numpy as np
import torch
from scipy import ndimage

from toposeg.morse import MorseBranches
from toposeg.uncertainty.threshold import ThresholdDistribution

__all__ = [
    "branch_confirmation",
    "expected_structural_error",
    "seed_skeleton_loss",
    "score_function_surrogate",
    "structural_error",
]


def branch_confirmation(branches: MorseBranches, target: np.ndarray, *, tolerance: int = 1) -> np.ndarray:
    """``y_b``: the fraction of each branch's pixels inside the ground truth, ``(n,)`` float64.

    Parameters
    ----------
    branches : MorseBranches
        From :func:`toposeg.morse.morse_branches`.
    target : (M, N[, P]) ndarray
        Ground-truth mask (nonzero = structure), shaped like the likelihood.
    tolerance : int
        The ground truth is first dilated by this many pixels (a cross per step), so that a
        ridge one pixel beside a thin annotated line still counts as confirmed.
    """
    target = np.asarray(target)
    if target.shape != branches.shape:
        raise ValueError(f"target has shape {target.shape}, the branches {branches.shape}")
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, np.integer)) or tolerance < 0:
        raise ValueError(f"tolerance must be an integer >= 0, got {tolerance!r}")
    inside = target != 0
    if tolerance:
        inside = ndimage.binary_dilation(inside, iterations=int(tolerance))
    hits = inside.ravel()[branches.pixels].astype(np.float64)
    sizes = np.diff(branches.offsets)
    sums = np.add.reduceat(hits, branches.offsets[:-1]) if len(branches) else np.zeros(0)
    return sums / np.maximum(sizes, 1)


def structural_error(kept: np.ndarray, sizes: np.ndarray, confirmed: np.ndarray) -> np.ndarray:
    """The error of given structures: ``sum_b |b| [k_b (1 - y_b) + (1 - k_b) y_b] / sum_b |b|``
    for ``kept`` of shape ``(K, n)`` (bool), giving ``(K,)``."""
    kept = np.asarray(kept, dtype=np.float64)
    sizes = np.asarray(sizes, dtype=np.float64)
    confirmed = np.asarray(confirmed, dtype=np.float64)
    total = max(sizes.sum(), 1.0)
    return (kept * (sizes * (1 - confirmed)) + (1 - kept) * (sizes * confirmed)).sum(-1) / total


def expected_structural_error(
    distribution: ThresholdDistribution,
    persistence: torch.Tensor | np.ndarray,
    sizes: torch.Tensor | np.ndarray,
    confirmed: torch.Tensor | np.ndarray,
) -> torch.Tensor:
    """The exact expectation of :func:`structural_error` over ``eps ~ distribution``.

    Parameters
    ----------
    distribution : ThresholdDistribution
        A batch of one.
    persistence, sizes, confirmed : (n,) arrays
        Per branch: persistence, number of pixels and ``y_b`` (:func:`branch_confirmation`).

    Returns
    -------
    Tensor
        Shape ``(1,)``, differentiable in the distribution's parameters.

    Examples
    --------
    >>> import torch
    >>> from toposeg.uncertainty import ThresholdDistribution, expected_structural_error
    >>> d = ThresholdDistribution(torch.tensor([0.0]), torch.tensor([1.0]))  # median 0.5
    >>> # one true branch (persistence 0.8) and one false one (0.2), ten pixels each:
    >>> # (10 P(eps > 0.8) + 10 P(eps <= 0.2)) / 20 = P(eps > 0.8)
    >>> e = expected_structural_error(d, [0.8, 0.2], [10, 10], [1.0, 0.0])
    >>> round(float(e), 4), round(float(1 - d.cdf(torch.tensor([[0.8]]))), 4)
    (0.0828, 0.0828)
    """
    dtype, device = distribution.loc.dtype, distribution.loc.device
    persistence, sizes, confirmed = (
        torch.as_tensor(np.array(a, dtype=np.float64) if isinstance(a, np.ndarray) else a, dtype=dtype,
                        device=device)
        for a in (persistence, sizes, confirmed)
    )
    if not persistence.shape == sizes.shape == confirmed.shape or persistence.ndim != 1:
        raise ValueError("persistence, sizes and confirmed must be 1-D of one length")
    if distribution.loc.shape[0] != 1:
        raise ValueError(f"distribution must be a batch of one, got {distribution.loc.shape[0]}")
    q = distribution.cdf(persistence[None])[0]
    total = sizes.sum().clamp_min(1.0)
    return ((sizes * (q * (1 - confirmed) + (1 - q) * confirmed)).sum() / total).reshape(1)


def seed_skeleton_loss(
    prob: torch.Tensor, target: torch.Tensor, branches: MorseBranches, eps: torch.Tensor
) -> torch.Tensor:
    """Thesis Eq. 7.1 at one drawn threshold: ``L_bce(Y * S(eps), L * S(eps))``.

    ``S(eps)`` is the structure at ``eps`` (the seed's Gaussian may draw ``eps < 0``, which
    keeps every branch). Like the authors' code, the mask is computed from the value of
    ``eps``: the result depends on the threshold only through a piecewise-constant mask, so
    its gradient with respect to the distribution is zero.

    Parameters
    ----------
    prob, target : (*spatial) Tensor
        Likelihood of one image (values in [0, 1]) and its ground truth (0/1).
    branches : MorseBranches
        Branches of ``prob``.
    eps : Tensor
        One drawn threshold (0-d or one element).

    Returns
    -------
    Tensor
        0-d: the cross-entropy summed over the structure's pixels, divided by all pixels.
    """
    if prob.shape != target.shape or tuple(prob.shape) != branches.shape:
        raise ValueError(
            f"prob {tuple(prob.shape)}, target {tuple(target.shape)} and branches {branches.shape} "
            "must have one shape"
        )
    value = float(eps.detach().reshape(-1)[0])
    count = int(np.count_nonzero(branches.persistence >= value))
    index = torch.as_tensor(branches.pixels[: branches.offsets[count]].copy(), device=prob.device)
    p = prob.reshape(-1)[index].clamp(1e-7, 1 - 1e-7)
    y = target.reshape(-1)[index].to(p.dtype)
    bce = -(y * torch.log(p) + (1 - y) * torch.log1p(-p))
    return bce.sum() / prob.numel()


def score_function_surrogate(
    distribution: ThresholdDistribution, eps: torch.Tensor, cost: torch.Tensor | np.ndarray
) -> torch.Tensor:
    """A surrogate whose gradient estimates ``grad E[cost(eps)]`` (score function, REINFORCE).

    Parameters
    ----------
    distribution : ThresholdDistribution
        A batch of one.
    eps : (1, K) Tensor
        Draws from ``distribution`` (detached), ``K >= 2``.
    cost : (K,) array
        The cost of each draw (any function of the structure, e.g. VOI).

    Returns
    -------
    Tensor
        Shape ``(1,)``. Each draw's log-density is weighted by its cost minus the mean cost of
        the other draws (a leave-one-out baseline, which keeps the estimate unbiased).
    """
    eps = eps.detach()
    cost = torch.as_tensor(cost, dtype=distribution.loc.dtype, device=distribution.loc.device).reshape(-1)
    k = cost.shape[0]
    if eps.shape != (1, k) or k < 2:
        raise ValueError(f"eps must have shape (1, K) with K >= 2 and cost shape (K,), got {tuple(eps.shape)}, {k}")
    baseline = (cost.sum() - cost) / (k - 1)
    return ((cost - baseline) * distribution.log_prob(eps)[0]).mean().reshape(1)
