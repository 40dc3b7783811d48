"""Structure-level uncertainty (thesis ch.7, seed 000_1c9831edba293006.txt, sections 7.2-7.4).

A likelihood's Morse branches (:func:`toposeg.morse.morse_branches`) pruned by a persistence
threshold eps drawn from a learned distribution: structure samples, the probability and
uncertainty of each branch, structural segmentations and uncertainty maps. The sound version
is the default; the seed's (Gaussian eps, Eq. 7.1, reversed inclusion rule) is kept by name
for comparison. See ``docs/uncertainty.md``.
"""

from toposeg.uncertainty.boundary_verdict import boundary_confirmation
from toposeg.uncertainty.branch_model import BRANCH_FEATURES, BranchModel, branch_features
from toposeg.uncertainty.mc_dropout import mc_dropout
from toposeg.uncertainty.model import (
    StructuralLoss,
    StructuralOutput,
    StructuralUNet,
    ThresholdEncoder,
    structural_loss,
    structural_terms,
)
from toposeg.uncertainty.objective import (
    branch_confirmation,
    expected_structural_error,
    score_function_surrogate,
    seed_skeleton_loss,
    structural_error,
)
from toposeg.uncertainty.prediction import StructuralPrediction, predict_structures
from toposeg.uncertainty.probabilistic_unet import ProbabilisticOutput, ProbabilisticUNet, latent_kl
from toposeg.uncertainty.structures import (
    StructureSamples,
    branch_ids,
    branch_uncertainty,
    branch_uncertainty_map,
    inclusion_probability,
    kept_branches,
    pixel_uncertainty_map,
    sample_structures,
    structural_segmentation,
)
from toposeg.uncertainty.threshold import ThresholdDistribution

__all__ = [
    "BRANCH_FEATURES",
    "BranchModel",
    "ProbabilisticOutput",
    "ProbabilisticUNet",
    "StructuralLoss",
    "StructuralOutput",
    "StructuralPrediction",
    "StructuralUNet",
    "StructureSamples",
    "ThresholdDistribution",
    "ThresholdEncoder",
    "boundary_confirmation",
    "branch_confirmation",
    "branch_features",
    "branch_ids",
    "branch_uncertainty",
    "branch_uncertainty_map",
    "expected_structural_error",
    "inclusion_probability",
    "kept_branches",
    "latent_kl",
    "mc_dropout",
    "pixel_uncertainty_map",
    "predict_structures",
    "sample_structures",
    "score_function_surrogate",
    "seed_skeleton_loss",
    "structural_error",
    "structural_loss",
    "structural_segmentation",
    "structural_terms",
]
