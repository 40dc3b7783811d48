"""Topological preprocessing of input images before segmentation (seed 004, Sec. III-C).

NumPy only (no torch): smoothing, border modification, the lifetime-gap threshold, object
marking (Algorithm 1) and interpolation of the background, in 2D and 3D.
"""

from toposeg.preprocess.count_rule import count_threshold
from toposeg.preprocess.filters import border_band, modify_border, smooth
from toposeg.preprocess.gap import LifetimeGap, lifetime_gap_threshold
from toposeg.preprocess.interpolation import interpolate_background
from toposeg.preprocess.marking import ObjectPolarity, filtration_order, mark_objects
from toposeg.preprocess.pipeline import (
    PreprocessOptions,
    TopologicalPreprocessing,
    topological_preprocess,
)

__all__ = [
    "LifetimeGap",
    "ObjectPolarity",
    "PreprocessOptions",
    "TopologicalPreprocessing",
    "border_band",
    "count_threshold",
    "filtration_order",
    "interpolate_background",
    "lifetime_gap_threshold",
    "mark_objects",
    "modify_border",
    "smooth",
    "topological_preprocess",
]
