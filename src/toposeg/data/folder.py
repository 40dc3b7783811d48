"""The user's own data: a folder of images and masks matched by file name.

Layout::

    root/images/<name>.png|.jpg|.tif|.npy|...     root/masks/<name>.png|.tif|.npy|...
    root/regions/<name>.png|...                   (optional: the pixels that count, non-zero)

optionally one such set of folders per split (``root/train/``, ``root/val/``, ``root/test/``;
``val/`` and ``test/`` may be missing: see :func:`load_folder`). Every file is read and checked
when the folder is loaded, before any training, and all the problems found are reported
together, each naming its file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np

from toposeg.data._sample import Sample, SampleSet
from toposeg.data.io import IMAGE_SUFFIXES, decode_image, read_image
from toposeg.data.masks import binary_mask

__all__ = ["DataFolderError", "load_folder", "read_checked_image", "read_checked_mask", "split_names"]

Split = Literal["train", "val", "test", "all"]
SPLIT_FRACTIONS = {"train": 0.7, "val": 0.15, "test": 0.15}
SPLIT_FOLDERS = ("train", "val", "test")


class DataFolderError(ValueError):
    """A data folder has unmatched, unreadable or inconsistent files (all listed in the message)."""


def load_folder(
    root: str | Path,
    *,
    split: Split = "all",
    foreground: int | None = None,
    invert: bool = False,
    val_fraction: float | None = None,
) -> SampleSet:
    """Load and check images, masks and optional region masks from a folder.

    Masks are made binary by :func:`toposeg.data.masks.binary_mask`: without ``foreground``
    they must be bool, or numbers all 0/1 or all 0/255. Images may be 2D or 3D (all of one
    kind) and keep their values (as float32); colour images (PNG, JPEG, RGB TIFF) keep their
    channels, first (``(3, M, N)``), so a network trained on them takes 3 input channels; a
    colour file whose channels are equal is read as grey. Normalise with
    :class:`toposeg.data.PatchDataset`.

    Parameters
    ----------
    root : str or Path
        The data folder.
    split : {"all", "train", "val", "test"}
        With split sub-folders (``root/train/images`` ...): the one named, ``"all"`` all of
        them. A missing ``val/`` is split off ``train/`` (``val_fraction`` of its images, 15 %
        by default). Without split sub-folders: ``"all"`` takes every pair and the others a
        fixed share of the names (:func:`split_names`).
    foreground : int, optional
        The label value of the structure in the masks (e.g. 0 when membranes are drawn black).
    invert : bool
        Swap structure and background of the masks.
    val_fraction : float in (0, 1), optional
        Share of the training images held out for validation when there is no ``val/``
        folder. Without split sub-folders it replaces the 70/15/15 % split by train/val only.

    Returns
    -------
    SampleSet
        One sample per name, sorted by name (``Sample.region`` set when ``regions/`` exists).

    Raises
    ------
    FileNotFoundError
        If ``root`` or its ``images``/``masks`` folders are missing (the message shows the layout).
    DataFolderError
        Listing every unmatched, unreadable, mis-sized, non-binary or non-finite file, colour
        masks, a ``foreground`` value missing from a mask, empty regions.

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
    >>> load_folder(root, invert=True)[0].mask.sum()
    np.int64(56)
    """
    root = Path(root)
    if split not in ("all", *SPLIT_FRACTIONS):
        raise ValueError(f"split must be 'all', 'train', 'val' or 'test', got {split!r}")
    if val_fraction is not None and not 0.0 < float(val_fraction) < 1.0:
        raise ValueError(f"val_fraction must lie strictly between 0 and 1, got {val_fraction}")
    if not root.is_dir():
        raise FileNotFoundError(f"data folder not found: {root}")
    options = {"foreground": foreground, "invert": invert}
    present = [s for s in SPLIT_FOLDERS if (root / s).is_dir()]
    if not present:
        pairs, problems = _pairs(root)
        names = sorted(pairs)
        if split != "all":
            names = split_names(names, split, val_fraction=val_fraction)
            if not names:
                raise DataFolderError(f"data folder {root}: split {split!r} is empty ({len(pairs)} images"
                                      + (f", val_fraction={val_fraction} makes no test split)" if val_fraction
                                         else ")"))
        return _load(root, {n: pairs[n] for n in names}, problems, split, options)
    if "train" not in present:
        raise FileNotFoundError(f"{root} has {', '.join(s + '/' for s in present)} but no train/: a data folder "
                                "needs images/ and masks/, or train/ (and optionally val/, test/) holding them")
    wanted = present if split == "all" else [split]
    chosen: dict[str, tuple[Path, Path, Path | None]] = {}
    problems: list[str] = []
    for part in wanted:
        if part == "test" and part not in present:
            raise FileNotFoundError(f"{root / 'test'} not found: this data folder has no test split "
                                    f"(it has {', '.join(s + '/' for s in present)})")
        if "val" not in present and (part == "val" or (part == "train" and split == "train")):
            pairs, found = _pairs(root / "train")
            held = set(split_names(sorted(pairs), "val", val_fraction=val_fraction or SPLIT_FRACTIONS["val"]))
            keep = held if part == "val" else set(pairs) - held
        else:
            pairs, found = _pairs(root / part)
            keep = set(pairs)
        problems += found
        for name in sorted(keep):
            chosen[name if split != "all" else f"{part}/{name}"] = pairs[name]
    return _load(root, chosen, problems, split, options)


def split_names(
    names: list[str], split: Literal["train", "val", "test"], *, val_fraction: float | None = None
) -> list[str]:
    """A fixed share of ``names`` for ``split``: 70 % train, 15 % val, 15 % test.

    The names are shuffled with a fixed seed, so the split depends only on the set of names;
    val and test get at least one name each when there are three or more. With
    ``val_fraction``, there is no test share: val gets that fraction (at least one name when
    there are two or more) and train the rest.

    Examples
    --------
    >>> from toposeg.data import split_names
    >>> names = [f"img{i:02d}" for i in range(20)]
    >>> [len(split_names(names, s)) for s in ("train", "val", "test")]
    [14, 3, 3]
    >>> [len(split_names(names, s, val_fraction=0.25)) for s in ("train", "val", "test")]
    [15, 5, 0]
    """
    order = sorted(names)
    np.random.default_rng(0).shuffle(order)
    count = len(order)
    if val_fraction is not None:
        held = min(count - 1, max(1, round(val_fraction * count))) if count >= 2 else 0
        parts = {"train": order[: count - held], "val": order[count - held :], "test": []}
    else:
        held = max(1, round(SPLIT_FRACTIONS["val"] * count)) if count >= 3 else 0
        parts = {
            "train": order[: count - 2 * held],
            "val": order[count - 2 * held : count - held],
            "test": order[count - held :],
        }
    return sorted(parts[split])


def _pairs(base: Path) -> tuple[dict[str, tuple[Path, Path, Path | None]], list[str]]:
    """Files of ``base/images``, ``base/masks`` and ``base/regions`` matched by name, and the problems."""
    image_dir, mask_dir, region_dir = base / "images", base / "masks", base / "regions"
    for folder in (image_dir, mask_dir):
        if not folder.is_dir():
            raise FileNotFoundError(
                f"{folder} not found: a data folder holds images/<name> and masks/<name> (and optionally "
                "regions/<name>), or train/, val/, test/ sub-folders that each hold them")
    problems: list[str] = []
    images = _list_files(image_dir, problems)
    masks = _list_files(mask_dir, problems)
    regions = _list_files(region_dir, problems) if region_dir.is_dir() else None
    for name in sorted(images.keys() - masks.keys()):
        problems.append(f"{images[name]}: no mask with the same name in {mask_dir}")
    for name in sorted(masks.keys() - images.keys()):
        problems.append(f"{masks[name]}: no image with the same name in {image_dir}")
    names = sorted(images.keys() & masks.keys())
    if regions is not None:
        for name in names:
            if name not in regions:
                problems.append(f"{images[name]}: no region mask with the same name in {region_dir}")
    if not names and not problems:
        problems.append(f"{image_dir}: no image files ({', '.join(IMAGE_SUFFIXES)})")
    return {n: (images[n], masks[n], None if regions is None else regions.get(n)) for n in names}, problems


def _load(root: Path, pairs: dict[str, tuple[Path, Path, Path | None]], problems: list[str], split: str,
          options: dict[str, object]) -> SampleSet:
    samples = [s for s in (_read_pair(*files, n, problems, **options) for n, files in pairs.items()) if s]
    if len({s.ndim for s in samples}) > 1:
        kinds = ", ".join(f"{s.name}: {s.ndim}D" for s in samples)
        problems.append(f"{root}: images mix 2D and 3D ({kinds})")
    if len({s.channels for s in samples}) > 1:
        kinds = ", ".join(f"{s.name}: {s.channels}" for s in samples)
        problems.append(f"{root}: images have different numbers of channels ({kinds})")
    if problems:
        listing = "\n  ".join(problems)
        raise DataFolderError(f"{len(problems)} problem(s) in data folder {root}:\n  {listing}")
    if not samples:
        raise DataFolderError(f"data folder {root}: no samples in split {split!r}")
    return SampleSet.from_samples(samples, name=str(root), split=split)


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


def read_checked_image(path: Path, problems: list[str]) -> np.ndarray | None:
    """An image with its channels first, or ``None`` with the reason added to ``problems``."""
    try:
        image = read_image(path, channels=True)
    except ValueError as error:
        problems.append(str(error))
        return None
    if image.dtype == np.bool_:
        image = image.astype(np.float32)
    if not np.issubdtype(image.dtype, np.number) or np.iscomplexobj(image):
        problems.append(f"{path}: values must be real numbers, got {image.dtype}")
        return None
    if not np.all(np.isfinite(image)):
        problems.append(f"{path}: contains NaN or infinite values")
        return None
    return image.astype(np.float32)


def read_checked_mask(path: Path, shape: tuple[int, ...] | None, problems: list[str], *,
                      foreground: int | None = None, invert: bool = False) -> np.ndarray | None:
    """A bool mask of ``shape`` (spatial), or ``None`` with the reason added to ``problems``."""
    try:
        labels, colour = decode_image(path)
    except ValueError as error:
        problems.append(str(error))
        return None
    if colour:
        problems.append(f"{path}: a colour mask ({labels.shape[0]} different channels); "
                        "save the mask as one channel of label values")
        return None
    if shape is not None and labels.shape != shape:
        problems.append(f"{path}: shape {labels.shape} differs from its image's {shape}")
        return None
    try:
        return binary_mask(labels, foreground=foreground, invert=invert, source=path)
    except (ValueError, TypeError) as error:
        problems.append(str(error))
        return None


def _read_pair(image_path: Path, mask_path: Path, region_path: Path | None, name: str, problems: list[str],
               *, foreground: int | None, invert: bool) -> Sample | None:
    image = read_checked_image(image_path, problems)
    if image is None:
        return None
    if image.ndim not in (2, 3, 4):
        problems.append(f"{image_path}: must be a 2D image or 3D volume, got shape {image.shape}")
        return None
    mask = read_checked_mask(mask_path, None, problems, foreground=foreground, invert=invert)
    if mask is None:
        return None
    if image.shape != mask.shape and image.shape[1:] != mask.shape:
        problems.append(f"{mask_path}: shape {mask.shape} differs from its image's {image.shape}")
        return None
    region = None
    if region_path is not None:
        region = read_checked_mask(region_path, mask.shape, problems)
        if region is None:
            return None
        if not region.any():
            problems.append(f"{region_path}: the region is empty (no pixel would count)")
            return None
    return Sample(image, mask, name=name, region=region)
