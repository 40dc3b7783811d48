"""Evaluation metrics for topology-aware segmentation (NumPy; 2D and 3D).

Per-sample functions take a prediction and a ground truth of one shape (binary masks unless
stated) and return a float or a small frozen dataclass. :class:`MetricAccumulator` scores a
dataset with a chosen set of the named metrics in :data:`METRICS` and writes tables.
See ``docs/metrics.md`` for definitions, conventions and measured speed.
"""

from toposeg.metrics.accumulator import ColumnSummary, MetricAccumulator
from toposeg.metrics.apls import APLS, apls
from toposeg.metrics.betti_error import BettiError, betti_error, betti_windows
from toposeg.metrics.betti_matching import BettiMatchingError, betti_matching_error
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
from toposeg.metrics.registry import METRICS, Metric, register_metric
from toposeg.metrics.tlts import TLTS, tlts
from toposeg.metrics.warping import warping_error, warping_error_map
from toposeg.persistence import betti_numbers


__all__ = [
    "APLS",
    "CCQ",
    "METRICS",
    "TLTS",
    "AdaptedRand",
    "BettiError",
    "BettiMatchingError",
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
    "betti_matching_error",
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
    "register_metric",
    "tlts",
    "voi",
    "warping_error",
    "warping_error_map",
]
