"""Real membrane geometry: the 512^3 connectomics neuron segmentation shipped in the source
archive of fill-voids 2.1.2 (LGPL-3.0-or-later, by William Silversmith; 2524 labels).

The archive is fetched once with ``pip download --no-deps --no-binary fill-voids
fill-voids==2.1.2`` into the cache folder and decoded with crackle-codec. The volume is
transposed so that its section axis (axis 2 in the file) comes first. Samples are crops whose
membranes are the label boundaries (:func:`toposeg.data.membranes_from_labels`): 2D crops of
sections (``connectomics_membranes``) and 3D crops (``connectomics_sheets_3d``). The sections
are split into train (0-383), val (392-447) and test (456-511), with gaps between the splits.
Rendered samples are cached (see :func:`toposeg.data.cache_dir`).
"""

from __future__ import annotations

import gzip
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np

from toposeg.data._cache import cache_dir, cached_arrays, write_atomically
from toposeg.data._packages import FILL_VOIDS_VERSION, require
from toposeg.data._sample import Sample, SampleSet
from toposeg.data.membranes import membranes_from_labels

__all__ = ["connectomics_labels", "connectomics_membranes", "connectomics_sheets_3d"]

ARCHIVE_NAME = f"fill_voids-{FILL_VOIDS_VERSION}.tar.gz"
MEMBER = f"fill_voids-{FILL_VOIDS_VERSION}/test_data.npy.ckl.gz"
SECTIONS = {"train": (0, 384), "val": (392, 448), "test": (456, 512)}
_SPLIT_CODE = {"train": 0, "val": 1, "test": 2}
_RENDER_VERSION = 1  # bump when the rendering changes: the cache keys include it


def connectomics_labels(*, archive: str | Path | None = None) -> np.ndarray:
    """The ``(512, 512, 512)`` uint32 label volume, section axis first.

    Parameters
    ----------
    archive : str or Path, optional
        The fill-voids 2.1.2 source archive; by default the cached copy, fetched with pip if
        absent.

    Raises
    ------
    MissingPackageError
        If crackle-codec is not installed.
    RuntimeError
        If the archive cannot be fetched (the message gives the pip command to run by hand).
    """
    crackle = require("crackle", "crackle-codec", "connectomics")
    path = Path(archive) if archive is not None else fetch_fill_voids_archive()
    try:
        with tarfile.open(path, "r:gz") as tar:
            stream = tar.extractfile(MEMBER)
            if stream is None:
                raise KeyError(MEMBER)
            data = gzip.decompress(stream.read())
    except (OSError, KeyError, tarfile.TarError) as error:
        raise ValueError(f"{path}: not a fill-voids {FILL_VOIDS_VERSION} source archive ({error})") from error
    return np.ascontiguousarray(np.transpose(crackle.decompress(data), (2, 0, 1)))


def fetch_fill_voids_archive() -> Path:
    """Path of the cached fill-voids source archive, downloaded with pip on first use."""
    target = cache_dir() / ARCHIVE_NAME
    if target.is_file():
        return target
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--no-binary",
        "fill-voids",
        f"fill-voids=={FILL_VOIDS_VERSION}",
        "--dest",
    ]
    with tempfile.TemporaryDirectory() as folder:
        result = subprocess.run([*command, folder], capture_output=True, text=True, check=False)
        fetched = Path(folder) / ARCHIVE_NAME
        if result.returncode != 0 or not fetched.is_file():
            shown = " ".join(command[2:]) + " <folder>"
            raise RuntimeError(
                f"could not fetch the fill-voids {FILL_VOIDS_VERSION} source archive with pip "
                f"({result.stderr.strip()[-300:]}); run 'pip {shown}' and pass archive=<the .tar.gz>"
            )
        write_atomically(target, lambda temporary: temporary.write_bytes(fetched.read_bytes()))
    return target


def connectomics_membranes(
    *,
    split: str = "train",
    count: int = 32,
    shape: tuple[int, int] = (128, 128),
    seed: int = 0,
    archive: str | Path | None = None,
) -> SampleSet:
    """2D membrane samples: crops of sections of the connectomics volume, rendered EM-like.

    Examples
    --------
    Needs ``pip install 'toposeg[real]'``; the first call fetches the archive (tested in
    ``tests/data/test_real.py``, marked slow)::

        from toposeg.data import connectomics_membranes
        data = connectomics_membranes(split="val", count=2)
        data[0].image.shape  # (128, 128)
    """
    return _crops("connectomics_membranes", split, count, tuple(shape), seed, archive, ndim=2)


def connectomics_sheets_3d(
    *,
    split: str = "train",
    count: int = 16,
    shape: tuple[int, int, int] = (48, 48, 48),
    seed: int = 0,
    archive: str | Path | None = None,
) -> SampleSet:
    """3D membrane-sheet samples: crops of the connectomics volume, rendered EM-like."""
    return _crops("connectomics_sheets_3d", split, count, tuple(shape), seed, archive, ndim=3)


def _crops(
    name: str,
    split: str,
    count: int,
    shape: tuple[int, ...],
    seed: int,
    archive: str | Path | None,
    *,
    ndim: int,
) -> SampleSet:
    if split not in SECTIONS:
        raise ValueError(f"split must be 'train', 'val' or 'test', got {split!r}")
    if len(shape) != ndim or min(shape) < 16 or max(shape) > 500:
        raise ValueError(f"{name}: shape must be {ndim}D with sizes in [16, 500], got {shape}")
    low, high = SECTIONS[split]
    if ndim == 3 and shape[0] + 2 > high - low:
        raise ValueError(f"{name}: {shape[0]} sections do not fit the {split} split ({high - low - 2})")
    if count < 1:
        raise ValueError(f"count must be >= 1, got {count}")
    key = f"{name}_v{_RENDER_VERSION}_{split}_{count}_{'x'.join(map(str, shape))}_{seed}"

    def build() -> dict[str, np.ndarray]:
        labels = connectomics_labels(archive=archive)
        images, masks = [], []
        for index in range(count):
            rng = np.random.default_rng([seed, _SPLIT_CODE[split], index])
            sample = _render_crop(rng, labels, shape, low, high)
            images.append(sample.image)
            masks.append(sample.mask)
        return {"images": np.stack(images), "masks": np.stack(masks)}

    arrays = cached_arrays(key, build)
    samples = [
        Sample(arrays["images"][i], arrays["masks"][i], name=f"{name}[{split}][{i}]") for i in range(count)
    ]
    return SampleSet.from_samples(samples, name=name, split=split)


def _render_crop(
    rng: np.random.Generator, labels: np.ndarray, shape: tuple[int, ...], low: int, high: int
) -> Sample:
    """A crop with enough membrane (one ring wider so the mask at its border is exact)."""
    padded = tuple(s + 2 for s in shape)
    best = None
    for _ in range(20):
        if len(shape) == 2:
            z = int(rng.integers(low, high))
            y, x = (int(rng.integers(0, n - p + 1)) for n, p in zip(labels.shape[1:], padded, strict=True))
            crop = labels[z, y : y + padded[0], x : x + padded[1]]
        else:
            z, y, x = (
                int(rng.integers(a, b - p + 1))
                for a, b, p in zip((low, 0, 0), (high, *labels.shape[1:]), padded, strict=True)
            )
            crop = labels[z : z + padded[0], y : y + padded[1], x : x + padded[2]]
        cells = len(np.unique(crop))
        if best is None or cells > best[0]:
            best = (cells, crop)
        if cells >= 0.25 * np.prod(shape) ** (1 / len(shape)):
            break
    crop = best[1]
    blur = 0.8 if len(shape) == 2 else (1.2, 0.6, 0.6)
    sample = membranes_from_labels(crop, seed=int(rng.integers(2**63)), cell_size=30.0, blur=blur)
    inner = tuple(slice(1, -1) for _ in shape)
    return Sample(sample.image[inner], sample.mask[inner])
