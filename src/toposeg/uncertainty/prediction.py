"""Structural prediction of one likelihood map: samples, segmentations, uncertainty maps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from toposeg.morse import MorseBranches, morse_branches
from toposeg.uncertainty.structures import (
    InclusionRule,
    branch_uncertainty,
    branch_uncertainty_map,
    inclusion_probability,
    pixel_uncertainty_map,
    sample_structures,
    structural_segmentation,
)
from toposeg.uncertainty.threshold import ThresholdDistribution

__all__ = ["StructuralPrediction", "predict_structures"]


@dataclass(frozen=True, eq=False)
class StructuralPrediction:
    """The result of :func:`predict_structures`.

    Attributes
    ----------
    branches : MorseBranches
        The likelihood's branches (one :func:`toposeg.morse.morse_branches` call).
    probability, uncertainty : (n,) float64 ndarray
        Per branch: inclusion probability and uncertainty.
    eps : (K,) float64 ndarray
        The drawn thresholds.
    segmentations : (K, *shape) bool ndarray
        The structural segmentation of each draw.
    pixel_uncertainty : (*shape) float32 ndarray
        Variance of the segmentations per pixel.
    branch_uncertainty : (*shape) float32 ndarray
        Each branch's uncertainty on its pixels, NaN elsewhere.
    """

    branches: MorseBranches
    probability: np.ndarray
    uncertainty: np.ndarray
    eps: np.ndarray
    segmentations: np.ndarray
    pixel_uncertainty: np.ndarray
    branch_uncertainty: np.ndarray

    def branch_table(self) -> list[dict[str, float | int]]:
        """One row per branch: index, pixels, persistence, probability, uncertainty."""
        sizes = np.diff(self.branches.offsets)
        return [
            {"branch": i, "pixels": int(sizes[i]), "persistence": float(self.branches.persistence[i]),
             "probability": float(self.probability[i]), "uncertainty": float(self.uncertainty[i])}
            for i in range(len(self.branches))
        ]


def predict_structures(
    likelihood: np.ndarray,
    distribution: ThresholdDistribution,
    *,
    samples: int = 10,
    structure: Literal["skeleton", "watershed"] = "skeleton",
    threshold: float = 0.5,
    rule: InclusionRule = "sound",
    generator: torch.Generator | None = None,
) -> StructuralPrediction:
    """Sample structures of ``likelihood`` and their segmentations and uncertainty maps.

    Parameters
    ----------
    likelihood : (M, N[, P]) ndarray
        Values in [0, 1]. Never modified.
    distribution : ThresholdDistribution
        A batch of one (the prior net's output at inference).
    samples : int
        Number of draws K.
    structure : {"skeleton", "watershed"}
        S1 (vessels, roads) or S2 (membranes).
    threshold : float
        The likelihood is binarised at this value for the structural segmentation.
    rule : {"sound", "seed"}
        See :func:`toposeg.uncertainty.inclusion_probability`.
    generator : torch.Generator, optional
        Source of the draws.

    Examples
    --------
    >>> import torch
    >>> from toposeg.data import curvilinear_likelihood
    >>> from toposeg.uncertainty import ThresholdDistribution, predict_structures
    >>> f = curvilinear_likelihood((64, 64), seed=0)
    >>> d = ThresholdDistribution(torch.tensor([-1.5]), torch.tensor([0.5]))
    >>> p = predict_structures(f, d, samples=4)
    >>> p.segmentations.shape, p.pixel_uncertainty.shape
    ((4, 64, 64), (64, 64))
    """
    likelihood = np.asarray(likelihood)
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be in (0, 1), got {threshold}")
    branches = morse_branches(likelihood, structure=structure)
    probability = inclusion_probability(branches, distribution, rule=rule)
    uncertainty = branch_uncertainty(probability, rule=rule)
    drawn = sample_structures(branches, distribution, samples, rule=rule, generator=generator)
    segmentations = structural_segmentation(likelihood >= threshold, drawn)
    return StructuralPrediction(
        branches=branches,
        probability=probability,
        uncertainty=uncertainty,
        eps=drawn.eps,
        segmentations=segmentations,
        pixel_uncertainty=pixel_uncertainty_map(segmentations),
        branch_uncertainty=branch_uncertainty_map(branches, uncertainty),
    )
