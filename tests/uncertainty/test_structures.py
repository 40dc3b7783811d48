"""Structure samples, branch probabilities and structural segmentations against oracles:
Monte-Carlo frequencies, morse_skeleton / watershed_boundaries at the drawn thresholds,
brute-force connected components."""

import numpy as np
import pytest
import torch
from scipy import ndimage

from toposeg.data import curvilinear_likelihood
from toposeg.morse import morse_branches, morse_skeleton, watershed_boundaries
from toposeg.uncertainty import (
    ThresholdDistribution,
    branch_uncertainty,
    branch_uncertainty_map,
    inclusion_probability,
    pixel_uncertainty_map,
    predict_structures,
    sample_structures,
    structural_segmentation,
)


def _dist(median: float, scale: float, family: str = "logit_normal") -> ThresholdDistribution:
    if family == "normal":
        return ThresholdDistribution(torch.tensor([median], dtype=torch.float64),
                                     torch.tensor([scale], dtype=torch.float64), "normal")
    loc = np.log(median / (1 - median))
    return ThresholdDistribution(torch.tensor([loc], dtype=torch.float64), torch.tensor([scale], dtype=torch.float64))


@pytest.mark.parametrize("structure", ["skeleton", "watershed"])
def test_inclusion_probability_equals_monte_carlo(structure):
    f = curvilinear_likelihood((64, 64), seed=4)
    branches = morse_branches(f, structure=structure)
    d = _dist(0.15, 0.8)
    q = inclusion_probability(branches, d)
    drawn = sample_structures(branches, d, 100_000, generator=torch.Generator().manual_seed(0))
    frequency = drawn.kept.mean(axis=0)
    # binomial standard error; 5 sigma over a few hundred branches
    se = np.sqrt(np.maximum(q * (1 - q), 1e-12) / 100_000)
    assert len(branches) > 20
    assert np.all(np.abs(frequency - q) <= 5 * se + 1e-9)


@pytest.mark.parametrize("shape", [(48, 56), (14, 16, 18)])
def test_sampled_structures_equal_the_morse_structures_at_the_drawn_eps(shape):
    f = curvilinear_likelihood(shape, seed=5)
    g = torch.Generator().manual_seed(1)
    skeleton = morse_branches(f)
    drawn = sample_structures(skeleton, _dist(0.1, 1.0), 6, generator=g)
    for eps, mask in zip(drawn.eps, drawn.masks()):
        np.testing.assert_array_equal(mask, morse_skeleton(f, eps=float(eps)))
    walls = morse_branches(f, structure="watershed")
    drawn = sample_structures(walls, _dist(0.1, 1.0), 6, generator=g)
    for eps, mask in zip(drawn.eps, drawn.masks()):
        np.testing.assert_array_equal(mask, watershed_boundaries(f, eps=float(eps)))


def test_seed_rule_reverses_pruning_and_its_probability_is_not_its_frequency():
    """Flaw 3: 'b in M iff eps_b <= eps_M' keeps the least persistent branches (the noise);
    the stated Pr(b) = CDF(eps_b) is the frequency of the opposite event; and |CDF - 0.5|
    is at most 0.5, so '1 - confidence' is never below 0.5."""
    f = curvilinear_likelihood((64, 64), seed=6)
    branches = morse_branches(f)
    d = _dist(0.2, 0.05, "normal")
    eps = 0.2
    seed = sample_structures(branches, d, 1, rule="seed", generator=torch.Generator().manual_seed(0))
    sound = sample_structures(branches, d, 1, rule="sound", generator=torch.Generator().manual_seed(0))
    eps = float(seed.eps[0])
    np.testing.assert_array_equal(sound.masks()[0], morse_skeleton(f, eps=eps))
    kept = seed.kept[0]
    assert branches.persistence[kept].max() <= eps < branches.persistence[~kept].min()
    assert not kept[0]  # the most persistent branch is pruned by the seed's rule
    drawn = sample_structures(branches, d, 100_000, rule="seed", generator=torch.Generator().manual_seed(1))
    stated = inclusion_probability(branches, d, rule="seed")
    frequency = drawn.kept.mean(axis=0)
    np.testing.assert_allclose(frequency, 1 - stated, atol=0.01)
    moving = np.abs(stated - 0.5) > 0.1
    assert moving.any() and np.all(np.abs(frequency - stated)[moving] > 0.15)
    certain = np.array([0.0, 1.0, 0.5])
    np.testing.assert_allclose(branch_uncertainty(certain, rule="seed"), [0.5, 0.5, 1.0])
    np.testing.assert_allclose(branch_uncertainty(certain, rule="sound"), [0.0, 0.0, 1.0])


def _segmentation_by_hand(foreground, skeleton):
    labels, count = ndimage.label(foreground)
    touched = np.unique(labels[skeleton & foreground])
    return np.isin(labels, touched[touched > 0])


@pytest.mark.parametrize("rule", ["sound", "seed"])
def test_structural_segmentation_equals_components_touched_by_each_sample(rule):
    f = curvilinear_likelihood((80, 72), seed=7)
    branches = morse_branches(f)
    drawn = sample_structures(branches, _dist(0.15, 1.0), 8, rule=rule, generator=torch.Generator().manual_seed(2))
    foreground = f >= 0.5
    segmentations = structural_segmentation(foreground, drawn)
    for mask, skeleton in zip(segmentations, drawn.masks()):
        np.testing.assert_array_equal(mask, _segmentation_by_hand(foreground, skeleton))


def test_maps_and_prediction():
    f = curvilinear_likelihood((64, 64), seed=8)
    original = f.copy()
    p = predict_structures(f, _dist(0.15, 1.0), samples=10, generator=torch.Generator().manual_seed(3))
    np.testing.assert_array_equal(f, original)
    np.testing.assert_allclose(p.pixel_uncertainty, p.segmentations.astype(float).var(axis=0), atol=1e-6)
    bmap = branch_uncertainty_map(p.branches, p.uncertainty)
    for i in range(len(p.branches)):
        assert np.all(bmap.ravel()[p.branches.branch(i)] == np.float32(p.uncertainty[i]))
    assert np.isnan(bmap).sum() == f.size - p.branches.pixels.size
    assert len(p.branch_table()) == len(p.branches)
    assert pixel_uncertainty_map(np.zeros((3, 4, 4), bool)).max() == 0


def test_bad_inputs_get_clear_errors():
    f = curvilinear_likelihood((32, 32), seed=0)
    branches = morse_branches(f)
    two = ThresholdDistribution(torch.zeros(2), torch.ones(2))
    with pytest.raises(ValueError, match="batch of one"):
        inclusion_probability(branches, two)
    with pytest.raises(ValueError, match="rule"):
        inclusion_probability(branches, _dist(0.1, 1.0), rule="thesis")
    with pytest.raises(ValueError, match="samples"):
        sample_structures(branches, _dist(0.1, 1.0), 0)
    drawn = sample_structures(branches, _dist(0.1, 1.0), 2)
    with pytest.raises(ValueError, match="foreground has shape"):
        structural_segmentation(np.zeros((31, 32), bool), drawn)
    with pytest.raises(TypeError, match="boolean"):
        structural_segmentation(f, drawn)
    with pytest.raises(ValueError, match="uncertainty must have shape"):
        branch_uncertainty_map(branches, np.zeros(len(branches) + 1))
