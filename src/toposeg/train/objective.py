"""Training losses by name: ``"ce"``, ``"dice+0.1*topo"``, ``"ce+3*dmt"``.

A loss is a weighted sum of named terms. Each term is one entry of
:data:`toposeg.losses.LOSSES` (here also :data:`LOSS_TERMS`): a pixel term (``ce``, ``dice``)
or a topological term (``cldice``, ``topo``, ``dmt``, ``warping``, ``localized``) that calls a
loss of :mod:`toposeg.losses`. The seeds' schedule pretrains with the pixel terms, then
fine-tunes with all of them (:meth:`LossSpec.pixel_part`).

With ``classes >= 2`` the network has one output channel per class (the background first) and
a softmax: ``ce`` is the categorical cross-entropy over all classes, and every other term is
applied one-vs-rest to each foreground class (its softmax probability against its binary
mask) and averaged over the foreground classes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import torch
import torch.nn.functional as F

from toposeg.losses.registry import LOSSES, LossEntry, TermFunction

__all__ = ["BALANCES", "LOSS_TERMS", "LossSpec", "LossTerm", "Objective", "parse_loss"]

#: How the weights of the topological terms are read: ``"none"``, as plain factors;
#: ``"gradient"``, as the norm of each term's gradient on the logits relative to the pixel terms'.
BALANCES = ("none", "gradient")
Balance = Literal["none", "gradient"]

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
    balance : {"none", "gradient"}
        ``"none"``: the loss is ``sum(weight * term)``. ``"gradient"``: each topological term's
        weight is a ratio of gradient norms. At each training step the term is multiplied by
        ``weight * N_pixel / N_term`` (a constant for autograd), where ``N`` are running means
        (momentum 0.9, about the last ten steps; the first step's norms at the start) of the
        norms of the gradients on the logits of the pixel terms and of the term. The term's
        gradient is then on average ``weight`` times the pixel terms' whatever its own scale,
        the network's confidence or the data set, and it still shrinks on a batch whose
        topology is nearly right (a per-step ratio would blow a vanishing gradient up). The
        factor of each term is reported as ``<name>_factor``. Outside training (no gradient)
        the terms are weighted as with ``"none"``; the running means are not checkpointed (a
        resumed run starts them again).
    classes : int
        1: one output channel with a sigmoid (binary masks). ``C >= 2``: ``C`` channels with a
        softmax, the target a label image; see the module notes.

    Notes
    -----
    Every term is a mean over samples, so the mean of the losses of equal shards of a batch
    (what data-parallel training averages) is the loss of the whole batch. With gradient
    balance each process computes its own factors from its shard.

    Examples
    --------
    >>> import torch
    >>> from toposeg.train import Objective, parse_loss
    >>> logits = torch.zeros(1, 1, 8, 8, requires_grad=True)
    >>> target = torch.zeros(1, 1, 8, 8)
    >>> target[0, 0, 2:6, 2:6] = 1
    >>> objective = Objective(parse_loss("ce+0.5*cldice"), balance="gradient")
    >>> total, parts = objective(logits, target)
    >>> sorted(parts)
    ['ce', 'cldice', 'cldice_factor']
    >>> Objective(parse_loss("cldice"), balance="gradient")
    Traceback (most recent call last):
    ...
    ValueError: balance='gradient' needs a pixel term (ce, dice) to balance against; 'cldice' has none

    Three classes (background, artery, vein): the target holds labels.

    >>> labels = torch.zeros(1, 1, 8, 8)
    >>> labels[0, 0, 2, :], labels[0, 0, :, 5] = 1, 2
    >>> total, parts = Objective(parse_loss("ce+dice"), classes=3)(torch.zeros(1, 3, 8, 8), labels)
    >>> round(parts["ce"], 4)  # log 3: every class equally likely
    1.0986
    """

    def __init__(self, spec: LossSpec, options: Mapping[str, Mapping[str, Any]] | None = None,
                 *, balance: Balance = "none", classes: int = 1) -> None:
        options = dict(options or {})
        if isinstance(classes, bool) or not isinstance(classes, int) or classes < 1:
            raise ValueError(f"classes must be an integer >= 1, got {classes!r}")
        if balance not in BALANCES:
            raise ValueError(f"balance must be one of {', '.join(BALANCES)}, got {balance!r}")
        if balance == "gradient":
            if spec.pixel_part() is None:
                raise ValueError(f"balance='gradient' needs a pixel term (ce, dice) to balance against; "
                                 f"{str(spec)!r} has none")
        if classes >= 2:
            for _, name in spec.terms:
                if name != "ce" and LOSS_TERMS[name].inputs == "logits":
                    raise ValueError(f"loss term {name!r} takes logits and has no multi-class form "
                                     f"(classes={classes}); use it with classes=1")
        self.spec = spec
        self.classes = classes
        self.balance = balance
        self.momentum = 0.9
        self._norms: dict[str, float] = {}  # running gradient norms of the balance ("" = the pixel terms)
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
        logits : (B, classes, *spatial) tensor
        target : (B, 1, *spatial) float tensor
            0/1 (``classes`` 1), or the class labels ``0 .. classes - 1``.
        generators : sequence of torch.Generator, optional
            One per sample, for the terms that draw random choices (default: torch's global
            generator, the whole batch at once).
        region : (B, 1, *spatial) float tensor of 0/1, optional
            The pixels that count (an ignore mask): outside it the target is background and the
            logits a constant -30 (likelihood ~1e-13; with classes, +30 for the background and
            -30 for the others), so those pixels add no error and no gradient to any term.

        Raises
        ------
        ValueError
            If ``logits`` does not have ``classes`` channels, or ``target`` holds values that are
            not labels ``0 .. classes - 1`` (0/1 for one class).
        """
        if logits.ndim < 3 or logits.shape[1] != self.classes:
            raise ValueError(f"logits must have {self.classes} channel(s) (classes), got shape {tuple(logits.shape)}")
        labels = None
        if self.classes == 1:
            if region is not None:
                target = target * region
                logits = torch.where(region > 0.5, logits, torch.full_like(logits, -30.0))
            prob = torch.sigmoid(logits)
        else:
            labels = _labels(target, self.classes)
            if region is not None:
                labels = labels * (region[:, 0] > 0.5)
                outside = torch.full_like(logits, -30.0)
                outside[:, 0] = 30.0
                logits = torch.where(region > 0.5, logits, outside)
            target = F.one_hot(labels, self.classes).movedim(-1, 1).to(logits.dtype)[:, 1:]
            prob = torch.softmax(logits, dim=1)[:, 1:]  # the foreground classes, one-vs-rest
        values = []
        parts = {}
        for weight, name, term, function in self._terms:
            if labels is not None and name == "ce":
                value = F.cross_entropy(logits, labels)
            elif term.draws_random and generators is not None:
                value = torch.stack([
                    function(logits[i:i + 1], prob[i:i + 1], target[i:i + 1], generators[i])
                    for i in range(len(logits))
                ]).mean()
            else:
                value = function(logits, prob, target, None)
            parts[name] = float(value.detach())
            values.append((weight, name, term, value))
        if self.balance == "gradient" and torch.is_grad_enabled() and logits.requires_grad:
            return self._balanced(logits, values, parts)
        total = logits.new_zeros(())
        for weight, _, _, value in values:
            total = total + weight * value
        return total, parts

    def _balanced(self, logits: torch.Tensor, values: list, parts: dict[str, float]
                  ) -> tuple[torch.Tensor, dict[str, float]]:
        """The total with each topological weight read as a gradient-norm ratio (``balance``)."""
        def running(key: str, norm: torch.Tensor) -> float:
            previous = self._norms.get(key)
            value = float(norm) if previous is None else self.momentum * previous + (1 - self.momentum) * float(norm)
            self._norms[key] = value
            return value

        pixel = logits.new_zeros(())
        for weight, _, term, value in values:
            if term.kind == "pixel":
                pixel = pixel + weight * value
        pixel_norm = running("", torch.linalg.vector_norm(torch.autograd.grad(pixel, logits, retain_graph=True)[0]))
        total = pixel
        for weight, name, term, value in values:
            if term.kind == "pixel":
                continue
            gradient = torch.autograd.grad(value, logits, retain_graph=True, allow_unused=True)[0]
            norm = running(name, torch.linalg.vector_norm(gradient) if gradient is not None else logits.new_zeros(()))
            factor = weight * pixel_norm / norm if norm > 0 else 0.0
            parts[f"{name}_factor"] = factor
            total = total + factor * value
        return total, parts


def _labels(target: torch.Tensor, classes: int) -> torch.Tensor:
    """The ``(B, *spatial)`` int64 labels of a ``(B, 1, *spatial)`` float target, checked."""
    if target.ndim < 3 or target.shape[1] != 1:
        raise ValueError(f"target must be (B, 1, *spatial) labels, got shape {tuple(target.shape)}")
    with torch.no_grad():
        bad = (target < 0) | (target > classes - 1) | (target != torch.round(target))
        if bad.any():
            value = float(target[bad][0])
            raise ValueError(f"target holds {value:g}, not a class label 0 .. {classes - 1} (classes={classes})")
    return target[:, 0].long()
