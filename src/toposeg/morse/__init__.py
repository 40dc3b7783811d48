"""Discrete Morse structures of a likelihood map, pruned by persistence (seed 001, thesis ch.6-7).

* :func:`morse_skeleton`: S1(eps), the 1-stable manifolds: ridges joining maxima through
  saddles of persistence >= eps.
* :func:`watershed_boundaries`: S2(eps), boundaries between basins of persistence >= eps
  (the PH-filtered topology watershed approximating the 2-stable manifolds).
* :func:`morse_branches`: every branch of either structure with its persistence, computed once
  and sliced at any eps.
"""

from toposeg.morse.branches import MorseBranches, morse_branches
from toposeg.morse.skeleton import morse_skeleton
from toposeg.morse.watershed import watershed_boundaries

__all__ = ["MorseBranches", "morse_branches", "morse_skeleton", "watershed_boundaries"]
