"""The result types of the data layer: one image with its mask, and a lazy sequence of them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import overload

import numpy as np

__all__ = ["Sample", "SampleSet"]


@dataclass(frozen=True)
class Sample:
    """One image and its exact binary mask, aligned voxel for voxel.

    Unpacks like a pair: ``image, mask = sample``.

    Attributes
    ----------
    image : (M, N[, P]) ndarray
        Intensities: float32 in [0, 1] for the built-in datasets, the file's values for a folder.
    mask : (M, N[, P]) ndarray of bool
        The structure of interest (vessel, membrane, road, tube, sheet).
    name : str
        Where the sample comes from (a file stem, or the generator and its seed).
    """

    image: np.ndarray
    mask: np.ndarray
    name: str = ""

    def __post_init__(self) -> None:
        image, mask = np.asarray(self.image).view(), np.asarray(self.mask).view()
        if image.ndim not in (2, 3):
            raise ValueError(f"sample {self.name!r}: image must be 2D or 3D, got shape {image.shape}")
        if image.shape != mask.shape:
            raise ValueError(
                f"sample {self.name!r}: image shape {image.shape} differs from mask shape {mask.shape}"
            )
        if mask.dtype != np.bool_:
            raise ValueError(f"sample {self.name!r}: mask must be bool, got {mask.dtype}")
        if not np.issubdtype(image.dtype, np.number) or np.iscomplexobj(image):
            raise ValueError(f"sample {self.name!r}: image must be real numbers, got {image.dtype}")
        image.flags.writeable = False  # read-only views: the caller's arrays are untouched
        mask.flags.writeable = False
        object.__setattr__(self, "image", image)
        object.__setattr__(self, "mask", mask)

    @property
    def ndim(self) -> int:
        """Number of spatial dimensions (2 or 3)."""
        return self.image.ndim

    def __iter__(self) -> Iterator[np.ndarray]:
        yield self.image
        yield self.mask


@dataclass(frozen=True)
class SampleSet(Sequence[Sample]):
    """A sequence of samples made on first access and kept in memory.

    Attributes
    ----------
    name : str
        Dataset name (as given to :func:`toposeg.data.get_dataset`).
    split : str
        ``"train"``, ``"val"``, ``"test"`` or ``"all"``.
    ndim : int
        Spatial dimensions of every sample.
    make : callable
        ``make(index) -> Sample``; deterministic.
    length : int
        Number of samples.
    """

    name: str
    split: str
    ndim: int
    make: Callable[[int], Sample] = field(repr=False)
    length: int
    _memo: dict[int, Sample] = field(default_factory=dict, repr=False, compare=False)

    def __len__(self) -> int:
        return self.length

    @overload
    def __getitem__(self, index: int) -> Sample: ...

    @overload
    def __getitem__(self, index: slice) -> list[Sample]: ...

    def __getitem__(self, index: int | slice) -> Sample | list[Sample]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.length))]
        index = int(index)
        if index < 0:
            index += self.length
        if not 0 <= index < self.length:
            raise IndexError(f"{self.name} ({self.split}) has {self.length} samples, no index {index}")
        if index not in self._memo:
            sample = self.make(index)
            if sample.ndim != self.ndim:
                raise ValueError(f"{self.name}: sample {index} is {sample.ndim}D, expected {self.ndim}D")
            self._memo[index] = sample
        return self._memo[index]

    @classmethod
    def from_samples(cls, samples: Sequence[Sample], *, name: str, split: str = "all") -> SampleSet:
        """Wrap samples already in memory (all of one dimensionality)."""
        samples = list(samples)
        if not samples:
            raise ValueError(f"{name} ({split}): no samples")
        ndims = {s.ndim for s in samples}
        if len(ndims) != 1:
            raise ValueError(f"{name} ({split}): samples mix 2D and 3D")
        return cls(name=name, split=split, ndim=ndims.pop(), make=samples.__getitem__, length=len(samples))
