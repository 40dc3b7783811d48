"""Figures: persistence diagrams, critical pixels, structures drawn over images."""

from toposeg.viz.morse import morse_overlay, plot_morse_structures
from toposeg.viz.persistence import plot_critical_pixels, plot_diagram

__all__ = ["morse_overlay", "plot_critical_pixels", "plot_diagram", "plot_morse_structures"]
