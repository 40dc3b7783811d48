"""The per-branch Bernoulli model: features by brute force, the fit equals scikit-learn's
logistic regression, recovers a known model, takes soft labels, and refuses bad input."""

import numpy as np
import pytest
from scipy import ndimage
from sklearn.linear_model import LogisticRegression

from tests.morse._render import grid_graph, render_graph
from toposeg.morse import morse_branches
from toposeg.uncertainty import BRANCH_FEATURES, BranchModel, branch_features


@pytest.mark.parametrize("structure", ["skeleton", "watershed"])
def test_features_are_those_of_each_branch_by_brute_force(structure):
    nodes, edges = grid_graph((64, 64), 3, margin=10, seed=1)
    f = render_graph((64, 64), nodes, edges, gaps=2, seed=1, noise=0.08).likelihood.astype(np.float64)
    branches = morse_branches(f, structure=structure)
    features = branch_features(branches, f)
    assert features.shape == (len(branches), len(BRANCH_FEATURES)) and len(branches) > 5
    for b in range(len(branches)):
        values = f.ravel()[branches.branch(b)]
        expected = [np.log(branches.persistence[b]), f.ravel()[branches.saddle[b]].mean(),
                    f.ravel()[branches.extremum[b]], np.log(values.size), values.mean(), values.min(),
                    float(branches.closes_loop[b])]
        np.testing.assert_allclose(features[b], expected, rtol=1e-10, atol=1e-12)


def test_the_fit_equals_scikit_learns_logistic_regression():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 4)) * [1.0, 5.0, 0.1, 2.0] + [0.0, 3.0, -1.0, 0.0]
    y = (rng.random(300) < 1 / (1 + np.exp(-(x[:, 0] - 0.3 * x[:, 1] + 4 * x[:, 2])))).astype(float)
    l2 = 0.01
    model = BranchModel.fit(x, y, l2=l2)
    standard = (x - x.mean(0)) / x.std(0)
    # sklearn minimises |w|^2 / 2 + C sum(loss); ours mean(loss) + l2 / 2 |w|^2: C = 1 / (l2 n)
    reference = LogisticRegression(C=1 / (l2 * len(y)), tol=1e-10, max_iter=10_000).fit(standard, y)
    np.testing.assert_allclose(model.weights, reference.coef_[0], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(model.bias, reference.intercept_[0], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(model.probability(x), reference.predict_proba(standard)[:, 1], atol=1e-5)


def test_a_known_model_is_recovered_and_soft_labels_give_their_frequency():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(20_000, 2))
    truth = 1 / (1 + np.exp(-(1.5 * x[:, 0] - 2 * x[:, 1] + 0.5)))
    model = BranchModel.fit(x, (rng.random(x.shape[0]) < truth).astype(float), l2=0.0)
    assert np.abs(model.probability(x) - truth).max() < 0.05
    soft = BranchModel.fit(x, np.full(x.shape[0], 0.3))
    np.testing.assert_allclose(soft.probability(x[:5]), 0.3, atol=1e-6)
    weighted = BranchModel.fit(np.zeros((4, 1)), np.array([1.0, 0.0, 0.0, 0.0]), sample_weight=np.array([3.0, 1, 1, 1]))
    np.testing.assert_allclose(weighted.probability(np.zeros((1, 1))), 0.5, atol=1e-6)


def test_bad_input_gets_clear_errors():
    x, y = np.zeros((3, 2)), np.array([0.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="features must be"):
        BranchModel.fit(x[:, 0], y)
    with pytest.raises(ValueError, match="no training branch"):
        BranchModel.fit(np.zeros((0, 2)), np.zeros(0))
    with pytest.raises(ValueError, match="labels must lie"):
        BranchModel.fit(x, y + 1)
    with pytest.raises(ValueError, match="finite"):
        BranchModel.fit(np.full((3, 2), np.nan), y)
    with pytest.raises(ValueError, match="sample_weight"):
        BranchModel.fit(x, y, sample_weight=np.zeros(3))
    with pytest.raises(ValueError, match=r"features must be \(n, 2\)"):
        BranchModel.fit(x, y).probability(np.zeros((2, 3)))
    f = ndimage.gaussian_filter(np.random.default_rng(0).random((16, 16)), 1)
    with pytest.raises(ValueError, match="likelihood has shape"):
        branch_features(morse_branches(f), f[:8])
