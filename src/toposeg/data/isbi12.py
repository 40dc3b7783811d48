"""ISBI 2012 EM segmentation challenge (training set): 30 ssTEM sections, 512x512, membranes.

Read from either distributed layout::

    root/train-volume.tif, root/train-labels.tif       (multi-page TIFF stacks, 30 pages each)
    root/images/00.png .. 29.png, root/masks/00.png .. 29.png

Labels: **0 = membrane, 255 = cell interior**; the structure is the membranes (label 0). The
cells between membranes are the regions that ARI and VOI compare (``regions="background"``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from toposeg.data._sample import Sample, SampleSet
from toposeg.data.benchmark import Benchmark, find_root
from toposeg.data.folder import DataFolderError, read_checked_image, read_checked_mask, split_names

__all__ = ["ISBI12", "load_isbi12"]

FOREGROUND = 0  # label value of the structure in the distributed masks
LAYOUT = ("train-volume.tif and train-labels.tif (multi-page TIFF stacks), or images/NN.png and masks/NN.png; "
          "masks: 0 = membrane, 255 = cell")
_STACKS = ("train-volume.tif", "train-labels.tif")


def _looks_right(path: Path) -> bool:
    return all((path / f).is_file() for f in _STACKS) or ((path / "images").is_dir() and (path / "masks").is_dir())


def load_isbi12(root: str | Path | None = None, *, split: Literal["all", "train", "val", "test"] = "all") -> SampleSet:
    """The ISBI 2012 training set from a local copy; the mask is the membranes (label 0).

    Parameters
    ----------
    root : str or Path, optional
        The folder (or its parent holding ``isbi12/``); default ``$TOPOSEG_DATA/isbi12``.
    split : {"all", "train", "val", "test"}
        ``"all"``: the 30 sections (for cross-validation); the others a fixed 70/15/15 % share
        (:func:`toposeg.data.split_names`).

    Returns
    -------
    SampleSet
        Grey float32 images in 0..255 and bool membrane masks, named ``"00"`` .. ``"29"``.

    Raises
    ------
    FileNotFoundError
        If neither layout is found (the message shows both).
    DataFolderError
        Unreadable files, stacks of different sizes, masks that are not 0/255.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib, tifffile
    >>> from toposeg.data import load_isbi12
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> labels = np.full((2, 16, 16), 255, np.uint8); labels[:, 8, :] = 0
    >>> tifffile.imwrite(root / "train-volume.tif", labels // 2); tifffile.imwrite(root / "train-labels.tif", labels)
    >>> data = load_isbi12(root)
    >>> len(data), data[0].name, int(data[0].mask.sum())
    (2, '00', 16)
    """
    folder = find_root("isbi12", root, _looks_right, LAYOUT)
    problems: list[str] = []
    if all((folder / f).is_file() for f in _STACKS):
        samples = _from_stacks(folder, problems)
    else:
        samples = _from_folders(folder, problems)
    if problems:
        listing = "\n  ".join(problems)
        raise DataFolderError(f"{len(problems)} problem(s) in ISBI 2012 folder {folder}:\n  {listing}")
    if split != "all":
        keep = set(split_names([s.name for s in samples], split))
        samples = [s for s in samples if s.name in keep]
    return SampleSet.from_samples(samples, name="isbi12", split=split)


def _from_stacks(folder: Path, problems: list[str]) -> list[Sample]:
    volume = read_checked_image(folder / _STACKS[0], problems)
    labels_path = folder / _STACKS[1]
    labels = read_checked_mask(labels_path, None if volume is None else volume.shape, problems, foreground=FOREGROUND)
    if volume is None or labels is None:
        return []
    if volume.ndim != 3:
        problems.append(f"{folder / _STACKS[0]}: expected a stack of 2D sections, got shape {volume.shape}")
        return []
    return [Sample(volume[i], labels[i], name=f"{i:02d}") for i in range(len(volume))]


def _from_folders(folder: Path, problems: list[str]) -> list[Sample]:
    images = {p.stem: p for p in sorted((folder / "images").iterdir()) if p.is_file() and not p.name.startswith(".")}
    masks = {p.stem: p for p in sorted((folder / "masks").iterdir()) if p.is_file() and not p.name.startswith(".")}
    for name in sorted(images.keys() ^ masks.keys()):
        problems.append(f"{images.get(name) or masks.get(name)}: no partner with the same name in "
                        f"{folder / ('masks' if name in images else 'images')}")
    if not images:
        problems.append(f"{folder / 'images'}: no images ({LAYOUT})")
    samples = []
    for name in sorted(images.keys() & masks.keys()):
        image = read_checked_image(images[name], problems)
        if image is None:
            continue
        if image.ndim != 2:
            problems.append(f"{images[name]}: expected a grey 2D section, got shape {image.shape}")
            continue
        mask = read_checked_mask(masks[name], image.shape, problems, foreground=FOREGROUND)
        if mask is not None:
            samples.append(Sample(image, mask, name=name))
    return samples


ISBI12 = Benchmark(
    name="isbi12",
    foreground=FOREGROUND,
    connectivity=1,
    metric_options={"regions": "background"},
    headline=("accuracy", "dice", "adapted_rand_error", "voi", "betti_error_1", "betti_error_0"),
    evaluation="pixel metrics of the membranes; ARI and VOI over the cells between membranes "
               "(regions=background); Betti error of dimension 1 on random 64x64 patches (the seeds')",
    layout=LAYOUT,
    load=load_isbi12,
)
