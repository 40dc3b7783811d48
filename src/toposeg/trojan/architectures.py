"""Tiny CNN classifiers of the model zoo (16x16 gray images, 10 classes)."""

from __future__ import annotations

from torch import nn

__all__ = ["ARCHITECTURES", "build_classifier"]

ARCHITECTURES = ("cnn-s", "cnn-m", "cnn-1")


def build_classifier(name: str, *, num_classes: int = 10, size: int = 16) -> nn.Module:
    """A small classifier by name: ``"cnn-s"`` (2 conv + linear), ``"cnn-m"`` (wider, 2 linear),
    ``"cnn-1"`` (one 5x5 conv + linear).

    Examples
    --------
    >>> import torch
    >>> build_classifier("cnn-s")(torch.zeros(2, 1, 16, 16)).shape
    torch.Size([2, 10])
    """
    if name not in ARCHITECTURES:
        raise ValueError(f"architecture must be one of {ARCHITECTURES}, got {name!r}")
    if size % 4:
        raise ValueError(f"size must be a multiple of 4, got {size}")
    cells = (size // 4) ** 2
    if name == "cnn-s":
        return nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(16 * cells, num_classes),
        )
    if name == "cnn-m":
        return nn.Sequential(
            nn.Conv2d(1, 12, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(12, 24, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(24 * cells, 48), nn.ReLU(), nn.Linear(48, num_classes),
        )
    return nn.Sequential(
        nn.Conv2d(1, 12, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(12 * 4 * cells, num_classes),
    )
