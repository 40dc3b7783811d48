"""Topological losses for PyTorch: functions plus thin ``nn.Module`` wrappers.

Every loss takes probabilities in [0, 1] of shape ``(B, C, *spatial)`` (2D or 3D) and a target
of the same shape or integer labels ``(B, *spatial)``; multi-class is one-vs-rest per channel
(the localized loss takes distance maps instead). Topology is computed on detached CPU copies
by the core engine; the loss is built by gathering prediction values at critical pixels, so
gradients come from autograd. :data:`LOSSES` names them for training (``toposeg train
--loss ce+0.1*topo``).
"""

from toposeg.losses.betti_matching import BettiMatchingLoss, betti_matching_loss
from toposeg.losses.cldice import CLDiceLoss, cldice_loss, soft_skeleton
from toposeg.losses.component_prior import ComponentPrior, component_prior
from toposeg.losses.dmt import DMTLoss, DMTTerm, dmt_loss, dmt_term
from toposeg.losses.localized import LocalizedPHLoss, height_function, localized_ph_loss
from toposeg.losses.pixel import BCELoss, DiceLoss, bce_loss, dice_loss
from toposeg.losses.registry import LOSSES, LossEntry, register_loss
from toposeg.losses.topo import TopoLoss, topo_loss
from toposeg.losses.warping import WarpingLoss, warping_loss

__all__ = [
    "LOSSES",
    "BCELoss",
    "BettiMatchingLoss",
    "CLDiceLoss",
    "ComponentPrior",
    "DMTLoss",
    "DMTTerm",
    "DiceLoss",
    "LocalizedPHLoss",
    "LossEntry",
    "TopoLoss",
    "WarpingLoss",
    "bce_loss",
    "betti_matching_loss",
    "cldice_loss",
    "component_prior",
    "dice_loss",
    "dmt_loss",
    "dmt_term",
    "height_function",
    "localized_ph_loss",
    "register_loss",
    "soft_skeleton",
    "topo_loss",
    "warping_loss",
]
