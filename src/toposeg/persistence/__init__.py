"""Cubical persistent homology of 2D images and 3D volumes (the engine under every loss)."""

from toposeg.persistence.betti import betti_numbers
from toposeg.persistence.betti_matching import BettiMatchingResult, betti_matching, betti_matching_batch
from toposeg.persistence.cubical import cubical_persistence, cubical_persistence_batch
from toposeg.persistence.matching import DiagramMatching, match_diagrams
from toposeg.persistence.result import EssentialClasses, PersistenceResult

__all__ = [
    "BettiMatchingResult",
    "DiagramMatching",
    "EssentialClasses",
    "PersistenceResult",
    "betti_matching",
    "betti_matching_batch",
    "betti_numbers",
    "cubical_persistence",
    "cubical_persistence_batch",
    "match_diagrams",
]
