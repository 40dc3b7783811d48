"""Figures: persistence diagrams, critical pixels, structures drawn over images."""

from toposeg.viz.persistence import plot_critical_pixels, plot_diagram

__all__ = ["plot_critical_pixels", "plot_diagram"]
