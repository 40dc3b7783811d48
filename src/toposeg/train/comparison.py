"""The main job: a plain UNet against UNets fine-tuned with each topological loss, on held-out data.

As in the seeds, one network is first trained with the pixel loss; every method then starts
from its weights and is fine-tuned for the same number of epochs, ``plain`` with the pixel loss
alone and each topological method with ``pixel + weight * term``. All are scored on the test
split (never seen in training or model selection) with the same metrics.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from toposeg.data import DATASETS
from toposeg.losses.registry import LOSSES
from toposeg._atomic import write_text_atomically
from toposeg.train.checkpoint import load_checkpoint, model_from_checkpoint
from toposeg.train.config import TrainConfig
from toposeg.train.conventions import convention_metric_options
from toposeg.train.evaluation import load_split, predict_samples, score_samples
from toposeg.train.figures import plot_prediction
from toposeg.train.objective import parse_loss
from toposeg.train.trainer import TrainResult, train

__all__ = ["ComparisonConfig", "ComparisonResult", "compare_losses", "format_comparison"]


def demo_weights() -> dict[str, float]:
    """Weight of each topological term added to the pixel loss when fine-tuning, from
    :data:`toposeg.losses.LOSSES` (``demo_weight``): the DMT paper's beta = 3; the others from
    the sweep on one membranes run (seed 0) in docs/training.md: the largest of 0.003, 0.01
    (topo, localized), 0.5, 1 (clDice), 1, 3, 10, 30 (warping) that kept Dice within a point of
    plain."""
    return {name: e.demo_weight for name, e in LOSSES.items() if e.demo_weight is not None}


def topological_losses(*, in_demo: bool = False) -> tuple[str, ...]:
    """Names of the topological terms of :data:`toposeg.losses.LOSSES`, in order (with
    ``in_demo``, only the comparison's default methods)."""
    return tuple(name for name, entry in LOSSES.items()
                 if entry.kind == "topological" and (entry.in_demo or not in_demo))


#: The default weights when this module was imported (see :func:`demo_weights`).
DEFAULT_WEIGHTS = demo_weights()

#: Test metrics of the comparison (the seeds' tables).
TEST_METRICS = ("dice", "adapted_rand", "voi", "betti_error", "warping_error", "cldice")

# datasets whose structure is a boundary between regions: ARI and VOI compare the regions
_BOUNDARY_DATASETS = ("membranes", "sheets3d", "connectomics_membranes", "connectomics_sheets3d")

# table columns: (header, metric column, digits)
_COLUMNS = (
    ("Dice", "dice", 3), ("ARI", "adapted_rand_f_score", 3), ("VOI", "voi_total", 3),
    ("Betti err 0", "betti_error_0", 2), ("Betti err 1", "betti_error_1", 2), ("Betti err 2", "betti_error_2", 2),
    ("warping err", "warping_error", 4), ("clDice", "cldice", 3),
)


@dataclass(frozen=True)
class ComparisonConfig:
    """Options of the comparison (``toposeg demo``); the defaults are the demo's.

    Attributes
    ----------
    dataset : str
        A built-in dataset.
    methods : tuple of str
        ``"plain"`` and topological loss terms (``cldice``, ``topo``, ``dmt``, ``warping``,
        ``localized``, ``betti_matching``).
    pixel_loss : str
        The pretraining loss, kept when fine-tuning (e.g. ``"ce"``, ``"ce+dice"``).
    weights : mapping
        Weight of each topological term (default :data:`DEFAULT_WEIGHTS`).
    loss_options : mapping
        Options of the loss terms, as in :class:`TrainConfig`.
    train_count, val_count, test_count : int
        Samples per split.
    sample_shape, patch_size : tuple of int, optional
        Default: the dataset's shape; 64 (2D) or 32 (3D) per axis.
    depth, width : int
        The UNet.
    batch_size, steps_per_epoch : int
    pretrain_epochs, finetune_epochs : int
    lr : float
    seed, data_seed : int
    threads : int, optional
        Torch threads (1 is fastest on a busy 2-core machine).
    checkpoint : {"last", "best"}
        Which network of each method is tested: the last, or the best on validation by
        ``best_metric``.
    best_metric : str
        Validation column for ``checkpoint="best"``.

    Examples
    --------
    >>> from toposeg.train.comparison import ComparisonConfig
    >>> config = ComparisonConfig(methods=("plain", "topo", "dmt"), weights={"topo": 0.01})
    >>> [config.loss(m) for m in config.methods]
    ['ce', 'ce+0.01*topo', 'ce+3*dmt']
    >>> config.train_config("topo", init_from="pretrain/last.pt").epochs
    6
    """

    dataset: str = "membranes"
    root: str | None = None
    methods: tuple[str, ...] = field(default_factory=lambda: ("plain", *topological_losses(in_demo=True)))
    pixel_loss: str = "ce"
    weights: Mapping[str, float] = field(default_factory=demo_weights)
    loss_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    train_count: int = 32
    val_count: int = 4
    test_count: int = 8
    sample_shape: tuple[int, ...] | None = None
    patch_size: tuple[int, ...] | None = None
    depth: int = 3
    width: int = 16
    batch_size: int = 8
    steps_per_epoch: int = 25
    pretrain_epochs: int = 12
    finetune_epochs: int = 6
    lr: float = 1e-3
    seed: int = 0
    data_seed: int = 0
    threads: int | None = 1
    checkpoint: Literal["last", "best"] = "last"
    best_metric: str = "dice"

    def __post_init__(self) -> None:
        if not self.methods or len(set(self.methods)) != len(self.methods):
            raise ValueError(f"methods must be distinct names, got {self.methods}")
        for method in self.methods:
            if method != "plain" and method not in topological_losses():
                raise ValueError(f"unknown method {method!r}; choose plain or {', '.join(topological_losses())}")
        if "plain" not in self.methods:
            raise ValueError("methods must include 'plain', the network the others are compared with")
        if self.checkpoint not in ("last", "best"):
            raise ValueError(f"checkpoint must be 'last' or 'best', got {self.checkpoint!r}")
        if self.dataset in DATASETS and DATASETS[self.dataset].classes > 1:
            raise ValueError(f"the comparison is of binary segmentations; dataset {self.dataset!r} has label images "
                             f"of {DATASETS[self.dataset].classes} classes: compare its methods with toposeg train "
                             "and evaluate (docs/training.md, Multi-class)")
        object.__setattr__(self, "weights", {**demo_weights(), **dict(self.weights)})
        for _, method in self.runs():  # every run's config is valid now, before any training
            self.train_config(method)

    def runs(self) -> list[tuple[str, str]]:
        """``(folder name, method)`` of every run, the pretraining first."""
        return [("pretrain", "pretrain")] + [(m, m) for m in self.methods]

    def loss(self, method: str) -> str:
        """The loss of a method (``pretrain`` and ``plain``: the pixel loss)."""
        if method in ("pretrain", "plain"):
            return self.pixel_loss
        weight = self.weights.get(method, 1.0)
        return f"{self.pixel_loss}+{method}" if weight == 1 else f"{self.pixel_loss}+{weight:g}*{method}"

    def train_config(self, method: str, *, init_from: str | None = None) -> TrainConfig:
        """The :class:`TrainConfig` of one run (with the options of its own loss terms only)."""
        terms = {name for _, name in parse_loss(self.loss(method)).terms}
        files = DATASETS[self.dataset].kind in ("benchmark", "folder")  # counts and shapes are the files'
        return TrainConfig(
            dataset=self.dataset, root=self.root, train_count=None if files else self.train_count,
            val_count=None if files else self.val_count, sample_shape=None if files else self.sample_shape,
            data_seed=self.data_seed, patch_size=self.patch_size,
            depth=self.depth, width=self.width, loss=self.loss(method),
            loss_options={term: options for term, options in self.loss_options.items() if term in terms},
            epochs=self.pretrain_epochs if method == "pretrain" else self.finetune_epochs,
            steps_per_epoch=self.steps_per_epoch, batch_size=self.batch_size, lr=self.lr,
            val_metrics=("dice", "betti_error"), metric_options=_metric_options(self),
            best_metric=self.best_metric, seed=self.seed,
            threads=self.threads, init_from=init_from,
        )

    def to_dict(self) -> dict[str, Any]:
        return json.loads(json.dumps(dataclasses.asdict(self)))


def _metric_options(config: ComparisonConfig) -> dict[str, Any]:
    """Betti-error windows of 64 px, or the sample size when smaller."""
    shape = config.sample_shape or DATASETS[config.dataset].shape or (64,)
    return {"patch_size": int(min(64, *shape))}


@dataclass(frozen=True)
class ComparisonResult:
    """Test scores and training times of every method.

    Attributes
    ----------
    scores : dict
        ``method -> column -> (mean, std)`` over the test samples.
    epoch_seconds : dict
        ``method -> (wall, cpu)`` mean seconds of a fine-tuning epoch (``pretrain`` included).
    runs : dict
        ``method -> TrainResult``.
    """

    config: ComparisonConfig
    scores: dict[str, dict[str, tuple[float, float]]]
    epoch_seconds: dict[str, tuple[float, float]]
    runs: dict[str, TrainResult]


def compare_losses(config: ComparisonConfig, out: str | Path, *, progress: bool = True) -> ComparisonResult:
    """Pretrain, fine-tune every method, test them, write the table and one figure per method.

    Writes ``out/<run>/`` (one training run each: ``pretrain``, ``plain``, one per
    topological method), ``out/comparison.md`` and ``out/comparison.csv`` (the table),
    ``out/comparison.json`` (the config, scores and times), ``out/figures/<method>.png``.
    A run already complete in ``out`` (same config) is reused, an interrupted one resumed.
    """
    out = Path(out)
    test = load_split(config.train_config("plain"), "test", count=config.test_count)[:config.test_count]
    runs: dict[str, TrainResult] = {}
    for folder, method in config.runs():
        init_from = None if method == "pretrain" else str(out / "pretrain" / "last.pt")
        run_config = config.train_config(method, init_from=init_from)
        resume = (out / folder / "last.pt").is_file()
        if progress:
            print(f"== {method}: loss {run_config.loss}, {run_config.epochs} epochs"
                  + (" (resuming)" if resume else ""), flush=True)
        runs[method] = train(run_config, out / folder, resume=resume, progress=progress, epoch_lines=progress)

    (out / "figures").mkdir(exist_ok=True)
    options = dict(_metric_options(config))
    if config.dataset in _BOUNDARY_DATASETS:
        options["regions"] = "background"
    options = convention_metric_options(config.dataset, TEST_METRICS, options)  # a real data set's conventions
    scores, seconds = {}, {}
    for method in config.methods:
        model, run_config = model_from_checkpoint(load_checkpoint(out / method / f"{config.checkpoint}.pt"))
        likelihoods = predict_samples(model, test, normalise=run_config.normalise)
        accumulator = score_samples(likelihoods, test, threshold=run_config.threshold, metrics=TEST_METRICS,
                                    options=options)
        scores[method] = {k: (s.mean, s.std) for k, s in accumulator.summary().items()}
        seconds[method] = runs[method].mean_epoch_seconds()
        row = scores[method]
        plot_prediction(test[0].image, test[0].mask, likelihoods[0], out / "figures" / f"{method}.png",
                        title=f"{method} ({run_config.loss}): Dice {row['dice'][0]:.3f}, "
                              f"Betti error {row['betti_error_0'][0]:.2f} / {row['betti_error_1'][0]:.2f} "
                              f"(test sample {test[0].name})")
    seconds["pretrain"] = runs["pretrain"].mean_epoch_seconds()
    result = ComparisonResult(config, scores, seconds, runs)
    write_text_atomically(out / "comparison.md", format_comparison(result) + "\n")
    write_text_atomically(out / "comparison.csv", _comparison_csv(result))
    write_text_atomically(out / "comparison.json", json.dumps({
        "config": config.to_dict(),
        "scores": {m: {k: [_finite(v) for v in pair] for k, pair in s.items()} for m, s in scores.items()},
        "epoch_seconds": {m: [_finite(v) for v in pair] for m, pair in seconds.items()},
    }, indent=2) + "\n")
    return result


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _present_columns(result: ComparisonResult) -> list[tuple[str, str, int]]:
    return [c for c in _COLUMNS if any(c[1] in s for s in result.scores.values())]


def format_comparison(result: ComparisonResult) -> str:
    """The comparison as one Markdown table: mean ± std over the test samples, and time per
    fine-tuning epoch (wall and CPU seconds, each relative to plain's)."""
    columns = _present_columns(result)
    header = ["method", "loss", *(c[0] for c in columns), "s/epoch (x plain)", "CPU s/epoch (x plain)"]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    plain_wall, plain_cpu = result.epoch_seconds["plain"]
    for method in result.config.methods:
        cells = [method, f"`{result.config.loss(method)}`"]
        for _, column, digits in columns:
            mean, std = result.scores[method].get(column, (math.nan, math.nan))
            cells.append(f"{mean:.{digits}f} ± {std:.{digits}f}")
        wall, cpu = result.epoch_seconds[method]
        cells += [f"{wall:.2f} ({wall / plain_wall:.2f})", f"{cpu:.2f} ({cpu / plain_cpu:.2f})"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _comparison_csv(result: ComparisonResult) -> str:
    columns = _present_columns(result)
    lines = ["method,loss," + ",".join(f"{c[1]}_mean,{c[1]}_std" for c in columns)
             + ",epoch_seconds,epoch_cpu_seconds"]
    for method in result.config.methods:
        values = [v for c in columns for v in result.scores[method].get(c[1], (math.nan, math.nan))]
        values += list(result.epoch_seconds[method])
        lines.append(f"{method},{result.config.loss(method)}," + ",".join(repr(float(v)) for v in values))
    return "\n".join(lines) + "\n"

