"""Scoring a network on whole samples: likelihoods by sliding windows, then topology metrics."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from torch import nn

from toposeg.data import DATASETS, Sample, get_dataset, normalise_image
from toposeg.metrics import MetricAccumulator
from toposeg.train.config import TrainConfig
from toposeg.train.sliding_window import predict_likelihood

__all__ = ["evaluate_checkpoint", "load_split", "predict_samples", "score_samples"]


def load_split(config: TrainConfig, split: str, *, count: int | None = None) -> Sequence[Sample]:
    """The samples of one split of the config's dataset (``count`` overrides the config's)."""
    if DATASETS[config.dataset].kind in ("folder", "benchmark"):
        return get_dataset(config.dataset, root=config.root, split=split, **config.data_options())
    if count is None:
        count = config.train_count if split == "train" else config.val_count if split == "val" else None
    return get_dataset(config.dataset, split=split, count=count, shape=config.sample_shape, seed=config.data_seed)


def predict_samples(
    model: nn.Module,
    samples: Iterable[Sample],
    *,
    normalise: str,
    window: int | Sequence[int] | None = None,
    overlap: float = 0.5,
) -> list[np.ndarray]:
    """Likelihoods of the samples' images (normalised as in training)."""
    return [
        predict_likelihood(model, normalise_image(sample.image, normalise), window=window, overlap=overlap)
        for sample in samples
    ]


def score_samples(
    likelihoods: Sequence[np.ndarray],
    samples: Sequence[Sample],
    *,
    threshold: float,
    metrics: str | Iterable[str] = "default",
    options: Mapping[str, Any] | None = None,
) -> MetricAccumulator:
    """Score ``likelihood >= threshold`` against each sample's mask."""
    scores = MetricAccumulator(metrics, options=options)
    for likelihood, sample in zip(likelihoods, samples, strict=True):
        scores.update(likelihood >= threshold, sample.mask, name=sample.name, region=sample.region)
    return scores


def evaluate_checkpoint(
    checkpoint: str | Path,
    *,
    dataset: str | None = None,
    split: str = "test",
    root: str | Path | None = None,
    count: int | None = None,
    metrics: str | Iterable[str] = "default",
    options: Mapping[str, Any] | None = None,
    window: int | Sequence[int] | None = None,
    threshold: float | None = None,
) -> MetricAccumulator:
    """Score a trained network on a split of a dataset.

    Parameters
    ----------
    checkpoint : path
        A ``best.pt`` or ``last.pt`` of ``toposeg train``; its config gives the network, the
        normalisation and, by default, the dataset.
    dataset, root : optional
        Another dataset than the training one (``root`` for ``"folder"``).
    split : {"train", "val", "test"}
    count : int, optional
        Samples of a built-in split (default: its default, 8 for test).
    metrics, options
        As for :class:`toposeg.metrics.MetricAccumulator`.
    window : sequence of int, optional
        Sliding-window size (default: whole samples).
    threshold : float, optional
        Default: the config's.
    """
    from toposeg.train.checkpoint import load_checkpoint, model_from_checkpoint

    state = load_checkpoint(checkpoint)
    model, config = model_from_checkpoint(state)
    if dataset is not None or root is not None:
        takes_root = DATASETS[config.dataset].kind in ("folder", "benchmark")
        name = dataset if dataset is not None else config.dataset if takes_root else "folder"
        same = name == config.dataset
        config = config.replace(dataset=name, root=None if root is None else str(root), train_count=None,
                                val_count=None, sample_shape=config.sample_shape if same else None,
                                **({} if same else {"foreground": None, "invert_masks": False,
                                                    "val_fraction": None, "labels": None}))
    samples = load_split(config, split, count=count)
    scores_options = dict(config.metric_options if options is None else options)
    scores = MetricAccumulator(metrics, options=scores_options)  # bad names fail before predicting
    likelihoods = predict_samples(model, samples, normalise=config.normalise, window=window)
    threshold = config.threshold if threshold is None else threshold
    for likelihood, sample in zip(likelihoods, samples, strict=True):
        scores.update(likelihood >= threshold, sample.mask, name=sample.name, region=sample.region)
    return scores
