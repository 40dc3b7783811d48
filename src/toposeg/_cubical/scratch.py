"""Per-thread scratch arrays, reused from one call to the next.

Large fresh arrays cost a page fault per 4 kB page the first time they are written; the internal
arrays of the cubical kernels (padded image, pointers, saddle lists, of the persistence engine
and the Morse passes alike) are therefore kept per thread and reused. They never leave the
kernels: results are always fresh arrays. Each thread keeps the largest buffers it has needed.
"""

from __future__ import annotations

import threading

import numpy as np

_local = threading.local()


def scratch(name: str, size: int, dtype: type) -> np.ndarray:
    """A flat array of ``size`` elements owned by this thread; its contents are undefined."""
    buffers = getattr(_local, "buffers", None)
    if buffers is None:
        buffers = _local.buffers = {}
    buffer = buffers.get(name)
    if buffer is None or buffer.dtype != dtype or buffer.shape[0] < size:
        buffer = buffers[name] = np.empty(size, dtype=dtype)
    return buffer[:size]
