"""A per-branch Bernoulli model: one inclusion probability per branch, from the branch's own
features, fitted by maximum likelihood (a proper scoring rule).

One threshold per image ranks an image's branches by persistence alone, and the expected
structural error is linear in the probabilities, so its minimum is a point mass: the learned
spread shrinks and ``q`` saturates at 0 or 1 (docs/uncertainty.md). Here each branch gets its
own ``q_b = sigmoid(w . x_b + c)`` from features ``x_b`` of the branch in the likelihood
(persistence, the likelihood at its saddle and extremum and along it, its length, whether it
closes a loop), and ``w, c`` minimise the cross-entropy of the ground truth's verdict ``y_b``
(:func:`toposeg.uncertainty.branch_confirmation`), which is minimised by the true frequencies:
the probabilities are calibrated where the features allow it, and do not saturate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from toposeg.morse import MorseBranches

__all__ = ["BRANCH_FEATURES", "BranchModel", "branch_features"]

#: Columns of :func:`branch_features`.
BRANCH_FEATURES: tuple[str, ...] = (
    "log_persistence", "saddle", "extremum", "log_length", "mean", "minimum", "closes_loop",
)


def branch_features(branches: MorseBranches, likelihood: np.ndarray) -> np.ndarray:
    """Features of each branch, ``(n, len(BRANCH_FEATURES))`` float64.

    ``log_persistence``; ``saddle``: the likelihood at the critical edge (mean of its two
    pixels); ``extremum``: at the pixel it is paired with; ``log_length``: log of its number of
    pixels; ``mean`` and ``minimum``: of the likelihood over its pixels; ``closes_loop``: 1 for
    a dimension-1 pair.

    Examples
    --------
    >>> import numpy as np
    >>> from toposeg.morse import morse_branches
    >>> f = np.zeros((7, 7)); f[3, 1:6] = 0.9; f[3, 3] = 0.5
    >>> branches = morse_branches(f)
    >>> branch_features(branches, f).shape == (len(branches), len(BRANCH_FEATURES))
    True
    """
    likelihood = np.asarray(likelihood, dtype=np.float64)
    if likelihood.shape != branches.shape:
        raise ValueError(f"likelihood has shape {likelihood.shape}, the branches {branches.shape}")
    flat = likelihood.ravel()
    n = len(branches)
    if n == 0:
        return np.zeros((0, len(BRANCH_FEATURES)))
    sizes = np.diff(branches.offsets)
    values = flat[branches.pixels]
    starts = branches.offsets[:-1]
    return np.column_stack([
        np.log(branches.persistence),
        flat[branches.saddle].mean(axis=1),
        flat[branches.extremum],
        np.log(sizes),
        np.add.reduceat(values, starts) / sizes,
        np.minimum.reduceat(values, starts),
        branches.closes_loop.astype(np.float64),
    ])


@dataclass(frozen=True, eq=False)
class BranchModel:
    """Logistic regression of a branch's correctness on its standardised features.

    Build it with :meth:`fit`; :meth:`probability` gives ``q_b``.

    Attributes
    ----------
    centre, scale : (F,) float64 ndarray
        Standardisation of the training features (a constant feature gets scale 1).
    weights : (F,) float64 ndarray
    bias : float
    l2 : float
        Weight of the ridge penalty ``l2 / 2 * |weights|^2`` (per training branch).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.linspace(-3, 3, 200)[:, None]
    >>> y = (np.random.default_rng(0).random(200) < 1 / (1 + np.exp(-2 * x[:, 0]))).astype(float)
    >>> model = BranchModel.fit(x, y)
    >>> bool(model.probability(np.array([[2.0]]))[0] > 0.9)
    True
    """

    centre: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    l2: float

    @classmethod
    def fit(cls, features: np.ndarray, labels: np.ndarray, *, sample_weight: np.ndarray | None = None,
            l2: float = 1e-3) -> BranchModel:
        """Maximum-likelihood fit (L-BFGS) of ``labels`` in [0, 1] (soft labels allowed, e.g.
        ``y_b``) on ``features`` ``(n, F)``; ``sample_weight`` e.g. the branch sizes."""
        features = np.asarray(features, dtype=np.float64)
        labels = np.asarray(labels, dtype=np.float64)
        if features.ndim != 2 or labels.shape != (features.shape[0],):
            raise ValueError(f"features must be (n, F) and labels (n,), got {features.shape} and {labels.shape}")
        if features.shape[0] == 0:
            raise ValueError("features: no training branch")
        if not (np.isfinite(features).all() and np.isfinite(labels).all()):
            raise ValueError("features and labels must be finite")
        if labels.min() < 0 or labels.max() > 1:
            raise ValueError("labels must lie in [0, 1]")
        if not l2 >= 0:
            raise ValueError(f"l2 must be >= 0, got {l2}")
        weight = np.ones_like(labels) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        if weight.shape != labels.shape or not (weight >= 0).all() or weight.sum() <= 0:
            raise ValueError("sample_weight must be (n,), >= 0, not all zero")
        weight = weight / weight.sum()
        centre = features.mean(axis=0)
        scale = features.std(axis=0)
        scale[scale == 0] = 1.0
        x = (features - centre) / scale

        def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
            z = x @ theta[:-1] + theta[-1]
            # cross-entropy -[y log s(z) + (1 - y) log s(-z)] = logaddexp(0, z) - y z
            value = weight @ (np.logaddexp(0.0, z) - labels * z) + 0.5 * l2 * theta[:-1] @ theta[:-1]
            residual = weight * (special.expit(z) - labels)
            gradient = np.append(x.T @ residual + l2 * theta[:-1], residual.sum())
            return float(value), gradient

        theta = optimize.minimize(loss, np.zeros(x.shape[1] + 1), jac=True, method="L-BFGS-B",
                                  options={"gtol": 1e-9, "ftol": 1e-14, "maxiter": 10_000}).x
        return cls(centre, scale, theta[:-1], float(theta[-1]), float(l2))

    def probability(self, features: np.ndarray) -> np.ndarray:
        """``q_b`` for features ``(n, F)``, ``(n,)`` float64."""
        features = np.asarray(features, dtype=np.float64)
        if features.ndim != 2 or features.shape[1] != self.weights.shape[0]:
            raise ValueError(f"features must be (n, {self.weights.shape[0]}), got {features.shape}")
        return special.expit((features - self.centre) / self.scale @ self.weights + self.bias)
