"""Datasets: built-in synthetic generators, real-geometry datasets, the user's folders, patches.

``get_dataset(name, split=...)`` gives a dataset by name; ``PatchDataset`` turns samples into
training patches (torch tensors). See ``docs/data.md``.
"""

from toposeg.data._cache import cache_dir
from toposeg.data._packages import REAL_PINS, MissingPackageError
from toposeg.data._sample import Sample, SampleSet
from toposeg.data.connectomics import (
    connectomics_labels,
    connectomics_membranes,
    connectomics_sheets_3d,
)
from toposeg.data.benchmark import Benchmark
from toposeg.data.drive import load_drive
from toposeg.data.folder import DataFolderError, load_folder, split_names
from toposeg.data.isbi12 import load_isbi12
from toposeg.data.masks import binary_mask
from toposeg.data.io import read_image
from toposeg.data.membranes import cell_sheets_3d, membranes_2d, membranes_from_labels
from toposeg.data.neurites import (
    Skeleton,
    hemibrain_neurites_3d,
    read_swc,
    render_skeleton_crop,
)
from toposeg.data.osm_roads import helsinki_road_geometry, helsinki_roads
from toposeg.data.registry import BENCHMARKS, DATASETS, DatasetInfo, get_dataset, register_dataset, sample_seed
from toposeg.data.roads import render_roads, road_network_2d
from toposeg.data.topomortar import load_topomortar
from toposeg.data.samples import curvilinear_likelihood
from toposeg.data.transforms import augment_pair, normalise_image
from toposeg.data.trees import tube_tree_3d, vessel_tree_2d
from toposeg.data.vessels_av import arteries_veins_2d


def __getattr__(name: str) -> object:
    # PatchDataset needs torch: imported on first use, so reading images stays light
    if name == "PatchDataset":
        from toposeg.data.patches import PatchDataset

        return PatchDataset
    raise AttributeError(f"module 'toposeg.data' has no attribute {name!r}")

__all__ = [
    "BENCHMARKS",
    "DATASETS",
    "Benchmark",
    "REAL_PINS",
    "DataFolderError",
    "DatasetInfo",
    "MissingPackageError",
    "PatchDataset",
    "Sample",
    "SampleSet",
    "Skeleton",
    "arteries_veins_2d",
    "augment_pair",
    "binary_mask",
    "cache_dir",
    "cell_sheets_3d",
    "connectomics_labels",
    "connectomics_membranes",
    "connectomics_sheets_3d",
    "curvilinear_likelihood",
    "get_dataset",
    "helsinki_road_geometry",
    "helsinki_roads",
    "hemibrain_neurites_3d",
    "load_drive",
    "load_folder",
    "load_isbi12",
    "load_topomortar",
    "membranes_2d",
    "membranes_from_labels",
    "normalise_image",
    "read_image",
    "register_dataset",
    "read_swc",
    "render_roads",
    "render_skeleton_crop",
    "road_network_2d",
    "sample_seed",
    "split_names",
    "tube_tree_3d",
    "vessel_tree_2d",
]
