"""``toposeg train --model structural`` then ``toposeg predict --samples K``, in 2D and 3D.

The branch table and the uncertainty map that predict writes are recomputed here by calling
``toposeg.uncertainty`` directly on the likelihood predict wrote and on the prior net of the
reloaded checkpoint; the refusals leave nothing on disk.
"""

import csv

import imageio.v3 as iio
import numpy as np
import pytest
import tifffile
import torch

from toposeg.cli import main
from toposeg.data import normalise_image
from toposeg.morse import morse_branches
from toposeg.train import TrainConfig, build_model, load_checkpoint, model_from_checkpoint, predict_likelihood, save_checkpoint
from toposeg.train.checkpoint import structural_model_from_checkpoint
from toposeg.uncertainty import (
    StructuralUNet,
    branch_uncertainty,
    inclusion_probability,
    pixel_uncertainty_map,
    sample_structures,
    structural_segmentation,
)

COMMON = ["--batch-size", "2", "--steps-per-epoch", "2", "--epochs", "1", "--threads", "1", "--val-metrics", "dice",
          "--no-progress", "--quiet"]


@pytest.fixture(scope="module")
def run2d(tmp_path_factory):
    out = tmp_path_factory.mktemp("structural") / "run2d"
    assert main(["train", "--out", str(out), "--model", "structural", "--dataset", "vessels", "--train-count", "4",
                 "--val-count", "1", "--sample-shape", "48,48", "--patch-size", "32", "--depth", "2", "--width", "4",
                 "--structural-beta", "0.5", *COMMON]) == 0
    return out


@pytest.fixture(scope="module")
def run3d(tmp_path_factory):
    out = tmp_path_factory.mktemp("structural") / "run3d"
    assert main(["train", "--out", str(out), "--model", "structural", "--structural-objective", "seed",
                 "--structure", "watershed", "--dataset", "tubes3d", "--train-count", "2", "--val-count", "1",
                 "--sample-shape", "16,16,16", "--patch-size", "16", "--depth", "1", "--width", "2", *COMMON]) == 0
    return out


def _rows(path):
    with open(path, newline="") as file:
        return list(csv.DictReader(file))


def _check_outputs(checkpoint, image, out, name, *, samples, seed, suffix):
    """What predict wrote for ``image`` equals toposeg.uncertainty called directly."""
    state = load_checkpoint(checkpoint)
    unet, config = model_from_checkpoint(state)
    model, _ = structural_model_from_checkpoint(state)
    normalised = normalise_image(image, config.normalise)
    read = tifffile.imread if suffix == "tif" else np.load
    likelihood = read(out / f"{name}_likelihood.{suffix}")
    assert np.array_equal(likelihood, predict_likelihood(unet, normalised))
    with torch.no_grad():
        prior = model.prior(torch.from_numpy(normalised)[None, None])
    branches = morse_branches(likelihood, structure=config.structure)
    rule = config.structural_objective
    q = inclusion_probability(branches, prior, rule=rule)
    rows = _rows(out / f"{name}_branches.csv")
    assert len(rows) == len(branches) > 0
    assert [int(r["branch"]) for r in rows] == list(range(len(branches)))
    assert [int(r["pixels"]) for r in rows] == np.diff(branches.offsets).tolist()
    assert np.array_equal([float(r["persistence"]) for r in rows], branches.persistence)
    assert np.array_equal([float(r["probability"]) for r in rows], q)
    assert np.array_equal([float(r["uncertainty"]) for r in rows], branch_uncertainty(q, rule=rule))
    drawn = sample_structures(branches, prior, samples, rule=rule, generator=torch.Generator().manual_seed(seed))
    expected = pixel_uncertainty_map(structural_segmentation(likelihood >= config.threshold, drawn))
    uncertainty = read(out / f"{name}_uncertainty.{suffix}")
    assert uncertainty.dtype == np.float32 and np.array_equal(uncertainty, expected)
    return q


def test_structural_training_adds_its_terms_and_saves_the_whole_model(run2d):
    state = load_checkpoint(run2d / "last.pt")
    config = TrainConfig.from_dict(state["config"])
    assert (config.model, config.structural_objective, config.structure) == ("structural", "sound", "skeleton")
    assert {key.split(".")[0] for key in state["model"]} == {"unet", "prior_net", "posterior_net"}
    (row,) = _rows(run2d / "metrics.csv")
    ce, structure, kl = (float(row[f"train_loss_{k}"]) for k in ("ce", "structure", "kl"))
    assert structure > 0 and kl >= 0
    assert float(row["train_loss"]) == pytest.approx(ce + structure + 0.5 * kl, rel=1e-6)
    torch.manual_seed(config.seed)  # as the run built it
    fresh = build_model(config)
    assert isinstance(fresh, StructuralUNet)
    trained, _ = structural_model_from_checkpoint(state)
    moved = [not torch.equal(a, b) for a, b in zip(fresh.posterior_net.head.parameters(),
                                                   trained.posterior_net.head.parameters(), strict=True)]
    assert any(moved)  # the structural term reached the posterior net


def test_predict_samples_2d_equals_the_library(run2d, tmp_path):
    rng = np.random.default_rng(1)
    png = (rng.random((36, 45)) * 255).astype(np.uint8)
    npy = rng.random((40, 33)).astype(np.float32)
    inputs = tmp_path / "in"
    inputs.mkdir()
    iio.imwrite(inputs / "a.png", png)
    np.save(inputs / "b.npy", npy)
    out = tmp_path / "out"
    assert main(["predict", str(run2d / "best.pt"), str(inputs), "--out", str(out), "--samples", "4",
                 "--sample-seed", "3", "--no-progress"]) == 0
    for name, image in (("a", png), ("b", npy)):
        _check_outputs(run2d / "best.pt", image, out, name, samples=4, seed=3, suffix="tif")
        assert (out / f"{name}_mask.png").is_file()
    again = tmp_path / "again"  # the same seed draws the same structures
    assert main(["predict", str(run2d / "best.pt"), str(inputs / "b.npy"), "--out", str(again), "--samples", "4",
                 "--sample-seed", "3", "--no-progress"]) == 0
    assert np.array_equal(tifffile.imread(again / "b_uncertainty.tif"), tifffile.imread(out / "b_uncertainty.tif"))


def test_predict_samples_3d_seed_objective_equals_the_library(run3d, tmp_path):
    volume = np.random.default_rng(2).random((12, 20, 16)).astype(np.float32)
    np.save(tmp_path / "vol.npy", volume)
    out = tmp_path / "out"
    assert main(["predict", str(run3d / "last.pt"), str(tmp_path / "vol.npy"), "--out", str(out), "--samples", "3",
                 "--format", "npy", "--no-progress"]) == 0
    q = _check_outputs(run3d / "last.pt", volume, out, "vol", samples=3, seed=0, suffix="npy")
    assert np.load(out / "vol_uncertainty.npy").shape == volume.shape
    assert load_checkpoint(run3d / "last.pt")["config"]["structural_objective"] == "seed"
    assert q.min() >= 0 and q.max() <= 1


def test_predict_samples_refusals_write_nothing(run2d, tmp_path, capsys):
    image = tmp_path / "image.npy"
    np.save(image, np.zeros((40, 40), np.float32))
    plain = tmp_path / "plain.pt"
    config = TrainConfig(depth=1, width=2)
    save_checkpoint(plain, {"config": config.to_dict(), "model": build_model(config).state_dict()})
    np.save(tmp_path / "small.npy", np.zeros((40, 6), np.float32))
    out = tmp_path / "out"
    cases = [
        ([str(plain), str(image), "--samples", "3"], "--samples needs a structural model"),
        ([str(run2d / "best.pt"), str(image), "--samples", "0"], "--samples must be at least 1, got 0"),
        ([str(run2d / "best.pt"), str(image), "--samples", "2", "--threshold", "1"], "strictly between 0 and 1"),
        ([str(run2d / "best.pt"), str(image), str(tmp_path / "small.npy"), "--samples", "2"],
         "small.npy: the structural model's prior net needs at least 8 pixels per axis"),
    ]
    capsys.readouterr()
    for arguments, message in cases:
        assert main(["predict", *arguments, "--out", str(out)]) == 2
        assert message in capsys.readouterr().err
        assert not out.exists()
    # without --samples a structural checkpoint predicts like a plain one (its UNet)
    assert main(["predict", str(run2d / "best.pt"), str(image), "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["image_likelihood.tif", "image_mask.png"]


def test_structural_config_refusals():
    with pytest.raises(ValueError, match="model 'structural' segments one class"):
        TrainConfig(model="structural", dataset="vessels_av")
    with pytest.raises(ValueError, match="structure, structural_beta are options of model 'structural'"):
        TrainConfig(structure="watershed", structural_beta=2.0)
    with pytest.raises(ValueError, match="model must be one of unet, structural, probabilistic"):
        TrainConfig(model="bayesian")
    with pytest.raises(ValueError, match="structural_objective must be one of sound, seed"):
        TrainConfig(model="structural", structural_objective="elbo")
    with pytest.raises(ValueError, match="not a structural model"):
        structural_model_from_checkpoint({"config": TrainConfig().to_dict(), "model": {}})


def test_the_sound_objective_leaves_the_unet_to_the_loss(run2d, tmp_path):
    """The structural term of the sound objective trains the posterior (through its CDF) and the
    KL term the prior; neither reaches the UNet, whose weights equal a plain run's with the same
    seed, data and schedule."""
    plain = tmp_path / "plain"
    assert main(["train", "--out", str(plain), "--dataset", "vessels", "--train-count", "4", "--val-count", "1",
                 "--sample-shape", "48,48", "--patch-size", "32", "--depth", "2", "--width", "4", *COMMON]) == 0
    unet = load_checkpoint(plain / "last.pt")["model"]
    structural = load_checkpoint(run2d / "last.pt")["model"]
    assert set(unet) == {key.removeprefix("unet.") for key in structural if key.startswith("unet.")}
    for key, value in unet.items():
        assert torch.equal(structural[f"unet.{key}"], value), key
