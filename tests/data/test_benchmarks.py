"""The named real data sets read from a path: layouts, label conventions, regions, bad layouts.

Tests on the distributed copies skip when ``../shared/data`` (or ``$TOPOSEG_DATA``) is absent;
the ISBI TIFF-stack layout and the errors are tested on files the tests write themselves.
"""

import imageio.v3 as iio
import numpy as np
import pytest
import tifffile
from scipy import ndimage

from tests.data._real import needs
from toposeg.data import BENCHMARKS, DataFolderError, get_dataset, load_drive, load_isbi12, load_topomortar


def test_isbi12_png_layout_membranes_are_label_zero():
    root = needs("isbi12")
    data = load_isbi12(root)
    assert len(data) == 30 and data.ndim == 2
    first = data[0]
    assert first.name == "00" and first.image.shape == (512, 512) and first.channels == 1
    raw = iio.imread(root / "isbi12" / "masks" / "00.png")
    assert np.array_equal(first.mask, raw == 0)  # membranes, the thin structure, are the foreground
    fractions = [s.mask.mean() for s in data]
    assert 0.15 < np.mean(fractions) < 0.3  # membranes are a minority of the pixels
    splits = [set(s.name for s in load_isbi12(root, split=p)) for p in ("train", "val", "test")]
    assert [len(s) for s in splits] == [22, 4, 4] and not (splits[0] & splits[1] or splits[0] & splits[2])


def test_isbi12_stack_layout_equals_png_layout(tmp_path):
    rng = np.random.default_rng(0)
    labels = np.where(rng.random((3, 40, 48)) < 0.2, 0, 255).astype(np.uint8)
    volume = rng.integers(0, 256, (3, 40, 48), dtype=np.uint8)
    tifffile.imwrite(tmp_path / "train-volume.tif", volume, photometric="minisblack")
    tifffile.imwrite(tmp_path / "train-labels.tif", labels, photometric="minisblack")
    stacks = load_isbi12(tmp_path)
    (tmp_path / "png" / "images").mkdir(parents=True)
    (tmp_path / "png" / "masks").mkdir()
    for i in range(3):
        iio.imwrite(tmp_path / "png" / "images" / f"{i:02d}.png", volume[i])
        iio.imwrite(tmp_path / "png" / "masks" / f"{i:02d}.png", labels[i])
    pngs = load_isbi12(tmp_path / "png")
    assert [s.name for s in stacks] == [s.name for s in pngs] == ["00", "01", "02"]
    for a, b, i in zip(stacks, pngs, range(3), strict=True):
        assert np.array_equal(a.image, volume[i]) and np.array_equal(a.image, b.image)
        assert np.array_equal(a.mask, labels[i] == 0) and np.array_equal(a.mask, b.mask)


def test_drive_rgb_field_of_view_and_connectivity():
    root = needs("drive")
    data = load_drive(root)
    assert len(data) == 20
    sample = data[0]
    assert sample.name == "21" and sample.image.shape == (3, 584, 565) and sample.channels == 3
    assert sample.region is not None and 0.6 < sample.region.mean() < 0.8  # the round field of view
    assert not (sample.mask & ~sample.region).any()
    assert 0.05 < sample.mask.mean() < 0.15
    # the 1-px vessels are drawn 8-connected: many more 4-connected components than 8-connected
    four = np.mean([ndimage.label(s.mask)[1] for s in data])
    eight = np.mean([ndimage.label(s.mask, np.ones((3, 3)))[1] for s in data])
    assert four > 100 * eight / 10 and eight < 20
    assert BENCHMARKS["drive"].connectivity == 2 and BENCHMARKS["drive"].metric_options["connectivity"] == 2


def test_topomortar_fixed_splits_and_label_kinds():
    root = needs("topomortar")
    train = load_topomortar(root, split="train")
    val = load_topomortar(root, split="val")
    test = get_dataset("topomortar", root=root, split="test")
    assert (len(train), len(val), len(test)) == (50, 20, 50)
    assert train[0].name == "001" and val[0].name == "051" and test[0].name == "071"
    assert train[0].image.shape == (3, 512, 512) and train[0].mask.shape == (512, 512)
    noisy = load_topomortar(root, split="train", labels="noisy")
    assert not np.array_equal(noisy[0].mask, train[0].mask)
    assert 0.1 < np.mean([s.mask.mean() for s in test]) < 0.5
    # betti_numbers.csv: the test labels' Betti numbers with an 8-connected foreground
    from toposeg.persistence import betti_numbers

    rows = {line.split(",")[0]: line.split(",") for line in
            (root / "topomortar" / "betti_numbers.csv").read_text().splitlines()[1:]}
    for sample in test[:3]:
        b0, b1 = betti_numbers(sample.mask, connectivity=BENCHMARKS["topomortar"].connectivity)
        assert (b0, b1) == (int(rows[sample.name][1]), int(rows[sample.name][2]))


def test_toposeg_data_environment_variable(tmp_path, monkeypatch):
    labels = np.full((2, 16, 16), 255, np.uint8)
    labels[:, 8] = 0
    (tmp_path / "isbi12").mkdir()
    tifffile.imwrite(tmp_path / "isbi12" / "train-volume.tif", labels)
    tifffile.imwrite(tmp_path / "isbi12" / "train-labels.tif", labels)
    monkeypatch.setenv("TOPOSEG_DATA", str(tmp_path))
    assert len(get_dataset("isbi12", split="all")) == 2
    monkeypatch.delenv("TOPOSEG_DATA")
    with pytest.raises(FileNotFoundError, match="TOPOSEG_DATA"):
        get_dataset("isbi12", split="all")


@pytest.mark.parametrize("name", ["isbi12", "drive", "topomortar"])
def test_wrong_layout_names_the_expected_one(tmp_path, name):
    (tmp_path / "images").mkdir()  # neither layout
    (tmp_path / "whatever.png").write_bytes(b"")
    if name == "isbi12":
        (tmp_path / "images").rmdir()
    with pytest.raises(FileNotFoundError, match="expected layout") as error:
        get_dataset(name, root=tmp_path, split="all" if name != "topomortar" else "train")
    assert str(tmp_path) in str(error.value)


def test_isbi12_stack_problems_name_the_file(tmp_path):
    tifffile.imwrite(tmp_path / "train-volume.tif", np.zeros((2, 16, 16), np.uint8))
    tifffile.imwrite(tmp_path / "train-labels.tif", np.zeros((2, 16, 20), np.uint8))
    with pytest.raises(DataFolderError, match="train-labels.tif: shape"):
        load_isbi12(tmp_path)
    tifffile.imwrite(tmp_path / "train-labels.tif", np.full((2, 16, 16), 255, np.uint8))  # no label 0
    with pytest.raises(DataFolderError, match="train-labels.tif: foreground value 0 does not occur"):
        load_isbi12(tmp_path)
    volume = np.zeros((2, 16, 16), np.float32)
    volume[1, 3, 3] = np.nan
    tifffile.imwrite(tmp_path / "train-volume.tif", volume)
    with pytest.raises(DataFolderError, match="train-volume.tif: contains NaN"):
        load_isbi12(tmp_path)


def _drive_copy(tmp_path, fov):
    part = tmp_path / "training"
    for sub in ("images", "1st_manual", "mask"):
        (part / sub).mkdir(parents=True)
    image = np.random.default_rng(0).integers(0, 255, (20, 24, 3), dtype=np.uint8)
    tifffile.imwrite(part / "images" / "21_training.tif", image, photometric="rgb")
    vessels = np.zeros((20, 24), np.uint8)
    vessels[10, :] = 255
    iio.imwrite(part / "1st_manual" / "21_manual1.gif", vessels)
    iio.imwrite(part / "mask" / "21_training_mask.gif", fov)
    return tmp_path


def test_drive_empty_field_of_view_is_refused(tmp_path):
    root = _drive_copy(tmp_path, np.zeros((20, 24), np.uint8))
    with pytest.raises(DataFolderError, match="21_training_mask.gif: foreground value 255 does not occur"):
        load_drive(root)


def test_drive_copy_written_by_the_test(tmp_path):
    fov = np.zeros((20, 24), np.uint8)
    fov[2:18, 2:22] = 255
    data = load_drive(_drive_copy(tmp_path, fov))
    sample = data[0]
    assert sample.image.shape == (3, 20, 24) and sample.region.sum() == 16 * 20
    assert sample.mask.sum() == 20  # the vessel's pixels inside the field of view only (columns 2..21)
