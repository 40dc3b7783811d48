"""Side-by-side evaluation of protocol runs (``toposeg cv`` outputs): one table, paired tests, figures.

Each run's ``per_image.csv`` holds one row per (seed, fold, held-out image). The table gives,
for each run and metric, the mean ± std over all its rows (images, folds and seeds together);
each run is tested against the baseline by :func:`toposeg.metrics.paired_permutation_test`
over the (seed, fold, image) units both runs scored.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from toposeg.metrics import paired_permutation_test
from toposeg.train.cross_validation import prediction_path, summarise

__all__ = ["RunScores", "compare_runs", "format_runs", "load_run", "plot_run_figures"]

#: Columns shown by default, the seeds' headline first: Betti error of dimension 1 on random
#: patches, dimension 0 beside it, then the whole-image Betti errors (TopoMortar's protocol).
DEFAULT_COLUMNS = ("betti_error_1", "betti_error_0", "betti_error_global_1", "betti_error_global_0", "dice",
                   "accuracy", "adapted_rand_error", "voi_total", "cldice", "warping_error")
#: Columns shown class by class as well (``<column>_c<k>``) for multi-class runs, after the means.
PER_CLASS_COLUMNS = ("betti_error_1", "betti_error_0", "dice")


@dataclass(frozen=True)
class RunScores:
    """One protocol run as read from its folder: its label, rows and record (``cv.json``)."""

    label: str
    folder: Path
    rows: tuple[dict[str, Any], ...]
    record: dict[str, Any]

    def values(self, column: str) -> dict[tuple[int, int, str], float]:
        """``(seed, fold, image) -> value`` of one column."""
        return {(int(r["seed"]), int(r["fold"]), str(r["image"])): float(r.get(column, math.nan)) for r in self.rows}

    @property
    def connectivity(self) -> int:
        return int(self.record.get("options", {}).get("connectivity", 1))


def load_run(folder: str | Path, label: str | None = None) -> RunScores:
    """Read a ``toposeg cv`` output folder.

    Raises
    ------
    FileNotFoundError
        If the folder lacks ``cv.json`` or ``per_image.csv`` (the message says what makes them).
    """
    folder = Path(folder)
    for name in ("cv.json", "per_image.csv"):
        if not (folder / name).is_file():
            raise FileNotFoundError(f"{folder / name} not found: compare takes output folders of toposeg cv")
    record = json.loads((folder / "cv.json").read_text(encoding="utf-8"))
    with open(folder / "per_image.csv", encoding="utf-8", newline="") as file:
        rows = tuple({k: (v if k == "image" else float(v)) for k, v in row.items()} for row in csv.DictReader(file))
    return RunScores(label or folder.name, folder, rows, record)


@dataclass(frozen=True)
class Comparison:
    """The table of :func:`compare_runs`: ``summary[label][column] = (mean, std, count)`` and
    ``tests[label][column]`` = the permutation test against ``baseline`` (absent for it)."""

    runs: tuple[RunScores, ...]
    baseline: str
    columns: tuple[str, ...]
    summary: dict[str, dict[str, tuple[float, float, int]]]
    tests: dict[str, dict[str, Any]]


def compare_runs(runs: Sequence[RunScores], *, baseline: str | None = None, columns: Sequence[str] | None = None,
                 permutations: int = 20000, seed: int = 0) -> Comparison:
    """Summaries of every run and a paired permutation test of each against ``baseline``.

    Raises
    ------
    ValueError
        If labels repeat, the baseline is not a run, a column is in no run, or a run shares no
        (seed, fold, image) unit with the baseline.
    """
    runs = tuple(runs)
    labels = [r.label for r in runs]
    if not runs or len(set(labels)) != len(labels):
        raise ValueError(f"give one or more runs with distinct labels, got {labels}")
    baseline = labels[0] if baseline is None else baseline
    if baseline not in labels:
        raise ValueError(f"baseline {baseline!r} is not one of the runs ({', '.join(labels)})")
    present = set().union(*(set(r.rows[0]) if r.rows else set() for r in runs))
    if columns is None:
        columns = [c for c in DEFAULT_COLUMNS if c in present]
        columns += sorted((c for c in present if re.fullmatch(rf"({'|'.join(PER_CLASS_COLUMNS)})_c\d+", c)),
                          key=lambda c: (PER_CLASS_COLUMNS.index(c.rsplit("_c", 1)[0]), int(c.rsplit("_c", 1)[1])))
    missing = [c for c in columns if c not in present]
    if missing:
        raise ValueError(f"column(s) {', '.join(missing)} in no run; columns: {', '.join(sorted(present - {'seed', 'fold', 'image'}))}")
    base = next(r for r in runs if r.label == baseline)
    summary = {r.label: summarise(r.rows) for r in runs}
    tests: dict[str, dict[str, Any]] = {}
    for run in runs:
        if run.label == baseline:
            continue
        tests[run.label] = {}
        for column in columns:
            mine, theirs = run.values(column), base.values(column)
            units = sorted(mine.keys() & theirs.keys())
            if not units:
                raise ValueError(f"{run.label} and {baseline} share no (seed, fold, image): were they run with the "
                                 "same data set, folds and seeds?")
            tests[run.label][column] = paired_permutation_test([mine[u] for u in units], [theirs[u] for u in units],
                                                               permutations=permutations, seed=seed)
    return Comparison(runs, baseline, tuple(columns), summary, tests)


def format_runs(comparison: Comparison, *, digits: int = 3) -> str:
    """A Markdown table: mean ± std per run and column, the p-value against the baseline
    below each run's line, then which protocol and connectivity each number used."""
    header = ["run", "units", *comparison.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for run in comparison.runs:
        stats = comparison.summary[run.label]
        cells = [_cell(stats.get(c, (math.nan, math.nan, 0)), digits) for c in comparison.columns]
        lines.append(f"| {run.label} | {len(run.rows)} | " + " | ".join(cells) + " |")
        if run.label in comparison.tests:
            tests = comparison.tests[run.label]
            cells = [f"p = {tests[c].p_value:.3g}" for c in comparison.columns]
            lines.append(f"| vs {comparison.baseline} | {tests[comparison.columns[0]].pairs} pairs | "
                         + " | ".join(cells) + " |")
    notes = ["", "mean ± std over held-out images, folds and seeds; p: two-sided paired permutation test of the "
             "mean difference against the baseline over the (seed, fold, image) units both runs scored.",
             "betti_error_D: dimension D on random patches (the seeds' protocol; D=1 is the headline); "
             "betti_error_global_D: the whole image (TopoMortar's protocol)."]
    for run in comparison.runs:
        record = run.record
        notes.append(f"{run.label}: {record.get('config', {}).get('base', {}).get('dataset', '?')}, "
                     f"{record.get('protocol', '?')}, seeds {record.get('config', {}).get('seeds')}, loss "
                     f"{record.get('config', {}).get('base', {}).get('loss', '?')}; connectivity {run.connectivity} "
                     f"({'8' if run.connectivity == 2 else '4'}-connected foreground in 2D); options "
                     f"{record.get('options', {})}")
    return "\n".join(lines + notes)


def _cell(stat: tuple[float, float, int], digits: int) -> str:
    mean, std, count = stat
    return "—" if count == 0 else f"{mean:.{digits}f} ± {std:.{digits}f}"


def plot_run_figures(comparison: Comparison, out: str | Path, *, seed: int | None = None,
                     limit: int | None = None, root: str | None = None) -> list[Path]:
    """One figure per held-out image: the image, its ground truth and each run's prediction with
    its topological errors (:func:`toposeg.metrics.warping_error_map`, red; of a multi-class run,
    every class together against the background).

    The images come from the baseline's data set (its ``root``, or ``root`` given here).
    Returns the files written (``out/<image>.png``).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from toposeg.data import DATASETS, get_dataset
    from toposeg.metrics import warping_error_map
    from toposeg.train.config import TrainConfig
    from toposeg.train.evaluation import load_split, segment
    from toposeg.train.figures import _save

    base = next(r for r in comparison.runs if r.label == comparison.baseline)
    config = TrainConfig.from_dict(base.record["config"]["base"])
    if root is not None:
        config = config.replace(root=str(root))
    if DATASETS[config.dataset].kind in ("folder", "benchmark"):
        samples = list(get_dataset(config.dataset, root=config.root, split="all", **config.data_options()))
        if base.record["protocol"] == "fixed splits":
            samples += list(load_split(config, "test"))
    else:
        samples = list(load_split(config, "train" if base.record["protocol"] != "fixed splits" else "test"))
    by_name = {s.name: s for s in samples}
    seed = int(base.rows[0]["seed"]) if seed is None else seed
    units = [(int(r["fold"]), str(r["image"])) for r in base.rows if int(r["seed"]) == seed]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for fold, name in units[:limit]:
        sample = by_name[name]
        image = sample.image if sample.channels == 1 else np.moveaxis(sample.image, 0, -1)
        image = (image - image.min()) / max(float(image.max() - image.min()), 1e-12)
        panels = [("image", image, "gray"), ("ground truth", sample.mask, "gray" if not sample.labelled else "viridis")]
        for run in comparison.runs:
            path = prediction_path(run.folder / f"seed{seed}" / f"fold{fold}", name)
            if not path.is_file():
                continue
            threshold = float(run.record["config"]["base"].get("threshold", 0.5))
            classes = int(run.record["config"]["base"].get("classes") or 1)
            pred = segment(np.load(path).astype(np.float32), threshold, classes) > 0  # multi-class: every class
            if sample.region is not None:
                pred = pred & sample.region
            errors = warping_error_map(pred, sample.mask > 0)  # a real data set's mask is already cut to its region
            view = np.repeat(np.where(pred, 0.2, 1.0)[..., None], 3, axis=-1)
            view[errors] = (0.9, 0.1, 0.1)
            score = {r["image"]: r for r in run.rows if int(r["seed"]) == seed}.get(name, {})
            panels.append((f"{run.label}: Betti err. {score.get('betti_error_1', math.nan):.2f} / "
                           f"{score.get('betti_error_0', math.nan):.2f}, {int(errors.sum())} topo. px", view, None))
        figure, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 3.6))
        for ax, (label, data, cmap) in zip(np.atleast_1d(axes), panels, strict=True):
            ax.imshow(data, cmap=cmap, interpolation="nearest")
            ax.set_title(label, fontsize=7)
            ax.set_axis_off()
        figure.suptitle(f"{name} (seed {seed}, fold {fold}); red: topological errors", fontsize=9)
        figure.tight_layout()
        target = out / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name).strip('_')}.png"
        _save(figure, target)
        written.append(target)
    return written
