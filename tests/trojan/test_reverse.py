import numpy as np
import pytest
import torch
from torch import nn

from toposeg.losses import component_prior
from toposeg.trojan import (
    HuntConfig,
    apply_trigger,
    clean_images,
    load_digits_images,
    mask_iou,
    mask_regulariser,
    reverse_engineer,
)


def test_planted_model_flips_only_with_its_trigger(planted):
    model, trigger = planted
    x, y = load_digits_images("test")
    with torch.no_grad():
        clean = model(x).argmax(1)
        stamped = model(apply_trigger(x, torch.from_numpy(trigger).float(), torch.ones(16, 16))).argmax(1)
        half = trigger.copy()
        half[3:] = False  # half of the trigger does not flip
        partial = model(apply_trigger(x, torch.from_numpy(half).float(), torch.ones(16, 16))).argmax(1)
    assert (clean == y).float().mean() > 0.85
    assert (stamped == 3).all()
    assert ((partial == 3) & (y != 3)).float().mean() < 0.05


def test_planted_trigger_is_recovered(planted):
    model, trigger = planted
    x, y = clean_images(1)
    found = reverse_engineer(model, x, y, HuntConfig(num_triggers=1))
    others = [t for t in found if t.source != 3]
    ious = np.array([mask_iou(t.mask, trigger) for t in others])
    # the model-level trigger: the candidates that send their class to one label
    assert np.median(ious) >= 0.8, ious
    assert (ious >= 0.8).sum() >= 6, ious
    # and most of them send their image to the target
    assert sum(iou >= 0.8 and (t.new_labels == 3).all() for t, iou in zip(others, ious)) >= 5


def test_deterministic_under_a_seed(planted):
    model, _ = planted
    x, y = clean_images(1)
    config = HuntConfig(num_triggers=2, steps=5, seed=3)
    first = reverse_engineer(model, x, y, config)
    again = reverse_engineer(model, x, y, config)
    other = reverse_engineer(model, x, y, HuntConfig(num_triggers=2, steps=5, seed=4))
    assert all(np.array_equal(a.mask, b.mask) and np.array_equal(a.pattern, b.pattern) for a, b in zip(first, again))
    assert not np.array_equal(first[0].mask, other[0].mask)


def test_every_term_can_be_switched_off_and_model_is_untouched():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Flatten(), nn.Linear(64, 3))
    before = [p.detach().clone() for p in net.parameters()]
    x, y = torch.rand(6, 1, 8, 8), torch.tensor([0, 0, 1, 1, 2, 2])
    x_copy = x.clone()
    config = HuntConfig(num_triggers=2, steps=4, lambda_div=0, lambda_topo=0, lambda_size=0, lambda_smooth=0)
    found = reverse_engineer(net, x, y, config)
    assert len(found) == 6 and [t.source for t in found] == [0, 0, 1, 1, 2, 2]
    assert all(t.diversity_loss == 0.0 for t in found if t.round == 0)
    assert all(p.requires_grad and torch.equal(p, b) for p, b in zip(net.parameters(), before))
    assert torch.equal(x, x_copy)
    # the topological loss is still measured (for the features) when it is not optimised
    t = found[0]
    expected = component_prior(torch.from_numpy(t.mask)[None, None], reduction="none")[0, 0].item()
    assert t.topo_loss == pytest.approx(expected)


def test_diversity_is_bounded_and_matches_the_formula():
    torch.manual_seed(1)
    net = nn.Sequential(nn.Flatten(), nn.Linear(16, 2))
    x, y = torch.rand(4, 1, 4, 4), torch.tensor([0, 0, 1, 1])
    found = reverse_engineer(net, x, y, HuntConfig(num_triggers=3, steps=3, diversity_scale=0.5))
    by_source = [[t for t in found if t.source == s] for s in (0, 1)]
    for triggers in by_source:
        assert triggers[0].diversity_loss == 0.0
        stamps = [t.mask[None] * t.pattern for t in triggers]
        expected = -np.mean([np.tanh(np.linalg.norm(stamps[2] - s) / 0.5) for s in stamps[:2]])
        assert triggers[2].diversity_loss == pytest.approx(expected, abs=1e-5)
        assert -1.0 <= triggers[2].diversity_loss <= 0.0


def test_regulariser_on_hand_made_masks():
    masks = torch.zeros(3, 1, 4, 4)
    masks[1, 0, 1:3, 1:3] = 1  # a 2x2 square: size 4/16; 4 vertical + 4 horizontal edges of 12 each
    masks[2] = 0.5  # constant: no total variation
    size = mask_regulariser(masks, size_weight=1.0, smooth_weight=0.0)
    smooth = mask_regulariser(masks, size_weight=0.0, smooth_weight=1.0)
    assert size.tolist() == [0.0, 0.25, 0.5]
    assert smooth.tolist() == pytest.approx([0.0, 8 / 12, 0.0])
    with pytest.raises(ValueError, match="mask must have shape"):
        mask_regulariser(torch.zeros(4, 4), size_weight=1.0, smooth_weight=1.0)


@pytest.mark.parametrize(
    ("images", "labels", "message"),
    [
        (torch.zeros(2, 4, 4), torch.tensor([0, 1]), "images must be a float tensor"),
        (torch.zeros(2, 1, 4, 4), torch.tensor([0]), "labels must be N=2"),
        (torch.full((2, 1, 4, 4), float("nan")), torch.tensor([0, 1]), "images must be finite"),
    ],
)
def test_bad_input(images, labels, message):
    with pytest.raises(ValueError, match=message):
        reverse_engineer(nn.Flatten(), images, labels)


def test_bad_config():
    with pytest.raises(ValueError, match="num_triggers"):
        HuntConfig(num_triggers=0)
    with pytest.raises(ValueError, match="lambda_topo"):
        HuntConfig(lambda_topo=-1)
