"""Scores of a dataset: per-sample rows, mean and standard deviation, tables on disk."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

__all__ = ["ColumnSummary", "MetricAccumulator"]


@dataclass(frozen=True)
class ColumnSummary:
    """Mean and population standard deviation of one column over the samples where it is
    defined (``NaN`` values are left out and not counted)."""

    mean: float
    std: float
    count: int


class MetricAccumulator:
    """Collect per-sample metric scores and summarise them as mean ± std over a dataset.

    Parameters
    ----------
    metrics : str or iterable of str
        Metric names from :data:`toposeg.metrics.METRICS`, or ``"default"`` / ``"all"``.
    options : mapping, optional
        Options passed to every chosen metric that accepts them, e.g. ``{"connectivity": 2,
        "patch_size": 65, "tolerance": 3}``. An option no chosen metric accepts is an error.
    classes : int
        1 (default): ``update`` takes two binary masks. ``C >= 2``: it takes two label images
        (0 the background, ``1 .. C - 1`` the classes) and scores every foreground class ``c``
        one-vs-rest (``pred == c`` against ``gt == c``) into the columns ``<column>_c<c>``;
        the plain ``<column>`` is their mean over the classes where it is defined.

    Notes
    -----
    ``update`` scores a pair with the chosen metrics; ``add`` records scores computed
    elsewhere; ``add_failure`` records a sample that could not be scored, so that a table
    says what is missing. Undefined values (``NaN``, e.g. precision of an empty prediction)
    are kept in the rows and left out of the summary, whose ``count`` says how many samples
    contributed. The standard deviation is the population one (``ddof=0``).

    Examples
    --------
    >>> import numpy as np
    >>> from toposeg.metrics import MetricAccumulator
    >>> scores = MetricAccumulator(["jaccard", "betti_error_global"])
    >>> gt = np.zeros((8, 8), dtype=bool); gt[2:6, 2:6] = True
    >>> scores.update(gt, gt, name="perfect")["jaccard"]
    1.0
    >>> pred = gt.copy(); pred[3:5, 3:5] = False                      # a false hole
    >>> scores.update(pred, gt, name="holed")["betti_error_global_1"]
    1.0
    >>> scores.summary()["jaccard"]
    ColumnSummary(mean=0.875, std=0.125, count=2)

    Label images of two classes: each class alone, then the mean.

    >>> per_class = MetricAccumulator(["dice"], classes=3)
    >>> truth = np.zeros((8, 8), dtype=np.uint8); truth[1, :], truth[5, :] = 1, 2
    >>> guess = truth.copy(); guess[5, :4] = 0
    >>> per_class.update(guess, truth)
    {'dice': 0.8333333333333333, 'dice_c1': 1.0, 'dice_c2': 0.6666666666666666}
    """

    def __init__(
        self,
        metrics: str | Iterable[str] = "default",
        *,
        options: Mapping[str, object] | None = None,
        classes: int = 1,
    ) -> None:
        from toposeg.metrics import METRICS
        from toposeg.metrics.registry import check_options, select_metrics

        self.metrics = select_metrics(metrics, METRICS)
        self.options = dict(options or {})
        check_options(self.metrics, self.options)
        if isinstance(classes, bool) or not isinstance(classes, int) or classes < 1:
            raise ValueError(f"classes must be an integer >= 1, got {classes!r}")
        self.classes = classes
        self._rows: list[tuple[str, dict[str, float]]] = []
        self._failures: list[tuple[str, str]] = []

    @property
    def rows(self) -> tuple[tuple[str, dict[str, float]], ...]:
        """``(name, scores)`` of every scored sample, in order."""
        return tuple((name, dict(scores)) for name, scores in self._rows)

    @property
    def failures(self) -> tuple[tuple[str, str], ...]:
        """``(name, reason)`` of every sample that could not be scored."""
        return tuple(self._failures)

    @property
    def columns(self) -> list[str]:
        """Column names in order of first appearance."""
        seen: dict[str, None] = {}
        for _, scores in self._rows:
            seen.update(dict.fromkeys(scores))
        return list(seen)

    def update(self, pred: np.ndarray, gt: np.ndarray, *, name: str | None = None,
               region: np.ndarray | None = None) -> dict[str, float]:
        """Score one pair of binary masks (of label images, with ``classes >= 2``) with the
        chosen metrics, record and return the row.

        With ``region`` (a bool mask of the same shape), only its pixels count: outside it
        both masks are set to background and accuracy is taken over the region
        (:mod:`toposeg.metrics.regions`).

        Raises
        ------
        TypeError, ValueError
            For inputs that are not two binary 2D/3D masks of one shape, or with ``classes``,
            two label images of one shape with labels ``0 .. classes - 1`` (nothing is recorded).
        """
        if self.classes >= 2:
            scores = self._score_classes(pred, gt, region)
            self.add(f"sample {len(self._rows) + 1}" if name is None else name, scores)
            return scores
        from toposeg.metrics.registry import evaluate_pair
        from toposeg.metrics.regions import region_accuracy, restrict_to_region

        if region is not None:
            pred, gt = restrict_to_region(pred, gt, region)
        scores = evaluate_pair(pred, gt, self.metrics, self.options)
        if region is not None and "accuracy" in scores:
            scores["accuracy"] = region_accuracy(pred, gt, region)
        self.add(f"sample {len(self._rows) + 1}" if name is None else name, scores)
        return scores

    def _score_classes(self, pred: np.ndarray, gt: np.ndarray, region: np.ndarray | None) -> dict[str, float]:
        """Every foreground class one-vs-rest, then the mean of each column over the classes."""
        from toposeg.metrics.registry import evaluate_pair
        from toposeg.metrics.regions import region_accuracy, restrict_to_region

        pred, gt = np.asarray(pred), np.asarray(gt)
        for name, labels in (("pred", pred), ("gt", gt)):
            if labels.dtype != np.bool_ and labels.dtype.kind not in "iu":
                raise TypeError(f"{name} must be a label image of integers (classes={self.classes}), "
                                f"got dtype {labels.dtype}")
            if labels.size and (labels.min() < 0 or labels.max() >= self.classes):
                raise ValueError(f"{name} holds labels {labels.min()} .. {labels.max()}, outside 0 .. "
                                 f"{self.classes - 1} (classes={self.classes})")
        if pred.shape != gt.shape:
            raise ValueError(f"pred has shape {pred.shape} but gt has shape {gt.shape}")
        by_class = []
        for label in range(1, self.classes):
            one, other = pred == label, gt == label
            if region is not None:
                one, other = restrict_to_region(one, other, region)
            scores = evaluate_pair(one, other, self.metrics, self.options)
            if region is not None and "accuracy" in scores:
                scores["accuracy"] = region_accuracy(one, other, region)
            by_class.append(scores)
        means = {}
        for column in by_class[0]:
            values = np.array([scores[column] for scores in by_class], dtype=np.float64)
            means[column] = float(values[~np.isnan(values)].mean()) if (~np.isnan(values)).any() else math.nan
        return {**means, **{f"{column}_c{label}": value for label, scores in enumerate(by_class, 1)
                            for column, value in scores.items()}}

    def add(self, name: str, scores: Mapping[str, float]) -> None:
        """Record the scores of one sample, computed elsewhere."""
        self._rows.append((str(name), {str(k): float(v) for k, v in scores.items()}))

    def add_failure(self, name: str, reason: str) -> None:
        """Record a sample that could not be scored and why."""
        self._failures.append((str(name), str(reason)))

    def summary(self) -> dict[str, ColumnSummary]:
        """Mean, standard deviation and count of every column over the defined values."""
        result = {}
        for column in self.columns:
            values = np.array([s.get(column, np.nan) for _, s in self._rows], dtype=np.float64)
            values = values[~np.isnan(values)]
            if values.size:
                result[column] = ColumnSummary(float(values.mean()), float(values.std()), values.size)
            else:
                result[column] = ColumnSummary(math.nan, math.nan, 0)
        return result

    def format_table(self, *, digits: int = 4) -> str:
        """The summary as aligned text: one line per column, ``mean ± std (n)``."""
        summary = self.summary()
        if not summary:
            return "no samples scored"
        width = max(len(c) for c in summary)
        lines = [f"{'metric'.ljust(width)}  mean ± std  (samples: {len(self._rows)})"]
        for column, s in summary.items():
            if s.count == 0:
                lines.append(f"{column.ljust(width)}  undefined")
                continue
            count = f"  (n={s.count})" if s.count != len(self._rows) else ""
            lines.append(f"{column.ljust(width)}  {s.mean:.{digits}f} ± {s.std:.{digits}f}{count}")
        return "\n".join(lines)

    def write_csv(self, path: str | Path, *, table: Literal["summary", "samples"] = "summary") -> None:
        """Write the summary (``metric, mean, std, count``) or the per-sample rows
        (``sample, <columns>``) as CSV, atomically (a temporary file renamed into place)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        if table == "summary":
            writer.writerow(["metric", "mean", "std", "count"])
            for column, s in self.summary().items():
                writer.writerow([column, repr(s.mean), repr(s.std), s.count])
        elif table == "samples":
            columns = self.columns
            writer.writerow(["sample", *columns])
            for name, scores in self._rows:
                writer.writerow([name, *(repr(scores.get(c, math.nan)) for c in columns)])
        else:
            raise ValueError(f"table must be 'summary' or 'samples', got {table!r}")
        _write_atomically(Path(path), buffer.getvalue())

    def write_json(self, path: str | Path, *, config: Mapping[str, object] | None = None) -> None:
        """Write samples, summary, failures and ``config`` as JSON, atomically; ``NaN`` -> null."""
        document = {
            "config": dict(config or {}),
            "metrics": [m.name for m in self.metrics],
            "options": self.options,
            "summary": {
                c: {"mean": _finite(s.mean), "std": _finite(s.std), "count": s.count}
                for c, s in self.summary().items()
            },
            "samples": [
                {"name": name, "scores": {k: _finite(v) for k, v in scores.items()}}
                for name, scores in self._rows
            ],
            "failures": [{"name": name, "reason": reason} for name, reason in self._failures],
        }
        text = json.dumps(document, indent=2, default=str, allow_nan=False)
        _write_atomically(Path(path), text + "\n")


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it over ``path``."""
    if not path.parent.is_dir():
        raise FileNotFoundError(f"output folder does not exist: {path.parent}")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
