"""The evaluation protocols of the papers: k-fold cross-validation and fixed splits, over seeds.

``cross_validate(CVConfig(base=TrainConfig(...), folds=3, seeds=(0, 1, 2)), out)`` trains one
network per (seed, fold) on the other folds, predicts the held-out images whole (in one pass up
to 2048x2048, by sliding windows beyond), and scores each image with the data set's conventions (its connectivity, regions,
field of view). ``folds=0`` uses the data set's fixed train/val/test splits instead (TopoMortar's
protocol). Output folder::

    out/cv.json                      the protocol, the folds' image names, the metric options
    out/seed<S>/fold<F>/             one training run (config.json, last.pt, best.pt, metrics.csv)
    out/seed<S>/fold<F>/scores.csv   its held-out images' scores (written last: the fold is done)
    out/seed<S>/fold<F>/predictions/<image>.npy   their likelihoods (float16)
    out/per_image.csv, out/per_fold.csv, out/summary.csv

With ``base.init_from`` a ``toposeg cv`` folder of the same folds, each (seed, fold) starts from
that run's network of the same seed and fold (pretrain once, fine-tune each loss from it; never
from a network that saw the held-out images).

A killed protocol is continued by running it again: finished folds are kept, an interrupted
training run is resumed from its ``last.pt``.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from toposeg.data import BENCHMARKS, DATASETS, Sample, get_dataset, split_names
from toposeg.metrics import MetricAccumulator
from toposeg._atomic import atomic_file, write_text_atomically
from toposeg.train.checkpoint import load_checkpoint, model_from_checkpoint
from toposeg.train.config import TrainConfig, load_config
from toposeg.train.conventions import convention_metric_options
from toposeg.train.evaluation import load_split, predict_samples, score_samples
from toposeg.train.preprocessing import preprocess_samples
from toposeg.train.sliding_window import default_window

__all__ = ["CVConfig", "CVResult", "cross_validate", "fold_assignment"]

SCORES = "scores.csv"


def fold_assignment(names: Sequence[str], folds: int, *, seed: int = 0) -> list[list[str]]:
    """Split ``names`` into ``folds`` disjoint folds of nearly equal size, deterministically.

    The sorted names are shuffled with ``seed`` and dealt round-robin, so the folds depend
    only on the set of names, ``folds`` and ``seed``.

    Raises
    ------
    ValueError
        If ``folds < 2``, there are fewer names than folds, or a name repeats.

    Examples
    --------
    >>> from toposeg.train import fold_assignment
    >>> folds = fold_assignment([f"{i:02d}" for i in range(7)], 3)
    >>> [len(f) for f in folds], sorted(sum(folds, [])) == [f"{i:02d}" for i in range(7)]
    ([3, 2, 2], True)
    """
    if folds < 2:
        raise ValueError(f"folds must be >= 2 (or 0 for the fixed splits), got {folds}")
    order = sorted(names)
    if len(set(order)) != len(order):
        raise ValueError("image names must be distinct")
    if len(order) < folds:
        raise ValueError(f"{len(order)} images cannot make {folds} folds")
    np.random.default_rng(seed).shuffle(order)
    return [sorted(order[i::folds]) for i in range(folds)]


@dataclass(frozen=True)
class CVConfig:
    """A protocol: one training configuration, evaluated over folds (or fixed splits) and seeds.

    Attributes
    ----------
    base : TrainConfig
        Data set, network, loss and schedule of every run (its ``seed`` is replaced by each of
        ``seeds``).
    folds : int
        ``k >= 2``: k-fold cross-validation over the data set's annotated images (the thesis
        uses 3); ``0``: the data set's fixed train/val/test splits.
    seeds : tuple of int
        One run per seed and fold (weights, patches, random loss choices).
    fold_seed : int
        Seed of the fold assignment (:func:`fold_assignment`).
    val_fraction : float
        Share of each fold's training images used for validation curves and ``best.pt``.
    checkpoint : {"last", "best"}
        The weights scored on the held-out images (``last``: no choice made on validation).
    window : tuple of int, optional
        Sliding-window size of the held-out predictions (default:
        :func:`toposeg.train.default_window`, the whole image up to 2048x2048).
    metrics : tuple of str
        Metric names (``"default"``: accuracy, Dice, Jaccard, precision/recall, Betti errors on
        patches and of the whole image, ARI, VOI, clDice, CCQ, warping error).
    metric_options : mapping
        Options of the metrics over the data set's conventions (``connectivity``, ``regions``,
        ``patch_size`` ...).
    """

    base: TrainConfig
    folds: int = 3
    seeds: tuple[int, ...] = (0,)
    fold_seed: int = 0
    val_fraction: float = 0.15
    checkpoint: Literal["last", "best"] = "last"
    window: tuple[int, ...] | None = None
    metrics: tuple[str, ...] = ("default",)
    metric_options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.base, TrainConfig):
            raise TypeError(f"base must be a TrainConfig, got {type(self.base).__name__}")
        if isinstance(self.folds, bool) or not isinstance(self.folds, int) or self.folds == 1 or self.folds < 0:
            raise ValueError(f"folds must be 0 (fixed splits) or >= 2, got {self.folds!r}")
        seeds = tuple(self.seeds)
        if not seeds or any(isinstance(s, bool) or not isinstance(s, int) for s in seeds) or len(set(seeds)) != len(seeds):
            raise ValueError(f"seeds must be distinct integers, at least one, got {self.seeds!r}")
        object.__setattr__(self, "seeds", seeds)
        if not 0 < self.val_fraction < 1:
            raise ValueError(f"val_fraction must lie strictly between 0 and 1, got {self.val_fraction}")
        if self.checkpoint not in ("last", "best"):
            raise ValueError(f"checkpoint must be 'last' or 'best', got {self.checkpoint!r}")
        if self.window is not None:
            object.__setattr__(self, "window", tuple(int(w) for w in self.window))
        metrics = (self.metrics,) if isinstance(self.metrics, str) else tuple(self.metrics)
        object.__setattr__(self, "metrics", metrics)
        object.__setattr__(self, "metric_options", dict(self.metric_options))
        # bad metric names or options fail now, before any training
        MetricAccumulator(self.metrics, options=self.options(), classes=self.base.classes)

    def options(self) -> dict[str, Any]:
        """The metric options used: the data set's conventions, then the config's."""
        return convention_metric_options(self.base.dataset, self.metrics, dict(self.metric_options))

    def to_dict(self) -> dict[str, Any]:
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        values["base"] = self.base.to_dict()
        return json.loads(json.dumps(values))

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> CVConfig:
        """The protocol of :meth:`to_dict`'s values (e.g. ``cv.json``'s ``config``).

        Examples
        --------
        >>> from toposeg.train import CVConfig, TrainConfig
        >>> config = CVConfig(base=TrainConfig(loss="dice"), folds=2, seeds=(0, 1))
        >>> CVConfig.from_dict(config.to_dict()) == config
        True
        """
        values = dict(values)
        base = TrainConfig.from_dict(values.pop("base"))
        return cls(base=base, **{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})


@dataclass(frozen=True)
class CVResult:
    """Scores of a protocol.

    Attributes
    ----------
    rows : tuple of dict
        One per (seed, fold, held-out image): ``seed``, ``fold``, ``image`` and metric columns.
    folds : tuple of tuple of str
        The held-out image names of each fold.
    options : dict
        The metric options used (connectivity, regions, ...).
    """

    out: Path
    rows: tuple[dict[str, Any], ...]
    folds: tuple[tuple[str, ...], ...]
    options: dict[str, Any]

    def summary(self) -> dict[str, tuple[float, float, int]]:
        """``column -> (mean, std, count)`` over every row (NaN left out)."""
        return summarise(self.rows)


def summarise(rows: Sequence[Mapping[str, Any]]) -> dict[str, tuple[float, float, int]]:
    """Mean, population std and count of each metric column of ``rows`` (NaN left out)."""
    columns = [c for c in dict.fromkeys(k for r in rows for k in r) if c not in ("seed", "fold", "image")]
    result = {}
    for column in columns:
        values = np.array([float(r.get(column, math.nan)) for r in rows])
        values = values[~np.isnan(values)]
        result[column] = (float(values.mean()), float(values.std()), int(values.size)) if values.size else (
            math.nan, math.nan, 0)
    return result


def _all_samples(config: CVConfig) -> list[Sample]:
    base = config.base
    if DATASETS[base.dataset].kind in ("folder", "benchmark"):
        samples = get_dataset(base.dataset, root=base.root, split="all", **base.data_options())
        return list(preprocess_samples(samples, base.preprocess))  # as load_split does for the others
    return list(load_split(base, "train"))  # a built-in data set: its train split, base.train_count samples


def fold_plan(config: CVConfig) -> list[tuple[list[Sample], list[Sample], list[Sample]]]:
    """``(train, val, test)`` samples of every fold of the protocol (reads and checks every file)."""
    if config.folds == 0:
        return [(list(load_split(config.base, "train")), list(load_split(config.base, "val")),
                 list(load_split(config.base, "test")))]
    samples = _all_samples(config)
    by_name = {s.name: s for s in samples}
    if len(by_name) != len(samples):
        raise ValueError("the data set's image names are not distinct")
    plan = []
    for held in fold_assignment(list(by_name), config.folds, seed=config.fold_seed):
        rest = sorted(set(by_name) - set(held))
        if len(rest) < 2:
            raise ValueError(f"{len(samples)} images are too few for {config.folds} folds with validation")
        val = set(split_names(rest, "val", val_fraction=config.val_fraction))
        plan.append(([by_name[n] for n in rest if n not in val], [by_name[n] for n in sorted(val)],
                     [by_name[n] for n in held]))
    return plan


def cross_validate(config: CVConfig, out: str | Path, *, progress: bool = False, epoch_lines: bool = True,
                   device: str | None = None) -> CVResult:
    """Run the protocol of ``config`` into ``out`` (see the module notes); continue it if started.

    Raises
    ------
    ValueError, FileNotFoundError
        Before any training: bad options, data set problems (the message names the file),
        ``out`` holding another protocol.
    """
    from toposeg.train.trainer import train

    out = Path(out)
    plan = fold_plan(config)  # every file is read and checked here
    record = {"config": config.to_dict(), "protocol": "fixed splits" if config.folds == 0 else f"{config.folds}-fold",
              "folds": [[s.name for s in test] for _, _, test in plan], "options": config.options(),
              "connectivity": config.options().get("connectivity", 1)}
    if config.base.dataset in BENCHMARKS:
        record["evaluation"] = BENCHMARKS[config.base.dataset].evaluation
    _check_init_runs(config, record["folds"])
    if (out / "cv.json").is_file():
        saved = json.loads((out / "cv.json").read_text(encoding="utf-8"))
        if not _same_protocol(saved, record):
            raise ValueError(f"{out} holds another protocol (its cv.json differs): choose another folder")
    out.mkdir(parents=True, exist_ok=True)
    write_text_atomically(out / "cv.json", json.dumps(record, indent=2) + "\n")
    rows: list[dict[str, Any]] = []
    for seed in config.seeds:
        for fold, (train_samples, val_samples, test_samples) in enumerate(plan):
            folder = out / f"seed{seed}" / f"fold{fold}"
            if not (folder / SCORES).is_file():
                _run_fold(config, folder, seed, fold, train_samples, val_samples, test_samples, progress=progress,
                          epoch_lines=epoch_lines, device=device, train=train)
            rows += [{"seed": seed, "fold": fold, **row} for row in _read_scores(folder / SCORES)]
    _write_tables(out, rows)
    return CVResult(out, tuple(rows), tuple(tuple(f) for f in record["folds"]), record["options"])


def _init_checkpoint(config: CVConfig, seed: int, fold: int) -> str | None:
    """The checkpoint that starts fold ``fold`` of seed ``seed``: ``base.init_from`` itself, or,
    when it is a ``toposeg cv`` folder, its network of the same seed and fold."""
    init = config.base.init_from
    if init is None or not (Path(init) / "cv.json").is_file():
        return init
    return str(Path(init) / f"seed{seed}" / f"fold{fold}" / "last.pt")


def _same_protocol(saved: Mapping[str, Any], record: Mapping[str, Any]) -> bool:
    """Whether a folder's ``cv.json`` holds the protocol of ``record``, up to the seeds run.

    The saved configuration is read through :meth:`CVConfig.from_dict`, so that options added to
    toposeg since it was written take their defaults; a run may add seeds to a folder (each seed's
    networks live in their own sub-folder).
    """
    then = CVConfig.from_dict(saved["config"]).to_dict()
    now = dict(record["config"])
    then.pop("seeds"), now.pop("seeds")
    return then == now and saved["folds"] == record["folds"]


def _check_init_runs(config: CVConfig, folds: list[list[str]]) -> None:
    """Raise unless a ``toposeg cv`` folder given as ``init_from`` held out the same images in
    every fold (its networks never saw this protocol's test images) and has every network."""
    init = config.base.init_from
    if init is None or not (Path(init) / "cv.json").is_file():
        return
    saved = json.loads((Path(init) / "cv.json").read_text(encoding="utf-8"))
    if saved.get("folds") != folds:
        raise ValueError(f"init_from {init}: that cross-validation held out other images than this one "
                         "(fold by fold): its networks would have seen this protocol's test images")
    for seed in config.seeds:
        for fold in range(len(folds)):
            path = Path(_init_checkpoint(config, seed, fold))
            if not path.is_file():
                raise ValueError(f"init_from {init}: {path} is missing (that run did not train seed {seed}, "
                                 f"fold {fold})")


def _run_fold(config: CVConfig, folder: Path, seed: int, fold: int, train_samples, val_samples, test_samples, *,
              progress: bool, epoch_lines: bool, device: str | None, train) -> None:
    run_config = config.base.replace(seed=seed, init_from=_init_checkpoint(config, seed, fold))
    resume = (folder / "last.pt").is_file()
    if epoch_lines:
        print(f"== {folder.parent.name} {folder.name}: {len(train_samples)} training, {len(val_samples)} "
              f"validation, {len(test_samples)} held-out images" + (" (resuming)" if resume else ""), flush=True)
    if resume:  # the config as the run saved it (its data conventions filled in); cv.json vouches it is ours
        run_config = load_config(folder / "config.json")
    train(run_config, folder, resume=resume, progress=progress, epoch_lines=epoch_lines, device=device,
          samples={"train": train_samples, "val": val_samples})
    model, trained = model_from_checkpoint(load_checkpoint(folder / f"{config.checkpoint}.pt"))
    if device is not None:
        model = model.to(device)
    if config.window is not None:
        likelihoods = predict_samples(model, test_samples, normalise=trained.normalise, window=config.window)
    else:
        likelihoods = [predict_samples(model, [sample], normalise=trained.normalise, window=default_window(
            sample.mask.shape, trained.patch_size, model.required_multiple()))[0] for sample in test_samples]
    scores = score_samples(likelihoods, test_samples, threshold=trained.threshold, metrics=config.metrics,
                           options=config.options(), classes=trained.classes)
    (folder / "predictions").mkdir(exist_ok=True)
    for sample, likelihood in zip(test_samples, likelihoods, strict=True):
        with atomic_file(prediction_path(folder, sample.name)) as file:
            np.save(file, likelihood.astype(np.float16))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["image", *scores.columns])
    for name, row in scores.rows:
        writer.writerow([name, *(repr(row.get(c, math.nan)) for c in scores.columns)])
    write_text_atomically(folder / SCORES, buffer.getvalue())


def prediction_path(folder: Path, name: str) -> Path:
    """Where a fold's likelihood of image ``name`` is saved (a folder's ``train/a`` as ``train__a``)."""
    return folder / "predictions" / f"{name.replace('/', '__')}.npy"


def _read_scores(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8", newline="") as file:
        return [{k: (v if k == "image" else float(v)) for k, v in row.items()} for row in csv.DictReader(file)]


def _write_tables(out: Path, rows: list[dict[str, Any]]) -> None:
    columns = list(dict.fromkeys(k for r in rows for k in r))
    metric_columns = [c for c in columns if c not in ("seed", "fold", "image")]
    write_text_atomically(out / "per_image.csv", _csv(columns, rows))
    per_fold = []
    for key in dict.fromkeys((r["seed"], r["fold"]) for r in rows):
        group = [r for r in rows if (r["seed"], r["fold"]) == key]
        means = {c: m for c, (m, _, _) in summarise(group).items()}
        per_fold.append({"seed": key[0], "fold": key[1], "images": len(group), **means})
    write_text_atomically(out / "per_fold.csv", _csv(["seed", "fold", "images", *metric_columns], per_fold))
    summary = [{"metric": c, "mean": m, "std": s, "count": n} for c, (m, s, n) in summarise(rows).items()]
    write_text_atomically(out / "summary.csv", _csv(["metric", "mean", "std", "count"], summary))


def _csv(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([repr(v) if isinstance(v, float) else v for v in (row.get(c, math.nan) for c in columns)])
    return buffer.getvalue()
