"""Evaluation metrics for topology-aware segmentation (NumPy; 2D and 3D).

Per-sample functions take a prediction and a ground truth of one shape (binary masks unless
stated) and return a float or a small frozen dataclass. :class:`MetricAccumulator` scores a
dataset with a chosen set of the named metrics in :data:`METRICS` and writes tables.
See ``docs/metrics.md`` for definitions, conventions and measured speed.
"""

import numpy as np

from toposeg.metrics.accumulator import ColumnSummary, MetricAccumulator
from toposeg.metrics.apls import APLS, apls
from toposeg.metrics.betti_error import BettiError, betti_error, betti_windows
from toposeg.metrics.ccq import CCQ, ccq
from toposeg.metrics.cldice import cldice
from toposeg.metrics.contingency import (
    ContingencyTable,
    contingency_table,
    region_labels,
)
from toposeg.metrics.information import VariationOfInformation, voi
from toposeg.metrics.instances import ap75
from toposeg.metrics.junctions import JunctionScore, junction_f1
from toposeg.metrics.overlap import (
    PrecisionRecall,
    accuracy,
    dice,
    jaccard,
    precision_recall,
)
from toposeg.metrics.permutation_test import PermutationTest, paired_permutation_test
from toposeg.metrics.rand import AdaptedRand, adapted_rand
from toposeg.metrics.registry import Metric
from toposeg.metrics.tlts import TLTS, tlts
from toposeg.metrics.warping import warping_error, warping_error_map
from toposeg.persistence import betti_numbers


def _betti_numbers_of_both(pred: np.ndarray, gt: np.ndarray, *, connectivity: int = 1) -> dict[str, int]:
    """Betti numbers of the prediction and of the ground truth, as table columns."""
    columns = {}
    for role, mask in (("pred", pred), ("gt", gt)):
        for d, b in enumerate(betti_numbers(mask, connectivity=connectivity)):
            columns[f"{d}_{role}"] = b
    return columns


#: Every named metric. ``default=True`` marks the default set of ``toposeg evaluate`` and
#: :class:`MetricAccumulator` (all of it runs in < 1 s on a 1024x1024 pair; see docs/metrics.md).
METRICS: tuple[Metric, ...] = (
    Metric("accuracy", accuracy, default=True),
    Metric("dice", dice, default=True),
    Metric("jaccard", jaccard, default=True),
    Metric("precision_recall", precision_recall, default=True, prefix=""),
    Metric("betti_error", betti_error, fixed={"protocol": "patches"}, default=True),
    Metric("betti_error_global", betti_error, fixed={"protocol": "global"}, default=True),
    Metric("betti_error_tiles", betti_error, fixed={"protocol": "tiles"}),
    Metric("betti_numbers", _betti_numbers_of_both, prefix="betti_"),
    Metric("adapted_rand", adapted_rand, default=True),
    Metric("voi", voi, default=True),
    Metric("cldice", cldice, default=True),
    Metric("ccq", ccq, default=True),
    Metric("warping_error", warping_error, default=True),
    Metric("ap75", ap75),
    Metric("apls", apls),
    Metric("tlts", tlts),
    Metric("jct", junction_f1),
)


__all__ = [
    "APLS",
    "CCQ",
    "METRICS",
    "TLTS",
    "AdaptedRand",
    "BettiError",
    "ColumnSummary",
    "ContingencyTable",
    "JunctionScore",
    "Metric",
    "MetricAccumulator",
    "PermutationTest",
    "PrecisionRecall",
    "VariationOfInformation",
    "accuracy",
    "adapted_rand",
    "ap75",
    "apls",
    "betti_error",
    "betti_numbers",
    "betti_windows",
    "ccq",
    "cldice",
    "contingency_table",
    "dice",
    "jaccard",
    "junction_f1",
    "paired_permutation_test",
    "precision_recall",
    "region_labels",
    "tlts",
    "voi",
    "warping_error",
    "warping_error_map",
]
