"""The one pattern of every loss ``nn.Module``: the options of its function, checked at
construction and shown by ``repr``; ``forward`` is one call of the function with them."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, ClassVar

import torch
from torch import nn

__all__ = ["LossModule"]


class LossModule(nn.Module):
    """Base of the loss modules.

    A subclass names its function (``function = staticmethod(topo_loss)``) and, if the function
    checks options that do not depend on the input, the checker (``check =
    staticmethod(...)``, called with all the options as keywords). The Module's signature is
    the function's keyword-only options; each becomes an attribute. A loss that draws random
    choices (its function takes ``generator``) also takes ``seed``: the Module owns a
    ``torch.Generator`` seeded with it, passed on every call (``seed=None``: torch's global
    generator).
    """

    function: ClassVar[Callable[..., torch.Tensor]]
    check: ClassVar[Callable[..., object] | None] = None
    draws_random: ClassVar[bool] = False
    __signature__: ClassVar[inspect.Signature]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "function" not in cls.__dict__:
            return
        parameters = inspect.signature(cls.function).parameters.values()
        options = [p for p in parameters if p.kind == p.KEYWORD_ONLY and p.name != "generator"]
        cls.draws_random = any(p.name == "generator" for p in parameters)
        if cls.draws_random:
            options.append(inspect.Parameter("seed", inspect.Parameter.KEYWORD_ONLY, default=None,
                                             annotation="int | None"))
        cls.__signature__ = inspect.Signature(options)

    def __init__(self, **options: Any) -> None:
        super().__init__()
        try:
            bound = type(self).__signature__.bind(**options)
        except TypeError as error:
            raise TypeError(f"{type(self).__name__}: {error}") from None
        bound.apply_defaults()
        values = dict(bound.arguments)
        seed = values.pop("seed", None)
        if type(self).check is not None:
            type(self).check(**values)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise TypeError(f"seed must be an int or None, got {seed!r}")
        self.option_names = tuple(values)
        for name, value in values.items():
            setattr(self, name, value)
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
