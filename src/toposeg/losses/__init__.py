"""Topological losses for PyTorch: functions plus thin ``nn.Module`` wrappers.

Every loss takes probabilities in [0, 1] of shape ``(B, C, *spatial)`` (2D or 3D) and a target
of the same shape or integer labels ``(B, *spatial)``; multi-class is one-vs-rest per channel
(the localized loss takes distance maps instead). Topology is computed on detached CPU copies
by the core engine; the loss is built by gathering prediction values at critical pixels, so
gradients come from autograd.
"""

from toposeg.losses.betti_matching import BettiMatchingLoss, betti_matching_loss
from toposeg.losses.cldice import CLDiceLoss, cldice_loss, soft_skeleton
from toposeg.losses.component_prior import ComponentPrior, component_prior
from toposeg.losses.dmt import DMTLoss, dmt_loss
from toposeg.losses.localized import LocalizedPHLoss, height_function, localized_ph_loss
from toposeg.losses.topo import TopoLoss, topo_loss
from toposeg.losses.warping import WarpingLoss, warping_loss

__all__ = [
    "BettiMatchingLoss",
    "CLDiceLoss",
    "ComponentPrior",
    "DMTLoss",
    "LocalizedPHLoss",
    "TopoLoss",
    "WarpingLoss",
    "betti_matching_loss",
    "cldice_loss",
    "component_prior",
    "dmt_loss",
    "height_function",
    "localized_ph_loss",
    "soft_skeleton",
    "topo_loss",
    "warping_loss",
]
