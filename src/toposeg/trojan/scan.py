"""Scanning a user's own classifier: hunt triggers on a folder of clean images, score with a
trained detector, draw the recovered triggers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from toposeg.trojan.detector import BagDetector
from toposeg.trojan.features import FEATURE_NAMES, trigger_features
from toposeg.trojan.reverse import HuntConfig, RecoveredTrigger, reverse_engineer

__all__ = ["ScanResult", "load_detector", "plot_triggers", "read_image_folder", "save_detector", "scan_model"]

_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".npy")


def read_image_folder(folder: str | Path) -> torch.Tensor:
    """Every image of ``folder`` (PNG, JPEG, TIFF, BMP or ``.npy``) as a float tensor (N, C, H, W).

    Gray images get one channel, colour ones three (channel-last files are moved); 8-bit images
    are scaled to [0, 1]. All images must have one shape.
    """
    import imageio.v3 as iio

    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"image folder {folder} does not exist")
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in _SUFFIXES)
    if not paths:
        raise ValueError(f"image folder {folder} holds no images ({', '.join(_SUFFIXES)})")
    arrays = []
    for path in paths:
        array = np.load(path) if path.suffix == ".npy" else iio.imread(path)
        scale = 255.0 if array.dtype == np.uint8 else 1.0
        array = np.asarray(array, dtype=np.float32) / scale
        if array.ndim == 2:
            array = array[None]
        elif array.ndim == 3 and array.shape[-1] in (3, 4) and array.shape[0] not in (1, 3):
            array = np.moveaxis(array[..., :3], -1, 0)
        if array.ndim != 3:
            raise ValueError(f"image {path.name} has shape {array.shape}; expected (H, W) or (C, H, W)")
        arrays.append(array)
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise ValueError(f"images in {folder} differ in shape: {sorted(shapes)}")
    return torch.from_numpy(np.stack(arrays))


def save_detector(path: str | Path, detector: BagDetector, config: HuntConfig) -> None:
    """Save a trained detector with the hunting options its features came from."""
    torch.save({"state_dict": detector.state_dict(), "num_features": len(FEATURE_NAMES),
                "hidden": detector.phi[0].out_features, "hunt": config.__dict__}, path)


def load_detector(path: str | Path) -> tuple[BagDetector, HuntConfig]:
    """Load a detector saved by :func:`save_detector` (or ``toposeg trojan detect --save``)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"detector file {path} does not exist")
    payload = torch.load(path, map_location="cpu", weights_only=True)
    if payload.get("num_features") != len(FEATURE_NAMES):
        raise ValueError(f"detector {path} was trained on other features")
    detector = BagDetector(payload["num_features"], hidden=payload["hidden"])
    detector.load_state_dict(payload["state_dict"])
    return detector.eval(), HuntConfig(**payload["hunt"])


@dataclass(frozen=True)
class ScanResult:
    """Recovered triggers of a scanned model, their features, and the Trojan probability."""

    triggers: list[RecoveredTrigger]
    features: np.ndarray
    probability: float


def scan_model(model: nn.Module, images: torch.Tensor, detector: BagDetector, config: HuntConfig) -> ScanResult:
    """Hunt triggers of ``model`` on clean ``images`` (labelled by the model's own predictions,
    the seed's ``c*``) and score them with ``detector``."""
    with torch.no_grad():
        labels = model(images).argmax(1)
    triggers = reverse_engineer(model, images, labels, config)
    features = trigger_features(triggers, steps=config.steps)
    with torch.no_grad():
        probability = float(torch.sigmoid(detector(torch.from_numpy(features[None]).float()))[0])
    return ScanResult(triggers, features, probability)


def plot_triggers(triggers: list[RecoveredTrigger], path: str | Path, *, title: str = "") -> None:
    """Draw ``mask * pattern`` of every candidate: one column per class, one row per round."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sources = sorted({t.source for t in triggers})
    rounds = max(t.round for t in triggers) + 1
    figure, axes = plt.subplots(rounds, len(sources), figsize=(1.2 * len(sources), 1.3 * rounds + 0.4),
                                squeeze=False)
    for t in triggers:
        ax = axes[t.round, sources.index(t.source)]
        ax.imshow((t.mask * t.pattern.mean(0)), cmap="magma", vmin=0, vmax=1)
        ax.set_title(f"{t.source}\u2192{np.bincount(t.new_labels).argmax()}", fontsize=7)
        ax.set_xticks([])
        ax.set_yticks([])
    figure.suptitle(title, fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
