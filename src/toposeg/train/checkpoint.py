"""Checkpoints written atomically, and everything a run needs to continue exactly where it stopped.

A checkpoint is one ``torch.save`` file holding the model weights, the optimiser and scheduler
states, the random states of torch, NumPy and Python, the position in the run (epoch, step in
the epoch, global step), the history of validation rows, the best score so far, and the run's
config (so ``toposeg predict`` needs nothing else). It is written to a temporary file in the
same folder, flushed to disk, then renamed over the old one: a process killed at any moment
leaves either the old or the new checkpoint, never a partial one.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from torch import nn

from toposeg.models import UNet
from toposeg._atomic import atomic_file
from toposeg.train.config import TrainConfig
from toposeg.uncertainty import ProbabilisticUNet, StructuralUNet

__all__ = [
    "FORMAT",
    "build_model",
    "capture_random_state",
    "load_checkpoint",
    "model_from_checkpoint",
    "restore_random_state",
    "save_checkpoint",
    "segmentation_network",
    "structural_model_from_checkpoint",
    "wrapped_unet",
]

#: Format tag stored in every checkpoint.
FORMAT = "toposeg-train-1"


def save_checkpoint(path: str | Path, state: dict[str, Any]) -> None:
    """Write ``state`` to ``path`` atomically (temporary file, fsync, rename).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from toposeg.train import load_checkpoint, save_checkpoint
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "last.pt"
    >>> save_checkpoint(path, {"global_step": 3})
    >>> load_checkpoint(path)["global_step"]
    3
    """
    with atomic_file(path) as file:
        torch.save({"format": FORMAT, **state}, file)


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_checkpoint` (on the CPU).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a readable toposeg checkpoint (the message names it).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # any unpickling failure becomes one clear message
        raise ValueError(f"{path}: not a readable checkpoint ({error})") from error
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ValueError(f"{path}: not a toposeg training checkpoint")
    return state


def build_model(config: TrainConfig) -> UNet | StructuralUNet | ProbabilisticUNet:
    """The network a config describes (``config.channels`` inputs, default 1; ``config.classes``
    output channels, default 1), freshly initialised: a :class:`UNet`, or with ``model
    "structural"`` (``"probabilistic"``) a :class:`toposeg.uncertainty.StructuralUNet`
    (:class:`toposeg.uncertainty.ProbabilisticUNet`) around it."""
    unet = UNet(config.channels or 1, config.classes or 1, ndim=len(config.patch_size), depth=config.depth,
                width=config.width, norm=config.norm, dropout=config.dropout)
    if config.model == "structural":
        return StructuralUNet(unet, objective=config.structural_objective)
    if config.model == "probabilistic":
        return ProbabilisticUNet(unet, latent_dim=config.latent_dim)
    return unet


def segmentation_network(model: nn.Module) -> nn.Module:
    """The part of a model that maps images to logits: the UNet of a structural model, else itself
    (a probabilistic model maps them at its prior's mean code)."""
    return model.unet if isinstance(model, StructuralUNet) else model


def wrapped_unet(model: nn.Module) -> nn.Module:
    """The UNet inside a structural or probabilistic model, else the model: what a plain
    checkpoint's weights start (``init_from``)."""
    return model.unet if isinstance(model, (StructuralUNet, ProbabilisticUNet)) else model


def model_from_checkpoint(state: dict[str, Any]) -> tuple[UNet, TrainConfig]:
    """The trained segmentation network of a checkpoint (in evaluation mode) and its config.

    For a structural model (``model "structural"``) it is the UNet inside it (the likelihood);
    :func:`structural_model_from_checkpoint` gives the whole model.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from toposeg.train import TrainConfig, build_model, load_checkpoint, model_from_checkpoint, save_checkpoint
    >>> config = TrainConfig(depth=1, width=4)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "net.pt"
    >>> save_checkpoint(path, {"config": config.to_dict(), "model": build_model(config).state_dict()})
    >>> model, saved = model_from_checkpoint(load_checkpoint(path))
    >>> saved == config, model.training
    (True, False)
    """
    config = TrainConfig.from_dict(state["config"])
    model = build_model(config)
    model.load_state_dict(state["model"])
    return segmentation_network(model).eval(), config


def structural_model_from_checkpoint(state: dict[str, Any]) -> tuple[StructuralUNet, TrainConfig]:
    """The trained :class:`toposeg.uncertainty.StructuralUNet` of a checkpoint (evaluation mode)
    and its config.

    Raises
    ------
    ValueError
        If the checkpoint holds a plain UNet (trained without ``--model structural``).
    """
    config = TrainConfig.from_dict(state["config"])
    if config.model != "structural":
        raise ValueError(f"the checkpoint holds a plain {config.model!r} network, not a structural model: "
                         "train with --model structural for structure samples and uncertainty")
    model = build_model(config)
    model.load_state_dict(state["model"])
    return model.eval(), config


def capture_random_state() -> dict[str, Any]:
    """The states of torch's, NumPy's and Python's global generators (as tensors and numbers,
    so that checkpoints load with ``weights_only=True``)."""
    kind, keys, position, has_gauss, gauss = np.random.get_state()
    return {
        "torch": torch.get_rng_state(),
        "numpy": {"kind": kind, "keys": torch.from_numpy(keys.astype(np.int64)), "position": int(position),
                  "has_gauss": int(has_gauss), "gauss": float(gauss)},
        "python": random.getstate(),
    }


def restore_random_state(state: dict[str, Any]) -> None:
    """Set the generators back to a state from :func:`capture_random_state`."""
    torch.set_rng_state(state["torch"])
    numpy_state = state["numpy"]
    np.random.set_state((numpy_state["kind"], numpy_state["keys"].numpy().astype(np.uint32),
                         numpy_state["position"], numpy_state["has_gauss"], numpy_state["gauss"]))
    random.setstate(state["python"])
