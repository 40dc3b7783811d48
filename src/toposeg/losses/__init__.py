"""Topological losses for PyTorch: functions plus thin ``nn.Module`` wrappers.

Every loss takes probabilities in [0, 1] of shape ``(B, C, *spatial)`` (2D or 3D) and a target
of the same shape or integer labels ``(B, *spatial)``; multi-class is one-vs-rest per channel.
Topology is computed on detached CPU copies by the core engine; the loss is built by gathering
prediction values at critical pixels, so gradients come from autograd.
"""

from toposeg.losses.dmt import DMTLoss, dmt_loss
from toposeg.losses.warping import WarpingLoss, warping_loss

__all__ = ["DMTLoss", "WarpingLoss", "dmt_loss", "warping_loss"]
