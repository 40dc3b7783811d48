"""Multi-class training and scoring: each class alone as a binary problem is the oracle.

The losses of ``Objective(classes=C)`` and the per-class metric columns are recomputed here
class by class, from a softmax written out by hand and the binary losses and metrics called
directly, then compared; bad label input must fail with a clear error.
"""

import json

import numpy as np
import pytest
import torch

from toposeg.data import PatchDataset, Sample, arteries_veins_2d, get_dataset
from toposeg.losses import betti_matching_loss, cldice_loss, dice_loss, dmt_term, topo_loss, warping_loss
from toposeg.metrics import MetricAccumulator
from toposeg.train import Objective, TrainConfig, parse_loss, predict_likelihood
from toposeg.train.evaluation import check_labels, segment

CLASSES = 3


def _batch(seed=0, shape=(32, 32)):
    """Logits of 3 classes that roughly follow two arteries/veins label images, and the labels."""
    generator = torch.Generator().manual_seed(seed)
    labels = np.stack([arteries_veins_2d(shape, seed=seed + i).mask for i in range(2)])
    target = torch.from_numpy(labels.astype(np.float32))[:, None]
    one_hot = torch.stack([target[:, 0] == c for c in range(CLASSES)], 1).float()
    logits = 2.5 * one_hot + torch.randn(2, CLASSES, *shape, generator=generator)
    return logits, target, labels


def _softmax_by_hand(logits):
    exp = torch.exp(logits - logits.max(dim=1, keepdim=True).values)
    return exp / exp.sum(dim=1, keepdim=True)


ALONE = {  # the binary loss of one class, called directly (the objective's default options)
    "dice": lambda p, g: dice_loss(p, g),
    "cldice": lambda p, g: cldice_loss(p, g),
    "topo": lambda p, g: topo_loss(p, g, patch="tiles"),
    "dmt": lambda p, g: dmt_term(p, g, eps=0.2),
    "warping": lambda p, g: warping_loss(p, g),
    "betti_matching": lambda p, g: betti_matching_loss(p, g),
}
OPTIONS = {"topo": {"patch": "tiles"}}


@pytest.mark.parametrize("name", sorted(ALONE))
def test_each_term_is_the_mean_of_the_classes_alone(name):
    logits, target, labels = _batch()
    total, parts = Objective(parse_loss(name), OPTIONS, classes=CLASSES)(logits, target)
    prob = _softmax_by_hand(logits)
    alone = [ALONE[name](prob[:, c:c + 1].contiguous(), torch.from_numpy(labels == c).float()[:, None])
             for c in range(1, CLASSES)]
    assert parts[name] == pytest.approx(float(torch.stack(alone).mean()), rel=1e-5, abs=1e-7)
    assert float(total) == pytest.approx(parts[name], rel=1e-6)


def test_ce_is_the_categorical_cross_entropy():
    logits, target, labels = _batch(1)
    _, parts = Objective(parse_loss("ce"), classes=CLASSES)(logits, target)
    log_prob = torch.log(_softmax_by_hand(logits))
    expected = -log_prob.gather(1, torch.from_numpy(labels).long()[:, None]).mean()
    assert parts["ce"] == pytest.approx(float(expected), rel=1e-5)


def test_two_classes_on_binary_masks_is_the_binary_problem():
    """classes=2 (softmax over background and structure) on 0/1 targets: the foreground channel's
    terms equal the binary terms on its softmax probability."""
    logits, _, labels = _batch(2)
    binary = torch.from_numpy(labels > 0).float()[:, None]
    two = logits[:, :2]
    _, parts = Objective(parse_loss("dice+cldice"), classes=2)(two, binary)
    prob = _softmax_by_hand(two)[:, 1:]
    assert parts["dice"] == pytest.approx(float(dice_loss(prob, binary)), rel=1e-5)
    assert parts["cldice"] == pytest.approx(float(cldice_loss(prob, binary)), rel=1e-5)


def test_region_outside_counts_as_background():
    logits, target, labels = _batch(3)
    region = torch.zeros_like(target)
    region[..., 4:28, 4:28] = 1
    _, parts = Objective(parse_loss("ce+dice"), classes=CLASSES)(logits, target, region=region)
    inside = region[:, 0] > 0.5
    prob = _softmax_by_hand(logits)
    labels_in = torch.from_numpy(labels).long() * inside
    expected_ce = (-torch.log(prob).gather(1, labels_in[:, None])[:, 0] * inside).sum() / inside.numel()
    assert parts["ce"] == pytest.approx(float(expected_ce), rel=1e-3)
    dice = [dice_loss(prob[:, c:c + 1] * region, (labels_in == c).float()[:, None]) for c in (1, 2)]
    assert parts["dice"] == pytest.approx(float(torch.stack(dice).mean()), rel=1e-4)


def test_gradient_balance_works_with_classes():
    logits, target, _ = _batch(4)
    logits.requires_grad_(True)
    objective = Objective(parse_loss("ce+0.5*dice+2*cldice"), classes=CLASSES, balance="gradient")
    total, parts = objective(logits, target)
    pixel = Objective(parse_loss("ce+0.5*dice"), classes=CLASSES)(logits, target)[0]
    term = Objective(parse_loss("cldice"), classes=CLASSES)(logits, target)[0]
    pixel_norm = torch.linalg.vector_norm(torch.autograd.grad(pixel, logits)[0])
    term_norm = torch.linalg.vector_norm(torch.autograd.grad(term, logits)[0])
    assert parts["cldice_factor"] == pytest.approx(2 * float(pixel_norm / term_norm), rel=1e-5)
    total.backward()
    assert torch.isfinite(logits.grad).all() and logits.grad.abs().sum() > 0


def test_metrics_per_class_are_the_classes_alone():
    _, _, labels = _batch(5, shape=(48, 48))
    truth = labels[0]
    pred = labels[1]  # another sample's labels: a poor prediction with every kind of error
    options = {"patch_size": 16}
    row = MetricAccumulator("default", options=options, classes=CLASSES).update(pred, truth)
    columns = None
    for c in range(1, CLASSES):
        alone = MetricAccumulator("default", options=options).update(pred == c, truth == c)
        columns = list(alone)
        for column, value in alone.items():
            np.testing.assert_equal(row[f"{column}_c{c}"], value)
    for column in columns:
        values = np.array([row[f"{column}_c{c}"] for c in range(1, CLASSES)])
        expected = np.nanmean(values) if (~np.isnan(values)).any() else np.nan
        np.testing.assert_allclose(row[column], expected)
    assert set(row) == set(columns) | {f"{c}_c{k}" for c in columns for k in (1, 2)}


def test_segment_and_multichannel_likelihood():
    model = torch.nn.Conv2d(1, CLASSES, 1)  # pointwise: windows and the whole image must agree
    image = np.random.default_rng(0).random((40, 37)).astype(np.float32)
    whole = predict_likelihood(model, image)
    windowed = predict_likelihood(model, image, window=16)
    assert whole.shape == (CLASSES, 40, 37)
    np.testing.assert_allclose(whole.sum(0), 1, atol=1e-5)
    np.testing.assert_allclose(windowed, whole, atol=1e-5)
    with torch.no_grad():
        logits = model(torch.from_numpy(image)[None, None])[0]
    np.testing.assert_array_equal(segment(whole, 0.5, CLASSES), logits.argmax(0).numpy())


def test_patches_keep_labels_and_regions():
    sample = arteries_veins_2d((32, 32), seed=1)
    region = np.zeros((32, 32), bool)
    region[:, :20] = True
    plain = PatchDataset([sample], patch_size=(32, 32), augment="none")
    with_region = PatchDataset([Sample(sample.image, sample.mask, region=region)], patch_size=(32, 32),
                               augment="none")
    np.testing.assert_array_equal(plain[0][1][0].numpy(), sample.mask)
    _, mask, kept = with_region[0]
    np.testing.assert_array_equal(mask[0].numpy(), sample.mask)
    np.testing.assert_array_equal(kept[0].numpy(), region)


def test_bad_labels_and_classes_are_named():
    logits, target, labels = _batch(6)
    with pytest.raises(ValueError, match="target holds 3, not a class label 0 .. 2"):
        Objective(parse_loss("ce"), classes=CLASSES)(logits, target + (target == 2).float())
    with pytest.raises(ValueError, match="logits must have 3 channel"):
        Objective(parse_loss("ce"), classes=CLASSES)(logits[:, :1], target)
    with pytest.raises(ValueError, match="gt holds labels 0 .. 2, outside 0 .. 1"):
        MetricAccumulator(["dice"], classes=2).update(labels[0] > 0, labels[0])
    with pytest.raises(TypeError, match="label image of integers"):
        MetricAccumulator(["dice"], classes=3).update(labels[0].astype(float), labels[0])
    with pytest.raises(ValueError, match="'vessels_av' has label images of 3 classes.*got 1"):
        TrainConfig(dataset="vessels_av", classes=1)
    with pytest.raises(ValueError, match="'vessels' has binary masks: classes must be 1.*or 2.*got 3"):
        TrainConfig(dataset="vessels", classes=3)
    samples = get_dataset("vessels_av", count=1, shape=(32, 32))
    with pytest.raises(ValueError, match="has a label image .* but the network is binary"):
        check_labels(samples, 1, "test")
    with pytest.raises(ValueError, match="has label 2, outside 0 .. 1"):
        check_labels(samples, 2, "test")
    assert TrainConfig(dataset="vessels_av").classes == 3 and TrainConfig().classes == 1
    from toposeg.train.comparison import ComparisonConfig

    with pytest.raises(ValueError, match="comparison is of binary segmentations; dataset 'vessels_av'"):
        ComparisonConfig(dataset="vessels_av")
    with pytest.raises(ValueError, match="samples mix binary masks and label images"):
        PatchDataset([samples[0], get_dataset("vessels", count=1, shape=(32, 32))[0]])


def test_train_predict_evaluate_end_to_end(tmp_path):
    """A tiny run on vessels_av, then toposeg predict and evaluate (files and checkpoint) agree."""
    from toposeg.cli import main
    from toposeg.train import evaluate_checkpoint, train

    config = TrainConfig(dataset="vessels_av", train_count=3, val_count=1, sample_shape=(32, 32),
                         patch_size=(32, 32), depth=2, width=4, batch_size=2, steps_per_epoch=2, epochs=2,
                         pretrain_epochs=1, loss="ce+dice+0.003*topo", threads=1,
                         val_metrics=("dice", "betti_error"), metric_options={"patch_size": 16})
    result = train(config, tmp_path / "run", progress=False, epoch_lines=False)
    assert result.config.classes == 3
    row = result.history[-1]
    for column in ("val_dice", "val_dice_c1", "val_dice_c2", "val_betti_error_1_c2"):
        assert column in row
    np.testing.assert_allclose(row["val_dice"], np.nanmean([row["val_dice_c1"], row["val_dice_c2"]]))

    test = get_dataset("vessels_av", split="test", count=1, shape=(32, 32))
    (tmp_path / "in").mkdir()
    (tmp_path / "gt").mkdir()
    np.save(tmp_path / "in" / "a.npy", test[0].image)
    np.save(tmp_path / "gt" / "a.npy", test[0].mask)
    checkpoint = str(tmp_path / "run" / "last.pt")
    assert main(["predict", checkpoint, str(tmp_path / "in"), "--out", str(tmp_path / "pred"),
                 "--no-progress"]) == 0
    import imageio.v3 as iio
    import tifffile

    likelihood = tifffile.imread(tmp_path / "pred" / "a_likelihood.tif")
    labels = iio.imread(tmp_path / "pred" / "a_mask.png")
    assert likelihood.shape == (3, 32, 32)
    np.testing.assert_allclose(likelihood.sum(0), 1, atol=1e-5)
    np.testing.assert_array_equal(labels, likelihood.argmax(0))
    assert main(["evaluate", str(tmp_path / "pred"), str(tmp_path / "gt"), "--classes", "3", "--metrics",
                 "dice,betti_error", "--patch-size", "16", "--json", str(tmp_path / "files.json"),
                 "--no-progress"]) == 0
    files = json.loads((tmp_path / "files.json").read_text())["summary"]
    scores = evaluate_checkpoint(checkpoint, split="test", count=1, metrics=("dice", "betti_error"),
                                 options={"patch_size": 16}).summary()
    for column in ("dice", "dice_c1", "dice_c2", "betti_error_0_c1", "betti_error_1_c2"):
        assert files[column]["mean"] == pytest.approx(scores[column].mean, abs=1e-12)
    alone = MetricAccumulator(["dice"]).update(labels == 2, test[0].mask == 2)
    assert scores["dice_c2"].mean == pytest.approx(alone["dice"])

    # a binary checkpoint cannot score label images, and a label beyond --classes is named
    binary = TrainConfig(dataset="vessels", train_count=2, val_count=1, sample_shape=(32, 32), patch_size=(32, 32),
                         depth=1, width=4, batch_size=2, steps_per_epoch=1, epochs=1, threads=1,
                         val_metrics=("dice",))
    train(binary, tmp_path / "binary", progress=False, epoch_lines=False)
    with pytest.raises(ValueError, match="classes=1.*cannot score dataset 'vessels_av'"):
        evaluate_checkpoint(tmp_path / "binary" / "last.pt", dataset="vessels_av", count=1, metrics=("dice",))
    assert main(["evaluate", str(tmp_path / "pred"), str(tmp_path / "gt"), "--classes", "2", "--metrics", "dice",
                 "--no-progress"]) == 1
