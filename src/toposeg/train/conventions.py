"""A real data set's conventions as a run's defaults: its metric options and the connectivity
of the topological loss terms (the user's own options win)."""

from __future__ import annotations

from typing import Any

from toposeg.data import BENCHMARKS
from toposeg.metrics import METRICS
from toposeg.metrics.registry import select_metrics
from toposeg.train.config import TrainConfig
from toposeg.train.objective import LOSS_TERMS, parse_loss

__all__ = ["accepted_options", "apply_conventions", "convention_metric_options"]

#: Built-in data sets whose structure is a boundary between regions (membranes, sheets): ARI and
#: VOI compare the regions it separates, not its own pieces.
BOUNDARY_DATASETS = ("membranes", "sheets3d", "connectomics_membranes", "connectomics_sheets3d")


def accepted_options(metrics: Any) -> set[str]:
    """Names of the options that at least one of the chosen ``metrics`` takes.

    Examples
    --------
    >>> from toposeg.train.conventions import accepted_options
    >>> sorted(accepted_options(["dice", "betti_error"]))
    ['connectivity', 'patch_size', 'patches', 'seed']
    """
    return set().union(*(m.keywords() for m in select_metrics(metrics, METRICS))) - {"pred_skeleton", "gt_skeleton",
                                                                                      "table"}


def convention_metric_options(dataset: str, metrics: Any, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """The data set's metric options that the chosen ``metrics`` accept, under the user's ``options``.

    Examples
    --------
    >>> from toposeg.train.conventions import convention_metric_options
    >>> convention_metric_options("drive", ["dice", "betti_error"])
    {'connectivity': 2}
    >>> convention_metric_options("drive", ["dice"])
    {}
    >>> convention_metric_options("membranes", "default", {"patch_size": 32})
    {'regions': 'background', 'patch_size': 32}
    >>> convention_metric_options("vessels", "default")
    {}
    """
    options = dict(options or {})
    benchmark = BENCHMARKS.get(dataset)
    conventions = dict(benchmark.metric_options) if benchmark is not None else {}
    if dataset in BOUNDARY_DATASETS:
        conventions["regions"] = "background"
    accepted = accepted_options(metrics)
    defaults = {k: v for k, v in conventions.items() if k in accepted}
    return {**defaults, **options}


def apply_conventions(config: TrainConfig) -> TrainConfig:
    """``config`` with its data set's metric options and loss connectivity filled in.

    A topological loss term that takes a ``connectivity`` option gets the data set's unless
    the user set one. Built-in data sets and folders are returned unchanged (their validation
    metrics take the user's options as given).

    Examples
    --------
    >>> from toposeg.train import TrainConfig
    >>> from toposeg.train.conventions import apply_conventions
    >>> config = apply_conventions(TrainConfig(dataset="drive", root=".", loss="ce+topo"))
    >>> config.loss_options["topo"], config.metric_options["connectivity"]
    ({'connectivity': 2}, 2)
    """
    benchmark = BENCHMARKS.get(config.dataset)
    if benchmark is None:
        return config
    metric_options = convention_metric_options(config.dataset, config.val_metrics, dict(config.metric_options))
    loss_options = {term: dict(options) for term, options in config.loss_options.items()}
    for _, name in parse_loss(config.loss).terms:
        if LOSS_TERMS[name].kind != "topological" or "connectivity" in loss_options.get(name, {}):
            continue
        trial = {**loss_options.get(name, {}), "connectivity": benchmark.connectivity}
        try:
            LOSS_TERMS[name].make(trial)
        except ValueError:
            continue  # the term takes no connectivity
        loss_options[name] = trial
    return config.replace(metric_options=metric_options, loss_options=loss_options)
