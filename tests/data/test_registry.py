"""The dataset registry: names, splits with disjoint seeds, determinism, errors."""

import numpy as np
import pytest

from toposeg.data import DATASETS, SampleSet, get_dataset, sample_seed

SYNTHETIC = [name for name, info in DATASETS.items() if info.kind == "synthetic"]


@pytest.mark.parametrize("name", SYNTHETIC)
def test_synthetic_datasets_by_name(name):
    shape = (32, 32) if DATASETS[name].ndim == 2 else (20, 20, 20)
    data = get_dataset(name, split="val", count=2, shape=shape, seed=3)
    again = get_dataset(name, split="val", count=2, shape=shape, seed=3)
    assert isinstance(data, SampleSet) and len(data) == 2 and data.ndim == len(shape)
    for a, b in zip(data, again, strict=True):
        labels = DATASETS[name].classes
        assert a.image.shape == shape and a.mask.dtype == (bool if labels == 1 else np.uint8)
        assert labels == 1 or set(np.unique(a.mask)) <= set(range(labels))
        np.testing.assert_array_equal(a.image, b.image)
        np.testing.assert_array_equal(a.mask, b.mask)
    test = get_dataset(name, split="test", count=1, shape=shape, seed=3)
    assert not np.array_equal(test[0].image, data[0].image)


def test_split_seeds_are_disjoint():
    seeds = {split: {sample_seed(0, split, i) for i in range(500)} for split in ("train", "val", "test")}
    assert all(len(s) == 500 for s in seeds.values())
    assert (
        not (seeds["train"] & seeds["val"])
        and not (seeds["train"] & seeds["test"])
        and not (seeds["val"] & seeds["test"])
    )


def test_default_counts_and_options():
    data = get_dataset("membranes", shape=(32, 32), cell_size=10.0)
    assert len(data) == 32 and data.split == "train"
    assert len(get_dataset("membranes", split="test", shape=(32, 32))) == 8


def test_errors():
    with pytest.raises(ValueError, match="unknown dataset 'veins'; choose from vessels"):
        get_dataset("veins")
    with pytest.raises(ValueError, match="split must be"):
        get_dataset("vessels", split="validation")
    with pytest.raises(ValueError, match="is 2D: shape must have 2 sizes"):
        get_dataset("vessels", shape=(16, 16, 16))
    with pytest.raises(TypeError, match="cell_size"):
        get_dataset("vessels", shape=(32, 32), cell_size=3)
    with pytest.raises(ValueError, match="needs root="):
        get_dataset("folder")
    with pytest.raises(ValueError, match="only for dataset 'folder'"):
        get_dataset("vessels", root=".")
    with pytest.raises(ValueError, match="count must be"):
        get_dataset("vessels", count=0)
