"""TrainConfig: validation, JSON/TOML round trips, and the command-line flags that map onto it."""

import argparse
import dataclasses
import json
import re

import pytest

from toposeg.cli import train as train_cli
from toposeg.train import TrainConfig, load_config

CHANGED = TrainConfig(
    dataset="vessels", train_count=6, val_count=3, sample_shape=(96, 80), data_seed=4, patch_size=(48, 32),
    foreground_bias=0.25, augment="flip", normalise="percentile", depth=2, width=8, norm="group", dropout=0.1,
    loss="dice+0.1*topo", loss_options={"topo": {"patch_size": 33, "dims": [0, 1]}}, loss_balance="gradient",
    epochs=7, pretrain_epochs=3,
    steps_per_epoch=11, batch_size=6, optimizer="sgd", lr=0.05, weight_decay=1e-4, scheduler="constant",
    val_metrics=("dice", "betti_error"), metric_options={"patch_size": 32}, best_metric="betti_error_1",
    best_mode="min", threshold=0.4, seed=9, threads=1, checkpoint_every=5, init_from="runs/a/last.pt", channels=3,
    classes=2,
    preprocess="objects=bright",
)


def test_every_option_survives_json():
    defaults = TrainConfig()
    unchanged = [f.name for f in dataclasses.fields(TrainConfig) if getattr(CHANGED, f.name) == getattr(defaults, f.name)]
    # the example changes every other option; the rest are options of folders, TopoMortar and
    # the structural and probabilistic models (which segment one class: CHANGED has two)
    assert unchanged == ["root", "foreground", "invert_masks", "val_fraction", "labels", "model",
                         "structural_objective", "structure", "structural_alpha", "structural_beta", "latent_dim",
                         "kl_weight"]
    text = CHANGED.to_json()
    assert TrainConfig.from_dict(json.loads(text)) == CHANGED
    assert json.loads(text)["patch_size"] == [48, 32]
    folder = TrainConfig(dataset="folder", root="data", patch_size=(16, 16, 16), foreground=0, invert_masks=True,
                         val_fraction=0.2)
    assert TrainConfig.from_dict(json.loads(folder.to_json())) == folder
    mortar = TrainConfig(dataset="topomortar", root="data", labels="noisy")
    assert TrainConfig.from_dict(json.loads(mortar.to_json())) == mortar
    structural = TrainConfig(dataset="vessels", model="structural", structural_objective="seed", structure="watershed",
                             structural_alpha=0.5, structural_beta=2.0)
    assert TrainConfig.from_dict(json.loads(structural.to_json())) == structural
    probabilistic = TrainConfig(dataset="vessels", model="probabilistic", latent_dim=3, kl_weight=0.5)
    assert TrainConfig.from_dict(json.loads(probabilistic.to_json())) == probabilistic


def test_json_and_toml_files(tmp_path):
    (tmp_path / "a.json").write_text(CHANGED.to_json())
    assert load_config(tmp_path / "a.json") == CHANGED
    (tmp_path / "b.toml").write_text(
        'dataset = "vessels"\nloss = "ce+3*dmt"\npatch_size = 32\nval_metrics = ["dice", "voi"]\n'
        "[loss_options.dmt]\neps = 0.3\n"
    )
    config = load_config(tmp_path / "b.toml")
    assert config == TrainConfig(dataset="vessels", loss="ce+3*dmt", patch_size=(32, 32),
                                 val_metrics=("dice", "voi"), loss_options={"dmt": {"eps": 0.3}})


def test_defaults_follow_the_dataset():
    assert TrainConfig().patch_size == (64, 64)
    assert TrainConfig(dataset="tubes3d").patch_size == (32, 32, 32)
    assert TrainConfig(dataset="tubes3d", patch_size=16).patch_size == (16, 16, 16)
    assert TrainConfig(dataset="folder", root="data").patch_size is None  # chosen from the files
    assert TrainConfig(best_metric="betti_error_1").lower_is_better
    assert not TrainConfig(best_metric="dice").lower_is_better
    assert TrainConfig(best_metric="dice", best_mode="min").lower_is_better


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"epochs": 0}, "epochs must be >= 1"),
        ({"epochs": 2, "pretrain_epochs": 3}, "pretrain_epochs (3) exceeds epochs (2)"),
        ({"lr": -1.0}, "lr must lie in"),
        ({"lr": 0.0}, "lr must be > 0"),
        ({"batch_size": 2.5}, "batch_size must be an integer"),
        ({"lr": "fast"}, "lr must be a finite number"),
        ({"optimizer": "adamw"}, "optimizer must be one of adam, sgd"),
        ({"norm": "layer"}, "norm must be one of"),
        ({"dataset": "cells"}, "unknown dataset 'cells'"),
        ({"dataset": "folder"}, "dataset 'folder' needs root"),
        ({"root": "data"}, "root is for dataset 'folder' and the real data sets, not 'membranes'"),
        ({"foreground": 0}, "foreground are options of dataset 'folder', not 'membranes'"),
        ({"dataset": "isbi12", "invert_masks": True}, "invert_masks are options of dataset 'folder'"),
        ({"dataset": "folder", "root": "d", "val_fraction": 1.0}, "val_fraction must lie strictly between 0 and 1"),
        ({"dataset": "drive", "labels": "noisy"}, "labels is an option of dataset 'topomortar'"),
        ({"dataset": "topomortar", "labels": "rough"}, "labels must be accurate, noisy or pseudo"),
        ({"dataset": "tubes3d", "patch_size": (32, 32)}, "patch_size must have 3 sizes for a 3D dataset"),
        ({"patch_size": (0, 8)}, "patch_size must be >= 1"),
        ({"loss_options": {"dmt": 0.2}}, "loss_options must map term names to option tables"),
        ({"val_metrics": ()}, "val_metrics is empty"),
        ({"threshold": 1.5}, "threshold must lie in [0.0, 1.0]"),
    ],
)
def test_bad_values_are_named(changes, message):
    with pytest.raises((ValueError, TypeError), match=re.escape(message)):
        TrainConfig(**changes)


def test_unknown_options_and_files(tmp_path):
    with pytest.raises(ValueError, match="unknown config option.*epoch.*options are"):
        TrainConfig.from_dict({"epoch": 3})
    (tmp_path / "c.toml").write_text("epochs = [")
    with pytest.raises(ValueError, match="c.toml"):
        load_config(tmp_path / "c.toml")
    (tmp_path / "c.yaml").write_text("epochs: 3")
    with pytest.raises(ValueError, match="use a .json or .toml file"):
        load_config(tmp_path / "c.yaml")
    with pytest.raises(FileNotFoundError):
        load_config(tmp_path / "missing.json")


def test_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        CHANGED.epochs = 3  # type: ignore[misc]


def parse(*flags):
    parser = argparse.ArgumentParser()
    train_cli.add_arguments(parser)
    return train_cli.config_from_arguments(parser.parse_args(list(flags)))


def test_flags_map_onto_the_config(tmp_path):
    config = parse("--loss", "dice+0.1*topo", "--patch-size", "48", "--loss-option", "topo.patch_size=33",
                   "--loss-option", "topo.dims=[0,1]", "--metric-option", "patch_size=32", "--val-metrics",
                   "dice,betti_error", "--epochs", "7", "--lr", "0.05", "--scheduler", "cosine", "--threads", "1")
    assert config == TrainConfig(loss="dice+0.1*topo", patch_size=(48, 48), epochs=7, lr=0.05,
                                 loss_options={"topo": {"patch_size": 33, "dims": [0, 1]}},
                                 metric_options={"patch_size": 32}, val_metrics=("dice", "betti_error"),
                                 scheduler="cosine", threads=1)
    (tmp_path / "base.json").write_text(CHANGED.to_json())
    assert parse("--config", str(tmp_path / "base.json")) == CHANGED
    overridden = parse("--config", str(tmp_path / "base.json"), "--epochs", "9", "--loss-option", "topo.patch_size=17")
    assert overridden == CHANGED.replace(epochs=9, loss_options={"topo": {"patch_size": 17, "dims": [0, 1]}})
    assert parse("--dataset", "tubes3d").patch_size == (32, 32, 32)  # the new dataset's default
    with pytest.raises(ValueError, match="expected TERM.KEY=VALUE"):
        parse("--loss-option", "eps=0.2")
