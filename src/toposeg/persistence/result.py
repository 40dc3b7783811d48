"""The immutable result of a persistence computation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

__all__ = ["EssentialClasses", "PersistenceResult"]


class EssentialClasses(NamedTuple):
    """Classes that never die: their birth values and birth pixels (flat C-order, -1 in a frame)."""

    births: np.ndarray
    pixels: np.ndarray


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(array)
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class PersistenceResult:
    """Persistence diagrams of a 2D image or 3D volume, with the pixels that create them.

    Built by :func:`toposeg.cubical_persistence`; the arrays are read-only. For each homology
    dimension ``d`` in ``0 .. ndim - 1``:

    * :meth:`diagram` gives the finite ``(birth, death)`` pairs (in a deterministic order; use
      :meth:`persistence` to rank them);
    * :meth:`critical_pixels` gives, row for row, the flat C-order indices of the pixels whose
      values are the birth and the death of each pair (``-1`` for a pixel in a frame);
    * :meth:`essential` gives the classes that never die.

    Pairs of zero persistence are not listed.

    Attributes
    ----------
    shape : tuple of int
        Shape of the input image (without any frame).
    superlevel : bool
        ``True`` if the filtration is by superlevel sets ``{f >= t}`` (births above deaths).
    connectivity : int
        Foreground connectivity, as in SciPy: 1 or ``ndim``.
    """

    shape: tuple[int, ...]
    superlevel: bool
    connectivity: int
    _diagrams: tuple[np.ndarray, ...]
    _pixels: tuple[np.ndarray, ...]
    _essential: tuple[EssentialClasses, ...]

    def __post_init__(self) -> None:
        for d in range(self.ndim):
            _frozen(self._diagrams[d])
            _frozen(self._pixels[d])
            _frozen(self._essential[d].births)
            _frozen(self._essential[d].pixels)

    @property
    def ndim(self) -> int:
        """Number of dimensions of the image (2 or 3)."""
        return len(self.shape)

    def _check(self, dim: int) -> int:
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
            raise TypeError(f"dim must be an integer, got {type(dim).__name__}")
        if not 0 <= dim < self.ndim:
            raise ValueError(f"dim must be in 0..{self.ndim - 1} for a {self.ndim}D image, got {dim}")
        return int(dim)

    def diagram(self, dim: int) -> np.ndarray:
        """Finite ``(birth, death)`` pairs of dimension ``dim``, shape ``(n, 2)`` float64."""
        return self._diagrams[self._check(dim)]

    def critical_pixels(self, dim: int) -> np.ndarray:
        """Flat C-order indices of the birth and death pixels, shape ``(n, 2)`` int64."""
        return self._pixels[self._check(dim)]

    def essential(self, dim: int) -> EssentialClasses:
        """Births and birth pixels of the classes of dimension ``dim`` that never die."""
        return self._essential[self._check(dim)]

    def persistence(self, dim: int) -> np.ndarray:
        """Lifetimes ``|death - birth|`` of the finite pairs of dimension ``dim``."""
        diagram = self.diagram(dim)
        return np.abs(diagram[:, 1] - diagram[:, 0])

    def betti_numbers(self, threshold: float) -> tuple[int, ...]:
        """Betti numbers of the level set at ``threshold`` (``{f >= t}`` or ``{f <= t}``)."""
        counts = []
        for d in range(self.ndim):
            diagram = self._diagrams[d]
            births = self._essential[d].births
            if self.superlevel:
                alive = (diagram[:, 0] >= threshold) & (diagram[:, 1] < threshold)
                forever = births >= threshold
            else:
                alive = (diagram[:, 0] <= threshold) & (diagram[:, 1] > threshold)
                forever = births <= threshold
            counts.append(int(alive.sum() + forever.sum()))
        return tuple(counts)

    def __repr__(self) -> str:
        pairs = ", ".join(f"dim {d}: {len(self._diagrams[d])}" for d in range(self.ndim))
        level = "superlevel" if self.superlevel else "sublevel"
        return (
            f"PersistenceResult(shape={self.shape}, {level}, connectivity={self.connectivity}, "
            f"finite pairs {pairs})"
        )
