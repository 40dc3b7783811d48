"""Trigger hunting over a model zoo, resumable: one ``.npz`` of features per model."""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from toposeg.trojan.digits import load_digits_images
from toposeg.trojan.features import mask_iou, trigger_features
from toposeg.trojan.reverse import HuntConfig, reverse_engineer
from toposeg.trojan.zoo import ZooModel, load_zoo

__all__ = ["HuntRecord", "clean_images", "hunt_zoo", "load_hunt"]


def clean_images(per_class: int = 3, *, size: int = 16) -> tuple[torch.Tensor, torch.Tensor]:
    """The first ``per_class`` test-split digits of every class: the hunter's clean samples."""
    x, y = load_digits_images("test", size=size)
    keep = torch.cat([torch.nonzero(y == c).flatten()[:per_class] for c in range(10)])
    return x[keep], y[keep]


@dataclass(frozen=True)
class HuntRecord:
    """Hunting result of one zoo model: trigger features (T, F) and recovery scores.

    ``iou`` is the best IoU of a candidate's mask with the true trigger (NaN for clean models and
    triggers that move); ``target_hit`` says whether some candidate sends most images to the true
    target; ``steps_to_flip`` is the mean over candidates."""

    index: int
    trojaned: bool
    architecture: str
    features: np.ndarray
    masks: np.ndarray
    iou: float
    target_hit: float
    steps_to_flip: float
    seconds: float


def _hunt_one(model: ZooModel, images: torch.Tensor, labels: torch.Tensor, config: HuntConfig) -> dict:
    network, trigger = model.load()
    start = time.perf_counter()
    found = reverse_engineer(network, images, labels, config)
    seconds = time.perf_counter() - start
    features = trigger_features(found, steps=config.steps)
    iou, hit = np.nan, np.nan
    if trigger is not None:
        if trigger.position == "fixed":
            iou = max(mask_iou(t.mask, trigger.mask) for t in found)
        hit = float(any(np.bincount(t.new_labels, minlength=10).argmax() == trigger.target
                        and t.source != trigger.target for t in found))
    return dict(index=model.index, trojaned=model.trojaned, architecture=model.architecture,
                features=features, masks=np.stack([t.mask for t in found]).astype(np.float32),
                iou=iou, target_hit=hit, steps_to_flip=float(np.mean([t.steps_to_flip for t in found])),
                seconds=seconds)


def hunt_zoo(zoo: str | Path, out: str | Path, config: HuntConfig, *, per_class: int = 3,
             limit: int | None = None, progress: bool = True) -> list[HuntRecord]:
    """Reverse-engineer triggers of every kept model of ``zoo``; write ``out/NNNN.npz`` each.

    Models whose file exists are skipped (resume); ``out/config.json`` must match ``config``.
    """
    from tqdm.auto import tqdm

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    config_path = out / "config.json"
    wanted = {**asdict(config), "per_class": per_class}
    if config_path.exists() and json.loads(config_path.read_text()) != wanted:
        raise ValueError(f"{out} holds a hunt with other settings; choose another folder")
    config_path.write_text(json.dumps(wanted, indent=1))
    models = load_zoo(zoo, limit=limit)
    images, labels = clean_images(per_class, size=int(json.loads((Path(zoo) / "config.json").read_text())["size"]))
    for model in tqdm(models, desc="hunt", disable=not progress, unit="model"):
        path = out / f"{model.index:04d}.npz"
        if path.exists():
            continue
        record = _hunt_one(model, images, labels, config)
        temporary = path.with_name(path.stem + ".tmp.npz")
        np.savez(temporary, **record)
        os.replace(temporary, path)
    return load_hunt(out, indices=[m.index for m in models])


def load_hunt(out: str | Path, *, indices: list[int] | None = None) -> list[HuntRecord]:
    """The hunting records in ``out`` (only ``indices`` when given, skipping missing ones)."""
    out = Path(out)
    paths = sorted(out.glob("[0-9][0-9][0-9][0-9].npz"))
    if indices is not None:
        wanted = set(indices)
        paths = [p for p in paths if int(p.stem) in wanted]
    records = []
    for path in paths:
        with np.load(path) as data:
            records.append(HuntRecord(int(data["index"]), bool(data["trojaned"]), str(data["architecture"]),
                                      data["features"], data["masks"], float(data["iou"]),
                                      float(data["target_hit"]), float(data["steps_to_flip"]),
                                      float(data["seconds"])))
    return records
