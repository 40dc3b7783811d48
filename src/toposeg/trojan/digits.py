"""Images for the model zoo: scikit-learn's bundled handwritten digits, upsampled to 16x16."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["load_digits_images"]


@lru_cache(maxsize=4)
def _digits(size: int) -> tuple[np.ndarray, np.ndarray]:
    try:
        from sklearn.datasets import load_digits
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError(
            "the Trojan model zoo needs scikit-learn's bundled digits: pip install 'toposeg[trojan]'"
        ) from error
    digits = load_digits()
    images = torch.from_numpy(digits.images.astype(np.float32) / 16.0)[:, None]
    images = F.interpolate(images, size=(size, size), mode="bilinear", align_corners=False)
    return images.clamp(0, 1).numpy(), digits.target.astype(np.int64)


def load_digits_images(split: str = "train", *, size: int = 16) -> tuple[torch.Tensor, torch.Tensor]:
    """The 1,797 8x8 digits of scikit-learn, bilinearly upsampled to ``size`` x ``size``, in [0, 1].

    A fixed permutation puts 1,200 images in ``"train"`` and 597 in ``"test"``.

    Returns
    -------
    images : (N, 1, size, size) float32 tensor
    labels : (N,) int64 tensor

    Examples
    --------
    >>> x, y = load_digits_images("test")
    >>> tuple(x.shape), int(y.max())
    ((597, 1, 16, 16), 9)
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    if isinstance(size, bool) or not isinstance(size, int) or size < 8:
        raise ValueError(f"size must be an integer >= 8, got {size!r}")
    images, labels = _digits(size)
    order = np.random.default_rng(2012).permutation(len(labels))
    keep = order[:1200] if split == "train" else order[1200:]
    return torch.from_numpy(images[keep].copy()), torch.from_numpy(labels[keep].copy())
