"""Folder options of the user's own data: colour, JPEG, foreground value, inverted masks, region
masks, a validation fraction, and the clear errors of bad files (issue fixes 3 and 4)."""

import imageio.v3 as iio
import numpy as np
import pytest

from tests.data.test_folder import good_pair as _good_pair
from tests.data.test_folder import make_folder
from toposeg.data import DataFolderError, PatchDataset, Sample, get_dataset, load_folder, split_names


def good_pair(seed=0):
    image, _, mask, _ = _good_pair(seed=seed)
    return image, mask


def rgb_folder(root, count=3, shape=(16, 20), mask_suffix=".png"):
    rng = np.random.default_rng(1)
    pairs = {}
    for i in range(count):
        image = rng.integers(0, 255, (*shape, 3), dtype=np.uint8)
        mask = (rng.random(shape) < 0.3).astype(np.uint8) * 255
        pairs[f"c{i}"] = (image, ".png", mask, mask_suffix)
    return make_folder(root, pairs), pairs


def test_colour_images_keep_their_channels(tmp_path):
    root, pairs = rgb_folder(tmp_path)
    data = load_folder(root)
    sample = data[0]
    assert sample.image.shape == (3, 16, 20) and sample.channels == 3 and sample.ndim == 2
    assert np.array_equal(sample.image, np.moveaxis(pairs["c0"][0], -1, 0).astype(np.float32))
    image, mask = PatchDataset(data, patch_size=(8, 8))[0]
    assert tuple(image.shape) == (3, 8, 8) and tuple(mask.shape) == (1, 8, 8)


def test_grey_saved_as_rgb_is_grey_and_jpeg_is_read(tmp_path):
    image, mask = good_pair()
    grey_rgb = np.repeat(image[..., None], 3, axis=-1)
    make_folder(tmp_path, {"a": (grey_rgb, ".png", mask, ".png"), "b": (grey_rgb, ".jpg", mask, ".png")})
    data = load_folder(tmp_path)
    assert data[0].image.shape == (16, 20) and np.array_equal(data[0].image, image)
    assert data[1].channels in (1, 3) and data[1].shape == (16, 20)  # JPEG: lossy, but read


def test_colour_mask_is_refused_naming_the_file(tmp_path):
    image, _ = good_pair()
    mask = np.zeros((16, 20, 3), np.uint8)
    mask[2:5, :, 0] = 255  # red strokes: a colour annotation, not labels
    make_folder(tmp_path, {"a": (image, ".png", mask, ".png")})
    with pytest.raises(DataFolderError, match=r"masks/a.png: a colour mask"):
        load_folder(tmp_path)


def test_foreground_value_and_invert(tmp_path):
    image, _ = good_pair()
    labels = np.full((16, 20), 255, np.uint8)
    labels[5, :] = 0  # a membrane drawn black on white cells
    labels[9, :] = 128
    make_folder(tmp_path, {"a": (image, ".png", labels, ".png")})
    with pytest.raises(DataFolderError, match="mask must be binary .* choose the structure's value with foreground="):
        load_folder(tmp_path)
    assert np.array_equal(load_folder(tmp_path, foreground=0)[0].mask, labels == 0)
    assert np.array_equal(load_folder(tmp_path, foreground=0, invert=True)[0].mask, labels != 0)
    with pytest.raises(DataFolderError, match="masks/a.png: foreground value 7 does not occur"):
        load_folder(tmp_path, foreground=7)
    binary = (labels == 0).astype(np.uint8) * 255
    iio.imwrite(tmp_path / "masks" / "a.png", binary)
    assert np.array_equal(load_folder(tmp_path, invert=True)[0].mask, labels != 0)


def test_region_masks_are_read_and_checked(tmp_path):
    image, mask = good_pair()
    make_folder(tmp_path, {"a": (image, ".png", mask, ".png"), "b": (image, ".png", mask, ".png")})
    (tmp_path / "regions").mkdir()
    region = np.zeros((16, 20), np.uint8)
    region[2:14, 3:17] = 255
    iio.imwrite(tmp_path / "regions" / "a.png", region)
    with pytest.raises(DataFolderError, match="images/b.png: no region mask with the same name"):
        load_folder(tmp_path)
    iio.imwrite(tmp_path / "regions" / "b.png", np.zeros((16, 20), np.uint8))
    with pytest.raises(DataFolderError, match="regions/b.png: .*does not occur|regions/b.png: the region is empty"):
        load_folder(tmp_path)
    iio.imwrite(tmp_path / "regions" / "b.png", region)
    data = load_folder(tmp_path)
    assert np.array_equal(data[0].region, region > 0)
    image_t, mask_t, region_t = PatchDataset(data, patch_size=(8, 8), augment="flip_rotate")[1]
    assert tuple(region_t.shape) == (1, 8, 8) and set(np.unique(region_t.numpy())) <= {0.0, 1.0}


def test_patches_carry_the_region_through_symmetries():
    rng = np.random.default_rng(0)
    image = rng.random((12, 12)).astype(np.float32)
    region = np.zeros((12, 12), bool)
    region[:, :5] = True
    sample = Sample(image, image > 0.5, region=region)
    patches = PatchDataset([sample], patch_size=None, augment="flip_rotate", normalise="none", patches_per_epoch=8)
    for i in range(8):  # each patch: the same symmetry applied to image, mask and region
        im, m, r = (t.numpy()[0] for t in patches[i])
        assert np.array_equal(m > 0.5, im > 0.5)
        assert r.sum() == region.sum()
        assert np.array_equal(r > 0.5, np.isin(im, image[region]))


def test_missing_val_folder_is_split_off_train(tmp_path):
    pairs = {f"p{i}": _good_pair(seed=i) for i in range(10)}
    make_folder(tmp_path / "train", pairs)
    make_folder(tmp_path / "test", {"q": _good_pair(seed=20)})
    train = {s.name for s in load_folder(tmp_path, split="train")}
    val = {s.name for s in load_folder(tmp_path, split="val")}
    assert len(val) == 2 and not train & val and train | val == set(pairs)  # 15 % of 10, rounded
    val = {s.name for s in load_folder(tmp_path, split="val", val_fraction=0.3)}
    assert len(val) == 3
    assert {s.name for s in load_folder(tmp_path, split="all")} == {f"train/{n}" for n in pairs} | {"test/q"}
    (tmp_path / "test" / "masks" / "q.png").unlink()
    (tmp_path / "test" / "images" / "q.png").unlink()
    for sub in ("images", "masks"):
        (tmp_path / "test" / sub).rmdir()
    (tmp_path / "test").rmdir()
    with pytest.raises(FileNotFoundError, match="has no test split"):
        load_folder(tmp_path, split="test")


def test_val_fraction_without_split_folders():
    names = [f"n{i}" for i in range(10)]
    train, val, test = (split_names(names, s, val_fraction=0.2) for s in ("train", "val", "test"))
    assert (len(train), len(val), test) == (8, 2, [])
    assert sorted(train + val) == names


def test_get_dataset_passes_folder_options(tmp_path):
    image, _ = good_pair()
    labels = np.where(np.arange(20)[None, :] % 4 == 0, 0, 255).astype(np.uint8).repeat(16, 0)
    make_folder(tmp_path, {"a": (image, ".png", labels, ".png")})
    data = get_dataset("folder", root=tmp_path, split="all", foreground=0)
    assert np.array_equal(data[0].mask, labels == 0)
