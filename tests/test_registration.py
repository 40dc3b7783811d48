"""Adding a loss, a metric or a dataset is one function plus one registry row.

Each test registers a toy entry and uses it by name only, through the public entry points
(training, the CLI parser, the comparison, evaluation, ``get_dataset``); the docs tables list
exactly the registered names.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.train._tiny import TINY
from toposeg.cli import train as cli_train
from toposeg.data import DATASETS, DatasetInfo, Sample, get_dataset, register_dataset
from toposeg.losses import LOSSES, LossEntry, register_loss
from toposeg.losses._module import LossModule
from toposeg.metrics import METRICS, Metric, register_metric
from toposeg.metrics.registry import evaluate_pair, select_metrics
from toposeg.train import TrainConfig, parse_loss, train
from toposeg.train.comparison import ComparisonConfig

DOCS = Path(__file__).resolve().parents[1] / "docs"


def toy_loss(prob: torch.Tensor, target: torch.Tensor, *, power: float = 2.0) -> torch.Tensor:
    """Mean of ``|p - g| ** power``: a toy topological term."""
    return ((prob - target).abs() ** power).mean()


class ToyLoss(LossModule):
    function = staticmethod(toy_loss)


@pytest.fixture
def toy_entry():
    entry = LossEntry("toy", "topological", "a toy term", function=toy_loss, module=ToyLoss,
                      defaults={"power": 3.0}, demo_weight=0.5)
    register_loss(entry)
    yield entry
    del LOSSES["toy"]


def test_a_registered_loss_trains_one_step_by_name(toy_entry, tmp_path):
    config = TrainConfig(**{**TINY, "epochs": 1, "steps_per_epoch": 1, "pretrain_epochs": 0,
                            "loss": "ce+0.5*toy", "loss_options": {"toy": {"power": 2.0}}})
    result = train(config, tmp_path / "run", progress=False)
    assert result.global_step == 1
    history = (tmp_path / "run" / "metrics.csv").read_text()
    assert "toy" in history.splitlines()[0]  # the term's value is recorded by name


def test_a_registered_loss_is_known_to_the_parser_cli_help_and_comparison(toy_entry):
    assert parse_loss("ce+toy").topological
    parser = __import__("argparse").ArgumentParser()
    cli_train.add_arguments(parser)
    assert "toy" in parser.format_help()
    comparison = ComparisonConfig(methods=("plain", "toy"))
    assert comparison.loss("toy") == "ce+0.5*toy"
    assert "toy" in ComparisonConfig().methods  # the default methods are every topological loss
    with pytest.raises(ValueError, match="loss term 'toy' does not take option.s. gamma; it takes power"):
        toy_entry.build({"gamma": 1})
    assert repr(ToyLoss(power=1.5)) == "ToyLoss(power=1.5)"
    with pytest.raises(TypeError, match="ToyLoss: got an unexpected keyword argument 'gamma'"):
        ToyLoss(gamma=1)


def test_registering_a_name_twice_is_an_error(toy_entry):
    with pytest.raises(ValueError, match="a loss named 'toy' is registered already"):
        register_loss(toy_entry)
    with pytest.raises(ValueError, match="a metric named 'dice' is registered already"):
        register_metric(Metric("dice", lambda pred, gt: 0.0))
    with pytest.raises(ValueError, match="a dataset named 'membranes' is registered already"):
        register_dataset(DATASETS["membranes"])
    with pytest.raises(ValueError, match="needs exactly one of function= and builder="):
        LossEntry("bad", "pixel", "no function")


def test_a_registered_metric_is_evaluated_by_name():
    def foreground_fraction(pred: np.ndarray, gt: np.ndarray) -> float:
        return float(pred.mean())

    register_metric(Metric("fraction", foreground_fraction, description="toy"))
    try:
        pred = np.zeros((8, 8), dtype=bool)
        pred[:2] = True
        row = evaluate_pair(pred, pred, select_metrics(["fraction", "dice"], METRICS))
        assert row == {"fraction": 0.25, "dice": 1.0}
    finally:
        METRICS.remove(next(m for m in METRICS if m.name == "fraction"))


def test_a_registered_dataset_is_loaded_by_name():
    def squares(shape: tuple[int, ...], *, seed: int) -> Sample:
        rng = np.random.default_rng(seed)
        mask = np.zeros(shape, dtype=bool)
        mask[rng.integers(0, shape[0] // 2) :, : shape[1] // 2] = True
        return Sample(mask.astype(np.float32), mask)

    register_dataset(DatasetInfo("squares", 2, "synthetic", (16, 16), (), "toy squares", squares))
    try:
        samples = get_dataset("squares", split="val", count=3)
        assert len(samples) == 3 and samples[0].mask.shape == (16, 16)
        assert TrainConfig(**{**TINY, "dataset": "squares"}).dataset == "squares"
    finally:
        del DATASETS["squares"]


def _docs_script():
    spec = importlib.util.spec_from_file_location("make_registry_tables", DOCS / "make_registry_tables.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("registry", ["losses", "metrics", "datasets"])
def test_docs_tables_are_those_of_the_registries(registry):
    script = _docs_script()
    table = script.registry_table(registry)
    assert script.documented_table(registry) == table, "run: python docs/make_registry_tables.py"
    names = {"losses": list(LOSSES), "metrics": [m.name for m in METRICS], "datasets": list(DATASETS)}
    assert re.findall(r"^\| `([^`]+)` \|", table, re.M) == names[registry]
