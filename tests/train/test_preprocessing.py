"""Topological preprocessing in training and prediction: the config option, the disk cache,
the same processing for every split and for ``toposeg predict``, ``toposeg preprocess``."""

from __future__ import annotations

import imageio.v3 as iio
import numpy as np
import pytest
import tifffile

from tests.train._tiny import TINY
from toposeg.cli import main
from toposeg.data import get_dataset
from toposeg.preprocess import topological_preprocess
from toposeg.train import TrainConfig, load_checkpoint, load_split, model_from_checkpoint, train
from toposeg.train.preprocessing import preprocess_image, preprocess_samples


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("TOPOSEG_CACHE_DIR", str(folder))
    return folder / "preprocess"


def test_config_validates_and_normalises_the_options():
    config = TrainConfig(preprocess="objects=bright")
    assert config.preprocess.startswith("objects=bright,smoothing=3,border=2")
    assert TrainConfig.from_dict(config.to_dict()) == config
    assert TrainConfig().preprocess is None
    with pytest.raises(ValueError, match="preprocess option 'colour=red'"):
        TrainConfig(preprocess="colour=red")


def test_cache_is_written_once_and_read_back(cache):
    image = np.random.default_rng(0).random((40, 40))
    first = preprocess_image(image, "objects=bright")
    files = list(cache.iterdir())
    assert len(files) == 1
    expected = topological_preprocess(image, objects="bright").image.astype(np.float32)
    np.testing.assert_array_equal(first, expected)
    np.save(files[0], np.full((40, 40), 7.0, dtype=np.float32))  # a stored entry is what is read
    assert (preprocess_image(image, "objects=bright") == 7.0).all()
    files[0].write_bytes(b"damaged")  # a damaged entry is computed again
    np.testing.assert_array_equal(preprocess_image(image, "objects=bright"), expected)
    preprocess_image(image, "objects=dark")  # other options, another entry
    assert len(list(cache.iterdir())) == 2


def test_every_split_is_processed_alike():
    config = TrainConfig(**TINY, preprocess="objects=dark,smoothing=3")
    for split in ("train", "val", "test"):
        raw = get_dataset("membranes", split=split, count=2, shape=(64, 64))
        processed = load_split(config, split, count=2)
        assert processed.ndim == 2 and len(processed) == 2
        for a, b in zip(raw, processed):
            np.testing.assert_array_equal(a.mask, b.mask)
            np.testing.assert_array_equal(b.image, preprocess_image(a.image, config.preprocess))


def test_a_constant_image_names_its_sample():
    samples = get_dataset("membranes", split="train", count=1, shape=(32, 32))
    from toposeg.data import Sample, SampleSet

    flat = SampleSet(name="x", split="train", ndim=2, make=lambda i: Sample(np.ones((32, 32)), samples[0].mask,
                                                                            name="flat"), length=1)
    with pytest.raises(ValueError, match="preprocessing sample 'flat': image is constant"):
        preprocess_samples(flat, "default")


def test_train_then_predict_process_inputs_alike(tmp_path):
    out = tmp_path / "run"
    train(TrainConfig(**{**TINY, "epochs": 1}, preprocess="objects=dark"), out, progress=False)
    model, config = model_from_checkpoint(load_checkpoint(out / "best.pt"))
    assert config.preprocess.startswith("objects=dark")
    image = (np.random.default_rng(0).random((48, 40)) * 255).astype(np.uint8)
    (tmp_path / "in").mkdir()
    iio.imwrite(tmp_path / "in" / "a.png", image)
    assert main(["predict", str(out / "best.pt"), str(tmp_path / "in"), "--out", str(tmp_path / "pred"),
                 "--window", "32", "--no-progress"]) == 0
    from toposeg.data import normalise_image
    from toposeg.train import predict_likelihood

    processed = preprocess_image(image.astype(np.float32), config.preprocess)
    expected = predict_likelihood(model, normalise_image(processed, config.normalise), window=32)
    np.testing.assert_allclose(tifffile.imread(tmp_path / "pred" / "a_likelihood.tif"), expected, atol=1e-6)


def test_cli_preprocess_writes_images_objects_and_figure(tmp_path, capsys):
    rng = np.random.default_rng(0)
    image = (rng.random((48, 48)) * 40).astype(np.uint8)
    image[10:16, 10:16] += 200
    image[30:38, 28:36] += 150
    iio.imwrite(tmp_path / "a.png", image)
    out = tmp_path / "out"
    assert main(["preprocess", str(tmp_path / "a.png"), "--out", str(out), "--options",
                 "objects=bright,smoothing=1", "--figure"]) == 0
    labels = tifffile.imread(out / "a_objects.tif")
    assert labels.max() == 2 and labels[12, 12] > 0 and labels[33, 31] > 0
    processed = tifffile.imread(out / "a_processed.tif")
    expected = topological_preprocess(image.astype(np.float32), objects="bright", smoothing=1).image
    np.testing.assert_allclose(processed, expected, rtol=1e-6)
    assert (out / "a_preprocess.png").read_bytes()[:4] == b"\x89PNG"
    assert "a.png: 2 objects" in capsys.readouterr().out


def test_cli_preprocess_bad_input_writes_nothing(tmp_path, capsys):
    iio.imwrite(tmp_path / "good.png", (np.random.default_rng(0).random((16, 16)) * 255).astype(np.uint8))
    iio.imwrite(tmp_path / "flat.png", np.full((16, 16), 9, dtype=np.uint8))
    out = tmp_path / "out"
    assert main(["preprocess", str(tmp_path), "--out", str(out)]) == 2
    assert "flat.png: image is constant" in capsys.readouterr().err
    assert not out.exists()
    assert main(["preprocess", str(tmp_path / "good.png"), "--out", str(out), "--options", "border=-2"]) == 2
    assert "border must be an integer >= 0" in capsys.readouterr().err
