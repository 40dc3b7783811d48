"""Shape and value checks shared by the losses: each error names the argument and the problem."""

from __future__ import annotations

from typing import Literal

import torch

__all__ = [
    "Reduction",
    "check_probabilities",
    "check_real_maps",
    "check_reduction",
    "one_hot_target",
    "reduce_loss",
]

Reduction = Literal["mean", "sum", "none"]


def check_probabilities(prob: torch.Tensor, name: str = "prob") -> torch.Tensor:
    """Check that ``prob`` is a float tensor of shape ``(B, C, *spatial)`` with 2 or 3 spatial
    dimensions, a non-empty batch and values in [0, 1]; return it unchanged.

    Raises
    ------
    TypeError
        If ``prob`` is not a floating-point torch tensor.
    ValueError
        If its shape is wrong, the batch is empty, or it holds NaN or values outside [0, 1]
        (for instance logits passed instead of probabilities).
    """
    _check_float_batch(prob, name)
    if prob.shape[0] == 0:
        raise ValueError(f"{name} is an empty batch (shape {tuple(prob.shape)})")
    if prob.numel() == 0:
        raise ValueError(f"{name} is empty (shape {tuple(prob.shape)})")
    with torch.no_grad():
        if torch.isnan(prob).any():
            raise ValueError(f"{name} contains NaN values")
        low, high = prob.min().item(), prob.max().item()
    if low < 0 or high > 1:
        raise ValueError(
            f"{name} must hold probabilities in [0, 1], got values in [{low:.3g}, {high:.3g}]; "
            "pass sigmoid=True or softmax=True to give logits"
        )
    return prob


def check_real_maps(
    value: torch.Tensor, name: str, like: torch.Tensor | None = None
) -> torch.Tensor:
    """Check that ``value`` is a float tensor ``(B, C, *spatial)`` (2 or 3 spatial dimensions,
    non-empty batch) of finite values, such as a distance map, shaped like ``like`` if given;
    return it unchanged.

    Raises
    ------
    TypeError
        If ``value`` is not a floating-point torch tensor.
    ValueError
        If its shape is wrong or differs from ``like``'s, the batch is empty, or it holds NaN
        or infinite values.
    """
    _check_float_batch(value, name)
    if like is not None and value.shape != like.shape:
        raise ValueError(
            f"{name} must have the prediction's shape {tuple(like.shape)}, got {tuple(value.shape)}"
        )
    if value.shape[0] == 0 or value.numel() == 0:
        raise ValueError(f"{name} is an empty batch (shape {tuple(value.shape)})")
    with torch.no_grad():
        if torch.isnan(value).any():
            raise ValueError(f"{name} contains NaN values")
        if not torch.isfinite(value).all():
            raise ValueError(f"{name} contains infinite values")
    return value


def _check_float_batch(value: object, name: str) -> None:
    """Raise unless ``value`` is a floating-point tensor ``(B, C, *spatial)``, 2 or 3 spatial
    dimensions."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if not value.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got dtype {value.dtype}")
    if value.ndim not in (4, 5):
        raise ValueError(
            f"{name} must have shape (B, C, H, W) or (B, C, D, H, W), got {tuple(value.shape)}"
        )


def one_hot_target(target: torch.Tensor, prob: torch.Tensor, name: str = "target") -> torch.Tensor:
    """Return ``target`` as a float tensor shaped like ``prob`` ``(B, C, *spatial)``.

    ``target`` may already have that shape (binary or soft values in [0, 1]), or be integer
    labels ``(B, *spatial)`` in ``0 .. C - 1`` (one-hot encoded here; with ``C == 1`` the labels
    must be 0 or 1 and give the foreground channel).
    """
    if not isinstance(target, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(target).__name__}")
    batch, channels, *spatial = prob.shape
    if tuple(target.shape) == tuple(prob.shape):
        if torch.isnan(target).any() if target.is_floating_point() else False:
            raise ValueError(f"{name} contains NaN values")
        out = target.to(device=prob.device, dtype=prob.dtype)
        if out.numel() and (out.min() < 0 or out.max() > 1):
            raise ValueError(f"{name} must hold values in [0, 1] when shaped like the prediction")
        return out
    if tuple(target.shape) == (batch, *spatial):
        if target.is_floating_point():
            if not torch.equal(target, target.round()):
                raise ValueError(f"{name} given as (B, *spatial) labels must hold integers")
            target = target.long()
        labels = target.to(device=prob.device, dtype=torch.long)
        n_classes = max(channels, 2)
        if labels.numel() and (labels.min() < 0 or labels.max() >= n_classes):
            raise ValueError(
                f"{name} labels must lie in 0..{n_classes - 1}, got "
                f"[{labels.min().item()}, {labels.max().item()}]"
            )
        if channels == 1:
            return labels.unsqueeze(1).to(prob.dtype)
        return torch.nn.functional.one_hot(labels, channels).movedim(-1, 1).to(prob.dtype)
    raise ValueError(
        f"{name} must have the prediction's shape {tuple(prob.shape)} or label shape "
        f"{(batch, *spatial)}, got {tuple(target.shape)}"
    )


def check_reduction(reduction: object) -> None:
    """Raise ``ValueError`` unless ``reduction`` is ``"mean"``, ``"sum"`` or ``"none"``."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def reduce_loss(values: torch.Tensor, reduction: Reduction) -> torch.Tensor:
    """Reduce per-sample (or per-sample-and-channel) losses: ``mean``, ``sum`` or ``none``."""
    if reduction == "mean":
        return values.mean()
    if reduction == "sum":
        return values.sum()
    if reduction == "none":
        return values
    raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
