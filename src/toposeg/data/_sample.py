"""The result types of the data layer: one image with its mask, and a lazy sequence of them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import overload

import numpy as np

__all__ = ["Sample", "SampleSet"]


@dataclass(frozen=True)
class Sample:
    """One image and its exact mask (binary, or a label image of classes), aligned voxel for voxel.

    Unpacks like a pair: ``image, mask = sample``.

    Attributes
    ----------
    image : (M, N[, P]) or (C, M, N[, P]) ndarray
        Intensities: float32 in [0, 1] for the built-in datasets, the file's values for a folder.
        A multi-channel image (e.g. RGB) has its channels first.
    mask : (M, N[, P]) ndarray of bool or of unsigned integers
        The structure of interest (vessel, membrane, road, tube, sheet); or, for a multi-class
        data set, a label image: 0 background, ``1 .. K`` the classes (e.g. artery, vein).
    name : str
        Where the sample comes from (a file stem, or the generator and its seed).
    region : (M, N[, P]) ndarray of bool, optional
        The pixels that count (e.g. DRIVE's field of view); ``None``: all of them. Outside the
        region, training losses and metrics see background in both prediction and mask.

    Examples
    --------
    >>> import numpy as np
    >>> from toposeg.data import Sample
    >>> rgb = Sample(np.zeros((3, 8, 8)), np.zeros((8, 8), dtype=bool))
    >>> rgb.ndim, rgb.channels, rgb.shape
    (2, 3, (8, 8))
    """

    image: np.ndarray
    mask: np.ndarray
    name: str = ""
    region: np.ndarray | None = None

    def __post_init__(self) -> None:
        image, mask = np.asarray(self.image).view(), np.asarray(self.mask).view()
        if mask.ndim not in (2, 3):
            raise ValueError(f"sample {self.name!r}: mask must be 2D or 3D, got shape {mask.shape}")
        if image.shape != mask.shape and image.shape[1:] != mask.shape:
            raise ValueError(
                f"sample {self.name!r}: image shape {image.shape} differs from mask shape {mask.shape} "
                "(a multi-channel image has its channels first)"
            )
        if mask.dtype != np.bool_ and mask.dtype.kind != "u":
            raise ValueError(f"sample {self.name!r}: mask must be bool (binary) or unsigned integers "
                             f"(class labels), got {mask.dtype}")
        if not np.issubdtype(image.dtype, np.number) or np.iscomplexobj(image):
            raise ValueError(f"sample {self.name!r}: image must be real numbers, got {image.dtype}")
        arrays = [image, mask]
        if self.region is not None:
            region = np.asarray(self.region).view()
            if region.shape != mask.shape or region.dtype != np.bool_:
                raise ValueError(f"sample {self.name!r}: region must be a bool array of the mask's shape "
                                 f"{mask.shape}, got {region.dtype} {region.shape}")
            if not region.any():
                raise ValueError(f"sample {self.name!r}: the region is empty (no pixel would count)")
            arrays.append(region)
            object.__setattr__(self, "region", region)
        for array in arrays:
            array.flags.writeable = False  # read-only views: the caller's arrays are untouched
        object.__setattr__(self, "image", image)
        object.__setattr__(self, "mask", mask)

    @property
    def ndim(self) -> int:
        """Number of spatial dimensions (2 or 3)."""
        return self.mask.ndim

    @property
    def labelled(self) -> bool:
        """Whether the mask is a label image of classes (unsigned integers) rather than binary."""
        return self.mask.dtype != np.bool_

    @property
    def channels(self) -> int:
        """Number of image channels (1 for a grey image)."""
        return 1 if self.image.ndim == self.mask.ndim else self.image.shape[0]

    @property
    def shape(self) -> tuple[int, ...]:
        """Spatial shape (the mask's)."""
        return self.mask.shape

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
