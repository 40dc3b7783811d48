"""Structures drawn from the threshold distribution: samples, branch probabilities, maps.

Everything here starts from one :func:`toposeg.morse.morse_branches` call: the structure at a
threshold ``eps`` is the set of branches of persistence ``>= eps`` (a prefix of the branch
list), so a draw of ``eps`` is a draw of a structure, and the probability that branch ``b`` is
kept is ``q_b = P(eps <= persistence_b)``.

``rule="seed"`` reproduces thesis section 7.2 literally, for comparison: a branch is in the
structure iff ``persistence_b <= eps`` (which keeps the noise and prunes the salient branches),
its stated probability is ``CDF(persistence_b)`` (which is not the frequency of its own rule)
and its uncertainty is ``1 - |CDF - 0.5|`` (which never falls below 0.5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from scipy import ndimage

from toposeg.morse import MorseBranches
from toposeg.uncertainty.threshold import ThresholdDistribution

__all__ = [
    "InclusionRule",
    "StructureSamples",
    "branch_ids",
    "branch_uncertainty",
    "branch_uncertainty_map",
    "inclusion_probability",
    "kept_branches",
    "pixel_uncertainty_map",
    "sample_structures",
    "structural_segmentation",
]

InclusionRule = Literal["sound", "seed"]


def _check_rule(rule: str) -> None:
    if rule not in ("sound", "seed"):
        raise ValueError(f"rule must be 'sound' or 'seed', got {rule!r}")


def _check_single(distribution: ThresholdDistribution) -> None:
    if not isinstance(distribution, ThresholdDistribution):
        raise TypeError(f"distribution must be a ThresholdDistribution, got {type(distribution).__name__}")
    if distribution.loc.shape[0] != 1:
        raise ValueError(f"distribution must be a batch of one, got {distribution.loc.shape[0]}")


def kept_branches(branches: MorseBranches, eps: np.ndarray, *, rule: InclusionRule = "sound") -> np.ndarray:
    """Which branches each threshold keeps: ``(K, n)`` bool for thresholds ``eps`` of shape (K,).

    ``"sound"``: persistence ``>= eps`` (the structure of :func:`toposeg.morse.morse_skeleton`
    or :func:`toposeg.morse.watershed_boundaries` at ``eps``); ``"seed"``: persistence ``<= eps``.
    """
    _check_rule(rule)
    eps = np.asarray(eps, dtype=np.float64).reshape(-1, 1)
    persistence = branches.persistence[None, :]
    return persistence >= eps if rule == "sound" else persistence <= eps


def inclusion_probability(
    branches: MorseBranches, distribution: ThresholdDistribution, *, rule: InclusionRule = "sound"
) -> np.ndarray:
    """The probability of each branch, ``(n,)`` float64.

    Parameters
    ----------
    branches : MorseBranches
        From :func:`toposeg.morse.morse_branches`.
    distribution : ThresholdDistribution
        A batch of one.
    rule : {"sound", "seed"}
        ``"sound"``: ``q_b = P(eps <= persistence_b)``, the probability that a drawn structure
        keeps ``b``. ``"seed"``: the thesis' stated ``CDF(persistence_b)``.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from toposeg.morse import morse_branches
    >>> from toposeg.uncertainty import ThresholdDistribution, inclusion_probability
    >>> f = np.full((3, 7), 0.1)
    >>> f[1] = [0.1, 0.9, 0.7, 0.5, 0.7, 0.8, 0.1]
    >>> d = ThresholdDistribution(torch.tensor([0.0]), torch.tensor([0.5]))   # median 0.5
    >>> inclusion_probability(morse_branches(f), d).round(3)      # persistence 0.3 < 0.5
    array([0.045, 0.045])
    """
    _check_rule(rule)
    _check_single(distribution)
    with torch.no_grad():
        persistence = torch.as_tensor(branches.persistence.copy(), dtype=distribution.loc.dtype)[None]
        return distribution.cdf(persistence)[0].double().cpu().numpy()


def branch_uncertainty(probability: np.ndarray, *, rule: InclusionRule = "sound") -> np.ndarray:
    """Uncertainty of each branch from its probability.

    ``"sound"``: ``1 - |2 q - 1|``, in [0, 1]: 0 for a branch that every structure keeps (or
    none does), 1 for a coin flip. ``"seed"``: the thesis' ``1 - |CDF - 0.5|``, in [0.5, 1].
    """
    _check_rule(rule)
    probability = np.asarray(probability, dtype=np.float64)
    if rule == "sound":
        return 1.0 - np.abs(2.0 * probability - 1.0)
    return 1.0 - np.abs(probability - 0.5)


def branch_ids(branches: MorseBranches) -> np.ndarray:
    """For each pixel, the index of the branch holding it, or -1; shape of the likelihood."""
    out = np.full(int(np.prod(branches.shape)), -1, dtype=np.int64)
    out[branches.pixels] = np.repeat(np.arange(len(branches)), np.diff(branches.offsets))
    return out.reshape(branches.shape)


@dataclass(frozen=True, eq=False)
class StructureSamples:
    """Structures drawn from a threshold distribution; built by :func:`sample_structures`.

    Attributes
    ----------
    eps : (K,) float64 ndarray
        The drawn thresholds.
    kept : (K, n) bool ndarray
        Which branches each draw keeps.
    branches : MorseBranches
        The branches they are drawn from.
    """

    eps: np.ndarray
    kept: np.ndarray
    branches: MorseBranches

    def __len__(self) -> int:
        return int(self.eps.shape[0])

    def masks(self) -> np.ndarray:
        """The sampled structures as boolean images, ``(K, *shape)``."""
        ids = branch_ids(self.branches).ravel()
        out = np.zeros((len(self), ids.size), dtype=bool)
        on = ids >= 0
        out[:, on] = self.kept[:, ids[on]]
        return out.reshape(len(self), *self.branches.shape)


def sample_structures(
    branches: MorseBranches,
    distribution: ThresholdDistribution,
    samples: int,
    *,
    rule: InclusionRule = "sound",
    generator: torch.Generator | None = None,
) -> StructureSamples:
    """Draw ``samples`` thresholds and the structures they keep.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from toposeg.data import curvilinear_likelihood
    >>> from toposeg.morse import morse_branches, morse_skeleton
    >>> from toposeg.uncertainty import ThresholdDistribution, sample_structures
    >>> f = curvilinear_likelihood((48, 48), seed=0)
    >>> d = ThresholdDistribution(torch.tensor([-1.5]), torch.tensor([0.5]))
    >>> s = sample_structures(morse_branches(f), d, 3, generator=torch.Generator().manual_seed(0))
    >>> bool((s.masks()[0] == morse_skeleton(f, eps=float(s.eps[0]))).all())
    True
    """
    _check_single(distribution)
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 1:
        raise ValueError(f"samples must be a positive integer, got {samples!r}")
    with torch.no_grad():
        eps = distribution.rsample(int(samples), generator=generator)[0].double().cpu().numpy()
    return StructureSamples(eps=eps, kept=kept_branches(branches, eps, rule=rule), branches=branches)


def structural_segmentation(
    foreground: np.ndarray, samples: StructureSamples, *, connectivity: int = 1
) -> np.ndarray:
    """The segmentation each sampled structure confirms, ``(K, *shape)`` bool.

    Thesis section 7.2.2 (Fig. 7.5): the sampled structure is overlaid on the thresholded
    likelihood ``foreground`` and the connected components it touches are kept. The
    structure's own pixels are not added: S1 joins the maxima of persistence ``>= eps``
    through the background by the ridges of their saddles, so adding it would draw those
    ridges into the mask (a proofreader adds the branches she accepts instead, see
    :class:`toposeg.proofread.ProofreadingSession`).

    Parameters
    ----------
    foreground : (M, N[, P]) ndarray of bool
        The binarised likelihood (e.g. ``likelihood >= 0.5``).
    samples : StructureSamples
        From :func:`sample_structures`, of the same shape.
    connectivity : int
        Connectivity of the components (1 or ``ndim``, as in SciPy).
    """
    foreground = np.asarray(foreground)
    if foreground.shape != samples.branches.shape:
        raise ValueError(
            f"foreground has shape {foreground.shape}, the branches {samples.branches.shape}"
        )
    if foreground.dtype != bool:
        raise TypeError(f"foreground must be a boolean mask, got dtype {foreground.dtype}")
    structure = ndimage.generate_binary_structure(foreground.ndim, connectivity)
    labels, count = ndimage.label(foreground, structure)
    labels = labels.ravel()
    ids = branch_ids(samples.branches).ravel()
    # the (component, branch) pairs where a branch touches a component
    touching = (ids >= 0) & (labels > 0)
    pairs = np.unique(np.stack([labels[touching], ids[touching]]), axis=1)
    out = np.empty((len(samples), labels.size), dtype=bool)
    for k in range(len(samples)):
        keep_component = np.zeros(count + 1, dtype=bool)
        keep_component[pairs[0][samples.kept[k, pairs[1]]]] = True
        out[k] = keep_component[labels]
    return out.reshape(len(samples), *foreground.shape)


def pixel_uncertainty_map(segmentations: np.ndarray) -> np.ndarray:
    """Per-pixel variance ``p (1 - p)`` of sampled segmentations ``(K, *shape)`` (thesis
    Fig. 7.8: the empirical structure-level uncertainty map), float32."""
    segmentations = np.asarray(segmentations)
    if segmentations.ndim < 3:
        raise ValueError(f"segmentations must have shape (K, *spatial), got {segmentations.shape}")
    p = segmentations.mean(axis=0, dtype=np.float32)
    return p * (1.0 - p)


def branch_uncertainty_map(branches: MorseBranches, uncertainty: np.ndarray) -> np.ndarray:
    """Each branch's uncertainty painted on its pixels; NaN off the branches; float32."""
    uncertainty = np.asarray(uncertainty, dtype=np.float32)
    if uncertainty.shape != (len(branches),):
        raise ValueError(f"uncertainty must have shape ({len(branches)},), got {uncertainty.shape}")
    out = np.full(int(np.prod(branches.shape)), np.nan, dtype=np.float32)
    out[branches.pixels] = np.repeat(uncertainty, np.diff(branches.offsets))
    return out.reshape(branches.shape)
