"""Training losses by name: ``"ce"``, ``"dice+0.1*topo"``, ``"ce+3*dmt"``.

A loss is a weighted sum of named terms. Each term is one entry of :data:`LOSS_TERMS`: a pixel
term (``ce``, ``dice``) or a topological term (``cldice``, ``topo``, ``dmt``, ``warping``,
``localized``) that calls the loss of :mod:`toposeg.losses`. The seeds' schedule pretrains with
the pixel terms, then fine-tunes with all of them (:meth:`LossSpec.pixel_part`).
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import torch
import torch.nn.functional as F

__all__ = ["LOSS_TERMS", "LossSpec", "LossTerm", "Objective", "parse_loss"]

# term(logits, prob, target, generator) -> scalar tensor; target is a float 0/1 tensor like prob
TermFunction = Callable[[torch.Tensor, torch.Tensor, torch.Tensor, "torch.Generator | None"], torch.Tensor]


@dataclass(frozen=True)
class LossTerm:
    """One named loss term.

    Attributes
    ----------
    name : str
    kind : {"pixel", "topological"}
        Pixel terms train from the first epoch; topological ones after ``pretrain_epochs``.
    description : str
    make : callable
        ``make(options) -> term(logits, prob, target, generator)``; raises ``ValueError`` for
        options the term does not take.
    draws_random : bool
        The term makes random choices (patch positions, height functions). It is then
        evaluated sample by sample, each with a generator seeded by the sample's place in the
        run, so that the choices do not depend on how a batch is split over processes.
    """

    name: str
    kind: Literal["pixel", "topological"]
    description: str
    make: Callable[[Mapping[str, Any]], TermFunction]
    draws_random: bool = False


def _check_keys(term: str, options: Mapping[str, Any], allowed: Sequence[str]) -> None:
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        takes = ", ".join(sorted(allowed)) or "no options"
        raise ValueError(f"loss term {term!r} does not take option(s) {', '.join(unknown)}; it takes {takes}")


def _make_ce(options: Mapping[str, Any]) -> TermFunction:
    _check_keys("ce", options, ())
    return lambda logits, prob, target, generator: F.binary_cross_entropy_with_logits(logits, target)


def _make_dice(options: Mapping[str, Any]) -> TermFunction:
    _check_keys("dice", options, ("smooth",))
    smooth = float(options.get("smooth", 1.0))

    def dice(logits: torch.Tensor, prob: torch.Tensor, target: torch.Tensor, generator: object) -> torch.Tensor:
        dims = tuple(range(2, prob.ndim))  # per sample and channel, so the mean splits over processes
        overlap = (prob * target).sum(dims)
        return (1 - (2 * overlap + smooth) / (prob.sum(dims) + target.sum(dims) + smooth)).mean()

    return dice


def _library_loss(function_name: str, term: str, fixed: Mapping[str, Any], *,
                  distance: bool = False, random: bool = False) -> Callable[[Mapping[str, Any]], TermFunction]:
    """A term that calls ``toposeg.losses.<function_name>`` with the user's options."""

    def make(options: Mapping[str, Any]) -> TermFunction:
        function = getattr(importlib.import_module("toposeg.losses"), function_name, None)
        if function is None:
            raise ValueError(f"loss term {term!r} needs toposeg.losses.{function_name}, "
                             "which this installation does not have")
        parameters = inspect.signature(function).parameters
        taken = [n for n, p in parameters.items() if p.kind == p.KEYWORD_ONLY and n not in fixed
                 and n not in ("generator", "reduction")]
        _check_keys(term, options, taken)
        keywords = {**options, **fixed}

        def call(logits: torch.Tensor, prob: torch.Tensor, target: torch.Tensor,
                 generator: torch.Generator | None) -> torch.Tensor:
            extra = {"generator": generator} if random else {}
            if distance:  # a likelihood network: 1 - p is low on the structure, like a distance map
                return function(1 - prob, 1 - target, **keywords, **extra)
            return function(prob, target, **keywords, **extra)

        return call

    return make


def _make_dmt(options: Mapping[str, Any]) -> TermFunction:
    # dmt_loss(beta=1) = BCE + L_dmt; the term is L_dmt alone (its weight is the paper's beta)
    full = _library_loss("dmt_loss", "dmt", {"beta": 1.0})({"eps": 0.2, **options})

    def dmt(logits: torch.Tensor, prob: torch.Tensor, target: torch.Tensor, generator: object) -> torch.Tensor:
        return full(logits, prob, target, None) - F.binary_cross_entropy(prob, target)

    return dmt


#: Every loss term, by name. Adding a loss to training is one entry here.
LOSS_TERMS: dict[str, LossTerm] = {
    term.name: term
    for term in (
        LossTerm("ce", "pixel", "binary cross-entropy (on the logits)", _make_ce),
        LossTerm("dice", "pixel", "soft Dice loss 1 - Dice, per sample", _make_dice),
        LossTerm("cldice", "topological", "soft clDice loss (Shit et al. 2021)",
                 _library_loss("cldice_loss", "cldice", {})),
        LossTerm("topo", "topological", "persistence-diagram loss, TopoLoss (seed 002)",
                 _library_loss("topo_loss", "topo", {}, random=True), draws_random=True),
        LossTerm("dmt", "topological", "cross-entropy on the Morse structures, L_dmt (seed 001)", _make_dmt),
        LossTerm("warping", "topological", "cross-entropy on the homotopy-warping critical pixels (thesis ch.5)",
                 _library_loss("warping_loss", "warping", {})),
        LossTerm("localized", "topological", "localized PH loss with random height functions (seed 003) on 1 - p",
                 _library_loss("localized_ph_loss", "localized", {}, distance=True, random=True),
                 draws_random=True),
    )
}

_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_TERM = re.compile(rf"\s*(?:({_NUMBER})\s*\*\s*)?([A-Za-z_][A-Za-z0-9_]*)\s*")


@dataclass(frozen=True)
class LossSpec:
    """A parsed loss: ``(weight, term name)`` pairs in the order written."""

    terms: tuple[tuple[float, str], ...]

    def __str__(self) -> str:
        return "+".join(name if weight == 1 else f"{weight:g}*{name}" for weight, name in self.terms)

    @property
    def topological(self) -> bool:
        """Whether any term is topological."""
        return any(LOSS_TERMS[name].kind == "topological" for _, name in self.terms)

    def pixel_part(self) -> LossSpec | None:
        """The pixel terms alone (the pretraining loss), or ``None`` if there are none."""
        terms = tuple(t for t in self.terms if LOSS_TERMS[t[1]].kind == "pixel")
        return LossSpec(terms) if terms else None


def parse_loss(text: str) -> LossSpec:
    """Parse a loss such as ``"ce"``, ``"dice+0.1*topo"`` or ``"0.5*ce + 0.5*dice + 1e-3*topo"``.

    Raises
    ------
    ValueError
        For an unknown term name (the message lists the known ones), a term written twice, a
        weight that is not positive, or text that is not ``[weight*]name + ...``.

    Examples
    --------
    >>> from toposeg.train import parse_loss
    >>> spec = parse_loss("dice + 0.1*topo")
    >>> spec.terms, str(spec.pixel_part())
    (((1.0, 'dice'), (0.1, 'topo')), 'dice')
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"loss must be a non-empty text such as 'ce' or 'dice+0.1*topo', got {text!r}")
    terms: list[tuple[float, str]] = []
    position = 0
    while True:
        match = _TERM.match(text, position)
        if match is None:
            raise ValueError(f"cannot parse loss {text!r} at {text[position:]!r}: "
                             "write terms as [weight*]name joined by '+', e.g. 'dice+0.1*topo'")
        weight, name = float(match.group(1) or 1.0), match.group(2).lower()
        if name not in LOSS_TERMS:
            raise ValueError(f"unknown loss term {name!r} in {text!r}; choose from {', '.join(LOSS_TERMS)}")
        if not weight > 0:
            raise ValueError(f"loss term {name!r} has weight {weight}; weights must be > 0")
        if any(name == n for _, n in terms):
            raise ValueError(f"loss term {name!r} appears twice in {text!r}")
        terms.append((weight, name))
        position = match.end()
        if position == len(text):
            return LossSpec(tuple(terms))
        if text[position] != "+":
            raise ValueError(f"cannot parse loss {text!r} at {text[position:]!r}: terms are joined by '+'")
        position += 1


class Objective:
    """A weighted sum of loss terms, evaluated on a network's logits.

    Parameters
    ----------
    spec : LossSpec
    options : mapping of str to mapping
        Options of each term, by name (terms not in ``spec`` are ignored).

    Notes
    -----
    Every term is a mean over samples, so the mean of the losses of equal shards of a batch
    (what data-parallel training averages) is the loss of the whole batch.
    """

    def __init__(self, spec: LossSpec, options: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        options = dict(options or {})
        self.spec = spec
        self._terms = [(weight, name, LOSS_TERMS[name], LOSS_TERMS[name].make(dict(options.get(name, {}))))
                       for weight, name in spec.terms]

    def __call__(
        self, logits: torch.Tensor, target: torch.Tensor, generators: Sequence[torch.Generator] | None = None,
        region: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, dict[str, float]]:
        """Total loss and the value of each term.

        Parameters
        ----------
        logits : (B, 1, *spatial) tensor
        target : (B, 1, *spatial) float tensor of 0/1
        generators : sequence of torch.Generator, optional
            One per sample, for the terms that draw random choices (default: torch's global
            generator, the whole batch at once).
        region : (B, 1, *spatial) float tensor of 0/1, optional
            The pixels that count (an ignore mask): outside it the target is background and the
            logits a constant -30 (likelihood ~1e-13), so those pixels add no error and no
            gradient to any term.
        """
        if region is not None:
            target = target * region
            logits = torch.where(region > 0.5, logits, torch.full_like(logits, -30.0))
        prob = torch.sigmoid(logits)
        total = logits.new_zeros(())
        parts = {}
        for weight, name, term, function in self._terms:
            if term.draws_random and generators is not None:
                value = torch.stack([
                    function(logits[i:i + 1], prob[i:i + 1], target[i:i + 1], generators[i])
                    for i in range(len(logits))
                ]).mean()
            else:
                value = function(logits, prob, target, None)
            parts[name] = float(value.detach())
            total = total + weight * value
        return total, parts
