"""Real neurite geometry: the five hemibrain DA1 projection neurons shipped with navis 1.12.0
(SWC skeletons with per-node radii, units of 8 nm; Janelia hemibrain, Scheffer et al., eLife
2020), rendered into light-microscopy-like volumes with exact masks.

Each sample is a crop centred on a random node of a randomly rotated neuron, at
``voxel_size`` SWC units per voxel: every skeleton edge becomes a capsule of its node's radius
(at least 0.9 voxel, so each branch stays 6-connected); the image has an anisotropic
point-spread function (axis 0 the optical axis), background autofluorescence, dim stretches
(dropouts) and Poisson shot noise. Neurons are split by file name: three for training, one
for validation, one for testing. Only the data files of navis are read (navis is not imported).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage
from scipy.spatial.transform import Rotation

from toposeg.data._cache import cached_arrays
from toposeg.data._packages import package_folder
from toposeg.data._render import (
    MIN_CONNECTED_RADIUS,
    finish,
    poisson_noise,
    random_walk_stretches,
    rasterise_capsules,
    smooth_field,
)
from toposeg.data._sample import Sample, SampleSet

__all__ = ["Skeleton", "hemibrain_neurites_3d", "read_swc", "render_skeleton_crop"]

NEURON_SPLITS = {"train": (0, 1, 2), "val": (3,), "test": (4,)}
_SPLIT_CODE = {"train": 0, "val": 1, "test": 2}
_RENDER_VERSION = 2


@dataclass(frozen=True)
class Skeleton:
    """A neuron skeleton: ``nodes`` (n, 3) x/y/z, ``radii`` (n,), ``parent`` (n,) index or -1."""

    nodes: np.ndarray
    radii: np.ndarray
    parent: np.ndarray
    name: str = ""


def read_swc(path: str | Path) -> Skeleton:
    """Read an SWC file (columns: id, type, x, y, z, radius, parent id; ``#`` comments).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from toposeg.data import read_swc
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "two.swc"
    >>> _ = path.write_text("# a stick\\n1 1 0 0 0 2.0 -1\\n2 0 10 0 0 1.0 1\\n")
    >>> read_swc(path).parent
    array([-1,  0])
    """
    path = Path(path)
    try:
        table = np.loadtxt(path, comments="#", ndmin=2)
    except ValueError as error:
        raise ValueError(f"{path}: not an SWC file ({error})") from error
    if table.shape[1] < 7 or len(table) == 0:
        raise ValueError(f"{path}: an SWC file needs 7 columns and at least one node")
    ids = table[:, 0].astype(np.int64)
    parent_ids = table[:, 6].astype(np.int64)
    position = {node: index for index, node in enumerate(ids.tolist())}
    missing = [p for p in parent_ids.tolist() if p != -1 and p not in position]
    if missing:
        raise ValueError(f"{path}: parent ids {missing[:5]} are not node ids")
    parent = np.array([position.get(p, -1) for p in parent_ids.tolist()], dtype=np.int64)
    return Skeleton(table[:, 2:5].copy(), table[:, 5].copy(), parent, name=path.stem)


def hemibrain_skeletons() -> list[Skeleton]:
    """The five navis example neurons, sorted by file name (needs navis installed)."""
    folder = package_folder("navis", "navis", "hemibrain_neurites_3d") / "data" / "swc"
    files = sorted(folder.glob("*.swc"))
    if len(files) != 5:
        raise RuntimeError(f"{folder}: expected the 5 navis example neurons, found {len(files)}")
    return [read_swc(f) for f in files]


def render_skeleton_crop(
    rng: np.random.Generator,
    skeleton: Skeleton,
    shape: tuple[int, int, int],
    *,
    voxel_size: float,
    psf_sigma: tuple[float, float, float] = (2.0, 0.8, 0.8),
    photons: float = 40.0,
) -> Sample:
    """A crop of a randomly rotated skeleton around a random node (see the module notes)."""
    centre = skeleton.nodes[rng.integers(len(skeleton.nodes))]
    rotation = Rotation.random(random_state=rng).as_matrix()
    points = (skeleton.nodes - centre) @ rotation.T / voxel_size + (np.array(shape) - 1) / 2
    radii = np.maximum(skeleton.radii / voxel_size, MIN_CONNECTED_RADIUS[3])
    child = np.flatnonzero(skeleton.parent >= 0)
    starts, ends = points[skeleton.parent[child]], points[child]
    reach = radii[child, None] + 2
    near = np.all(
        (np.maximum(starts, ends) + reach >= 0) & (np.minimum(starts, ends) - reach < shape), axis=1
    )
    contrast = rng.uniform(0.5, 0.8) * np.ones(len(skeleton.parent))
    dim = random_walk_stretches(rng, skeleton.parent, max(1, len(skeleton.parent) // 100), 12)
    contrast[dim] *= rng.uniform(0.05, 0.3)
    chosen = child[near]
    mask, signal = rasterise_capsules(
        shape, points[skeleton.parent[chosen]], points[chosen], radii[chosen], radii[chosen], contrast[chosen]
    )
    background = smooth_field(rng, shape, 8.0, 0.04, 0.15)
    image = ndimage.gaussian_filter(background + signal, psf_sigma)
    return Sample(finish(poisson_noise(rng, image, photons)), mask, name=skeleton.name)


def hemibrain_neurites_3d(
    *,
    split: str = "train",
    count: int = 16,
    shape: tuple[int, int, int] = (48, 48, 48),
    seed: int = 0,
    voxel_size: float = 40.0,
) -> SampleSet:
    """3D neurite samples rendered from the navis hemibrain neurons (cached).

    Parameters
    ----------
    split : {"train", "val", "test"}
        Which neurons (3 / 1 / 1).
    count : int
        Number of samples.
    shape : (int, int, int)
        Crop shape in voxels.
    seed : int
        Random seed.
    voxel_size : float
        Voxel side in SWC units (8 nm): 40 gives 320 nm voxels, where most neurites are
        about one voxel thick.

    Raises
    ------
    MissingPackageError
        If navis is not installed.

    Examples
    --------
    Needs ``pip install 'toposeg[real]'`` (tested in ``tests/data/test_real.py``, marked slow)::

        from toposeg.data import hemibrain_neurites_3d
        data = hemibrain_neurites_3d(split="test", count=2)
        data[0].mask.shape  # (48, 48, 48)
    """
    if split not in NEURON_SPLITS:
        raise ValueError(f"split must be 'train', 'val' or 'test', got {split!r}")
    shape = tuple(int(s) for s in shape)
    if len(shape) != 3 or min(shape) < 8:
        raise ValueError(f"hemibrain_neurites_3d: shape must be 3D with sizes >= 8, got {shape}")
    if count < 1 or voxel_size <= 0:
        raise ValueError(f"count must be >= 1 and voxel_size > 0, got {count} and {voxel_size}")
    skeletons = hemibrain_skeletons()
    chosen = [skeletons[i] for i in NEURON_SPLITS[split]]
    size = "x".join(map(str, shape))
    key = f"hemibrain_neurites_3d_v{_RENDER_VERSION}_{split}_{count}_{size}_{seed}_{voxel_size:g}"

    def build() -> dict[str, np.ndarray]:
        images, masks = [], []
        for index in range(count):
            rng = np.random.default_rng([seed, _SPLIT_CODE[split], index])
            sample = render_skeleton_crop(rng, chosen[index % len(chosen)], shape, voxel_size=voxel_size)
            images.append(sample.image)
            masks.append(sample.mask)
        return {"images": np.stack(images), "masks": np.stack(masks)}

    arrays = cached_arrays(key, build)
    samples = [
        Sample(arrays["images"][i], arrays["masks"][i], name=f"{chosen[i % len(chosen)].name}[{i}]")
        for i in range(count)
    ]
    return SampleSet.from_samples(samples, name="hemibrain_neurites_3d", split=split)
