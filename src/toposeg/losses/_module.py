"""The one pattern of every loss ``nn.Module``: options checked at construction, shown by
``repr``, and ``forward`` one call of the loss function with them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import torch
from torch import nn

__all__ = ["LossModule"]


class LossModule(nn.Module):
    """Base of the loss modules.

    A subclass names its function (``function = staticmethod(topo_loss)``) and, if the function
    checks options that do not depend on the input, the checker (``check =
    staticmethod(...)``, called with the options as keywords). Each option becomes an
    attribute. A loss that draws random choices (``draws_random = True``) owns a
    ``torch.Generator`` seeded with ``seed``, passed as ``generator=`` on every call
    (``seed=None``: torch's global generator).
    """

    function: ClassVar[Callable[..., torch.Tensor]]
    check: ClassVar[Callable[..., object] | None] = None
    draws_random: ClassVar[bool] = False

    def __init__(self, options: Mapping[str, Any], *, seed: int | None = None) -> None:
        super().__init__()
        if type(self).check is not None:
            type(self).check(**options)
        self.option_names = tuple(options)
        for name, value in options.items():
            setattr(self, name, value)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise TypeError(f"seed must be an int or None, got {seed!r}")
        self.seed = seed
        self.generator = None if seed is None else torch.Generator().manual_seed(seed)

    @property
    def options(self) -> dict[str, Any]:
        """The options passed to the loss function on every call."""
        return {name: getattr(self, name) for name in self.option_names}

    def extra_repr(self) -> str:
        shown = dict(self.options, **({"seed": self.seed} if self.draws_random else {}))
        return ", ".join(f"{name}={value!r}" for name, value in shown.items())

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        extra = {"generator": self.generator} if self.draws_random else {}
        return type(self).function(*inputs, **self.options, **extra)
