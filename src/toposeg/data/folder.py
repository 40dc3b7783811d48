"""The user's own data: a folder of images and masks matched by file name.

Layout::

    root/images/<name>.png|.tif|.tiff|.npy     root/masks/<name>.png|.tif|.tiff|.npy

optionally one such pair of folders per split (``root/train/``, ``root/val/``, ``root/test/``).
Every file is read and checked when the folder is loaded, before any training, and all the
problems found are reported together, each naming its file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np

from toposeg.data._sample import Sample, SampleSet
from toposeg.data.io import IMAGE_SUFFIXES, read_image

__all__ = ["DataFolderError", "load_folder", "split_names"]

Split = Literal["train", "val", "test", "all"]
SPLIT_FRACTIONS = {"train": 0.7, "val": 0.15, "test": 0.15}


class DataFolderError(ValueError):
    """A data folder has unmatched, unreadable or inconsistent files (all listed in the message)."""


def load_folder(root: str | Path, *, split: Split = "all") -> SampleSet:
    """Load and check images and masks from a folder (see the module notes for the layout).

    Masks must be binary: bool, or numbers that are all 0 or 1, or all 0 or 255 (8-bit PNG).
    Images may be 2D or 3D (all of one kind) and keep their values (as float32); normalise them
    with :class:`toposeg.data.PatchDataset`. Colour PNGs are read as grey.

    Parameters
    ----------
    root : str or Path
        The data folder.
    split : {"all", "train", "val", "test"}
        With split sub-folders (``root/train/images`` ...), the one named; without them,
        ``"all"`` takes every pair and the others a fixed 70/15/15 % share of the names
        (see :func:`split_names`).

    Returns
    -------
    SampleSet
        One sample per name, sorted by name.

    Raises
    ------
    FileNotFoundError
        If ``root`` or its ``images``/``masks`` folders are missing.
    DataFolderError
        Listing every unmatched, unreadable, mis-sized, non-binary or non-finite file.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> from toposeg.data import load_folder
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for folder in ("images", "masks"):
    ...     (root / folder).mkdir()
    ...     np.save(root / folder / "a.npy", np.eye(8))
    >>> data = load_folder(root)
    >>> len(data), data[0].name, data[0].mask.dtype
    (1, 'a', dtype('bool'))
    """
    root = Path(root)
    if split not in ("all", *SPLIT_FRACTIONS):
        raise ValueError(f"split must be 'all', 'train', 'val' or 'test', got {split!r}")
    if not root.is_dir():
        raise FileNotFoundError(f"data folder not found: {root}")
    base = root / split if split != "all" and (root / split).is_dir() else root
    image_dir, mask_dir = base / "images", base / "masks"
    for folder in (image_dir, mask_dir):
        if not folder.is_dir():
            raise FileNotFoundError(f"{folder} not found: a data folder needs images/ and masks/")
    problems: list[str] = []
    images = _list_files(image_dir, problems)
    masks = _list_files(mask_dir, problems)
    for name in sorted(images.keys() - masks.keys()):
        problems.append(f"{images[name]}: no mask with the same name in {mask_dir}")
    for name in sorted(masks.keys() - images.keys()):
        problems.append(f"{masks[name]}: no image with the same name in {image_dir}")
    names = sorted(images.keys() & masks.keys())
    if not names and not problems:
        problems.append(f"{image_dir}: no image files ({', '.join(IMAGE_SUFFIXES)})")
    if split != "all" and base == root:
        names = split_names(names, split)
    samples = [s for s in (_read_pair(images[n], masks[n], n, problems) for n in names) if s]
    if len({s.ndim for s in samples}) > 1:
        kinds = ", ".join(f"{s.name}: {s.ndim}D" for s in samples)
        problems.append(f"{base}: images mix 2D and 3D ({kinds})")
    if problems:
        listing = "\n  ".join(problems)
        raise DataFolderError(f"{len(problems)} problem(s) in data folder {base}:\n  {listing}")
    if not samples:
        raise DataFolderError(f"data folder {base}: no samples in split {split!r}")
    return SampleSet.from_samples(samples, name=str(root), split=split)


def split_names(names: list[str], split: Literal["train", "val", "test"]) -> list[str]:
    """A fixed share of ``names`` for ``split``: 70 % train, 15 % val, 15 % test.

    The names are shuffled with a fixed seed, so the split depends only on the set of names;
    val and test get at least one name each when there are three or more.

    Examples
    --------
    >>> from toposeg.data import split_names
    >>> names = [f"img{i:02d}" for i in range(20)]
    >>> [len(split_names(names, s)) for s in ("train", "val", "test")]
    [14, 3, 3]
    """
    order = sorted(names)
    np.random.default_rng(0).shuffle(order)
    count = len(order)
    held = max(1, round(SPLIT_FRACTIONS["val"] * count)) if count >= 3 else 0
    parts = {
        "train": order[: count - 2 * held],
        "val": order[count - 2 * held : count - held],
        "test": order[count - held :],
    }
    return sorted(parts[split])


def _list_files(folder: Path, problems: list[str]) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.is_dir():
            continue
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            problems.append(f"{path}: unsupported file type (use {', '.join(IMAGE_SUFFIXES)})")
        elif path.stem in files:
            problems.append(f"{path}: same name as {files[path.stem].name}")
        else:
            files[path.stem] = path
    return files


def _read_pair(image_path: Path, mask_path: Path, name: str, problems: list[str]) -> Sample | None:
    try:
        image = read_image(image_path)
    except ValueError as error:
        problems.append(str(error))
        image = None
    try:
        mask = read_image(mask_path)
    except ValueError as error:
        problems.append(str(error))
        mask = None
    if image is None or mask is None:
        return None
    if image.ndim not in (2, 3):
        problems.append(f"{image_path}: must be a 2D image or 3D volume, got shape {image.shape}")
        return None
    if image.shape != mask.shape:
        problems.append(f"{mask_path}: shape {mask.shape} differs from its image's {image.shape}")
        return None
    if image.dtype == np.bool_:
        image = image.astype(np.float32)
    if not np.issubdtype(image.dtype, np.number) or np.iscomplexobj(image):
        problems.append(f"{image_path}: values must be real numbers, got {image.dtype}")
        return None
    if not np.all(np.isfinite(image)):
        problems.append(f"{image_path}: contains NaN or infinite values")
        return None
    binary = _binary_mask(mask)
    if binary is None:
        values = np.unique(mask)
        shown = ", ".join(f"{v:g}" for v in values[:6]) + (", ..." if len(values) > 6 else "")
        problems.append(f"{mask_path}: mask must be binary (0/1, 0/255 or bool), found values {shown}")
        return None
    return Sample(image.astype(np.float32), binary, name=name)


def _binary_mask(mask: np.ndarray) -> np.ndarray | None:
    if mask.dtype == np.bool_:
        return mask
    if not np.issubdtype(mask.dtype, np.number) or np.iscomplexobj(mask):
        return None
    values = set(np.unique(mask).tolist())
    for high in (1, 255):
        if values <= {0, high}:
            return mask == high
    return None
