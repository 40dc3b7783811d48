"""TopoMortar: mortar between red bricks, 512x512 RGB; one component with many holes.

Distributed layout::

    root/train/images/001.png .. 050.png   root/train/{accurate,noisy,pseudo}/001.png ..
    root/val/images/051.png .. 070.png     root/val/{accurate,noisy,pseudo}/...
    root/test/images/071.png .. 120.png    root/test/accurate/...

Labels: mortar = 255. The fixed splits are the protocol (train on ``train``, choose on ``val``,
test on ``test`` with the accurate labels); its papers report whole-image Betti errors of
dimensions 0 and 1 with an 8-connected foreground (``betti_numbers.csv``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from toposeg.data._sample import Sample, SampleSet
from toposeg.data.benchmark import Benchmark, find_root
from toposeg.data.folder import DataFolderError, read_checked_image, read_checked_mask

__all__ = ["TOPOMORTAR", "load_topomortar"]

FOREGROUND = 255  # label value of the structure in the distributed masks
LAYOUT = ("train/, val/, test/ each with images/NNN.png and accurate/NNN.png (mortar 255); train/ and val/ "
          "also noisy/ and pseudo/")
LABELS = ("accurate", "noisy", "pseudo")


def _looks_right(path: Path) -> bool:
    return all((path / split / "images").is_dir() for split in ("train", "val", "test"))


def load_topomortar(
    root: str | Path | None = None,
    *,
    split: Literal["all", "train", "val", "test"] = "train",
    labels: Literal["accurate", "noisy", "pseudo"] = "accurate",
) -> SampleSet:
    """TopoMortar from a local copy, one split, with one kind of training labels.

    Parameters
    ----------
    root : str or Path, optional
        The TopoMortar folder or its parent; default ``$TOPOSEG_DATA/topomortar``.
    split : {"train", "val", "test", "all"}
        The fixed splits (50 / 20 / 50 images); ``"all"`` = train and val (for cross-validation).
    labels : {"accurate", "noisy", "pseudo"}
        Labels of train and val; test is always scored against the accurate labels.

    Returns
    -------
    SampleSet
        ``(3, 512, 512)`` float32 images and bool mortar masks, named by number (``"001"``).

    Raises
    ------
    FileNotFoundError
        If the layout is not found (the message shows it).
    DataFolderError
        Missing labels, files of other sizes, masks that are not 0/255.
    """
    if labels not in LABELS:
        raise ValueError(f"labels must be one of {', '.join(LABELS)}, got {labels!r}")
    if split not in ("all", "train", "val", "test"):
        raise ValueError(f"split must be 'all', 'train', 'val' or 'test', got {split!r}")
    folder = find_root("topomortar", root, _looks_right, LAYOUT)
    problems: list[str] = []
    samples: list[Sample] = []
    for part in ("train", "val") if split == "all" else (split,):
        kind = "accurate" if part == "test" else labels
        samples += _read_part(folder / part, kind, problems)
    if problems:
        listing = "\n  ".join(problems)
        raise DataFolderError(f"{len(problems)} problem(s) in TopoMortar folder {folder}:\n  {listing}")
    return SampleSet.from_samples(samples, name="topomortar", split=split)


def _read_part(part: Path, kind: str, problems: list[str]) -> list[Sample]:
    if not (part / kind).is_dir():
        problems.append(f"{part / kind}: folder missing ({LAYOUT})")
        return []
    images = sorted(p for p in (part / "images").iterdir() if p.suffix.lower() == ".png")
    if not images:
        problems.append(f"{part / 'images'}: no PNG images ({LAYOUT})")
    samples = []
    for image_path in images:
        label_path = part / kind / image_path.name
        if not label_path.is_file():
            problems.append(f"{image_path}: {label_path} is missing")
            continue
        image = read_checked_image(image_path, problems)
        if image is None:
            continue
        mask = read_checked_mask(label_path, image.shape[-2:], problems, foreground=FOREGROUND)
        if mask is not None:
            samples.append(Sample(image, mask, name=image_path.stem))
    return samples


TOPOMORTAR = Benchmark(
    name="topomortar",
    foreground=FOREGROUND,
    connectivity=2,
    metric_options={"connectivity": 2},
    headline=("betti_error_global_0", "betti_error_global_1", "dice", "betti_error_1"),
    evaluation="Betti errors of dimensions 0 and 1 of the whole 512x512 image, 8-connected mortar; Dice",
    layout=LAYOUT,
    load=load_topomortar,
    options={"labels": "training labels: accurate (default), noisy or pseudo"},
)
