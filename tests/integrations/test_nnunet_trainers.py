"""toposeg's nnU-Net v2 trainers, end to end on a tiny 2D data set in nnU-Net's raw format.

Skipped where nnU-Net v2 is absent (``pip install "toposeg[nnunet]"``; ``make setup``
installs it). nnU-Net runs some steps in pools of spawned processes, each of which imports
nnU-Net and torch afresh (tens of seconds on a loaded 2-core machine); the tests run those
pools as thread pools instead, which changes where the work runs, not what is computed.
"""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.pool
import pkgutil
import sys

import numpy as np
import pytest
import torch

pytest.importorskip("nnunetv2", reason="nnU-Net v2 is not installed (the nnunet extra)")

from nnunetv2.utilities.find_objects import recursive_find_trainer_class_by_name  # noqa: E402
from PIL import Image  # noqa: E402

from tests.integrations.nnunet_data import LABELS, write_dataset  # noqa: E402
from toposeg.integrations.nnunet import discovery, topological_term  # noqa: E402
from toposeg.integrations.nnunet import trainers as toposeg_trainers  # noqa: E402
from toposeg.integrations.nnunet.loss import TOPOLOGICAL_TERMS, WithTopologicalTerm  # noqa: E402

DATASET_ID = 991


class _ThreadContext:
    Pool = multiprocessing.pool.ThreadPool


@pytest.fixture(scope="module")
def nnunet(tmp_path_factory):
    """nnU-Net's folders with the data set planned and preprocessed for ``2d``."""
    root = tmp_path_factory.mktemp("nnunet")
    folders = {name: root / name for name in ("raw", "preprocessed", "results")}
    for folder in folders.values():
        folder.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        for name, folder in folders.items():
            patch.setenv(f"nnUNet_{name}", str(folder))
        patch.setenv("nnUNet_def_n_proc", "1")
        spawn = multiprocessing.get_context
        patch.setattr(
            multiprocessing,
            "get_context",
            lambda method=None: _ThreadContext() if method == "spawn" else spawn(method),
        )
        from nnunetv2.experiment_planning.plan_and_preprocess_api import (
            extract_fingerprints,
            plan_experiments,
            preprocess,
        )

        name = write_dataset(folders["raw"], DATASET_ID)
        extract_fingerprints([DATASET_ID], num_processes=1, check_dataset_integrity=True)
        plan_experiments([DATASET_ID])
        preprocess([DATASET_ID], configurations=("2d",), num_processes=(1,))
        patch.setenv("nnUNet_n_proc_DA", "0")  # data augmentation in the main process
        for variable in ("WEIGHT", "START_EPOCH", "EPOCHS", "ITERATIONS"):
            patch.delenv(f"TOPOSEG_NNUNET_{variable}", raising=False)
        yield {"name": name, **folders}


def _trainer_modules():
    return {module.name for module in pkgutil.iter_modules([str(discovery.shim_path().parent)])}


def _plans_and_dataset(nnunet):
    folder = nnunet["preprocessed"] / nnunet["name"]
    plans = json.loads((folder / "nnUNetPlans.json").read_text())
    return plans, json.loads((folder / "dataset.json").read_text())


def _trainer(nnunet, trainer_class, fold=0):
    plans, dataset = _plans_and_dataset(nnunet)
    plans["continue_training"] = False
    return trainer_class(plans, "2d", fold, dataset, device=torch.device("cpu"))


def test_register_train_predict_unregister(nnunet, monkeypatch, tmp_path):
    """`toposeg nnunet register`, then nnUNetv2_train and nnUNetv2_predict (their own entry
    points, -device cpu) with a toposeg trainer, then `toposeg nnunet unregister`."""
    from nnunetv2.inference.predict_from_raw_data import predict_entry_point
    from nnunetv2.run.run_training import run_training_entry

    from toposeg.cli import main

    trainer = "nnUNetTrainerToposegTopo"
    was_registered = discovery.is_registered()
    threads = torch.get_num_threads()  # nnU-Net's entry points set it to every core
    try:
        assert main(["nnunet", "register"]) == 0
        assert discovery.is_registered() and "toposeg_trainers" in _trainer_modules()
        assert recursive_find_trainer_class_by_name(trainer) is toposeg_trainers.nnUNetTrainerToposegTopo
        for name, value in {"WEIGHT": "0.05", "EPOCHS": "1", "ITERATIONS": "2"}.items():
            monkeypatch.setenv(f"TOPOSEG_NNUNET_{name}", value)
        monkeypatch.setattr(sys, "argv", ["nnUNetv2_train", str(DATASET_ID), "2d", "0", "-tr",
                                          trainer, "-device", "cpu"])
        run_training_entry()
        fold = nnunet["results"] / nnunet["name"] / f"{trainer}__nnUNetPlans__2d" / "fold_0"
        assert (fold / "checkpoint_final.pth").is_file()
        log = "".join(path.read_text() for path in fold.glob("training_log_*.txt"))
        assert "nnU-Net's loss + 0.05 * topo from epoch 0" in log
        assert "Epoch 0" in log and "Epoch 1" not in log
        summary = json.loads((fold / "validation" / "summary.json").read_text())
        assert set(summary["mean"]) == {"1", "2"}  # both classes scored, the ignore label not

        images = tmp_path / "images"
        images.mkdir()
        source = nnunet["raw"] / nnunet["name"] / "imagesTr" / "case001_0000.png"
        (images / source.name).write_bytes(source.read_bytes())
        monkeypatch.setattr(sys, "argv", [
            "nnUNetv2_predict", "-i", str(images), "-o", str(tmp_path / "predicted"), "-d",
            str(DATASET_ID), "-c", "2d", "-f", "0", "-tr", trainer, "-device", "cpu",
            "-npp", "0", "-nps", "0"])
        predict_entry_point()
        predicted = sorted((tmp_path / "predicted").glob("*.png"))
        assert [p.name for p in predicted] == ["case001.png"]
        segmentation = np.asarray(Image.open(predicted[0]))
        assert segmentation.shape == (48, 48) and set(np.unique(segmentation)) <= {0, 1, 2}

        # the reverse: nnU-Net's trainer folder no longer lists the module (a full lookup of a
        # missing trainer imports every nnU-Net variant, some of which need torchvision)
        assert main(["nnunet", "unregister"]) == 0
        assert not discovery.is_registered() and not discovery.shim_path().exists()
        assert "toposeg_trainers" not in _trainer_modules()
        assert main(["nnunet", "unregister"]) == 0  # idempotent
    finally:
        torch.set_num_threads(threads)
        if was_registered:
            discovery.register()
        else:
            discovery.unregister()


def test_register_leaves_a_foreign_file_alone(nnunet, monkeypatch, tmp_path):
    folder = tmp_path / "training" / "nnUNetTrainer"
    folder.mkdir(parents=True)
    foreign = folder / discovery.SHIM_NAME
    foreign.write_text("# someone else's trainers\n")
    monkeypatch.setattr(discovery, "shim_path", lambda: foreign)
    with pytest.raises(FileExistsError, match="not written by toposeg"):
        discovery.register()
    with pytest.raises(FileExistsError, match="not written by toposeg"):
        discovery.unregister()
    assert foreign.read_text() == "# someone else's trainers\n"


@pytest.mark.parametrize("name", sorted(TOPOLOGICAL_TERMS))
def test_trainer_adds_its_term_to_each_deep_supervision_output(nnunet, name):
    """Loss with the term minus loss without = sum over outputs of nnU-Net's weight times the
    toposeg loss on that output, on a real nnU-Net batch (multi-class, ignore label)."""
    trainer_class = getattr(toposeg_trainers, TOPOLOGICAL_TERMS[name].trainer)
    trainer = _trainer(nnunet, trainer_class)
    trainer.initialize()
    loss = trainer.loss
    assert isinstance(loss.loss, WithTopologicalTerm)
    assert loss.loss.name == name and loss.loss.weight == TOPOLOGICAL_TERMS[name].weight
    assert loss.loss.ignore_label == LABELS["ignore"]
    trainer.dataloader_train, trainer.dataloader_val = trainer.get_dataloaders()
    batch = next(trainer.dataloader_train)
    targets = batch["target"]
    for target in targets:  # nnU-Net's crops may miss the ignore band: a band in every image
        target[:, :, : max(1, target.shape[2] // 8)] = LABELS["ignore"]
    trainer.network.eval()
    with torch.no_grad():
        outputs = trainer.network(batch["data"])
        loss.loss.active = False
        plain = loss(outputs, targets)
        loss.loss.active = True
        torch.manual_seed(0)
        with_term = loss(outputs, targets)
        torch.manual_seed(0)
        expected = sum(
            w * topological_term(name, o, t, ignore_label=LABELS["ignore"])
            for w, o, t in zip(loss.weight_factors, outputs, targets)
            if w != 0
        )
    assert len(loss.weight_factors) == len(outputs) > 1
    torch.testing.assert_close(with_term - plain, loss.loss.weight * expected, rtol=1e-4, atol=1e-6)
    trainer.network.train()
    trainer.on_train_epoch_start()  # the schedule: active from epoch 0 by default
    assert trainer.topological_loss.active
    result = trainer.train_step(batch)
    assert np.isfinite(result["loss"])
    trainer.dataloader_train = trainer.dataloader_val = None


def test_start_epoch_and_weight_from_the_environment(nnunet, monkeypatch):
    monkeypatch.setenv("TOPOSEG_NNUNET_START_EPOCH", "2")
    monkeypatch.setenv("TOPOSEG_NNUNET_WEIGHT", "0.25")
    monkeypatch.setenv("TOPOSEG_NNUNET_EPOCHS", "7")
    monkeypatch.setenv("TOPOSEG_NNUNET_ITERATIONS", "10")
    trainer = _trainer(nnunet, toposeg_trainers.nnUNetTrainerToposegClDice, fold=1)
    trainer.initialize()
    assert trainer.topological_loss.weight == 0.25
    assert (trainer.num_epochs, trainer.num_iterations_per_epoch) == (7, 10)
    assert trainer.num_val_iterations_per_epoch == 2
    active = []
    for epoch in range(4):
        trainer.current_epoch = epoch
        trainer.on_train_epoch_start()
        active.append(trainer.topological_loss.active)
    assert active == [False, False, True, True]


def test_regions_are_refused_before_anything_is_written(nnunet):
    plans, dataset = _plans_and_dataset(nnunet)
    plans["continue_training"] = False
    dataset["labels"] = {"background": 0, "ring_or_line": [1, 2], "line": 2}
    dataset["regions_class_order"] = [1, 2]
    results = nnunet["results"] / nnunet["name"] / "nnUNetTrainerToposegDMT__nnUNetPlans__2d" / "fold_2"
    with pytest.raises(ValueError, match="does not support region-based training"):
        toposeg_trainers.nnUNetTrainerToposegDMT(plans, "2d", 2, dataset, torch.device("cpu"))
    assert not results.exists()


def test_a_bad_option_is_refused_before_anything_is_written(nnunet, monkeypatch):
    monkeypatch.setenv("TOPOSEG_NNUNET_WEIGHT", "a lot")
    plans, dataset = _plans_and_dataset(nnunet)
    plans["continue_training"] = False
    results = (
        nnunet["results"] / nnunet["name"] / "nnUNetTrainerToposegWarping__nnUNetPlans__2d" / "fold_3"
    )
    with pytest.raises(ValueError, match="TOPOSEG_NNUNET_WEIGHT must be a finite number >= 0"):
        toposeg_trainers.nnUNetTrainerToposegWarping(plans, "2d", 3, dataset, torch.device("cpu"))
    assert not results.exists()
