"""Interactive proofreading by structure-level uncertainty (thesis ch.7, section 7.3.5).

* :class:`ProofreadingSession`: branches queued by descending uncertainty, accept / reject /
  undo / brush actions, the corrected mask; a 3D volume slice by slice.
* :class:`ActionLog`: the session bound to an atomically autosaved action log (replaying it
  reproduces the mask; reopening it resumes).
* :class:`ProofreadingServer`: the local web page of ``toposeg proofread``.
* :func:`simulate_proofreading`: a simulated annotator and the metrics against inspections.
"""

from toposeg.proofread.colours import uncertainty_colour
from toposeg.proofread.log import ActionLog, read_log, replay, write_atomically
from toposeg.proofread.server import ProofreadingServer
from toposeg.proofread.session import ActionError, ProofreadingInputs, ProofreadingSession
from toposeg.proofread.simulate import ORDERS, ProofreadingCurve, inspection_order, simulate_proofreading

__all__ = [
    "ORDERS",
    "ActionError",
    "ActionLog",
    "ProofreadingCurve",
    "ProofreadingInputs",
    "ProofreadingServer",
    "ProofreadingSession",
    "inspection_order",
    "read_log",
    "replay",
    "simulate_proofreading",
    "uncertainty_colour",
    "write_atomically",
]
