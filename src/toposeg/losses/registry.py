"""Losses by name: the table that training, the CLI, the comparison and the docs read.

Each :class:`LossEntry` holds a loss function, its ``nn.Module``, its kind (a pixel term that
trains from the first epoch, or a topological one added after pretraining), what it takes
(logits, probabilities, or distance maps), its default options, the weight the comparison
(``toposeg demo``) gives it, and a one-line description. Adding a loss is one file (the
function and its Module) plus one row of :data:`LOSSES` (or :func:`register_loss`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import torch
from torch import nn

from toposeg._registry import add_entry
from toposeg.losses.betti_matching import BettiMatchingLoss, betti_matching_loss
from toposeg.losses.cldice import CLDiceLoss, cldice_loss
from toposeg.losses.dmt import DMTTerm, dmt_term
from toposeg.losses.localized import LocalizedPHLoss, localized_ph_loss
from toposeg.losses.pixel import BCELoss, DiceLoss, bce_loss, dice_loss
from toposeg.losses.topo import TopoLoss, topo_loss
from toposeg.losses.warping import WarpingLoss, warping_loss

__all__ = ["LOSSES", "LossEntry", "TermFunction", "register_loss"]

#: ``term(logits, prob, target, generator) -> scalar``; ``target`` is a float 0/1 tensor like
#: ``prob``, ``generator`` a ``torch.Generator`` or ``None`` (torch's global generator).
TermFunction = Callable[
    [torch.Tensor, torch.Tensor, torch.Tensor, "torch.Generator | None"], torch.Tensor
]

Inputs = Literal["logits", "probabilities", "distance"]

# options a training term never takes from the user: the pipeline reduces, seeds and activates
_PIPELINE_OPTIONS = ("generator", "reduction", "sigmoid", "softmax", "include_background")


@dataclass(frozen=True)
class LossEntry:
    """One named loss.

    Attributes
    ----------
    name : str
    kind : {"pixel", "topological"}
        Pixel terms train from the first epoch; topological ones after ``pretrain_epochs``.
    description : str
        One line, for the CLI help and the docs.
    builder : callable, optional
        ``builder(options) -> term(logits, prob, target, generator)`` for a term that is not a
        call of ``function``; raises ``ValueError`` for options it does not take.
    draws_random : bool
        The term makes random choices (patch positions, height functions): it is evaluated
        sample by sample in training, each with its own generator. Set automatically when
        ``function`` takes ``generator``.
    function : callable, optional
        The loss, ``function(first, target, **options)``.
    module : type, optional
        Its ``nn.Module`` form.
    inputs : {"logits", "probabilities", "distance"}
        What ``function`` takes first: the network's logits, probabilities ``p``, or distance
        maps (training passes ``1 - p`` and ``1 - g``: low on the structure).
    defaults : mapping
        Options training passes unless the user gives them (e.g. DMT's ``eps``).
    demo_weight : float, optional
        Weight of the term in the comparison (``toposeg demo``) when added to the pixel loss.
    in_demo : bool
        The term is one of the comparison's default methods (otherwise it runs when named in
        ``--methods``).
    """

    name: str
    kind: Literal["pixel", "topological"]
    description: str
    builder: Callable[[Mapping[str, Any]], TermFunction] | None = None
    draws_random: bool = False
    function: Callable[..., torch.Tensor] | None = None
    module: type[nn.Module] | None = None
    inputs: Inputs = "probabilities"
    defaults: Mapping[str, Any] = field(default_factory=dict)
    demo_weight: float | None = None
    in_demo: bool = True

    def __post_init__(self) -> None:
        if (self.builder is None) == (self.function is None):
            raise ValueError(f"loss {self.name!r} needs exactly one of function= and builder=")
        if self.inputs not in ("logits", "probabilities", "distance"):
            raise ValueError(f"inputs must be 'logits', 'probabilities' or 'distance', got {self.inputs!r}")
        if self.function is not None and "generator" in inspect.signature(self.function).parameters:
            object.__setattr__(self, "draws_random", True)

    def options(self) -> tuple[str, ...]:
        """The options a user may give (keyword-only parameters of ``function``)."""
        if self.function is None:
            return ()
        parameters = inspect.signature(self.function).parameters.values()
        return tuple(
            p.name for p in parameters if p.kind == p.KEYWORD_ONLY and p.name not in _PIPELINE_OPTIONS
        )

    def build(self, options: Mapping[str, Any]) -> TermFunction:
        """The training term with ``options``: ``term(logits, prob, target, generator)``.

        Raises
        ------
        ValueError, TypeError
            For an option the loss does not take (the message lists those it takes), or a
            value its module refuses (checked now, before any training).
        """
        if self.builder is not None:
            return self.builder(options)
        check_option_names(self.name, options, self.options())
        function, keywords = self.function, {**self.defaults, **options}
        if self.module is not None:
            self.module(**keywords)  # its checks of the values
        inputs, random = self.inputs, self.draws_random

        def term(
            logits: torch.Tensor,
            prob: torch.Tensor,
            target: torch.Tensor,
            generator: torch.Generator | None,
        ) -> torch.Tensor:
            extra = {"generator": generator} if random else {}
            if inputs == "logits":
                return function(logits, target, **keywords, **extra)
            if inputs == "distance":  # 1 - p is low on the structure, like a distance map
                return function(1 - prob, 1 - target, **keywords, **extra)
            return function(prob, target, **keywords, **extra)

        return term

    make = build  # the same, by the name training used before the registry


def check_option_names(term: str, options: Mapping[str, Any], allowed: Sequence[str]) -> None:
    """Raise ``ValueError`` naming the options of ``term`` that are not in ``allowed``."""
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        takes = ", ".join(sorted(allowed)) or "no options"
        raise ValueError(
            f"loss term {term!r} does not take option(s) {', '.join(unknown)}; it takes {takes}"
        )


#: Every loss training knows, by name, in the order of the CLI help and the docs.
LOSSES: dict[str, LossEntry] = {
    entry.name: entry
    for entry in (
        LossEntry("ce", "pixel", "binary cross-entropy (on the logits)",
                  function=bce_loss, module=BCELoss, inputs="logits"),
        LossEntry("dice", "pixel", "soft Dice loss 1 - Dice, per sample",
                  function=dice_loss, module=DiceLoss),
        LossEntry("cldice", "topological", "soft clDice loss (Shit et al. 2021)",
                  function=cldice_loss, module=CLDiceLoss, demo_weight=1.0),
        LossEntry("topo", "topological", "persistence-diagram loss, TopoLoss (seed 002)",
                  function=topo_loss, module=TopoLoss, demo_weight=0.003),
        LossEntry("dmt", "topological", "cross-entropy on the Morse structures, L_dmt (seed 001)",
                  function=dmt_term, module=DMTTerm, defaults={"eps": 0.2}, demo_weight=3.0),
        LossEntry("warping", "topological",
                  "cross-entropy on the homotopy-warping critical pixels (thesis ch.5)",
                  function=warping_loss, module=WarpingLoss, demo_weight=3.0),
        LossEntry("localized", "topological",
                  "localized PH loss with random height functions (seed 003) on 1 - p",
                  function=localized_ph_loss, module=LocalizedPHLoss, inputs="distance",
                  demo_weight=0.003),
        LossEntry("betti_matching", "topological",
                  "Betti matching loss (Stucki et al. 2023): pairs matched in place through the comparison image",
                  function=betti_matching_loss, module=BettiMatchingLoss, demo_weight=0.003, in_demo=False),
    )
}


def register_loss(entry: LossEntry) -> LossEntry:
    """Add ``entry`` to :data:`LOSSES` (training, the CLI and the comparison then know it); a
    name taken already is a ``ValueError``.

    Examples
    --------
    >>> from toposeg.losses.registry import LOSSES, LossEntry, register_loss
    >>> from toposeg.losses import dice_loss
    >>> entry = register_loss(LossEntry("dice2", "pixel", "Dice again", function=dice_loss))
    >>> "dice2" in LOSSES
    True
    >>> del LOSSES["dice2"]
    """
    return add_entry(LOSSES, entry, LossEntry, "loss")
