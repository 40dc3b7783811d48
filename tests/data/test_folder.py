"""The folder loader: good folders load; every bad case gets a clear error naming the file."""

import imageio.v3 as iio
import numpy as np
import pytest
import tifffile

from toposeg.data import DataFolderError, get_dataset, load_folder, split_names


def make_folder(root, pairs):
    """pairs: {name: (image array, image suffix, mask array, mask suffix)}"""
    for sub in ("images", "masks"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for name, (image, image_suffix, mask, mask_suffix) in pairs.items():
        for sub, array, suffix in (("images", image, image_suffix), ("masks", mask, mask_suffix)):
            path = root / sub / f"{name}{suffix}"
            if suffix == ".npy":
                np.save(path, array)
            elif suffix in (".tif", ".tiff"):
                tifffile.imwrite(path, array)
            else:
                iio.imwrite(path, array)
    return root


def good_pair(shape=(16, 20), seed=0, suffix=".png"):
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 255, shape, dtype=np.uint8)
    mask = (rng.random(shape) < 0.3).astype(np.uint8) * 255
    return image, suffix, mask, suffix


def test_loads_png_tif_npy_2d_and_matches_by_name(tmp_path):
    a, b, c = good_pair(seed=1), good_pair(seed=2, suffix=".tif"), good_pair(seed=3, suffix=".npy")
    make_folder(tmp_path, {"a": a, "b": b, "c": c})
    data = load_folder(tmp_path)
    assert [s.name for s in data] == ["a", "b", "c"]
    for sample, (image, _, mask, _) in zip(data, (a, b, c), strict=True):
        np.testing.assert_array_equal(sample.image, image.astype(np.float32))
        np.testing.assert_array_equal(sample.mask, mask == 255)
        assert sample.mask.dtype == bool


def test_loads_3d_volumes(tmp_path):
    volume = np.random.default_rng(0).random((6, 8, 10)).astype(np.float32)
    make_folder(tmp_path, {"v": (volume, ".tif", (volume > 0.5).astype(np.uint8), ".npy")})
    sample = load_folder(tmp_path)[0]
    assert sample.ndim == 3
    np.testing.assert_array_equal(sample.mask, volume > 0.5)


def test_mask_with_0_1_values_and_bool(tmp_path):
    image = np.zeros((8, 8))
    make_folder(
        tmp_path,
        {
            "a": (image, ".npy", np.eye(8, dtype=np.uint8), ".png"),
            "b": (image, ".npy", np.eye(8, dtype=bool), ".npy"),
        },
    )
    for sample in load_folder(tmp_path):
        np.testing.assert_array_equal(sample.mask, np.eye(8, dtype=bool))


def test_split_subfolders(tmp_path):
    make_folder(tmp_path / "train", {"a": good_pair(), "b": good_pair(seed=1)})
    make_folder(tmp_path / "val", {"c": good_pair(seed=2)})
    assert [s.name for s in load_folder(tmp_path, split="train")] == ["a", "b"]
    assert [s.name for s in get_dataset("folder", root=tmp_path, split="val")] == ["c"]


def test_split_names_partition():
    names = [f"n{i}" for i in range(23)]
    parts = [split_names(names, s) for s in ("train", "val", "test")]
    assert sorted(sum(parts, [])) == sorted(names)
    assert all(len(p) >= 1 for p in parts)
    assert split_names(list(reversed(names)), "val") == parts[1]  # order does not matter


def problems_of(root, **kwargs):
    with pytest.raises(DataFolderError) as info:
        load_folder(root, **kwargs)
    return str(info.value)


def test_missing_mask_and_missing_image(tmp_path):
    make_folder(tmp_path, {"a": good_pair(), "b": good_pair()})
    (tmp_path / "masks" / "a.png").unlink()
    (tmp_path / "images" / "b.png").unlink()
    message = problems_of(tmp_path)
    assert "a.png: no mask with the same name" in message
    assert "b.png: no image with the same name" in message


def test_corrupt_png(tmp_path):
    make_folder(tmp_path, {"a": good_pair(), "b": good_pair()})
    (tmp_path / "images" / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    message = problems_of(tmp_path)
    assert "b.png: cannot read the file" in message and "1 problem" in message


def test_mismatched_sizes(tmp_path):
    image, _, mask, _ = good_pair((16, 20))
    make_folder(tmp_path, {"a": (image, ".png", mask[:, :19], ".png")})
    assert "masks/a.png: shape (16, 19) differs from its image's (16, 20)" in problems_of(tmp_path)


@pytest.mark.parametrize("values", [[0, 1, 2], [0, 128, 255], [0.0, 0.5]])
def test_non_binary_or_out_of_range_mask(tmp_path, values):
    mask = np.resize(np.array(values), (8, 8))
    make_folder(tmp_path, {"a": (np.zeros((8, 8)), ".npy", mask, ".npy")})
    assert "masks/a.npy: mask must be binary (0/1, 0/255 or bool), found values" in problems_of(tmp_path)


def test_non_finite_image_and_bad_ndim(tmp_path):
    image = np.zeros((8, 8))
    image[1, 1] = np.nan
    make_folder(
        tmp_path,
        {
            "a": (image, ".npy", np.zeros((8, 8), bool), ".npy"),
            "b": (np.zeros(8), ".npy", np.zeros(8, bool), ".npy"),
        },
    )
    message = problems_of(tmp_path)
    assert "images/a.npy: contains NaN" in message
    assert "images/b.npy: must be a 2D image or 3D volume" in message


def test_unsupported_file_duplicate_names_and_mixed_dimensions(tmp_path):
    make_folder(
        tmp_path, {"a": good_pair(), "v": (np.zeros((3, 8, 8)), ".npy", np.zeros((3, 8, 8), bool), ".npy")}
    )
    (tmp_path / "images" / "notes.txt").write_text("hello")
    np.save(tmp_path / "images" / "a.npy", np.zeros((16, 20)))
    (tmp_path / "images" / ".hidden").write_text("ignored")
    message = problems_of(tmp_path)
    assert "notes.txt: unsupported file type" in message
    assert "a.png: same name as a.npy" in message
    assert "images mix 2D and 3D" in message
    assert ".hidden" not in message


def test_missing_folders(tmp_path):
    with pytest.raises(FileNotFoundError, match="data folder not found"):
        load_folder(tmp_path / "nowhere")
    (tmp_path / "images").mkdir()
    with pytest.raises(FileNotFoundError, match="masks not found"):
        load_folder(tmp_path)
    (tmp_path / "masks").mkdir()
    assert "no image files" in problems_of(tmp_path)
