"""Segmentation metrics: per-sample NumPy functions."""

from toposeg.metrics.warping import warping_error, warping_error_map

__all__ = ["warping_error", "warping_error_map"]
