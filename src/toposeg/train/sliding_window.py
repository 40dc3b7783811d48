"""Likelihoods of images and volumes of any size from a network, by overlapping sliding windows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import torch
from torch import nn

__all__ = ["WHOLE_IMAGE_LIMIT", "default_window", "predict_likelihood", "window_starts"]

Blend = Literal["gaussian", "constant"]

#: Images and volumes of at most this many pixels (2048x2048, 160^3) are predicted in one pass.
WHOLE_IMAGE_LIMIT = 2 ** 22


def default_window(shape: Sequence[int], patch_size: Sequence[int], multiple: int = 1) -> tuple[int, ...] | None:
    """The window in which a network trained on ``patch_size`` crops predicts an image of ``shape``.

    The whole image (``None``) when it has at most :data:`WHOLE_IMAGE_LIMIT` pixels: every pixel
    then sees its full context, as in training, and no window borders or blending enter the
    likelihood, so the numbers do not depend on the route. Larger inputs: windows of four
    training patches per axis (at most the image), rounded up to the network's ``multiple``.

    Examples
    --------
    >>> from toposeg.train import default_window
    >>> default_window((512, 512), (128, 128), 16) is None
    True
    >>> default_window((4096, 4096), (128, 128), 16)
    (512, 512)
    """
    if int(np.prod(shape)) <= WHOLE_IMAGE_LIMIT:
        return None
    return tuple(max(multiple, -(-min(4 * p, n) // multiple) * multiple)
                 for p, n in zip(patch_size, shape, strict=True))


def window_starts(size: int, window: int, step: int) -> list[int]:
    """First indices of windows of length ``window`` covering ``0 .. size - 1`` with stride
    ``step``; the last window ends at the border.

    Examples
    --------
    >>> from toposeg.train import window_starts
    >>> window_starts(100, 32, 16)
    [0, 16, 32, 48, 64, 68]
    """
    if size <= window:
        return [0]
    starts = list(range(0, size - window, step))
    return starts + [size - window]


def _blend_weights(window: Sequence[int], blend: Blend) -> np.ndarray:
    if blend == "constant":
        return np.ones(window, dtype=np.float64)
    weights = np.ones((), dtype=np.float64)
    for side in window:
        x = np.arange(side) - (side - 1) / 2
        profile = np.exp(-0.5 * (x / (side / 8)) ** 2)
        weights = np.multiply.outer(weights, profile)
    return np.maximum(weights / weights.max(), 1e-3)  # every voxel counts a little


def predict_likelihood(
    model: nn.Module,
    image: np.ndarray,
    *,
    window: int | Sequence[int] | None = None,
    overlap: float = 0.5,
    blend: Blend = "gaussian",
    batch_size: int = 4,
) -> np.ndarray:
    """Foreground likelihood ``sigmoid(model(image))`` of a 2D image or 3D volume of any size,
    or the class likelihoods ``softmax(model(image))`` of a network with several output channels.

    Parameters
    ----------
    model : nn.Module
        Maps ``(B, 1, *window)`` to logits ``(B, K, *window)`` (``K`` = 1, or ``K >= 2``
        classes, the background first); a ``required_multiple()``
        method (as :class:`toposeg.models.UNet` has) gives the size multiple it needs.
    image : (M, N[, P]) or (C, M, N[, P]) ndarray
        Normalised intensities (as the network was trained on); channels first for a network
        with ``C`` input channels (its ``ndim`` attribute, as :class:`toposeg.models.UNet`
        has, tells the spatial dimensions).
    window : int or sequence of int, optional
        Window size per axis (an int: every axis), each a multiple of the model's multiple.
        ``None``: the whole image in one pass.
    overlap : float in [0, 1)
        Fraction of a window shared with the next one.
    blend : {"gaussian", "constant"}
        Overlapping windows are averaged with weights falling off towards window borders
        (Gaussian, sigma = side / 8) or with equal weights.
    batch_size : int
        Windows per forward pass.

    Returns
    -------
    (M, N[, P]) or (K, M, N[, P]) ndarray of float32
        Likelihoods in [0, 1]; with ``K >= 2`` output channels, one per class (summing to 1
        at every pixel).

    Notes
    -----
    An image smaller than the window along an axis (or, with ``window=None``, not a multiple
    of the model's multiple) is padded by reflection and the prediction cropped back. The
    model runs in evaluation mode under ``torch.no_grad()``, on the device of its parameters;
    its training mode is restored afterwards.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from toposeg.train import predict_likelihood
    >>> model = torch.nn.Conv2d(1, 1, 1)        # any network; a UNet in practice
    >>> predict_likelihood(model, np.zeros((37, 50)), window=(16, 16)).shape
    (37, 50)
    """
    image = np.asarray(image, dtype=np.float32)
    ndim = int(getattr(model, "ndim", image.ndim))
    if ndim not in (2, 3) or image.ndim not in (ndim, ndim + 1):
        raise ValueError(f"image must be {ndim}D (or {ndim}D with channels first), got shape {image.shape}")
    channels = image.shape[0] if image.ndim > ndim else None
    spatial = image.shape[-ndim:]
    if not np.isfinite(image).all():
        raise ValueError("image contains NaN or infinite values")
    if not 0.0 <= overlap < 1.0:
        raise ValueError(f"overlap must lie in [0, 1), got {overlap}")
    if blend not in ("gaussian", "constant"):
        raise ValueError(f"blend must be 'gaussian' or 'constant', got {blend!r}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    multiple = model.required_multiple() if hasattr(model, "required_multiple") else 1
    if window is None:
        window = tuple(-(-s // multiple) * multiple for s in spatial)
    elif isinstance(window, (int, np.integer)):
        window = (window,) * ndim
    window = tuple(int(w) for w in window)
    if len(window) != ndim or min(window) < 1:
        raise ValueError(f"window must be {ndim} positive sizes, got {window}")
    if any(w % multiple for w in window):
        raise ValueError(f"window sides must be multiples of {multiple} for this model, got {window}")

    padding = [(0, max(w - s, 0)) for w, s in zip(window, spatial, strict=True)]
    if channels is not None:
        padding = [(0, 0), *padding]
    padded = np.pad(image, padding, mode="symmetric") if any(p for _, p in padding) else image
    if channels is None:
        padded = padded[None]
    starts = [window_starts(s, w, max(1, int(w * (1 - overlap))))
              for s, w in zip(padded.shape[1:], window, strict=True)]
    corners = np.stack(np.meshgrid(*starts, indexing="ij"), axis=-1).reshape(-1, ndim)
    weights = _blend_weights(window, blend)
    total: np.ndarray | None = None  # (K, *spatial) once the number of outputs is known
    weight_sum = np.zeros(padded.shape[1:], dtype=np.float64)
    device = next(model.parameters()).device if any(True for _ in model.parameters()) else torch.device("cpu")
    training = model.training
    model.eval()
    try:
        with torch.no_grad():
            for first in range(0, len(corners), batch_size):
                boxes = [tuple(slice(int(c), int(c) + w) for c, w in zip(corner, window, strict=True))
                         for corner in corners[first:first + batch_size]]
                batch = torch.from_numpy(np.stack([padded[(slice(None), *box)] for box in boxes])).to(device)
                logits = model(batch)
                prob = (torch.sigmoid(logits) if logits.shape[1] == 1 else torch.softmax(logits, dim=1))
                prob = prob.double().cpu().numpy()
                if total is None:
                    total = np.zeros((prob.shape[1], *padded.shape[1:]), dtype=np.float64)
                for box, p in zip(boxes, prob, strict=True):
                    total[(slice(None), *box)] += p * weights
                    weight_sum[box] += weights
    finally:
        model.train(training)
    crop = tuple(slice(0, s) for s in spatial)
    likelihood = (total[(slice(None), *crop)] / weight_sum[crop]).astype(np.float32)
    return likelihood[0] if len(likelihood) == 1 else likelihood
