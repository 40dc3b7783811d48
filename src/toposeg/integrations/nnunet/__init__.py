"""nnU-Net v2 integration: trainers that add a toposeg topological loss to nnU-Net's loss.

``pip install "toposeg[nnunet]"``, then ``toposeg nnunet register`` once, then
``nnUNetv2_train DATASET CONFIG FOLD -tr nnUNetTrainerToposegTopo`` (or ``...DMT``,
``...Warping``, ``...ClDice``); ``toposeg nnunet unregister`` undoes the registration. See
``docs/nnunet.md``. The trainers themselves live in :mod:`toposeg.integrations.nnunet.trainers`,
which needs nnU-Net; this package and its other modules do not.
"""

from toposeg.integrations.nnunet.discovery import is_registered, register, unregister
from toposeg.integrations.nnunet.loss import (
    TOPOLOGICAL_TERMS,
    TopologicalTerm,
    WithTopologicalTerm,
    topological_term,
)
from toposeg.integrations.nnunet.options import TrainerOptions, read_options

__all__ = [
    "TOPOLOGICAL_TERMS",
    "TopologicalTerm",
    "TrainerOptions",
    "WithTopologicalTerm",
    "is_registered",
    "read_options",
    "register",
    "topological_term",
    "unregister",
]
