"""toposeg: topology-aware segmentation of fine structures in 2D images and 3D volumes."""

from toposeg.persistence import (
    EssentialClasses,
    PersistenceResult,
    betti_numbers,
    cubical_persistence,
    cubical_persistence_batch,
)

__version__ = "0.1.0"

__all__ = [
    "EssentialClasses",
    "PersistenceResult",
    "betti_numbers",
    "cubical_persistence",
    "cubical_persistence_batch",
]
