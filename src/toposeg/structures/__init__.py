"""Which topological structures a map has, their critical pixels and their goals (no torch).

NumPy in, NumPy out, between the core (:mod:`toposeg.persistence`, :mod:`toposeg.morse`,
:mod:`toposeg.digital`) and the scoring layer: the losses ask these functions on detached CPU
arrays and gather the prediction at the indices returned; uncertainty, preprocessing and
trigger hunting use them directly. Indices are flat C-order indices into a stack of images
``(n_images, *spatial)``; random choices come from a NumPy ``Generator`` passed in.

* :mod:`.patches`: where topology is looked at (whole image, tiles, random patches).
* :mod:`.matching_terms`: diagram-matching terms ``(f[index] - goal)**2`` (TopoLoss, localized
  PH), with :mod:`.height` for the localized filtration.
* :mod:`.morse_masks`: the DMT Morse mask; :mod:`.warping`: the homotopy-warping critical
  pixels; both as a :class:`PixelSet`.
* :mod:`.betti_matching_terms`: the Betti matching loss's terms, pairs matched in place.
* :mod:`.components`: the component-prior terms ``(f[first] - f[second])**2``.
"""

from toposeg.structures.betti_matching_terms import betti_matching_terms
from toposeg.structures.components import PairTerms, component_terms
from toposeg.structures.height import HeightFunction, height_function
from toposeg.structures.matching_terms import PixelTerms, check_dims, matched_terms
from toposeg.structures.morse_masks import (
    MorseStructures,
    check_morse_options,
    morse_mask_indices,
    morse_mask_pixels,
)
from toposeg.structures.patches import (
    PatchLayout,
    PatchMode,
    check_patch_mode,
    check_patch_size,
    extract_patches,
    patch_layout,
)
from toposeg.structures.pixels import PixelSet
from toposeg.structures.warping import warping_critical_pixels

__all__ = [
    "HeightFunction",
    "MorseStructures",
    "PairTerms",
    "PatchLayout",
    "PatchMode",
    "PixelSet",
    "PixelTerms",
    "betti_matching_terms",
    "check_dims",
    "check_morse_options",
    "check_patch_mode",
    "check_patch_size",
    "component_terms",
    "extract_patches",
    "height_function",
    "matched_terms",
    "morse_mask_indices",
    "morse_mask_pixels",
    "patch_layout",
    "warping_critical_pixels",
]
