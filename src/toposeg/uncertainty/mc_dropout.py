"""Monte-Carlo dropout (Gal and Ghahramani, 2016): the pixel uncertainty that the thesis'
Table 7.1 and Fig. 7.10 compare structure-level uncertainty with."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

__all__ = ["mc_dropout"]

_DROPOUT = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout)


def mc_dropout(model: nn.Module, image: np.ndarray, *, passes: int = 10,
               seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of ``sigmoid(model(image))`` over ``passes`` forward passes with the
    model's dropout layers active (everything else, e.g. batch normalisation, in evaluation
    mode).

    Parameters
    ----------
    model : nn.Module
        A one-output network with dropout layers (e.g. ``toposeg.models.UNet(dropout=0.2)``);
        its ``required_multiple()``, if it has one, sets the padding of the input.
    image : (M, N[, P]) or (C, M, N[, P]) ndarray
        Normalised intensities, as the network was trained on (channels first if it has
        several); padded by reflection to the model's multiple, the outputs cropped back.
    passes : int
        Number of forward passes (>= 2).
    seed : int, optional
        Seeds torch's generator for the dropout masks (then the result is reproducible).

    Returns
    -------
    mean, variance : (M, N[, P]) float32 ndarray
        Per-pixel mean likelihood and its variance over the passes (population variance).

    Examples
    --------
    >>> import numpy as np
    >>> from toposeg.models import UNet
    >>> mean, variance = mc_dropout(UNet(1, 1, depth=2, width=4, dropout=0.5), np.zeros((20, 24)), seed=0)
    >>> mean.shape, bool((variance > 0).any())
    ((20, 24), True)
    """
    if isinstance(passes, bool) or not isinstance(passes, (int, np.integer)) or passes < 2:
        raise ValueError(f"passes must be an integer >= 2, got {passes!r}")
    dropouts = [m for m in model.modules() if isinstance(m, _DROPOUT) and m.p > 0]
    if not dropouts:
        raise ValueError("model has no active dropout layer: MC-dropout needs one (e.g. UNet(dropout=0.2))")
    image = np.asarray(image, dtype=np.float32)
    ndim = int(getattr(model, "ndim", image.ndim))
    if image.ndim not in (ndim, ndim + 1):
        raise ValueError(f"image must be {ndim}D (or {ndim}D with channels first), got shape {image.shape}")
    if not np.isfinite(image).all():
        raise ValueError("image contains NaN or infinite values")
    spatial = image.shape[-ndim:]
    multiple = model.required_multiple() if hasattr(model, "required_multiple") else 1
    padding = [(0, 0)] * (image.ndim - ndim) + [(0, -(-s // multiple) * multiple - s) for s in spatial]
    padded = np.pad(image, padding, mode="symmetric") if any(p for _, p in padding) else image
    batch = torch.from_numpy(padded.reshape(1, -1, *padded.shape[-ndim:]))
    parameter = next(model.parameters(), None)
    if parameter is not None:
        batch = batch.to(parameter.device)
    generator_state = torch.random.get_rng_state() if seed is not None else None
    training = model.training
    model.eval()
    for module in dropouts:
        module.train()
    try:
        if seed is not None:
            torch.manual_seed(seed)
        with torch.no_grad():
            probs = torch.stack([torch.sigmoid(model(batch))[0, 0].double() for _ in range(passes)])
    finally:
        model.train(training)
        if generator_state is not None:
            torch.random.set_rng_state(generator_state)
    crop = tuple(slice(0, s) for s in spatial)
    mean = probs.mean(0)[crop].cpu().numpy().astype(np.float32)
    variance = probs.var(0, unbiased=False)[crop].cpu().numpy().astype(np.float32)
    return mean, variance
