"""nnU-Net's loss plus one toposeg topological term: softmax over nnU-Net's classes, one-vs-rest
topology per foreground class, and the ignore label respected.

Torch only: nnU-Net is not needed here, so the term is tested on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from toposeg.losses import cldice_loss, dmt_term, topo_loss, warping_loss
from toposeg.train.comparison import DEFAULT_WEIGHTS

__all__ = ["TOPOLOGICAL_TERMS", "TopologicalTerm", "WithTopologicalTerm", "topological_term"]


def _dmt_term(prob: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    # L_dmt alone: nnU-Net already has a cross-entropy
    return dmt_term(prob, target, eps=0.2)


@dataclass(frozen=True)
class TopologicalTerm:
    """A toposeg loss as nnU-Net trainers use it.

    Attributes
    ----------
    name : str
        The loss's name in toposeg (``toposeg train --loss``).
    trainer : str
        The nnU-Net trainer that adds it (``nnUNetv2_train ... -tr <trainer>``).
    function : callable
        ``function(prob, target) -> scalar`` on foreground probabilities ``(B, K, *spatial)``
        and one-hot targets of the same shape.
    weight : float
        Default weight of the term (toposeg's comparison weight).
    """

    name: str
    trainer: str
    function: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    weight: float


#: The topological losses that nnU-Net trainers add, by toposeg name.
TOPOLOGICAL_TERMS: dict[str, TopologicalTerm] = {
    term.name: term
    for term in (
        TopologicalTerm("topo", "nnUNetTrainerToposegTopo", topo_loss, DEFAULT_WEIGHTS["topo"]),
        TopologicalTerm("dmt", "nnUNetTrainerToposegDMT", _dmt_term, DEFAULT_WEIGHTS["dmt"]),
        TopologicalTerm(
            "warping", "nnUNetTrainerToposegWarping", warping_loss, DEFAULT_WEIGHTS["warping"]
        ),
        TopologicalTerm(
            "cldice", "nnUNetTrainerToposegClDice", cldice_loss, DEFAULT_WEIGHTS["cldice"]
        ),
    )
}


def topological_term(
    name: str, logits: torch.Tensor, labels: torch.Tensor, *, ignore_label: int | None = None
) -> torch.Tensor:
    """One toposeg loss on nnU-Net's network output and label map.

    Parameters
    ----------
    name : {"topo", "dmt", "warping", "cldice"}
        The loss (see :data:`TOPOLOGICAL_TERMS`).
    logits : (B, C, H, W) or (B, C, D, H, W) tensor
        nnU-Net's output for ``C >= 2`` classes, background first (label-based training).
    labels : (B, 1, *spatial) or (B, *spatial) tensor
        Integer class labels (nnU-Net passes them as floats), ``ignore_label`` where unknown.
    ignore_label : int, optional
        nnU-Net's ignore label.

    Returns
    -------
    torch.Tensor
        The loss on ``logits``' device, in float32, averaged over images and foreground classes.

    Notes
    -----
    The probabilities are the softmax over the ``C`` classes; each foreground class
    ``1 .. C - 1`` is a one-vs-rest map (the background, like nnU-Net's Dice, is left out).
    At pixels of the ignore label the target is the network's own decision (the argmax) and
    the probabilities are detached: no gradient reaches them and the missing label is not
    read as background. The topology is computed on detached CPU copies.

    Examples
    --------
    >>> import torch
    >>> labels = torch.zeros(1, 1, 8, 8)
    >>> labels[0, 0, 2:6, 2:6] = 1
    >>> labels[0, 0, 3:5, 3:5] = 0            # a ring of class 1
    >>> logits = torch.zeros(1, 2, 8, 8, requires_grad=True)
    >>> value = topological_term("cldice", logits, labels)
    >>> value.backward()
    >>> value.dtype, logits.grad.abs().sum() > 0
    (torch.float32, tensor(True))
    """
    if name not in TOPOLOGICAL_TERMS:
        raise ValueError(
            f"unknown topological loss {name!r}; choose from {', '.join(TOPOLOGICAL_TERMS)}"
        )
    if not isinstance(logits, torch.Tensor) or logits.ndim not in (4, 5):
        raise ValueError("logits must be a tensor (B, C, H, W) or (B, C, D, H, W)")
    if logits.shape[1] < 2:
        raise ValueError(
            f"logits must have at least 2 classes (background first), got shape {tuple(logits.shape)}"
        )
    if labels.ndim == logits.ndim:
        if labels.shape[1] != 1:
            raise ValueError(
                f"labels must be a label map (B, 1, *spatial), got shape {tuple(labels.shape)}"
            )
        labels = labels[:, 0]
    if labels.shape != logits.shape[:1] + logits.shape[2:]:
        raise ValueError(
            f"labels of shape {tuple(labels.shape)} do not match logits {tuple(logits.shape)}"
        )
    classes = logits.shape[1]
    prob = torch.softmax(logits.float(), dim=1)
    labels = labels.long()
    if ignore_label is not None:
        ignored = labels == ignore_label
        labels = torch.where(ignored, prob.detach().argmax(1), labels)
        prob = torch.where(ignored.unsqueeze(1), prob.detach(), prob)
    if labels.numel() and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(
            f"labels must lie in 0..{classes - 1} (or be the ignore label {ignore_label}), got "
            f"[{labels.min().item()}, {labels.max().item()}]"
        )
    target = F.one_hot(labels, classes).movedim(-1, 1).to(prob.dtype)
    with torch.autocast(logits.device.type, enabled=False):  # nnU-Net's autocast: float32 here
        return TOPOLOGICAL_TERMS[name].function(prob[:, 1:], target[:, 1:])


class WithTopologicalTerm(nn.Module):
    """``base(logits, labels) + weight * topological_term(name, logits, labels)``.

    nnU-Net trainers put it inside their deep-supervision wrapper, so each output resolution
    gets the sum with nnU-Net's weight for that resolution. ``active`` switches the term off
    (before the start epoch).

    Examples
    --------
    >>> import torch
    >>> base = lambda logits, labels: torch.zeros(())
    >>> loss = WithTopologicalTerm(base, "cldice", weight=0.5)
    >>> logits, labels = torch.zeros(1, 2, 8, 8), torch.ones(1, 1, 8, 8)
    >>> loss.active = False
    >>> loss(logits, labels).item()
    0.0
    """

    def __init__(
        self,
        base: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
        name: str,
        *,
        weight: float,
        ignore_label: int | None = None,
    ) -> None:
        super().__init__()
        if name not in TOPOLOGICAL_TERMS:
            raise ValueError(
                f"unknown topological loss {name!r}; choose from {', '.join(TOPOLOGICAL_TERMS)}"
            )
        self.base = base
        self.name = name
        self.weight = float(weight)
        self.ignore_label = ignore_label
        self.active = True

    def forward(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        loss = self.base(logits, labels)
        if self.active and self.weight > 0:
            term = topological_term(self.name, logits, labels, ignore_label=self.ignore_label)
            loss = loss + self.weight * term
        return loss

    def extra_repr(self) -> str:
        return f"name={self.name!r}, weight={self.weight}, ignore_label={self.ignore_label}"
