"""Datasets: built-in synthetic samples and generators, file reading."""

from toposeg.data.io import read_image
from toposeg.data.samples import curvilinear_likelihood

__all__ = ["curvilinear_likelihood", "read_image"]
