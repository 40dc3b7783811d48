"""Named metrics for tables: what each computes, which options it takes, and shared inputs.

A :class:`Metric` names a per-sample function ``f(pred, gt, **keywords)``. Evaluating a set of
metrics on a pair checks the pair once, passes each function the user options it accepts
(by keyword name), and computes the inputs several metrics share (skeletons, contingency
table) once. Results become table columns: a float gives one column named after the metric;
a result with ``as_dict()`` (or a dict) gives one column per entry, ``<prefix><key>``.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from toposeg._registry import add_entry
from toposeg.metrics._checks import check_pair
from toposeg.metrics._skeleton import skeleton_of
from toposeg.metrics.apls import apls
from toposeg.metrics.betti_error import betti_error
from toposeg.metrics.betti_matching import betti_matching_error
from toposeg.metrics.ccq import ccq
from toposeg.metrics.cldice import cldice
from toposeg.metrics.contingency import contingency_table
from toposeg.metrics.information import voi
from toposeg.metrics.instances import ap75
from toposeg.metrics.junctions import junction_f1
from toposeg.metrics.overlap import accuracy, dice, jaccard, precision_recall
from toposeg.metrics.rand import adapted_rand
from toposeg.metrics.tlts import tlts
from toposeg.metrics.warping import warping_error
from toposeg.persistence import betti_numbers

__all__ = ["METRICS", "Metric", "evaluate_pair", "register_metric", "select_metrics"]


@dataclass(frozen=True)
class Metric:
    """A named metric for :class:`MetricAccumulator` and ``toposeg evaluate``.

    Attributes
    ----------
    name : str
        Name used to choose the metric and to name its columns.
    function : callable
        ``f(pred, gt, **keywords)`` on two binary masks.
    fixed : mapping
        Keywords always passed (e.g. ``{"protocol": "global"}``).
    default : bool
        Whether the metric is in the default set.
    prefix : str, optional
        Column prefix of multi-part results; ``None`` means ``name + "_"``.
    description : str
        One line, for the CLI help and the docs.
    """

    name: str
    function: Callable[..., object]
    fixed: Mapping[str, object] = field(default_factory=dict)
    default: bool = False
    prefix: str | None = None
    description: str = ""

    def keywords(self) -> frozenset[str]:
        """Keyword arguments the function accepts, besides those fixed here."""
        parameters = inspect.signature(self.function).parameters.values()
        names = {p.name for p in parameters if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)}
        return frozenset(names - {"pred", "gt"} - set(self.fixed))

    def columns(self, result: object) -> dict[str, float]:
        """Table columns of one result."""
        if isinstance(result, (int, float, np.integer, np.floating)):
            return {self.name: float(result)}
        if hasattr(result, "as_dict"):
            parts = result.as_dict()
        elif dataclasses.is_dataclass(result):
            parts = dataclasses.asdict(result)
        elif isinstance(result, Mapping):
            parts = result
        else:
            raise TypeError(f"metric {self.name!r} returned {type(result).__name__}, not a number")
        prefix = f"{self.name}_" if self.prefix is None else self.prefix
        return {f"{prefix}{key}": float(value) for key, value in parts.items()}


# Inputs that several metrics take and that are computed once per pair when asked for.
_SHARED = {
    "pred_skeleton": lambda pred, gt, options: skeleton_of(pred),
    "gt_skeleton": lambda pred, gt, options: skeleton_of(gt),
    "table": lambda pred, gt, options: contingency_table(
        pred,
        gt,
        regions=options.get("regions", "foreground"),
        connectivity=options.get("connectivity", 1),
    ),
}


def _betti_numbers_of_both(pred: np.ndarray, gt: np.ndarray, *, connectivity: int = 1) -> dict[str, int]:
    """Betti numbers of the prediction and of the ground truth, as table columns."""
    columns = {}
    for role, mask in (("pred", pred), ("gt", gt)):
        for d, b in enumerate(betti_numbers(mask, connectivity=connectivity)):
            columns[f"{d}_{role}"] = b
    return columns


#: Every named metric. ``default=True`` marks the default set of ``toposeg evaluate`` and
#: :class:`MetricAccumulator` (all of it runs in < 1 s on a 1024x1024 pair; see docs/metrics.md).
#: Adding a metric is one file (its function) plus one row here (or :func:`register_metric`).
METRICS: list[Metric] = [
    Metric("accuracy", accuracy, default=True, description="fraction of pixels right"),
    Metric("dice", dice, default=True, description="Dice coefficient of the foregrounds"),
    Metric("jaccard", jaccard, default=True, description="Jaccard index (IoU) of the foregrounds"),
    Metric("precision_recall", precision_recall, default=True, prefix="",
           description="pixel precision and recall"),
    Metric("betti_error", betti_error, fixed={"protocol": "patches"}, default=True,
           description="Betti number error in random patches, per dimension"),
    Metric("betti_error_global", betti_error, fixed={"protocol": "global"}, default=True,
           description="Betti number error of the whole image, per dimension"),
    Metric("betti_error_tiles", betti_error, fixed={"protocol": "tiles"},
           description="Betti number error in tiles, per dimension"),
    Metric("betti_numbers", _betti_numbers_of_both, prefix="betti_",
           description="Betti numbers of prediction and ground truth"),
    Metric("betti_matching_error", betti_matching_error,
           description="unmatched features of both masks under Betti matching, per dimension"),
    Metric("adapted_rand", adapted_rand, default=True,
           description="adapted Rand error and F-score of the regions"),
    Metric("voi", voi, default=True, description="variation of information of the regions"),
    Metric("cldice", cldice, default=True, description="centreline Dice (clDice)"),
    Metric("ccq", ccq, default=True, description="completeness, correctness, quality (roads)"),
    Metric("warping_error", warping_error, default=True,
           description="homotopy warping error (topological pixel errors)"),
    Metric("ap75", ap75, description="instance average precision at IoU 0.75"),
    Metric("apls", apls, description="average path length similarity of the graphs"),
    Metric("tlts", tlts, description="too long / too short path fractions"),
    Metric("jct", junction_f1, description="junction F1 score"),
]


def register_metric(metric: Metric) -> Metric:
    """Add ``metric`` to :data:`METRICS` (``toposeg evaluate`` and the accumulator then know
    it); a name taken already is a ``ValueError``.

    Examples
    --------
    >>> from toposeg.metrics import METRICS, Metric, dice, register_metric
    >>> _ = register_metric(Metric("dice_again", dice, description="Dice, twice"))
    >>> METRICS[-1].name
    'dice_again'
    >>> _ = METRICS.pop()
    """
    return add_entry(METRICS, metric, Metric, "metric")



def select_metrics(
    names: str | Iterable[str], registry: Iterable[Metric]
) -> tuple[Metric, ...]:
    """Metrics chosen by name; ``"default"`` and ``"all"`` expand to the default/whole set.

    Raises
    ------
    ValueError
        If a name is unknown (the message lists the known ones) or nothing is chosen.
    """
    registry = tuple(registry)
    by_name = {metric.name: metric for metric in registry}
    if isinstance(names, str):
        names = [names]
    chosen: dict[str, Metric] = {}
    for name in names:
        if name == "all":
            chosen.update(by_name)
        elif name == "default":
            chosen.update((m.name, m) for m in registry if m.default)
        elif name in by_name:
            chosen[name] = by_name[name]
        else:
            raise ValueError(
                f"unknown metric {name!r}; choose from default, all, {', '.join(by_name)}"
            )
    if not chosen:
        raise ValueError("no metric chosen")
    return tuple(chosen.values())


def check_options(metrics: Iterable[Metric], options: Mapping[str, object]) -> None:
    """Raise ``ValueError`` if an option is accepted by none of the ``metrics``."""
    metrics = tuple(metrics)
    accepted = set().union(*(m.keywords() for m in metrics)) - set(_SHARED)
    unused = sorted(set(options) - accepted)
    if unused:
        raise ValueError(
            f"option(s) {', '.join(unused)} not used by the chosen metrics "
            f"({', '.join(m.name for m in metrics)}); they accept {', '.join(sorted(accepted))}"
        )


def evaluate_pair(
    pred: np.ndarray,
    gt: np.ndarray,
    metrics: Iterable[Metric],
    options: Mapping[str, object] | None = None,
) -> dict[str, float]:
    """Columns of every metric on one pair of binary masks.

    Parameters
    ----------
    pred, gt : (M, N[, P]) ndarray of bool or 0/1
        Binary masks of one shape (checked once here).
    metrics : iterable of Metric
        See :func:`select_metrics`.
    options : mapping, optional
        Keyword options (``connectivity``, ``tolerance``, ``patch_size``, ...), each passed to
        every metric whose function accepts it.

    Returns
    -------
    dict of str to float
    """
    pred, gt = check_pair(pred, gt)
    options = dict(options or {})
    shared: dict[str, object] = {}
    row: dict[str, float] = {}
    for metric in metrics:
        accepted = metric.keywords()
        keywords = {k: v for k, v in options.items() if k in accepted}
        for name in accepted & set(_SHARED):
            if name not in shared:
                shared[name] = _SHARED[name](pred, gt, options)
            keywords[name] = shared[name]
        row.update(metric.columns(metric.function(pred, gt, **keywords, **metric.fixed)))
    return row
