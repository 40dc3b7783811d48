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

from toposeg.metrics._checks import check_pair
from toposeg.metrics._skeleton import skeleton_of
from toposeg.metrics.contingency import contingency_table

__all__ = ["Metric", "evaluate_pair", "select_metrics"]


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
    """

    name: str
    function: Callable[..., object]
    fixed: Mapping[str, object] = field(default_factory=dict)
    default: bool = False
    prefix: str | None = None

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
