"""A tiny 2D data set in nnU-Net v2's raw format, for the integration tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

#: Labels of the data set: two foreground classes and nnU-Net's ignore label (the highest).
LABELS = {"background": 0, "ring": 1, "line": 2, "ignore": 3}


def label_map(index: int, size: int = 48) -> np.ndarray:
    """Class 1: a ring; class 2: a line; the ignore label on a band along the top edge."""
    rng = np.random.default_rng(index)
    rows, cols = np.mgrid[:size, :size]
    centre = rng.uniform(0.35 * size, 0.65 * size, 2)
    radius = np.hypot(rows - centre[0], cols - centre[1])
    outer = rng.uniform(0.18, 0.28) * size
    labels = np.zeros((size, size), dtype=np.uint8)
    labels[(radius <= outer) & (radius >= outer - 2.5)] = 1
    row = int(rng.integers(4, size - 4))
    labels[row : row + 2, 2 : size - 2] = np.where(labels[row : row + 2, 2 : size - 2] == 0, 2, 1)
    labels[:6] = LABELS["ignore"]
    return labels


def write_dataset(raw: Path, dataset_id: int, cases: int = 5, size: int = 48) -> str:
    """Write ``Dataset<id>_ToposegTiny`` under ``raw`` (PNG images and labels); return its name."""
    name = f"Dataset{dataset_id:03d}_ToposegTiny"
    folder = raw / name
    (folder / "imagesTr").mkdir(parents=True)
    (folder / "labelsTr").mkdir()
    for index in range(cases):
        labels = label_map(index, size)
        rng = np.random.default_rng(100 + index)
        truth = np.where(labels == LABELS["ignore"], 0, labels)
        image = 60 + 60 * (truth == 1) + 120 * (truth == 2) + rng.normal(0, 12, labels.shape)
        Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(
            folder / "imagesTr" / f"case{index:03d}_0000.png"
        )
        Image.fromarray(labels).save(folder / "labelsTr" / f"case{index:03d}.png")
    description = {
        "channel_names": {"0": "image"},
        "labels": LABELS,
        "numTraining": cases,
        "file_ending": ".png",
    }
    (folder / "dataset.json").write_text(json.dumps(description, indent=2))
    return name
