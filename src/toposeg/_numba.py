"""Numba settings shared by every compiled kernel of toposeg.

Kernels are private functions that take arrays and scalars only. They are compiled once per
machine and cached on disk (``cache=True``; set ``NUMBA_CACHE_DIR`` to choose the folder) and
release the GIL (``nogil=True``) so that a batch can run in a thread pool. Small helpers called
in inner loops are inlined into their callers (:func:`inline_kernel`): separately compiled
functions are otherwise called, not inlined.
"""

from __future__ import annotations

import numba

__all__ = ["inline_kernel", "kernel"]


def kernel(function):
    """Compile ``function`` as a cached, GIL-free Numba kernel."""
    return numba.njit(cache=True, nogil=True)(function)


def inline_kernel(function):
    """Compile ``function`` like :func:`kernel`, inlined into every kernel that calls it."""
    return numba.njit(cache=True, nogil=True, inline="always")(function)
