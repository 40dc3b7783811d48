"""A torch ``Dataset`` of patches: random crops (optionally biased to the foreground), flips and
90-degree rotations applied alike to image and mask (:mod:`toposeg.data.transforms`), and
intensity normalisation.

Determinism: patch ``i`` of epoch ``e`` depends only on ``(seed, e, i)``, whatever the number of
data-loader workers or processes, so an interrupted run resumes with the same patches.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch.utils.data import Dataset

from toposeg.data._sample import Sample
from toposeg.data.transforms import (
    Augmentation,
    Normalisation,
    augment_pair,
    normalise_image,
)

__all__ = ["PatchDataset"]


class PatchDataset(Dataset):
    """Patches of samples as ``(image, mask)`` float32 tensors shaped ``(C, *patch_size)`` and
    ``(1, *patch_size)`` (``C`` = the samples' channels, 1 for grey; the mask holds 0/1, or the
    class labels of a label image, at most 255); when the samples have
    regions (:attr:`Sample.region`), ``(image, mask, region)`` with the region as a 0/1 tensor
    like the mask.

    Parameters
    ----------
    samples : sequence of Sample
        E.g. from :func:`toposeg.data.get_dataset` or :func:`toposeg.data.load_folder`; all
        are read (and checked) when the dataset is made.
    patch_size : tuple of int, optional
        Crop size (one per spatial axis, at most the smallest sample's size); ``None`` gives
        whole samples (for validation; samples may then differ in shape).
    patches_per_epoch : int, optional
        Length of the dataset; patch ``i`` comes from sample ``i % len(samples)``. Defaults to
        ``len(samples)``.
    foreground_bias : float
        Probability that a crop is centred on a random foreground voxel (else uniform).
    augment : {"flip_rotate", "flip", "none"}
        Random symmetries, see :func:`augment_pair`.
    normalise : {"minmax", "percentile", "zscore", "none"}
        Per-sample intensity normalisation (of the whole sample, before cropping).
    seed : int
        Seed of the crops and symmetries; see :meth:`set_epoch`.

    Examples
    --------
    >>> from toposeg.data import PatchDataset, get_dataset
    >>> patches = PatchDataset(get_dataset("vessels", count=2, shape=(64, 64)), patch_size=(32, 32))
    >>> image, mask = patches[0]
    >>> tuple(image.shape), image.dtype, tuple(mask.shape)
    ((1, 32, 32), torch.float32, (1, 32, 32))
    """

    def __init__(
        self,
        samples: Sequence[Sample],
        *,
        patch_size: tuple[int, ...] | None = None,
        patches_per_epoch: int | None = None,
        foreground_bias: float = 0.5,
        augment: Augmentation = "flip_rotate",
        normalise: Normalisation = "minmax",
        seed: int = 0,
    ) -> None:
        if len(samples) == 0:
            raise ValueError("samples is empty")
        if not 0.0 <= foreground_bias <= 1.0:
            raise ValueError(f"foreground_bias must be in [0, 1], got {foreground_bias}")
        if augment not in ("none", "flip", "flip_rotate"):
            raise ValueError(f"augment must be 'none', 'flip' or 'flip_rotate', got {augment!r}")
        if patches_per_epoch is not None and patches_per_epoch < 1:
            raise ValueError(f"patches_per_epoch must be >= 1, got {patches_per_epoch}")
        loaded = [samples[i] for i in range(len(samples))]
        ndim = loaded[0].ndim
        if any(s.ndim != ndim for s in loaded):
            raise ValueError("samples mix 2D and 3D")
        if len({s.channels for s in loaded}) > 1:
            raise ValueError("samples have different numbers of channels")
        if patch_size is not None:
            patch_size = tuple(int(p) for p in patch_size)
            if len(patch_size) != ndim or min(patch_size) < 1:
                raise ValueError(f"patch_size must be {ndim} positive sizes, got {patch_size}")
            for s in loaded:
                if any(p > n for p, n in zip(patch_size, s.shape, strict=True)):
                    raise ValueError(
                        f"patch_size {patch_size} is larger than sample {s.name!r} of shape {s.shape}"
                    )
        self.images = [normalise_image(s.image, normalise) for s in loaded]
        self.masks = [np.asarray(s.mask) for s in loaded]
        if len({m.dtype == np.bool_ for m in self.masks}) > 1:
            raise ValueError("samples mix binary masks and label images")
        if any(m.dtype != np.bool_ and m.size and m.max() > 255 for m in self.masks):
            raise ValueError("label images must hold class labels of at most 255")
        self.channels = loaded[0].channels
        self.has_regions = any(s.region is not None for s in loaded)
        self.regions = [np.ones(s.shape, bool) if s.region is None else np.asarray(s.region) for s in loaded]
        self.patch_size = patch_size
        self.patches_per_epoch = len(loaded) if patches_per_epoch is None else int(patches_per_epoch)
        self.foreground_bias = float(foreground_bias)
        self.augment = augment
        self.seed = int(seed)
        self.epoch = 0
        self._foreground: dict[int, np.ndarray] = {}

    def set_epoch(self, epoch: int) -> None:
        """Draw the crops and symmetries of epoch ``epoch`` (as ``DistributedSampler.set_epoch``)."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return self.patches_per_epoch

    def __getitem__(self, index: int) -> tuple[torch.Tensor, ...]:
        if not 0 <= index < self.patches_per_epoch:
            raise IndexError(f"patch index {index} out of range [0, {self.patches_per_epoch})")
        rng = np.random.default_rng([self.seed, self.epoch, int(index)])
        which = int(index) % len(self.images)
        image, mask = self.images[which], self.masks[which]
        # the region travels with the mask as one code: mask + scale * region
        scale = 2 if mask.dtype == np.bool_ else 256
        code = mask.astype(np.uint16) + scale * self.regions[which] if self.has_regions else mask
        if self.patch_size is not None:
            box = self._crop_box(rng, which)
            image, code = image[(slice(None),) * (image.ndim - mask.ndim) + box], code[box]
        image, code = augment_pair(image, code, rng, self.augment)
        image = torch.from_numpy(np.array(image, dtype=np.float32))  # a copy: never aliases
        if self.channels == 1:
            image = image[None]
        if not self.has_regions:
            return image, torch.from_numpy(code.astype(np.float32))[None]
        return (image, torch.from_numpy((code % scale).astype(np.float32))[None],
                torch.from_numpy((code // scale).astype(np.float32))[None])

    def _crop_box(self, rng: np.random.Generator, which: int) -> tuple[slice, ...]:
        shape = np.array(self.masks[which].shape)
        patch = np.array(self.patch_size)
        if rng.random() < self.foreground_bias:
            if which not in self._foreground:
                self._foreground[which] = np.flatnonzero(self.masks[which])
            voxels = self._foreground[which]
        else:
            voxels = np.zeros(0, dtype=np.int64)
        if len(voxels):
            centre = np.array(np.unravel_index(voxels[rng.integers(len(voxels))], tuple(shape)))
            corner = np.clip(centre - patch // 2, 0, shape - patch)
        else:
            corner = np.array([rng.integers(0, n - p + 1) for n, p in zip(shape, patch, strict=True)])
        return tuple(slice(int(c), int(c) + int(p)) for c, p in zip(corner, patch, strict=True))
