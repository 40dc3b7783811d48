"""Digital topology of binary masks: simple points and homotopic warping (thesis ch.5).

Core layer (NumPy and Numba). Connectivity follows the toposeg convention: ``1`` is a 4 (6)
connected foreground with an 8 (26) connected background, ``ndim`` the reverse pair. The
outside of an array counts as background.
"""

from toposeg.digital.simple_points import simple_point_map
from toposeg.digital.warping import critical_mask, critical_mask_batch, warp

__all__ = ["critical_mask", "critical_mask_batch", "simple_point_map", "warp"]
