"""Numba settings shared by every compiled kernel of toposeg.

Kernels are private functions that take arrays and scalars only. They are compiled once per
machine and cached on disk (``cache=True``; set ``NUMBA_CACHE_DIR`` to choose the folder) and
release the GIL (``nogil=True``) so that a batch can run in a thread pool.
"""

from __future__ import annotations

import numba

__all__ = ["kernel"]


def kernel(function):
    """Compile ``function`` as a cached, GIL-free Numba kernel."""
    return numba.njit(cache=True, nogil=True)(function)
