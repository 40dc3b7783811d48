"""Training losses by name: ``"ce"``, ``"dice+0.1*topo"``, ``"ce+3*dmt"``.

A loss is a weighted sum of named terms. Each term is one entry of
:data:`toposeg.losses.LOSSES` (here also :data:`LOSS_TERMS`): a pixel term (``ce``, ``dice``)
or a topological term (``cldice``, ``topo``, ``dmt``, ``warping``, ``localized``) that calls a
loss of :mod:`toposeg.losses`. The seeds' schedule pretrains with the pixel terms, then
fine-tunes with all of them (:meth:`LossSpec.pixel_part`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from toposeg.losses.registry import LOSSES, LossEntry, TermFunction

__all__ = ["LOSS_TERMS", "LossSpec", "LossTerm", "Objective", "parse_loss"]

#: The loss registry, :data:`toposeg.losses.LOSSES` (the same dict).
LOSS_TERMS: dict[str, LossEntry] = LOSSES

#: A named loss term: :class:`toposeg.losses.LossEntry`.
LossTerm = LossEntry

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
        self._terms: list[tuple[float, str, LossEntry, TermFunction]] = [
            (weight, name, LOSS_TERMS[name], LOSS_TERMS[name].build(dict(options.get(name, {}))))
            for weight, name in spec.terms
        ]

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
