"""DRIVE retinal vessels: 565x584 RGB fundus images, manual vessel annotations, field-of-view masks.

Distributed layout (the training split; a ``test/`` split with the same folders is read too)::

    root/training/images/21_training.tif      (LZW-compressed RGB TIFF)
    root/training/1st_manual/21_manual1.gif   (vessels = 255)
    root/training/mask/21_training_mask.gif   (field of view = 255)

The field of view is each sample's region: pixels outside it count for neither losses nor
metrics. The 1-px vessels are drawn 8-connected, so metrics and losses use connectivity 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from toposeg.data._sample import Sample, SampleSet
from toposeg.data.benchmark import Benchmark, find_root
from toposeg.data.folder import DataFolderError, read_checked_image, read_checked_mask, split_names

__all__ = ["DRIVE", "load_drive"]

FOREGROUND = 255  # label value of the structure in the distributed masks
LAYOUT = ("training/images/NN_training.tif, training/1st_manual/NN_manual1.gif (vessels 255), "
          "training/mask/NN_training_mask.gif (field of view 255); optionally test/ alike")
_PARTS = {"training": "training", "test": "test"}


def _looks_right(path: Path) -> bool:
    return all((path / "training" / sub).is_dir() for sub in ("images", "1st_manual", "mask"))


def load_drive(root: str | Path | None = None, *, split: Literal["all", "train", "val", "test"] = "all") -> SampleSet:
    """DRIVE from a local copy: RGB images (channels first), vessel masks, field-of-view regions.

    Parameters
    ----------
    root : str or Path, optional
        The DRIVE folder (holding ``training/``) or its parent; default ``$TOPOSEG_DATA/drive``.
    split : {"all", "train", "val", "test"}
        ``"all"``: the annotated training images (for cross-validation). With a ``test/``
        folder holding ``1st_manual/``, ``"test"`` is it and train/val split the training
        images 85/15 %; without, the training images are split 70/15/15 %
        (:func:`toposeg.data.split_names`).

    Returns
    -------
    SampleSet
        ``(3, 584, 565)`` float32 images, bool vessel masks, bool field-of-view regions; named
        by number (``"21"``).

    Raises
    ------
    FileNotFoundError
        If the layout is not found (the message shows it).
    DataFolderError
        Missing annotations or field-of-view masks, files of other sizes, an empty field of view.
    """
    folder = find_root("drive", root, _looks_right, LAYOUT)
    has_test = (folder / "test" / "1st_manual").is_dir()
    problems: list[str] = []
    if split == "test" and has_test:
        samples = _read_part(folder / "test", problems)
    else:
        samples = _read_part(folder / "training", problems)
    if problems:
        listing = "\n  ".join(problems)
        raise DataFolderError(f"{len(problems)} problem(s) in DRIVE folder {folder}:\n  {listing}")
    if split in ("train", "val") or (split == "test" and not has_test):
        names = [s.name for s in samples]
        keep = set(split_names(names, split, val_fraction=0.15) if has_test else split_names(names, split))
        samples = [s for s in samples if s.name in keep]
    return SampleSet.from_samples(samples, name="drive", split=split)


def _read_part(part: Path, problems: list[str]) -> list[Sample]:
    images = sorted((part / "images").glob("*.tif"))
    if not images:
        problems.append(f"{part / 'images'}: no NN_*.tif images ({LAYOUT})")
    samples = []
    for image_path in images:
        number = image_path.stem.split("_")[0]
        manual = part / "1st_manual" / f"{number}_manual1.gif"
        fov = part / "mask" / f"{image_path.stem}_mask.gif"
        missing = [p for p in (manual, fov) if not p.is_file()]
        if missing:
            problems += [f"{image_path}: {p} is missing" for p in missing]
            continue
        image = read_checked_image(image_path, problems)
        if image is None:
            continue
        shape = image.shape[-2:]
        mask = read_checked_mask(manual, shape, problems, foreground=FOREGROUND)
        region = read_checked_mask(fov, shape, problems, foreground=FOREGROUND)
        if mask is None or region is None:
            continue
        samples.append(Sample(image, mask & region, name=number, region=region))
    return samples


DRIVE = Benchmark(
    name="drive",
    foreground=FOREGROUND,
    connectivity=2,
    metric_options={"connectivity": 2},
    headline=("accuracy", "dice", "adapted_rand_error", "voi", "betti_error_1", "betti_error_0"),
    evaluation="every metric inside the field of view only; 8-connected vessels (connectivity 2); "
               "Betti error of dimension 1 on random 64x64 patches (the seeds')",
    layout=LAYOUT,
    load=load_drive,
)
