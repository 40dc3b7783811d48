"""Scoring a network on whole samples: likelihoods by sliding windows, then topology metrics.

A network with one output channel gives a likelihood, thresholded into a mask; a network of
``classes >= 2`` gives one likelihood per class, whose argmax is the label image, scored per
class (:class:`toposeg.metrics.MetricAccumulator` with ``classes``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from torch import nn

from toposeg.data import DATASETS, Sample, get_dataset, normalise_image
from toposeg.metrics import MetricAccumulator
from toposeg.train.config import TrainConfig
from toposeg.train.preprocessing import preprocess_samples
from toposeg.train.sliding_window import predict_likelihood

__all__ = ["check_labels", "evaluate_checkpoint", "load_split", "predict_samples", "score_samples", "segment"]


def load_split(config: TrainConfig, split: str, *, count: int | None = None) -> Sequence[Sample]:
    """The samples of one split of the config's dataset (``count`` overrides the config's),
    topologically preprocessed if the config says so."""
    if DATASETS[config.dataset].kind in ("folder", "benchmark"):
        samples = get_dataset(config.dataset, root=config.root, split=split, **config.data_options())
    else:
        if count is None:
            count = config.train_count if split == "train" else config.val_count if split == "val" else None
        samples = get_dataset(config.dataset, split=split, count=count, shape=config.sample_shape,
                              seed=config.data_seed)
    return preprocess_samples(samples, config.preprocess)


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


def segment(likelihood: np.ndarray, threshold: float, classes: int = 1) -> np.ndarray:
    """The mask ``likelihood >= threshold`` (``classes`` 1), or the label image of the most
    likely class of ``(classes, *spatial)`` likelihoods (uint8).

    Examples
    --------
    >>> import numpy as np
    >>> from toposeg.train.evaluation import segment
    >>> segment(np.array([[0.2, 0.7]]), 0.5).tolist()
    [[False, True]]
    >>> segment(np.array([[[0.6, 0.1]], [[0.3, 0.2]], [[0.1, 0.7]]]), 0.5, classes=3).tolist()
    [[0, 2]]
    """
    if classes == 1:
        return likelihood >= threshold
    if likelihood.shape[0] != classes:
        raise ValueError(f"likelihoods must have {classes} channels (classes), got shape {likelihood.shape}")
    return np.argmax(likelihood, axis=0).astype(np.uint8)


def check_labels(samples: Sequence[Sample], classes: int, what: str) -> None:
    """Raise ``ValueError`` unless every sample's mask suits a network of ``classes`` outputs:
    binary masks for ``classes`` 1, labels ``0 .. classes - 1`` otherwise."""
    for sample in samples:
        if not sample.labelled:
            continue
        top = int(sample.mask.max()) if sample.mask.size else 0
        if classes == 1:
            raise ValueError(f"{what}: sample {sample.name!r} has a label image (labels up to {top}) but the "
                             "network is binary (classes=1): train one with classes set to the number of "
                             "labels, the background counted")
        if top >= classes:
            raise ValueError(f"{what}: sample {sample.name!r} has label {top}, outside 0 .. {classes - 1} "
                             f"(classes={classes})")


def score_samples(
    likelihoods: Sequence[np.ndarray],
    samples: Sequence[Sample],
    *,
    threshold: float,
    metrics: str | Iterable[str] = "default",
    options: Mapping[str, Any] | None = None,
    classes: int = 1,
) -> MetricAccumulator:
    """Score ``likelihood >= threshold`` (with ``classes >= 2``: the most likely class, per
    class) against each sample's mask."""
    scores = MetricAccumulator(metrics, options=options, classes=classes)
    for likelihood, sample in zip(likelihoods, samples, strict=True):
        scores.update(segment(likelihood, threshold, classes), sample.mask, name=sample.name, region=sample.region)
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
        Default: the config's (not used by a network of ``classes >= 2``: the argmax).

    Raises
    ------
    ValueError
        If the data do not suit the network: label images for a binary network, labels
        beyond a multi-class network's classes, or binary masks for a network of more than
        two classes.
    """
    from toposeg.train.checkpoint import load_checkpoint, model_from_checkpoint

    state = load_checkpoint(checkpoint)
    model, config = model_from_checkpoint(state)
    if dataset is not None or root is not None:
        takes_root = DATASETS[config.dataset].kind in ("folder", "benchmark")
        name = dataset if dataset is not None else config.dataset if takes_root else "folder"
        same = name == config.dataset
        try:
                config = config.replace(dataset=name, root=None if root is None else str(root), train_count=None,
                                    val_count=None, sample_shape=config.sample_shape if same else None,
                                    **({} if same else {"foreground": None, "invert_masks": False,
                                                        "val_fraction": None, "labels": None}))
        except ValueError as error:
            raise ValueError(f"{checkpoint} (classes={config.classes}) cannot score dataset {name!r}: {error}") from error
    samples = load_split(config, split, count=count)
    check_labels(samples, config.classes, f"{checkpoint} on {config.dataset}")
    scores_options = dict(config.metric_options if options is None else options)
    scores = MetricAccumulator(metrics, options=scores_options, classes=config.classes)  # bad names fail now
    likelihoods = predict_samples(model, samples, normalise=config.normalise, window=window)
    threshold = config.threshold if threshold is None else threshold
    for likelihood, sample in zip(likelihoods, samples, strict=True):
        scores.update(segment(likelihood, threshold, config.classes), sample.mask, name=sample.name,
                      region=sample.region)
    return scores
