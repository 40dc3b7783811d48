"""Random choices of the losses: a NumPy ``Generator``, or a ``torch.Generator`` seen as one.

:mod:`toposeg.structures` draws from a NumPy ``Generator``; the losses also take a
``torch.Generator`` (or ``None`` for torch's global one), which :func:`as_rng` wraps in an
object with the methods the structures call, drawing the same numbers torch would.
"""

from __future__ import annotations

from typing import Union

import numpy as np
import torch

__all__ = ["Generator", "TorchRandom", "as_rng"]

Generator = Union[torch.Generator, np.random.Generator, None]


class TorchRandom:
    """The ``integers``, ``random`` and ``standard_normal`` methods of a NumPy ``Generator``,
    drawn from a ``torch.Generator`` (``None``: torch's global generator)."""

    def __init__(self, generator: torch.Generator | None) -> None:
        self.generator = generator

    def integers(self, low: int, high: int, size: int, dtype: type = np.int64) -> np.ndarray:
        return torch.randint(low, high, (size,), generator=self.generator).numpy().astype(dtype)

    def random(self, size: int) -> np.ndarray:
        return torch.rand(size, generator=self.generator, dtype=torch.float64).numpy()

    def standard_normal(self, size: int) -> np.ndarray:
        return torch.randn(size, generator=self.generator, dtype=torch.float64).numpy()


def as_rng(generator: object) -> np.random.Generator | TorchRandom:
    """The source of random numbers for :mod:`toposeg.structures`.

    Raises
    ------
    TypeError
        If ``generator`` is not a ``torch.Generator``, a ``numpy.random.Generator`` or ``None``.
    """
    if isinstance(generator, np.random.Generator):
        return generator
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(
            f"generator must be a torch.Generator, a numpy.random.Generator or None, got "
            f"{type(generator).__name__}"
        )
    return TorchRandom(generator)
