"""Trojan detection from trigger features: the bag-of-features network of thesis Eq. 4.7, its
k-fold cross-validation, and the unsupervised median-absolute-deviation baseline."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

__all__ = ["BagDetector", "CrossValidation", "cross_validate", "fit_detector", "mad_anomaly_index"]


class BagDetector(nn.Module):
    """``g(mean_t phi(f_t))``: an MLP ``phi`` per trigger, mean pooling, an MLP ``g`` (Eq. 4.7).

    The input features are standardised with the training set's mean and std kept as buffers.

    Examples
    --------
    >>> net = BagDetector(5, hidden=8)
    >>> net(torch.zeros(3, 4, 5)).shape
    torch.Size([3])
    """

    def __init__(self, num_features: int, *, hidden: int = 32) -> None:
        super().__init__()
        self.phi = nn.Sequential(nn.Linear(num_features, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.head = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1))
        self.register_buffer("mean", torch.zeros(num_features))
        self.register_buffer("std", torch.ones(num_features))

    def forward(self, bags: torch.Tensor) -> torch.Tensor:
        """Logits (N,) of being Trojaned for bags (N, T, F)."""
        return self.head(self.phi((bags - self.mean) / self.std).mean(1))[:, 0]


def _check_bags(bags: np.ndarray, labels: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    bags = np.asarray(bags, dtype=np.float32)
    if bags.ndim != 3 or 0 in bags.shape:
        raise ValueError(f"bags must be a non-empty (N, T, F) array, got shape {bags.shape}")
    if not np.isfinite(bags).all():
        raise ValueError("bags must be finite")
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape != (len(bags),) or not np.isin(labels, (0, 1)).all():
            raise ValueError(f"labels must be N={len(bags)} values in {{0, 1}}, got shape {labels.shape}")
    return bags, labels


def fit_detector(bags: np.ndarray, labels: np.ndarray, *, seed: int = 0, hidden: int = 32,
                 epochs: int = 150, learning_rate: float = 1e-2, weight_decay: float = 1e-3) -> BagDetector:
    """Train a :class:`BagDetector` on bags (N, T, F) with labels (N,) in {0, 1} (1 = Trojaned)."""
    bags, labels = _check_bags(bags, labels)
    torch.manual_seed(seed)
    x, y = torch.from_numpy(bags), torch.from_numpy(labels.astype(np.float32))
    net = BagDetector(bags.shape[2], hidden=hidden)
    flat = x.reshape(-1, x.shape[2])
    net.mean.copy_(flat.mean(0))
    net.std.copy_(flat.std(0).clamp(min=1e-6))
    optimiser = torch.optim.Adam(net.parameters(), lr=learning_rate, weight_decay=weight_decay)
    loss_fn = nn.BCEWithLogitsLoss()
    for _ in range(epochs):
        optimiser.zero_grad()
        loss_fn(net(x), y).backward()
        optimiser.step()
    return net.eval()


@dataclass(frozen=True)
class CrossValidation:
    """Per-fold AUC and accuracy over every seed (``len(seeds) * folds`` values each) and the
    out-of-fold probabilities (seeds, N)."""

    auc: np.ndarray
    accuracy: np.ndarray
    probabilities: np.ndarray

    def summary(self) -> str:
        return (f"AUC {self.auc.mean():.3f} ± {self.auc.std():.3f}, "
                f"ACC {self.accuracy.mean():.3f} ± {self.accuracy.std():.3f}")


def cross_validate(bags: np.ndarray, labels: np.ndarray, *, folds: int = 8, seeds: tuple[int, ...] = (0, 1, 2),
                   shuffle_labels: bool = False, **fit_options: object) -> CrossValidation:
    """Stratified k-fold cross-validation of the bag detector, repeated for every seed.

    ``shuffle_labels`` permutes the labels first (a control: AUC should fall to about 0.5).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = np.arange(40) % 2
    >>> bags = rng.normal(size=(40, 3, 2)) + 2 * y[:, None, None]
    >>> cv = cross_validate(bags, y, folds=4, seeds=(0,), epochs=50)
    >>> bool(cv.auc.mean() > 0.8)
    True
    """
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    bags, labels = _check_bags(bags, labels)
    if isinstance(folds, bool) or not isinstance(folds, int) or folds < 2:
        raise ValueError(f"folds must be an integer >= 2, got {folds!r}")
    if min(np.bincount(labels, minlength=2)) < folds:
        raise ValueError(f"each class needs at least folds={folds} models, got {np.bincount(labels, minlength=2)}")
    aucs, accuracies, probabilities = [], [], []
    for seed in seeds:
        y = np.random.default_rng(10_000 + seed).permutation(labels) if shuffle_labels else labels
        out = np.zeros(len(y))
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        for train, test in splitter.split(bags[:, 0, 0], y):
            net = fit_detector(bags[train], y[train], seed=seed, **fit_options)
            with torch.no_grad():
                out[test] = torch.sigmoid(net(torch.from_numpy(bags[test]))).numpy()
            aucs.append(roc_auc_score(y[test], out[test]) if len(set(y[test])) == 2 else np.nan)
            accuracies.append(float(((out[test] >= 0.5) == y[test]).mean()))
        probabilities.append(out)
    return CrossValidation(np.array(aucs), np.array(accuracies), np.array(probabilities))


def mad_anomaly_index(sizes: np.ndarray) -> float:
    """Neural Cleanse's anomaly index of the smallest per-class trigger size.

    ``(median - min) / (1.4826 * MAD)`` over the classes' sizes; above about 2 flags a Trojan.

    Examples
    --------
    >>> round(mad_anomaly_index(np.array([10.0, 11, 9, 10, 12, 2])), 3)
    5.396
    """
    sizes = np.asarray(sizes, dtype=np.float64)
    if sizes.ndim != 1 or len(sizes) < 3 or not np.isfinite(sizes).all():
        raise ValueError(f"sizes must be at least 3 finite per-class values, got shape {sizes.shape}")
    median = np.median(sizes)
    mad = 1.4826 * np.median(np.abs(sizes - median))
    return float((median - sizes.min()) / max(mad, 1e-12))
